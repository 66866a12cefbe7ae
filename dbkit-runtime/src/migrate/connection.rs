//! The engine's one connection: connecting with the password kept out of
//! every message, the driver's errors as text, and the advisory lock.

use super::error::MigrateError;
use super::url::{DatabaseUrl, redact_connection_strings};
use std::time::Duration;
use tokio_postgres::{Client, NoTls};

/// The session-level advisory lock key: FNV-1a of `dbkit:` and the history
/// table's name, fixed so that every replica takes the same lock.
const LOCK_KEY: i64 = fnv1a_64(b"dbkit:refinery_schema_history") as i64;

/// How long a run waits between two attempts at the lock.
const LOCK_POLL_INTERVAL: Duration = Duration::from_millis(100);

const fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        index += 1;
    }
    hash
}

/// Connects, the connection driven by a spawned task.
pub(crate) async fn connect(database_url: &DatabaseUrl) -> Result<Client, MigrateError> {
    let (client, connection) = tokio_postgres::connect(database_url.connection_string(), NoTls)
        .await
        .map_err(|error| MigrateError::Connect {
            url: database_url.clone(),
            reason: error_text(&error),
        })?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!("migration connection closed: {}", error_text(&error));
        }
    });
    Ok(client)
}

/// The driver's message with its cause, which is where the server's or the
/// socket's reason is; a connection string in it shows no password.
pub(crate) fn error_text(error: &tokio_postgres::Error) -> String {
    let text = match error.as_db_error() {
        Some(database_error) => format!(
            "{} ({})",
            database_error.message(),
            database_error.code().code()
        ),
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    };
    redact_connection_strings(&text).into_owned()
}

/// An engine query (lock, history) that failed while doing `action`.
pub(crate) fn database_error(action: &str, error: &tokio_postgres::Error) -> MigrateError {
    MigrateError::Database {
        action: action.to_string(),
        reason: error_text(error),
    }
}

/// Takes the session-level advisory lock, polling `pg_try_advisory_lock`
/// rather than waiting in `pg_advisory_lock`: a session blocked in a
/// statement holds a snapshot, which `CREATE INDEX CONCURRENTLY` in the
/// lock holder's session would wait for, a deadlock. `on_wait` is called
/// once, when the first attempt finds the lock taken.
pub(crate) async fn take_lock(
    client: &Client,
    mut on_wait: impl FnMut(),
) -> Result<(), MigrateError> {
    let mut waited = false;
    loop {
        let taken = single_value(
            client,
            "take the migration lock",
            &format!("SELECT pg_try_advisory_lock({LOCK_KEY})"),
        )
        .await?;
        if taken.as_deref() == Some("t") {
            return Ok(());
        }
        if !waited {
            waited = true;
            on_wait();
        }
        tokio::time::sleep(LOCK_POLL_INTERVAL).await;
    }
}

/// Releases the lock [`take_lock`] took.
pub(crate) async fn release_lock(client: &Client) -> Result<(), MigrateError> {
    single_value(
        client,
        "release the migration lock",
        &format!("SELECT pg_advisory_unlock({LOCK_KEY})"),
    )
    .await
    .map(|_| ())
}

/// The first column of the first row of a one-round-trip simple query.
async fn single_value(
    client: &Client,
    action: &str,
    sql: &str,
) -> Result<Option<String>, MigrateError> {
    let messages = client
        .simple_query(sql)
        .await
        .map_err(|error| database_error(action, &error))?;
    Ok(messages.iter().find_map(|message| match message {
        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
        _ => None,
    }))
}
