//! The migration engine's errors (dbkit-runtime's `MigrateError`) as
//! diagnostics, built from the message, place, notes and help each error
//! carries: a failed statement points at its file and line, a time limit
//! says which and what to change.

use crate::output::diagnostics::{Diagnostic, SourceSpan};
use crate::output::errors::{CliError, IntoDiagnostics};
use dbkit_runtime::migrate::{DatabaseUrl, LockHolder, MigrateError, format_time_limit};
use std::time::Duration;

/// An engine error as diagnostics ([`IntoDiagnostics`]) whose files are
/// shown in the migrations folder, `folder_display` (`migrations/`).
pub fn migrate_error(error: MigrateError, folder_display: &str) -> CliError {
    let mut diagnostics = error.into_diagnostics();
    for span in diagnostics
        .iter_mut()
        .filter_map(|diagnostic| diagnostic.span.as_mut())
    {
        span.file = format!("{folder_display}{}", span.file);
    }
    CliError::Diagnostics(diagnostics)
}

/// An engine error as a diagnostic, built from what the error carries: its
/// message, the migration file (and line) it is about, its notes and its
/// help. Spans name the file alone (`V2__b.sql`), as the engine knows it;
/// [`migrate_error`] puts the folder in front. A failed statement, a
/// statement that controls the transaction, a connection that timed out
/// and a lock still held are phrased for the command line (its options,
/// PostgreSQL's hint as help). The engine's errors show no password (its
/// URL is a `DatabaseUrl`, the driver's messages are redacted).
impl IntoDiagnostics for MigrateError {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        let diagnostic = match &self {
            MigrateError::StatementFailed {
                file,
                line,
                code,
                message,
                detail,
                hint,
                no_transaction,
                ..
            } => {
                let mut diagnostic = Diagnostic::error(format!(
                    "migration `{file}` failed: {message} (SQLSTATE {code})"
                ))
                .with_span(SourceSpan::line(file.as_str(), *line));
                if let Some(detail) = detail {
                    diagnostic = diagnostic.with_note(format!("detail: {detail}"));
                }
                diagnostic = diagnostic.with_note(if *no_transaction {
                    "this migration runs outside a transaction: the statements before this one stay applied"
                } else {
                    "this migration was rolled back; the ones before it stay applied"
                });
                if let Some(note) = self.retry_note() {
                    diagnostic = diagnostic.with_note(note);
                }
                if let Some(hint) = hint {
                    diagnostic = diagnostic.with_help(hint.clone());
                }
                diagnostic
            }
            MigrateError::TransactionStatement {
                file,
                line,
                statement,
            } => Diagnostic::error(format!(
                "migration `{file}` controls its own transaction: `{statement}` at line {line}"
            ))
            .with_span(SourceSpan::line(file.as_str(), *line))
            .with_note(format!(
                "dbkit runs the migration in one transaction with its history row; `{statement}` would end or nest it, and a later failure would leave part of the migration applied and not recorded"
            ))
            .with_note("nothing was applied: every pending migration is checked first")
            .with_help(format!(
                "remove the `{statement}`, or make `-- dbkit:no-transaction` the migration's first line to run it outside a transaction, statement by statement"
            )),
            MigrateError::ConnectTimeout { url, timeout } => {
                connect_timeout_diagnostic(url, *timeout)
            }
            MigrateError::LockTimeout { waited, holder } => {
                lock_timeout_diagnostic(*waited, holder.as_ref())
            }
            other => diagnostic_from_fields(other),
        };
        vec![diagnostic]
    }
}

/// The error's message as the diagnostic's, its notes and help as the
/// diagnostic's, pointing at the migration file it is about (at its line
/// when the error names one). A driver's
/// message may go on over more lines (PostgreSQL's `DETAIL: …`): each is a
/// note.
fn diagnostic_from_fields(error: &MigrateError) -> Diagnostic {
    let message = error.message();
    let mut lines = message.lines();
    let mut diagnostic = Diagnostic::error(lines.next().unwrap_or("migration failed"));
    for line in lines {
        diagnostic = diagnostic.with_note(line.trim_start());
    }
    for note in error.notes() {
        diagnostic = diagnostic.with_note(note);
    }
    if let Some(help) = error.help() {
        diagnostic = diagnostic.with_help(help);
    }
    if let Some(location) = error.location() {
        diagnostic = diagnostic.with_span(SourceSpan::line(location.file, location.line));
    } else if let Some(file) = error.file() {
        diagnostic = diagnostic.in_file(file);
    }
    diagnostic
}

/// The server accepted the connection to `url` (shown with its password
/// hidden) but did not complete it within `timeout`: the engine's sessions
/// and the sqlx ones of push, pull and check say it alike.
pub fn connect_timeout_diagnostic(url: &DatabaseUrl, timeout: Duration) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot connect to {url}: the server did not answer within {}",
        format_time_limit(timeout)
    ))
    .with_help(
        "check that the host and port are those of a PostgreSQL server that is up and not overloaded, and that no firewall or proxy holds the connection",
    )
    .with_help("--connect-timeout SECONDS (or `connect_timeout` in the URL) waits longer")
}

/// Another session still held the migration lock after `--lock-wait`.
fn lock_timeout_diagnostic(waited: Duration, holder: Option<&LockHolder>) -> Diagnostic {
    let waited = format_time_limit(waited);
    let Some(holder) = holder else {
        return Diagnostic::error(format!(
            "the migration lock is still held after waiting {waited}"
        ))
        .with_help("another migration run holds it: let it finish and run again, or wait longer with a larger --lock-wait");
    };
    Diagnostic::error(format!(
        "the migration lock is still held after waiting {waited}, by {holder}"
    ))
    .with_note("that session is another migration run, or holds dbkit's advisory lock itself")
    .with_help("let it finish and run again, or wait longer with a larger --lock-wait (without it, migrate waits as long as it takes)")
    .with_help(format!(
        "if that session is stuck, `SELECT pg_terminate_backend({})` ends it",
        holder.pid
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_become_message_place_help_and_notes() {
        let CliError::Diagnostics(diagnostics) = migrate_error(
            MigrateError::ChangedAfterApply {
                file: "V1__a.sql".to_string(),
                applied: "12".to_string(),
                embedded: 34,
            },
            "migrations/",
        ) else {
            panic!("not diagnostics")
        };
        let [diagnostic] = diagnostics.as_slice() else {
            panic!("{diagnostics:?}")
        };
        assert_eq!(
            diagnostic.message,
            "migration `V1__a.sql` was changed after it was applied (checksum 12 in the database, 34 now)"
        );
        assert_eq!(
            diagnostic.span.as_ref().map(|span| span.file.as_str()),
            Some("migrations/V1__a.sql")
        );
        assert_eq!(
            diagnostic.help,
            ["restore the file as it was applied and put the change in a new migration"]
        );
        assert!(diagnostic.notes.is_empty());

        // A driver's message over several lines: the first is the message.
        let [diagnostic] = MigrateError::Database {
            action: "read the history table".to_string(),
            reason: "db error: ERROR: permission denied\nDETAIL: not the owner".to_string(),
        }
        .into_diagnostics()
        .try_into()
        .unwrap_or_else(|diagnostics| panic!("{diagnostics:?}"));
        assert_eq!(
            diagnostic.message,
            "cannot read the history table: db error: ERROR: permission denied"
        );
        assert_eq!(diagnostic.notes[0].message, "DETAIL: not the owner");
        assert!(diagnostic.help.is_empty() && diagnostic.span.is_none());
    }
}
