//! The rules of the lint: their ids, default severities and summaries, in one table.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a finding matters. `Error > Warning > Off`: the most severe of
/// several is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The migration is unsafe to apply to a database in use as written.
    Error,
    /// Worth a look: the statement is sometimes what is wanted.
    Warning,
    /// The rule is disabled; its findings are not reported.
    Off,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Off];

    /// The lowercase name used in configuration and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Off => "off",
        }
    }

    fn rank(self) -> u8 {
        match self {
            Severity::Off => 0,
            Severity::Warning => 1,
            Severity::Error => 2,
        }
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One rule of the lint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The kebab-case id used in configuration and in `-- dbkit:allow(…)`.
    pub id: &'static str,
    /// The severity when the configuration does not say otherwise.
    pub default_severity: Severity,
    /// One sentence: what the rule reports.
    pub summary: &'static str,
}

/// `CREATE INDEX` without `CONCURRENTLY` on an existing table.
pub const CREATE_INDEX_NON_CONCURRENTLY: &str = "create-index-non-concurrently";
/// `DROP INDEX` without `CONCURRENTLY` of an existing index.
pub const DROP_INDEX_NON_CONCURRENTLY: &str = "drop-index-non-concurrently";
/// `CONCURRENTLY` in a migration that runs in a transaction.
pub const CONCURRENTLY_IN_TRANSACTION: &str = "concurrently-in-transaction";
/// `BEGIN`, `COMMIT` or another transaction control statement in a
/// migration that runs in a transaction.
pub const TRANSACTION_STATEMENT: &str = "transaction-statement";
/// `ADD COLUMN … NOT NULL` without a default on an existing table.
pub const ADDING_NOT_NULL_COLUMN: &str = "adding-not-null-column";
/// `ALTER COLUMN … SET NOT NULL` on an existing table.
pub const SETTING_NOT_NULL: &str = "setting-not-null";
/// A foreign key or check constraint added to an existing table without `NOT VALID`.
pub const CONSTRAINT_MISSING_NOT_VALID: &str = "constraint-missing-not-valid";
/// A unique or primary key constraint added to an existing table without `USING INDEX`.
pub const ADDING_UNIQUE_CONSTRAINT: &str = "adding-unique-constraint";
/// `ALTER COLUMN … TYPE` that may rewrite the table.
pub const CHANGING_COLUMN_TYPE: &str = "changing-column-type";
/// `ADD COLUMN` whose value is computed row by row: the table is rewritten.
pub const ADDING_VOLATILE_DEFAULT: &str = "adding-volatile-default";
/// `DROP TABLE`.
pub const DROPPING_TABLE: &str = "dropping-table";
/// `ALTER TABLE … DROP COLUMN`.
pub const DROPPING_COLUMN: &str = "dropping-column";
/// `DROP SCHEMA`.
pub const DROPPING_SCHEMA: &str = "dropping-schema";
/// `ALTER TABLE … RENAME TO`.
pub const RENAMING_TABLE: &str = "renaming-table";
/// `ALTER TABLE … RENAME COLUMN`.
pub const RENAMING_COLUMN: &str = "renaming-column";
/// `ALTER TYPE … ADD VALUE` without `BEFORE` or `AFTER`.
pub const ENUM_VALUE_WITHOUT_POSITION: &str = "enum-value-without-position";
/// An identifier longer than PostgreSQL's 63 bytes.
pub const IDENTIFIER_TOO_LONG: &str = "identifier-too-long";
/// No `SET lock_timeout` before the first statement that takes a heavy lock.
pub const REQUIRE_LOCK_TIMEOUT: &str = "require-lock-timeout";
/// No `SET statement_timeout` before the first statement that holds a
/// heavy lock while it reads or rewrites a table.
pub const REQUIRE_STATEMENT_TIMEOUT: &str = "require-statement-timeout";
/// `VALIDATE CONSTRAINT` in the transaction that added the constraint
/// `NOT VALID`.
pub const VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION: &str =
    "validating-constraint-in-same-transaction";
/// `ADD … EXCLUDE` on an existing table.
pub const ADDING_EXCLUSION_CONSTRAINT: &str = "adding-exclusion-constraint";
/// `SET TABLESPACE` of an existing table or index.
pub const SETTING_TABLESPACE: &str = "setting-tablespace";
/// `SET LOGGED` or `SET UNLOGGED` of an existing table.
pub const CHANGING_TABLE_PERSISTENCE: &str = "changing-table-persistence";
/// `REINDEX` without `CONCURRENTLY`.
pub const REINDEX_NON_CONCURRENTLY: &str = "reindex-non-concurrently";
/// `UPDATE` of every row of an existing table in one statement.
pub const UPDATING_WHOLE_TABLE: &str = "updating-whole-table";
/// `DROP DATABASE`.
pub const DROPPING_DATABASE: &str = "dropping-database";
/// `ALTER INDEX … RENAME TO` of an existing index.
pub const RENAMING_INDEX: &str = "renaming-index";
/// `ALTER TYPE … RENAME VALUE` of an existing enum.
pub const RENAMING_ENUM_VALUE: &str = "renaming-enum-value";
/// A statement the parser could not read.
pub const UNPARSED_STATEMENT: &str = "unparsed-statement";
/// A `-- dbkit:allow(…)` comment naming no rule of the lint.
pub const UNKNOWN_RULE_IN_ALLOW: &str = "unknown-rule-in-allow";

/// Every rule of the lint, in the order the module documentation gives them.
pub const RULES: &[Rule] = &[
    Rule {
        id: CREATE_INDEX_NON_CONCURRENTLY,
        default_severity: Severity::Error,
        summary: "CREATE INDEX without CONCURRENTLY on a table that already exists blocks every write to it while the index is built",
    },
    Rule {
        id: DROP_INDEX_NON_CONCURRENTLY,
        default_severity: Severity::Error,
        summary: "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table",
    },
    Rule {
        id: CONCURRENTLY_IN_TRANSACTION,
        default_severity: Severity::Error,
        summary: "CREATE/DROP INDEX CONCURRENTLY in a migration without the `-- dbkit:no-transaction` marker fails: it cannot run in a transaction",
    },
    Rule {
        id: TRANSACTION_STATEMENT,
        default_severity: Severity::Error,
        summary: "BEGIN, COMMIT, ROLLBACK or another transaction control statement in a migration without the `-- dbkit:no-transaction` marker ends dbkit's own transaction early: dbkit refuses to run it",
    },
    Rule {
        id: ADDING_NOT_NULL_COLUMN,
        default_severity: Severity::Error,
        summary: "ADD COLUMN … NOT NULL without a DEFAULT fails on a table that has rows",
    },
    Rule {
        id: SETTING_NOT_NULL,
        default_severity: Severity::Error,
        summary: "ALTER COLUMN … SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
    },
    Rule {
        id: CONSTRAINT_MISSING_NOT_VALID,
        default_severity: Severity::Error,
        summary: "a FOREIGN KEY or CHECK added to an existing table without NOT VALID is validated by a full scan while the table is locked",
    },
    Rule {
        id: ADDING_UNIQUE_CONSTRAINT,
        default_severity: Severity::Error,
        summary: "a UNIQUE or PRIMARY KEY constraint added to an existing table without USING INDEX builds its index under an ACCESS EXCLUSIVE lock",
    },
    Rule {
        id: CHANGING_COLUMN_TYPE,
        default_severity: Severity::Error,
        summary: "ALTER COLUMN … TYPE rewrites the table under an ACCESS EXCLUSIVE lock unless the change only widens the type",
    },
    Rule {
        id: VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION,
        default_severity: Severity::Error,
        summary: "VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID scans the table while that transaction still holds the lock ADD CONSTRAINT took",
    },
    Rule {
        id: ADDING_EXCLUSION_CONSTRAINT,
        default_severity: Severity::Error,
        summary: "an EXCLUDE constraint added to an existing table builds its index and checks every row under an ACCESS EXCLUSIVE lock",
    },
    Rule {
        id: ADDING_VOLATILE_DEFAULT,
        default_severity: Severity::Error,
        summary: "ADD COLUMN with a volatile default, a serial type, an identity or a stored generated expression rewrites the table under an ACCESS EXCLUSIVE lock",
    },
    Rule {
        id: SETTING_TABLESPACE,
        default_severity: Severity::Error,
        summary: "SET TABLESPACE copies a table or index to another tablespace under an ACCESS EXCLUSIVE lock",
    },
    Rule {
        id: CHANGING_TABLE_PERSISTENCE,
        default_severity: Severity::Error,
        summary: "SET LOGGED or SET UNLOGGED rewrites the table under an ACCESS EXCLUSIVE lock",
    },
    Rule {
        id: REINDEX_NON_CONCURRENTLY,
        default_severity: Severity::Error,
        summary: "REINDEX without CONCURRENTLY blocks writes to the table, and queries that use the index, while it rebuilds",
    },
    Rule {
        id: DROPPING_DATABASE,
        default_severity: Severity::Error,
        summary: "DROP DATABASE in a migration deletes a whole database",
    },
    Rule {
        id: DROPPING_TABLE,
        default_severity: Severity::Warning,
        summary: "DROP TABLE deletes its data and breaks code still reading it",
    },
    Rule {
        id: DROPPING_COLUMN,
        default_severity: Severity::Warning,
        summary: "DROP COLUMN deletes its data and breaks code still reading it",
    },
    Rule {
        id: DROPPING_SCHEMA,
        default_severity: Severity::Warning,
        summary: "DROP SCHEMA deletes what it holds and breaks code still using it",
    },
    Rule {
        id: RENAMING_TABLE,
        default_severity: Severity::Warning,
        summary: "renaming a table breaks running code that still uses the old name",
    },
    Rule {
        id: RENAMING_COLUMN,
        default_severity: Severity::Warning,
        summary: "renaming a column breaks running code that still uses the old name",
    },
    Rule {
        id: RENAMING_INDEX,
        default_severity: Severity::Warning,
        summary: "renaming an index breaks what names it: query hints, maintenance jobs, later migrations",
    },
    Rule {
        id: RENAMING_ENUM_VALUE,
        default_severity: Severity::Warning,
        summary: "renaming an enum value breaks running code that still writes or compares the old label",
    },
    Rule {
        id: UPDATING_WHOLE_TABLE,
        default_severity: Severity::Warning,
        summary: "an UPDATE of every row of an existing table in one statement holds all their row locks until the migration commits",
    },
    Rule {
        id: ENUM_VALUE_WITHOUT_POSITION,
        default_severity: Severity::Warning,
        summary: "ALTER TYPE … ADD VALUE without BEFORE or AFTER puts the value after every existing one in the enum's sort order",
    },
    Rule {
        id: IDENTIFIER_TOO_LONG,
        default_severity: Severity::Error,
        summary: "an identifier over 63 bytes is silently truncated by PostgreSQL",
    },
    Rule {
        id: REQUIRE_LOCK_TIMEOUT,
        default_severity: Severity::Warning,
        summary: "a migration that takes a heavy lock on an existing object sets no lock_timeout first",
    },
    Rule {
        id: REQUIRE_STATEMENT_TIMEOUT,
        default_severity: Severity::Warning,
        summary: "a migration that holds a heavy lock while it reads or rewrites a table sets no statement_timeout first",
    },
    Rule {
        id: UNPARSED_STATEMENT,
        default_severity: Severity::Warning,
        summary: "a statement the lint's SQL parser cannot read was not checked",
    },
    Rule {
        id: UNKNOWN_RULE_IN_ALLOW,
        default_severity: Severity::Warning,
        summary: "a `-- dbkit:allow(…)` comment names a rule that does not exist, or is malformed",
    },
];

/// The rule with this id.
pub fn find_rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// The ids of every rule, comma-separated, for messages.
pub(crate) fn rule_id_list() -> String {
    RULES
        .iter()
        .map(|rule| rule.id)
        .collect::<Vec<_>>()
        .join(", ")
}
