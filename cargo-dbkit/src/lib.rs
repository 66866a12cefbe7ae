//! Library behind `cargo dbkit`: argument parsing, workspace discovery, the
//! migrations folder and the commands. `main.rs` only calls [`run`].
//!
//! The modules are private to the crate: `commands/` holds one folder or
//! file per subcommand, `workspace/` the schema code and the migrations
//! folder, `database/` the database a command talks to, `output/` what it
//! prints. Besides [`run`], the only public items are the few steps of
//! `pull`, `push` and `check` that the workspace's integration tests
//! (`dbkit-tests`, this crate's `tests/`) drive without the binary,
//! re-exported here. The introspector is the crate `dbkit-introspect`.

mod cli;
mod commands;
mod database;
mod output;
mod workspace;

// `pull`: the schema modules written for a database's schema, and the
// objects it holds that the DSL cannot declare.
pub use commands::pull::unsupported::{
    UnsupportedObject, find_uncompared_options, find_unsupported_objects,
};
pub use commands::pull::{ModuleFiles, PulledFile, module_files, without_empty_schemas};
// `push`: the changes from a live schema to the code, and the
// transactions they are applied in.
pub use commands::push::plan::{Transaction, transactions};
pub use commands::push::views::live_views_spelled_as_code;
pub use commands::push::{push_changes, without_migration_history};
// `check --database-url`: the read-only sessions drift reads through.
pub use commands::check::drift::read_only_url;
pub use database::session::read_only_connect_options;

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
                output::errors::EXIT_ERROR
            } else {
                output::errors::EXIT_OK
            });
        }
    };
    let cli::Cli::Dbkit(arguments) = cli;
    output::terminal::configure_color(arguments.global.color);
    install_logging(arguments.global.verbose);
    let output = output::terminal::Output {
        quiet: arguments.global.quiet,
        verbose: arguments.global.verbose,
    };
    match commands::run_command(&arguments.global, &arguments.command, output) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) => {
            let exit_code = error.exit_code();
            let (diagnostics, sources) = error.into_diagnostics_and_sources();
            let diagnostics: Vec<_> = diagnostics
                .into_iter()
                .map(output::redact::hide_passwords_in_diagnostic)
                .collect();
            output.rendered(&output::diagnostics::render_diagnostics(
                &diagnostics,
                &sources,
            ));
            ExitCode::from(exit_code)
        }
    }
}

/// Logs go to stderr through tracing; `DBKIT_LOG` is an env-filter
/// (`DBKIT_LOG=debug`, `DBKIT_LOG=cargo_dbkit=trace`); without it `-v` shows
/// dbkit's info logs and `-vv` its debug logs (sqlx's slow-statement
/// warnings only with `DBKIT_LOG`). Every line passes through
/// [`output::redact::hide_passwords`].
fn install_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("DBKIT_LOG") {
        Ok(value) if !value.trim().is_empty() => {
            EnvFilter::try_new(value).unwrap_or_else(|_| EnvFilter::new("warn"))
        }
        // sqlx's warning of a slow statement prints the whole statement (the
        // catalog queries are pages long) on a loaded server: not without
        // DBKIT_LOG.
        _ => EnvFilter::new(match verbose {
            0 => "warn,sqlx::query=error",
            1 => "warn,sqlx::query=error,cargo_dbkit=info,dbkit_core=info,dbkit_runtime=info",
            _ => "warn,sqlx::query=error,cargo_dbkit=debug,dbkit_core=debug,dbkit_runtime=debug",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(output::redact::RedactingStderr)
        .with_ansi(true)
        .with_target(true)
        .without_time()
        .try_init();
}
