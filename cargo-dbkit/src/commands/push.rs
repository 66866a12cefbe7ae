//! `cargo dbkit push`.

use crate::cli::{GlobalOptions, PushArgs};
use crate::diagnostics::Diagnostic;
use crate::errors::{CliError, Outcome};
use crate::terminal::Output;

/// Runs `cargo dbkit push`.
pub fn run_push(
    global: &GlobalOptions,
    arguments: &PushArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    let _ = (global, arguments, output);
    Err(CliError::Diagnostics(vec![Diagnostic::error(
        "`cargo dbkit push` is not built yet",
    )]))
}
