//! The one error type at the CLI edge and the documented exit codes.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success |
//! | 1 | a finding: `generate --check` found the code and the migrations disagreeing |
//! | 2 | an error: bad schema code, a broken migrations folder, a failed write, bad arguments |

use crate::output::diagnostics::{Diagnostic, SourceTexts};
use crate::workspace::discovery::DiscoveryError;
use crate::workspace::migrations_folder::{MigrationsFolderError, WriteMigrationError};

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
    pub fn exit_code(&self) -> u8 {
        EXIT_ERROR
    }

    /// The diagnostics to print and the sources they point into.
    pub fn into_diagnostics(self) -> (Vec<Diagnostic>, SourceTexts) {
        match self {
            CliError::Discovery(error) => (vec![error.to_diagnostic()], SourceTexts::new()),
            CliError::Schema {
                diagnostics,
                sources,
            } => (diagnostics, sources),
            CliError::MigrationsFolder(problems) => (
                problems
                    .iter()
                    .map(MigrationsFolderError::to_diagnostic)
                    .collect(),
                SourceTexts::new(),
            ),
            CliError::WriteMigration(error) => (vec![error.to_diagnostic()], SourceTexts::new()),
            CliError::Migration {
                diagnostics,
                sources,
            } => (diagnostics, sources),
            CliError::Diagnostics(diagnostics) => (diagnostics, SourceTexts::new()),
        }
    }
}
