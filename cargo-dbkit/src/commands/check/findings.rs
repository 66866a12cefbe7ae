//! One thing `check` found, whichever part found it.

use crate::output::diagnostics::{Diagnostic, Severity, SourceSpan};

/// Which part of `check` found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// The migrations folder itself.
    Integrity,
    /// A migration's SQL.
    Lint,
    /// Migrations replayed on a disposable server disagree with the snapshot.
    Replay,
    /// A live database disagrees with the snapshot of what it applied.
    Drift,
}

/// One finding: where, what, why it matters and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// A stable id (`branch-conflict`, a lint rule's id, `replay-difference`…),
    /// for JSON consumers and for silencing lint rules.
    pub rule: String,
    pub severity: Severity,
    /// Relative to the workspace root; `None` for findings about a database.
    pub file: Option<String>,
    /// 1-based; 0 when only the file is known.
    pub line: usize,
    /// 1-based; 0 when unknown.
    pub column: usize,
    pub message: String,
    /// Why it matters (the lock a statement takes, what breaks).
    pub notes: Vec<String>,
    /// What to do.
    pub help: Vec<String>,
}

impl Finding {
    /// An error-severity finding with no place yet.
    pub fn error(kind: FindingKind, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            kind,
            rule: rule.into(),
            severity: Severity::Error,
            file: None,
            line: 0,
            column: 0,
            message: message.into(),
            notes: Vec::new(),
            help: Vec::new(),
        }
    }

    /// A warning-severity finding with no place yet.
    pub fn warning(kind: FindingKind, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(kind, rule, message)
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// The finding as a rustc-like diagnostic, its rule id in brackets.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut diagnostic = match self.severity {
            Severity::Error => Diagnostic::error(format!("[{}] {}", self.rule, self.message)),
            Severity::Warning => Diagnostic::warning(format!("[{}] {}", self.rule, self.message)),
        };
        if let Some(file) = &self.file {
            diagnostic = diagnostic.with_span(SourceSpan {
                file: file.clone(),
                line: self.line,
                column: self.column,
                length: 0,
                label: None,
            });
        }
        for note in &self.notes {
            diagnostic = diagnostic.with_note(note.clone());
        }
        for help in &self.help {
            diagnostic = diagnostic.with_help(help.clone());
        }
        diagnostic
    }
}
