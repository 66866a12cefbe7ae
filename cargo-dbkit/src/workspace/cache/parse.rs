//! The declarations of each schema file that parsed without errors, so that
//! a file whose bytes have not changed is not handed to syn again.
//!
//! One entry per file, `<target>/dbkit/parse/<key>.json`, where the key is
//! the hash of the build stamp, the file's display path (every location in
//! the declarations names it) and the hash of its content. The entry
//! repeats all three and is used only when they match; any other entry,
//! including one that does not deserialise, is a miss. A file with errors
//! is never stored: it is parsed again on every run, so that its
//! diagnostics have its text. Entries of files no longer read are removed
//! once there are more than [`SPARE_ENTRIES`] of them.
//!
//! Every location in a file's declarations names that file; an entry leaves
//! the name out of the locations that hold the display path and puts it
//! back on loading (a quarter of an entry's size otherwise).

use super::{ContentHash, build_stamp, cache_folder, write_atomically};
use dbkit_core::model::SourceLocation;
use dbkit_core::parse::Declaration;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Bumped whenever an entry's shape changes.
const ENTRY_FORMAT: u32 = 1;
/// The cache's folder inside `<target>/dbkit/`.
const FOLDER: &str = "parse";
const ENTRY_EXTENSION: &str = ".json";
/// Entries of files not read by a run that are kept (for a branch switched
/// back to, say) before they are removed.
const SPARE_ENTRIES: usize = 64;
/// Temporary files older than this are leftovers of an interrupted run.
const LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// The parse cache of one target directory.
#[derive(Debug, Clone)]
pub struct ParseCache {
    directory: PathBuf,
    build: &'static str,
}

/// An entry as written, borrowing what it holds.
#[derive(Serialize)]
struct EntryToWrite<'a> {
    format: u32,
    build: &'a str,
    display_path: &'a str,
    content: String,
    declarations: &'a [Declaration],
}

/// An entry as read.
#[derive(Deserialize)]
struct Entry {
    format: u32,
    build: String,
    display_path: String,
    content: String,
    declarations: Vec<Declaration>,
}

impl ParseCache {
    /// The cache in `<target_directory>/dbkit/parse/`, or `None` when this
    /// build of dbkit cannot tell itself from others (see
    /// [`build_stamp`]).
    pub fn in_target_directory(target_directory: &Path) -> Option<ParseCache> {
        Some(ParseCache {
            directory: cache_folder(target_directory, FOLDER),
            build: build_stamp()?,
        })
    }

    /// The file name of the entry for a file's display path and content.
    pub fn entry_name(&self, display_path: &str, content: ContentHash) -> String {
        let key = ContentHash::of_parts(&[
            self.build.as_bytes(),
            display_path.as_bytes(),
            content.to_hex().as_bytes(),
        ]);
        format!("{}{ENTRY_EXTENSION}", key.to_hex())
    }

    /// The declarations stored for the file, if an entry of this build
    /// holds them.
    pub fn load(&self, display_path: &str, content: ContentHash) -> Option<Vec<Declaration>> {
        let path = self.directory.join(self.entry_name(display_path, content));
        let bytes = std::fs::read(&path).ok()?;
        let entry: Entry = match serde_json::from_slice(&bytes) {
            Ok(entry) => entry,
            Err(error) => {
                tracing::debug!("ignoring the parse cache entry {}: {error}", path.display());
                return None;
            }
        };
        let matches = entry.format == ENTRY_FORMAT
            && entry.build == self.build
            && entry.display_path == display_path
            && entry.content == content.to_hex();
        if !matches {
            return None;
        }
        let mut declarations = entry.declarations;
        for_each_location(&mut declarations, |location| {
            if location.file.is_empty() {
                location.file = display_path.to_string();
            }
        });
        Some(declarations)
    }

    /// Stores the declarations of a file that parsed without errors. A
    /// failure only costs the next run a parse.
    pub fn store(&self, display_path: &str, content: ContentHash, declarations: &[Declaration]) {
        let mut declarations = declarations.to_vec();
        for_each_location(&mut declarations, |location| {
            if location.file == display_path {
                location.file.clear();
            }
        });
        let entry = EntryToWrite {
            format: ENTRY_FORMAT,
            build: self.build,
            display_path,
            content: content.to_hex(),
            declarations: &declarations,
        };
        let written = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                write_atomically(
                    &self.directory,
                    &self.entry_name(display_path, content),
                    &bytes,
                )
            });
        if let Err(error) = written {
            tracing::debug!(
                "could not store the declarations of {display_path} in {}: {error}",
                self.directory.display()
            );
        }
    }

    /// Removes the entries not named in `kept` once there are more than
    /// [`SPARE_ENTRIES`] of them, and temporary files left by interrupted
    /// runs. Another run may be using a removed entry: it then reads a
    /// miss, never a wrong entry.
    pub fn remove_unused_entries(&self, kept: &HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(&self.directory) else {
            return;
        };
        let mut unused = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(super::TEMPORARY_PREFIX) {
                let old = entry
                    .metadata()
                    .and_then(|metadata| metadata.modified())
                    .ok()
                    .and_then(|modified| modified.elapsed().ok())
                    .is_some_and(|age| age > LEFTOVER_AGE);
                if old {
                    unused.push(entry.path());
                }
            } else if name.ends_with(ENTRY_EXTENSION) && !kept.contains(&name) {
                unused.push(entry.path());
            }
        }
        if unused.len() <= SPARE_ENTRIES {
            return;
        }
        for path in unused {
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::debug!("could not remove {}: {error}", path.display());
            }
        }
    }
}

/// Applies `change` to every location the declarations hold. A location
/// this misses is stored with its file name, which costs only room.
fn for_each_location(
    declarations: &mut [Declaration],
    mut change: impl FnMut(&mut SourceLocation),
) {
    for declaration in declarations {
        match declaration {
            Declaration::Table(table) => {
                change(&mut table.place.location);
                for column in &mut table.columns {
                    change(&mut column.place.location);
                    change(&mut column.type_place.location);
                }
                for foreign_key in &mut table.foreign_keys {
                    change(&mut foreign_key.place.location);
                }
                for trigger in &mut table.triggers {
                    change(&mut trigger.place.location);
                    change(&mut trigger.function_place.location);
                }
            }
            Declaration::Enum(enumeration) => change(&mut enumeration.place.location),
            Declaration::Extension(extension) => change(&mut extension.place.location),
            Declaration::SqlObject(object) => change(&mut object.place.location),
            Declaration::Sequence(sequence) => change(&mut sequence.place.location),
            Declaration::Domain(domain) => change(&mut domain.place.location),
            Declaration::CompositeType(composite) => {
                change(&mut composite.place.location);
                for attribute in &mut composite.attributes {
                    change(&mut attribute.type_place.location);
                }
            }
            Declaration::View(view) => {
                change(&mut view.place.location);
                for column in &mut view.columns {
                    change(&mut column.type_place.location);
                }
            }
            Declaration::Function(function) => change(&mut function.place.location),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "#[derive(PgEnum)]\npub enum Mood {\n    Happy,\n}\n\n#[derive(Table)]\npub struct User {\n    #[dbkit(primary_key)]\n    pub id: i64,\n    /// Shown.\n    #[dbkit(default = \"'x'\", references = \"user.id\")]\n    pub name: String,\n    pub mood: Option<Mood>,\n}\n";

    fn cache(directory: &tempfile::TempDir) -> ParseCache {
        match ParseCache::in_target_directory(directory.path()) {
            Some(cache) => cache,
            None => panic!("no build stamp"),
        }
    }

    fn declarations(text: &str, display_path: &str) -> Vec<Declaration> {
        match dbkit_core::parse::parse_source_file(text, display_path) {
            Ok(declarations) => declarations,
            Err(errors) => panic!("{errors:?}"),
        }
    }

    #[test]
    fn an_entry_is_found_only_for_the_same_path_and_content() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let cache = cache(&directory);
        let content = ContentHash::of(SOURCE.as_bytes());
        let parsed = declarations(SOURCE, "src/a.rs");
        assert_eq!(cache.load("src/a.rs", content), None);
        cache.store("src/a.rs", content, &parsed);
        assert_eq!(cache.load("src/a.rs", content), Some(parsed));
        assert_eq!(cache.load("src/b.rs", content), None);
        assert_eq!(
            cache.load("src/a.rs", ContentHash::of(b"something else")),
            None
        );
    }

    #[test]
    fn a_corrupt_or_foreign_entry_is_a_miss() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let cache = cache(&directory);
        let content = ContentHash::of(SOURCE.as_bytes());
        let parsed = declarations(SOURCE, "src/a.rs");
        cache.store("src/a.rs", content, &parsed);
        let path = cache.directory.join(cache.entry_name("src/a.rs", content));
        let text = std::fs::read_to_string(&path).expect("entry written");

        std::fs::write(&path, &text[..text.len() / 2]).expect("write");
        assert_eq!(cache.load("src/a.rs", content), None);
        std::fs::write(&path, "\0\0\0\0").expect("write");
        assert_eq!(cache.load("src/a.rs", content), None);
        // Another build's entry under this name (a hash collision, or a
        // copied target folder).
        std::fs::write(&path, text.replacen(cache.build, "0.0.0+1.2.3", 1)).expect("write");
        assert_eq!(cache.load("src/a.rs", content), None);
        std::fs::write(
            &path,
            text.replacen(&format!("\"format\":{ENTRY_FORMAT}"), "\"format\":99", 1),
        )
        .expect("write");
        assert_eq!(cache.load("src/a.rs", content), None);
    }

    #[test]
    fn concurrent_writers_leave_a_whole_entry() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let cache = cache(&directory);
        let content = ContentHash::of(SOURCE.as_bytes());
        let parsed = declarations(SOURCE, "src/a.rs");
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..25 {
                        cache.store("src/a.rs", content, &parsed);
                    }
                });
            }
            scope.spawn(|| {
                for _ in 0..100 {
                    let loaded = cache.load("src/a.rs", content);
                    assert!(loaded.is_none() || loaded.as_ref() == Some(&parsed));
                }
            });
        });
        assert_eq!(cache.load("src/a.rs", content), Some(parsed));
        let names: Vec<String> = std::fs::read_dir(&cache.directory)
            .expect("folder")
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [cache.entry_name("src/a.rs", content)]);
    }

    #[test]
    fn unused_entries_go_only_beyond_the_spare_ones() {
        let directory = tempfile::tempdir().expect("temporary folder");
        let cache = cache(&directory);
        let parsed = declarations(SOURCE, "src/a.rs");
        let store = |count: usize| {
            for index in 0..count {
                cache.store("src/a.rs", ContentHash::of(&index.to_le_bytes()), &parsed);
            }
        };
        let count = || std::fs::read_dir(&cache.directory).map_or(0, Iterator::count);
        let kept_name = cache.entry_name("src/a.rs", ContentHash::of(&0usize.to_le_bytes()));
        let kept = HashSet::from([kept_name.clone()]);
        store(SPARE_ENTRIES + 1);
        cache.remove_unused_entries(&kept);
        assert_eq!(count(), SPARE_ENTRIES + 1);
        store(SPARE_ENTRIES + 2);
        cache.remove_unused_entries(&kept);
        assert_eq!(count(), 1);
        assert!(cache.directory.join(kept_name).exists());
    }
}
