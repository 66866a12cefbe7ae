//! `cargo dbkit status`: where each migration of the workspace stands in a
//! database (applied, pending, changed, unknown, out of order), read
//! without the lock and without writing; exit status 1 when anything is
//! not applied and unchanged.

use crate::cli::{GlobalOptions, StatusArgs};
use crate::database::target::MigrationContext;
use crate::output::diagnostics::render_help_line;
use crate::output::errors::{CliError, Outcome};
use crate::output::format::migration_label;
use anstyle::{AnsiColor, Effects, Style};
use dbkit_runtime::migrate::{DatabaseUrl, MigrationState, Status};
use std::fmt::Write as _;
use std::io::Write as _;

/// Runs `cargo dbkit status`.
pub fn run_status(
    global: &GlobalOptions,
    arguments: &StatusArgs,
    output: crate::output::terminal::Output,
) -> Result<Outcome, CliError> {
    let context = MigrationContext::open(global, &arguments.database, output)?;
    let status = context
        .runtime
        .block_on(context.migrations.status_with(
            &context.database.url,
            context.run_options("cargo dbkit status"),
        ))
        .map_err(|error| context.engine_error(error))?;
    if !output.quiet {
        let mut stdout = anstream::stdout();
        let _ = stdout.write_all(
            render_status(&status, &context.database.url, &context.folder_display).as_bytes(),
        );
        let _ = stdout.flush();
        let help = status_help(&status);
        if !help.is_empty() {
            let mut stderr = anstream::stderr();
            for line in help {
                let _ = writeln!(stderr, "{}", render_help_line(&line));
            }
        }
    }
    Ok(if status.is_clean() {
        Outcome::Success
    } else {
        Outcome::Finding
    })
}

const APPLIED_STYLE: Style = AnsiColor::Green.on_default();
const PENDING_STYLE: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const PROBLEM_STYLE: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
const BOLD: Style = Style::new().effects(Effects::BOLD);

fn state_word(state: MigrationState) -> (&'static str, Style) {
    match state {
        MigrationState::Applied => ("applied", APPLIED_STYLE),
        MigrationState::Pending => ("pending", PENDING_STYLE),
        MigrationState::Changed => ("changed", PROBLEM_STYLE),
        MigrationState::Unknown => ("unknown", PROBLEM_STYLE),
        MigrationState::OutOfOrder => ("out of order", PROBLEM_STYLE),
    }
}

/// The list, one migration a line, then the counts (ANSI styles are
/// stripped by the stream when colour is off).
pub fn render_status(status: &Status, database_url: &DatabaseUrl, folder_display: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{BOLD}Migrations{BOLD:#} of {folder_display} in {database_url}"
    );
    if status.migrations.is_empty() {
        let _ = writeln!(
            out,
            "  (no migrations in {folder_display} nor in the database)"
        );
        return out;
    }
    let newest_applied = status
        .migrations
        .iter()
        .filter(|migration| migration.applied_on.is_some())
        .map(|migration| migration.version)
        .max();
    let labels: Vec<String> = status.migrations.iter().map(migration_label).collect();
    let width = labels
        .iter()
        .map(|label| label.chars().count())
        .max()
        .unwrap_or(0);
    for (migration, label) in status.migrations.iter().zip(&labels) {
        let (word, style) = state_word(migration.state);
        let applied_on = migration.applied_on.as_deref().unwrap_or("");
        let detail = match migration.state {
            MigrationState::Applied => applied_on.to_string(),
            MigrationState::Pending => String::new(),
            MigrationState::Changed => {
                format!("{applied_on}; the file changed since it was applied")
            }
            MigrationState::Unknown => format!(
                "{applied_on}; no file V{}__*.sql in {folder_display}",
                migration.version
            ),
            MigrationState::OutOfOrder => format!(
                "older than V{}, the newest applied",
                newest_applied.unwrap_or_default()
            ),
        };
        let _ = if detail.is_empty() {
            writeln!(out, "  {label:<width$}  {style}{word}{style:#}")
        } else {
            writeln!(
                out,
                "  {label:<width$}  {style}{word:<12}{style:#}  {detail}"
            )
        };
    }
    let mut counts = vec![format!("{} applied", status.count(MigrationState::Applied))];
    for (state, word) in [
        (MigrationState::Pending, "pending"),
        (MigrationState::Changed, "changed"),
        (MigrationState::Unknown, "unknown"),
        (MigrationState::OutOfOrder, "out of order"),
    ] {
        let number = status.count(state);
        if number > 0 {
            counts.push(format!("{number} {word}"));
        }
    }
    let _ = writeln!(out, "{}", counts.join(", "));
    out
}

/// What to do about each kind of problem, for `help:` lines.
fn status_help(status: &Status) -> Vec<String> {
    let mut help = Vec::new();
    if status.count(MigrationState::Changed) > 0 {
        help.push(
            "restore each changed file as it was applied and put the change in a new migration"
                .to_string(),
        );
    }
    if status.count(MigrationState::Unknown) > 0 {
        help.push(
            "the database has migrations this folder lacks: restore their files, or switch to the branch that has them"
                .to_string(),
        );
    }
    if status.count(MigrationState::OutOfOrder) > 0 {
        help.push(
            "give each out-of-order migration a version above the newest applied one".to_string(),
        );
    }
    if status.count(MigrationState::Pending) > 0 {
        help.push("`cargo dbkit migrate` applies the pending migrations".to_string());
    }
    help
}

#[cfg(test)]
mod tests {
    use super::*;
    use dbkit_runtime::migrate::MigrationStatus;

    fn migration(
        version: i32,
        state: MigrationState,
        file: bool,
        applied: bool,
    ) -> MigrationStatus {
        MigrationStatus {
            version,
            name: format!("m{version}"),
            file_name: file.then(|| format!("V{version}__m{version}.sql")),
            state,
            applied_on: applied.then(|| "2026-01-01T00:00:00.000000Z".to_string()),
        }
    }

    #[test]
    fn one_line_per_migration_and_the_counts() {
        use MigrationState::*;
        let status = Status {
            migrations: vec![
                migration(1, Applied, true, true),
                migration(2, Changed, true, true),
                migration(3, OutOfOrder, true, false),
                migration(4, Unknown, false, true),
                migration(10, Pending, true, false),
            ],
        };
        let mut plain = Vec::new();
        let mut stream = anstream::StripStream::new(&mut plain);
        let _ = stream.write_all(
            render_status(&status, &DatabaseUrl::new("postgres://h/x"), "migrations/").as_bytes(),
        );
        assert_eq!(
            String::from_utf8_lossy(&plain),
            "\
Migrations of migrations/ in postgres://h/x
  V1__m1    applied       2026-01-01T00:00:00.000000Z
  V2__m2    changed       2026-01-01T00:00:00.000000Z; the file changed since it was applied
  V3__m3    out of order  older than V4, the newest applied
  V4__m4    unknown       2026-01-01T00:00:00.000000Z; no file V4__*.sql in migrations/
  V10__m10  pending
1 applied, 1 pending, 1 changed, 1 unknown, 1 out of order
"
        );
        assert_eq!(status_help(&status).len(), 4);
    }
}
