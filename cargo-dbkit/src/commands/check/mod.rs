//! `cargo dbkit check`: the folder's integrity and the SQL lint always; the
//! replay on a disposable server with `--replay`; drift of a live database
//! with `--database-url` (or `--env-file`).

use crate::check::report::{Summary, print_findings, sort_findings};
use crate::check::{drift, integrity, lint, replay};
use crate::cli::{CheckArgs, DatabaseOptions, GlobalOptions};
use crate::discovery::{display_path, load_workspace};
use crate::errors::{CliError, EXIT_OK, Outcome};
use crate::migrations_folder::list_migrations_folder;
use crate::terminal::Output;

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
