//! `MigrateError`: why migrations could not be read, checked or applied.
//!
//! An error is data: its message, the place in a migration file it points
//! at, its notes and its help are each asked for on their own
//! ([`MigrateError::message`], [`MigrateError::location`],
//! [`MigrateError::notes`], [`MigrateError::help`]), so that `cargo dbkit`
//! builds its diagnostics from them. `Display` writes them one after the
//! other, rustc's way, for a binary that prints the error as it is:
//!
//! ```text
//! migration `V2__b.sql` failed: error[42P01]: relation "missing" does not exist
//!   --> V2__b.sql:3
//!   = note: the migration was rolled back; the ones before it stay applied
//! ```

use super::connection::{LockHolder, format_time_limit};
use super::database_url::DatabaseUrl;
use super::roles::MissingRole;
use std::fmt;
use std::time::Duration;

/// What went wrong applying migrations. Messages read after "failed to
/// migrate:"; no message holds a database password.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The migrations folder could not be read.
    ReadDirectory {
        /// The folder.
        directory: String,
        /// Why.
        reason: String,
    },
    /// A file could not be read as a migration.
    InvalidFile {
        /// The file name.
        file: String,
        /// Why.
        reason: String,
    },
    /// A symbolic link in the migrations folder leaves it, dangles or
    /// loops: `embed_migrations!` refuses the same link at compile time.
    RefusedLink {
        /// The folder.
        directory: String,
        /// The link and what is wrong with it.
        link: String,
        /// What to do.
        help: String,
    },
    /// Two files carry the same version.
    DuplicateVersion {
        /// The shared version.
        version: i32,
        /// One file.
        first: String,
        /// The other.
        second: String,
    },
    /// The database could not be reached.
    Connect {
        /// The database, which shows itself with its password hidden.
        url: DatabaseUrl,
        /// The driver's message, any connection string in it redacted.
        reason: String,
    },
    /// The server accepted the connection but did not complete it (answer,
    /// authenticate) within the time limit.
    ConnectTimeout {
        /// The database, which shows itself with its password hidden.
        url: DatabaseUrl,
        /// The limit that ran out.
        timeout: Duration,
    },
    /// Another session still held the migration lock when the wait allowed
    /// by [`RunOptions::lock_wait`](super::RunOptions::lock_wait) ran out.
    LockTimeout {
        /// How long the run waited.
        waited: Duration,
        /// Who held the lock at the end, when it could be told.
        holder: Option<LockHolder>,
    },
    /// A migration that runs in a transaction holds a statement that
    /// controls the transaction itself; nothing was applied.
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
    BeforeApplying {
        /// The hook's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A query of the engine itself (lock, history table) failed.
    Database {
        /// What the engine was doing.
        action: String,
        /// The driver's message, any connection string in it redacted.
        reason: String,
    },
    /// An applied migration's file changed since it was applied.
    ChangedAfterApply {
        /// The file name.
        file: String,
        /// The checksum in the history table.
        applied: String,
        /// The checksum of the file now.
        embedded: u64,
    },
    /// An applied migration has no file any more.
    MissingAppliedFile {
        /// Its version.
        version: i32,
        /// Its name in the history table.
        name: String,
    },
    /// A pending migration sorts before the newest applied one.
    OutOfOrder {
        /// The pending file.
        file: String,
        /// The newest applied version.
        newest_applied: i32,
    },
    /// `--target` names a version no migration file has.
    UnknownTarget {
        /// The version asked for.
        target: i32,
    },
    /// Policies of pending migrations name roles the server does not have;
    /// nothing was applied.
    MissingRoles {
        /// Each use of a missing role, in the order of the migrations.
        missing: Vec<MissingRole>,
    },
    /// A statement of a migration failed; the migration left nothing
    /// (unless it runs outside a transaction).
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
        /// How many times the migration was tried: 1, or more when tries
        /// failed on a lock timeout (SQLSTATE 55P03), left nothing and
        /// were retried ([`RunOptions::lock_retries`](super::RunOptions::lock_retries)).
        tries: u32,
        /// The statement failed on a lock timeout and retries were left,
        /// but the migration was not tried again: it runs outside a
        /// transaction and statements before this one had been applied.
        not_retried: bool,
    },
}

/// The place in a migration file an error points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorLocation<'a> {
    /// The file name, as in the migrations folder.
    pub file: &'a str,
    /// The 1-based line the statement starts on.
    pub line: usize,
}

impl MigrateError {
    /// What went wrong, without the place, notes or help. A driver's
    /// message in it may span several lines.
    pub fn message(&self) -> String {
        match self {
            MigrateError::ReadDirectory { directory, reason } => {
                format!("cannot read the migrations folder `{directory}`: {reason}")
            }
            MigrateError::InvalidFile { file, reason } => {
                format!("migration `{file}` cannot be read: {reason}")
            }
            MigrateError::RefusedLink {
                directory, link, ..
            } => format!("in the migrations folder `{directory}`, {link}"),
            MigrateError::DuplicateVersion {
                version,
                first,
                second,
            } => format!("migrations `{first}` and `{second}` share version {version}"),
            MigrateError::Connect { url, reason } => format!("cannot connect to `{url}`: {reason}"),
            MigrateError::ConnectTimeout { url, timeout } => format!(
                "cannot connect to `{url}`: the server did not answer within {}",
                format_time_limit(*timeout)
            ),
            MigrateError::LockTimeout { waited, holder } => {
                let waited = format_time_limit(*waited);
                match holder {
                    Some(holder) => format!(
                        "the migration lock is still held after waiting {waited}, by {holder}"
                    ),
                    None => format!("the migration lock is still held after waiting {waited}"),
                }
            }
            MigrateError::TransactionStatement {
                file,
                line,
                statement,
            } => format!(
                "migration `{file}` controls its own transaction: `{statement}` at line {line}"
            ),
            MigrateError::FutureMigration {
                version,
                name,
                newest_known,
            } => format!(
                "the database has applied V{version}__{name}, which is newer than V{newest_known}, the newest migration known here"
            ),
            MigrateError::BeforeApplying { source } => {
                format!("cannot apply the migrations: the step before them failed: {source}")
            }
            MigrateError::Database { action, reason } => format!("cannot {action}: {reason}"),
            MigrateError::ChangedAfterApply {
                file,
                applied,
                embedded,
            } => format!(
                "migration `{file}` was changed after it was applied (checksum {applied} in the database, {embedded} now)"
            ),
            MigrateError::MissingAppliedFile { version, name } => {
                format!("migration V{version}__{name} was applied but its file is missing")
            }
            MigrateError::OutOfOrder {
                file,
                newest_applied,
            } => format!(
                "migration `{file}` is not applied but is older than V{newest_applied}, which is"
            ),
            MigrateError::UnknownTarget { target } => {
                format!("no migration has version {target}")
            }
            MigrateError::StatementFailed {
                file,
                code,
                message,
                ..
            } => format!("migration `{file}` failed: error[{code}]: {message}"),
            MigrateError::MissingRoles { missing } => {
                let mut roles: Vec<&str> =
                    missing.iter().map(|found| found.role.as_str()).collect();
                roles.dedup();
                let first = missing.first();
                format!(
                    "the role{} {} named by policy `{}` on `{}` {} not exist",
                    if roles.len() == 1 { "" } else { "s" },
                    roles
                        .iter()
                        .map(|role| format!("`{role}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    first.map_or("", |found| found.policy.as_str()),
                    first.map_or("", |found| found.table.as_str()),
                    if roles.len() == 1 { "does" } else { "do" },
                )
            }
        }
    }

    /// The migration file the error is about, when it is about one.
    pub fn file(&self) -> Option<&str> {
        match self {
            MigrateError::InvalidFile { file, .. }
            | MigrateError::TransactionStatement { file, .. }
            | MigrateError::ChangedAfterApply { file, .. }
            | MigrateError::OutOfOrder { file, .. }
            | MigrateError::StatementFailed { file, .. } => Some(file),
            MigrateError::MissingRoles { missing } => {
                missing.first().map(|found| found.file.as_str())
            }
            _ => None,
        }
    }

    /// The file and line of the statement the error is about, when it is
    /// about one.
    pub fn location(&self) -> Option<ErrorLocation<'_>> {
        match self {
            MigrateError::TransactionStatement { file, line, .. }
            | MigrateError::StatementFailed { file, line, .. } => {
                Some(ErrorLocation { file, line: *line })
            }
            MigrateError::MissingRoles { missing } => missing.first().map(|found| ErrorLocation {
                file: &found.file,
                line: found.line,
            }),
            _ => None,
        }
    }

    /// The statement's keywords (`COMMIT`…), when the error is about a
    /// statement that controls the transaction.
    pub fn statement(&self) -> Option<&str> {
        match self {
            MigrateError::TransactionStatement { statement, .. } => Some(statement),
            _ => None,
        }
    }

    /// What else the reader should know: what was left applied.
    pub fn notes(&self) -> Vec<String> {
        match self {
            MigrateError::TransactionStatement { statement, .. } => vec![format!(
                "dbkit runs the migration in one transaction with its history row; `{statement}` would end or nest it, and a later failure would leave part of the migration applied and not recorded. Nothing was applied"
            )],
            MigrateError::MissingRoles { missing } => {
                let mut notes: Vec<String> = missing
                    .iter()
                    .map(|found| {
                        format!(
                            "policy `{}` on `{}` names the role `{}` ({}:{})",
                            found.policy, found.table, found.role, found.file, found.line
                        )
                    })
                    .collect();
                notes.push("roles belong to the whole server and migrations never create them; nothing was applied".to_string());
                notes
            }
            MigrateError::StatementFailed {
                no_transaction,
                tries,
                not_retried,
                ..
            } => {
                let mut notes = vec![if *no_transaction {
                    "this migration runs outside a transaction: the statements before this one stay applied".to_string()
                } else {
                    "the migration was rolled back; the ones before it stay applied".to_string()
                }];
                notes.extend(retry_note(*tries, *not_retried));
                notes
            }
            _ => Vec::new(),
        }
    }

    /// The note of a failed statement about retries after a lock timeout
    /// (one of [`MigrateError::notes`]): how many times the migration was
    /// tried, or why it was not tried again; `None` when it was tried once
    /// and a retry was not in question.
    pub fn retry_note(&self) -> Option<String> {
        match self {
            MigrateError::StatementFailed {
                tries, not_retried, ..
            } => retry_note(*tries, *not_retried),
            _ => None,
        }
    }

    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            MigrateError::RefusedLink { help, .. } => Some(help.clone()),
            MigrateError::DuplicateVersion { .. } => {
                Some("give one of them the next free version".to_string())
            }
            MigrateError::ConnectTimeout { .. } => Some(
                "check that the host and port are those of a PostgreSQL server that is up and not overloaded, and that no firewall or proxy holds the connection; a larger `connect_timeout` in the URL waits longer".to_string(),
            ),
            MigrateError::LockTimeout { holder, .. } => Some(match holder {
                Some(holder) => format!(
                    "that session is another migration run or holds the lock itself: let it finish and run again, or wait longer; if it is stuck, `SELECT pg_terminate_backend({})` ends it",
                    holder.pid
                ),
                None => "another migration run holds it: let it finish and run again, or wait longer".to_string(),
            }),
            MigrateError::TransactionStatement { statement, .. } => Some(format!(
                "remove the `{statement}`, or make `-- dbkit:no-transaction` the migration's first line to run it outside a transaction, statement by statement"
            )),
            MigrateError::MissingRoles { missing } => {
                let mut roles: Vec<&str> = missing.iter().map(|found| found.role.as_str()).collect();
                roles.sort_unstable();
                roles.dedup();
                Some(format!(
                    "create {} on the server first ({}), or, on a development database, run again with `--create-roles` to create {} NOLOGIN",
                    if roles.len() == 1 { "it" } else { "them" },
                    roles.iter().map(|role| format!("CREATE ROLE {}", dbkit_core::sql_text::quote_identifier(role))).collect::<Vec<_>>().join("; "),
                    if roles.len() == 1 { "it" } else { "them" },
                ))
            }
            MigrateError::FutureMigration { .. } => Some(
                "a newer release applied it; run that release (or one that has the file), or allow future migrations".to_string(),
            ),
            MigrateError::ChangedAfterApply { .. } => Some(
                "restore the file as it was applied and put the change in a new migration"
                    .to_string(),
            ),
            MigrateError::MissingAppliedFile { version, name } => Some(format!(
                "restore `V{version}__{name}.sql`; an applied migration is never deleted, a new one undoes it"
            )),
            MigrateError::OutOfOrder { newest_applied, .. } => Some(format!(
                "give it a version above {newest_applied} (a migration merged from another branch must be renumbered)"
            )),
            MigrateError::UnknownTarget { .. } => {
                Some("the target is the <n> of a `V<n>__<name>.sql` file".to_string())
            }
            _ => None,
        }
    }
}

/// What a failed statement's error says about retries after a lock
/// timeout: how many tries were made, or why there was no retry.
fn retry_note(tries: u32, not_retried: bool) -> Option<String> {
    if not_retried {
        Some("it was not tried again after the lock timeout: it runs outside a transaction and statements before this one were applied, so trying it from the start would run them twice".to_string())
    } else if tries > 1 {
        Some(format!(
            "it was tried {tries} times; the tries before the last failed on a lock timeout (SQLSTATE 55P03) and left nothing"
        ))
    } else {
        None
    }
}

/// The message, then `  --> file:line`, PostgreSQL's detail and hint, the
/// notes and the help, one `  = …` line each.
impl fmt::Display for MigrateError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message())?;
        if let Some(ErrorLocation { file, line }) = self.location() {
            write!(formatter, "\n  --> {file}:{line}")?;
        }
        if let MigrateError::StatementFailed { detail, hint, .. } = self {
            if let Some(detail) = detail {
                write!(formatter, "\n  = detail: {detail}")?;
            }
            if let Some(hint) = hint {
                write!(formatter, "\n  = hint: {hint}")?;
            }
        }
        for note in self.notes() {
            write!(formatter, "\n  = note: {note}")?;
        }
        if let Some(help) = self.help() {
            write!(formatter, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement_failed(detail: bool, hint: bool, no_transaction: bool) -> MigrateError {
        MigrateError::StatementFailed {
            file: "V2__b.sql".to_string(),
            line: 3,
            code: "42P01".to_string(),
            message: "relation \"missing\" does not exist".to_string(),
            detail: detail.then(|| "it is gone".to_string()),
            hint: hint.then(|| "create it".to_string()),
            no_transaction,
            tries: 1,
            not_retried: false,
        }
    }

    /// What a binary that prints a `MigrateError` shows: the message, then
    /// the place, notes and help, one line each.
    #[test]
    fn display_writes_the_message_then_place_notes_and_help() {
        let check = |error: MigrateError, expected: &str| {
            assert_eq!(error.to_string(), expected, "{error:?}");
        };
        check(
            MigrateError::ReadDirectory {
                directory: "migrations".to_string(),
                reason: "not found".to_string(),
            },
            "cannot read the migrations folder `migrations`: not found",
        );
        check(
            MigrateError::InvalidFile {
                file: "V1__a.sql".to_string(),
                reason: "not UTF-8".to_string(),
            },
            "migration `V1__a.sql` cannot be read: not UTF-8",
        );
        check(
            MigrateError::RefusedLink {
                directory: "migrations".to_string(),
                link: "`V1__a.sql` dangles".to_string(),
                help: "remove it".to_string(),
            },
            "in the migrations folder `migrations`, `V1__a.sql` dangles\n  = help: remove it",
        );
        check(
            MigrateError::DuplicateVersion {
                version: 1,
                first: "V1__a.sql".to_string(),
                second: "V1__b.sql".to_string(),
            },
            "migrations `V1__a.sql` and `V1__b.sql` share version 1\n  = help: give one of them the next free version",
        );
        check(
            MigrateError::Connect {
                url: DatabaseUrl::new("postgres://app:pw@db/x"),
                reason: "refused\nDETAIL: twice".to_string(),
            },
            "cannot connect to `postgres://app:***@db/x`: refused\nDETAIL: twice",
        );
        check(
            MigrateError::ConnectTimeout {
                url: DatabaseUrl::new("postgres://app:pw@db/x"),
                timeout: Duration::from_millis(1500),
            },
            "cannot connect to `postgres://app:***@db/x`: the server did not answer within 1.5 s\n  = help: check that the host and port are those of a PostgreSQL server that is up and not overloaded, and that no firewall or proxy holds the connection; a larger `connect_timeout` in the URL waits longer",
        );
        check(
            MigrateError::LockTimeout {
                waited: Duration::from_secs(3),
                holder: Some(LockHolder {
                    pid: 42,
                    application_name: "blocker".to_string(),
                }),
            },
            "the migration lock is still held after waiting 3 s, by pid 42 (`blocker`)\n  = help: that session is another migration run or holds the lock itself: let it finish and run again, or wait longer; if it is stuck, `SELECT pg_terminate_backend(42)` ends it",
        );
        check(
            MigrateError::LockTimeout {
                waited: Duration::from_millis(200),
                holder: None,
            },
            "the migration lock is still held after waiting 200 ms\n  = help: another migration run holds it: let it finish and run again, or wait longer",
        );
        check(
            MigrateError::TransactionStatement {
                file: "V2__b.sql".to_string(),
                line: 4,
                statement: "COMMIT".to_string(),
            },
            "migration `V2__b.sql` controls its own transaction: `COMMIT` at line 4\n  --> V2__b.sql:4\n  = note: dbkit runs the migration in one transaction with its history row; `COMMIT` would end or nest it, and a later failure would leave part of the migration applied and not recorded. Nothing was applied\n  = help: remove the `COMMIT`, or make `-- dbkit:no-transaction` the migration's first line to run it outside a transaction, statement by statement",
        );
        check(
            MigrateError::FutureMigration {
                version: 5,
                name: "later".to_string(),
                newest_known: 3,
            },
            "the database has applied V5__later, which is newer than V3, the newest migration known here\n  = help: a newer release applied it; run that release (or one that has the file), or allow future migrations",
        );
        check(
            MigrateError::BeforeApplying {
                source: "the backup failed".into(),
            },
            "cannot apply the migrations: the step before them failed: the backup failed",
        );
        check(
            MigrateError::Database {
                action: "read the history table".to_string(),
                reason: "permission denied".to_string(),
            },
            "cannot read the history table: permission denied",
        );
        check(
            MigrateError::ChangedAfterApply {
                file: "V1__a.sql".to_string(),
                applied: "12".to_string(),
                embedded: 34,
            },
            "migration `V1__a.sql` was changed after it was applied (checksum 12 in the database, 34 now)\n  = help: restore the file as it was applied and put the change in a new migration",
        );
        check(
            MigrateError::MissingAppliedFile {
                version: 2,
                name: "b".to_string(),
            },
            "migration V2__b was applied but its file is missing\n  = help: restore `V2__b.sql`; an applied migration is never deleted, a new one undoes it",
        );
        check(
            MigrateError::OutOfOrder {
                file: "V2__b.sql".to_string(),
                newest_applied: 3,
            },
            "migration `V2__b.sql` is not applied but is older than V3, which is\n  = help: give it a version above 3 (a migration merged from another branch must be renumbered)",
        );
        check(
            MigrateError::UnknownTarget { target: 9 },
            "no migration has version 9\n  = help: the target is the <n> of a `V<n>__<name>.sql` file",
        );
        check(
            statement_failed(true, true, false),
            "migration `V2__b.sql` failed: error[42P01]: relation \"missing\" does not exist\n  --> V2__b.sql:3\n  = detail: it is gone\n  = hint: create it\n  = note: the migration was rolled back; the ones before it stay applied",
        );
        check(
            statement_failed(false, false, true),
            "migration `V2__b.sql` failed: error[42P01]: relation \"missing\" does not exist\n  --> V2__b.sql:3\n  = note: this migration runs outside a transaction: the statements before this one stay applied",
        );
        let lock_timeout =
            |tries: u32, not_retried: bool, no_transaction: bool| MigrateError::StatementFailed {
                file: "V3__x.sql".to_string(),
                line: 2,
                code: "55P03".to_string(),
                message: "canceling statement due to lock timeout".to_string(),
                detail: None,
                hint: None,
                no_transaction,
                tries,
                not_retried,
            };
        check(
            lock_timeout(5, false, false),
            "migration `V3__x.sql` failed: error[55P03]: canceling statement due to lock timeout\n  --> V3__x.sql:2\n  = note: the migration was rolled back; the ones before it stay applied\n  = note: it was tried 5 times; the tries before the last failed on a lock timeout (SQLSTATE 55P03) and left nothing",
        );
        check(
            lock_timeout(1, true, true),
            "migration `V3__x.sql` failed: error[55P03]: canceling statement due to lock timeout\n  --> V3__x.sql:2\n  = note: this migration runs outside a transaction: the statements before this one stay applied\n  = note: it was not tried again after the lock timeout: it runs outside a transaction and statements before this one were applied, so trying it from the start would run them twice",
        );
    }
}
