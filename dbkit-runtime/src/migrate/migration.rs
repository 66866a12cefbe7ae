//! One migration file: its refinery name, text, checksum and transaction marker.

use super::error::MigrateError;
use std::borrow::Cow;

/// One migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The `<n>` of `V<n>__<name>.sql`.
    pub version: i32,
    /// The `<name>`.
    pub name: String,
    /// The file name, `V<n>__<name>.sql`.
    pub file_name: String,
    /// The file's text: borrowed from the binary for embedded migrations,
    /// owned for migrations read from a folder at run time.
    pub sql: Cow<'static, str>,
    /// refinery's checksum of the migration.
    pub checksum: u64,
    /// Whether the file's first line is the no-transaction marker.
    pub no_transaction: bool,
}

impl Migration {
    /// The migration in the file `file_name` with the text `sql`, or `None`
    /// when the name is not refinery's `V<n>__<name>.sql` (such files are
    /// not migrations and are skipped).
    pub fn from_file(
        file_name: &str,
        sql: impl Into<Cow<'static, str>>,
    ) -> Option<Result<Migration, MigrateError>> {
        let (version, name) = parse_file_name(file_name)?;
        let sql = sql.into();
        let stem = file_name.trim_end_matches(".sql");
        let checksum = match refinery::Migration::unapplied(stem, &sql) {
            Ok(migration) => migration.checksum(),
            Err(error) => {
                return Some(Err(MigrateError::InvalidFile {
                    file: file_name.to_string(),
                    reason: error.to_string(),
                }));
            }
        };
        let no_transaction = sql
            .lines()
            .next()
            .is_some_and(|line| line.trim_end() == dbkit_core::render::NO_TRANSACTION_MARKER);
        Some(Ok(Migration {
            version,
            name: name.to_string(),
            file_name: file_name.to_string(),
            sql,
            checksum,
            no_transaction,
        }))
    }
}

/// Sorts migrations by version and refuses two files with one version.
pub(crate) fn sort_migrations(migrations: &mut [Migration]) -> Result<(), MigrateError> {
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
    Ok(())
}

/// `(n, name)` of `V<n>__<name>.sql`, or `None` for any other file name.
pub(crate) fn parse_file_name(file_name: &str) -> Option<(i32, &str)> {
    let stem = file_name.strip_suffix(".sql")?.strip_prefix('V')?;
    let (version, name) = stem.split_once("__")?;
    if version.is_empty() || !version.bytes().all(|byte| byte.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((version.parse().ok()?, name))
}

#[cfg(test)]
mod tests {
    use super::{Migration, parse_file_name};

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
        assert_eq!(parse_file_name("V99999999999__too_big.sql"), None);
    }

    #[test]
    fn a_file_knows_its_checksum_and_marker() {
        let Some(Ok(migration)) = Migration::from_file(
            "V3__concurrently.sql",
            "-- dbkit:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n".to_string(),
        ) else {
            panic!("a migration");
        };
        assert_eq!(
            (migration.version, migration.name.as_str()),
            (3, "concurrently")
        );
        assert!(migration.no_transaction);
        let expected = refinery::Migration::unapplied("V3__concurrently", &migration.sql)
            .map(|migration| migration.checksum())
            .ok();
        assert_eq!(Some(migration.checksum), expected);
        assert!(Migration::from_file("notes.sql", "").is_none());
    }
}
