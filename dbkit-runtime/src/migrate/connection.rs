//! The engine's one connection: connecting within a time limit, named in
//! `pg_stat_activity`, with the password kept out of every message; the
//! driver's errors as text; and the advisory lock, waited for within a
//! limit while its holder is named.

use super::database_url::{DatabaseUrl, redact_connection_strings};
use super::error::MigrateError;
use std::fmt;
use std::time::{Duration, Instant};
use tokio_postgres::{Client, Config, NoTls};

/// The session-level advisory lock key every run takes: FNV-1a of `dbkit:`
/// and the history table's name, fixed so that every replica takes the same
/// lock. In `pg_locks` it is the `advisory` lock with `classid` its high 32
/// bits, `objid` its low 32 bits and `objsubid` 1.
pub const MIGRATION_LOCK_KEY: i64 = fnv1a_64(b"dbkit:refinery_schema_history") as i64;

/// How long connecting and authenticating may take when neither the
/// caller nor the URL's `connect_timeout` says.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `application_name` of the engine's sessions when neither the caller
/// nor the URL names one: what a run waiting for the lock reports.
pub const DEFAULT_APPLICATION_NAME: &str = "dbkit migrate";

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

/// How long connecting to `database_url` may take, authentication
/// included: `requested` when given and not zero, else the URL's (or
/// key=value string's) `connect_timeout` when above zero, else
/// [`DEFAULT_CONNECT_TIMEOUT`]. Unlike libpq, where a missing or zero
/// `connect_timeout` waits forever and the limit applies to each host in
/// turn, the limit here always exists and covers the whole attempt.
pub fn connect_timeout_for(database_url: &DatabaseUrl, requested: Option<Duration>) -> Duration {
    if let Some(requested) = requested.filter(|requested| !requested.is_zero()) {
        return requested;
    }
    database_url
        .connection_string()
        .parse::<Config>()
        .ok()
        .and_then(|config| config.get_connect_timeout().copied())
        .filter(|timeout| !timeout.is_zero())
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
}

/// `3 s`, `1.5 s` or `500 ms`: a time limit as messages show it (the
/// engine's errors and the CLI's alike).
pub fn format_time_limit(limit: Duration) -> String {
    if limit.subsec_nanos() == 0 {
        format!("{} s", limit.as_secs())
    } else if limit < Duration::from_secs(1) {
        format!("{} ms", limit.as_millis())
    } else {
        format!("{} s", limit.as_secs_f64())
    }
}

/// Connects within `timeout` (see [`connect_timeout_for`]), the session
/// named `application_name` unless the URL names it, the connection driven
/// by a spawned task.
pub(crate) async fn connect(
    database_url: &DatabaseUrl,
    timeout: Option<Duration>,
    application_name: &str,
) -> Result<Client, MigrateError> {
    let connect_error = |error: &tokio_postgres::Error| MigrateError::Connect {
        url: database_url.clone(),
        reason: error_text(error),
    };
    let mut config: Config = database_url
        .connection_string()
        .parse()
        .map_err(|error| connect_error(&error))?;
    if config.get_application_name().is_none() {
        config.application_name(application_name);
    }
    let timeout = connect_timeout_for(database_url, timeout);
    // tokio-postgres bounds only each TCP connect; a server (or proxy) that
    // accepts and never answers would hold the start-up forever.
    let (client, connection) = tokio::time::timeout(timeout, config.connect(NoTls))
        .await
        .map_err(|_| MigrateError::ConnectTimeout {
            url: database_url.clone(),
            timeout,
        })?
        .map_err(|error| connect_error(&error))?;
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

/// The session that holds the migration lock, as `pg_stat_activity` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Its backend's process id (`pg_terminate_backend` takes it).
    pub pid: i32,
    /// Its `application_name`; empty when it set none.
    pub application_name: String,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.application_name.is_empty() {
            write!(formatter, "pid {} (no application_name)", self.pid)
        } else {
            write!(formatter, "pid {} (`{}`)", self.pid, self.application_name)
        }
    }
}

/// How long a run waits for the lock, and how often it says who holds it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LockWait {
    /// `None`: as long as it takes.
    pub limit: Option<Duration>,
    pub report_every: Duration,
}

/// Takes the session-level advisory lock, polling `pg_try_advisory_lock`
/// rather than waiting in `pg_advisory_lock`: a session blocked in a
/// statement holds a snapshot, which `CREATE INDEX CONCURRENTLY` in the
/// lock holder's session would wait for, a deadlock. While the lock is
/// taken, `on_wait` hears who holds it and how long the run has waited:
/// at once, then every `wait.report_every`. Past `wait.limit` the run
/// gives up with [`MigrateError::LockTimeout`], naming the holder.
pub(crate) async fn take_lock(
    client: &Client,
    wait: LockWait,
    mut on_wait: impl FnMut(Option<&LockHolder>, Duration),
) -> Result<(), MigrateError> {
    let started = Instant::now();
    let report_every = wait.report_every.max(LOCK_POLL_INTERVAL);
    let mut next_report = Duration::ZERO;
    loop {
        let taken = single_value(
            client,
            "take the migration lock",
            &format!("SELECT pg_try_advisory_lock({MIGRATION_LOCK_KEY})"),
        )
        .await?;
        if taken.as_deref() == Some("t") {
            return Ok(());
        }
        let waited = started.elapsed();
        if let Some(limit) = wait.limit
            && waited >= limit
        {
            return Err(MigrateError::LockTimeout {
                waited: limit,
                holder: lock_holder(client).await?,
            });
        }
        if waited >= next_report {
            let holder = lock_holder(client).await?;
            on_wait(holder.as_ref(), waited);
            while next_report <= waited {
                next_report = next_report.saturating_add(report_every);
            }
        }
        let pause = match wait.limit {
            Some(limit) => LOCK_POLL_INTERVAL.min(limit.saturating_sub(waited)),
            None => LOCK_POLL_INTERVAL,
        };
        tokio::time::sleep(pause).await;
    }
}

/// The other session that holds the migration lock in this database, if
/// any (it may have released it since the last attempt).
async fn lock_holder(client: &Client) -> Result<Option<LockHolder>, MigrateError> {
    let key = MIGRATION_LOCK_KEY as u64;
    let sql = format!(
        "SELECT held.pid, coalesce(activity.application_name, '') \
         FROM pg_locks AS held LEFT JOIN pg_stat_activity AS activity ON activity.pid = held.pid \
         WHERE held.locktype = 'advisory' AND held.granted AND held.pid IS NOT NULL \
         AND held.pid <> pg_backend_pid() \
         AND held.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND held.classid = '{}'::oid AND held.objid = '{}'::oid AND held.objsubid = 1 \
         ORDER BY held.pid LIMIT 1",
        key >> 32,
        key & 0xffff_ffff,
    );
    let messages = client
        .simple_query(&sql)
        .await
        .map_err(|error| database_error("find who holds the migration lock", &error))?;
    Ok(messages.iter().find_map(|message| match message {
        tokio_postgres::SimpleQueryMessage::Row(row) => Some(LockHolder {
            pid: row.get(0)?.parse().ok()?,
            application_name: row.get(1).unwrap_or_default().to_string(),
        }),
        _ => None,
    }))
}

/// Releases the lock [`take_lock`] took.
pub(crate) async fn release_lock(client: &Client) -> Result<(), MigrateError> {
    single_value(
        client,
        "release the migration lock",
        &format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"),
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

#[cfg(test)]
mod tests {
    use super::{DEFAULT_CONNECT_TIMEOUT, DatabaseUrl, MIGRATION_LOCK_KEY, format_time_limit};
    use std::time::Duration;

    /// Replicas of two dbkit versions exclude each other only if both take
    /// the same lock: the key must never change.
    #[test]
    fn the_migration_lock_key_never_changes() {
        assert_eq!(MIGRATION_LOCK_KEY, -8_493_085_327_065_225_126);
        assert_eq!(MIGRATION_LOCK_KEY as u64, 0x8a22_7fe4_b131_e85a);
    }

    fn connect_timeout_for(url: &str, requested: Option<Duration>) -> Duration {
        super::connect_timeout_for(&DatabaseUrl::from(url), requested)
    }

    #[test]
    fn the_connect_timeout_is_the_callers_then_the_urls_then_ten_seconds() {
        let seconds = Duration::from_secs;
        let url = "postgres://app@db/shop?connect_timeout=3";
        assert_eq!(connect_timeout_for(url, Some(seconds(7))), seconds(7));
        assert_eq!(connect_timeout_for(url, Some(Duration::ZERO)), seconds(3));
        assert_eq!(connect_timeout_for(url, None), seconds(3));
        let key_value = "host=db user=app connect_timeout=4";
        assert_eq!(connect_timeout_for(key_value, None), seconds(4));
        for default in [
            "postgres://app@db/shop",
            "postgres://app@db/shop?connect_timeout=0",
            "host=db connect_timeout=-1",
            "not a url",
        ] {
            assert_eq!(
                connect_timeout_for(default, None),
                DEFAULT_CONNECT_TIMEOUT,
                "{default}"
            );
        }
    }

    #[test]
    fn limits_read_as_written() {
        assert_eq!(format_time_limit(Duration::from_secs(10)), "10 s");
        assert_eq!(format_time_limit(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(format_time_limit(Duration::from_millis(500)), "500 ms");
    }
}
