//! `generate --rebase [MIGRATION]`: a branch conflict (two migrations
//! generated on top of the same one) settled by deleting one side and
//! generating it again on top of the other.

use super::{count_statements, diff_settling_ambiguities, report_written, warn_about_workspace};
use crate::cli::{GenerateArgs, GlobalOptions};
use crate::commands::renames::parse_renames;
use crate::output::diagnostics::Diagnostic;
use crate::output::errors::{CliError, Outcome};
use crate::output::terminal::Output;
use crate::workspace::cache::parse::ParseCache;
use crate::workspace::discovery::{Workspace, display_path, load_workspace, schema_source_files};
use crate::workspace::migrations_folder::{
    BranchConflict, BranchMember, FolderListing, ListedFile, NewMigrationFiles, SNAPSHOT_DIRECTORY,
    folder_of_listing, list_migrations_folder, remove_orphan_snapshots,
    replace_migration_atomically, write_migration_atomically,
};
use crate::workspace::schema_loading::load_code_schema;
use dbkit_core::diff::{Ambiguity, DiffOptions, Rename, parse_rename_argument};
use dbkit_core::model::Schema;
use dbkit_core::render::render_migration;
use dbkit_core::snapshot::{self, PrintedSchema, Snapshot};

/// Where the files a rebase deletes are kept, inside the target directory.
const REBASED_FOLDER: &str = "dbkit/rebased";

/// How many ways of reading renames are tried when telling whether a
/// migration's SQL was edited by hand.
const RENAME_READINGS_TRIED: usize = 64;

/// Runs `generate --rebase [MIGRATION]`: deletes one migration of a branch
/// conflict and generates it again on top of the other branch.
///
/// The order of the steps is what keeps a crash harmless. Everything that
/// can refuse (the choice of the migration, a hand-edited SQL file, the
/// code) is settled before anything is written; the deleted files are
/// copied to `<target>/dbkit/rebased/` first; the new pair is written
/// atomically; only then are the old SQL file and its snapshot removed, in
/// that order. Interrupted before the removal, both migrations stand and
/// `check` reports the branch conflict with a note that the rebase can be
/// run again (it then finds nothing left to generate and only deletes);
/// interrupted between the two removals, the old snapshot is an orphan that
/// every reader ignores and `check` names.
pub(super) fn run_rebase(
    global: &GlobalOptions,
    arguments: &GenerateArgs,
    requested: Option<&str>,
    output: Output,
) -> Result<Outcome, CliError> {
    let workspace = load_workspace(global.manifest_path.as_deref())?;
    warn_about_workspace(&workspace, output);
    let migrations_display = display_path(&workspace.root, &workspace.migrations_directory);
    let mut listing = list_migrations_folder(&workspace.migrations_directory, &workspace.root);
    if !listing.problems.is_empty() {
        return Err(CliError::MigrationsFolder(std::mem::take(
            &mut listing.problems,
        )));
    }
    let conflicts = listing.branch_conflicts();
    if conflicts.is_empty() {
        output.line(&format!(
            "nothing to rebase: no two migrations in {migrations_display}/ were generated on top of the same one"
        ));
        return Ok(Outcome::Success);
    }
    let moved = choose_rebased_migration(&conflicts, requested)?.clone();
    let moved_stem = moved.stem();
    let (moved_sql, moved_snapshot) = rebased_files(&listing, &moved)?;
    let chain = listing.chain();
    let children: Vec<String> = chain
        .iter()
        .filter(|(_, snapshot)| snapshot.parent.as_deref() == Some(moved_snapshot.id.as_str()))
        .map(|(listed, _)| listed.file.stem())
        .collect();
    if !children.is_empty() {
        return Err(single_error(
            Diagnostic::error(format!(
                "cannot rebase {moved_stem}: {} was generated on top of it",
                children.join(", ")
            ))
            .in_file(moved.sql_display_path.clone())
            .with_note("`--rebase` generates one migration again; the migrations after it on its branch were written for the schema it leaves")
            .with_help(format!(
                "delete the files of {} too (their changes are in the code, so the rebase generates them into one migration), then run `cargo dbkit generate --rebase {moved_stem}`",
                children.join(", ")
            )),
        ));
    }
    let parent_schema: Option<Schema> = match &moved_snapshot.parent {
        None => Some(Schema::default()),
        Some(id) => chain
            .iter()
            .find(|(_, snapshot)| &snapshot.id == id)
            .map(|(_, snapshot)| snapshot.schema.clone()),
    };
    drop(chain);
    let old_sql = std::fs::read_to_string(&moved_sql.path).map_err(|error| {
        single_error(
            Diagnostic::error(format!("could not read {}", moved_sql.display_path))
                .with_note(error.to_string())
                .with_help("check the file's permissions, then run the command again"),
        )
    })?;

    // The folder as it is without the moved migration: the other branch on
    // top, the next free version after it.
    let remaining = FolderListing {
        sql_files: listing
            .sql_files
            .iter()
            .filter(|file| file.display_path != moved_sql.display_path)
            .cloned()
            .collect(),
        snapshots: listing
            .snapshots
            .iter()
            .filter(|listed| listed.file.display_path != moved.snapshot_display_path)
            .cloned()
            .collect(),
        ..FolderListing::default()
    };
    let folder = folder_of_listing(remaining).map_err(CliError::MigrationsFolder)?;
    let tip_stem = folder
        .latest_snapshot()
        .map(|(entry, _)| entry.stem())
        .unwrap_or_else(|| "an empty folder".to_string());
    // A custom migration (its snapshot is its parent's schema) holds only
    // hand-written SQL: it is moved as it is.
    let is_custom = parent_schema
        .as_ref()
        .is_some_and(|parent| *parent == moved_snapshot.schema);

    let files = schema_source_files(&workspace)?;
    let cache = ParseCache::in_target_directory(&workspace.target_directory);
    let code = load_code_schema(&files, cache.as_ref(), &workspace.extensions)?;
    let previous_schema = folder.latest_schema();
    let custom_snapshot = is_custom.then(|| PrintedSchema::of(&previous_schema));
    let renames = parse_renames(&arguments.rename, &previous_schema, &code.schema)?;
    let (changes, _) = diff_settling_ambiguities(previous_schema, &code, renames, output)?;

    let new_content = match custom_snapshot {
        Some(printed) => {
            if !changes.is_empty() {
                output.warning(&format!(
                    "the code also has {} change(s) that no migration contains; run `cargo dbkit generate` after this to write them",
                    changes.len()
                ));
            }
            Some((old_sql.clone(), printed, 0, Vec::new()))
        }
        None if changes.is_empty() => None,
        None => {
            let rendered = render_migration(&changes);
            let statement_count = count_statements(&rendered.sql);
            Some((
                rendered.sql,
                PrintedSchema::of(&code.schema),
                statement_count,
                rendered.warnings,
            ))
        }
    };

    if !is_custom {
        let regenerated = new_content.as_ref().map(|(sql, ..)| sql.as_str());
        let edit = hand_edit(
            &old_sql,
            parent_schema.as_ref(),
            &moved_snapshot.schema,
            regenerated,
            &arguments.rename,
        );
        if let Some(reason) = edit {
            if !arguments.force {
                return Err(single_error(
                    Diagnostic::error(format!(
                        "{} was edited by hand: generating it again would lose the edit",
                        moved.sql_display_path
                    ))
                    .in_file(moved.sql_display_path.clone())
                    .with_note(reason)
                    .with_help(format!(
                        "move the hand-written SQL into a migration of its own (`cargo dbkit generate --custom`) after the rebase, or rebase the other migration instead; to regenerate it anyway, run `cargo dbkit generate --rebase {moved_stem} --force` (a copy of the file is kept in <target>/{REBASED_FOLDER}/)"
                    )),
                ));
            }
            output.warning(&format!(
                "{} was edited by hand; generating it again anyway (--force)",
                moved.sql_display_path
            ));
        }
    }

    let kept = keep_copies(
        &workspace,
        &[&moved_sql.path, &moved_snapshot_path(&listing, &moved)],
    )?;
    let written = match new_content {
        None => None,
        Some((sql_text, printed, statement_count, warnings)) => {
            let version = folder.next_version();
            let sql_file_name = snapshot::migration_file_name(version, &moved.name);
            let parent = folder
                .latest_snapshot()
                .map(|(_, snapshot)| snapshot.id.clone());
            let files = NewMigrationFiles {
                sql_path: workspace.migrations_directory.join(&sql_file_name),
                sql_text,
                snapshot_path: workspace
                    .migrations_directory
                    .join(SNAPSHOT_DIRECTORY)
                    .join(snapshot::snapshot_file_name(&sql_file_name)),
                snapshot_text: printed.snapshot_text(version, &sql_file_name, parent.as_deref()),
            };
            if files.sql_path == moved_sql.path {
                replace_migration_atomically(&files, &workspace.root)?;
            } else {
                write_migration_atomically(&files, &workspace.root)?;
            }
            Some((files, statement_count, warnings))
        }
    };
    let same_place = written
        .as_ref()
        .is_some_and(|(files, ..)| files.sql_path == moved_sql.path);
    if !same_place {
        remove_rebased_file(&workspace, &moved_sql.path)?;
        remove_rebased_file(&workspace, &moved_snapshot_path(&listing, &moved))?;
    }
    remove_orphan_snapshots(&folder);

    match &written {
        Some((files, statement_count, warnings)) => {
            output.status("Rebased", &format!("{moved_stem} onto {tip_stem}"));
            if !same_place {
                output.line(&format!(
                    "  deleted {} and its snapshot",
                    moved.sql_display_path
                ));
            }
            let previous_snapshot = folder.latest_snapshot().map(|(entry, _)| {
                crate::commands::check::lint::snapshot_path(&workspace, entry.version, &entry.name)
            });
            report_written(
                &workspace,
                files,
                previous_snapshot.as_deref(),
                *statement_count,
                warnings,
                output,
            );
        }
        None => {
            output.status("Rebased", &format!("{moved_stem} onto {tip_stem}"));
            output.line(&format!(
                "  deleted {} and its snapshot: the code matches {tip_stem}, which already holds its changes, so nothing is generated again",
                moved.sql_display_path
            ));
        }
    }
    output.line(&format!(
        "  a database that applied {moved_stem} must be reset (dropped and migrated again), as after a rebased git commit: the migration it applied is gone or changed"
    ));
    output.line(&format!("  the deleted files are kept in {kept}"));
    Ok(Outcome::Success)
}

fn single_error(diagnostic: Diagnostic) -> CliError {
    CliError::Diagnostics(vec![diagnostic])
}

/// `V3__add_orders`, from `V3__add_orders`, `V3__add_orders.sql`,
/// `migrations/V3__add_orders.sql`, its snapshot's path, or `add_orders`
/// when one migration of the conflicts has that name.
fn choose_rebased_migration<'a>(
    conflicts: &'a [BranchConflict],
    requested: Option<&str>,
) -> Result<&'a BranchMember, CliError> {
    let members = || {
        conflicts
            .iter()
            .flat_map(|conflict| conflict.branches.iter())
    };
    let choices = |conflict: &BranchConflict| {
        conflict
            .branches
            .iter()
            .map(|member| format!("`cargo dbkit generate --rebase {}`", member.stem()))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let Some(requested) = requested else {
        return match conflicts {
            [conflict] => conflict.newest().ok_or_else(|| {
                let stems: Vec<String> = conflict.branches.iter().map(BranchMember::stem).collect();
                single_error(
                    Diagnostic::error(format!(
                        "{} have the same version: which one should be generated again?",
                        stems.join(" and ")
                    ))
                    .with_note(conflict.message())
                    .with_help(format!(
                        "name it: {}; the other stays as it is, so keep the one a shared database may have applied",
                        choices(conflict)
                    )),
                )
            }),
            _ => Err(CliError::Diagnostics(vec![
                Diagnostic::error(format!(
                    "{} branch conflicts: name the migration to generate again",
                    conflicts.len()
                ))
                .with_note(
                    conflicts
                        .iter()
                        .map(BranchConflict::message)
                        .collect::<Vec<_>>()
                        .join("; "),
                )
                .with_help(
                    conflicts
                        .iter()
                        .map(choices)
                        .collect::<Vec<_>>()
                        .join(", then "),
                ),
            ])),
        };
    };
    let file_name = requested.rsplit(['/', '\\']).next().unwrap_or(requested);
    let stem = file_name
        .strip_suffix(".sql")
        .or_else(|| file_name.strip_suffix(".json"))
        .unwrap_or(file_name);
    let by_stem = members().find(|member| member.stem() == stem);
    let by_name: Vec<&BranchMember> = members().filter(|member| member.name == stem).collect();
    match (by_stem, by_name.as_slice()) {
        (Some(member), _) | (None, &[member]) => Ok(member),
        _ => Err(single_error(
            Diagnostic::error(format!(
                "`{requested}` is not one of the migrations of a branch conflict"
            ))
            .with_note(
                conflicts
                    .iter()
                    .map(BranchConflict::message)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .with_help(format!(
                "name one of them: {}",
                conflicts
                    .iter()
                    .map(choices)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )),
        )),
    }
}

/// The SQL file and the snapshot of the migration to move.
fn rebased_files(
    listing: &FolderListing,
    moved: &BranchMember,
) -> Result<(ListedFile, Snapshot), CliError> {
    let sql = listing
        .sql_files
        .iter()
        .find(|file| file.display_path == moved.sql_display_path);
    let snapshot = listing
        .snapshots
        .iter()
        .find(|listed| listed.file.display_path == moved.snapshot_display_path)
        .and_then(|listed| listed.snapshot());
    match (sql, snapshot) {
        (Some(sql), Some(snapshot)) => Ok((sql.clone(), snapshot.clone())),
        _ => Err(single_error(
            Diagnostic::error(format!("could not read {} again", moved.sql_display_path))
                .with_note("the folder changed while it was read")
                .with_help("run the command again"),
        )),
    }
}

fn moved_snapshot_path(listing: &FolderListing, moved: &BranchMember) -> std::path::PathBuf {
    listing
        .snapshots
        .iter()
        .find(|listed| listed.file.display_path == moved.snapshot_display_path)
        .map(|listed| listed.file.path.clone())
        .unwrap_or_default()
}

/// Copies the files a rebase deletes to `<target>/dbkit/rebased/`; returns
/// that folder for display. Nothing is deleted unless this succeeds.
fn keep_copies(workspace: &Workspace, paths: &[&std::path::Path]) -> Result<String, CliError> {
    let folder = workspace.target_directory.join(REBASED_FOLDER);
    let failed = |path: &std::path::Path, error: std::io::Error| {
        single_error(
            Diagnostic::error(format!(
                "could not keep a copy of {} in {}",
                display_path(&workspace.root, path),
                folder.display()
            ))
            .with_note(format!("{error}; nothing was changed"))
            .with_help("check that the target directory is writable, then run the command again"),
        )
    };
    std::fs::create_dir_all(&folder).map_err(|error| failed(&folder, error))?;
    for path in paths {
        let Some(file_name) = path.file_name() else {
            continue;
        };
        std::fs::copy(path, folder.join(file_name)).map_err(|error| failed(path, error))?;
    }
    Ok(display_path(&workspace.root, &folder))
}

fn remove_rebased_file(workspace: &Workspace, path: &std::path::Path) -> Result<(), CliError> {
    std::fs::remove_file(path).map_err(|error| {
        let shown = display_path(&workspace.root, path);
        single_error(
            Diagnostic::error(format!("could not delete {shown}"))
                .with_note(format!(
                    "{error}; the migration generated again is written, so the branch conflict is still there"
                ))
                .with_help(format!("delete it by hand (`rm {shown}`), then run `cargo dbkit check`")),
        )
    })
}

/// Why the SQL of a migration to generate again is not what dbkit wrote
/// for it, or `None` when it is. dbkit wrote what the differ renders from
/// the parent's snapshot to the migration's own, with renames read one of
/// a few ways (answers given on a terminal are not recorded); the header
/// comments are not compared. SQL equal to what the rebase writes now is
/// no edit either (a rebase interrupted after replacing the file).
fn hand_edit(
    sql: &str,
    parent: Option<&Schema>,
    own: &Schema,
    regenerated: Option<&str>,
    rename_arguments: &[String],
) -> Option<String> {
    let body = migration_body(sql);
    if regenerated.is_some_and(|regenerated| migration_body(regenerated) == body) {
        return None;
    }
    let Some(parent) = parent else {
        return Some("the snapshot it was generated on top of is not in the folder, so what dbkit wrote for it cannot be rendered again".to_string());
    };
    let renames: Vec<Rename> = rename_arguments
        .iter()
        .filter_map(|argument| parse_rename_argument(argument, parent, own).ok())
        .collect();
    if possible_generated_bodies(parent, own, renames).contains(&body) {
        None
    } else {
        Some("its statements differ from what dbkit renders from the snapshot before it to its own snapshot".to_string())
    }
}

/// The statements of a migration: without the leading comments and blank
/// lines, line endings and trailing space normalised.
fn migration_body(sql: &str) -> String {
    let lines: Vec<&str> = sql
        .lines()
        .map(str::trim_end)
        .skip_while(|line| line.is_empty() || line.trim_start().starts_with("--"))
        .collect();
    lines.join("\n").trim_end().to_string()
}

/// The bodies `generate` could have written from `old` to `new`: a
/// disappeared table or column read as dropped or as renamed to each one
/// that appeared, breadth first, at most [`RENAME_READINGS_TRIED`] readings.
fn possible_generated_bodies(old: &Schema, new: &Schema, renames: Vec<Rename>) -> Vec<String> {
    let mut bodies = Vec::new();
    let mut queue = std::collections::VecDeque::from([renames]);
    let mut tried: Vec<Vec<Rename>> = Vec::new();
    while let Some(renames) = queue.pop_front() {
        if tried.len() >= RENAME_READINGS_TRIED {
            break;
        }
        let same_set = |other: &Vec<Rename>| {
            other.len() == renames.len() && renames.iter().all(|rename| other.contains(rename))
        };
        if tried.iter().any(same_set) {
            continue;
        }
        tried.push(renames.clone());
        let options = DiffOptions {
            renames: renames.clone(),
            assume_drop_and_create: false,
        };
        let ambiguities = match dbkit_core::diff::diff(old, new, &options) {
            Ok(changes) => {
                bodies.push(migration_body(&render_migration(&changes).sql));
                continue;
            }
            Err(ambiguities) => ambiguities,
        };
        let all_dropped = DiffOptions {
            renames: renames.clone(),
            assume_drop_and_create: true,
        };
        if let Ok(changes) = dbkit_core::diff::diff(old, new, &all_dropped) {
            bodies.push(migration_body(&render_migration(&changes).sql));
        }
        for ambiguity in &ambiguities {
            let readings: Vec<Rename> = match ambiguity {
                Ambiguity::Tables {
                    dropped, created, ..
                } => dropped
                    .iter()
                    .flat_map(|from| {
                        created.iter().map(|to| Rename::Table {
                            from: from.clone(),
                            to: to.clone(),
                        })
                    })
                    .collect(),
                Ambiguity::Columns {
                    table,
                    dropped,
                    created,
                    ..
                } => dropped
                    .iter()
                    .flat_map(|from| {
                        created.iter().map(|to| Rename::Column {
                            table: table.clone(),
                            from: from.clone(),
                            to: to.clone(),
                        })
                    })
                    .collect(),
            };
            for reading in readings {
                let mut next = renames.clone();
                next.push(reading);
                queue.push_back(next);
            }
        }
    }
    bodies
}
