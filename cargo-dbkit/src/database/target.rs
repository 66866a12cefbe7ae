//! What the database commands share: the workspace and the database URL,
//! which shows itself with its password hidden ([`DatabaseTarget`], for all
//! of them), a runtime for the futures, and for `migrate` and `status` the
//! migrations folder read through dbkit-runtime's engine (the one the
//! binaries run) and engine errors turned into diagnostics.

use crate::cli::{DatabaseOptions, GlobalOptions};
use crate::database_url::{
    DATABASE_URL_VARIABLE, ResolvedDatabaseUrl, UrlSource, resolve_database_url,
};
use crate::diagnostics::{Diagnostic, SourceSpan, SourceTexts};
use crate::discovery::{Workspace, display_path, load_workspace};
use crate::errors::CliError;
use crate::terminal::Output;
use dbkit_runtime::RunOptions;
use dbkit_runtime::migrate::{
    DatabaseUrl, LockHolder, MigrateError, Migration, MigrationStatus, Migrations,
    connect_timeout_for, format_time_limit,
};
use std::path::Path;
use std::time::Duration;

/// Everything a database command needs, resolved.
#[derive(Debug)]
pub struct MigrationContext {
    /// The database (shown with its password hidden), and where its URL
    /// came from.
    pub database: ResolvedDatabaseUrl,
    /// How long connecting and authenticating may take.
    pub connect_timeout: Duration,
    /// The workspace's migrations, read from its folder.
    pub migrations: Migrations,
    /// The folder, relative to the workspace root (`migrations/`).
    pub folder_display: String,
    /// Drives the engine's futures on this thread.
    pub runtime: tokio::runtime::Runtime,
}

impl MigrationContext {
    /// Finds the workspace (`cargo metadata --no-deps`: no schema code is
    /// read), the database URL and the migrations.
    pub fn open(
        global: &GlobalOptions,
        options: &DatabaseOptions,
        output: Output,
    ) -> Result<MigrationContext, CliError> {
        let DatabaseTarget {
            workspace,
            database,
            connect_timeout,
        } = DatabaseTarget::resolve(global, options)?;
        let mut folder_display = display_path(&workspace.root, &workspace.migrations_directory);
        if !folder_display.ends_with('/') {
            folder_display.push('/');
        }
        let migrations =
            Migrations::from_directory(&workspace.migrations_directory).map_err(|error| {
                match error {
                    MigrateError::ReadDirectory { .. } => CliError::Diagnostics(vec![
                        Diagnostic::error(format!(
                            "cannot read the migrations folder {folder_display}"
                        ))
                        .with_note(error.to_string())
                        .with_help(
                            "`cargo dbkit generate` writes the first migration; \
                             `[workspace.metadata.dbkit] migrations` in the root Cargo.toml moves the folder",
                        ),
                    ]),
                    other => migrate_error(other, &folder_display),
                }
            })?;
        warn_about_misnamed_files(&workspace.migrations_directory, &folder_display, output);
        let runtime = start_runtime()?;
        Ok(MigrationContext {
            database,
            connect_timeout,
            migrations,
            folder_display,
            runtime,
        })
    }

    /// The engine's options for a session named `application_name` (e.g.
    /// `cargo dbkit migrate`), connecting within the command's limit.
    pub fn run_options<'a>(&self, application_name: &str) -> RunOptions<'a> {
        RunOptions::new()
            .connect_timeout(self.connect_timeout)
            .application_name(application_name)
    }

    /// An engine error as [`migrate_error`] phrases it; a failed statement
    /// also shows its line of the migration file, as rustc shows code.
    pub fn engine_error(&self, error: MigrateError) -> CliError {
        let failed_file = match &error {
            MigrateError::StatementFailed { file, .. }
            | MigrateError::TransactionStatement { file, .. } => Some(file.clone()),
            _ => None,
        };
        match (failed_file, migrate_error(error, &self.folder_display)) {
            (Some(file), CliError::Diagnostics(diagnostics)) => {
                let sql = self.migrations.migrations().ok().and_then(|migrations| {
                    migrations
                        .into_iter()
                        .find(|migration| migration.file_name == file)
                        .map(|migration| migration.sql.into_owned())
                });
                match sql {
                    Some(sql) => {
                        let mut diagnostics = diagnostics;
                        // Underline the statement's first line, from its
                        // first non-blank character.
                        if let Some(span) = diagnostics.first_mut().and_then(|d| d.span.as_mut())
                            && let Some(text) = sql.lines().nth(span.line.saturating_sub(1))
                        {
                            let indent = text.chars().take_while(|c| c.is_whitespace()).count();
                            span.column = indent + 1;
                            span.length = text.trim().chars().count();
                        }
                        let mut sources = SourceTexts::new();
                        sources.insert(format!("{}{file}", self.folder_display), sql);
                        CliError::Migration {
                            diagnostics,
                            sources,
                        }
                    }
                    None => CliError::Diagnostics(diagnostics),
                }
            }
            (_, other) => other,
        }
    }

    /// Where the URL came from, for a note: `from .env.test`.
    pub fn url_origin(&self) -> String {
        match &self.database.source {
            UrlSource::Argument => "from --database-url".to_string(),
            UrlSource::Environment => format!("from the environment's {DATABASE_URL_VARIABLE}"),
            UrlSource::File(path) => format!("from {}", path.display()),
        }
    }
}

/// The workspace and the database a command works on.
#[derive(Debug)]
pub struct DatabaseTarget {
    /// The workspace (`cargo metadata --no-deps`).
    pub workspace: Workspace,
    /// The database (shown with its password hidden), and where its URL
    /// came from.
    pub database: ResolvedDatabaseUrl,
    /// How long connecting and authenticating may take: `--connect-timeout`,
    /// else the URL's `connect_timeout`, else 10 s (the engine's rule, which
    /// the sqlx sessions of push, pull and check follow too).
    pub connect_timeout: Duration,
}

impl DatabaseTarget {
    /// Finds the workspace and the database URL (`--database-url`, the
    /// environment, or an env file).
    pub fn resolve(
        global: &GlobalOptions,
        options: &DatabaseOptions,
    ) -> Result<DatabaseTarget, CliError> {
        let environment_url = std::env::var(DATABASE_URL_VARIABLE).ok();
        let workspace = load_workspace(global.manifest_path.as_deref())?;
        let database = resolve_database_url(
            options.database_url.as_deref(),
            options.env_file.as_deref(),
            environment_url,
            &workspace.root,
        )
        .map_err(|error| CliError::Diagnostics(vec![error.to_diagnostic()]))?;
        let connect_timeout = connect_timeout_for(&database.url, options.connect_timeout);
        tracing::debug!(url = %database.url, source = ?database.source, ?connect_timeout, "database");
        Ok(DatabaseTarget {
            workspace,
            database,
            connect_timeout,
        })
    }
}

/// A runtime that drives the database futures on this thread.
pub fn start_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            CliError::Diagnostics(vec![
                Diagnostic::error("cannot start the async runtime").with_note(error.to_string()),
            ])
        })
}

/// `.sql` files the engine skips because they are not named
/// `V<n>__<name>.sql` (as a binary embedding the folder skips them): most
/// likely a typo that would otherwise go unnoticed.
fn warn_about_misnamed_files(directory: &Path, folder_display: &str, output: Output) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    let mut misnamed: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".sql") && !name.starts_with('.'))
        .filter(|name| Migration::from_file(name, String::new()).is_none())
        .collect();
    misnamed.sort();
    for name in misnamed {
        output.warning(&format!(
            "`{folder_display}{name}` is not named `V<version>__<name>.sql` and is never applied"
        ));
    }
}

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

/// `12 ms` below a second, `1.3 s` above.
pub fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// `V3__add_x` of `V3__add_x.sql`.
pub fn stem(migration: &Migration) -> &str {
    migration
        .file_name
        .strip_suffix(".sql")
        .unwrap_or(&migration.file_name)
}

/// `1 migration`, `2 migrations`.
pub fn count(number: usize, one: &str, many: &str) -> String {
    format!("{number} {}", if number == 1 { one } else { many })
}

/// `V3__add_x`, from the file or, for an unknown migration, the history.
pub fn migration_label(migration: &MigrationStatus) -> String {
    match &migration.file_name {
        Some(file_name) => file_name
            .strip_suffix(".sql")
            .unwrap_or(file_name)
            .to_string(),
        None => format!("V{}__{}", migration.version, migration.name),
    }
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

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(Duration::from_millis(12)), "12 ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.2 s");
    }
}
