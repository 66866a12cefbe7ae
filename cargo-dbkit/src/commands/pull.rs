//! `cargo dbkit pull`.

use crate::cli::{GlobalOptions, PullArgs};
use crate::diagnostics::Diagnostic;
use crate::errors::{CliError, Outcome};
use crate::terminal::Output;

/// Runs `cargo dbkit pull`.
pub fn run_pull(
    global: &GlobalOptions,
    arguments: &PullArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    let _ = (global, arguments, output);
    Err(CliError::Diagnostics(vec![Diagnostic::error(
        "`cargo dbkit pull` is not built yet",
    )]))
}
