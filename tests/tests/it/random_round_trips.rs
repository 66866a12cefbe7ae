//! Random schema pairs (A, B): A is created on a fresh database, migrated to
//! B, and what the database holds must be B. Random schemas with every kind
//! of object (views, partitioned tables, extensions, functions, triggers,
//! generic objects) are created and read back equal, then kept or dropped
//! whole. Random renames that reuse
//! names (chains, swaps, cycles) must also leave every row and value where
//! the renames say.

use dbkit_core::diff::{DiffOptions, diff, quote_identifier, quote_literal, quote_qualified};
use dbkit_core::model::{QualifiedName, Schema};
use dbkit_core::render::render_migration;
use dbkit_core::test_support::strategies::{
    RenameShuffle, arbitrary_rename_shuffle, arbitrary_schema, arbitrary_schema_pair,
};
use dbkit_tests::{
    canonical_ignoring_column_order, database_holding, differences, round_trip, stored_as_snapshot,
};
use proptest::prelude::*;

/// Each case creates a database and applies two migrations; a modest count
/// keeps the suite fast. `PROPTEST_CASES` raises it for a longer hunt. A
/// failing case is saved under `proptest-regressions/` and replayed first.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_schema_pairs_round_trip_through_postgresql((first, second) in arbitrary_schema_pair()) {
        let outcome = runtime().block_on(async {
            let trip = round_trip(&first, &second).await?;
            trip.database.drop_now().await
        });
        if let Err(report) = outcome {
            return Err(TestCaseError::fail(report));
        }
    }

    #[test]
    fn random_schemas_round_trip_through_postgresql_and_drop_whole(schema in arbitrary_schema(), drop_all in any::<bool>()) {
        let second = if drop_all { Schema::default() } else { schema.clone() };
        let outcome = runtime().block_on(async {
            let trip = round_trip(&schema, &second).await?;
            trip.database.drop_now().await
        });
        if let Err(report) = outcome {
            return Err(TestCaseError::fail(report));
        }
    }

    #[test]
    fn renames_that_reuse_names_keep_every_row_and_value_in_place(shuffle in arbitrary_rename_shuffle()) {
        if let Err(report) = runtime().block_on(check_rename_shuffle(&shuffle)) {
            return Err(TestCaseError::fail(report));
        }
    }
}

/// What a column of the old table `table` holds in its one row: its own
/// name, so that where it ends up tells where it came from.
fn marker(table: &QualifiedName, column: &str) -> String {
    format!("{table}.{column}")
}

/// `SELECT` of one text per row: the `id` and every other column, `|`
/// between them, `-` for NULL.
fn rows_query(table: &QualifiedName, columns: &[&str]) -> String {
    let mut parts = vec!["\"id\"::text".to_string()];
    parts.extend(
        columns
            .iter()
            .map(|column| format!("coalesce({}, '-')", quote_identifier(column))),
    );
    format!(
        "SELECT concat_ws('|', {}) FROM {}",
        parts.join(", "),
        quote_qualified(table)
    )
}

/// The old schema on a fresh database with one marker row per table (`id`
/// the table's place in the old schema, each text column its
/// [`marker`]), migrated by what `generate` writes for the shuffle; then
/// each new table must hold the row of the table it continues, each column
/// the marker of the column it continues, and the database must be the new
/// schema.
async fn check_rename_shuffle(shuffle: &RenameShuffle) -> Result<(), String> {
    let (database, _) = database_holding("rename_shuffle", &shuffle.old).await?;
    let mut inserts = String::new();
    for (index, table) in shuffle.old.tables.iter().enumerate() {
        let names: Vec<String> = table
            .columns
            .iter()
            .map(|column| quote_identifier(&column.name))
            .collect();
        let values: Vec<String> = table
            .columns
            .iter()
            .map(|column| match column.name.as_str() {
                "id" => (index + 1).to_string(),
                name => quote_literal(&marker(&table.name, name)),
            })
            .collect();
        inserts.push_str(&format!(
            "INSERT INTO {} ({}) VALUES ({});\n",
            quote_qualified(&table.name),
            names.join(", "),
            values.join(", ")
        ));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(inserts))
        .execute(&database.pool)
        .await
        .map_err(|error| format!("marker rows: {error}"))?;

    let options = DiffOptions {
        renames: shuffle.renames.clone(),
        assume_drop_and_create: false,
    };
    let changes = diff(&stored_as_snapshot(&shuffle.old)?, &shuffle.new, &options)
        .map_err(|ambiguities| format!("ambiguous: {ambiguities:?}"))?;
    let migration = render_migration(&changes);
    database
        .apply(&migration)
        .await
        .map_err(|error| format!("{error}\n--- SQL ---\n{}", migration.sql))?;
    let report = |what: String| format!("{what}\n--- SQL ---\n{}", migration.sql);

    for origin in &shuffle.origins {
        let columns: Vec<&str> = origin.columns.iter().map(|(new, _)| new.as_str()).collect();
        let rows: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(rows_query(&origin.table, &columns)))
                .fetch_all(&database.pool)
                .await
                .map_err(|error| report(format!("reading {}: {error}", origin.table)))?;
        let place = shuffle
            .old
            .tables
            .iter()
            .position(|table| table.name == origin.from)
            .map_or(0, |index| index + 1);
        let mut expected = vec![place.to_string()];
        expected.extend(
            origin
                .columns
                .iter()
                .map(|(_, old)| marker(&origin.from, old)),
        );
        if rows != [expected.join("|")] {
            return Err(report(format!(
                "{} should hold the row of {}: {:?}, found {rows:?}",
                origin.table,
                origin.from,
                expected.join("|")
            )));
        }
    }

    let introspected = database.introspect().await?;
    let found = differences(&shuffle.new, &introspected, false);
    if !found.is_empty() {
        return Err(report(format!(
            "the database differs from the new schema:\n{}",
            dbkit_core::compare::format_differences(&found)
        )));
    }
    // The hints are gone from the canonical form, as from a snapshot.
    let leftover = diff(
        &canonical_ignoring_column_order(&shuffle.new),
        &canonical_ignoring_column_order(&introspected),
        &DiffOptions::default(),
    )
    .map_err(|ambiguities| report(format!("ambiguous against the database: {ambiguities:?}")))?;
    if !leftover.is_empty() {
        return Err(report(format!(
            "the differ still finds changes:\n{}",
            render_migration(&leftover).sql
        )));
    }
    database.drop_now().await
}
