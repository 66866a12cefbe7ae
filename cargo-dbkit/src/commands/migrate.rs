//! `cargo dbkit migrate`: applies the workspace's pending migrations with
//! dbkit-runtime's engine, printing a line per migration (and a progress
//! bar when there are many on a terminal), who holds the lock while it
//! waits, and a warning about migrations a newer release applied;
//! `--dry-run` prints their SQL instead, `--target` stops at a version,
//! `--lock-wait` bounds the wait for the lock, `--lock-retries` sets how
//! many times a migration that fails on a lock timeout is tried (each
//! retry printed), `--backup` dumps the
//! database under the lock before the first migration, `--create-roles`
//! creates the roles the migrations' policies name (the engine refuses to
//! start without them).

use crate::cli::{GlobalOptions, MigrateArgs};
use crate::database::backup::{BackupError, dump_database};
use crate::database::target::MigrationContext;
use crate::output::errors::{CliError, Outcome};
use crate::output::format::{count, format_duration, stem};
use crate::output::terminal::{DelayedSpinner, Output, start_spinner};
use anstyle::{AnsiColor, Effects, Style};
use dbkit_runtime::migrate::{
    DatabaseUrl, HistoryRow, HookError, MigrateError, MigrateEvent, Migration,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// More pending migrations than this get a progress bar (on a terminal).
const PROGRESS_BAR_THRESHOLD: usize = 10;

/// The `application_name` of migrate's session, which a run waiting for
/// the lock names.
const APPLICATION_NAME: &str = "cargo dbkit migrate";

/// Runs `cargo dbkit migrate`.
pub fn run_migrate(
    global: &GlobalOptions,
    arguments: &MigrateArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    let context = MigrationContext::open(global, &arguments.database, output)?;
    let url = &context.database.url;
    if arguments.dry_run {
        let mut options = context
            .run_options(APPLICATION_NAME)
            .on_event(|event| warn_about_future_migrations(&event, &context, output));
        if let Some(target) = arguments.target {
            options = options.target(target);
        }
        let pending = context
            .runtime
            .block_on(context.migrations.pending_with(url, options))
            .map_err(|error| context.engine_error(error))?;
        print_dry_run(&context, &pending, output);
        return Ok(Outcome::Success);
    }
    let started = Instant::now();
    let mut progress = Progress::new(output, &context);
    let mut options = context
        .run_options(APPLICATION_NAME)
        .on_event(|event| progress.on_event(event));
    if let Some(target) = arguments.target {
        options = options.target(target);
    }
    if let Some(wait) = arguments.lock_wait {
        options = options.lock_wait(wait);
    }
    if let Some(tries) = arguments.lock_retries {
        options = options.lock_retries(tries);
    }
    if arguments.create_roles {
        options = options.create_missing_roles();
    }
    if let Some(directory) = &arguments.backup {
        // Under the lock, once something is known to be pending: of two
        // runs at once, only the one that migrates dumps.
        let (url, directory) = (url.clone(), directory.clone());
        options = options.before_applying(move |_| Box::pin(back_up(url, directory, output)));
    }
    let result = context
        .runtime
        .block_on(context.migrations.run_with(url, options));
    let report = result.map_err(|error| match error {
        MigrateError::BeforeApplying { source } => match source.downcast::<BackupError>() {
            Ok(backup) => CliError::from_error(*backup),
            Err(source) => context.engine_error(MigrateError::BeforeApplying { source }),
        },
        other => context.engine_error(other),
    })?;
    if report.applied.is_empty() {
        output.status(
            "Finished",
            &format!(
                "nothing to apply; {url} is up to date{}{}",
                arguments
                    .target
                    .map(|target| format!(" up to V{target}"))
                    .unwrap_or_default(),
                if arguments.backup.is_some() {
                    "; no backup taken"
                } else {
                    ""
                }
            ),
        );
    } else {
        output.status(
            "Finished",
            &format!(
                "{} in {}",
                count(report.applied.len(), "migration", "migrations"),
                format_duration(started.elapsed())
            ),
        );
    }
    Ok(Outcome::Success)
}

/// Dumps the database into `directory` (pg_dump runs on a thread of its
/// own, so that the engine's connection keeps being driven meanwhile).
async fn back_up(url: DatabaseUrl, directory: PathBuf, output: Output) -> Result<(), HookError> {
    let spinner = start_spinner(output, "pg_dump");
    let dumped = tokio::task::spawn_blocking(move || dump_database(&url, &directory)).await;
    drop(spinner);
    let path = dumped??;
    output.status("Backed up", &path.display().to_string());
    Ok(())
}

/// The warning about migrations applied by a newer release, the same for
/// a run and a dry run.
fn warn_about_future_migrations(
    event: &MigrateEvent<'_>,
    context: &MigrationContext,
    output: Output,
) {
    if let MigrateEvent::FutureMigrations { migrations } = event {
        output.warning(&future_migrations_warning(
            migrations,
            &context.folder_display,
        ));
    }
}

fn future_migrations_warning(migrations: &[HistoryRow], folder_display: &str) -> String {
    let names: Vec<String> = migrations
        .iter()
        .map(|row| format!("V{}__{}", row.version, row.name))
        .collect();
    format!(
        "the database has applied {}, newer than every migration in {folder_display}, most likely by a newer release: they are left as they are, as a release binary's start-up leaves them (`cargo dbkit status` lists them)",
        names.join(", ")
    )
}

/// What the observer of a run prints.
struct Progress<'c> {
    output: Output,
    context: &'c MigrationContext,
    bar: Option<indicatif::ProgressBar>,
    spinner: Option<DelayedSpinner>,
}

impl<'c> Progress<'c> {
    fn new(output: Output, context: &'c MigrationContext) -> Progress<'c> {
        Progress {
            output,
            context,
            bar: None,
            spinner: None,
        }
    }

    fn on_event(&mut self, event: MigrateEvent<'_>) {
        match event {
            MigrateEvent::WaitingForLock { holder, waited } => {
                let holder = match holder {
                    Some(holder) => format!("held by {holder}"),
                    None => "which another session holds".to_string(),
                };
                let waited = match waited.as_secs() {
                    0 => String::new(),
                    seconds => format!(" ({seconds} s so far)"),
                };
                self.output.status(
                    "Waiting",
                    &format!("for the migration lock, {holder}{waited}"),
                );
            }
            MigrateEvent::FutureMigrations { .. } => {
                warn_about_future_migrations(&event, self.context, self.output);
            }
            MigrateEvent::Planned { pending } if !pending.is_empty() => {
                self.output.status(
                    "Migrating",
                    &format!("{} ({} pending)", self.context.database.url, pending.len()),
                );
                if pending.len() > PROGRESS_BAR_THRESHOLD
                    && !self.output.quiet
                    && std::io::stderr().is_terminal()
                {
                    self.bar = Some(progress_bar(pending.len()));
                }
            }
            MigrateEvent::RolesCreated { roles } => self.output.status(
                "Created",
                &format!(
                    "{} NOLOGIN for the migrations' policies: {}",
                    if roles.len() == 1 { "role" } else { "roles" },
                    roles.join(", ")
                ),
            ),
            MigrateEvent::Applying { migration } => match &self.bar {
                Some(bar) => bar.set_message(stem(migration).to_string()),
                None => {
                    self.spinner = Some(start_spinner(
                        self.output,
                        &format!("applying {}", stem(migration)),
                    ));
                }
            },
            MigrateEvent::RetryingAfterLockTimeout {
                migration,
                attempt,
                attempts,
                delay,
                ..
            } => self.retrying(migration, attempt, attempts, delay),
            MigrateEvent::Applied {
                migration,
                duration,
            } => self.applied(migration, duration),
            _ => {}
        }
    }

    fn retrying(&mut self, migration: &Migration, attempt: u32, attempts: u32, delay: Duration) {
        let message = format!(
            "{} after a lock timeout (try {attempt} of {attempts}, in {})…",
            migration.file_name,
            format_duration(delay)
        );
        match &self.bar {
            Some(bar) => {
                let style = if colour_enabled() {
                    STATUS_STYLE
                } else {
                    Style::new()
                };
                bar.println(format!("{style}{:>12}{style:#} {message}", "Retrying"));
            }
            None => {
                self.spinner = None;
                self.output.status("Retrying", &message);
                self.spinner = Some(start_spinner(
                    self.output,
                    &format!("applying {}", stem(migration)),
                ));
            }
        }
    }

    fn applied(&mut self, migration: &Migration, duration: Duration) {
        self.spinner = None;
        let message = format!("{} ({})", stem(migration), format_duration(duration));
        match &self.bar {
            Some(bar) => {
                // The bar prints raw text: style it only when colour is on.
                let style = if colour_enabled() {
                    STATUS_STYLE
                } else {
                    Style::new()
                };
                bar.println(format!("{style}{:>12}{style:#} {message}", "Applied"));
                bar.inc(1);
                if bar.position() >= bar.length().unwrap_or(0) {
                    bar.finish_and_clear();
                }
            }
            None => self.output.status("Applied", &message),
        }
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

const STATUS_STYLE: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);

/// Whether `--color` (and `NO_COLOR`) allow colour on stderr, which is a
/// terminal whenever the bar is drawn.
fn colour_enabled() -> bool {
    match anstream::ColorChoice::global() {
        anstream::ColorChoice::Never => false,
        anstream::ColorChoice::Always | anstream::ColorChoice::AlwaysAnsi => true,
        anstream::ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

fn progress_bar(length: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(u64::try_from(length).unwrap_or(u64::MAX));
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} {wide_msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix("Migrating");
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// The SQL of each pending migration on stdout, what would happen on stderr.
fn print_dry_run(context: &MigrationContext, pending: &[Migration], output: Output) {
    if pending.is_empty() {
        output.status(
            "Finished",
            &format!(
                "nothing to apply; {} is up to date (dry run)",
                context.database.url
            ),
        );
        return;
    }
    let mut stdout = anstream::stdout();
    for migration in pending {
        let mode = if migration.no_transaction {
            "outside a transaction (-- dbkit:no-transaction)"
        } else {
            "in one transaction with its history row"
        };
        // A file name may hold a newline: escaped, it cannot end the
        // comment of SQL that may be fed to psql.
        let _ = writeln!(
            stdout,
            "{}",
            dbkit_core::sql_text::line_comment(&format!(
                "{}{} ({mode})",
                context.folder_display, migration.file_name
            ))
        );
        let _ = write!(stdout, "{}", migration.sql);
        if !migration.sql.ends_with('\n') {
            let _ = writeln!(stdout);
        }
        let _ = writeln!(stdout);
    }
    let _ = stdout.flush();
    output.status(
        "Dry run",
        &format!(
            "{} would be applied to {}; nothing was changed",
            count(pending.len(), "migration", "migrations"),
            context.database.url
        ),
    );
}
