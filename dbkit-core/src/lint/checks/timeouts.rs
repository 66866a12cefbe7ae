//! `require-lock-timeout` and `require-statement-timeout`: the heavy locks
//! statements take, and the settings that bound how long a migration waits
//! for them and holds them.

use sqlparser::ast::{Expr, LockTableMode, ObjectName, Value};

use super::state::{FileState, StatementContext};
use crate::lint::findings::{Findings, RawFinding};
use crate::lint::rules::{
    ADDING_EXCLUSION_CONSTRAINT, ADDING_UNIQUE_CONSTRAINT, ADDING_VOLATILE_DEFAULT,
    CHANGING_COLUMN_TYPE, CHANGING_TABLE_PERSISTENCE, CONSTRAINT_MISSING_NOT_VALID,
    CREATE_INDEX_NON_CONCURRENTLY, REINDEX_NON_CONCURRENTLY, REQUIRE_LOCK_TIMEOUT,
    REQUIRE_STATEMENT_TIMEOUT, SETTING_NOT_NULL, SETTING_TABLESPACE, UPDATING_WHOLE_TABLE,
    VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION,
};

/// A lock that blocks queries on an object the file did not create.
pub(super) struct HeavyLock {
    /// The statement, in a few words (`ALTER TABLE "public"."users"`).
    pub(super) statement: String,
    /// The lock's name (`ACCESS EXCLUSIVE`).
    pub(super) lock: &'static str,
    /// The object locked, quoted.
    pub(super) object: String,
}

/// Whether `name` is the setting `setting` (lowercase).
pub(super) fn is_setting(name: &ObjectName, setting: &str) -> bool {
    matches!(name.0.as_slice(), [part]
        if part.as_ident().is_some_and(|ident| ident.value.eq_ignore_ascii_case(setting)))
}

/// Time zones whose offset is zero at every date, which is what lets
/// PostgreSQL keep the table when a column changes between `timestamp`
/// and `timestamptz`.
pub(super) const UTC_ZONES: &[&str] = &[
    "etc/gmt",
    "etc/uct",
    "etc/universal",
    "etc/utc",
    "etc/zulu",
    "gmt",
    "uct",
    "universal",
    "utc",
    "zulu",
];

pub(super) fn is_utc(value: &Expr) -> bool {
    match value {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(zone) => {
                UTC_ZONES.contains(&zone.to_ascii_lowercase().as_str())
            }
            Value::Number(number, _) => number.parse::<f64>().is_ok_and(|number| number == 0.0),
            _ => false,
        },
        Expr::Identifier(ident) => UTC_ZONES.contains(&ident.value.to_ascii_lowercase().as_str()),
        _ => false,
    }
}

/// `0` (in any unit) and `DEFAULT` (the server's default: no timeout) set
/// no timeout (of locks or of statements).
pub(super) fn disables_lock_timeout(value: &Expr) -> bool {
    match value {
        Expr::Value(value) => match &value.value {
            Value::Number(number, _) => number.parse::<f64>().is_ok_and(|number| number == 0.0),
            Value::SingleQuotedString(text) => {
                let text = text.trim();
                let digits_end = text
                    .find(|character: char| !character.is_ascii_digit())
                    .unwrap_or(text.len());
                let (digits, unit) = text.split_at(digits_end);
                !digits.is_empty()
                    && digits.bytes().all(|digit| digit == b'0')
                    && unit.trim().chars().all(char::is_alphabetic)
            }
            _ => false,
        },
        Expr::Identifier(ident) => ident.value.eq_ignore_ascii_case("default"),
        _ => false,
    }
}

pub(super) fn require_lock_timeout(
    lock: &HeavyLock,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    if state.lock_timeout_set || state.lock_timeout_reported {
        return;
    }
    state.lock_timeout_reported = true;
    let blocked = if lock.lock == "ACCESS EXCLUSIVE" {
        "every later query on it, reads included,"
    } else {
        "every later INSERT, UPDATE and DELETE on it"
    };
    let set = if state.no_transaction {
        "SET lock_timeout = '5s';"
    } else {
        "SET LOCAL lock_timeout = '5s';"
    };
    findings.push(RawFinding {
        rule: REQUIRE_LOCK_TIMEOUT,
        position: context.start,
        statement_line: context.start.line,
        message: format!(
            "{} takes {} {} lock on {} and the migration sets no lock_timeout before it",
            lock.statement,
            if lock.lock.starts_with('A') { "an" } else { "a" },
            lock.lock,
            lock.object
        ),
        why: format!(
            "while the statement waits for its lock (behind any long query or transaction that uses {}), {blocked} waits behind it: the table stops answering for as long as the wait lasts",
            lock.object
        ),
        help: format!(
            "start the migration with a lock timeout, so the statement gives up after a while (the migration fails and can be run again) instead of queueing everyone behind it:\n{set}"
        ),
    });
}

/// What a statement reported under `rule` does for as long as the table
/// is large, while it holds a lock that blocks the table's users; `None`
/// for a rule whose statements are quick or block nobody.
pub(super) fn long_under_lock(rule: &str) -> Option<&'static str> {
    Some(match rule {
        CREATE_INDEX_NON_CONCURRENTLY => "builds an index while it holds a SHARE lock",
        SETTING_NOT_NULL => "reads the whole table while it holds an ACCESS EXCLUSIVE lock",
        CONSTRAINT_MISSING_NOT_VALID => "checks every row while it holds its lock",
        ADDING_UNIQUE_CONSTRAINT | ADDING_EXCLUSION_CONSTRAINT => {
            "builds an index while it holds an ACCESS EXCLUSIVE lock"
        }
        CHANGING_COLUMN_TYPE | ADDING_VOLATILE_DEFAULT | CHANGING_TABLE_PERSISTENCE => {
            "rewrites the table while it holds an ACCESS EXCLUSIVE lock"
        }
        SETTING_TABLESPACE => "copies the table while it holds an ACCESS EXCLUSIVE lock",
        VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION => {
            "reads the whole table while its transaction holds the lock ADD CONSTRAINT took"
        }
        REINDEX_NON_CONCURRENTLY => "rebuilds indexes while it holds a SHARE lock",
        UPDATING_WHOLE_TABLE => "writes every row, each row lock held until the migration commits",
        _ => return None,
    })
}

pub(super) fn require_statement_timeout(
    what: &str,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    if state.statement_timeout_set || state.statement_timeout_reported {
        return;
    }
    state.statement_timeout_reported = true;
    let set = if state.no_transaction {
        "SET statement_timeout = '5min';"
    } else {
        "SET LOCAL statement_timeout = '5min';"
    };
    findings.push(RawFinding {
        rule: REQUIRE_STATEMENT_TIMEOUT,
        position: context.start,
        statement_line: context.start.line,
        message: format!(
            "this statement {what}, and the migration sets no statement_timeout before it"
        ),
        why: "its time grows with the table and nothing bounds it: on a table larger than expected, or a slower server, everyone who needs the table waits until the statement ends, however long that takes".to_string(),
        help: format!(
            "start the migration with a statement timeout long enough for the table's expected size, so a statement that takes longer fails (and the migration with it, to be run again at a quieter time or split) instead of holding the table:\n{set}"
        ),
    });
}

/// The name of a lock mode that blocks the table's writes or reads
/// (`SHARE` and stronger), or `None` for one that blocks neither.
pub(super) fn heavy_lock_mode(mode: &LockTableMode) -> Option<&'static str> {
    match mode {
        LockTableMode::Share => Some("SHARE"),
        LockTableMode::ShareRowExclusive => Some("SHARE ROW EXCLUSIVE"),
        LockTableMode::Exclusive => Some("EXCLUSIVE"),
        LockTableMode::AccessExclusive => Some("ACCESS EXCLUSIVE"),
        LockTableMode::AccessShare
        | LockTableMode::RowShare
        | LockTableMode::RowExclusive
        | LockTableMode::ShareUpdateExclusive => None,
    }
}
