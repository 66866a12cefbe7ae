//! `cargo dbkit push` diffs a live database against the code. A database
//! that the migrations of a random schema built must give no change at all
//! (PostgreSQL's spellings of defaults, types, checks and indexes are not
//! changes), and a push from one random schema to another must leave a
//! database that equals the second and has nothing more to push.

use cargo_dbkit::{
    live_views_spelled_as_code, push_changes, transactions, without_migration_history,
};
use dbkit_core::compare::format_differences;
use dbkit_core::model::Schema;
use dbkit_core::render::render_migration;
use dbkit_core::test_support::strategies::{arbitrary_schema, arbitrary_schema_pair};
use dbkit_tests::{TestDatabase, database_holding, differences, proptest_config, runtime};
use proptest::prelude::*;

/// Each case creates a database; a modest count keeps the suite fast.
/// `PROPTEST_CASES` raises it.
fn config() -> ProptestConfig {
    proptest_config(24, 100)
}

/// What push would run on `database` for `code`, as SQL ("" for nothing).
async fn pending_push(database: &TestDatabase, code: &Schema) -> Result<String, String> {
    let printed = database.with_printed_view_queries(code).await?;
    let live = live_views_spelled_as_code(database.introspect().await?, code, &printed);
    let live = without_migration_history(live, code);
    let changes = push_changes(&live, code, &[], true)
        .map_err(|ambiguities| format!("ambiguous: {ambiguities:?}"))?;
    Ok(render_migration(&changes).sql)
}

/// Builds `schema` with its migration, then asks push what is left.
async fn migrated_then_pushed(schema: &Schema) -> Result<(), String> {
    let (database, migration) = database_holding("push_no_change", schema).await?;
    let pending = pending_push(&database, schema).await?;
    if !pending.is_empty() {
        return Err(format!(
            "push finds changes on a database the migrations made from the same schema:\n{pending}\n--- migration ---\n{}",
            migration.sql
        ));
    }
    database.drop_now().await
}

/// Builds `first`, pushes `second` the way the command does (its
/// transactions), and checks the result.
async fn pushed_from_one_schema_to_another(first: &Schema, second: &Schema) -> Result<(), String> {
    let (database, _) = database_holding("push_pair", first).await?;
    let live = without_migration_history(database.introspect().await?, second);
    let changes = push_changes(&live, second, &[], true)
        .map_err(|ambiguities| format!("ambiguous: {ambiguities:?}"))?;
    let pushed = render_migration(&changes).sql;
    for transaction in transactions(&changes) {
        let sql = format!("BEGIN;\n{}\nCOMMIT;", transaction.statements.join("\n"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&database.pool)
            .await
            .map_err(|error| format!("the push failed: {error}\n--- push ---\n{pushed}"))?;
    }
    let mut introspected = database.introspect().await?;
    // Push leaves the database's triggers (functions) alone when the code
    // declares none: compare those only when the code declares some.
    dbkit_core::model::forget_undeclared_functions(&mut introspected, second);
    let found = differences(second, &introspected, false);
    if !found.is_empty() {
        return Err(format!(
            "after the push the database differs from the code:\n{}--- push ---\n{pushed}",
            format_differences(&found)
        ));
    }
    let pending = pending_push(&database, second).await?;
    if !pending.is_empty() {
        return Err(format!(
            "a second push still finds changes:\n{pending}\n--- first push ---\n{pushed}"
        ));
    }
    database.drop_now().await
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_database_migrated_from_the_code_has_nothing_to_push(schema in arbitrary_schema()) {
        if let Err(report) = runtime().block_on(migrated_then_pushed(&schema)) {
            return Err(TestCaseError::fail(report));
        }
    }

    #[test]
    fn a_push_makes_the_database_equal_the_code((first, second) in arbitrary_schema_pair()) {
        if let Err(report) = runtime().block_on(pushed_from_one_schema_to_another(&first, &second)) {
            return Err(TestCaseError::fail(report));
        }
    }
}
