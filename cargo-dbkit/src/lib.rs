//! Library behind `cargo dbkit`: argument parsing, workspace discovery, the
//! migrations folder and the commands. `main.rs` only calls [`run`].

pub mod backup;
pub mod cache;
pub mod check;
pub mod cli;
pub mod commands;
pub mod database_session;
pub mod database_url;
pub mod diagnostics;
pub mod discovery;
pub mod dotenv;
pub mod errors;
pub mod generate_inputs;
pub mod introspect;
pub mod migration_context;
pub mod migrations_folder;
pub mod pull;
pub mod redact;
pub mod renames;
pub mod schema_glob;
pub mod schema_loading;
pub mod terminal;

use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

/// Parses the arguments (as cargo passes them: `cargo-dbkit dbkit …`), runs
/// the command and returns the exit status: 0 success, 1 finding, 2 error.
pub fn run(arguments: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match cli::Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                errors::EXIT_ERROR
            } else {
                errors::EXIT_OK
            });
        }
    };
    let cli::Cli::Dbkit(arguments) = cli;
    terminal::configure_color(arguments.global.color);
    install_logging(arguments.global.verbose);
    let output = terminal::Output {
        quiet: arguments.global.quiet,
        verbose: arguments.global.verbose,
    };
    match commands::run_command(&arguments.global, &arguments.command, output) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) => {
            let exit_code = error.exit_code();
            let (diagnostics, sources) = error.into_diagnostics();
            let diagnostics: Vec<_> = diagnostics
                .into_iter()
                .map(redact::hide_passwords_in_diagnostic)
                .collect();
            output.rendered(&diagnostics::render_diagnostics(&diagnostics, &sources));
            ExitCode::from(exit_code)
        }
    }
}

/// Logs go to stderr through tracing; `DBKIT_LOG` is an env-filter
/// (`DBKIT_LOG=debug`, `DBKIT_LOG=cargo_dbkit=trace`); without it `-v` shows
/// dbkit's info logs and `-vv` its debug logs. Every line passes through
/// [`redact::hide_passwords`].
fn install_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("DBKIT_LOG") {
        Ok(value) if !value.trim().is_empty() => {
            EnvFilter::try_new(value).unwrap_or_else(|_| EnvFilter::new("warn"))
        }
        _ => EnvFilter::new(match verbose {
            0 => "warn",
            1 => "warn,cargo_dbkit=info,dbkit_core=info,dbkit_runtime=info",
            _ => "warn,cargo_dbkit=debug,dbkit_core=debug,dbkit_runtime=debug",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(redact::RedactingStderr)
        .with_ansi(true)
        .with_target(true)
        .without_time()
        .try_init();
}
