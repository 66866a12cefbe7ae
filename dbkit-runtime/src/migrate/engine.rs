//! The engine's entry points: run (lock, check the history, apply each
//! pending migration statement by statement), the pending list of a dry
//! run, and the status of every migration. The binary at start-up and
//! `cargo dbkit migrate` both come through here.

use super::check::{Status, classify, pending_migrations};
use super::connection::{connect, database_error, error_text, release_lock, take_lock};
use super::error::MigrateError;
use super::history::{create_history_table, read_history, record, record_statement};
use super::migration::Migration;
use super::source::Migrations;
use super::url::DatabaseUrl;
use dbkit_core::sql_split::split_sql_statements;
use std::fmt;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

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

/// What a run tells the observer given to [`RunOptions::on_event`], in
/// this order: at most one `WaitingForLock`, then `Planned` once, then
/// `Applying` and `Applied` for each migration.
#[derive(Debug)]
#[non_exhaustive]
pub enum MigrateEvent<'a> {
    /// Another session holds the migration lock; the run waits for it.
    WaitingForLock,
    /// The history was checked under the lock; these migrations are
    /// applied next, in this order (none when the database is up to date).
    Planned {
        /// The migrations to apply.
        pending: &'a [&'a Migration],
    },
    /// A migration starts.
    Applying {
        /// The migration.
        migration: &'a Migration,
    },
    /// A migration was applied and recorded.
    Applied {
        /// The migration.
        migration: &'a Migration,
        /// How long it took.
        duration: Duration,
    },
}

type Observer<'a> = Box<dyn FnMut(MigrateEvent<'_>) + Send + 'a>;

/// How [`Migrations::run_with`] runs: up to which version, and who hears
/// about each migration.
#[derive(Default)]
pub struct RunOptions<'a> {
    target: Option<i32>,
    observer: Option<Observer<'a>>,
}

impl<'a> RunOptions<'a> {
    /// Apply everything pending, telling no one.
    pub fn new() -> RunOptions<'a> {
        RunOptions::default()
    }

    /// Apply the pending migrations up to and including version `target`
    /// only; a target that no file has is an error.
    pub fn target(mut self, target: i32) -> RunOptions<'a> {
        self.target = Some(target);
        self
    }

    /// Call `observer` with each [`MigrateEvent`] (for progress lines).
    pub fn on_event(
        mut self,
        observer: impl FnMut(MigrateEvent<'_>) + Send + 'a,
    ) -> RunOptions<'a> {
        self.observer = Some(Box::new(observer));
        self
    }

    fn tell(&mut self, event: MigrateEvent<'_>) {
        if let Some(observer) = self.observer.as_mut() {
            observer(event);
        }
    }
}

impl fmt::Debug for RunOptions<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RunOptions")
            .field("target", &self.target)
            .field("observer", &self.observer.as_ref().map(|_| "FnMut"))
            .finish()
    }
}

impl Migrations {
    /// Applies the pending migrations to the database at `database_url`, a
    /// URL or key=value connection string (`&str`, `String` or
    /// [`DatabaseUrl`]; errors show it with its password hidden).
    ///
    /// Holds a session-level advisory lock for the whole run, so that
    /// replicas starting together apply each migration once; checks the
    /// history (changed, missing or out-of-order files) before applying
    /// anything; runs each migration in its own transaction with its
    /// history row, or statement by statement outside one when its first
    /// line is `-- dbkit:no-transaction`.
    pub async fn run(&self, database_url: impl Into<DatabaseUrl>) -> Result<Report, MigrateError> {
        self.run_with(database_url, RunOptions::new()).await
    }

    /// [`Migrations::run`] with a target version and an observer.
    ///
    /// When the history, read once without the lock, shows nothing to
    /// apply, the run ends there: one connection and one query, no lock
    /// and no write.
    pub async fn run_with(
        &self,
        database_url: impl Into<DatabaseUrl>,
        mut options: RunOptions<'_>,
    ) -> Result<Report, MigrateError> {
        let migrations = self.sorted()?;
        let client = connect(&database_url.into()).await?;
        // Applied migrations only ever get added, and a problem the history
        // shows now stays, so an up-to-date or broken history needs no lock.
        let history = read_history(&client).await?;
        if pending_migrations(&migrations, &history, options.target)?.is_empty() {
            options.tell(MigrateEvent::Planned { pending: &[] });
            return Ok(Report::default());
        }
        take_lock(&client, || options.tell(MigrateEvent::WaitingForLock)).await?;
        notice_a_vanished_client(&client).await;
        let result = apply_under_lock(&client, &migrations, &mut options).await;
        let released = release_lock(&client).await;
        let report = result?;
        released?;
        Ok(report)
    }

    /// The migrations a run would apply now, up to `target` when given,
    /// after the same checks: a dry run. Takes no lock and writes nothing,
    /// not even the history table.
    pub async fn pending(
        &self,
        database_url: impl Into<DatabaseUrl>,
        target: Option<i32>,
    ) -> Result<Vec<Migration>, MigrateError> {
        let migrations = self.sorted()?;
        let client = connect(&database_url.into()).await?;
        let history = read_history(&client).await?;
        Ok(pending_migrations(&migrations, &history, target)?
            .into_iter()
            .cloned()
            .collect())
    }

    /// Where every migration stands in the database: applied, pending,
    /// changed since applied, unknown to the folder, or out of order.
    /// Takes no lock and writes nothing.
    pub async fn status(
        &self,
        database_url: impl Into<DatabaseUrl>,
    ) -> Result<Status, MigrateError> {
        let migrations = self.sorted()?;
        let client = connect(&database_url.into()).await?;
        let history = read_history(&client).await?;
        Ok(classify(&migrations, &history))
    }
}

impl Migrations {
    /// Records the pending migrations up to and including version `target`
    /// as applied, without running them: for a database that already holds
    /// what they create, such as one adopted by `cargo dbkit pull`, whose
    /// baseline migration describes the schema the database has.
    ///
    /// The rows are the ones [`Migrations::run`] would write (refinery's
    /// checksum of each file), so `status` then says applied and `run`
    /// applies nothing up to `target`. The same checks come first (changed,
    /// missing or out-of-order files, a `target` no file has), under the
    /// same lock; the history table is created when missing, and the rows
    /// are written in one transaction. Returns the migrations recorded,
    /// none when they were all applied already.
    pub async fn mark_applied(
        &self,
        database_url: impl Into<DatabaseUrl>,
        target: i32,
    ) -> Result<Vec<Migration>, MigrateError> {
        let migrations = self.sorted()?;
        let client = connect(&database_url.into()).await?;
        take_lock(&client, || {}).await?;
        let result = record_under_lock(&client, &migrations, target).await;
        let released = release_lock(&client).await;
        let recorded = result?;
        released?;
        Ok(recorded)
    }
}

async fn record_under_lock(
    client: &Client,
    migrations: &[Migration],
    target: i32,
) -> Result<Vec<Migration>, MigrateError> {
    create_history_table(client).await?;
    let history = read_history(client).await?;
    let pending = pending_migrations(migrations, &history, Some(target))?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from("BEGIN;\n");
    for migration in &pending {
        sql.push_str(&record_statement(migration));
        sql.push_str(";\n");
    }
    sql.push_str("COMMIT");
    if let Err(error) = client.batch_execute(&sql).await {
        if let Err(rollback) = client.batch_execute("ROLLBACK").await {
            tracing::warn!("rollback failed: {}", error_text(&rollback));
        }
        return Err(database_error("record the migrations as applied", &error));
    }
    Ok(pending.into_iter().cloned().collect())
}

/// Asks the server to check every second, while a statement runs, that
/// this client is still there (PostgreSQL 14 and later). Without it, a
/// migrator killed during a long statement keeps its session, its
/// transaction and the migration lock until that statement ends; with it,
/// they end within a second. An older server refuses the setting, which
/// changes nothing else.
async fn notice_a_vanished_client(client: &Client) {
    if let Err(error) = client
        .batch_execute("SET client_connection_check_interval = 1000")
        .await
    {
        tracing::debug!(
            "the server cannot check for a vanished client: {}",
            error_text(&error)
        );
    }
}

async fn apply_under_lock(
    client: &Client,
    migrations: &[Migration],
    options: &mut RunOptions<'_>,
) -> Result<Report, MigrateError> {
    create_history_table(client).await?;
    let history = read_history(client).await?;
    let pending = pending_migrations(migrations, &history, options.target)?;
    options.tell(MigrateEvent::Planned { pending: &pending });
    let mut report = Report::default();
    for migration in pending {
        options.tell(MigrateEvent::Applying { migration });
        let started = Instant::now();
        apply_one(client, migration).await?;
        let duration = started.elapsed();
        tracing::info!(migration = %migration.file_name, ?duration, "applied migration");
        options.tell(MigrateEvent::Applied {
            migration,
            duration,
        });
        report.applied.push(AppliedMigration {
            version: migration.version,
            file_name: migration.file_name.clone(),
            duration,
        });
    }
    Ok(report)
}

/// Applies one migration. In a transaction it takes one round trip per
/// statement plus one: `BEGIN` travels with the first statement, and the
/// history row with the `COMMIT`, which is sent only once every statement
/// has succeeded, so a run killed midway leaves nothing.
async fn apply_one(client: &Client, migration: &Migration) -> Result<(), MigrateError> {
    if migration.no_transaction {
        run_statements(client, migration, false).await?;
        return record(client, migration).await;
    }
    let result = match run_statements(client, migration, true).await {
        Ok(true) => commit_with_record(client, migration).await,
        Ok(false) => {
            let sql = format!("BEGIN;\n{};\nCOMMIT", record_statement(migration));
            client.batch_execute(&sql).await.map_err(|error| {
                database_error(
                    &format!("record migration `{}`", migration.file_name),
                    &error,
                )
            })
        }
        Err(error) => Err(error),
    };
    if result.is_err()
        && let Err(rollback) = client.batch_execute("ROLLBACK").await
    {
        tracing::warn!("rollback failed: {}", error_text(&rollback));
    }
    result
}

async fn commit_with_record(client: &Client, migration: &Migration) -> Result<(), MigrateError> {
    let sql = format!("{};\nCOMMIT", record_statement(migration));
    client.batch_execute(&sql).await.map_err(|error| {
        database_error(
            &format!("record and commit migration `{}`", migration.file_name),
            &error,
        )
    })
}

/// Runs the statements of `migration` one by one, the first preceded by
/// `BEGIN` when `begin` is set; tells whether there was any statement (and
/// so whether the transaction was begun).
async fn run_statements(
    client: &Client,
    migration: &Migration,
    begin: bool,
) -> Result<bool, MigrateError> {
    let mut first = true;
    for statement in split_sql_statements(&migration.sql) {
        let begun;
        let sql = if begin && first {
            begun = format!("BEGIN;\n{}", statement.text);
            begun.as_str()
        } else {
            statement.text
        };
        first = false;
        if let Err(error) = client.batch_execute(sql).await {
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
    Ok(!first)
}
