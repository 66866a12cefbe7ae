//! The two sessions of a push: one that reads the schema, read-only
//! (`default_transaction_read_only = on` at connection time, so a dry run
//! cannot write whatever it runs), and one that applies the statements,
//! each transaction `BEGIN` … `COMMIT` with a `ROLLBACK` on the first
//! failure, which is reported with its statement and SQLSTATE.

use crate::database::session::{SessionError, connect_session, introspect_read_only};
use dbkit_core::model::Schema;
use dbkit_introspect::{MIGRATION_HISTORY_TABLE, remove_migration_history};
use dbkit_runtime::migrate::DatabaseUrl;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgDatabaseError};
use std::str::FromStr;
use std::time::Duration;

use super::plan::Transaction;

const APPLICATION_NAME: &str = "cargo dbkit push";

/// The live schema, read in a read-only session, without the migration
/// engine's history table (nor its schema, when the history is all that
/// schema holds and the code does not declare it).
pub async fn read_live_schema(
    url: &DatabaseUrl,
    code: &Schema,
    connect_timeout: Duration,
) -> Result<Schema, SessionError> {
    let live = introspect_read_only(url, APPLICATION_NAME, connect_timeout).await?;
    let live =
        super::views::views_spelled_as_code(url, APPLICATION_NAME, live, code, connect_timeout)
            .await?;
    Ok(without_migration_history(live, code))
}

/// `live` without the history table; a schema that only held it is left
/// out too unless the code declares it, so push never drops it.
pub fn without_migration_history(mut live: Schema, code: &Schema) -> Schema {
    let history_schemas: Vec<String> = live
        .tables
        .iter()
        .filter(|table| table.name.name == MIGRATION_HISTORY_TABLE)
        .map(|table| table.name.schema.clone())
        .collect();
    remove_migration_history(&mut live);
    let code_declares = |schema: &str| {
        code.schemas.iter().any(|name| name == schema)
            || code.tables.iter().any(|table| table.name.schema == schema)
            || code.enums.iter().any(|item| item.name.schema == schema)
    };
    let still_used = |live: &Schema, schema: &str| {
        live.tables.iter().any(|table| table.name.schema == schema)
            || live.enums.iter().any(|item| item.name.schema == schema)
    };
    for schema in history_schemas {
        if !code_declares(&schema) && !still_used(&live, &schema) {
            live.schemas.retain(|name| name != &schema);
        }
    }
    live
}

/// A statement PostgreSQL refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementFailure {
    /// 0-based, among all statements of the push.
    pub position: usize,
    /// 0-based index of its transaction.
    pub transaction: usize,
    pub statement: String,
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

/// Why applying stopped.
#[derive(Debug)]
pub enum ApplyError {
    /// The session was not connected within this time limit.
    ConnectTimeout(Duration),
    /// No session (or a lost one): the text of the error.
    Connection(String),
    Statement(StatementFailure),
}

/// Runs each transaction in its own `BEGIN` … `COMMIT`, in a session
/// connected within `connect_timeout`; `on_statement` is told the position
/// of each statement before it runs. On the first failure the transaction
/// is rolled back and the failure returned; earlier transactions stay
/// committed.
pub async fn apply_transactions(
    url: &DatabaseUrl,
    transactions: &[Transaction],
    connect_timeout: Duration,
    mut on_statement: impl FnMut(usize, &str),
) -> Result<(), ApplyError> {
    let options = PgConnectOptions::from_str(url.connection_string())
        .map_err(|error| ApplyError::Connection(error.to_string()))?
        .application_name(APPLICATION_NAME);
    let mut connection: PgConnection =
        connect_session(&options, connect_timeout)
            .await
            .map_err(|error| match error {
                SessionError::ConnectTimeout(timeout) => ApplyError::ConnectTimeout(timeout),
                SessionError::Failed(detail) => ApplyError::Connection(detail),
            })?;
    let mut position = 0;
    for (transaction_index, transaction) in transactions.iter().enumerate() {
        execute(&mut connection, "BEGIN")
            .await
            .map_err(|error| ApplyError::Connection(error.to_string()))?;
        for statement in &transaction.statements {
            on_statement(position, statement);
            if let Err(error) = execute(&mut connection, statement).await {
                let _ = execute(&mut connection, "ROLLBACK").await;
                return Err(failure(error, position, transaction_index, statement));
            }
            position += 1;
        }
        // A deferred constraint can still refuse the COMMIT.
        if let Err(error) = execute(&mut connection, "COMMIT").await {
            let _ = execute(&mut connection, "ROLLBACK").await;
            return Err(failure(
                error,
                position.saturating_sub(1),
                transaction_index,
                "COMMIT",
            ));
        }
    }
    let _ = connection.close().await;
    Ok(())
}

async fn execute(connection: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(connection)
        .await
        .map(|_| ())
}

fn failure(error: sqlx::Error, position: usize, transaction: usize, statement: &str) -> ApplyError {
    match &error {
        sqlx::Error::Database(database_error) => {
            match database_error.try_downcast_ref::<PgDatabaseError>() {
                Some(postgres) => ApplyError::Statement(StatementFailure {
                    position,
                    transaction,
                    statement: statement.to_string(),
                    code: postgres.code().to_string(),
                    message: postgres.message().to_string(),
                    detail: postgres.detail().map(str::to_string),
                    hint: postgres.hint().map(str::to_string),
                }),
                None => ApplyError::Connection(error.to_string()),
            }
        }
        _ => ApplyError::Connection(error.to_string()),
    }
}
