//! Writes the schema modules as one set: every file is written to a
//! temporary file in its folder first, and only once all of them are
//! complete are they renamed into place, so a failure while writing (a full
//! disk, a folder that cannot be created) leaves the folder as it was. The
//! renames, within one folder, do not fail short of the folder vanishing.

use crate::workspace::migrations_folder::TEMPORARY_FILE_PREFIX;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A file to write and its text.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub text: String,
}

/// Why the set could not be written; nothing of it is left.
#[derive(Debug, thiserror::Error)]
#[error("could not write {path}: {source}")]
pub struct WriteSetError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// What [`write_file_set`] did, so that it can be undone.
#[derive(Debug, Default)]
pub struct WrittenSet {
    /// Files that did not exist before.
    pub created: Vec<PathBuf>,
    /// Files of an earlier `pull` replaced.
    pub replaced: Vec<PathBuf>,
    /// Files of an earlier `pull` removed because this one does not write them.
    pub removed: Vec<PathBuf>,
}

impl WrittenSet {
    /// Removes the files the set created (a later step failed). Replaced
    /// and removed files, which an earlier `pull` wrote, stay as they are:
    /// the next `pull` writes them again.
    pub fn remove_created(&self) {
        for path in &self.created {
            if let Err(error) = std::fs::remove_file(path) {
                tracing::warn!("could not remove {}: {error}", path.display());
            }
        }
    }
}

/// Writes `files` (creating their folders), then removes `stale`.
pub fn write_file_set(
    files: &[PlannedFile],
    stale: &[PathBuf],
) -> Result<WrittenSet, WriteSetError> {
    let mut temporaries = Vec::with_capacity(files.len());
    for file in files {
        let folder = file
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let error = |source| WriteSetError {
            path: file.path.clone(),
            source,
        };
        std::fs::create_dir_all(&folder).map_err(error)?;
        let mut temporary = tempfile::Builder::new()
            .prefix(TEMPORARY_FILE_PREFIX)
            .tempfile_in(&folder)
            .map_err(error)?;
        temporary.write_all(file.text.as_bytes()).map_err(error)?;
        temporary.as_file().sync_all().map_err(error)?;
        temporaries.push((file, temporary));
    }
    // Every file is complete on disk: from here on only renames.
    let mut written = WrittenSet::default();
    for (file, temporary) in temporaries {
        let existed = file.path.exists();
        if let Err(error) = temporary.persist(&file.path) {
            written.remove_created();
            return Err(WriteSetError {
                path: file.path.clone(),
                source: error.error,
            });
        }
        if existed {
            written.replaced.push(file.path.clone());
        } else {
            written.created.push(file.path.clone());
        }
    }
    for path in stale {
        match std::fs::remove_file(path) {
            Ok(()) => written.removed.push(path.clone()),
            Err(error) => tracing::warn!("could not remove {}: {error}", path.display()),
        }
    }
    let mut folders: Vec<&Path> = files.iter().filter_map(|file| file.path.parent()).collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        if let Err(error) = std::fs::File::open(folder).and_then(|folder| folder.sync_all()) {
            tracing::debug!("could not sync {}: {error}", folder.display());
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_written_and_stale_files_removed() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let folder = directory.path().join("src/schema");
        std::fs::create_dir_all(&folder).unwrap_or_else(|error| panic!("{error}"));
        std::fs::write(folder.join("old.rs"), "old").unwrap_or_else(|error| panic!("{error}"));
        std::fs::write(folder.join("mod.rs"), "before").unwrap_or_else(|error| panic!("{error}"));
        let files = vec![
            PlannedFile {
                path: folder.join("mod.rs"),
                text: "mod shop;\n".to_string(),
            },
            PlannedFile {
                path: folder.join("shop.rs"),
                text: "// shop\n".to_string(),
            },
        ];
        let written = write_file_set(&files, &[folder.join("old.rs")])
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(written.created, [folder.join("shop.rs")]);
        assert_eq!(written.replaced, [folder.join("mod.rs")]);
        assert!(!folder.join("old.rs").exists());
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("{error}"))
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|error| panic!("{error}"));
        names.sort();
        assert_eq!(names, ["mod.rs", "shop.rs"]);
        written.remove_created();
        assert!(!folder.join("shop.rs").exists());
    }
}
