//! Runs that found no changes, remembered by everything their outcome
//! depended on, so that a run with the same inputs answers "no changes"
//! without parsing, resolving or diffing anything.
//!
//! Whether the code differs from the newest snapshot is a function of the
//! code's schema, the snapshot's schema, the `--rename` arguments and
//! whether `--check` asks (which settles ambiguities differently). The
//! code's schema is a function of this build of dbkit and, for each schema
//! file in order, its display path and its bytes (or that it mentions
//! neither `Table` nor `PgEnum`, which makes it declare nothing whatever
//! else it holds); the snapshot's schema is a function of its bytes. A
//! [`RunKey`] hashes all of them, and the workspace's root and migrations
//! folder besides. Everything else a run prints (warnings about the folder,
//! the migration the code matches) is still computed from the folder as
//! read. Errors are never remembered: a run that found one read or parsed
//! something that was not clean, and its key is never written.
//!
//! `<target>/dbkit/no-change.json` holds the keys of the last
//! [`REMEMBERED_RUNS`] such runs; a file of another format or build is
//! empty. Each key comes with the hash of its code part alone
//! ([`CodeKey`]), which the files read ahead of `cargo metadata` are
//! checked against, to leave them unparsed when the run is likely to need
//! no parsing.

use crate::workspace::cache::{CACHE_DIRECTORY, ContentHash, build_stamp, write_atomically};
use crate::workspace::schema_loading::FileResult;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped whenever the file's shape or a key's content changes.
const RECORD_FORMAT: u32 = 1;
const FILE_NAME: &str = "no-change.json";
/// How many runs are remembered (for `generate` and `--check` alternating,
/// or a few branches).
const REMEMBERED_RUNS: usize = 8;

/// What the command line asks that the outcome depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoChangeQuery {
    /// `--check`.
    pub check: bool,
    /// The `--rename` arguments, as given.
    pub renames: Vec<String>,
}

/// The hash of what the code's schema depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeKey(ContentHash);

/// The hash of everything whether a run finds changes depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunKey {
    code: CodeKey,
    run: ContentHash,
}

impl CodeKey {
    /// The key of the results of reading (or parsing) the schema files, in
    /// the files' order; `None` when a file is unreadable or this build
    /// cannot tell itself from others.
    pub fn of(results: &[FileResult]) -> Option<CodeKey> {
        let build = build_stamp()?;
        let mut parts: Vec<Vec<u8>> = vec![
            RECORD_FORMAT.to_le_bytes().to_vec(),
            build.as_bytes().to_vec(),
        ];
        for result in results {
            let (display_path, content) = result.parse_input()?;
            parts.push(display_path.as_bytes().to_vec());
            parts.push(match content {
                Some(content) => content.to_hex().into_bytes(),
                None => b"skipped".to_vec(),
            });
        }
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Some(CodeKey(ContentHash::of_parts(&parts)))
    }
}

impl RunKey {
    pub fn new(
        code: CodeKey,
        query: &NoChangeQuery,
        workspace_root: &Path,
        migrations_directory: &Path,
        newest_snapshot: Option<ContentHash>,
        workspace_extensions: &[dbkit_core::model::Extension],
    ) -> RunKey {
        let mut parts: Vec<Vec<u8>> = vec![
            code.0.to_hex().into_bytes(),
            vec![u8::from(query.check)],
            workspace_root.as_os_str().as_encoded_bytes().to_vec(),
            migrations_directory.as_os_str().as_encoded_bytes().to_vec(),
            newest_snapshot.map_or_else(|| b"none".to_vec(), |hash| hash.to_hex().into_bytes()),
        ];
        // `[workspace.metadata.dbkit] extensions` is part of the code's schema.
        for extension in workspace_extensions {
            parts.push(extension.name.as_bytes().to_vec());
            parts.push(
                extension
                    .schema
                    .as_deref()
                    .map_or_else(|| b"\0".to_vec(), |schema| schema.as_bytes().to_vec()),
            );
        }
        parts.extend(
            query
                .renames
                .iter()
                .map(|rename| rename.as_bytes().to_vec()),
        );
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        RunKey {
            code,
            run: ContentHash::of_parts(&parts),
        }
    }
}

/// The file as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StoredRuns {
    format: u32,
    build: String,
    /// Newest first.
    runs: Vec<StoredRun>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredRun {
    code: String,
    run: String,
}

impl StoredRun {
    fn of(key: &RunKey) -> StoredRun {
        StoredRun {
            code: key.code.0.to_hex(),
            run: key.run.to_hex(),
        }
    }
}

/// The runs of a target directory that found no changes.
#[derive(Debug, Clone, Default)]
pub struct NoChangeRuns {
    runs: Vec<StoredRun>,
}

impl NoChangeRuns {
    /// The runs remembered in `<target_directory>/dbkit/`; none when the
    /// file is missing, unreadable, or of another format or build.
    pub fn read(target_directory: &Path) -> NoChangeRuns {
        let runs = read_stored_runs(&file_path(target_directory))
            .map(|stored| stored.runs)
            .unwrap_or_default();
        NoChangeRuns { runs }
    }

    /// Whether a remembered run had this code.
    pub fn has_code(&self, key: CodeKey) -> bool {
        let code = key.0.to_hex();
        self.runs.iter().any(|run| run.code == code)
    }

    /// Whether a remembered run had all these inputs.
    pub fn has_run(&self, key: &RunKey) -> bool {
        self.runs.contains(&StoredRun::of(key))
    }
}

/// Remembers that the run of `key` found no changes. A failure only costs
/// the next run its shortcut; a concurrent writer may drop this run, or
/// this one its run, but never leave a key that was not written whole.
pub fn remember_no_change(target_directory: &Path, key: &RunKey) {
    let Some(build) = build_stamp() else {
        return;
    };
    let path = file_path(target_directory);
    let mut runs = read_stored_runs(&path)
        .map(|stored| stored.runs)
        .unwrap_or_default();
    let run = StoredRun::of(key);
    if runs.first() == Some(&run) {
        return;
    }
    runs.retain(|stored| *stored != run);
    runs.insert(0, run);
    runs.truncate(REMEMBERED_RUNS);
    let stored = StoredRuns {
        format: RECORD_FORMAT,
        build: build.to_string(),
        runs,
    };
    let directory = target_directory.join(CACHE_DIRECTORY);
    let written = serde_json::to_vec(&stored)
        .map_err(std::io::Error::other)
        .and_then(|bytes| write_atomically(&directory, FILE_NAME, &bytes));
    if let Err(error) = written {
        tracing::debug!("could not write {}: {error}", path.display());
    }
}

fn file_path(target_directory: &Path) -> PathBuf {
    target_directory.join(CACHE_DIRECTORY).join(FILE_NAME)
}

fn read_stored_runs(path: &Path) -> Option<StoredRuns> {
    let bytes = std::fs::read(path).ok()?;
    let stored: StoredRuns = serde_json::from_slice(&bytes).ok()?;
    (stored.format == RECORD_FORMAT && Some(stored.build.as_str()) == build_stamp())
        .then_some(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::discovery::SourceFile;

    fn read(display_path: &str, text: &str) -> FileResult {
        FileResult::Read {
            file: SourceFile {
                display_path: display_path.to_string(),
                absolute_path: PathBuf::from("/w").join(display_path),
            },
            content: ContentHash::of(text.as_bytes()),
            text: text.to_string(),
        }
    }

    fn code_key(results: &[FileResult]) -> CodeKey {
        match CodeKey::of(results) {
            Some(key) => key,
            None => panic!("no key"),
        }
    }

    fn query(check: bool, renames: &[&str]) -> NoChangeQuery {
        NoChangeQuery {
            check,
            renames: renames.iter().map(ToString::to_string).collect(),
        }
    }

    fn run_key(code: CodeKey, query: &NoChangeQuery, snapshot: Option<&[u8]>) -> RunKey {
        RunKey::new(
            code,
            query,
            Path::new("/w"),
            Path::new("/w/migrations"),
            snapshot.map(ContentHash::of),
            &[],
        )
    }

    #[test]
    fn keys_change_with_every_input() {
        let code = code_key(&[read("src/a.rs", "struct Table;")]);
        let keys = [
            code,
            code_key(&[read("src/a.rs", "struct Table; ")]),
            code_key(&[read("src/b.rs", "struct Table;")]),
            code_key(&[FileResult::Skipped {
                display_path: "src/a.rs".to_string(),
            }]),
            code_key(&[read("src/a.rs", "struct Table;"), read("src/b.rs", "")]),
        ];
        for (index, key) in keys.iter().enumerate() {
            assert!(!keys[..index].contains(key), "{index}");
        }
        let unreadable = FileResult::Unreadable {
            display_path: "src/a.rs".to_string(),
            error: std::io::Error::other("gone"),
        };
        assert_eq!(CodeKey::of(&[unreadable]), None);

        let runs = [
            run_key(code, &query(false, &[]), Some(b"{}")),
            run_key(code, &query(true, &[]), Some(b"{}")),
            run_key(code, &query(false, &["a=b"]), Some(b"{}")),
            run_key(code, &query(false, &[]), Some(b"{ }")),
            run_key(code, &query(false, &[]), None),
            run_key(keys[1], &query(false, &[]), Some(b"{}")),
            RunKey::new(
                code,
                &query(false, &[]),
                Path::new("/w"),
                Path::new("/w/migrations"),
                Some(ContentHash::of(b"{}")),
                &[dbkit_core::model::Extension::new("citext")],
            ),
        ];
        for (index, key) in runs.iter().enumerate() {
            assert!(!runs[..index].contains(key), "{index}");
        }
    }

    #[test]
    fn remembered_runs_are_found_and_the_oldest_forgotten() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let target = directory.path();
        let keys: Vec<RunKey> = (0..=REMEMBERED_RUNS)
            .map(|index| {
                let code = code_key(&[read("src/a.rs", &index.to_string())]);
                run_key(code, &query(false, &[]), None)
            })
            .collect();
        assert!(!NoChangeRuns::read(target).has_run(&keys[0]));
        for key in &keys {
            remember_no_change(target, key);
        }
        let runs = NoChangeRuns::read(target);
        assert!(!runs.has_run(&keys[0]) && !runs.has_code(keys[0].code));
        for key in &keys[1..] {
            assert!(runs.has_run(key) && runs.has_code(key.code));
        }
        let other = run_key(keys[1].code, &query(true, &[]), None);
        assert!(!runs.has_run(&other));
    }

    #[test]
    fn a_corrupt_or_foreign_file_remembers_nothing() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let target = directory.path();
        let key = run_key(code_key(&[read("src/a.rs", "x")]), &query(false, &[]), None);
        remember_no_change(target, &key);
        let path = file_path(target);
        let text = std::fs::read_to_string(&path).expect("written");
        std::fs::write(&path, &text[..text.len() - 3]).expect("write");
        assert!(!NoChangeRuns::read(target).has_run(&key));
        let build = build_stamp().unwrap_or_default();
        std::fs::write(&path, text.replacen(build, "0.0.0+1.2.3", 1)).expect("write");
        assert!(!NoChangeRuns::read(target).has_run(&key));
        // Writing again starts over from a file that cannot be read.
        remember_no_change(target, &key);
        assert!(NoChangeRuns::read(target).has_run(&key));
    }
}
