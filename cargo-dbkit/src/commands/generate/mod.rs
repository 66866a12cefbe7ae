//! `cargo dbkit generate`: the code's schema × the last snapshot → the next migration.
//!
//! Its parts: [`prefetch`] reads the previous run's inputs while `cargo
//! metadata` runs, [`no_change`] remembers the runs that found no changes,
//! [`rebase`] is `--rebase`. The `--rename` arguments and questions are
//! `commands/renames.rs`, shared with `push`.

mod no_change;
mod prefetch;
mod rebase;

use crate::cli::{GenerateArgs, GlobalOptions};
use crate::commands::renames::{
    RenameSource, parse_renames, settle_renames, warn_about_hinted_cycles,
};
use crate::output::diagnostics::Diagnostic;
use crate::output::errors::{CliError, Outcome};
use crate::output::terminal::{Output, start_spinner};
use crate::workspace::discovery::{Workspace, display_path, load_workspace, schema_source_files};
use crate::workspace::migrations_folder::{
    MigrationsFolder, NewMigrationFiles, SNAPSHOT_DIRECTORY, remove_orphan_snapshots,
    sanitize_migration_name, write_migration_atomically,
};
use crate::workspace::schema_loading::CodeSchema;
use dbkit_core::diff::{Ambiguity, Change, DiffOptions, Rename, describe_change, diff_owned};
use dbkit_core::model::Schema;
use dbkit_core::render::render_migration;
use dbkit_core::snapshot::{self, PrintedSchema};
use no_change::{NoChangeQuery, remember_no_change};
use prefetch::{LoadedCode, Prefetch};

/// Runs `cargo dbkit generate`.
///
/// The process ends right after a command, so the large models (the
/// code's schema, the snapshot read) are left to it rather than freed one
/// allocation at a time ([`leave_to_exit`]).
pub fn run_generate(
    global: &GlobalOptions,
    arguments: &GenerateArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    // Reading and parsing start from the previous run's inputs while
    // `cargo metadata` runs; only what it confirms is used.
    if let Some(requested) = &arguments.rebase {
        return rebase::run_rebase(global, arguments, requested.as_deref(), output);
    }
    let prefetch = Prefetch::start(global.manifest_path.as_deref());
    let workspace = load_workspace(global.manifest_path.as_deref())?;
    warn_about_workspace(&workspace, output);
    let spinner = start_spinner(output, "reading the schema code");
    let files = schema_source_files(&workspace)?;
    // A custom migration is written whatever the code holds; otherwise a
    // run with the same inputs that found no changes answers for the code.
    let query = (!arguments.custom).then(|| NoChangeQuery {
        check: arguments.check,
        renames: arguments.rename.clone(),
    });
    let (loaded, mut folder) = prefetch.finish(&workspace, &files, query.as_ref())?;
    drop(spinner);
    for orphan in &folder.orphan_snapshot_display_paths {
        output.warning(&format!(
            "ignoring {orphan}: it has no SQL file beside it (an interrupted `cargo dbkit generate`); the next migration replaces it"
        ));
    }
    let (code, run_key) = match loaded {
        LoadedCode::KnownUnchanged => {
            tracing::info!(files = files.len(), "the schema code is known to match");
            if arguments.check {
                return check(&workspace, &folder, Ok(Vec::new()), output);
            }
            warn_about_unsnapshotted_migrations(&folder, output);
            report_no_changes(&folder, output);
            leave_to_exit(folder);
            return Ok(Outcome::Success);
        }
        LoadedCode::Schema { code, run_key } => (code, run_key),
    };
    tracing::info!(
        files = files.len(),
        parsed = code.parsed_file_count,
        cached = code.cached_file_count,
        "read the schema code"
    );
    // From here on only the snapshots' ids and presence are read.
    let previous_schema = folder.take_latest_schema();
    let renames = parse_renames(&arguments.rename, &previous_schema, &code.schema)?;
    if !arguments.custom {
        super::partitioning::refuse_partitioning_changes(&previous_schema, &code.schema, &renames)?;
    }
    warn_about_hinted_cycles(
        &previous_schema,
        &code.schema,
        &renames,
        RenameSource::Snapshot,
        output,
    );
    let remember_if_unchanged = |changes: &[Change]| {
        if let (true, Some(key)) = (changes.is_empty(), &run_key) {
            remember_no_change(&workspace.target_directory, key);
        }
    };

    if arguments.check {
        let options = DiffOptions {
            renames,
            assume_drop_and_create: true,
        };
        let differences = diff_owned(previous_schema, &code.schema, &options)
            .map_err(|(ambiguities, _)| ambiguities);
        if let Ok(changes) = &differences {
            remember_if_unchanged(changes);
        }
        return check(&workspace, &folder, differences, output);
    }
    warn_about_unsnapshotted_migrations(&folder, output);

    // A custom migration's snapshot is the previous one's schema, printed
    // before the differ takes that schema as its working copy. Otherwise
    // the new snapshot's JSON depends on the code alone: it is printed on
    // another core while the differ runs (and dropped if nothing changed).
    let custom_snapshot = arguments
        .custom
        .then(|| PrintedSchema::of(&previous_schema));
    let (settled, code_snapshot) = std::thread::scope(|scope| {
        let printing = (!arguments.custom).then(|| scope.spawn(|| PrintedSchema::of(&code.schema)));
        let settled = diff_settling_ambiguities(previous_schema, &code, renames, output);
        let printed = printing.map(|printing| match printing.join() {
            Ok(printed) => printed,
            Err(payload) => std::panic::resume_unwind(payload),
        });
        (settled, printed)
    });
    let (changes, answered) = settled?;
    if let Some(snapshot) = custom_snapshot {
        if !changes.is_empty() {
            output.warning(&format!(
                "the code also has {} change(s) that no migration contains; run `cargo dbkit generate` after this to write them",
                changes.len()
            ));
        }
        let name = sanitize_migration_name(arguments.name.as_deref().unwrap_or("custom"));
        let sql = custom_migration_text();
        return write_next_migration(&workspace, &folder, &name, sql, &snapshot, 0, &[], output);
    }
    if changes.is_empty() {
        // Answers given on the terminal are no input a later run repeats.
        if !answered {
            remember_if_unchanged(&changes);
        }
        report_no_changes(&folder, output);
        leave_to_exit(code);
        return Ok(Outcome::Success);
    }
    let rendered = render_migration(&changes);
    // What the writing does not need goes before it allocates the snapshot's text.
    drop(changes);
    let name = sanitize_migration_name(
        arguments
            .name
            .as_deref()
            .unwrap_or(&rendered.suggested_name),
    );
    let statement_count = count_statements(&rendered.sql);
    let printed = code_snapshot.unwrap_or_else(|| PrintedSchema::of(&code.schema));
    let written = write_next_migration(
        &workspace,
        &folder,
        &name,
        rendered.sql,
        &printed,
        statement_count,
        &rendered.warnings,
        output,
    );
    leave_to_exit(code);
    written
}

/// Does not free `value`: for the models of a few thousand tables at the
/// end of a command, whose memory the process's exit returns at once, where
/// freeing them took 3 to 5 ms of a 1,000-table run (BENCHMARKS.md).
fn leave_to_exit<T>(value: T) {
    std::mem::forget(value);
}

fn warn_about_unsnapshotted_migrations(folder: &MigrationsFolder, output: Output) {
    for unsnapshotted in folder.migrations_after_latest_snapshot() {
        output.warning(&format!(
            "{} has no snapshot: the schema it leads to is unknown, so the code is compared with the migration before it",
            unsnapshotted.sql_display_path
        ));
    }
}

fn report_no_changes(folder: &MigrationsFolder, output: Output) {
    let matched = folder
        .latest_snapshot()
        .map(|(entry, _)| format!(" (the code matches {})", entry.sql_display_path))
        .unwrap_or_default();
    output.line(&format!("no changes{matched}"));
}

fn warn_about_workspace(workspace: &Workspace, output: Output) {
    if workspace.schema_crates.is_empty() {
        output.warning(
            "no workspace member depends on dbkit-runtime, so there is no schema code to read",
        );
    }
}

/// The text of a `--custom` migration.
fn custom_migration_text() -> String {
    "-- A custom migration for hand-written SQL (data fixes, backfills, anything dbkit does not generate).\n\
     -- dbkit wrote no statements here and its snapshot equals the previous one,\n\
     -- so `cargo dbkit generate` and `--check` are not affected by what you write below.\n"
        .to_string()
}

/// Statements in rendered SQL: the renderer separates them by a blank line;
/// blocks of comments only (the header) do not count.
fn count_statements(sql: &str) -> usize {
    sql.split("\n\n")
        .filter(|block| {
            block
                .lines()
                .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with("--"))
        })
        .count()
}

/// Diffs the old schema against the code, renames settled by
/// [`settle_renames`]; also tells whether any question was answered.
fn diff_settling_ambiguities(
    old: Schema,
    code: &CodeSchema,
    renames: Vec<Rename>,
    output: Output,
) -> Result<(Vec<Change>, bool), CliError> {
    let mut old = old;
    settle_renames(
        code,
        renames,
        RenameSource::Snapshot,
        output,
        |renames, assume_drop_and_create| {
            let options = DiffOptions {
                renames: renames.to_vec(),
                assume_drop_and_create,
            };
            // The differ works on the old schema itself; it comes back with
            // the ambiguities.
            diff_owned(std::mem::take(&mut old), &code.schema, &options).map_err(
                |(ambiguities, returned)| {
                    old = returned;
                    ambiguities
                },
            )
        },
    )
}

/// `--check`: nothing is written; a finding when the code and the
/// migrations disagree. `differences` is the diff of the newest snapshot and
/// the code, ambiguities settled as drops and creations.
fn check(
    workspace: &Workspace,
    folder: &MigrationsFolder,
    differences: Result<Vec<Change>, Vec<Ambiguity>>,
    output: Output,
) -> Result<Outcome, CliError> {
    let migrations_display = display_path(&workspace.root, &workspace.migrations_directory);
    let mut findings: Vec<Diagnostic> = Vec::new();
    for unsnapshotted in folder.migrations_after_latest_snapshot() {
        findings.push(
            Diagnostic::error(format!("{} has no snapshot", unsnapshotted.sql_display_path))
                .with_note("without one, dbkit cannot tell which schema the migrations lead to")
                .with_help(format!(
                    "hand-written migrations are made with `cargo dbkit generate --custom --name {}`, which writes the snapshot too: move the SQL into the file it creates and delete this one",
                    unsnapshotted.name
                )),
        );
    }
    let generate_help = format!(
        "run `cargo dbkit generate`, review the file it writes in {migrations_display}/ and commit it"
    );
    match differences {
        Ok(changes) if changes.is_empty() => {}
        Ok(changes) => {
            const LISTED_CHANGES: usize = 15;
            let mut list = String::new();
            for change in changes.iter().take(LISTED_CHANGES) {
                list.push_str("\n- ");
                list.push_str(&describe_change(change));
            }
            if changes.len() > LISTED_CHANGES {
                list.push_str(&format!("\n… and {} more", changes.len() - LISTED_CHANGES));
            }
            let count = match changes.len() {
                1 => "1 change".to_string(),
                n => format!("{n} changes"),
            };
            findings.push(
                Diagnostic::error(format!("the schema code has {count} that no migration in {migrations_display}/ contains"))
                    .with_note(format!("the code differs from the last snapshot:{list}"))
                    .with_help(generate_help.clone()),
            );
        }
        Err(ambiguities) => {
            for ambiguity in ambiguities {
                findings.push(
                    Diagnostic::error(format!("the schema code has changes that no migration in {migrations_display}/ contains"))
                        .with_note(ambiguity.to_string())
                        .with_help(generate_help.clone()),
                );
            }
        }
    }
    if findings.is_empty() {
        output.status(
            "Checked",
            &format!("the schema code and {migrations_display}/ agree"),
        );
        return Ok(Outcome::Success);
    }
    let sources = crate::output::diagnostics::SourceTexts::new();
    for finding in &findings {
        output.rendered(&crate::output::diagnostics::render_diagnostic(
            finding, &sources,
        ));
    }
    Ok(Outcome::Finding)
}

/// Writes `V<n>__<name>.sql` and its snapshot, then reports what was written.
#[allow(clippy::too_many_arguments)]
fn write_next_migration(
    workspace: &Workspace,
    folder: &MigrationsFolder,
    name: &str,
    sql: String,
    schema: &PrintedSchema,
    statement_count: usize,
    warnings: &[String],
    output: Output,
) -> Result<Outcome, CliError> {
    let version = folder.next_version();
    let sql_file_name = snapshot::migration_file_name(version, name);
    let parent = folder
        .latest_snapshot()
        .map(|(_, snapshot)| snapshot.id.clone());
    let snapshot_text = schema.snapshot_text(version, &sql_file_name, parent.as_deref());
    let previous_snapshot = folder.latest_snapshot().map(|(entry, _)| {
        crate::commands::check::lint::snapshot_path(workspace, entry.version, &entry.name)
    });
    let files = NewMigrationFiles {
        sql_path: workspace.migrations_directory.join(&sql_file_name),
        sql_text: sql,
        snapshot_path: workspace
            .migrations_directory
            .join(SNAPSHOT_DIRECTORY)
            .join(snapshot::snapshot_file_name(&sql_file_name)),
        snapshot_text,
    };
    write_migration_atomically(&files, &workspace.root)?;
    remove_orphan_snapshots(folder);
    report_written(
        workspace,
        &files,
        previous_snapshot.as_deref(),
        statement_count,
        warnings,
        output,
    );
    Ok(Outcome::Success)
}

/// Says what was written, then shows the lint's findings on it, linted
/// against the schema of `previous_snapshot`, the snapshot it follows.
fn report_written(
    workspace: &Workspace,
    files: &NewMigrationFiles,
    previous_snapshot: Option<&std::path::Path>,
    statement_count: usize,
    warnings: &[String],
    output: Output,
) {
    let sql_display = display_path(&workspace.root, &files.sql_path);
    let detail = match statement_count {
        0 => "for hand-written SQL".to_string(),
        1 => "1 statement".to_string(),
        n => format!("{n} statements"),
    };
    output.status("Generated", &format!("{sql_display} ({detail})"));
    for warning in warnings {
        output.warning(warning);
    }
    if !warnings.is_empty() {
        output.line("  these are also listed at the top of the file: review it before committing");
    }
    crate::commands::check::lint::print_new_migration_findings(
        workspace,
        &files.sql_text,
        &sql_display,
        previous_snapshot,
        output,
    );
}
