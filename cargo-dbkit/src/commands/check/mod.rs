//! `cargo dbkit check`: what a reviewer checks by hand before a migration
//! reaches production, as one command that CI runs on every pull request:
//! the folder's integrity and the SQL lint always; the replay on a
//! disposable server with `--replay`; drift of a live database with
//! `--database-url` (or `--env-file`).
//!
//! Each part produces [`Finding`]s and knows nothing of how they are shown:
//!
//! - [`integrity`]: the migrations folder on its own (versions, gaps,
//!   duplicates, the snapshot chain, two migrations generated from the same
//!   parent on two branches);
//! - [`lint`] (the rules live in `dbkit-core`): each migration's SQL, parsed, against rules
//!   about locks and running code;
//! - [`replay`]: every migration applied from scratch on a disposable
//!   PostgreSQL, introspected and compared with the latest snapshot;
//! - [`drift`]: a live database compared with the snapshot of what it has
//!   applied, read-only.
//!
//! [`report`] prints them (rustc-like text, JSON, or GitHub Actions
//! annotations) and decides the exit status: 1 when any finding is an error.

pub(crate) mod drift;
pub(crate) mod findings;
pub(crate) mod integrity;
pub(crate) mod lint;
pub(crate) mod replay;
mod replay_views;
pub(crate) mod report;

pub(crate) use findings::{Finding, FindingKind};

use crate::cli::{CheckArgs, DatabaseOptions, GlobalOptions};
use crate::output::errors::{CliError, EXIT_OK, Outcome};
use crate::output::terminal::Output;
use crate::workspace::discovery::Workspace;
use crate::workspace::discovery::{display_path, load_workspace};
use crate::workspace::migrations_folder::{
    MigrationsFolder, list_migrations_folder, scan_migrations_folder,
};
use report::{Summary, print_findings, sort_findings};

/// Runs every part asked for, prints the findings, and ends with a finding
/// (exit 1) when any of them is an error.
pub fn run_check(
    global: &GlobalOptions,
    arguments: &CheckArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    let workspace = load_workspace(global.manifest_path.as_deref())?;
    let listing = list_migrations_folder(&workspace.migrations_directory, &workspace.root);
    let mut findings = integrity::check_listing(&listing);
    let (lint_findings, mut sources) = lint::lint_folder(&workspace, &listing)?;
    drop(listing);
    findings.extend(lint_findings);
    if arguments.replay {
        findings.extend(replay::replay(&workspace, output)?);
    }
    if arguments.database_url.is_some() || arguments.env_file.is_some() {
        let database = DatabaseOptions {
            database_url: arguments.database_url.clone(),
            env_file: arguments.env_file.clone(),
            connect_timeout: arguments.connect_timeout,
        };
        findings.extend(drift::drift(global, &workspace, &database, output)?);
    }
    sort_findings(&mut findings);
    // The replay's findings point at lines of files the lint did not read
    // (before `since`): read them, so that every line is shown underlined.
    for finding in &findings {
        if let Some(file) = &finding.file
            && finding.line > 0
            && !sources.contains_key(file)
            && let Ok(text) = std::fs::read_to_string(workspace.root.join(file))
        {
            sources.insert(file.clone(), text);
        }
    }
    let mut what = display_path(&workspace.root, &workspace.migrations_directory);
    if !what.ends_with('/') {
        what.push('/');
    }
    print_findings(&findings, &sources, arguments.format, &what, output);
    Ok(if Summary::of(&findings).exit_code() == EXIT_OK {
        Outcome::Success
    } else {
        Outcome::Finding
    })
}

/// The folder with its snapshots, read without changing anything in it:
/// `check` leaves even an interrupted run's temporary files where they are.
fn read_folder(workspace: &Workspace) -> Result<MigrationsFolder, CliError> {
    scan_migrations_folder(&workspace.migrations_directory, &workspace.root)
        .without_cleanup()
        .map_err(CliError::MigrationsFolder)
}
