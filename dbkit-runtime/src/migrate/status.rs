//! The files against the history, without a database: each migration's
//! state for `status`, and the checks that stop a run before it applies
//! anything (changed, missing and out-of-order files, transaction control
//! in a transactional migration), with the future migrations a run
//! tolerates.

use super::error::MigrateError;
use super::history::HistoryRow;
use super::migration::Migration;
use dbkit_core::sql_split::sql_statements;
use dbkit_core::transaction_control::transaction_control;
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

/// What a run does about applied migrations newer than every migration
/// it knows (future migrations: a newer release applied them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum FutureMigrations {
    /// Tolerated, so that an older replica still starts during a rolling
    /// deploy or a rollback; the run tells about them.
    #[default]
    Allow,
    /// An error, like any applied migration without a file.
    Refuse,
}

/// What a run would do: the migrations to apply, in order, and the future
/// migrations it tolerates.
#[derive(Debug)]
pub(crate) struct Plan<'m, 'h> {
    pub pending: Vec<&'m Migration>,
    /// Applied migrations newer than every migration known here (the
    /// newest rows of the history); empty unless they are allowed.
    pub future: &'h [HistoryRow],
}

/// The migrations to apply, up to `target` when given, after checking that
/// the applied ones are unchanged and present and that no pending one is
/// older than them. An applied migration without a file is allowed only
/// when it is newer than every migration here and `future` allows it; a
/// known migration still pending below it is out of order. The first
/// problem in version order is the error.
pub(crate) fn pending_migrations<'m, 'h>(
    migrations: &'m [Migration],
    history: &'h [HistoryRow],
    target: Option<i32>,
    future: FutureMigrations,
) -> Result<Plan<'m, 'h>, MigrateError> {
    if let Some(target) = target
        && !migrations
            .iter()
            .any(|migration| migration.version == target)
    {
        return Err(MigrateError::UnknownTarget { target });
    }
    let newest_known = migrations.last().map(|migration| migration.version);
    let is_future = |row: &HistoryRow| newest_known.is_none_or(|newest| row.version > newest);
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
            (None, Some(row), MigrationState::Unknown)
                if is_future(row) && future == FutureMigrations::Refuse =>
            {
                return Err(MigrateError::FutureMigration {
                    version: row.version,
                    name: row.name.clone(),
                    newest_known: newest_known.unwrap_or_default(),
                });
            }
            (None, Some(row), MigrationState::Unknown) if !is_future(row) => {
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
    let future_start = history.partition_point(|row| !is_future(row));
    Ok(Plan {
        pending,
        future: &history[future_start..],
    })
}

/// Refuses the first migration of `pending` that runs in a transaction
/// but holds a statement controlling the transaction (`BEGIN`, `COMMIT`…):
/// it would end dbkit's transaction early, and a later failure would leave
/// part of it applied. Checked for every pending migration before the
/// first is applied, so that such a migration stops the run with nothing
/// applied. A `-- dbkit:no-transaction` migration may hold them.
pub(crate) fn refuse_transaction_statements(pending: &[&Migration]) -> Result<(), MigrateError> {
    for migration in pending.iter().filter(|migration| !migration.no_transaction) {
        for statement in sql_statements(&migration.sql) {
            if let Some(control) = transaction_control(statement.text) {
                return Err(MigrateError::TransactionStatement {
                    file: migration.file_name.clone(),
                    line: statement.line,
                    statement: control.keywords().to_string(),
                });
            }
        }
    }
    Ok(())
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

    fn versions(plan: Result<Plan<'_, '_>, MigrateError>) -> Vec<i32> {
        match plan {
            Ok(plan) => plan
                .pending
                .iter()
                .map(|migration| migration.version)
                .collect(),
            Err(error) => panic!("{error}"),
        }
    }

    fn pending_migrations<'m, 'h>(
        migrations: &'m [Migration],
        history: &'h [HistoryRow],
        target: Option<i32>,
    ) -> Result<Plan<'m, 'h>, MigrateError> {
        super::pending_migrations(migrations, history, target, FutureMigrations::Allow)
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
        let history = [applied(&files[0]), changed];
        let error = pending_migrations(&files, &history, None);
        assert!(
            matches!(&error, Err(MigrateError::ChangedAfterApply { file, .. }) if file == "V2__m2.sql"),
            "{error:?}"
        );
        let history = [applied(&files[0])];
        let error = pending_migrations(&files[1..], &history, None);
        assert!(
            matches!(
                error,
                Err(MigrateError::MissingAppliedFile { version: 1, .. })
            ),
            "{error:?}"
        );
        let history = [applied(&files[0]), applied(&files[2])];
        let error = pending_migrations(&files, &history, None);
        assert!(
            matches!(&error, Err(MigrateError::OutOfOrder { file, newest_applied: 3 }) if file == "V2__m2.sql"),
            "{error:?}"
        );
    }

    #[test]
    fn future_migrations_are_tolerated_unless_refused_and_older_unknown_ones_never() {
        let files = [file(1, "A"), file(2, "B")];
        let newer = HistoryRow {
            version: 3,
            name: "from_a_newer_release".to_string(),
            applied_on: "x".to_string(),
            checksum: "3".to_string(),
        };
        let history = [applied(&files[0]), applied(&files[1]), newer.clone()];
        let plan = super::pending_migrations(&files, &history, None, FutureMigrations::Allow)
            .expect("future migrations are allowed");
        assert!(plan.pending.is_empty());
        assert_eq!(plan.future, &history[2..]);
        let refused = super::pending_migrations(&files, &history, None, FutureMigrations::Refuse);
        assert!(
            matches!(
                refused,
                Err(MigrateError::FutureMigration {
                    version: 3,
                    newest_known: 2,
                    ..
                })
            ),
            "{refused:?}"
        );
        let history = [applied(&files[0]), newer.clone()];
        let skipped = pending_migrations(&files, &history, None);
        assert!(
            matches!(&skipped, Err(MigrateError::OutOfOrder { file, newest_applied: 3 }) if file == "V2__m2.sql"),
            "{skipped:?}"
        );
        let gap = [file(1, "A"), file(2, "B"), file(4, "D")];
        let missing = pending_migrations(&gap, &history, None);
        assert!(
            matches!(
                missing,
                Err(MigrateError::MissingAppliedFile { version: 3, .. })
            ),
            "{missing:?}"
        );
    }

    #[test]
    fn transaction_control_is_refused_only_in_a_transactional_migration() {
        let inside = file(1, "CREATE TABLE a ();\n-- done\nCOMMIT;\nSAVEPOINT s;");
        let error = refuse_transaction_statements(&[&file(2, "SAVEPOINT s;"), &inside]);
        assert!(
            matches!(
                &error,
                Err(MigrateError::TransactionStatement { file, line: 3, statement })
                    if file == "V1__m1.sql" && statement == "COMMIT"
            ),
            "{error:?}"
        );
        let outside = file(3, "-- dbkit:no-transaction\nBEGIN;\nCOMMIT;");
        assert!(refuse_transaction_statements(&[&outside]).is_ok());
    }
}
