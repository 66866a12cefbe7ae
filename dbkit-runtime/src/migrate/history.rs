//! `refinery_schema_history`: reading it in one round trip (a missing table
//! is an empty history), creating it, and recording an applied migration.

use super::connection::database_error;
use super::error::MigrateError;
use super::migration::Migration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, SimpleQueryMessage};

/// refinery's history table, kept so that any refinery runner agrees.
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// The applied version.
    pub version: i32,
    /// The name recorded with it.
    pub name: String,
    /// When it was applied, as the runner that applied it wrote it.
    pub applied_on: String,
    /// refinery's checksum of the file as applied, in decimal.
    pub checksum: String,
}

/// The history sorted by version, or an empty one when the table does not
/// exist: one simple query, which writes nothing and takes no lock.
pub(crate) async fn read_history(client: &Client) -> Result<Vec<HistoryRow>, MigrateError> {
    let sql =
        format!("SELECT version, name, applied_on, checksum FROM {HISTORY_TABLE} ORDER BY version");
    let messages = match client.simple_query(&sql).await {
        Ok(messages) => messages,
        Err(error) if error.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(Vec::new()),
        Err(error) => return Err(database_error("read the history table", &error)),
    };
    let mut rows = Vec::new();
    for message in &messages {
        let SimpleQueryMessage::Row(row) = message else {
            continue;
        };
        let text = |index: usize| row.get(index).unwrap_or_default().to_string();
        let version = text(0).parse().map_err(|_| MigrateError::Database {
            action: "read the history table".to_string(),
            reason: format!("`{}` is not a version", text(0)),
        })?;
        rows.push(HistoryRow {
            version,
            name: text(1),
            applied_on: text(2),
            checksum: text(3),
        });
    }
    Ok(rows)
}

/// Creates the history table, with refinery's columns, if it is missing.
/// Whether it exists is asked first: `CREATE TABLE IF NOT EXISTS` checks
/// the CREATE privilege on the schema before it looks, which a role that
/// was only granted a table a DBA created does not have.
pub(crate) async fn create_history_table(client: &Client) -> Result<(), MigrateError> {
    let exists = client
        .simple_query(&format!(
            "SELECT to_regclass('{HISTORY_TABLE}') IS NOT NULL"
        ))
        .await
        .map_err(|error| database_error("look for the history table", &error))?
        .iter()
        .any(|message| matches!(message, SimpleQueryMessage::Row(row) if row.get(0) == Some("t")));
    if exists {
        return Ok(());
    }
    client
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))"
        ))
        .await
        .map_err(|error| database_error("create the history table", &error))
}

/// Adds `migration`'s row, in the transaction of the migration when it
/// has one.
pub(crate) async fn record(client: &Client, migration: &Migration) -> Result<(), MigrateError> {
    client
        .batch_execute(&record_statement(migration))
        .await
        .map_err(|error| {
            database_error(
                &format!("record migration `{}`", migration.file_name),
                &error,
            )
        })
}

/// The `INSERT` of `migration`'s row with its values written as literals,
/// so that it can share a simple query (one round trip, no prepared
/// statement) with the `COMMIT` that follows it. The name is written by
/// dbkit-core's `quote_literal`, which reads the same whatever the
/// session's `standard_conforming_strings`.
pub(crate) fn record_statement(migration: &Migration) -> String {
    format!(
        "INSERT INTO {HISTORY_TABLE} (version, name, applied_on, checksum) \
         VALUES ({}, {}, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '{}')",
        migration.version,
        dbkit_core::sql_text::quote_literal(&migration.name),
        migration.checksum,
    )
}
