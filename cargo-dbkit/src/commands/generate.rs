//! `cargo dbkit generate`: the code's schema × the last snapshot → the next migration.

use crate::cli::{GenerateArgs, GlobalOptions};
use crate::discovery::{load_workspace, schema_source_files};
use crate::errors::{CliError, Outcome};
use crate::terminal::Output;

/// Runs `cargo dbkit generate`.
pub fn run_generate(global: &GlobalOptions, _arguments: &GenerateArgs, output: Output) -> Result<Outcome, CliError> {
    let workspace = load_workspace(global.manifest_path.as_deref())?;
    let files = schema_source_files(&workspace)?;
    for file in &files {
        output.line(&file.display_path);
    }
    Ok(Outcome::Success)
}
