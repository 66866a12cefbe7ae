//! `MigrateError`: why migrations could not be read, checked or applied.

use super::connection::{LockHolder, format_time_limit};
use super::database_url::DatabaseUrl;
use std::time::Duration;

/// What went wrong applying migrations. Messages read after "failed to
/// migrate:"; no message holds a database password.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The migrations folder could not be read.
    #[error("cannot read the migrations folder `{directory}`: {reason}")]
    ReadDirectory {
        /// The folder.
        directory: String,
        /// Why.
        reason: String,
    },
    /// A file could not be read as a migration.
    #[error("migration `{file}` cannot be read: {reason}")]
    InvalidFile {
        /// The file name.
        file: String,
        /// Why.
        reason: String,
    },
    /// A symbolic link in the migrations folder leaves it, dangles or
    /// loops: `embed_migrations!` refuses the same link at compile time.
    #[error("in the migrations folder `{directory}`, {link}\n  = help: {help}")]
    RefusedLink {
        /// The folder.
        directory: String,
        /// The link and what is wrong with it.
        link: String,
        /// What to do.
        help: String,
    },
    /// Two files carry the same version.
    #[error(
        "migrations `{first}` and `{second}` share version {version}\n  = help: give one of them the next free version"
    )]
    DuplicateVersion {
        /// The shared version.
        version: i32,
        /// One file.
        first: String,
        /// The other.
        second: String,
    },
    /// The database could not be reached.
    #[error("cannot connect to `{url}`: {reason}")]
    Connect {
        /// The database, which shows itself with its password hidden.
        url: DatabaseUrl,
        /// The driver's message, any connection string in it redacted.
        reason: String,
    },
    /// The server accepted the connection but did not complete it (answer,
    /// authenticate) within the time limit.
    #[error(
        "cannot connect to `{url}`: the server did not answer within {}\n  = help: check that the host and port are those of a PostgreSQL server that is up and not overloaded, and that no firewall or proxy holds the connection; a larger `connect_timeout` in the URL waits longer",
        format_time_limit(*.timeout)
    )]
    ConnectTimeout {
        /// The database, which shows itself with its password hidden.
        url: DatabaseUrl,
        /// The limit that ran out.
        timeout: Duration,
    },
    /// Another session still held the migration lock when the wait allowed
    /// by [`RunOptions::lock_wait`](super::RunOptions::lock_wait) ran out.
    #[error("{}", render_lock_timeout(*.waited, .holder.as_ref()))]
    LockTimeout {
        /// How long the run waited.
        waited: Duration,
        /// Who held the lock at the end, when it could be told.
        holder: Option<LockHolder>,
    },
    /// A migration that runs in a transaction holds a statement that
    /// controls the transaction itself; nothing was applied.
    #[error(
        "migration `{file}` controls its own transaction: `{statement}` at line {line}\n  --> {file}:{line}\n  = note: dbkit runs the migration in one transaction with its history row; `{statement}` would end or nest it, and a later failure would leave part of the migration applied and not recorded. Nothing was applied\n  = help: remove the `{statement}`, or make `-- dbkit:no-transaction` the migration's first line to run it outside a transaction, statement by statement"
    )]
    TransactionStatement {
        /// The file name.
        file: String,
        /// The 1-based line the statement starts on.
        line: usize,
        /// Its keywords: `COMMIT`, `ROLLBACK PREPARED`…
        statement: String,
    },
    /// The database has applied a migration newer than every migration
    /// known here, and the run was told to refuse such future migrations.
    #[error(
        "the database has applied V{version}__{name}, which is newer than V{newest_known}, the newest migration known here\n  = help: a newer release applied it; run that release (or one that has the file), or allow future migrations"
    )]
    FutureMigration {
        /// Its version.
        version: i32,
        /// Its name in the history table.
        name: String,
        /// The newest version known here.
        newest_known: i32,
    },
    /// The hook given to
    /// [`RunOptions::before_applying`](super::RunOptions::before_applying)
    /// failed; nothing was applied.
    #[error("cannot apply the migrations: the step before them failed: {source}")]
    BeforeApplying {
        /// The hook's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A query of the engine itself (lock, history table) failed.
    #[error("cannot {action}: {reason}")]
    Database {
        /// What the engine was doing.
        action: String,
        /// The driver's message, any connection string in it redacted.
        reason: String,
    },
    /// An applied migration's file changed since it was applied.
    #[error(
        "migration `{file}` was changed after it was applied (checksum {applied} in the database, {embedded} now)\n  = help: restore the file as it was applied and put the change in a new migration"
    )]
    ChangedAfterApply {
        /// The file name.
        file: String,
        /// The checksum in the history table.
        applied: String,
        /// The checksum of the file now.
        embedded: u64,
    },
    /// An applied migration has no file any more.
    #[error(
        "migration V{version}__{name} was applied but its file is missing\n  = help: restore `V{version}__{name}.sql`; an applied migration is never deleted, a new one undoes it"
    )]
    MissingAppliedFile {
        /// Its version.
        version: i32,
        /// Its name in the history table.
        name: String,
    },
    /// A pending migration sorts before the newest applied one.
    #[error(
        "migration `{file}` is not applied but is older than V{newest_applied}, which is\n  = help: give it a version above {newest_applied} (a migration merged from another branch must be renumbered)"
    )]
    OutOfOrder {
        /// The pending file.
        file: String,
        /// The newest applied version.
        newest_applied: i32,
    },
    /// `--target` names a version no migration file has.
    #[error(
        "no migration has version {target}\n  = help: the target is the <n> of a `V<n>__<name>.sql` file"
    )]
    UnknownTarget {
        /// The version asked for.
        target: i32,
    },
    /// A statement of a migration failed; the migration left nothing
    /// (unless it runs outside a transaction).
    #[error("{}", render_statement_failure(.file, *.line, .code, .message, .detail.as_deref(), .hint.as_deref(), *.no_transaction))]
    StatementFailed {
        /// The file name.
        file: String,
        /// The 1-based line the statement starts on.
        line: usize,
        /// PostgreSQL's SQLSTATE code.
        code: String,
        /// PostgreSQL's message.
        message: String,
        /// PostgreSQL's detail.
        detail: Option<String>,
        /// PostgreSQL's hint.
        hint: Option<String>,
        /// Whether the migration ran outside a transaction (its earlier
        /// statements stay).
        no_transaction: bool,
    },
}

fn render_lock_timeout(waited: Duration, holder: Option<&LockHolder>) -> String {
    let waited = format_time_limit(waited);
    match holder {
        Some(holder) => format!(
            "the migration lock is still held after waiting {waited}, by {holder}\n  = help: that session is another migration run or holds the lock itself: let it finish and run again, or wait longer; if it is stuck, `SELECT pg_terminate_backend({})` ends it",
            holder.pid
        ),
        None => format!(
            "the migration lock is still held after waiting {waited}\n  = help: another migration run holds it: let it finish and run again, or wait longer"
        ),
    }
}

fn render_statement_failure(
    file: &str,
    line: usize,
    code: &str,
    message: &str,
    detail: Option<&str>,
    hint: Option<&str>,
    no_transaction: bool,
) -> String {
    let mut text =
        format!("migration `{file}` failed: error[{code}]: {message}\n  --> {file}:{line}");
    if let Some(detail) = detail {
        text.push_str(&format!("\n  = detail: {detail}"));
    }
    if let Some(hint) = hint {
        text.push_str(&format!("\n  = hint: {hint}"));
    }
    if no_transaction {
        text.push_str(
            "\n  = note: this migration runs outside a transaction: the statements before this one stay applied",
        );
    } else {
        text.push_str("\n  = note: the migration was rolled back; the ones before it stay applied");
    }
    text
}
