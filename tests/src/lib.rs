//! Support code shared by the integration tests: databases on the shared
//! local server, applying rendered migrations, and the round trip
//! code schema → SQL → database → introspection.

pub mod builders;
pub mod source;

use cargo_dbkit::introspect::introspect;
use dbkit_core::compare::{Difference, canonical_schema, format_differences, schema_differences};
use dbkit_core::diff::{DiffOptions, diff};
use dbkit_core::model::Schema;
use dbkit_core::render::{RenderedMigration, render_migration};
use dbkit_core::snapshot::Snapshot;
use dbkit_runtime::testing::LocalServer;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// A database of its own on the shared local server, dropped by
/// [`TestDatabase::drop_now`] (or left for the server's teardown when a
/// test fails first).
#[derive(Debug)]
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl TestDatabase {
    /// Creates a fresh, empty database.
    pub async fn create(prefix: &str) -> Result<TestDatabase, String> {
        let server = LocalServer::shared().map_err(|error| error.to_string())?;
        let (name, url) = server.create_unique_database(prefix).await.map_err(|error| error.to_string())?;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect(&url)
            .await
            .map_err(|error| format!("cannot connect to {url}: {error}"))?;
        Ok(TestDatabase { name, url, pool })
    }

    /// Closes the pool and drops the database.
    pub async fn drop_now(self) -> Result<(), String> {
        self.pool.close().await;
        let server = LocalServer::shared().map_err(|error| error.to_string())?;
        server.drop_database(&self.name).await.map_err(|error| error.to_string())
    }

    /// Applies a rendered migration the way a runner would: in one
    /// transaction, or statement by statement when it carries the
    /// no-transaction marker.
    pub async fn apply(&self, migration: &RenderedMigration) -> Result<(), String> {
        apply_migration(&self.pool, migration).await
    }

    /// The database's schema, as the introspector reads it.
    pub async fn introspect(&self) -> Result<Schema, String> {
        introspect(&self.pool, None).await.map_err(|error| error.to_string())
    }
}

/// See [`TestDatabase::apply`].
pub async fn apply_migration(pool: &PgPool, migration: &RenderedMigration) -> Result<(), String> {
    if migration.sql.trim().is_empty() {
        return Ok(());
    }
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

/// The statements of `sql`, each with its `;`, split where a `;` ends a
/// statement: not inside a string, a quoted identifier, a dollar-quoted
/// body or a comment. Comments before a statement stay with it; comments
/// after the last one are left out. A blank line
/// is no separator: a string (a comment of several paragraphs) may hold
/// one.
pub fn sql_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut rest = sql;
    while let Some(character) = rest.chars().next() {
        let skipped = match character {
            '\'' => {
                let escapes = current.ends_with(['E', 'e'])
                    && !current[..current.len() - 1].ends_with(|c: char| c.is_alphanumeric() || c == '_');
                quoted_length(rest, '\'', escapes)
            }
            '"' => quoted_length(rest, '"', false),
            '-' if rest.starts_with("--") => rest.find('\n').unwrap_or(rest.len()),
            '/' if rest.starts_with("/*") => rest.find("*/").map_or(rest.len(), |end| end + 2),
            '$' if !current.ends_with(|c: char| c.is_alphanumeric() || c == '_') => {
                dollar_quoted_length(rest).unwrap_or(1)
            }
            _ => character.len_utf8(),
        };
        current.push_str(&rest[..skipped]);
        rest = &rest[skipped..];
        if character == ';' {
            statements.push(std::mem::take(&mut current));
        }
    }
    statements.push(current);
    statements.into_iter().filter(|statement| !is_only_comments(statement)).collect()
}

/// The length of the quoted text at the start of `text` (which starts
/// with `quote`), the closing quote included; a doubled quote is one
/// character, and so is a backslash escape in an `E'...'` string.
fn quoted_length(text: &str, quote: char, backslash_escapes: bool) -> usize {
    let mut characters = text.char_indices().skip(1).peekable();
    while let Some((index, character)) = characters.next() {
        if backslash_escapes && character == '\\' {
            characters.next();
        } else if character == quote {
            if characters.peek().is_some_and(|&(_, next)| next == quote) {
                characters.next();
            } else {
                return index + 1;
            }
        }
    }
    text.len()
}

/// The length of a `$tag$...$tag$` body at the start of `text`, or `None`
/// when the `$` starts none (a parameter such as `$1`).
fn dollar_quoted_length(text: &str) -> Option<usize> {
    let tag_end = text[1..].find(|c: char| !(c.is_alphanumeric() || c == '_'))? + 1;
    if !text[tag_end..].starts_with('$') || text[1..tag_end].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let tag = &text[..=tag_end];
    let body = &text[tag.len()..];
    Some(tag.len() + body.find(tag).map_or(body.len(), |end| end + tag.len()))
}

fn is_only_comments(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if rest.is_empty() {
            return true;
        }
        if rest.starts_with("--") {
            rest = rest[rest.find('\n').unwrap_or(rest.len())..].trim_start();
        } else if rest.starts_with("/*") {
            rest = rest[rest.find("*/").map_or(rest.len(), |end| end + 2)..].trim_start();
        } else {
            return false;
        }
    }
}

/// What the round trips tell the differ: renames come from the hints of the
/// new schema; a table or column that disappears while another appears
/// without a hint is a drop and a create (what a user confirms).
pub fn diff_options() -> DiffOptions {
    DiffOptions { renames: Vec::new(), assume_drop_and_create: true }
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
        .map_err(|error| format!("the snapshot does not read back: {error}
{json}"))
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
pub fn differences(expected: &Schema, actual: &Schema, compare_column_order: bool) -> Vec<Difference> {
    if compare_column_order {
        schema_differences(expected, actual)
    } else {
        schema_differences(&canonical_ignoring_column_order(expected), &canonical_ignoring_column_order(actual))
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
    let database = TestDatabase::create("round_trip").await?;
    let first_migration = migration_between(&Schema::default(), first)?;
    database
        .apply(&first_migration)
        .await
        .map_err(|error| format!("the first migration failed: {error}\n--- first SQL ---\n{}", first_migration.sql))?;
    let after_first = database.introspect().await?;
    let found = differences(first, &after_first, true);
    if !found.is_empty() {
        return Err(format!(
            "after the first migration the database differs from the first schema:\n{}--- first SQL ---\n{}",
            format_differences(&found),
            first_migration.sql
        ));
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
    .map_err(|ambiguities| format!("diffing the second schema against the database is ambiguous: {ambiguities:?}"))?;
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

#[cfg(test)]
mod tests {
    use super::sql_statements;

    fn check(sql: &str, expected: &[&str]) {
        let statements = sql_statements(sql);
        let trimmed: Vec<&str> = statements.iter().map(|statement| statement.trim()).collect();
        assert_eq!(trimmed, expected, "statements of:\n{sql}");
    }

    #[test]
    fn statements_end_at_semicolons_outside_quotes_and_comments() {
        check("", &[]);
        check("-- header\n-- only comments\n\n", &[]);
        check("SELECT 1;\n\nSELECT 2;\n", &["SELECT 1;", "SELECT 2;"]);
        check("SELECT 1", &["SELECT 1"]);
        check(
            "-- dbkit:no-transaction\n\nCOMMENT ON TABLE t IS 'one;\n\ntwo';\n\nSELECT 2;",
            &["-- dbkit:no-transaction\n\nCOMMENT ON TABLE t IS 'one;\n\ntwo';", "SELECT 2;"],
        );
        check("SELECT 'it''s; here';SELECT 2;", &["SELECT 'it''s; here';", "SELECT 2;"]);
        check("SELECT E'a\\'; b';SELECT 2;", &["SELECT E'a\\'; b';", "SELECT 2;"]);
        check("SELECT 'a\\';SELECT 2;", &["SELECT 'a\\';", "SELECT 2;"]);
        check("CREATE TABLE \"a;\"\"b\" (x int);SELECT 2;", &["CREATE TABLE \"a;\"\"b\" (x int);", "SELECT 2;"]);
        check("SELECT $f$ ; $ $f$;SELECT $1;", &["SELECT $f$ ; $ $f$;", "SELECT $1;"]);
        check("SELECT a$b; SELECT 2;", &["SELECT a$b;", "SELECT 2;"]);
        check("SELECT 1; -- a comment; with a semicolon\nSELECT /* ; */ 2;", &["SELECT 1;", "-- a comment; with a semicolon\nSELECT /* ; */ 2;"]);
    }
}
