//! The engine's entry points: run (lock, check the history, apply each
//! pending migration statement by statement), the pending list of a dry
//! run, the status of every migration, and recording migrations as
//! applied. The binary at start-up and `cargo dbkit migrate` both come
//! through here.

use super::connection::{
    DEFAULT_APPLICATION_NAME, LockHolder, LockWait, connect, database_error, error_text,
    release_lock, take_lock,
};
use super::database_url::DatabaseUrl;
use super::error::MigrateError;
use super::history::{HistoryRow, create_history_table, read_history, record, record_statement};
use super::migration::Migration;
use super::roles::ensure_policy_roles;
use super::source::Migrations;
use super::status::{
    FutureMigrations, Plan, Status, classify, pending_migrations, refuse_transaction_statements,
};
use dbkit_core::sql_split::sql_statements;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

/// How often a run waiting for the lock says who holds it, by default.
pub const DEFAULT_LOCK_REPORT_INTERVAL: Duration = Duration::from_secs(10);

/// How many times in all a migration that fails on a lock timeout is
/// tried, by default ([`RunOptions::lock_retries`]).
pub const DEFAULT_LOCK_RETRIES: u32 = 5;

/// The pause before the first retry after a lock timeout, by default
/// ([`RunOptions::lock_retry_backoff`]); each later pause doubles, up to
/// [`MAX_LOCK_RETRY_BACKOFF`].
pub const DEFAULT_LOCK_RETRY_BACKOFF: Duration = Duration::from_millis(500);

/// The longest pause between two tries of a migration after a lock
/// timeout.
pub const MAX_LOCK_RETRY_BACKOFF: Duration = Duration::from_secs(10);

/// PostgreSQL's SQLSTATE `lock_not_available`: a lock was not granted
/// within `lock_timeout` (or `NOWAIT` found it taken).
pub const LOCK_NOT_AVAILABLE: &str = "55P03";

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
/// this order: `WaitingForLock` while another session holds the lock (at
/// once, then every [`RunOptions::lock_report_interval`]), at most one
/// `FutureMigrations`, then `Planned` once, then `Applying` and `Applied`
/// for each migration, with a `RetryingAfterLockTimeout` between them for
/// each retry of that migration.
#[derive(Debug)]
#[non_exhaustive]
pub enum MigrateEvent<'a> {
    /// Another session holds the migration lock; the run waits for it.
    WaitingForLock {
        /// The session holding it, when it could be told (it may have
        /// released the lock a moment ago).
        holder: Option<&'a LockHolder>,
        /// How long the run has waited so far.
        waited: Duration,
    },
    /// The database has applied migrations newer than every migration
    /// known here (a newer release applied them): tolerated, since every
    /// migration known here is applied or pending in order. Also logged as
    /// a tracing warning.
    FutureMigrations {
        /// Their history rows, by version.
        migrations: &'a [HistoryRow],
    },
    /// The history was checked under the lock; these migrations are
    /// applied next, in this order (none when the database is up to date).
    Planned {
        /// The migrations to apply.
        pending: &'a [&'a Migration],
    },
    /// Roles that the pending migrations' policies name were missing and
    /// were created `NOLOGIN`
    /// ([`RunOptions::create_missing_roles`]), before the first migration.
    RolesCreated {
        /// Their names.
        roles: &'a [String],
    },
    /// A migration starts.
    Applying {
        /// The migration.
        migration: &'a Migration,
    },
    /// A migration failed on a lock timeout (SQLSTATE 55P03), was rolled
    /// back (or had run none of its statements, outside a transaction) and
    /// is tried again after `delay` ([`RunOptions::lock_retries`]). Also
    /// logged as a tracing warning.
    RetryingAfterLockTimeout {
        /// The migration.
        migration: &'a Migration,
        /// The try about to start: 2 for the first retry.
        attempt: u32,
        /// How many tries there are in all.
        attempts: u32,
        /// The pause before it.
        delay: Duration,
        /// The failure of the previous try.
        error: &'a MigrateError,
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

/// An error of a hook given to [`RunOptions::before_applying`].
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// What a hook given to [`RunOptions::before_applying`] returns.
pub type HookFuture<'a> = Pin<Box<dyn Future<Output = Result<(), HookError>> + Send + 'a>>;

type BeforeApplying<'a> = Box<dyn FnOnce(&[&Migration]) -> HookFuture<'a> + Send + 'a>;

/// How the engine connects and runs: for [`Migrations::run_with`] (every
/// setting), [`Migrations::pending_with`] (the connection, the target, future
/// migrations and the observer), [`Migrations::status_with`] (the
/// connection) and [`Migrations::mark_applied_with`] (the connection, the
/// lock, future migrations and the observer).
pub struct RunOptions<'a> {
    target: Option<i32>,
    observer: Option<Observer<'a>>,
    connect_timeout: Option<Duration>,
    application_name: Option<String>,
    lock_wait: Option<Duration>,
    lock_report_interval: Duration,
    future_migrations: FutureMigrations,
    before_applying: Option<BeforeApplying<'a>>,
    create_roles: bool,
    lock_retries: u32,
    lock_retry_backoff: Duration,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            target: None,
            observer: None,
            connect_timeout: None,
            application_name: None,
            lock_wait: None,
            lock_report_interval: DEFAULT_LOCK_REPORT_INTERVAL,
            future_migrations: FutureMigrations::Allow,
            before_applying: None,
            create_roles: false,
            lock_retries: DEFAULT_LOCK_RETRIES,
            lock_retry_backoff: DEFAULT_LOCK_RETRY_BACKOFF,
        }
    }
}

impl<'a> RunOptions<'a> {
    /// Apply everything pending, telling no one; connect within the URL's
    /// `connect_timeout` or 10 s, wait for the lock as long as it takes,
    /// tolerate future migrations.
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

    /// Give up connecting (TCP, TLS, start-up and authentication together)
    /// after `timeout`, with [`MigrateError::ConnectTimeout`]. Without it
    /// (or with zero), the URL's `connect_timeout` (key=value strings'
    /// too) applies when above zero, else 10 s
    /// ([`DEFAULT_CONNECT_TIMEOUT`](super::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, timeout: Duration) -> RunOptions<'a> {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The `application_name` of the engine's session, which
    /// `pg_stat_activity` shows and a run waiting for the lock reports
    /// (default `dbkit migrate`); one the URL sets wins.
    pub fn application_name(mut self, name: impl Into<String>) -> RunOptions<'a> {
        self.application_name = Some(name.into());
        self
    }

    /// Wait at most `wait` for the migration lock, then fail with
    /// [`MigrateError::LockTimeout`], which names the session holding it.
    /// Without it, the run waits as long as it takes; zero tries once.
    pub fn lock_wait(mut self, wait: Duration) -> RunOptions<'a> {
        self.lock_wait = Some(wait);
        self
    }

    /// While waiting for the lock, say who holds it (a
    /// [`MigrateEvent::WaitingForLock`] and a tracing log) every `interval`
    /// (default 10 s; at least the 100 ms between two attempts).
    pub fn lock_report_interval(mut self, interval: Duration) -> RunOptions<'a> {
        self.lock_report_interval = interval;
        self
    }

    /// Refuse future migrations ([`MigrateError::FutureMigration`]): be
    /// strict where, by default, migrations applied by a newer release and
    /// newer than every migration known here are tolerated with a warning
    /// ([`MigrateEvent::FutureMigrations`]).
    pub fn refuse_future_migrations(mut self) -> RunOptions<'a> {
        self.future_migrations = FutureMigrations::Refuse;
        self
    }

    /// Run `hook` under the migration lock, once the pending migrations are
    /// known and before the first is applied, only when there is one (a
    /// backup, say). Its error stops the run with
    /// [`MigrateError::BeforeApplying`]: nothing is applied.
    pub fn before_applying(
        mut self,
        hook: impl FnOnce(&[&Migration]) -> HookFuture<'a> + Send + 'a,
    ) -> RunOptions<'a> {
        self.before_applying = Some(Box::new(hook));
        self
    }

    /// Create the roles that the pending migrations' policies name and the
    /// server lacks, `NOLOGIN`, before applying them (for development and
    /// disposable databases). Without it such a run stops with
    /// [`MigrateError::MissingRoles`] before applying anything.
    pub fn create_missing_roles(mut self) -> RunOptions<'a> {
        self.create_roles = true;
        self
    }

    /// Try a migration that fails on a lock timeout (SQLSTATE 55P03, what
    /// `SET lock_timeout` raises when a lock is not granted in time) up to
    /// `tries` times in all, the first try included (default 5); 0 or 1
    /// tries once. Only a migration that left nothing is tried again: one
    /// in a transaction (it was rolled back), or one outside a transaction
    /// whose first statement failed. Any other error stops the run at once.
    pub fn lock_retries(mut self, tries: u32) -> RunOptions<'a> {
        self.lock_retries = tries;
        self
    }

    /// Pause `first` before the first retry after a lock timeout (default
    /// 500 ms), twice as long before each next one, never more than
    /// [`MAX_LOCK_RETRY_BACKOFF`] (10 s). With the defaults, a migration
    /// is tried 5 times over about 7.5 s plus its own lock timeouts.
    pub fn lock_retry_backoff(mut self, first: Duration) -> RunOptions<'a> {
        self.lock_retry_backoff = first;
        self
    }

    fn tell(&mut self, event: MigrateEvent<'_>) {
        if let Some(observer) = self.observer.as_mut() {
            observer(event);
        }
    }

    /// Connects as these options say. (Not an `async fn`: its future must
    /// not hold `&self`, which is not `Sync`.)
    fn connect<'s>(
        &'s self,
        database_url: &'s DatabaseUrl,
    ) -> impl Future<Output = Result<Client, MigrateError>> + Send + 's {
        let name = self
            .application_name
            .as_deref()
            .unwrap_or(DEFAULT_APPLICATION_NAME);
        connect(database_url, self.connect_timeout, name)
    }

    /// Takes the lock, telling the observer and the log who holds it while
    /// waiting.
    async fn take_lock(&mut self, client: &Client) -> Result<(), MigrateError> {
        let wait = LockWait {
            limit: self.lock_wait,
            report_every: self.lock_report_interval,
        };
        take_lock(client, wait, |holder, waited| {
            let waited_seconds = waited.as_secs();
            match holder {
                Some(holder) => tracing::warn!(
                    waited_seconds,
                    "waiting for the migration lock, held by {holder}"
                ),
                None => tracing::warn!(waited_seconds, "waiting for the migration lock"),
            }
            self.tell(MigrateEvent::WaitingForLock { holder, waited });
        })
        .await
    }

    /// Tells the observer and the log about future migrations, if any.
    fn tell_future(&mut self, future: &[HistoryRow]) {
        if future.is_empty() {
            return;
        }
        let names: Vec<String> = future
            .iter()
            .map(|row| format!("V{}__{}", row.version, row.name))
            .collect();
        tracing::warn!(
            "the database has applied migrations newer than every migration known here, most likely by a newer release: {}",
            names.join(", ")
        );
        self.tell(MigrateEvent::FutureMigrations { migrations: future });
    }
}

impl fmt::Debug for RunOptions<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RunOptions")
            .field("target", &self.target)
            .field("observer", &self.observer.as_ref().map(|_| "FnMut"))
            .field("connect_timeout", &self.connect_timeout)
            .field("application_name", &self.application_name)
            .field("lock_wait", &self.lock_wait)
            .field("lock_report_interval", &self.lock_report_interval)
            .field("future_migrations", &self.future_migrations)
            .field(
                "before_applying",
                &self.before_applying.as_ref().map(|_| "FnOnce"),
            )
            .field("create_roles", &self.create_roles)
            .field("lock_retries", &self.lock_retries)
            .field("lock_retry_backoff", &self.lock_retry_backoff)
            .finish()
    }
}

/// The plan of a run, after every check that precedes applying.
fn checked_plan<'m, 'h>(
    migrations: &'m [Migration],
    history: &'h [HistoryRow],
    options: &RunOptions<'_>,
) -> Result<Plan<'m, 'h>, MigrateError> {
    let plan = pending_migrations(
        migrations,
        history,
        options.target,
        options.future_migrations,
    )?;
    refuse_transaction_statements(&plan.pending)?;
    Ok(plan)
}

impl Migrations {
    /// Applies the pending migrations to the database at `database_url`, a
    /// URL or key=value connection string (`&str`, `String` or
    /// [`DatabaseUrl`]; errors show it with its password hidden).
    ///
    /// Holds a session-level advisory lock for the whole run, so that
    /// replicas starting together apply each migration once; checks the
    /// history (changed, missing or out-of-order files) and every pending
    /// migration (no transaction control in a transactional one) before
    /// applying anything; runs each migration in its own transaction with
    /// its history row, or statement by statement outside one when its
    /// first line is `-- dbkit:no-transaction`. Migrations applied by a
    /// newer release, newer than every migration here, are tolerated with
    /// a tracing warning. Connecting may take 10 s (or the URL's
    /// `connect_timeout`); the lock is waited for as long as it takes.
    pub async fn run(&self, database_url: impl Into<DatabaseUrl>) -> Result<Report, MigrateError> {
        self.run_with(database_url, RunOptions::new()).await
    }

    /// [`Migrations::run`] with a target version, an observer, time limits
    /// and the other [`RunOptions`].
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
        let client = options.connect(&database_url.into()).await?;
        // Applied migrations only ever get added, and a problem the history
        // shows now stays, so an up-to-date or broken history needs no lock.
        let history = read_history(&client).await?;
        let plan = checked_plan(&migrations, &history, &options)?;
        if plan.pending.is_empty() {
            options.tell_future(plan.future);
            options.tell(MigrateEvent::Planned { pending: &[] });
            return Ok(Report::default());
        }
        options.take_lock(&client).await?;
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
        let mut options = RunOptions::new();
        options.target = target;
        self.pending_with(database_url, options).await
    }

    /// [`Migrations::pending`] with the target, connection settings, future
    /// migration rule and observer (told `FutureMigrations`) of `options`.
    pub async fn pending_with(
        &self,
        database_url: impl Into<DatabaseUrl>,
        mut options: RunOptions<'_>,
    ) -> Result<Vec<Migration>, MigrateError> {
        let migrations = self.sorted()?;
        let client = options.connect(&database_url.into()).await?;
        let history = read_history(&client).await?;
        let plan = checked_plan(&migrations, &history, &options)?;
        options.tell_future(plan.future);
        Ok(plan.pending.into_iter().cloned().collect())
    }

    /// Where every migration stands in the database: applied, pending,
    /// changed since applied, unknown to the folder, or out of order.
    /// Takes no lock and writes nothing.
    pub async fn status(
        &self,
        database_url: impl Into<DatabaseUrl>,
    ) -> Result<Status, MigrateError> {
        self.status_with(database_url, RunOptions::new()).await
    }

    /// [`Migrations::status`], connecting as `options` says.
    pub async fn status_with(
        &self,
        database_url: impl Into<DatabaseUrl>,
        options: RunOptions<'_>,
    ) -> Result<Status, MigrateError> {
        let migrations = self.sorted()?;
        let client = options.connect(&database_url.into()).await?;
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
        self.mark_applied_with(database_url, target, RunOptions::new())
            .await
    }

    /// [`Migrations::mark_applied`] with the connection settings, lock wait,
    /// future migration rule and observer of `options` (its target and
    /// hook are not used).
    pub async fn mark_applied_with(
        &self,
        database_url: impl Into<DatabaseUrl>,
        target: i32,
        mut options: RunOptions<'_>,
    ) -> Result<Vec<Migration>, MigrateError> {
        let migrations = self.sorted()?;
        let client = options.connect(&database_url.into()).await?;
        options.take_lock(&client).await?;
        let result = record_under_lock(&client, &migrations, target, &mut options).await;
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
    options: &mut RunOptions<'_>,
) -> Result<Vec<Migration>, MigrateError> {
    create_history_table(client).await?;
    let history = read_history(client).await?;
    let plan = pending_migrations(
        migrations,
        &history,
        Some(target),
        options.future_migrations,
    )?;
    options.tell_future(plan.future);
    let pending = plan.pending;
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
    let history = read_history(client).await?;
    let plan = checked_plan(migrations, &history, options)?;
    options.tell_future(plan.future);
    let pending = plan.pending;
    options.tell(MigrateEvent::Planned { pending: &pending });
    if pending.is_empty() {
        return Ok(Report::default());
    }
    let created = ensure_policy_roles(client, &pending, options.create_roles).await?;
    if !created.is_empty() {
        options.tell(MigrateEvent::RolesCreated { roles: &created });
    }
    if let Some(hook) = options.before_applying.take() {
        hook(&pending)
            .await
            .map_err(|source| MigrateError::BeforeApplying { source })?;
    }
    // Only now, so that a refused run or a failed hook writes nothing.
    create_history_table(client).await?;
    let mut report = Report::default();
    for migration in pending {
        options.tell(MigrateEvent::Applying { migration });
        let started = Instant::now();
        apply_retrying(client, migration, options).await?;
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

/// The pause before try `attempt` (2 for the first retry): `first`,
/// doubling with each try, at most [`MAX_LOCK_RETRY_BACKOFF`].
fn retry_delay(first: Duration, attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(2).min(16);
    first
        .saturating_mul(1 << doublings)
        .min(MAX_LOCK_RETRY_BACKOFF)
}

/// Applies one migration, trying it again after a lock timeout that left
/// nothing of it, as [`RunOptions::lock_retries`] allows.
async fn apply_retrying(
    client: &Client,
    migration: &Migration,
    options: &mut RunOptions<'_>,
) -> Result<(), MigrateError> {
    let attempts = options.lock_retries.max(1);
    let mut attempt = 1;
    loop {
        let Err(failure) = apply_one(client, migration).await else {
            return Ok(());
        };
        let mut error = failure.error;
        let lock_timeout = matches!(
            &error,
            MigrateError::StatementFailed { code, .. } if code == LOCK_NOT_AVAILABLE
        );
        if let MigrateError::StatementFailed {
            tries, not_retried, ..
        } = &mut error
        {
            *tries = attempt;
            *not_retried = lock_timeout && !failure.left_nothing && attempt < attempts;
        }
        if !lock_timeout || !failure.left_nothing || attempt >= attempts {
            return Err(error);
        }
        attempt += 1;
        let delay = retry_delay(options.lock_retry_backoff, attempt);
        tracing::warn!(
            migration = %migration.file_name,
            attempt,
            attempts,
            delay_ms = delay.as_millis() as u64,
            "lock timeout (SQLSTATE 55P03); the migration left nothing and is tried again"
        );
        options.tell(MigrateEvent::RetryingAfterLockTimeout {
            migration,
            attempt,
            attempts,
            delay,
            error: &error,
        });
        tokio::time::sleep(delay).await;
    }
}

/// Why one try of a migration failed.
struct Failure {
    error: MigrateError,
    /// Whether nothing of the migration stays: its transaction was rolled
    /// back, or, outside a transaction, its first statement failed.
    left_nothing: bool,
}

/// Applies one migration. In a transaction it takes one round trip per
/// statement plus one: `BEGIN` travels with the first statement, and the
/// history row with the `COMMIT`, which is sent only once every statement
/// has succeeded, so a run killed midway leaves nothing.
async fn apply_one(client: &Client, migration: &Migration) -> Result<(), Failure> {
    if migration.no_transaction {
        run_statements(client, migration, false)
            .await
            .map_err(|(error, changed)| Failure {
                error,
                left_nothing: !changed,
            })?;
        return record(client, migration).await.map_err(|error| Failure {
            error,
            left_nothing: false,
        });
    }
    let result = match run_statements(client, migration, true)
        .await
        .map_err(|(error, _)| error)
    {
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
    let Err(error) = result else {
        return Ok(());
    };
    let rolled_back = match client.batch_execute("ROLLBACK").await {
        Ok(()) => true,
        Err(rollback) => {
            tracing::warn!("rollback failed: {}", error_text(&rollback));
            false
        }
    };
    Err(Failure {
        error,
        left_nothing: rolled_back,
    })
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
/// so whether the transaction was begun), or the error and whether a
/// statement before the failed one changed anything (any statement but a
/// `SET` or `RESET` of a setting, which running again repeats harmlessly).
async fn run_statements(
    client: &Client,
    migration: &Migration,
    begin: bool,
) -> Result<bool, (MigrateError, bool)> {
    let mut first = true;
    let mut changed = false;
    for statement in sql_statements(&migration.sql) {
        let begun;
        let sql = if begin && first {
            begun = format!("BEGIN;\n{}", statement.text);
            begun.as_str()
        } else {
            statement.text
        };
        first = false;
        if let Err(error) = client.batch_execute(sql).await {
            let failure = match error.as_db_error() {
                Some(database_error) => MigrateError::StatementFailed {
                    file: migration.file_name.clone(),
                    line: statement.line,
                    code: database_error.code().code().to_string(),
                    message: database_error.message().to_string(),
                    detail: database_error.detail().map(str::to_string),
                    hint: database_error.hint().map(str::to_string),
                    no_transaction: migration.no_transaction,
                    tries: 1,
                    not_retried: false,
                },
                None => database_error(
                    &format!("run {}:{}", migration.file_name, statement.line),
                    &error,
                ),
            };
            return Err((failure, changed));
        }
        changed |= !only_sets_a_setting(statement.code());
    }
    Ok(!first)
}

/// Whether a statement's code is a `SET` or `RESET` (of a setting, the
/// role, constraints' timing…), which changes nothing that stays but the
/// session's state, so that running it again is harmless.
fn only_sets_a_setting(code: &str) -> bool {
    let keyword: String = code.chars().take_while(char::is_ascii_alphabetic).collect();
    keyword.eq_ignore_ascii_case("set") || keyword.eq_ignore_ascii_case("reset")
}

#[cfg(test)]
mod tests {
    use super::{only_sets_a_setting, retry_delay};
    use std::time::Duration;

    #[test]
    fn the_pause_doubles_from_the_first_up_to_the_cap() {
        let first = Duration::from_millis(500);
        let pauses: Vec<u128> = (2..=8)
            .map(|attempt| retry_delay(first, attempt).as_millis())
            .collect();
        assert_eq!(pauses, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        assert_eq!(retry_delay(first, u32::MAX).as_millis(), 10_000);
    }

    #[test]
    fn set_and_reset_change_nothing_that_stays() {
        assert!(only_sets_a_setting("SET lock_timeout = '100ms';"));
        assert!(only_sets_a_setting("reset lock_timeout;"));
        assert!(!only_sets_a_setting("SETUP;"));
        assert!(!only_sets_a_setting("ALTER TABLE t SET (fillfactor = 50);"));
        assert!(!only_sets_a_setting(
            "CREATE INDEX CONCURRENTLY i ON t (c);"
        ));
    }
}
