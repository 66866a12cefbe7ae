//! The migration files embedded by `embed_migrations!`, read into versioned migrations.

use super::error::MigrateError;
use include_dir::Dir;

/// A folder of `V<n>__<name>.sql` files embedded in the binary.
///
/// Built by [`embed_migrations!`](crate::embed_migrations); `meta/` and any
/// other file are ignored.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    directory: &'static Dir<'static>,
}

/// One migration file.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The `<n>` of `V<n>__<name>.sql`.
    pub version: i32,
    /// The `<name>`.
    pub name: String,
    /// The file name, `V<n>__<name>.sql`.
    pub file_name: String,
    /// The file's text.
    pub sql: &'static str,
    /// refinery's checksum of the migration.
    pub checksum: u64,
    /// Whether the file's first line is the no-transaction marker.
    pub no_transaction: bool,
}

impl Migrations {
    #[doc(hidden)]
    pub const fn __from_embedded_directory(directory: &'static Dir<'static>) -> Migrations {
        Migrations { directory }
    }

    /// The migrations, sorted by version.
    pub fn migrations(&self) -> Result<Vec<Migration>, MigrateError> {
        let mut migrations = Vec::new();
        for file in self.directory.files() {
            let Some(file_name) = file.path().file_name().and_then(|name| name.to_str()) else {
                continue;
            };
            let Some((version, name)) = parse_file_name(file_name) else {
                continue;
            };
            let sql = file
                .contents_utf8()
                .ok_or_else(|| MigrateError::InvalidFile {
                    file: file_name.to_string(),
                    reason: "it is not UTF-8".to_string(),
                })?;
            let stem = file_name.trim_end_matches(".sql");
            let checksum = refinery::Migration::unapplied(stem, sql)
                .map_err(|error| MigrateError::InvalidFile {
                    file: file_name.to_string(),
                    reason: error.to_string(),
                })?
                .checksum();
            let no_transaction = sql
                .lines()
                .next()
                .is_some_and(|line| line.trim_end() == dbkit_core::render::NO_TRANSACTION_MARKER);
            migrations.push(Migration {
                version,
                name: name.to_string(),
                file_name: file_name.to_string(),
                sql,
                checksum,
                no_transaction,
            });
        }
        migrations.sort_by_key(|migration| migration.version);
        for pair in migrations.windows(2) {
            if pair[0].version == pair[1].version {
                return Err(MigrateError::DuplicateVersion {
                    version: pair[0].version,
                    first: pair[0].file_name.clone(),
                    second: pair[1].file_name.clone(),
                });
            }
        }
        Ok(migrations)
    }
}

/// `(n, name)` of `V<n>__<name>.sql`, or `None` for any other file name.
fn parse_file_name(file_name: &str) -> Option<(i32, &str)> {
    let stem = file_name.strip_suffix(".sql")?.strip_prefix('V')?;
    let (version, name) = stem.split_once("__")?;
    if version.is_empty() || !version.bytes().all(|byte| byte.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((version.parse().ok()?, name))
}

#[cfg(test)]
mod tests {
    use super::parse_file_name;

    #[test]
    fn only_refinery_names_are_migrations() {
        assert_eq!(parse_file_name("V1__init.sql"), Some((1, "init")));
        assert_eq!(
            parse_file_name("V12__add_users.sql"),
            Some((12, "add_users"))
        );
        assert_eq!(parse_file_name("V1_init.sql"), None);
        assert_eq!(parse_file_name("U1__init.sql"), None);
        assert_eq!(parse_file_name("V1__init.json"), None);
        assert_eq!(parse_file_name("Vx__init.sql"), None);
        assert_eq!(parse_file_name("V1__.sql"), None);
    }
}
