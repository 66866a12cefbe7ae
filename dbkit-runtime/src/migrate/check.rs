//! The files against the history, without a database: each migration's
//! state for `status`, and the checks that stop a run before it applies
//! anything (changed, missing and out-of-order files).

use super::error::MigrateError;
use super::history::HistoryRow;
use super::migration::Migration;
use std::cmp::Ordering;

/// Where one migration stands in a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MigrationState {
    /// Applied, and its file is as it was applied.
    Applied,
    /// Not applied yet; newer than every applied migration.
    Pending,
    /// Applied, but its file changed since (refinery's checksum differs).
    Changed,
    /// Applied, but no file has its version: the database knows a
    /// migration the folder does not.
    Unknown,
    /// Not applied, but older than the newest applied migration (typically
    /// merged from another branch); a run refuses it.
    OutOfOrder,
}

impl MigrationState {
    /// Whether this state is a problem or work to do (anything but
    /// [`MigrationState::Applied`]).
    pub fn needs_attention(self) -> bool {
        self != MigrationState::Applied
    }
}

/// One migration, from its file, its history row or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Its version.
    pub version: i32,
    /// Its name: the file's, or the history's when there is no file.
    pub name: String,
    /// The file name; `None` when the migration is [`MigrationState::Unknown`].
    pub file_name: Option<String>,
    /// Where it stands.
    pub state: MigrationState,
    /// When it was applied, as recorded; `None` when it is not applied.
    pub applied_on: Option<String>,
}

/// Every migration of the folder and of the history, sorted by version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// One entry per version.
    pub migrations: Vec<MigrationStatus>,
}

impl Status {
    /// Whether every migration is applied and unchanged, and the database
    /// knows none that the folder lacks.
    pub fn is_clean(&self) -> bool {
        !self
            .migrations
            .iter()
            .any(|migration| migration.state.needs_attention())
    }

    /// How many migrations are in `state`.
    pub fn count(&self, state: MigrationState) -> usize {
        self.migrations
            .iter()
            .filter(|migration| migration.state == state)
            .count()
    }
}

/// A version seen in the files, the history or both.
struct Joined<'m, 'h> {
    migration: Option<&'m Migration>,
    row: Option<&'h HistoryRow>,
}

/// Merges the files and the history, both sorted by version.
fn join<'m, 'h>(migrations: &'m [Migration], history: &'h [HistoryRow]) -> Vec<Joined<'m, 'h>> {
    let mut joined = Vec::with_capacity(migrations.len().max(history.len()));
    let (mut files, mut rows) = (migrations.iter().peekable(), history.iter().peekable());
    loop {
        let order = match (files.peek(), rows.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(file), Some(row)) => file.version.cmp(&row.version),
        };
        joined.push(match order {
            Ordering::Less => Joined {
                migration: files.next(),
                row: None,
            },
            Ordering::Greater => Joined {
                migration: None,
                row: rows.next(),
            },
            Ordering::Equal => Joined {
                migration: files.next(),
                row: rows.next(),
            },
        });
    }
    joined
}

fn state(joined: &Joined<'_, '_>, newest_applied: Option<i32>) -> MigrationState {
    match (joined.migration, joined.row) {
        (Some(migration), Some(row)) if migration.checksum.to_string() == row.checksum => {
            MigrationState::Applied
        }
        (Some(_), Some(_)) => MigrationState::Changed,
        (None, _) => MigrationState::Unknown,
        (Some(migration), None) => match newest_applied {
            Some(newest) if migration.version < newest => MigrationState::OutOfOrder,
            _ => MigrationState::Pending,
        },
    }
}

/// The state of every migration of `migrations` and `history` (both sorted
/// by version).
pub(crate) fn classify(migrations: &[Migration], history: &[HistoryRow]) -> Status {
    let newest_applied = history.last().map(|row| row.version);
    let migrations = join(migrations, history)
        .iter()
        .map(|joined| {
            let (version, name) = match (joined.migration, joined.row) {
                (Some(migration), _) => (migration.version, migration.name.clone()),
                (None, Some(row)) => (row.version, row.name.clone()),
                (None, None) => (0, String::new()),
            };
            MigrationStatus {
                version,
                name,
                file_name: joined
                    .migration
                    .map(|migration| migration.file_name.clone()),
                state: state(joined, newest_applied),
                applied_on: joined.row.map(|row| row.applied_on.clone()),
            }
        })
        .collect();
    Status { migrations }
}

/// The migrations to apply, up to `target` when given, after checking that
/// the applied ones are unchanged and present and that no pending one is
/// older than them. The first problem in version order is the error.
pub(crate) fn pending_migrations<'a>(
    migrations: &'a [Migration],
    history: &[HistoryRow],
    target: Option<i32>,
) -> Result<Vec<&'a Migration>, MigrateError> {
    if let Some(target) = target
        && !migrations
            .iter()
            .any(|migration| migration.version == target)
    {
        return Err(MigrateError::UnknownTarget { target });
    }
    let newest_applied = history.last().map(|row| row.version);
    let joined = join(migrations, history);
    for entry in &joined {
        match (entry.migration, entry.row, state(entry, newest_applied)) {
            (Some(migration), Some(row), MigrationState::Changed) => {
                return Err(MigrateError::ChangedAfterApply {
                    file: migration.file_name.clone(),
                    applied: row.checksum.clone(),
                    embedded: migration.checksum,
                });
            }
            (None, Some(row), MigrationState::Unknown) => {
                return Err(MigrateError::MissingAppliedFile {
                    version: row.version,
                    name: row.name.clone(),
                });
            }
            _ => {}
        }
    }
    let mut pending = Vec::new();
    for entry in &joined {
        let Some(migration) = entry.migration else {
            continue;
        };
        match state(entry, newest_applied) {
            MigrationState::OutOfOrder => {
                return Err(MigrateError::OutOfOrder {
                    file: migration.file_name.clone(),
                    newest_applied: newest_applied.unwrap_or_default(),
                });
            }
            MigrationState::Pending if target.is_none_or(|target| migration.version <= target) => {
                pending.push(migration);
            }
            _ => {}
        }
    }
    Ok(pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: i32, sql: &str) -> Migration {
        let file_name = format!("V{version}__m{version}.sql");
        match Migration::from_file(&file_name, sql.to_string()) {
            Some(Ok(migration)) => migration,
            other => panic!("{file_name}: {other:?}"),
        }
    }

    fn applied(migration: &Migration) -> HistoryRow {
        HistoryRow {
            version: migration.version,
            name: migration.name.clone(),
            applied_on: "2026-01-01T00:00:00.000000Z".to_string(),
            checksum: migration.checksum.to_string(),
        }
    }

    fn states(migrations: &[Migration], history: &[HistoryRow]) -> Vec<(i32, MigrationState)> {
        classify(migrations, history)
            .migrations
            .iter()
            .map(|migration| (migration.version, migration.state))
            .collect()
    }

    fn versions(pending: Result<Vec<&Migration>, MigrateError>) -> Vec<i32> {
        match pending {
            Ok(pending) => pending.iter().map(|migration| migration.version).collect(),
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn every_state_is_told_apart() {
        let files = [
            file(1, "A"),
            file(2, "B"),
            file(3, "C"),
            file(5, "E"),
            file(6, "F"),
        ];
        let mut changed = applied(&files[1]);
        changed.checksum = "1".to_string();
        let unknown = HistoryRow {
            version: 4,
            name: "gone".to_string(),
            applied_on: "x".to_string(),
            checksum: "2".to_string(),
        };
        let history = [applied(&files[0]), changed, unknown, applied(&files[3])];
        use MigrationState::*;
        assert_eq!(
            states(&files, &history),
            [
                (1, Applied),
                (2, Changed),
                (3, OutOfOrder),
                (4, Unknown),
                (5, Applied),
                (6, Pending)
            ]
        );
        let status = classify(&files, &history);
        assert!(!status.is_clean());
        assert_eq!(status.count(Applied), 2);
        assert_eq!(status.migrations[3].file_name, None);
        assert_eq!(status.migrations[3].name, "gone");
        assert_eq!(status.migrations[5].applied_on, None);
    }

    #[test]
    fn an_up_to_date_database_is_clean_and_an_empty_one_all_pending() {
        let files = [file(1, "A"), file(2, "B")];
        let history: Vec<HistoryRow> = files.iter().map(applied).collect();
        assert!(classify(&files, &history).is_clean());
        assert!(versions(pending_migrations(&files, &history, None)).is_empty());
        assert_eq!(
            states(&files, &[]),
            [(1, MigrationState::Pending), (2, MigrationState::Pending)]
        );
        assert!(classify(&[], &[]).is_clean());
    }

    #[test]
    fn a_target_stops_the_pending_list_and_must_exist() {
        let files = [file(1, "A"), file(2, "B"), file(4, "D")];
        let history = [applied(&files[0])];
        assert_eq!(versions(pending_migrations(&files, &history, Some(2))), [2]);
        assert_eq!(
            versions(pending_migrations(&files, &history, Some(1))),
            [] as [i32; 0]
        );
        assert_eq!(versions(pending_migrations(&files, &history, None)), [2, 4]);
        assert!(matches!(
            pending_migrations(&files, &history, Some(3)),
            Err(MigrateError::UnknownTarget { target: 3 })
        ));
    }

    #[test]
    fn the_first_problem_stops_the_run() {
        let files = [file(1, "A"), file(2, "B"), file(3, "C")];
        let mut changed = applied(&files[1]);
        changed.checksum = "1".to_string();
        let error = pending_migrations(&files, &[applied(&files[0]), changed], None);
        assert!(
            matches!(&error, Err(MigrateError::ChangedAfterApply { file, .. }) if file == "V2__m2.sql"),
            "{error:?}"
        );
        let error = pending_migrations(&files[1..], &[applied(&files[0])], None);
        assert!(
            matches!(
                error,
                Err(MigrateError::MissingAppliedFile { version: 1, .. })
            ),
            "{error:?}"
        );
        let error = pending_migrations(&files, &[applied(&files[0]), applied(&files[2])], None);
        assert!(
            matches!(&error, Err(MigrateError::OutOfOrder { file, newest_applied: 3 }) if file == "V2__m2.sql"),
            "{error:?}"
        );
    }
}
