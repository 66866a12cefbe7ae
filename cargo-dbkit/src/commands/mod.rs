//! The subcommands of `cargo dbkit`: one folder each for those made of
//! several parts (`check`, `generate`, `pull`, `push`), one file each for
//! the others; and [`renames`], which `generate` and `push` share.

pub(crate) mod check;
mod generate;
mod migrate;
mod partitioning;
pub(crate) mod pull;
pub(crate) mod push;
mod renames;
mod status;

use crate::cli::{Command, GlobalOptions};
use crate::output::errors::{CliError, Outcome};
use crate::output::terminal::Output;

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
