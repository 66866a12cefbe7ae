//! The migrations folder on disk: reading `V<n>__<name>.sql` files and their
//! snapshots in `meta/`, and writing the next pair atomically.
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

use crate::cache::ContentHash;
use crate::diagnostics::Diagnostic;
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
            MigrationsFolderError::BadSnapshotFileName { path } => Diagnostic::error(self.to_string())
                .in_file(path.clone())
                .with_note("snapshots are named after their migration: `meta/V<version>__<name>.json`")
                .with_help("rename the file to match its migration, or remove it"),
            MigrationsFolderError::DuplicateVersion { first, second, .. } => Diagnostic::error(self.to_string())
                .in_file(second.clone())
                .with_note(format!("also used by {first}"))
                .with_help("two branches probably each added a migration: give the newer one the next free version (rename both its .sql and meta/.json files) and run `cargo dbkit generate --check`"),
            MigrationsFolderError::BadSnapshot { path, reason } => Diagnostic::error(self.to_string())
                .in_file(path.clone())
                .with_note(reason.clone())
                .with_help("restore the file from version control (`git checkout -- <file>`); snapshots are written by `cargo dbkit generate` and should not be edited"),
        }
    }
}

/// Reads the folder (a missing folder is an empty one). Leftover temporary
/// files of an interrupted run are removed on the way.
pub fn read_migrations_folder(
    directory: &Path,
    workspace_root: &Path,
) -> Result<MigrationsFolder, Vec<MigrationsFolderError>> {
    scan_migrations_folder(directory, workspace_root).finish()
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
    let mut leftover_temporary_files = Vec::new();
    let result = read_folder(directory, workspace_root, &mut leftover_temporary_files);
    MigrationsFolderScan {
        result,
        leftover_temporary_files,
    }
}

fn read_folder(
    directory: &Path,
    workspace_root: &Path,
    leftover_temporary_files: &mut Vec<PathBuf>,
) -> Result<MigrationsFolder, Vec<MigrationsFolderError>> {
    let display = |path: &Path| crate::discovery::display_path(workspace_root, path);
    let mut problems = Vec::new();
    let mut folder = MigrationsFolder::default();
    let sql_files = match list_files(directory) {
        Ok(files) => files,
        Err(source) => {
            return Err(vec![MigrationsFolderError::Unreadable {
                path: display(directory),
                source,
            }]);
        }
    };
    let snapshot_directory = directory.join(SNAPSHOT_DIRECTORY);
    let snapshot_files = match list_files(&snapshot_directory) {
        Ok(files) => files,
        Err(source) => {
            return Err(vec![MigrationsFolderError::Unreadable {
                path: display(&snapshot_directory),
                source,
            }]);
        }
    };

    for (file_name, path) in &sql_files {
        if file_name.starts_with(TEMPORARY_FILE_PREFIX) {
            leftover_temporary_files.push(path.clone());
            continue;
        }
        if !file_name.ends_with(".sql") {
            continue;
        }
        let Some((version, name)) = parse_file_name(file_name, ".sql") else {
            problems.push(MigrationsFolderError::BadSqlFileName {
                path: display(path),
            });
            continue;
        };
        if let Some(existing) = folder
            .migrations
            .iter()
            .find(|entry| entry.version == version)
        {
            problems.push(MigrationsFolderError::DuplicateVersion {
                version,
                first: existing.sql_display_path.clone(),
                second: display(path),
            });
            continue;
        }
        folder.migrations.push(MigrationEntry {
            version,
            name,
            sql_display_path: display(path),
            snapshot: None,
            snapshot_content: None,
        });
    }
    folder.migrations.sort_by_key(|entry| entry.version);

    for (file_name, path) in &snapshot_files {
        if file_name.starts_with(TEMPORARY_FILE_PREFIX) {
            leftover_temporary_files.push(path.clone());
            continue;
        }
        if !file_name.ends_with(".json") {
            continue;
        }
        let Some((version, name)) = parse_file_name(file_name, ".json") else {
            problems.push(MigrationsFolderError::BadSnapshotFileName {
                path: display(path),
            });
            continue;
        };
        let Some(entry) = folder
            .migrations
            .iter_mut()
            .find(|entry| entry.version == version && entry.name == name)
        else {
            folder.orphan_snapshots.push(path.clone());
            folder.orphan_snapshot_display_paths.push(display(path));
            continue;
        };
        match std::fs::read_to_string(path) {
            Ok(text) => match Snapshot::from_json(&text) {
                Ok(snapshot) => {
                    entry.snapshot = Some(snapshot);
                    entry.snapshot_content = Some(ContentHash::of(text.as_bytes()));
                }
                Err(error) => problems.push(MigrationsFolderError::BadSnapshot {
                    path: display(path),
                    reason: error.to_string(),
                }),
            },
            Err(error) => problems.push(MigrationsFolderError::BadSnapshot {
                path: display(path),
                reason: error.to_string(),
            }),
        }
    }
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
        if entry.file_type()?.is_file() {
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
    let display = |path: &Path| crate::discovery::display_path(workspace_root, path);
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

    let sql_temporary =
        write_temporary_file(&sql_directory, &files.sql_text).map_err(io_error(&files.sql_path))?;
    let snapshot_temporary = write_temporary_file(&snapshot_directory, &files.snapshot_text)
        .map_err(io_error(&files.snapshot_path))?;

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

fn parent_directory(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
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
                "two migrations have version 2",
                "could not read the snapshot migrations/meta/V2__a.json",
                "`migrations/meta/notes.json` is not a valid snapshot file name",
            ]
        );
    }
}
