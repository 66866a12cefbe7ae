//! The sqlx sessions of `push`, `pull` and `check --database-url`, opened
//! within the command's connect time limit like the engine's session: a
//! server that accepts the connection and never answers ends the command
//! (exit 2) instead of hanging it.

use dbkit_core::model::Schema;
use dbkit_introspect::{INTROSPECTION_CONNECTIONS, introspect};
use dbkit_runtime::migrate::DatabaseUrl;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;

/// The longest limit handed to sqlx's pool, which adds its acquire timeout
/// to an `Instant` and would overflow (a panic) on an absurd
/// `--connect-timeout` or `connect_timeout`.
const LONGEST_LIMIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Why a session could not be used.
#[derive(Debug)]
pub enum SessionError {
    /// Connecting and authenticating took longer than this.
    ConnectTimeout(Duration),
    /// Anything else, as sqlx (or the introspector) says it.
    Failed(String),
}

/// One session, connected within `timeout`.
pub async fn connect_session(
    options: &PgConnectOptions,
    timeout: Duration,
) -> Result<PgConnection, SessionError> {
    tokio::time::timeout(timeout, options.connect())
        .await
        .map_err(|_| SessionError::ConnectTimeout(timeout))?
        .map_err(|error| SessionError::Failed(error.to_string()))
}

/// A pool of up to `max_connections` sessions, each connected within
/// `timeout` (the pool's acquire timeout). Its first session is opened
/// here, on its own, and closed again: sqlx's pool retries a refused
/// connection until its acquire timeout and then says only that it timed
/// out, where this says why at once (refused, a bad password, no answer).
/// That costs one more connection per command.
pub async fn connect_pool(
    options: PgConnectOptions,
    max_connections: u32,
    timeout: Duration,
) -> Result<PgPool, SessionError> {
    let first = connect_session(&options, timeout).await?;
    let _ = first.close().await;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(timeout.min(LONGEST_LIMIT))
        .connect_lazy_with(options))
}

/// Reads the schema of the database at `url` in sessions whose
/// transactions are all read-only (`default_transaction_read_only = on`),
/// named `application_name` in `pg_stat_activity`, each connected within
/// `connect_timeout`: what `check --database-url` and `push` read before
/// deciding anything. The error is the time limit, or sqlx's or the
/// introspector's message, for the caller to phrase.
pub(crate) async fn introspect_read_only(
    url: &DatabaseUrl,
    application_name: &str,
    connect_timeout: Duration,
) -> Result<Schema, SessionError> {
    let options = read_only_connect_options(url, application_name).map_err(SessionError::Failed)?;
    let pool = connect_pool(options, INTROSPECTION_CONNECTIONS, connect_timeout).await?;
    let schema = introspect(&pool, None)
        .await
        .map_err(|error| SessionError::Failed(error.to_string()));
    pool.close().await;
    schema
}

/// sqlx's options for `url`, with every transaction read-only.
pub fn read_only_connect_options(
    url: &DatabaseUrl,
    application_name: &str,
) -> Result<PgConnectOptions, String> {
    PgConnectOptions::from_str(url.connection_string())
        .map(|options| {
            options
                .options([("default_transaction_read_only", "on")])
                .application_name(application_name)
        })
        .map_err(|error| error.to_string())
}
