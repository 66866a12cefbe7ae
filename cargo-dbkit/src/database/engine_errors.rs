//! The migration engine's errors (dbkit-runtime's `MigrateError`) as
//! diagnostics: a failed statement points at its file and line, a time
//! limit says which and what to change, and the engine's `= help:` and
//! `= note:` lines become the diagnostic's.

use crate::output::diagnostics::{Diagnostic, SourceSpan};
use crate::output::errors::CliError;
use dbkit_runtime::migrate::{DatabaseUrl, LockHolder, MigrateError, format_time_limit};
use std::time::Duration;

/// An engine error as a diagnostic: a failed statement points at its file
/// and line in the folder; the engine's `= help:` and `= note:` lines become
/// the diagnostic's. The engine's errors show no password (its URL is a
/// `DatabaseUrl`, the driver's messages are redacted).
pub fn migrate_error(error: MigrateError, folder_display: &str) -> CliError {
    let diagnostic = match &error {
        MigrateError::StatementFailed {
            file,
            line,
            code,
            message,
            detail,
            hint,
            no_transaction,
        } => {
            let mut diagnostic = Diagnostic::error(format!(
                "migration `{file}` failed: {message} (SQLSTATE {code})"
            ))
            .with_span(SourceSpan {
                file: format!("{folder_display}{file}"),
                line: *line,
                column: 0,
                length: 0,
                label: None,
            });
            if let Some(detail) = detail {
                diagnostic = diagnostic.with_note(format!("detail: {detail}"));
            }
            diagnostic = diagnostic.with_note(if *no_transaction {
                "this migration runs outside a transaction: the statements before this one stay applied"
            } else {
                "this migration was rolled back; the ones before it stay applied"
            });
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
        .with_span(SourceSpan {
            file: format!("{folder_display}{file}"),
            line: *line,
            column: 0,
            length: 0,
            label: None,
        })
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
        MigrateError::ChangedAfterApply { file, .. }
        | MigrateError::OutOfOrder { file, .. }
        | MigrateError::InvalidFile { file, .. } => diagnostic_from_engine_text(&error.to_string())
            .in_file(format!("{folder_display}{file}")),
        other => diagnostic_from_engine_text(&other.to_string()),
    };
    CliError::Diagnostics(vec![diagnostic])
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

/// Splits the engine's `message\n  = help: …\n  = note: …` text.
fn diagnostic_from_engine_text(text: &str) -> Diagnostic {
    let mut lines = text.lines();
    let mut diagnostic = Diagnostic::error(lines.next().unwrap_or("migration failed"));
    for line in lines {
        let line = line.trim_start();
        if let Some(help) = line.strip_prefix("= help: ") {
            diagnostic = diagnostic.with_help(help);
        } else if let Some(note) = line.strip_prefix("= note: ") {
            diagnostic = diagnostic.with_note(note);
        } else {
            diagnostic = diagnostic.with_note(line.trim_start_matches("= "));
        }
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_text_becomes_message_help_and_notes() {
        let diagnostic = diagnostic_from_engine_text(
            "migration `V1__a.sql` was changed after it was applied\n  = help: restore it",
        );
        assert_eq!(
            diagnostic.message,
            "migration `V1__a.sql` was changed after it was applied"
        );
        assert_eq!(diagnostic.help, ["restore it"]);
    }
}
