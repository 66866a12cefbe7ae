//! The apply engine: lock, validate against `refinery_schema_history`, then apply each pending migration statement by statement.

use super::embedded::{Migration, Migrations};
use super::error::MigrateError;
use super::url::redact_database_url;
use dbkit_core::sql_split::split_sql_statements;
use std::time::{Duration, Instant};
use tokio_postgres::{Client, NoTls};

/// refinery's history table, kept so that any refinery runner agrees.
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// The session-level advisory lock key: FNV-1a of `dbkit:` and the history
/// table's name, fixed so that every replica takes the same lock.
const LOCK_KEY: i64 = fnv1a_64(b"dbkit:refinery_schema_history") as i64;

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

/// What a run applied.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The migrations applied by this run, in order; empty when the
    /// database was up to date.
    pub applied: Vec<AppliedMigration>,
}

/// One migration this run applied.
#[derive(Debug, Clone)]
pub struct AppliedMigration {
    /// Its version.
    pub version: i32,
    /// Its file name.
    pub file_name: String,
    /// How long it took.
    pub duration: Duration,
}

struct HistoryRow {
    version: i32,
    name: String,
    checksum: String,
}

impl Migrations {
    /// Applies the pending migrations to the database at `database_url`.
    ///
    /// Holds a session-level advisory lock for the whole run, so that
    /// replicas starting together apply each migration once; checks the
    /// history (changed, missing or out-of-order files) before applying
    /// anything; runs each migration in its own transaction with its
    /// history row, or statement by statement outside one when its first
    /// line is `-- dbkit:no-transaction`.
    pub async fn run(&self, database_url: &str) -> Result<Report, MigrateError> {
        let migrations = self.migrations()?;
        let client = connect(database_url).await?;
        take_lock(&client).await?;
        let report = apply_under_lock(&client, &migrations).await?;
        query(
            &client,
            "release the migration lock",
            "SELECT pg_advisory_unlock($1)",
            LOCK_KEY,
        )
        .await?;
        Ok(report)
    }
}

async fn connect(database_url: &str) -> Result<Client, MigrateError> {
    let (client, connection) =
        tokio_postgres::connect(database_url, NoTls)
            .await
            .map_err(|error| MigrateError::Connect {
                url: redact_database_url(database_url),
                reason: hide_password(&error_text(&error), database_url),
            })?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!("migration connection closed: {}", error_text(&error));
        }
    });
    Ok(client)
}

/// The driver's message with its cause, which is where the server's or the
/// socket's reason is.
fn error_text(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(database_error) => format!(
            "{} ({})",
            database_error.message(),
            database_error.code().code()
        ),
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

/// `text` with the URL's password, if it appears, replaced by `***`.
fn hide_password(text: &str, database_url: &str) -> String {
    let redacted = redact_database_url(database_url);
    let mut text = text.replace(database_url, &redacted);
    if let Some(password) = super::url::database_url_password(database_url)
        && !password.is_empty()
    {
        text = text.replace(password, "***");
    }
    text
}

/// Takes the session-level advisory lock, polling `pg_try_advisory_lock`
/// rather than waiting in `pg_advisory_lock`: a session blocked in a
/// statement holds a snapshot, which `CREATE INDEX CONCURRENTLY` in the
/// lock holder's session would wait for, a deadlock.
async fn take_lock(client: &Client) -> Result<(), MigrateError> {
    loop {
        let taken: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .map_err(|error| database_error("take the migration lock", &error))?
            .get(0);
        if taken {
            return Ok(());
        }
        tokio::time::sleep(LOCK_POLL_INTERVAL).await;
    }
}

/// How long a run waits between two attempts at the lock.
const LOCK_POLL_INTERVAL: Duration = Duration::from_millis(100);

async fn query(client: &Client, action: &str, sql: &str, key: i64) -> Result<(), MigrateError> {
    client
        .execute(sql, &[&key])
        .await
        .map(|_| ())
        .map_err(|error| database_error(action, &error))
}

fn database_error(action: &str, error: &tokio_postgres::Error) -> MigrateError {
    MigrateError::Database {
        action: action.to_string(),
        reason: error_text(error),
    }
}

async fn apply_under_lock(
    client: &Client,
    migrations: &[Migration],
) -> Result<Report, MigrateError> {
    client
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))"
        ))
        .await
        .map_err(|error| database_error("create the history table", &error))?;
    let history: Vec<HistoryRow> = client
        .query(
            &format!("SELECT version, name, checksum FROM {HISTORY_TABLE} ORDER BY version"),
            &[],
        )
        .await
        .map_err(|error| database_error("read the history table", &error))?
        .iter()
        .map(|row| HistoryRow {
            version: row.get(0),
            name: row.get::<_, Option<String>>(1).unwrap_or_default(),
            checksum: row.get::<_, Option<String>>(2).unwrap_or_default(),
        })
        .collect();
    let pending = validate(migrations, &history)?;
    let mut report = Report::default();
    for migration in pending {
        let started = Instant::now();
        apply_one(client, migration).await?;
        let duration = started.elapsed();
        tracing::info!(migration = %migration.file_name, ?duration, "applied migration");
        report.applied.push(AppliedMigration {
            version: migration.version,
            file_name: migration.file_name.clone(),
            duration,
        });
    }
    Ok(report)
}

/// The pending migrations, after checking that the applied ones are
/// unchanged and present and that no pending one is older than them.
fn validate<'a>(
    migrations: &'a [Migration],
    history: &[HistoryRow],
) -> Result<Vec<&'a Migration>, MigrateError> {
    for row in history {
        match migrations
            .iter()
            .find(|migration| migration.version == row.version)
        {
            None => {
                return Err(MigrateError::MissingAppliedFile {
                    version: row.version,
                    name: row.name.clone(),
                });
            }
            Some(migration) if migration.checksum.to_string() != row.checksum => {
                return Err(MigrateError::ChangedAfterApply {
                    file: migration.file_name.clone(),
                    applied: row.checksum.clone(),
                    embedded: migration.checksum,
                });
            }
            Some(_) => {}
        }
    }
    let newest_applied = history.iter().map(|row| row.version).max();
    let pending: Vec<&Migration> = migrations
        .iter()
        .filter(|migration| !history.iter().any(|row| row.version == migration.version))
        .collect();
    if let (Some(newest_applied), Some(first)) = (newest_applied, pending.first())
        && first.version < newest_applied
    {
        return Err(MigrateError::OutOfOrder {
            file: first.file_name.clone(),
            newest_applied,
        });
    }
    Ok(pending)
}

async fn apply_one(client: &Client, migration: &Migration) -> Result<(), MigrateError> {
    if migration.no_transaction {
        run_statements(client, migration).await?;
        return record(client, migration).await;
    }
    client
        .batch_execute("BEGIN")
        .await
        .map_err(|error| database_error("begin a transaction", &error))?;
    let result = match run_statements(client, migration).await {
        Ok(()) => record(client, migration).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => client.batch_execute("COMMIT").await.map_err(|error| {
            database_error(
                &format!("commit migration `{}`", migration.file_name),
                &error,
            )
        }),
        Err(error) => {
            if let Err(rollback) = client.batch_execute("ROLLBACK").await {
                tracing::warn!("rollback failed: {}", error_text(&rollback));
            }
            Err(error)
        }
    }
}

async fn run_statements(client: &Client, migration: &Migration) -> Result<(), MigrateError> {
    for statement in split_sql_statements(migration.sql) {
        if let Err(error) = client.batch_execute(statement.text).await {
            return Err(match error.as_db_error() {
                Some(database_error) => MigrateError::StatementFailed {
                    file: migration.file_name.clone(),
                    line: statement.line,
                    code: database_error.code().code().to_string(),
                    message: database_error.message().to_string(),
                    detail: database_error.detail().map(str::to_string),
                    hint: database_error.hint().map(str::to_string),
                    no_transaction: migration.no_transaction,
                },
                None => database_error(
                    &format!("run {}:{}", migration.file_name, statement.line),
                    &error,
                ),
            });
        }
    }
    Ok(())
}

async fn record(client: &Client, migration: &Migration) -> Result<(), MigrateError> {
    client
        .execute(
            &format!(
                "INSERT INTO {HISTORY_TABLE} (version, name, applied_on, checksum) \
                 VALUES ($1, $2, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), $3)"
            ),
            &[&migration.version, &migration.name, &migration.checksum.to_string()],
        )
        .await
        .map(|_| ())
        .map_err(|error| database_error(&format!("record migration `{}`", migration.file_name), &error))
}
