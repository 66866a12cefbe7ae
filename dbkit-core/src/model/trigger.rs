//! Triggers on tables (`CREATE TRIGGER`), declared on the table's struct.
//!
//! A trigger is known by its table and name. Its parts are typed, the way
//! `pg_trigger` keeps them (`tgtype`'s bits, `tgattr`, `tgargs`), so the
//! renderer writes the statement and the introspector reads it back
//! without either parsing `CREATE TRIGGER` text; only the `WHEN`
//! condition is SQL, compared like a check's expression.

use super::{QualifiedName, SourceLocation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub table: QualifiedName,
    pub timing: TriggerTiming,
    /// At least one, in the order of [`TriggerEvent`] (the order
    /// PostgreSQL prints them in).
    pub events: Vec<TriggerEvent>,
    /// `UPDATE OF columns`: empty for any column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// `FOR EACH ROW` rather than `FOR EACH STATEMENT`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub for_each_row: bool,
    /// The `WHEN` condition, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The trigger function.
    pub function: QualifiedName,
    /// The arguments the function gets in `TG_ARGV`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Trigger {
    /// A `FOR EACH STATEMENT` trigger with no condition nor arguments.
    pub fn new(
        name: impl Into<String>,
        table: QualifiedName,
        timing: TriggerTiming,
        events: Vec<TriggerEvent>,
        function: QualifiedName,
    ) -> Self {
        let mut events = events;
        events.sort();
        events.dedup();
        Trigger {
            name: name.into(),
            table,
            timing,
            events,
            columns: Vec::new(),
            for_each_row: false,
            when: None,
            function,
            arguments: Vec::new(),
            source: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

impl TriggerTiming {
    pub fn keyword(self) -> &'static str {
        match self {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    }

    /// The DSL's word: `before`, `after`, `instead_of`.
    pub fn word(self) -> &'static str {
        match self {
            TriggerTiming::Before => "before",
            TriggerTiming::After => "after",
            TriggerTiming::InsteadOf => "instead_of",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

impl TriggerEvent {
    pub const ALL: [TriggerEvent; 4] = [
        TriggerEvent::Insert,
        TriggerEvent::Update,
        TriggerEvent::Delete,
        TriggerEvent::Truncate,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        }
    }

    /// The DSL's word: `insert`, `update`, `delete`, `truncate`.
    pub fn word(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "insert",
            TriggerEvent::Update => "update",
            TriggerEvent::Delete => "delete",
            TriggerEvent::Truncate => "truncate",
        }
    }
}
