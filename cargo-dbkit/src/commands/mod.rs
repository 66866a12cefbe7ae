//! The subcommands of `cargo dbkit`, one file each.

pub mod check;
pub mod generate;
pub mod migrate;
pub mod pull;
pub mod push;
pub mod status;

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
        Command::Check(arguments) => check::run_check(global, arguments, output),
        Command::Generate(arguments) => generate::run_generate(global, arguments, output),
        Command::Pull(arguments) => pull::run_pull(global, arguments, output),
        Command::Push(arguments) => push::run_push(global, arguments, output),
        Command::Migrate(arguments) => migrate::run_migrate(global, arguments, output),
        Command::Status(arguments) => status::run_status(global, arguments, output),
    }
}
