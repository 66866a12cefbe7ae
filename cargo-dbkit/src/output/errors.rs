//! The one error type at the CLI edge, the one trait that turns an error
//! into the diagnostics that say it, and the documented exit codes.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success: also `push --dry-run`, `check` with warnings only, `migrate` that applied everything (unknown migrations warned about), `--help` and `--version` |
//! | 1 | a finding: `generate --check` found the code and the migrations disagreeing; `status` found a migration pending, changed, unknown or out of order; `check` found an error; `push` did not apply steps that lose data (declined, or no terminal to confirm them) |
//! | 2 | an error: bad schema code, a broken migrations folder, a failed write, bad arguments, no database URL, a database that cannot be reached or that refused a statement, a migration lock still held after `--lock-wait` |

use crate::database::backup::BackupError;
use crate::database::url::DatabaseUrlError;
use crate::output::diagnostics::{Diagnostic, SourceTexts};
use crate::workspace::discovery::DiscoveryError;
use crate::workspace::migrations_folder::{MigrationsFolderError, WriteMigrationError};

/// An error as the diagnostics that say it: message, place, notes, help,
/// each from the error's own fields (no error's `Display` text is read back
/// into parts). [`CliError`] prints every error through it.
pub trait IntoDiagnostics {
    fn into_diagnostics(self) -> Vec<Diagnostic>;
}

impl IntoDiagnostics for Diagnostic {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        vec![self]
    }
}

impl<T: IntoDiagnostics> IntoDiagnostics for Vec<T> {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.into_iter()
            .flat_map(IntoDiagnostics::into_diagnostics)
            .collect()
    }
}

impl IntoDiagnostics for DiscoveryError {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        vec![self.to_diagnostic()]
    }
}

impl IntoDiagnostics for DatabaseUrlError {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        vec![self.to_diagnostic()]
    }
}

impl IntoDiagnostics for MigrationsFolderError {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        vec![self.to_diagnostic()]
    }
}

impl IntoDiagnostics for WriteMigrationError {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        vec![self.to_diagnostic()]
    }
}

impl IntoDiagnostics for BackupError {
    fn into_diagnostics(self) -> Vec<Diagnostic> {
        vec![self.to_diagnostic()]
    }
}

/// Success.
pub const EXIT_OK: u8 = 0;
/// A finding (`--check`).
pub const EXIT_FINDING: u8 = 1;
/// An error.
pub const EXIT_ERROR: u8 = 2;

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Finding,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Success => EXIT_OK,
            Outcome::Finding => EXIT_FINDING,
        }
    }
}

/// Everything that makes `cargo dbkit` exit with status 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// Errors in the schema code, with the text of the files they point into.
    #[error("the schema code has {} error(s)", diagnostics.len())]
    Schema {
        diagnostics: Vec<Diagnostic>,
        sources: SourceTexts,
    },
    #[error("the migrations folder has {} problem(s)", .0.len())]
    MigrationsFolder(Vec<MigrationsFolderError>),
    #[error(transparent)]
    WriteMigration(#[from] WriteMigrationError),
    /// A migration that failed, with the text of the file it points into.
    #[error("{}", diagnostics.first().map(|d| d.message.as_str()).unwrap_or("failed"))]
    Migration {
        diagnostics: Vec<Diagnostic>,
        sources: SourceTexts,
    },
    /// Anything else already phrased as diagnostics (bad arguments, unanswered renames).
    #[error("{}", .0.first().map(|d| d.message.as_str()).unwrap_or("failed"))]
    Diagnostics(Vec<Diagnostic>),
}

impl CliError {
    /// Any error, as the diagnostics that say it.
    pub fn from_error(error: impl IntoDiagnostics) -> CliError {
        CliError::Diagnostics(error.into_diagnostics())
    }

    pub fn exit_code(&self) -> u8 {
        EXIT_ERROR
    }

    /// The diagnostics to print and the sources they point into.
    pub fn into_diagnostics_and_sources(self) -> (Vec<Diagnostic>, SourceTexts) {
        match self {
            CliError::Discovery(error) => (error.into_diagnostics(), SourceTexts::new()),
            CliError::Schema {
                diagnostics,
                sources,
            } => (diagnostics, sources),
            CliError::MigrationsFolder(problems) => {
                (problems.into_diagnostics(), SourceTexts::new())
            }
            CliError::WriteMigration(error) => (error.into_diagnostics(), SourceTexts::new()),
            CliError::Migration {
                diagnostics,
                sources,
            } => (diagnostics, sources),
            CliError::Diagnostics(diagnostics) => (diagnostics, SourceTexts::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes of the table above, row by row, are those the outcomes and
    /// errors exit with.
    #[test]
    fn exit_codes_are_the_documented_ones() {
        let documented: Vec<&str> = include_str!("errors.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//! | "))
            .filter_map(|row| row.split(' ').next())
            .filter(|code| code.parse::<u8>().is_ok())
            .collect();
        let returned = [
            Outcome::Success.exit_code(),
            Outcome::Finding.exit_code(),
            CliError::Diagnostics(Vec::new()).exit_code(),
        ]
        .map(|code| code.to_string());
        assert_eq!(documented, returned);
        assert_eq!((EXIT_OK, EXIT_FINDING, EXIT_ERROR), (0, 1, 2));
    }
}
