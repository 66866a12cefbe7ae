//! The subcommands of `cargo dbkit`, one file each.

pub mod generate;

use crate::cli::{Command, GlobalOptions};
use crate::errors::{CliError, Outcome};
use crate::terminal::Output;

/// Runs one subcommand.
pub fn run_command(
    global: &GlobalOptions,
    command: &Command,
    output: Output,
) -> Result<Outcome, CliError> {
    match command {
        Command::Generate(arguments) => generate::run_generate(global, arguments, output),
    }
}
