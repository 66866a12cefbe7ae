//! `cargo dbkit migrate`: applies the workspace's pending migrations with
//! dbkit-runtime's engine, printing a line per migration (and a progress
//! bar when there are many on a terminal); `--dry-run` prints their SQL
//! instead, `--target` stops at a version, `--backup` dumps the database
//! first.

use crate::backup::dump_database;
use crate::cli::{GlobalOptions, MigrateArgs};
use crate::errors::{CliError, Outcome};
use crate::migration_context::{MigrationContext, count, format_duration, stem};
use crate::terminal::{DelayedSpinner, Output, start_spinner};
use anstyle::{AnsiColor, Effects, Style};
use dbkit_runtime::migrate::{DatabaseUrl, MigrateEvent, Migration, RunOptions};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// More pending migrations than this get a progress bar (on a terminal).
const PROGRESS_BAR_THRESHOLD: usize = 10;

/// Runs `cargo dbkit migrate`.
pub fn run_migrate(
    global: &GlobalOptions,
    arguments: &MigrateArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    let context = MigrationContext::open(global, &arguments.database, output)?;
    let url = &context.database.url;
    if arguments.dry_run {
        let pending = context
            .runtime
            .block_on(context.migrations.pending(url, arguments.target))
            .map_err(|error| context.engine_error(error))?;
        print_dry_run(&context, &pending, output);
        return Ok(Outcome::Success);
    }
    if let Some(directory) = &arguments.backup {
        // Checked first, so that an up-to-date or broken database is not
        // dumped for nothing.
        let pending = context
            .runtime
            .block_on(context.migrations.pending(url, arguments.target))
            .map_err(|error| context.engine_error(error))?;
        if pending.is_empty() {
            output.status("Finished", "nothing to apply; no backup taken");
            return Ok(Outcome::Success);
        }
        let spinner = start_spinner(output, "pg_dump");
        let dumped = dump_database(url, directory);
        drop(spinner);
        let path = dumped.map_err(|error| CliError::Diagnostics(vec![error.to_diagnostic()]))?;
        output.status("Backed up", &path.display().to_string());
    }
    let started = Instant::now();
    let mut progress = Progress::new(output, url.clone());
    let mut options = RunOptions::new().on_event(|event| progress.on_event(event));
    if let Some(target) = arguments.target {
        options = options.target(target);
    }
    let result = context
        .runtime
        .block_on(context.migrations.run_with(url, options));
    let report = result.map_err(|error| context.engine_error(error))?;
    if report.applied.is_empty() {
        output.status(
            "Finished",
            &format!(
                "nothing to apply; {url} is up to date{}",
                arguments
                    .target
                    .map(|target| format!(" up to V{target}"))
                    .unwrap_or_default()
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

/// What the observer of a run prints.
struct Progress {
    output: Output,
    database_url: DatabaseUrl,
    bar: Option<indicatif::ProgressBar>,
    spinner: Option<DelayedSpinner>,
}

impl Progress {
    fn new(output: Output, database_url: DatabaseUrl) -> Progress {
        Progress {
            output,
            database_url,
            bar: None,
            spinner: None,
        }
    }

    fn on_event(&mut self, event: MigrateEvent<'_>) {
        match event {
            MigrateEvent::WaitingForLock { .. } => self.output.status(
                "Waiting",
                "for the migration lock, which another session holds",
            ),
            MigrateEvent::Planned { pending } if !pending.is_empty() => {
                self.output.status(
                    "Migrating",
                    &format!("{} ({} pending)", self.database_url, pending.len()),
                );
                if pending.len() > PROGRESS_BAR_THRESHOLD
                    && !self.output.quiet
                    && std::io::stderr().is_terminal()
                {
                    self.bar = Some(progress_bar(pending.len()));
                }
            }
            MigrateEvent::Applying { migration } => match &self.bar {
                Some(bar) => bar.set_message(stem(migration).to_string()),
                None => {
                    self.spinner = Some(start_spinner(
                        self.output,
                        &format!("applying {}", stem(migration)),
                    ));
                }
            },
            MigrateEvent::Applied {
                migration,
                duration,
            } => self.applied(migration, duration),
            _ => {}
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

impl Drop for Progress {
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
