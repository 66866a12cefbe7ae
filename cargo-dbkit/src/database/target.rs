//! What the database commands share: the workspace and the database URL,
//! which shows itself with its password hidden ([`DatabaseTarget`], for all
//! of them), a runtime for the futures, and for `migrate` and `status` the
//! migrations folder read through dbkit-runtime's engine (the one the
//! binaries run) ([`MigrationContext`]).

use crate::cli::{DatabaseOptions, GlobalOptions};
use crate::database::engine_errors::migrate_error;
use crate::database::url::{DATABASE_URL_VARIABLE, ResolvedDatabaseUrl, resolve_database_url};
use crate::output::diagnostics::{Diagnostic, SourceTexts};
use crate::output::errors::CliError;
use crate::output::terminal::Output;
use crate::workspace::discovery::{Workspace, display_path, load_workspace};
use dbkit_runtime::RunOptions;
use dbkit_runtime::migrate::{MigrateError, Migration, Migrations, connect_timeout_for};
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
                        .with_note(error.message())
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
        let failed_file = error.location().map(|location| location.file.to_string());
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
        .map_err(CliError::from_error)?;
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
