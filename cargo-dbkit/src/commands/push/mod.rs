//! `cargo dbkit push`: the live database × the code's schema → SQL applied
//! directly, without a migration file (prototyping).
//!
//! **Flow.** The code is read as `generate` reads it; the database is read
//! by the introspector in a read-only session, the migration history table
//! (`refinery_schema_history`) left out, so push never touches it. The two
//! are made comparable by [`plan::align_to_code`] (the live schema spelled
//! as the code wherever the two are canonically equal: a database that the
//! migrations or an earlier push made from this code gives no change at
//! all), then diffed by `dbkit_core::diff`, renames settled as in
//! `generate` (`--rename`, `renamed_from`, a question on a terminal), and
//! rendered by `dbkit_core::render`.
//!
//! **Data loss.** Steps that lose data ([`plan::data_loss`]: drops of
//! tables, columns, enum types, enum labels and schemas, type changes that
//! are not widening) are listed; on a terminal the user confirms them
//! (y/N), otherwise they are refused (exit 1) unless `--force`, and nothing
//! is applied. Steps that can only fail (a new `NOT NULL` column without a
//! default, `SET NOT NULL`) are listed as warnings and not asked about: if
//! the table has rows PostgreSQL refuses the statement, the transaction is
//! rolled back, and the error says what to change. Push never truncates.
//!
//! **Transactions.** Everything runs in one transaction, so a failure
//! leaves the database unchanged (exit 2, the statement and its SQLSTATE
//! named), except when a label added by `ALTER TYPE … ADD VALUE` is used by
//! a later statement: PostgreSQL refuses a label before its transaction
//! commits, so the label additions commit first ([`plan::transactions`])
//! and a later failure leaves only those labels behind, which the code
//! declares anyway. The renderer never writes `CREATE INDEX CONCURRENTLY`.
//!
//! **Roles.** A policy naming a role the server lacks stops the push before
//! anything runs, at the policy in the code; `--create-roles` creates such
//! roles `NOLOGIN` at the start of the push's first transaction
//! (`roles`).
//!
//! **`--dry-run`** prints the SQL on stdout; the database is only read, in
//! the read-only session. Nothing printed shows a password.

mod database;
pub mod plan;
mod roles;
pub mod views;

pub use database::without_migration_history;

use crate::cli::{GlobalOptions, PushArgs};
use crate::commands::renames::{
    RenameSource, parse_renames, settle_renames, warn_about_hinted_cycles,
};
use crate::database::engine_errors::connect_timeout_diagnostic;
use crate::database::session::SessionError;
use crate::database::target::{DatabaseTarget, start_runtime};
use crate::output::diagnostics::{Diagnostic, SourceSpan, SourceTexts, render_diagnostic};
use crate::output::errors::{CliError, Outcome};
use crate::output::format::{count, format_duration};
use crate::output::redact::hide_passwords_of;
use crate::output::terminal::{Output, is_interactive, start_spinner};
use crate::workspace::cache::parse::ParseCache;
use crate::workspace::discovery::schema_source_files;
use crate::workspace::schema_loading::load_code_schema;
use database::{ApplyError, StatementFailure, apply_transactions, read_live_schema};
use dbkit_core::diff::{Ambiguity, Change, DiffOptions, Rename, describe_change, diff_owned};
use dbkit_core::model::Schema;
use dbkit_core::sql_text::line_comment;
use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

/// More statements than this get a progress bar (on a terminal).
const PROGRESS_BAR_THRESHOLD: usize = 10;
/// At most this many steps are listed before the push.
const LISTED_STEPS: usize = 40;

/// Runs `cargo dbkit push`.
pub fn run_push(
    global: &GlobalOptions,
    arguments: &PushArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    let DatabaseTarget {
        workspace,
        database,
        connect_timeout,
    } = DatabaseTarget::resolve(global, &arguments.database)?;
    let url = &database.url;
    let runtime = start_runtime()?;
    output.status("Pushing", url.redacted());

    let spinner = start_spinner(output, "reading the schema code");
    let files = schema_source_files(&workspace)?;
    let cache = ParseCache::in_target_directory(&workspace.target_directory);
    let code = load_code_schema(&files, cache.as_ref(), &workspace.extensions);
    drop(spinner);
    let code = code?;
    if workspace.schema_crates.is_empty() {
        output.warning(
            "no workspace member depends on dbkit-runtime, so there is no schema code to read",
        );
    }

    let spinner = start_spinner(output, &format!("reading {url}"));
    let live = runtime.block_on(read_live_schema(url, &code.schema, connect_timeout));
    drop(spinner);
    let live = live.map_err(|error| match error {
        SessionError::ConnectTimeout(timeout) => {
            single_error(connect_timeout_diagnostic(url, timeout))
        }
        SessionError::Failed(detail) => single_error(
            Diagnostic::error(format!("cannot read the schema of {url}"))
                .with_note(hide_passwords_of(&detail)),
        ),
    })?;

    let renames = parse_renames(&arguments.rename, &live, &code.schema)?;
    super::partitioning::refuse_partitioning_changes(&live, &code.schema, &renames)?;
    warn_about_hinted_cycles(
        &live,
        &code.schema,
        &renames,
        RenameSource::Database,
        output,
    );
    let (changes, _) = settle_renames(
        &code,
        renames,
        RenameSource::Database,
        output,
        |renames, assume_drop_and_create| {
            push_changes(&live, &code.schema, renames, assume_drop_and_create)
        },
    )?;
    if changes.is_empty() {
        output.status(
            "Finished",
            &format!("nothing to push; {url} matches the code"),
        );
        return Ok(Outcome::Success);
    }
    let mut transactions = plan::transactions(&changes);
    let statement_count: usize = transactions.iter().map(|t| t.statements.len()).sum();
    let losses: Vec<String> = changes.iter().filter_map(plan::data_loss).collect();
    let may_fail: Vec<String> = changes
        .iter()
        .filter(|change| plan::data_loss(change).is_none())
        .filter_map(Change::destructive_warning)
        .collect();

    if arguments.dry_run {
        print_dry_run(&transactions, &losses, &may_fail);
        for warning in losses.iter().chain(&may_fail) {
            output.warning(warning);
        }
        output.status(
            "Dry run",
            &format!(
                "{} would be applied to {url}; nothing was changed",
                count(statement_count, "statement", "statements")
            ),
        );
        return Ok(Outcome::Success);
    }

    let missing_roles = runtime
        .block_on(roles::missing_role_uses(
            url,
            &transactions,
            connect_timeout,
        ))
        .map_err(|error| match error {
            SessionError::ConnectTimeout(timeout) => {
                single_error(connect_timeout_diagnostic(url, timeout))
            }
            SessionError::Failed(detail) => single_error(
                Diagnostic::error(format!("cannot read the roles of {url}"))
                    .with_note(hide_passwords_of(&detail)),
            ),
        })?;
    if !missing_roles.is_empty() {
        if !arguments.create_roles {
            return Err(CliError::Diagnostics(roles::missing_role_diagnostics(
                &missing_roles,
                &code.schema,
            )));
        }
        roles::create_roles_first(&mut transactions, &missing_roles);
        let names: std::collections::BTreeSet<&str> = missing_roles
            .iter()
            .map(|found| found.role.as_str())
            .collect();
        output.line(&format!(
            "             create NOLOGIN roles for the policies: {}",
            names.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let statement_count: usize = transactions.iter().map(|t| t.statements.len()).sum();

    list_steps(&changes, output);
    for warning in &may_fail {
        output.warning(&format!("{warning}; a failure rolls the push back"));
    }
    if !losses.is_empty() {
        for loss in &losses {
            output.warning(loss);
        }
        if arguments.force {
            output.line("  applying them anyway (--force)");
        } else if is_interactive() {
            let question = format!(
                "{} lose data. Apply them? [y/N] ",
                count(losses.len(), "step", "steps")
            );
            let confirmed = confirm(&question).map_err(|error| {
                single_error(Diagnostic::error(format!(
                    "could not read the answer: {error}"
                )))
            })?;
            if !confirmed {
                output.status("Cancelled", "nothing was applied");
                return Ok(Outcome::Finding);
            }
        } else {
            output.rendered(&render_diagnostic(
                &Diagnostic::error(format!(
                    "push refused: {} would lose data, and there is no terminal to confirm {}",
                    count(losses.len(), "step", "steps"),
                    if losses.len() == 1 { "it" } else { "them" }
                ))
                .with_note("nothing was applied")
                .with_help("re-run with `--force` to apply them, or `--dry-run` to see the SQL"),
                &SourceTexts::new(),
            ));
            return Ok(Outcome::Finding);
        }
    }

    let started = Instant::now();
    let mut progress = Progress::new(output, statement_count);
    let applied = runtime.block_on(apply_transactions(
        url,
        &transactions,
        connect_timeout,
        |position, sql| {
            progress.statement(position, sql);
        },
    ));
    drop(progress);
    match applied {
        Ok(()) => {
            output.status(
                "Finished",
                &format!(
                    "{} applied to {url} in {}",
                    count(statement_count, "statement", "statements"),
                    format_duration(started.elapsed())
                ),
            );
            Ok(Outcome::Success)
        }
        Err(ApplyError::ConnectTimeout(timeout)) => Err(single_error(
            connect_timeout_diagnostic(url, timeout).with_note("nothing was applied"),
        )),
        Err(ApplyError::Connection(detail)) => Err(single_error(
            Diagnostic::error(format!("push to {url} failed"))
                .with_note(hide_passwords_of(&detail))
                .with_note("the transaction under way, if any, was not committed"),
        )),
        Err(ApplyError::Statement(failure)) => {
            Err(statement_error(&failure, &transactions, &changes))
        }
    }
}

fn single_error(diagnostic: Diagnostic) -> CliError {
    CliError::Diagnostics(vec![diagnostic])
}

/// The SQL on stdout, one transaction after the other.
fn print_dry_run(transactions: &[plan::Transaction], losses: &[String], may_fail: &[String]) {
    let mut stdout = anstream::stdout();
    for warning in losses.iter().chain(may_fail) {
        let _ = writeln!(stdout, "{}", line_comment(&format!("WARNING: {warning}")));
    }
    for (index, transaction) in transactions.iter().enumerate() {
        if transactions.len() > 1 {
            let _ = writeln!(
                stdout,
                "-- transaction {} of {}{}",
                index + 1,
                transactions.len(),
                if index == 0 {
                    " (enum labels a later statement uses must be committed first)"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(stdout, "BEGIN;\n");
        for statement in &transaction.statements {
            let _ = writeln!(stdout, "{statement}\n");
        }
        let _ = writeln!(stdout, "COMMIT;");
        if index + 1 < transactions.len() {
            let _ = writeln!(stdout);
        }
    }
    let _ = stdout.flush();
}

/// One line per step, at most [`LISTED_STEPS`].
fn list_steps(changes: &[Change], output: Output) {
    for change in changes.iter().take(LISTED_STEPS) {
        output.line(&format!("             {}", describe_change(change)));
    }
    if changes.len() > LISTED_STEPS {
        output.line(&format!(
            "             … and {} more",
            changes.len() - LISTED_STEPS
        ));
    }
}

/// Asks a yes/no question on stderr; only `y` or `yes` is a yes.
fn confirm(question: &str) -> std::io::Result<bool> {
    let mut stderr = anstream::stderr();
    write!(stderr, "{question}")?;
    stderr.flush()?;
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer)? == 0 {
        return Ok(false);
    }
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// The failed statement as a diagnostic: SQLSTATE, PostgreSQL's detail and
/// hint, what was rolled back, and for the usual failures what to change.
fn statement_error(
    failure: &StatementFailure,
    transactions: &[plan::Transaction],
    changes: &[Change],
) -> CliError {
    let total: usize = transactions.iter().map(|t| t.statements.len()).sum();
    let mut diagnostic = Diagnostic::error(format!(
        "push failed at statement {} of {total}: {} (SQLSTATE {})",
        failure.position + 1,
        failure.message,
        failure.code
    ))
    .with_span(SourceSpan {
        file: "push".to_string(),
        line: 1,
        column: 1,
        length: failure
            .statement
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .count(),
        label: None,
    });
    if let Some(detail) = &failure.detail {
        diagnostic = diagnostic.with_note(format!("detail: {detail}"));
    }
    diagnostic = diagnostic.with_note(if failure.transaction == 0 {
        "the push was rolled back: the database is unchanged".to_string()
    } else {
        "the push was rolled back, except the enum labels added in its first transaction (the code declares them)".to_string()
    });
    if let Some(hint) = &failure.hint {
        diagnostic = diagnostic.with_help(hint.clone());
    }
    let adds_not_null_column = changes.iter().any(|change| {
        matches!(change, Change::AddColumn { column, .. } if !column.nullable)
            || matches!(change, Change::SetNotNull { .. })
    });
    if failure.code == "23502" && adds_not_null_column {
        diagnostic = diagnostic.with_help(
            "the table has rows that would be NULL in a NOT NULL column: give the column a default (`#[dbkit(default = \"…\")]`), make it an `Option`, or fill or delete the rows first",
        );
    }
    let mut sources = SourceTexts::new();
    sources.insert("push".to_string(), failure.statement.clone());
    CliError::Migration {
        diagnostics: vec![diagnostic],
        sources,
    }
}

/// What is printed while the statements run: a bar for many statements on
/// a terminal, else a spinner that appears when a statement takes long.
struct Progress {
    output: Output,
    bar: Option<indicatif::ProgressBar>,
    spinner: Option<crate::output::terminal::DelayedSpinner>,
}

impl Progress {
    fn new(output: Output, total: usize) -> Progress {
        let bar =
            (total > PROGRESS_BAR_THRESHOLD && !output.quiet && std::io::stderr().is_terminal())
                .then(|| {
                    let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} {wide_msg}",
                    ) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar.set_prefix("Pushing");
                    bar.enable_steady_tick(Duration::from_millis(100));
                    bar
                });
        Progress {
            output,
            bar,
            spinner: None,
        }
    }

    fn statement(&mut self, position: usize, sql: &str) {
        let first_line = sql.lines().next().unwrap_or("").to_string();
        match &self.bar {
            Some(bar) => {
                bar.set_position(u64::try_from(position).unwrap_or(u64::MAX));
                bar.set_message(first_line);
            }
            None => {
                self.spinner = None;
                self.spinner = Some(start_spinner(self.output, &first_line));
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.spinner = None;
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The changes from `live` to the code, with the live schema aligned to
/// the code under the renames known so far. When tables or columns
/// disappear while others appear, asks on a terminal (then aligns and
/// diffs again with the answers) or stops with an error.
pub fn push_changes(
    live: &Schema,
    code: &Schema,
    renames: &[Rename],
    assume_drop_and_create: bool,
) -> Result<Vec<Change>, Vec<Ambiguity>> {
    let mut live = live.clone();
    dbkit_core::model::forget_undeclared_functions(&mut live, code);
    let aligned = plan::align_to_code(&live, code, renames);
    let options = DiffOptions {
        renames: renames.to_vec(),
        assume_drop_and_create,
    };
    diff_owned(aligned, code, &options).map_err(|(ambiguities, _)| ambiguities)
}
