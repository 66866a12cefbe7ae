//! The sqlx sessions of `push`, `pull` and `check --database-url`, opened
//! within the command's connect time limit like the engine's session: a
//! server that accepts the connection and never answers ends the command
//! (exit 2) instead of hanging it.

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
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
