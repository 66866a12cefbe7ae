//! Findings: as the rules produce them, and as the lint returns them.

use serde::Serialize;

use super::rules::Severity;
use super::source::Position;

/// One problem the lint found in a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// The id of the rule that found it (see [`RULES`](super::RULES)).
    pub rule: &'static str,
    /// Its severity under the configuration in use; never `Off`.
    pub severity: Severity,
    /// The 1-based line of the file where the offending statement or
    /// clause starts.
    pub line: u32,
    /// The 1-based column (in characters) where it starts.
    pub column: u32,
    /// What the statement does, naming the table, index or column.
    pub message: String,
    /// Why it hurts: the lock it takes, what that lock blocks, or what
    /// fails.
    pub why: String,
    /// The safe alternative, with SQL, or how to silence the finding when
    /// the statement is what is wanted.
    pub help: String,
}

/// A finding before configuration and `-- dbkit:allow(…)` comments apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFinding {
    pub rule: &'static str,
    pub position: Position,
    /// The line the statement's code starts on: an allow comment above it
    /// silences the statement's findings on other lines too.
    pub statement_line: u32,
    pub message: String,
    pub why: String,
    pub help: String,
}

/// The findings of one file, in the order the rules report them.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub raw: Vec<RawFinding>,
}

impl Findings {
    pub fn push(&mut self, finding: RawFinding) {
        self.raw.push(finding);
    }
}
