//! The migrations folder on disk: reading `V<n>__<name>.sql` files and their
//! snapshots in `meta/`, and writing the next pair atomically.
//!
//! Reading is two steps. [`list_migrations_folder`] lists and reads every
//! file without judging (both files of a duplicate version, snapshots
//! without an SQL file, unreadable snapshots as their error) and never
//! stops: `cargo dbkit check` reports on that listing. [`folder_of_listing`]
//! turns it into the [`MigrationsFolder`] `generate` works on, or into every
//! problem that stops it, a branch conflict included (two migrations
//! generated on top of the same one, [`FolderListing::branch_conflicts`]).
//!
//! Atomic write: both files are written to temporary files in their final
//! folders (`.dbkit-tmp-*`), flushed to disk, then the snapshot is renamed into
//! place and the SQL file last; on any error what was written is removed. A
//! rename is atomic, so no final name ever holds a half-written file. If the
//! process dies in between (Ctrl-C, a crash, power loss), what is left is
//! either a hidden temporary file (removed by the next run) or a snapshot
//! without its SQL file, which every reader ignores (with a warning) and the
//! next `generate` replaces. That is why no Ctrl-C handler is installed: the
//! default action (terminate) cannot leave a state that readers accept.

use crate::output::diagnostics::Diagnostic;
use crate::workspace::cache::ContentHash;
use dbkit_core::model::Schema;
use dbkit_core::snapshot::{self, Snapshot};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prefix of the temporary files; leftovers of an interrupted run are removed.
pub const TEMPORARY_FILE_PREFIX: &str = ".dbkit-tmp-";

/// The folder of snapshots, inside the migrations folder.
pub use dbkit_core::snapshot::SNAPSHOT_FOLDER as SNAPSHOT_DIRECTORY;

/// One `V<n>__<name>.sql` file and its snapshot, if it has one.
#[derive(Debug, Clone)]
pub struct MigrationEntry {
    pub version: u64,
    pub name: String,
    /// Relative to the workspace root, for messages.
    pub sql_display_path: String,
    pub snapshot: Option<Snapshot>,
    /// The hash of the snapshot file's bytes, when it was read.
    pub snapshot_content: Option<ContentHash>,
}

impl MigrationEntry {
    /// `V<n>__<name>`.
    pub fn stem(&self) -> String {
        format!("V{}__{}", self.version, self.name)
    }
}

/// What the folder holds.
#[derive(Debug, Clone, Default)]
pub struct MigrationsFolder {
    /// Sorted by version.
    pub migrations: Vec<MigrationEntry>,
    /// Snapshots without their SQL file (interrupted runs): ignored.
    pub orphan_snapshots: Vec<PathBuf>,
    /// Display paths of the orphan snapshots, for warnings.
    pub orphan_snapshot_display_paths: Vec<String>,
}

impl MigrationsFolder {
    /// The newest migration that has a snapshot.
    pub fn latest_snapshot(&self) -> Option<(&MigrationEntry, &Snapshot)> {
        self.migrations
            .iter()
            .rev()
            .find_map(|entry| entry.snapshot.as_ref().map(|snapshot| (entry, snapshot)))
    }

    /// The hash of the newest snapshot's file (`None` before the first):
    /// the bytes its schema is read from.
    pub fn latest_snapshot_content(&self) -> Option<ContentHash> {
        self.migrations
            .iter()
            .rev()
            .find(|entry| entry.snapshot.is_some())
            .and_then(|entry| entry.snapshot_content)
    }

    /// The schema the migrations lead to, as far as snapshots tell (empty before the first).
    pub fn latest_schema(&self) -> Schema {
        self.latest_snapshot()
            .map(|(_, snapshot)| snapshot.schema.clone())
            .unwrap_or_default()
    }

    /// Moves the schema out of the newest snapshot (empty before the first),
    /// leaving an empty schema in its place: for a caller that needs only
    /// the snapshots' ids and presence afterwards, and not a second copy of
    /// a large schema.
    pub fn take_latest_schema(&mut self) -> Schema {
        self.migrations
            .iter_mut()
            .rev()
            .find_map(|entry| entry.snapshot.as_mut())
            .map(|snapshot| std::mem::take(&mut snapshot.schema))
            .unwrap_or_default()
    }

    /// Migrations newer than the newest snapshot (hand-written SQL files
    /// without one): the snapshot no longer describes where they lead.
    pub fn migrations_after_latest_snapshot(&self) -> Vec<&MigrationEntry> {
        let latest_version = self
            .latest_snapshot()
            .map(|(entry, _)| entry.version)
            .unwrap_or(0);
        self.migrations
            .iter()
            .filter(|entry| entry.version > latest_version && entry.snapshot.is_none())
            .collect()
    }

    /// The version of the next migration.
    pub fn next_version(&self) -> u64 {
        self.migrations
            .last()
            .map(|entry| entry.version + 1)
            .unwrap_or(1)
    }
}

/// A problem with the folder's content that stops the command.
#[derive(Debug, thiserror::Error)]
pub enum MigrationsFolderError {
    #[error("could not read {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid migration file name")]
    BadSqlFileName { path: String },
    #[error("`{path}` is not a valid snapshot file name")]
    BadSnapshotFileName { path: String },
    #[error("two migrations have version {version}")]
    DuplicateVersion {
        version: u64,
        first: String,
        second: String,
    },
    #[error("could not read the snapshot {path}")]
    BadSnapshot { path: String, reason: String },
    #[error("{}", conflict.message())]
    BranchConflict { conflict: BranchConflict },
    /// A symbolic link that leaves the folder, dangles or loops: the one
    /// rule of `dbkit-migrations-folder`, which `embed_migrations!` and
    /// `migrate` follow too.
    #[error("{message}")]
    RefusedLink {
        path: String,
        message: String,
        help: &'static str,
    },
}

impl MigrationsFolderError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            MigrationsFolderError::Unreadable { path, source } => Diagnostic::error(format!("could not read {path}"))
                .with_note(source.to_string())
                .with_help("check the folder's permissions, or set `migrations = \"…\"` in `[workspace.metadata.dbkit]`"),
            MigrationsFolderError::BadSqlFileName { path } => Diagnostic::error(self.to_string())
                .in_file(path.clone())
                .with_note("migrations are named `V<version>__<name>.sql`, like `V3__add_orders.sql` (two underscores)")
                .with_help("rename the file, or move it out of the migrations folder"),
            MigrationsFolderError::RefusedLink { path, help, .. } => Diagnostic::error(self.to_string())
                .in_file(path.clone())
                .with_help(*help),
            MigrationsFolderError::BadSnapshotFileName { path } => Diagnostic::error(self.to_string())
                .in_file(path.clone())
                .with_note("snapshots are named after their migration: `meta/V<version>__<name>.json`")
                .with_help("rename the file to match its migration, or remove it"),
            MigrationsFolderError::DuplicateVersion { first, second, .. } => Diagnostic::error(self.to_string())
                .in_file(second.clone())
                .with_note(format!("also used by {first}; refinery applies one migration per version"))
                .with_help(DUPLICATE_VERSION_HELP),
            MigrationsFolderError::BadSnapshot { path, reason } => Diagnostic::error(self.to_string())
                .in_file(path.clone())
                .with_note(reason.clone())
                .with_help("restore the file from version control (`git checkout -- <file>`); snapshots are written by `cargo dbkit generate` and should not be edited"),
            MigrationsFolderError::BranchConflict { conflict } => {
                let mut diagnostic = Diagnostic::error(self.to_string())
                    .with_note(BRANCH_CONFLICT_NOTE)
                    .with_help(conflict.help());
                if let Some(member) = conflict.branches.last() {
                    diagnostic = diagnostic.in_file(member.sql_display_path.clone());
                }
                diagnostic
            }
        }
    }
}

/// What to do about two migrations of one version that are no branch conflict.
pub const DUPLICATE_VERSION_HELP: &str = "give the newer one the next free version: rename both its .sql and meta/.json files (`git mv`), then run `cargo dbkit check`";

/// Why a branch conflict matters, for `generate` and `check` alike.
pub const BRANCH_CONFLICT_NOTE: &str = "two branches each ran `cargo dbkit generate` on top of the same migration: applied one after the other, the second was written for a schema without the first's changes, and the next `generate` would build on one branch only";

/// Two or more migrations generated on top of the same one: two branches
/// that each ran `generate`, merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchConflict {
    /// The migration they were generated on top of (`V2__add_email`), `None`
    /// when they are each the first migration.
    pub parent: Option<String>,
    /// Whether the parent id names no snapshot of the folder.
    pub parent_is_unknown: bool,
    /// The migrations, by version then name; two or more.
    pub branches: Vec<BranchMember>,
}

/// One migration of a branch conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchMember {
    pub version: u64,
    pub name: String,
    pub sql_display_path: String,
    pub snapshot_display_path: String,
}

impl BranchMember {
    /// `V<n>__<name>`.
    pub fn stem(&self) -> String {
        format!("V{}__{}", self.version, self.name)
    }
}

impl BranchConflict {
    /// The migration `generate --rebase` (without a name) moves: the one of
    /// the highest version, if no other has it.
    pub fn newest(&self) -> Option<&BranchMember> {
        let newest = self.branches.last()?;
        let tied = self
            .branches
            .iter()
            .filter(|member| member.version == newest.version)
            .count();
        (tied == 1).then_some(newest)
    }

    /// `V2__add_email`, or what stands for it.
    pub fn parent_description(&self) -> String {
        match (&self.parent, self.parent_is_unknown) {
            (Some(stem), false) => stem.clone(),
            (_, true) => "a snapshot that is no longer in the folder".to_string(),
            (None, false) => "an empty folder".to_string(),
        }
    }

    /// `V3__a and V3__b were both generated on top of V2__x`.
    pub fn message(&self) -> String {
        let stems: Vec<String> = self.branches.iter().map(BranchMember::stem).collect();
        let listed = match stems.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        let all = if stems.len() == 2 { "both" } else { "all" };
        format!(
            "branch conflict: {listed} were {all} generated on top of {}",
            self.parent_description()
        )
    }

    /// The command that fixes it, and what it does.
    pub fn help(&self) -> String {
        match self.newest() {
            Some(newest) => {
                let kept: Vec<String> = self
                    .branches
                    .iter()
                    .filter(|member| *member != newest)
                    .map(BranchMember::stem)
                    .collect();
                format!(
                    "run `cargo dbkit generate --rebase {}`: it deletes {} (the newer) and generates it again, with the next free version, on top of {} and the migrations after it",
                    newest.stem(),
                    newest.stem(),
                    kept.join(", ")
                )
            }
            None => {
                let choices: Vec<String> = self
                    .branches
                    .iter()
                    .map(|member| format!("`cargo dbkit generate --rebase {}`", member.stem()))
                    .collect();
                format!(
                    "they have the same version: name the one to generate again on top of the other, {}",
                    choices.join(" or ")
                )
            }
        }
    }
}

/// One well-named file of the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFile {
    pub version: u64,
    pub name: String,
    pub path: PathBuf,
    /// Relative to the workspace root, for messages.
    pub display_path: String,
}

impl ListedFile {
    /// `V<n>__<name>`.
    pub fn stem(&self) -> String {
        format!("V{}__{}", self.version, self.name)
    }
}

/// A snapshot file and what reading it gave.
#[derive(Debug, Clone)]
pub struct ListedSnapshot {
    pub file: ListedFile,
    /// The snapshot and the hash of its bytes, or why it could not be read.
    pub content: Result<(Snapshot, ContentHash), String>,
}

impl ListedSnapshot {
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.content.as_ref().ok().map(|(snapshot, _)| snapshot)
    }
}

/// Everything the folder holds, problems included, without judging it:
/// every SQL file (both of a duplicate version) and every snapshot (those
/// without an SQL file too). `check` reports on it; `generate` turns it
/// into a [`MigrationsFolder`] or stops.
#[derive(Debug, Default)]
pub struct FolderListing {
    /// Sorted by version, then name.
    pub sql_files: Vec<ListedFile>,
    /// Sorted by version, then name.
    pub snapshots: Vec<ListedSnapshot>,
    /// Unreadable folders and bad file names.
    pub problems: Vec<MigrationsFolderError>,
    /// Hidden temporary files of an interrupted write.
    pub leftover_temporary_files: Vec<PathBuf>,
}

impl FolderListing {
    /// The snapshot file of an SQL file.
    pub fn snapshot_of(&self, sql_file: &ListedFile) -> Option<&ListedSnapshot> {
        self.snapshots.iter().find(|snapshot| {
            snapshot.file.version == sql_file.version && snapshot.file.name == sql_file.name
        })
    }

    /// Whether a snapshot file has its SQL file.
    pub fn has_sql_file(&self, snapshot_file: &ListedFile) -> bool {
        self.sql_files
            .iter()
            .any(|sql| sql.version == snapshot_file.version && sql.name == snapshot_file.name)
    }

    /// The readable snapshots that have an SQL file, by version then name.
    pub fn chain(&self) -> Vec<(&ListedSnapshot, &Snapshot)> {
        self.snapshots
            .iter()
            .filter(|listed| self.has_sql_file(&listed.file))
            .filter_map(|listed| listed.snapshot().map(|snapshot| (listed, snapshot)))
            .collect()
    }

    /// Migrations generated on top of the same one (snapshots of one
    /// parent), by the version of their first migration. Snapshots without
    /// an SQL file (interrupted runs) take no part.
    pub fn branch_conflicts(&self) -> Vec<BranchConflict> {
        let chain = self.chain();
        let mut parents: Vec<Option<&str>> = Vec::new();
        for (_, snapshot) in &chain {
            let parent = snapshot.parent.as_deref();
            if !parents.contains(&parent) {
                parents.push(parent);
            }
        }
        let mut conflicts = Vec::new();
        for parent in parents {
            let branches: Vec<BranchMember> = chain
                .iter()
                .filter(|(_, snapshot)| snapshot.parent.as_deref() == parent)
                .filter_map(|(listed, _)| {
                    let sql = self.sql_files.iter().find(|sql| {
                        sql.version == listed.file.version && sql.name == listed.file.name
                    })?;
                    Some(BranchMember {
                        version: sql.version,
                        name: sql.name.clone(),
                        sql_display_path: sql.display_path.clone(),
                        snapshot_display_path: listed.file.display_path.clone(),
                    })
                })
                .collect();
            if branches.len() < 2 {
                continue;
            }
            let parent_listed = parent.and_then(|id| {
                chain
                    .iter()
                    .find(|(_, snapshot)| snapshot.id == id)
                    .map(|(listed, _)| listed.file.stem())
            });
            conflicts.push(BranchConflict {
                parent_is_unknown: parent.is_some() && parent_listed.is_none(),
                parent: parent_listed,
                branches,
            });
        }
        conflicts
    }
}

/// Lists and reads the whole folder without changing anything in it; never
/// stops at a problem (a missing folder is an empty one).
pub fn list_migrations_folder(directory: &Path, workspace_root: &Path) -> FolderListing {
    let display = |path: &Path| crate::workspace::discovery::display_path(workspace_root, path);
    let mut listing = FolderListing::default();
    let snapshot_directory = directory.join(SNAPSHOT_DIRECTORY);
    for refused in dbkit_migrations_folder::refused_links(directory) {
        listing.problems.push(MigrationsFolderError::RefusedLink {
            path: display(&directory.join(&refused.link)),
            message: refused.to_string(),
            help: refused.help(),
        });
    }
    for (folder, extension) in [(directory, ".sql"), (snapshot_directory.as_path(), ".json")] {
        let files = match list_files(folder) {
            Ok(files) => files,
            Err(source) => {
                listing.problems.push(MigrationsFolderError::Unreadable {
                    path: display(folder),
                    source,
                });
                continue;
            }
        };
        for (file_name, path) in files {
            if file_name.starts_with(TEMPORARY_FILE_PREFIX) {
                listing.leftover_temporary_files.push(path);
                continue;
            }
            if !file_name.ends_with(extension) {
                continue;
            }
            let Some((version, name)) = parse_file_name(&file_name, extension) else {
                let path = display(&path);
                listing.problems.push(if extension == ".sql" {
                    MigrationsFolderError::BadSqlFileName { path }
                } else {
                    MigrationsFolderError::BadSnapshotFileName { path }
                });
                continue;
            };
            let file = ListedFile {
                version,
                name,
                display_path: display(&path),
                path,
            };
            if extension == ".sql" {
                listing.sql_files.push(file);
            } else {
                let content = match std::fs::read_to_string(&file.path) {
                    Ok(text) => Snapshot::from_json(&text)
                        .map(|snapshot| (snapshot, ContentHash::of(text.as_bytes())))
                        .map_err(|error| error.to_string()),
                    Err(error) => Err(error.to_string()),
                };
                listing.snapshots.push(ListedSnapshot { file, content });
            }
        }
    }
    let order = |file: &ListedFile| (file.version, file.name.clone());
    listing.sql_files.sort_by_key(order);
    listing
        .snapshots
        .sort_by_key(|snapshot| order(&snapshot.file));
    listing
}

/// The folder as read, before the leftover temporary files it found are
/// removed: reading changes nothing on disk, so it can be done before the
/// folder is known to be the workspace's.
#[derive(Debug)]
pub struct MigrationsFolderScan {
    result: Result<MigrationsFolder, Vec<MigrationsFolderError>>,
    leftover_temporary_files: Vec<PathBuf>,
}

impl MigrationsFolderScan {
    /// The folder as read, before the leftovers are removed.
    pub fn folder(&self) -> Option<&MigrationsFolder> {
        self.result.as_ref().ok()
    }

    /// What was read, with the leftover temporary files left in place (for
    /// commands that change nothing).
    pub fn without_cleanup(self) -> Result<MigrationsFolder, Vec<MigrationsFolderError>> {
        self.result
    }

    /// Removes the leftover temporary files and returns what was read.
    pub fn finish(self) -> Result<MigrationsFolder, Vec<MigrationsFolderError>> {
        for path in &self.leftover_temporary_files {
            remove_leftover(path);
        }
        self.result
    }
}

/// Reads the folder without changing anything in it.
pub fn scan_migrations_folder(directory: &Path, workspace_root: &Path) -> MigrationsFolderScan {
    let mut listing = list_migrations_folder(directory, workspace_root);
    let leftover_temporary_files = std::mem::take(&mut listing.leftover_temporary_files);
    MigrationsFolderScan {
        result: folder_of_listing(listing),
        leftover_temporary_files,
    }
}

/// The folder `generate` works on, or every problem that stops it: those of
/// the listing, two migrations of one version, an unreadable snapshot of a
/// migration and a branch conflict.
pub fn folder_of_listing(
    listing: FolderListing,
) -> Result<MigrationsFolder, Vec<MigrationsFolderError>> {
    let conflicts = listing.branch_conflicts();
    let in_a_conflict = |display_path: &str| {
        conflicts.iter().any(|conflict| {
            conflict
                .branches
                .iter()
                .any(|member| member.sql_display_path == display_path)
        })
    };
    let sql_stems: Vec<String> = listing.sql_files.iter().map(ListedFile::stem).collect();
    let mut problems = listing.problems;
    let mut folder = MigrationsFolder::default();
    for sql in listing.sql_files {
        if let Some(existing) = folder
            .migrations
            .iter()
            .find(|entry| entry.version == sql.version)
        {
            // Two files of one branch conflict are reported as that.
            if !(in_a_conflict(&existing.sql_display_path) && in_a_conflict(&sql.display_path)) {
                problems.push(MigrationsFolderError::DuplicateVersion {
                    version: sql.version,
                    first: existing.sql_display_path.clone(),
                    second: sql.display_path,
                });
            }
            continue;
        }
        folder.migrations.push(MigrationEntry {
            version: sql.version,
            name: sql.name,
            sql_display_path: sql.display_path,
            snapshot: None,
            snapshot_content: None,
        });
    }
    for listed in listing.snapshots {
        let Some(entry) = folder
            .migrations
            .iter_mut()
            .find(|entry| entry.version == listed.file.version && entry.name == listed.file.name)
        else {
            // The snapshot of a second file of one version is no orphan.
            if sql_stems.contains(&listed.file.stem()) {
                continue;
            }
            folder.orphan_snapshots.push(listed.file.path);
            folder
                .orphan_snapshot_display_paths
                .push(listed.file.display_path);
            continue;
        };
        match listed.content {
            Ok((snapshot, hash)) => {
                entry.snapshot = Some(snapshot);
                entry.snapshot_content = Some(hash);
            }
            Err(reason) => problems.push(MigrationsFolderError::BadSnapshot {
                path: listed.file.display_path,
                reason,
            }),
        }
    }
    problems.extend(
        conflicts
            .into_iter()
            .map(|conflict| MigrationsFolderError::BranchConflict { conflict }),
    );
    if problems.is_empty() {
        Ok(folder)
    } else {
        Err(problems)
    }
}

/// `V12__add_orders.sql` (or `.json`) → `(12, "add_orders")`.
fn parse_file_name(file_name: &str, extension: &str) -> Option<(u64, String)> {
    let stem = file_name.strip_suffix(extension)?;
    snapshot::parse_migration_file_name(&format!("{stem}.sql"))
}

fn list_files(directory: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        // Links are followed, as `migrate` and `embed_migrations!` follow
        // them; those that leave the folder are reported by the listing.
        if dbkit_migrations_folder::is_file(&entry.path()) {
            files.push((
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            ));
        }
    }
    files.sort();
    Ok(files)
}

fn remove_leftover(path: &Path) {
    tracing::info!("removing {} left by an interrupted run", path.display());
    if let Err(error) = std::fs::remove_file(path) {
        tracing::warn!("could not remove {}: {error}", path.display());
    }
}

/// Turns `--name` (or a suggested name) into the `<name>` of `V<n>__<name>.sql`:
/// lowercase ASCII letters, digits and single underscores, at most 60 characters.
pub fn sanitize_migration_name(name: &str) -> String {
    let mut sanitized = String::new();
    for character in name.trim().chars() {
        if character.is_ascii_alphanumeric() {
            sanitized.push(character.to_ascii_lowercase());
        } else if !sanitized.ends_with('_') && !sanitized.is_empty() {
            sanitized.push('_');
        }
    }
    let mut sanitized: String = sanitized.chars().take(60).collect();
    while sanitized.ends_with('_') {
        sanitized.pop();
    }
    if sanitized.is_empty() {
        "migration".to_string()
    } else {
        sanitized
    }
}

/// A failed write; nothing of it is left behind.
#[derive(Debug, thiserror::Error)]
pub enum WriteMigrationError {
    #[error("could not write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} already exists")]
    AlreadyExists { path: String },
}

impl WriteMigrationError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        let diagnostic = Diagnostic::error(self.to_string()).with_note("nothing was written");
        match self {
            WriteMigrationError::Io { .. } => {
                diagnostic.with_help("check that the migrations folder is writable and the disk is not full, then run the command again")
            }
            WriteMigrationError::AlreadyExists { .. } => {
                diagnostic.with_help("another `cargo dbkit generate` may be running; run the command again when it is done")
            }
        }
    }
}

/// The two files of a new migration.
#[derive(Debug, Clone)]
pub struct NewMigrationFiles {
    pub sql_path: PathBuf,
    pub sql_text: String,
    pub snapshot_path: PathBuf,
    pub snapshot_text: String,
}

/// Writes the snapshot and then the SQL file so that each appears complete or
/// not at all (see the module documentation). On error nothing is left.
pub fn write_migration_atomically(
    files: &NewMigrationFiles,
    workspace_root: &Path,
) -> Result<(), WriteMigrationError> {
    let display = |path: &Path| crate::workspace::discovery::display_path(workspace_root, path);
    let io_error = |path: &Path| {
        let path = display(path);
        move |source| WriteMigrationError::Io { path, source }
    };
    let sql_directory = parent_directory(&files.sql_path);
    let snapshot_directory = parent_directory(&files.snapshot_path);
    std::fs::create_dir_all(&sql_directory).map_err(io_error(&sql_directory))?;
    std::fs::create_dir_all(&snapshot_directory).map_err(io_error(&snapshot_directory))?;
    if files.sql_path.exists() {
        return Err(WriteMigrationError::AlreadyExists {
            path: display(&files.sql_path),
        });
    }

    let (sql_temporary, snapshot_temporary) = write_temporary_files(files, workspace_root)?;

    // An orphan snapshot of the same name (an interrupted run) is replaced.
    snapshot_temporary
        .persist(&files.snapshot_path)
        .map_err(|error| io_error(&files.snapshot_path)(error.error))?;
    if let Err(error) = sql_temporary.persist_noclobber(&files.sql_path) {
        let _ = std::fs::remove_file(&files.snapshot_path);
        if error.error.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(WriteMigrationError::AlreadyExists {
                path: display(&files.sql_path),
            });
        }
        return Err(io_error(&files.sql_path)(error.error));
    }
    sync_directory(&snapshot_directory);
    sync_directory(&sql_directory);
    Ok(())
}

/// Writes a migration in the place of one of the same file names (a
/// migration `generate --rebase` generated again under its own version):
/// both files are written to temporary files first, then the SQL file is
/// replaced and the snapshot last, each by an atomic rename. Interrupted in
/// between, the new SQL stands beside the old snapshot, whose parent still
/// makes the branch conflict that `check` reports; `generate --rebase` run
/// again finds the SQL it would write and finishes.
pub fn replace_migration_atomically(
    files: &NewMigrationFiles,
    workspace_root: &Path,
) -> Result<(), WriteMigrationError> {
    let display = |path: &Path| crate::workspace::discovery::display_path(workspace_root, path);
    let io_error = |path: &Path| {
        let path = display(path);
        move |source| WriteMigrationError::Io { path, source }
    };
    let sql_directory = parent_directory(&files.sql_path);
    let snapshot_directory = parent_directory(&files.snapshot_path);
    let (sql_temporary, snapshot_temporary) = write_temporary_files(files, workspace_root)?;
    sql_temporary
        .persist(&files.sql_path)
        .map_err(|error| io_error(&files.sql_path)(error.error))?;
    sync_directory(&sql_directory);
    snapshot_temporary
        .persist(&files.snapshot_path)
        .map_err(|error| io_error(&files.snapshot_path)(error.error))?;
    sync_directory(&snapshot_directory);
    Ok(())
}

fn parent_directory(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Both files written to temporary files (flushed to disk) in the folders
/// of their final names, for an atomic rename into place.
fn write_temporary_files(
    files: &NewMigrationFiles,
    workspace_root: &Path,
) -> Result<(tempfile::NamedTempFile, tempfile::NamedTempFile), WriteMigrationError> {
    let write = |path: &Path, text: &str| {
        write_temporary_file(&parent_directory(path), text).map_err(|source| {
            WriteMigrationError::Io {
                path: crate::workspace::discovery::display_path(workspace_root, path),
                source,
            }
        })
    };
    Ok((
        write(&files.sql_path, &files.sql_text)?,
        write(&files.snapshot_path, &files.snapshot_text)?,
    ))
}

fn write_temporary_file(directory: &Path, text: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix(TEMPORARY_FILE_PREFIX)
        .tempfile_in(directory)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    Ok(file)
}

/// Makes the renames durable. Best effort: some file systems refuse to sync a folder.
fn sync_directory(directory: &Path) {
    match std::fs::File::open(directory).and_then(|folder| folder.sync_all()) {
        Ok(()) => {}
        Err(error) => tracing::debug!("could not sync {}: {error}", directory.display()),
    }
}

/// Removes snapshots of interrupted runs once a new migration has been written.
pub fn remove_orphan_snapshots(folder: &MigrationsFolder) {
    for path in &folder.orphan_snapshots {
        remove_leftover(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the folder as `generate` does, leftover temporary files
    /// removed.
    fn read_migrations_folder(
        directory: &Path,
        workspace_root: &Path,
    ) -> Result<MigrationsFolder, Vec<MigrationsFolderError>> {
        scan_migrations_folder(directory, workspace_root).finish()
    }

    #[test]
    fn sanitizes_names() {
        assert_eq!(
            sanitize_migration_name("Add user e-mail!"),
            "add_user_e_mail"
        );
        assert_eq!(sanitize_migration_name("  __x__  "), "x");
        assert_eq!(sanitize_migration_name("ünïcode"), "n_code");
        assert_eq!(sanitize_migration_name("***"), "migration");
        assert_eq!(sanitize_migration_name(&"a".repeat(100)).len(), 60);
    }

    fn files_of(project: &tempfile::TempDir, stem: &str) -> NewMigrationFiles {
        let migrations = project.path().join("migrations");
        NewMigrationFiles {
            sql_path: migrations.join(format!("{stem}.sql")),
            sql_text: "SELECT 1;\n".to_string(),
            snapshot_path: migrations
                .join(SNAPSHOT_DIRECTORY)
                .join(format!("{stem}.json")),
            snapshot_text: Snapshot::new(1, &format!("{stem}.sql"), None, &Schema::default())
                .to_json(),
        }
    }

    fn all_files(directory: &Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(directory).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(all_files(&path));
            } else {
                found.push(
                    path.strip_prefix(directory)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
        found.sort();
        found
    }

    #[test]
    fn writes_then_reads_back_a_migration() {
        let project = tempfile::tempdir().expect("temporary folder");
        let files = files_of(&project, "V1__initial");
        write_migration_atomically(&files, project.path()).expect("write");
        let folder = read_migrations_folder(&project.path().join("migrations"), project.path())
            .expect("read");
        assert_eq!(folder.migrations.len(), 1);
        assert_eq!(folder.migrations[0].stem(), "V1__initial");
        assert!(folder.latest_snapshot().is_some());
        assert_eq!(folder.next_version(), 2);
        assert!(folder.migrations_after_latest_snapshot().is_empty());
    }

    #[test]
    fn an_existing_sql_file_is_never_overwritten_and_nothing_is_left() {
        let project = tempfile::tempdir().expect("temporary folder");
        let files = files_of(&project, "V1__initial");
        std::fs::create_dir_all(project.path().join("migrations")).expect("mkdir");
        std::fs::write(&files.sql_path, "-- mine\n").expect("write");
        let error = write_migration_atomically(&files, project.path());
        assert!(
            matches!(error, Err(WriteMigrationError::AlreadyExists { .. })),
            "{error:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&files.sql_path).unwrap_or_default(),
            "-- mine\n"
        );
        assert_eq!(
            all_files(&project.path().join("migrations")),
            ["V1__initial.sql"]
        );
    }

    #[test]
    fn a_snapshot_folder_that_cannot_be_created_leaves_nothing() {
        let project = tempfile::tempdir().expect("temporary folder");
        let files = files_of(&project, "V1__initial");
        std::fs::create_dir_all(project.path().join("migrations")).expect("mkdir");
        std::fs::write(
            project.path().join("migrations").join(SNAPSHOT_DIRECTORY),
            "not a folder",
        )
        .expect("write");
        assert!(write_migration_atomically(&files, project.path()).is_err());
        assert_eq!(all_files(&project.path().join("migrations")), ["meta"]);
    }

    #[test]
    fn orphan_snapshots_and_leftovers_are_recognised() {
        let project = tempfile::tempdir().expect("temporary folder");
        let migrations = project.path().join("migrations");
        write_migration_atomically(&files_of(&project, "V1__initial"), project.path())
            .expect("write");
        let orphan = files_of(&project, "V2__interrupted");
        std::fs::write(&orphan.snapshot_path, &orphan.snapshot_text).expect("write");
        std::fs::write(
            migrations.join(format!("{TEMPORARY_FILE_PREFIX}abc")),
            "CREATE TA",
        )
        .expect("write");
        std::fs::write(migrations.join("V3__hand_written.sql"), "SELECT 1;").expect("write");
        let folder = read_migrations_folder(&migrations, project.path()).expect("read");
        assert_eq!(
            folder.orphan_snapshot_display_paths,
            ["migrations/meta/V2__interrupted.json"]
        );
        assert_eq!(folder.migrations_after_latest_snapshot().len(), 1);
        assert_eq!(folder.next_version(), 4);
        assert!(
            !migrations
                .join(format!("{TEMPORARY_FILE_PREFIX}abc"))
                .exists(),
            "leftover removed"
        );
    }

    #[test]
    fn reports_bad_names_duplicates_and_broken_snapshots() {
        let project = tempfile::tempdir().expect("temporary folder");
        let migrations = project.path().join("migrations");
        std::fs::create_dir_all(migrations.join(SNAPSHOT_DIRECTORY)).expect("mkdir");
        for name in [
            "V1_one_underscore.sql",
            "V2__a.sql",
            "V2__b.sql",
            "README.md",
        ] {
            std::fs::write(migrations.join(name), "").expect("write");
        }
        std::fs::write(
            migrations.join(SNAPSHOT_DIRECTORY).join("V2__a.json"),
            "{ nope",
        )
        .expect("write");
        std::fs::write(migrations.join(SNAPSHOT_DIRECTORY).join("notes.json"), "{}")
            .expect("write");
        let problems = match read_migrations_folder(&migrations, project.path()) {
            Ok(folder) => panic!("accepted: {folder:?}"),
            Err(problems) => problems,
        };
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "`migrations/V1_one_underscore.sql` is not a valid migration file name",
                "`migrations/meta/notes.json` is not a valid snapshot file name",
                "two migrations have version 2",
                "could not read the snapshot migrations/meta/V2__a.json",
            ]
        );
    }

    #[test]
    fn two_migrations_of_one_parent_are_a_branch_conflict_not_a_duplicate() {
        let project = tempfile::tempdir().expect("temporary folder");
        let migrations = project.path().join("migrations");
        let first = Snapshot::new(1, "V1__initial.sql", None, &Schema::default());
        let write = |stem: &str, snapshot: &Snapshot| {
            let files = NewMigrationFiles {
                snapshot_text: snapshot.to_json(),
                ..files_of(&project, stem)
            };
            write_migration_atomically(&files, project.path()).expect("write");
        };
        write("V1__initial", &first);
        for stem in ["V2__a", "V2__b", "V3__c"] {
            let (version, _) = parse_file_name(&format!("{stem}.sql"), ".sql").expect("name");
            let snapshot = Snapshot::new(
                version,
                &format!("{stem}.sql"),
                Some(&first.id),
                &Schema::default(),
            );
            write(stem, &snapshot);
        }
        let listing = list_migrations_folder(&migrations, project.path());
        let conflicts = listing.branch_conflicts();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let stems: Vec<String> = conflicts[0]
            .branches
            .iter()
            .map(BranchMember::stem)
            .collect();
        assert_eq!(stems, ["V2__a", "V2__b", "V3__c"]);
        assert_eq!(conflicts[0].parent.as_deref(), Some("V1__initial"));
        assert_eq!(
            conflicts[0].newest().map(BranchMember::stem).as_deref(),
            Some("V3__c")
        );
        let problems = match folder_of_listing(listing) {
            Ok(folder) => panic!("accepted: {folder:?}"),
            Err(problems) => problems,
        };
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            ["branch conflict: V2__a, V2__b and V3__c were all generated on top of V1__initial"]
        );
    }
}
