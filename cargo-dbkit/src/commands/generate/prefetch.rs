//! What `generate` compares — the code's schema and the migrations folder —
//! read while `cargo metadata` runs, from the list of inputs the previous run
//! used.
//!
//! `cargo metadata` is a child process that takes tens of milliseconds, and
//! nothing else needs it to start: the previous run wrote the files it read
//! and its migrations folder to `<target>/dbkit/generate-inputs.json`, so
//! those files are read and parsed, and the folder read, on other threads in
//! the meantime. Once metadata has answered, a prefetched result is used only
//! for a file of the list it yields (same path, same display path), and the
//! folder's only if it is the same folder of the same workspace; every other
//! result, errors included, is dropped unseen, and the files not prefetched
//! are read then. Reading the folder early changes nothing on disk: leftover
//! temporary files are removed only once the folder is confirmed. A list that
//! is missing, unreadable or of another workspace means no prefetching, never
//! a different outcome.

use super::no_change::{CodeKey, NoChangeQuery, NoChangeRuns, RunKey};
use crate::output::errors::CliError;
use crate::workspace::cache::parse::ParseCache;
use crate::workspace::discovery::{SourceFile, Workspace};
use crate::workspace::migrations_folder::{
    MigrationsFolder, MigrationsFolderScan, scan_migrations_folder,
};
use crate::workspace::schema_loading::{
    CodeSchema, FileResult, assemble_code_schema, parse_in_parallel, read_in_parallel,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// Bumped whenever the list's shape changes; another format is ignored.
const INPUT_LIST_FORMAT: u32 = 1;
/// The list's folder inside the target directory, and its file name.
const INPUT_LIST_DIRECTORY: &str = "dbkit";
const INPUT_LIST_FILE_NAME: &str = "generate-inputs.json";

/// The inputs one run of `generate` used, as the next run finds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct InputList {
    format: u32,
    workspace_root: PathBuf,
    target_directory: PathBuf,
    migrations_directory: PathBuf,
    files: Vec<SourceFile>,
}

impl InputList {
    fn of(workspace: &Workspace, files: &[SourceFile]) -> InputList {
        InputList {
            format: INPUT_LIST_FORMAT,
            workspace_root: workspace.root.clone(),
            target_directory: workspace.target_directory.clone(),
            migrations_directory: workspace.migrations_directory.clone(),
            files: files.to_vec(),
        }
    }

    fn is_of_workspace(&self, workspace: &Workspace) -> bool {
        self.workspace_root == workspace.root && self.target_directory == workspace.target_directory
    }
}

/// What was read and parsed from the previous run's list.
#[derive(Debug)]
struct Prefetched {
    list: InputList,
    /// In the order of `list.files`: read, and parsed unless a run that
    /// found no changes had the same code.
    results: Vec<FileResult>,
    folder: MigrationsFolderScan,
}

/// The code, as far as a run needs it.
#[derive(Debug)]
pub enum LoadedCode {
    /// A run with the very same inputs found no changes (see
    /// [`super::no_change`]): nothing was parsed.
    KnownUnchanged,
    /// The code's schema, and the key to remember if it has no changes.
    Schema {
        code: CodeSchema,
        run_key: Option<RunKey>,
    },
}

/// Reading and parsing under way on other threads, started before
/// `cargo metadata`.
#[derive(Debug)]
pub struct Prefetch {
    previous_list: Option<InputList>,
    work: Option<JoinHandle<Prefetched>>,
    cancelled: Arc<AtomicBool>,
}

impl Prefetch {
    /// Starts reading the previous run's inputs, if a list of them is found
    /// for the workspace of `manifest_path` (or of the current folder).
    pub fn start(manifest_path: Option<&Path>) -> Prefetch {
        let cancelled = Arc::new(AtomicBool::new(false));
        let previous_list = find_input_list(manifest_path);
        let work = previous_list.clone().and_then(|list| {
            let cancelled = Arc::clone(&cancelled);
            std::thread::Builder::new()
                .name("dbkit-prefetch".to_string())
                .spawn(move || prefetch(list, &cancelled))
                .ok()
        });
        Prefetch {
            previous_list,
            work,
            cancelled,
        }
    }

    /// The code and the migrations folder of `workspace`, whose schema
    /// files are `files`: prefetched results for the files and the folder it
    /// confirms, read now for the rest. With a `query` (what the command
    /// line asks; `None` for a run that writes a migration whatever the
    /// code), a run that found no changes with the same inputs answers for
    /// the code. Remembers the inputs for the next run.
    pub fn finish(
        mut self,
        workspace: &Workspace,
        files: &[SourceFile],
        query: Option<&NoChangeQuery>,
    ) -> Result<(LoadedCode, MigrationsFolder), CliError> {
        let list = InputList::of(workspace, files);
        if self.previous_list.as_ref() != Some(&list) {
            remember_input_list(&list);
        }
        let prefetched = self
            .work
            .take()
            .and_then(|work| work.join().ok())
            .filter(|prefetched| {
                // Every listed file has its result unless the work was cut short.
                prefetched.results.len() == prefetched.list.files.len()
                    && prefetched.list.is_of_workspace(workspace)
            });
        let (results, folder_scan) = match prefetched {
            Some(prefetched) => {
                let same_folder =
                    prefetched.list.migrations_directory == workspace.migrations_directory;
                let results = confirmed_results(files, prefetched.list.files, prefetched.results);
                (results, same_folder.then_some(prefetched.folder))
            }
            None => (read_in_parallel(files, &AtomicBool::new(false)), None),
        };
        let folder_scan = folder_scan.unwrap_or_else(|| {
            scan_migrations_folder(&workspace.migrations_directory, &workspace.root)
        });
        let run_key = query.and_then(|query| {
            let folder = folder_scan.folder()?;
            Some(RunKey::new(
                CodeKey::of(&results)?,
                query,
                &workspace.root,
                &workspace.migrations_directory,
                folder.latest_snapshot_content(),
                &workspace.extensions,
            ))
        });
        let known_unchanged = run_key
            .is_some_and(|key| NoChangeRuns::read(&workspace.target_directory).has_run(&key));
        let code = if known_unchanged {
            tracing::info!("a run with the same inputs found no changes");
            LoadedCode::KnownUnchanged
        } else {
            let cache = ParseCache::in_target_directory(&workspace.target_directory);
            LoadedCode::Schema {
                code: assemble_code_schema(results, cache.as_ref(), &workspace.extensions)?,
                run_key,
            }
        };
        let folder = folder_scan.finish().map_err(CliError::MigrationsFolder)?;
        Ok((code, folder))
    }
}

impl Drop for Prefetch {
    /// On an early return (`cargo metadata` failed), files not yet started
    /// are not read.
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Reads the listed files and the folder; parses the files too unless a
/// remembered run that found no changes had the same code.
fn prefetch(list: InputList, cancelled: &AtomicBool) -> Prefetched {
    let (results, folder) = std::thread::scope(|scope| {
        let folder = scope
            .spawn(|| scan_migrations_folder(&list.migrations_directory, &list.workspace_root));
        let mut results = read_in_parallel(&list.files, cancelled);
        let likely_unchanged = CodeKey::of(&results)
            .is_some_and(|key| NoChangeRuns::read(&list.target_directory).has_code(key));
        if !likely_unchanged {
            let cache = ParseCache::in_target_directory(&list.target_directory);
            results = parse_in_parallel(results, cache.as_ref(), cancelled);
        }
        match folder.join() {
            Ok(folder) => (results, folder),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    });
    Prefetched {
        list,
        results,
        folder,
    }
}

/// The result of each of `files`: the prefetched one for a file prefetched
/// under the same display path, a fresh read for the others. Prefetched
/// results of other files are dropped.
fn confirmed_results(
    files: &[SourceFile],
    prefetched_files: Vec<SourceFile>,
    prefetched_results: Vec<FileResult>,
) -> Vec<FileResult> {
    let mut prefetched: HashMap<SourceFile, FileResult> = prefetched_files
        .into_iter()
        .zip(prefetched_results)
        .collect();
    let mut results: Vec<Option<FileResult>> =
        files.iter().map(|file| prefetched.remove(file)).collect();
    drop(prefetched);
    let missing: Vec<SourceFile> = files
        .iter()
        .zip(&results)
        .filter(|(_, result)| result.is_none())
        .map(|(file, _)| file.clone())
        .collect();
    tracing::debug!(
        prefetched = files.len() - missing.len(),
        missing = missing.len(),
        "schema files read while cargo metadata ran"
    );
    if !missing.is_empty() {
        let mut fresh = read_in_parallel(&missing, &AtomicBool::new(false)).into_iter();
        for slot in results.iter_mut().filter(|slot| slot.is_none()) {
            *slot = fresh.next();
        }
    }
    results.into_iter().flatten().collect()
}

/// The list the previous run wrote for the workspace that holds the starting
/// folder: looked for in `$CARGO_TARGET_DIR` and in `target/` of the starting
/// folder and each folder above it.
fn find_input_list(manifest_path: Option<&Path>) -> Option<InputList> {
    let current_directory = std::env::current_dir().ok()?;
    let start = match manifest_path.and_then(Path::parent) {
        Some(folder) => current_directory.join(folder),
        None => current_directory.clone(),
    };
    let canonical_start = start.canonicalize().unwrap_or_else(|_| start.clone());
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(
            current_directory
                .join(target)
                .join(INPUT_LIST_DIRECTORY)
                .join(INPUT_LIST_FILE_NAME),
        );
    }
    candidates.extend(canonical_start.ancestors().map(|folder| {
        folder
            .join("target")
            .join(INPUT_LIST_DIRECTORY)
            .join(INPUT_LIST_FILE_NAME)
    }));
    candidates.into_iter().find_map(|candidate| {
        let text = std::fs::read_to_string(&candidate).ok()?;
        let list: InputList = serde_json::from_str(&text).ok()?;
        let contains_start = start.starts_with(&list.workspace_root)
            || canonical_start.starts_with(&list.workspace_root);
        (list.format == INPUT_LIST_FORMAT && contains_start).then_some(list)
    })
}

/// Writes the list for the next run, atomically; a failure only costs the
/// next run its head start.
fn remember_input_list(list: &InputList) {
    let directory = list.target_directory.join(INPUT_LIST_DIRECTORY);
    let written = serde_json::to_string(list)
        .map_err(std::io::Error::other)
        .and_then(|text| {
            std::fs::create_dir_all(&directory)?;
            let mut temporary = tempfile::NamedTempFile::new_in(&directory)?;
            std::io::Write::write_all(&mut temporary, text.as_bytes())?;
            temporary
                .persist(directory.join(INPUT_LIST_FILE_NAME))
                .map_err(|error| error.error)?;
            Ok(())
        });
    if let Err(error) = written {
        tracing::debug!(
            "could not write the list of inputs in {}: {error}",
            directory.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::generate::no_change::NoChangeQuery;

    fn table_source(name: &str) -> String {
        format!(
            "use dbkit_runtime::Table;\n#[derive(Table)]\n#[dbkit(table = \"{name}\")]\npub struct T {{\n    #[dbkit(primary_key)]\n    pub id: i64,\n}}\n"
        )
    }

    fn source_file(root: &Path, name: &str) -> SourceFile {
        SourceFile {
            display_path: format!("src/{name}"),
            absolute_path: root.join("src").join(name),
        }
    }

    /// A workspace at `root` with its migrations and target folders there.
    fn empty_workspace(root: &std::path::Path) -> Workspace {
        Workspace {
            root: root.to_path_buf(),
            schema_crates: Vec::new(),
            schema_globs: Vec::new(),
            migrations_directory: root.join("migrations"),
            target_directory: root.join("target"),
            lint_settings: serde_json::Value::Null,
            extensions: Vec::new(),
        }
    }

    #[test]
    fn only_confirmed_files_count_and_unlisted_ones_are_read() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let root = directory.path().to_path_buf();
        std::fs::create_dir_all(root.join("src")).expect("create src");
        std::fs::write(root.join("src/kept.rs"), table_source("kept")).expect("write");
        // In the previous run's list, no longer part of the schema, and broken.
        std::fs::write(root.join("src/gone.rs"), "struct Table {").expect("write");
        std::fs::write(root.join("src/new.rs"), table_source("new")).expect("write");
        let workspace = empty_workspace(&root);
        let previous_list = InputList::of(
            &workspace,
            &[source_file(&root, "gone.rs"), source_file(&root, "kept.rs")],
        );
        let cancelled = Arc::new(AtomicBool::new(false));
        let work = {
            let list = previous_list.clone();
            let cancelled = Arc::clone(&cancelled);
            std::thread::spawn(move || prefetch(list, &cancelled))
        };
        let prefetch = Prefetch {
            previous_list: Some(previous_list),
            work: Some(work),
            cancelled,
        };
        let confirmed = [source_file(&root, "kept.rs"), source_file(&root, "new.rs")];
        let (code, folder) = match prefetch.finish(&workspace, &confirmed, None) {
            Ok((LoadedCode::Schema { code, .. }, folder)) => (code, folder),
            Ok((LoadedCode::KnownUnchanged, _)) => panic!("nothing was remembered"),
            Err(error) => panic!("unexpected error: {error:?}"),
        };
        let names: Vec<&str> = code
            .schema
            .tables
            .iter()
            .map(|table| table.name.name.as_str())
            .collect();
        assert_eq!(names, ["kept", "new"]);
        assert_eq!(code.parsed_file_count, 2);
        assert!(folder.migrations.is_empty());
        let remembered = std::fs::read_to_string(root.join("target/dbkit/generate-inputs.json"))
            .expect("list written");
        let remembered: InputList = serde_json::from_str(&remembered).expect("list parses");
        assert_eq!(remembered, InputList::of(&workspace, &confirmed));
    }

    /// The prefetch, run to its end before the files change.
    fn finished_prefetch(list: InputList) -> Prefetch {
        let cancelled = Arc::new(AtomicBool::new(false));
        let prefetched = prefetch(list.clone(), &cancelled);
        Prefetch {
            previous_list: Some(list),
            work: Some(std::thread::spawn(move || prefetched)),
            cancelled,
        }
    }

    fn table_names(prefetch: Prefetch, workspace: &Workspace, files: &[SourceFile]) -> Vec<String> {
        match prefetch.finish(workspace, files, None) {
            Ok((LoadedCode::Schema { code, .. }, _)) => code
                .schema
                .tables
                .iter()
                .map(|table| table.name.name.clone())
                .collect(),
            Ok((LoadedCode::KnownUnchanged, _)) => panic!("nothing was remembered"),
            Err(error) => panic!("unexpected error: {error:?}"),
        }
    }

    #[test]
    fn prefetched_results_are_used_only_for_the_same_workspace() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let root = directory.path().to_path_buf();
        std::fs::create_dir_all(root.join("src")).expect("create src");
        let workspace = empty_workspace(&root);
        let files = [source_file(&root, "a.rs")];
        let same = InputList::of(&workspace, &files);
        let mut other = same.clone();
        other.target_directory = root.join("elsewhere");

        std::fs::write(root.join("src/a.rs"), table_source("before")).expect("write");
        let prefetch = finished_prefetch(same);
        std::fs::write(root.join("src/a.rs"), table_source("after")).expect("write");
        assert_eq!(table_names(prefetch, &workspace, &files), ["before"]);

        std::fs::write(root.join("src/a.rs"), table_source("before")).expect("write");
        let prefetch = finished_prefetch(other);
        std::fs::write(root.join("src/a.rs"), table_source("after")).expect("write");
        assert_eq!(table_names(prefetch, &workspace, &files), ["after"]);
    }

    fn no_prefetch() -> Prefetch {
        Prefetch {
            previous_list: None,
            work: None,
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }

    fn loaded(workspace: &Workspace, files: &[SourceFile], query: &NoChangeQuery) -> LoadedCode {
        for prefetch in [
            no_prefetch(),
            finished_prefetch(InputList::of(workspace, files)),
        ] {
            match prefetch.finish(workspace, files, Some(query)) {
                Ok((LoadedCode::KnownUnchanged, _)) => {}
                Ok((loaded, _)) => return loaded,
                Err(error) => panic!("unexpected error: {error:?}"),
            }
        }
        LoadedCode::KnownUnchanged
    }

    #[test]
    fn a_run_with_the_inputs_of_one_that_found_no_changes_parses_nothing() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let root = directory.path().to_path_buf();
        std::fs::create_dir_all(root.join("src")).expect("create src");
        let workspace = empty_workspace(&root);
        let files = [source_file(&root, "a.rs"), source_file(&root, "b.rs")];
        std::fs::write(root.join("src/a.rs"), table_source("a")).expect("write");
        std::fs::write(root.join("src/b.rs"), "// nothing here").expect("write");
        let generate = NoChangeQuery {
            check: false,
            renames: Vec::new(),
        };
        let remember = |loaded: LoadedCode| match loaded {
            LoadedCode::Schema {
                run_key: Some(key), ..
            } => crate::commands::generate::no_change::remember_no_change(
                &workspace.target_directory,
                &key,
            ),
            other => panic!("expected the schema and a key: {other:?}"),
        };
        let is_known = |query: &NoChangeQuery| {
            matches!(
                loaded(&workspace, &files, query),
                LoadedCode::KnownUnchanged
            )
        };

        remember(loaded(&workspace, &files, &generate));
        assert!(is_known(&generate));
        // Another question, another key.
        let check = NoChangeQuery {
            check: true,
            ..generate.clone()
        };
        assert!(!is_known(&check));
        // A file that declares nothing may change; one that may declare
        // something may not.
        std::fs::write(root.join("src/b.rs"), "// still nothing").expect("write");
        assert!(is_known(&generate));
        std::fs::write(root.join("src/a.rs"), table_source("other")).expect("write");
        assert!(!is_known(&generate));
        std::fs::write(root.join("src/a.rs"), table_source("a")).expect("write");
        assert!(is_known(&generate));
        // A new snapshot.
        let migrations = root.join("migrations");
        std::fs::create_dir_all(migrations.join("meta")).expect("create meta");
        std::fs::write(migrations.join("V1__a.sql"), "SELECT 1;").expect("write");
        let snapshot = dbkit_core::snapshot::Snapshot::new(
            1,
            "V1__a.sql",
            None,
            &dbkit_core::model::Schema::default(),
        );
        std::fs::write(migrations.join("meta/V1__a.json"), snapshot.to_json()).expect("write");
        assert!(!is_known(&generate));
        // The remembered file, broken.
        std::fs::write(root.join("target/dbkit/no-change.json"), "{").expect("write");
        std::fs::remove_dir_all(&migrations).expect("remove");
        assert!(!is_known(&generate));
    }
}
