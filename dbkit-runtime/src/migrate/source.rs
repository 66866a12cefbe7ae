//! Where migrations come from: a folder embedded by `embed_migrations!`, or
//! a folder read at run time (what `cargo dbkit migrate` applies).

use super::error::MigrateError;
use super::migration::{Migration, sort_migrations};
use include_dir::Dir;
use std::borrow::Cow;
use std::path::Path;

/// A set of `V<n>__<name>.sql` migrations: a folder embedded in the binary
/// by [`embed_migrations!`](crate::embed_migrations), or one read at run
/// time by [`Migrations::from_directory`]. `meta/` and any file not named
/// `V<n>__<name>.sql` are ignored. Both follow symbolic links whose target
/// is inside the folder and refuse links that leave it, dangle or loop.
#[derive(Debug, Clone)]
pub struct Migrations {
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// Read (and checksummed) on each use, borrowing the embedded text.
    Embedded(&'static Dir<'static>),
    /// Read once, sorted and checked.
    Loaded(Vec<Migration>),
}

impl Migrations {
    #[doc(hidden)]
    pub const fn __from_embedded_directory(directory: &'static Dir<'static>) -> Migrations {
        Migrations {
            source: Source::Embedded(directory),
        }
    }

    /// Reads the `V<n>__<name>.sql` files of `directory` (not its
    /// subfolders), as `embed_migrations!` would embed them.
    pub fn from_directory(directory: impl AsRef<Path>) -> Result<Migrations, MigrateError> {
        let directory = directory.as_ref();
        let unreadable = |error: std::io::Error| MigrateError::ReadDirectory {
            directory: directory.display().to_string(),
            reason: error.to_string(),
        };
        let entries = std::fs::read_dir(directory).map_err(unreadable)?;
        if let Some(refused) = dbkit_migrations_folder::refused_links(directory)
            .into_iter()
            .next()
        {
            return Err(MigrateError::RefusedLink {
                directory: directory.display().to_string(),
                link: refused.to_string(),
                help: refused.help().to_string(),
            });
        }
        let mut migrations = Vec::new();
        for entry in entries {
            let entry = entry.map_err(unreadable)?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            // Links inside the folder are followed, as the macro follows them.
            if super::migration::parse_file_name(file_name).is_none()
                || !dbkit_migrations_folder::is_file(&entry.path())
            {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(|error| MigrateError::InvalidFile {
                file: file_name.to_string(),
                reason: error.to_string(),
            })?;
            let sql = String::from_utf8(bytes).map_err(|_| MigrateError::InvalidFile {
                file: file_name.to_string(),
                reason: "it is not UTF-8".to_string(),
            })?;
            if let Some(migration) = Migration::from_file(file_name, sql) {
                migrations.push(migration?);
            }
        }
        Migrations::from_migrations(migrations)
    }

    /// Migrations built in memory, sorted by version; two with one version
    /// are refused.
    pub fn from_migrations(mut migrations: Vec<Migration>) -> Result<Migrations, MigrateError> {
        sort_migrations(&mut migrations)?;
        Ok(Migrations {
            source: Source::Loaded(migrations),
        })
    }

    /// The migrations, sorted by version.
    pub fn migrations(&self) -> Result<Vec<Migration>, MigrateError> {
        self.sorted().map(Cow::into_owned)
    }

    /// The migrations, sorted by version, borrowed when they were loaded
    /// already.
    pub(crate) fn sorted(&self) -> Result<Cow<'_, [Migration]>, MigrateError> {
        match &self.source {
            Source::Loaded(migrations) => Ok(Cow::Borrowed(migrations)),
            Source::Embedded(directory) => {
                let mut migrations = Vec::new();
                for file in directory.files() {
                    let Some(file_name) = file.path().file_name().and_then(|name| name.to_str())
                    else {
                        continue;
                    };
                    if super::migration::parse_file_name(file_name).is_none() {
                        continue;
                    }
                    let sql = file
                        .contents_utf8()
                        .ok_or_else(|| MigrateError::InvalidFile {
                            file: file_name.to_string(),
                            reason: "it is not UTF-8".to_string(),
                        })?;
                    if let Some(migration) = Migration::from_file(file_name, sql) {
                        migrations.push(migration?);
                    }
                }
                sort_migrations(&mut migrations)?;
                Ok(Cow::Owned(migrations))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Migrations;
    use crate::migrate::MigrateError;

    fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let directory = tempfile::tempdir().expect("temporary folder");
        for (name, text) in files {
            let path = directory.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("folder");
            }
            std::fs::write(path, text).expect("write");
        }
        directory
    }

    #[test]
    fn a_folder_read_at_run_time_holds_its_refinery_named_files_sorted() {
        let directory = folder(&[
            ("V10__ten.sql", b"SELECT 10;"),
            ("V2__two.sql", b"-- dbkit:no-transaction\nSELECT 2;"),
            ("meta/V2__two.json", b"{}"),
            ("README.md", b"notes"),
            ("V3_bad_name.sql", b"SELECT 3;"),
        ]);
        let migrations = Migrations::from_directory(directory.path())
            .and_then(|migrations| migrations.migrations())
            .expect("migrations");
        let names: Vec<(&str, bool)> = migrations
            .iter()
            .map(|migration| (migration.file_name.as_str(), migration.no_transaction))
            .collect();
        assert_eq!(names, [("V2__two.sql", true), ("V10__ten.sql", false)]);
        assert_eq!(migrations[1].sql, "SELECT 10;");
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_the_folder_are_followed() {
        let directory = folder(&[
            ("V1__a.sql", b"SELECT 1;"),
            ("shared/two.sql", b"SELECT 2;"),
        ]);
        std::os::unix::fs::symlink("shared/two.sql", directory.path().join("V2__linked.sql"))
            .expect("link");
        let migrations = Migrations::from_directory(directory.path())
            .and_then(|migrations| migrations.migrations())
            .expect("migrations");
        let names: Vec<(&str, &str)> = migrations
            .iter()
            .map(|migration| (migration.file_name.as_str(), &*migration.sql))
            .collect();
        assert_eq!(
            names,
            [("V1__a.sql", "SELECT 1;"), ("V2__linked.sql", "SELECT 2;")]
        );
    }

    #[test]
    fn a_folder_with_problems_is_refused() {
        let missing = Migrations::from_directory("/nonexistent/dbkit/migrations");
        assert!(
            matches!(missing, Err(MigrateError::ReadDirectory { .. })),
            "{missing:?}"
        );
        let duplicate = folder(&[("V1__a.sql", b"SELECT 1;"), ("V01__b.sql", b"SELECT 1;")]);
        let error = Migrations::from_directory(duplicate.path()).expect_err("duplicate");
        assert!(
            matches!(error, MigrateError::DuplicateVersion { version: 1, .. }),
            "{error:?}"
        );
        #[cfg(unix)]
        {
            let outside = folder(&[("V2__secret.sql", b"SELECT 2;")]);
            let leaving = folder(&[("V1__a.sql", b"SELECT 1;")]);
            std::os::unix::fs::symlink(
                outside.path().join("V2__secret.sql"),
                leaving.path().join("V2__linked.sql"),
            )
            .expect("link");
            let error = Migrations::from_directory(leaving.path()).expect_err("leaves");
            assert!(
                matches!(&error, MigrateError::RefusedLink { link, .. } if link.contains("`V2__linked.sql` points outside")),
                "{error:?}"
            );
            let looping = folder(&[]);
            std::os::unix::fs::symlink(".", looping.path().join("up")).expect("link");
            let error = Migrations::from_directory(looping.path()).expect_err("loops");
            assert!(error.to_string().contains("`up` loops"), "{error}");
        }
        let binary = folder(&[("V1__a.sql", b"\xff\xfe")]);
        let error = Migrations::from_directory(binary.path()).expect_err("not UTF-8");
        assert!(error.to_string().contains("not UTF-8"), "{error}");
    }
}
