//! Support code shared by the integration tests: databases on the run's
//! test server (`TestDb`), applying rendered migrations, and the round trip
//! code schema → SQL → database → introspection.

pub mod source;

use dbkit_core::compare::{Difference, canonical_schema, format_differences, schema_differences};
use dbkit_core::diff::{DiffOptions, diff};
use dbkit_core::model::Schema;
use dbkit_core::render::{RenderedMigration, render_migration};
use dbkit_core::snapshot::Snapshot;
use dbkit_introspect::{canonicalize_view_queries, introspect};
use dbkit_runtime::Migrations;
use dbkit_runtime::testing::TestDb;
use sqlx::PgPool;
use std::sync::LazyLock;

/// No migrations: round trips start from an empty database.
static NO_MIGRATIONS: LazyLock<Migrations> = LazyLock::new(|| {
    Migrations::from_migrations(Vec::new()).unwrap_or_else(|error| panic!("{error}"))
});

/// An empty database of its own on the run's test server (a `TestDb`),
/// dropped by [`TestDatabase::drop_now`] or when dropped, and kept, its
/// name and URL printed, when a test fails first.
#[derive(Debug)]
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
    database: TestDb,
}

impl TestDatabase {
    /// Creates a fresh, empty database.
    pub async fn create(prefix: &str) -> Result<TestDatabase, String> {
        let database = TestDb::builder(&NO_MIGRATIONS)
            .test_name(prefix)
            .build()
            .await
            .map_err(|error| error.to_string())?;
        Ok(TestDatabase {
            name: database.name().to_string(),
            url: database.url().to_string(),
            pool: database.pool().clone(),
            database,
        })
    }

    /// Closes the pool and drops the database.
    pub async fn drop_now(self) -> Result<(), String> {
        self.pool.close().await;
        drop(self.database);
        Ok(())
    }

    /// Applies a rendered migration the way a runner would: in one
    /// transaction, or statement by statement when it carries the
    /// no-transaction marker.
    pub async fn apply(&self, migration: &RenderedMigration) -> Result<(), String> {
        apply_migration(&self.pool, migration).await
    }

    /// The database's schema, as the introspector reads it.
    pub async fn introspect(&self) -> Result<Schema, String> {
        introspect(&self.pool, None)
            .await
            .map_err(|error| error.to_string())
    }

    /// `schema` with its views' queries as this database's PostgreSQL
    /// prints them, ready to compare with what [`TestDatabase::introspect`]
    /// reads.
    pub async fn with_printed_view_queries(&self, schema: &Schema) -> Result<Schema, String> {
        let mut connection = self.pool.acquire().await.map_err(|e| e.to_string())?;
        canonicalize_view_queries(&mut connection, schema.clone())
            .await
            .map_err(|error| error.to_string())
    }
}

/// See [`TestDatabase::apply`].
pub async fn apply_migration(pool: &PgPool, migration: &RenderedMigration) -> Result<(), String> {
    if migration.sql.trim().is_empty() {
        return Ok(());
    }
    create_policy_roles(pool, &migration.sql).await?;
    let run = |sql: String| async move {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(|error| format!("{error}\nwhile running:\n{sql}"))
    };
    if migration.no_transaction {
        for statement in sql_statements(&migration.sql) {
            run(statement).await?;
        }
        Ok(())
    } else {
        run(format!("BEGIN;\n{}\nCOMMIT;", migration.sql)).await
    }
}

/// Creates the roles the policies of `sql` name, as test databases do
/// (`RunOptions::create_missing_roles`): the test server is disposable.
pub async fn create_policy_roles(pool: &PgPool, sql: &str) -> Result<(), String> {
    for role in dbkit_core::policy_roles::required_roles(sql) {
        let body = format!(
            "BEGIN CREATE ROLE {} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END",
            dbkit_core::sql_text::quote_identifier(&role)
        );
        let statement = format!(
            "DO {}",
            dbkit_core::sql_text::dollar_quote(&body, "create_role")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(pool)
            .await
            .map_err(|error| format!("cannot create the role {role}: {error}"))?;
    }
    Ok(())
}

/// The statements of `sql`, as `dbkit_core::sql_split` splits them.
pub fn sql_statements(sql: &str) -> Vec<String> {
    dbkit_core::sql_split::split_sql_statements(sql)
        .into_iter()
        .map(|statement| statement.text.to_string())
        .collect()
}

/// What the round trips tell the differ: renames come from the hints of the
/// new schema; a table or column that disappears while another appears
/// without a hint is a drop and a create (what a user confirms).
pub fn diff_options() -> DiffOptions {
    DiffOptions {
        renames: Vec::new(),
        assume_drop_and_create: true,
    }
}

/// The migration from `old` to `new` (see [`diff_options`]).
pub fn migration_between(old: &Schema, new: &Schema) -> Result<RenderedMigration, String> {
    let changes = diff(old, new, &diff_options()).map_err(|ambiguities| {
        let lines: Vec<String> = ambiguities.iter().map(ToString::to_string).collect();
        format!("the differ found ambiguities:\n{}", lines.join("\n"))
    })?;
    Ok(render_migration(&changes))
}

/// `schema` as `cargo dbkit generate` finds it next time: written to a
/// snapshot file and read back (hints and source locations are gone).
pub fn stored_as_snapshot(schema: &Schema) -> Result<Schema, String> {
    let json = Snapshot::new(1, "V1__round_trip.sql", None, schema).to_json();
    Snapshot::from_json(&json)
        .map(|snapshot| snapshot.schema)
        .map_err(|error| {
            format!(
                "the snapshot does not read back: {error}
{json}"
            )
        })
}

/// `schema` in canonical form with every table's columns sorted by name:
/// PostgreSQL appends added columns at the end, so after an alteration only
/// the set of columns is comparable.
pub fn canonical_ignoring_column_order(schema: &Schema) -> Schema {
    let mut canonical = canonical_schema(schema);
    for table in &mut canonical.tables {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    canonical
}

/// Differences between the declared and the introspected schema, with or
/// without column order.
pub fn differences(
    expected: &Schema,
    actual: &Schema,
    compare_column_order: bool,
) -> Vec<Difference> {
    if compare_column_order {
        schema_differences(expected, actual)
    } else {
        schema_differences(
            &canonical_ignoring_column_order(expected),
            &canonical_ignoring_column_order(actual),
        )
    }
}

/// What a round trip did, for the test to inspect further.
#[derive(Debug)]
pub struct RoundTrip {
    pub database: TestDatabase,
    pub first_sql: String,
    pub second_sql: String,
    pub introspected: Schema,
}

/// Applies `diff(empty, first)` to a fresh database and checks the database
/// equals `first` (column order included), then applies the migration from
/// `first` as stored in a snapshot to `second` (what `generate` writes) and
/// checks the database equals `second`, and that diffing `second`
/// against what the database holds finds nothing. Errors list the
/// differing objects and the SQL that ran.
pub async fn round_trip(first: &Schema, second: &Schema) -> Result<RoundTrip, String> {
    round_trip_with_rows(first, second, None).await
}

/// [`round_trip`] with `rows` (SQL) run after the first migration, so that
/// the second one must keep or convert them.
pub async fn round_trip_with_rows(
    first: &Schema,
    second: &Schema,
    rows: Option<&str>,
) -> Result<RoundTrip, String> {
    let database = TestDatabase::create("round_trip").await?;
    let first_migration = migration_between(&Schema::default(), first)?;
    database.apply(&first_migration).await.map_err(|error| {
        format!(
            "the first migration failed: {error}\n--- first SQL ---\n{}",
            first_migration.sql
        )
    })?;
    let after_first = database.introspect().await?;
    let printed_first = database.with_printed_view_queries(first).await?;
    let found = differences(&printed_first, &after_first, true);
    if !found.is_empty() {
        return Err(format!(
            "after the first migration the database differs from the first schema:\n{}--- first SQL ---\n{}",
            format_differences(&found),
            first_migration.sql
        ));
    }
    if let Some(rows) = rows {
        sqlx::raw_sql(sqlx::AssertSqlSafe(rows.to_string()))
            .execute(&database.pool)
            .await
            .map_err(|error| format!("the rows could not be inserted: {error}"))?;
    }
    let second_migration = migration_between(&stored_as_snapshot(first)?, second)?;
    let sql_report = || {
        format!(
            "--- first SQL ---\n{}--- second SQL ---\n{}",
            first_migration.sql, second_migration.sql
        )
    };
    database
        .apply(&second_migration)
        .await
        .map_err(|error| format!("the second migration failed: {error}\n{}", sql_report()))?;
    let introspected = database.introspect().await?;
    let second = &database.with_printed_view_queries(second).await?;
    let found = differences(second, &introspected, false);
    if !found.is_empty() {
        return Err(format!(
            "after the second migration the database differs from the second schema:\n{}{}",
            format_differences(&found),
            sql_report()
        ));
    }
    let leftover = diff(
        &canonical_ignoring_column_order(second),
        &canonical_ignoring_column_order(&introspected),
        &diff_options(),
    )
    .map_err(|ambiguities| {
        format!("diffing the second schema against the database is ambiguous: {ambiguities:?}")
    })?;
    if !leftover.is_empty() {
        return Err(format!(
            "the differ still finds changes between the second schema and the database:\n{}\n{}",
            render_migration(&leftover).sql,
            sql_report()
        ));
    }
    Ok(RoundTrip {
        database,
        first_sql: first_migration.sql,
        second_sql: second_migration.sql,
        introspected,
    })
}

/// The proptest configuration of the database-backed property tests:
/// `default_cases` cases unless `PROPTEST_CASES` asks for more or fewer.
pub fn proptest_config(default_cases: u32, max_shrink_iters: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default_cases);
    proptest::test_runner::Config {
        cases,
        max_shrink_iters,
        ..proptest::test_runner::Config::default()
    }
}

/// A runtime on this thread for one property-test case.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("tokio runtime: {error}"))
}

/// A fresh database holding `schema`, made by the migration from the empty
/// schema, which is returned too and shown by an error.
pub async fn database_holding(
    test_name: &str,
    schema: &Schema,
) -> Result<(TestDatabase, RenderedMigration), String> {
    let database = TestDatabase::create(test_name).await?;
    let migration = migration_between(&Schema::default(), schema)?;
    database
        .apply(&migration)
        .await
        .map_err(|error| format!("{error}\n--- SQL ---\n{}", migration.sql))?;
    Ok((database, migration))
}
