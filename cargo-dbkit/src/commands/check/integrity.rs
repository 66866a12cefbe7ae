//! The migrations folder on its own: versions, gaps, duplicates, the snapshot
//! chain and branch conflicts.
//!
//! Everything is judged from one [`FolderListing`], which lists and reads
//! every file and never stops at a problem, so one run reports all of them:
//! a bad file name does not hide a branch conflict, and both files of a
//! duplicate version are seen. Nothing on disk changes (leftover temporary
//! files are only removed by `generate`).
//!
//! | rule | severity | what |
//! | --- | --- | --- |
//! | `unreadable-folder` | error | the folder or `meta/` cannot be listed |
//! | `bad-migration-file-name` | error | an `.sql` file not named `V<n>__<name>.sql` |
//! | `bad-symbolic-link` | error | a link that leaves the folder, dangles or loops |
//! | `unreadable-migration` | error | a migration file that cannot be read |
//! | `migration-not-utf8` | error | a migration file that is not UTF-8 |
//! | `bad-snapshot-file-name` | error | a `meta/*.json` file not named after a migration |
//! | `unreadable-snapshot` | error | a snapshot that is not a snapshot's JSON |
//! | `duplicate-version` | error | two migrations of one version that are no branch conflict |
//! | `branch-conflict` | error | two migrations generated on top of the same one |
//! | `version-gap` | warning | a version missing between two migrations |
//! | `snapshot-parent-mismatch` | error | a snapshot whose parent is not the previous snapshot |
//! | `snapshot-edited` | error | a snapshot whose id does not match its content |
//! | `snapshot-migration-mismatch` | error | a snapshot that names another migration than its file |
//! | `missing-snapshot` | error for the newest migrations, warning before a snapshotted one | a migration without a snapshot, after the first snapshot |
//! | `no-snapshots` | warning | a folder of migrations none of which has a snapshot (written without dbkit) |
//! | `orphan-snapshot` | warning | a snapshot without its migration |
//!
//! A branch conflict breaks the chain by nature (the second branch's
//! snapshot does not follow the first's), so chain findings it explains are
//! not reported twice; neither are two files of one version that are the
//! two sides of a conflict.

use super::{Finding, FindingKind};
use crate::workspace::migrations_folder::{
    BRANCH_CONFLICT_NOTE, BranchConflict, DUPLICATE_VERSION_HELP, FolderListing, ListedFile,
    MigrationsFolderError,
};
use dbkit_core::snapshot::{Snapshot, migration_file_name};

/// The findings of the migrations folder as listed (`check` lists it once
/// for these and for the lint).
pub fn check_listing(listing: &FolderListing) -> Vec<Finding> {
    let conflicts = listing.branch_conflicts();
    let mut findings: Vec<Finding> = listing.problems.iter().map(listing_problem).collect();
    findings.extend(unreadable_migrations(listing));
    findings.extend(unreadable_snapshots(listing));
    findings.extend(duplicate_versions(listing, &conflicts));
    findings.extend(version_gaps(listing));
    findings.extend(branch_conflicts(listing, &conflicts));
    findings.extend(snapshot_contents(listing, &conflicts));
    findings.extend(snapshot_chain(listing, &conflicts));
    findings.extend(missing_snapshots(listing));
    findings.extend(orphan_snapshots(listing));
    findings
}

fn integrity_error(rule: &str, message: String) -> Finding {
    Finding::error(FindingKind::Integrity, rule, message)
}

fn integrity_warning(rule: &str, message: String) -> Finding {
    Finding::warning(FindingKind::Integrity, rule, message)
}

/// Problems found while listing: unreadable folders and bad file names.
fn listing_problem(problem: &MigrationsFolderError) -> Finding {
    match problem {
        MigrationsFolderError::Unreadable { path, source } => {
            integrity_error("unreadable-folder", format!("could not read {path}"))
                .in_file(path.clone())
                .with_note(format!("{source}: no migration in it could be checked"))
                .with_help("check the folder's permissions, or set `migrations = \"…\"` in `[workspace.metadata.dbkit]`")
        }
        MigrationsFolderError::BadSqlFileName { path } => {
            integrity_error("bad-migration-file-name", problem.to_string())
                .in_file(path.clone())
                .with_note("migrations are named `V<version>__<name>.sql`, like `V3__add_orders.sql` (two underscores); refinery and dbkit skip any other name, so this file is never applied")
                .with_help("rename the file (`git mv`), or move it out of the migrations folder")
        }
        MigrationsFolderError::BadSnapshotFileName { path } => {
            integrity_error("bad-snapshot-file-name", problem.to_string())
                .in_file(path.clone())
                .with_note("snapshots are named after their migration: `meta/V<version>__<name>.json`; dbkit reads no other file there")
                .with_help("rename the file to match its migration, or remove it")
        }
        MigrationsFolderError::RefusedLink { path, help, .. } => {
            integrity_error("bad-symbolic-link", problem.to_string())
                .in_file(path.clone())
                .with_note("`migrate`, `status` and `embed_migrations!` refuse the folder while this link is in it")
                .with_help(*help)
        }
        // The other problems are found by the checks below, which see more.
        other => integrity_error("unreadable-folder", other.to_string()),
    }
}

/// Migrations `migrate` could not read: unreadable files, and files that
/// are not UTF-8 (pointing at the line of the first bad byte).
fn unreadable_migrations(listing: &FolderListing) -> Vec<Finding> {
    listing
        .sql_files
        .iter()
        .filter_map(|file| {
            let finding = match std::fs::read(&file.path) {
                Err(error) => integrity_error(
                    "unreadable-migration",
                    format!("could not read {}", file.display_path),
                )
                .with_note(format!("{error}: `migrate` stops at this file"))
                .with_help("check the file's permissions"),
                Ok(bytes) => {
                    let error = std::str::from_utf8(&bytes).err()?;
                    let valid = &bytes[..error.valid_up_to()];
                    let line = 1 + valid.iter().filter(|&&byte| byte == b'\n').count();
                    let column = 1 + valid.len()
                        - valid.iter().rposition(|&byte| byte == b'\n').map_or(0, |newline| newline + 1);
                    integrity_error(
                        "migration-not-utf8",
                        format!("{} is not UTF-8", file.display_path),
                    )
                    .at(line, column)
                    .with_note(format!(
                        "byte {} is no UTF-8; `migrate` refuses the file, and PostgreSQL reads SQL as UTF-8 text",
                        error.valid_up_to() + 1
                    ))
                    .with_help("save the file as UTF-8 (`iconv -f latin1 -t utf-8`, say): its checksum changes, so do it before any database applies it")
                }
            };
            Some(finding.in_file(file.display_path.clone()))
        })
        .collect()
}

fn unreadable_snapshots(listing: &FolderListing) -> Vec<Finding> {
    listing
        .snapshots
        .iter()
        .filter_map(|listed| {
            let reason = listed.content.as_ref().err()?;
            Some(
                integrity_error(
                    "unreadable-snapshot",
                    format!("could not read the snapshot of {}", listed.file.stem()),
                )
                .in_file(listed.file.display_path.clone())
                .with_note(format!("{reason}; without it the chain of snapshots cannot be followed and `generate` stops"))
                .with_help(format!(
                    "restore it from version control (`git checkout -- {}`); snapshots are written by `cargo dbkit generate` and are not edited by hand",
                    listed.file.display_path
                )),
            )
        })
        .collect()
}

fn is_member(conflict: &BranchConflict, file: &ListedFile) -> bool {
    conflict
        .branches
        .iter()
        .any(|member| member.sql_display_path == file.display_path)
}

fn in_any_conflict(conflicts: &[BranchConflict], file: &ListedFile) -> bool {
    conflicts.iter().any(|conflict| is_member(conflict, file))
}

/// Two migrations of one version, unless they are the two sides of one
/// branch conflict (reported as that).
fn duplicate_versions(listing: &FolderListing, conflicts: &[BranchConflict]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, file) in listing.sql_files.iter().enumerate() {
        let Some(first) = listing.sql_files[..index]
            .iter()
            .find(|earlier| earlier.version == file.version)
        else {
            continue;
        };
        let one_conflict = conflicts
            .iter()
            .any(|conflict| is_member(conflict, first) && is_member(conflict, file));
        if one_conflict {
            continue;
        }
        findings.push(
            integrity_error(
                "duplicate-version",
                format!(
                    "{} and {} both have version {}",
                    first.stem(),
                    file.stem(),
                    file.version
                ),
            )
            .in_file(file.display_path.clone())
            .with_note(format!(
                "a version names one migration in `refinery_schema_history`: a database that applied {} takes {} for applied, or refuses it",
                first.stem(),
                file.stem()
            ))
            .with_help(DUPLICATE_VERSION_HELP),
        );
    }
    findings
}

fn version_gaps(listing: &FolderListing) -> Vec<Finding> {
    let mut findings = Vec::new();
    for pair in listing.sql_files.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        if after.version <= before.version + 1 {
            continue;
        }
        let missing = if after.version == before.version + 2 {
            format!("V{}", before.version + 1)
        } else {
            format!("V{} to V{}", before.version + 1, after.version - 1)
        };
        findings.push(
            integrity_warning(
                "version-gap",
                format!("no {missing} between {} and {}", before.stem(), after.stem()),
            )
            .in_file(after.display_path.clone())
            .with_note("refinery applies migrations with gaps in their versions, but a gap usually means a migration was deleted or renumbered; a database that applied it shows it as unknown in `cargo dbkit status`")
            .with_help(format!(
                "if {missing} was deleted by mistake, restore it from version control (`git log --diff-filter=D --name-only -- {}`); if the gap is intended, nothing needs to change",
                parent_folder(&after.display_path)
            )),
        );
    }
    findings
}

/// `migrations` of `migrations/V3__x.sql`.
fn parent_folder(display_path: &str) -> &str {
    display_path
        .rsplit_once('/')
        .map_or(".", |(folder, _)| folder)
}

fn branch_conflicts(listing: &FolderListing, conflicts: &[BranchConflict]) -> Vec<Finding> {
    conflicts
        .iter()
        .map(|conflict| {
            let newest = conflict.newest().or(conflict.branches.last());
            let mut finding = integrity_error("branch-conflict", conflict.message())
                .with_note(BRANCH_CONFLICT_NOTE)
                .with_help(conflict.help())
                .with_help("a database that already applied the migration that is generated again must be reset, as after a rebased git commit");
            if let Some(newest) = newest {
                finding = finding.in_file(newest.sql_display_path.clone());
            }
            // What an interrupted `--rebase` leaves: the new migration
            // written, the old one not yet removed.
            for member in &conflict.branches {
                let moved = listing.sql_files.iter().find(|file| {
                    file.name == member.name
                        && file.version > member.version
                        && !conflict
                            .branches
                            .iter()
                            .any(|other| other.sql_display_path == file.display_path)
                });
                if let Some(moved) = moved {
                    finding = finding.with_note(format!(
                        "{} has the same name: an interrupted `cargo dbkit generate --rebase {}` may have written it already; running that command again finishes the rebase",
                        moved.stem(),
                        member.stem()
                    ));
                }
            }
            finding
        })
        .collect()
}

/// Each snapshot against its own file: the migration it names, and its id
/// against its content.
fn snapshot_contents(listing: &FolderListing, conflicts: &[BranchConflict]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (listed, snapshot) in listing.chain() {
        let file = &listed.file;
        let own_name = migration_file_name(file.version, &file.name);
        if snapshot.migration != own_name || snapshot.version != file.version {
            let help = if conflicts.iter().any(|conflict| {
                conflict
                    .branches
                    .iter()
                    .any(|member| member.snapshot_display_path == file.display_path)
            }) {
                format!(
                    "it was probably renumbered to settle a branch conflict: `cargo dbkit generate --rebase {}` generates it again properly",
                    file.stem()
                )
            } else {
                format!(
                    "rename both files back to `{}` (`git mv`); a migration is renamed only by generating it again",
                    snapshot.migration.trim_end_matches(".sql")
                )
            };
            findings.push(
                integrity_error(
                    "snapshot-migration-mismatch",
                    format!(
                        "the snapshot of {} names another migration, {} (version {})",
                        file.stem(),
                        snapshot.migration,
                        snapshot.version
                    ),
                )
                .in_file(file.display_path.clone())
                .with_note("the files were renamed after `generate` wrote them: the snapshot's id, and the parent of the next snapshot, still stand for the old name")
                .with_help(help),
            );
        }
        if !snapshot.id_is_consistent() {
            findings.push(
                integrity_error(
                    "snapshot-edited",
                    format!(
                        "the snapshot of {} was edited by hand: its id does not match its content",
                        file.stem()
                    ),
                )
                .in_file(file.display_path.clone())
                .with_note("`generate` diffs the code against the newest snapshot and `check --replay` compares the database with it: a snapshot that no longer describes what the migrations do makes the next migration miss or repeat changes")
                .with_help(format!(
                    "restore it: `git checkout -- {}`; to change the schema, change the code and run `cargo dbkit generate`",
                    file.display_path
                )),
            );
        }
    }
    findings
}

/// Where the walk along the snapshots stands.
enum Previous<'a> {
    /// Before the first snapshot.
    Start,
    /// After a readable snapshot.
    Known(&'a ListedFile, &'a Snapshot),
    /// After an unreadable one: the next link cannot be judged.
    Unknown,
}

/// Each snapshot's parent against the previous snapshot in version order.
fn snapshot_chain(listing: &FolderListing, conflicts: &[BranchConflict]) -> Vec<Finding> {
    let chain = listing.chain();
    let owner_of = |id: &str| {
        chain
            .iter()
            .find(|(_, snapshot)| snapshot.id == id)
            .map(|(listed, _)| listed.file.stem())
    };
    let mut findings = Vec::new();
    let mut previous = Previous::Start;
    for listed in listing
        .snapshots
        .iter()
        .filter(|listed| listing.has_sql_file(&listed.file))
    {
        let Some(snapshot) = listed.snapshot() else {
            previous = Previous::Unknown;
            continue;
        };
        let file = &listed.file;
        let parent = snapshot.parent.as_deref();
        let explained_by_conflict = !conflicts.is_empty()
            && (in_any_conflict(conflicts, file) || parent.and_then(owner_of).is_some());
        let broken = match &previous {
            Previous::Unknown => None,
            _ if explained_by_conflict => None,
            Previous::Start => parent.map(|id| {
                let described = match owner_of(id) {
                    Some(owner) => format!("the snapshot of {owner}, a later migration"),
                    None => "a snapshot that is in no file of the folder".to_string(),
                };
                (
                    format!(
                        "the snapshot of {}, the first migration, has a parent: {described}",
                        file.stem()
                    ),
                    "if migrations before it were deleted, restore them from version control; a folder starts with a migration generated from an empty folder".to_string(),
                )
            }),
            Previous::Known(previous_file, previous_snapshot) => {
                if parent == Some(previous_snapshot.id.as_str()) {
                    None
                } else {
                    let owner = parent.and_then(owner_of);
                    let described = match (parent, &owner) {
                        (None, _) => "none (it was generated as the first migration)".to_string(),
                        (Some(_), Some(owner)) => format!("the snapshot of {owner}"),
                        (Some(_), None) => {
                            "a snapshot that is in no file of the folder".to_string()
                        }
                    };
                    let help = match owner {
                        Some(owner) => format!(
                            "the migrations were renumbered after they were generated: give {} and {owner} back their versions (`git mv` both files of each)",
                            file.stem()
                        ),
                        None => format!(
                            "if a migration between {} and {} was deleted, restore it from version control (`git log --diff-filter=D --name-only -- {}`); if the snapshot of {} was regenerated or replaced, restore it",
                            previous_file.stem(),
                            file.stem(),
                            parent_folder(&previous_file.display_path),
                            previous_file.stem()
                        ),
                    };
                    Some((
                        format!(
                            "the snapshot of {} does not follow {}: its parent is {described}",
                            file.stem(),
                            previous_file.stem()
                        ),
                        help,
                    ))
                }
            }
        };
        if let Some((message, help)) = broken {
            findings.push(
                integrity_error("snapshot-parent-mismatch", message)
                    .in_file(file.display_path.clone())
                    .with_note("each snapshot names the snapshot it was generated on top of: a parent that is not the previous migration's means this migration was written for another schema than the one the migrations before it leave")
                    .with_help(help),
            );
        }
        previous = Previous::Known(file, snapshot);
    }
    findings
}

/// Migrations without a snapshot file. After the newest snapshot they are
/// errors, as for `generate --check` (the schema they lead to is unknown);
/// before it, a warning: the snapshots after it were generated from the
/// code and agree with it, but the SQL of this one is in none of them.
fn missing_snapshots(listing: &FolderListing) -> Vec<Finding> {
    let snapshotted = || {
        listing
            .sql_files
            .iter()
            .filter(|file| listing.snapshot_of(file).is_some())
            .map(|file| file.version)
    };
    let newest_snapshotted = snapshotted().max();
    let Some(oldest_snapshotted) = snapshotted().min() else {
        // A folder of migrations written without dbkit: one finding, not
        // one per file.
        let Some(newest) = listing.sql_files.last() else {
            return Vec::new();
        };
        return vec![integrity_warning(
            "no-snapshots",
            format!(
                "none of the {} migrations has a snapshot: they were not written by `cargo dbkit generate`",
                listing.sql_files.len()
            ),
        )
        .in_file(newest.display_path.clone())
        .with_note("`check` lints them and `migrate` applies them as they are; `generate` needs the snapshot of the schema they lead to")
        .with_help("`cargo dbkit pull --from-migrations --out <module folder>` replays them on a disposable PostgreSQL and writes the schema code and the snapshot of the newest, so that `generate` continues from there")];
    };
    listing
        .sql_files
        .iter()
        // Migrations older than the first snapshot predate dbkit (a folder
        // adopted with `pull --from-migrations`).
        .filter(|file| file.version > oldest_snapshotted)
        .filter(|file| listing.snapshot_of(file).is_none())
        .map(|file| {
            let is_newest = newest_snapshotted.is_none_or(|newest| file.version > newest);
            let message = format!("{} has no snapshot", file.stem());
            if is_newest {
                integrity_error("missing-snapshot", message)
                    .in_file(file.display_path.clone())
                    .with_note("without one, dbkit cannot tell which schema the migrations lead to, and the next `generate` compares the code with the migration before it")
                    .with_help(format!(
                        "hand-written migrations are made with `cargo dbkit generate --custom --name {}`, which writes the snapshot too: move the SQL into the file it creates and delete this one",
                        file.name
                    ))
            } else {
                integrity_warning("missing-snapshot", message)
                    .in_file(file.display_path.clone())
                    .with_note("a migration written by hand, not with `generate --custom`: no snapshot holds what its SQL does to the schema, so a schema change in it is unknown to `generate` (`check --replay` shows it)")
                    .with_help("if it only changes data, nothing needs to change; next time use `cargo dbkit generate --custom`")
            }
        })
        .collect()
}

fn orphan_snapshots(listing: &FolderListing) -> Vec<Finding> {
    listing
        .snapshots
        .iter()
        .filter(|listed| !listing.has_sql_file(&listed.file))
        .map(|listed| {
            let file = &listed.file;
            let moved = listing
                .sql_files
                .iter()
                .find(|sql| sql.name == file.name && sql.version > file.version);
            let note = match moved {
                Some(moved) => format!(
                    "{} has the same name and a higher version: an interrupted `cargo dbkit generate --rebase` moved the migration there and did not remove this file",
                    moved.stem()
                ),
                None => "what an interrupted `cargo dbkit generate` leaves (the snapshot is written before its SQL file), or a migration deleted without its snapshot; dbkit ignores it".to_string(),
            };
            integrity_warning(
                "orphan-snapshot",
                format!("snapshot without its migration: {}.sql is missing", file.stem()),
            )
            .in_file(file.display_path.clone())
            .with_note(note)
            .with_help(format!(
                "remove it: `rm {}` (the next `cargo dbkit generate` also does)",
                file.display_path
            ))
        })
        .collect()
}
