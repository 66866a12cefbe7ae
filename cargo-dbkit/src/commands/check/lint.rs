//! The SQL lint of `dbkit-core` over each migration of the folder, its
//! settings read from `[workspace.metadata.dbkit.lint]`.
//!
//! That table maps rule ids to `"error"`, `"warning"` or `"off"`, and may
//! hold one more key, `since = <version>`: migrations older than that
//! version are not linted. It exists because silencing a finding in a
//! migration that databases have already applied means editing the file,
//! which changes its checksum, and `migrate` rightly refuses a changed
//! applied migration; a team adopting the lint marks where it starts
//! instead.
//!
//! Each migration is linted against the schema before it: the snapshot
//! its own snapshot names as parent, else the newest snapshot of an older
//! migration (a hand-written file without one), else an empty schema for
//! the first. That is where the lint reads a column's old type.

use super::report::render_findings;
use super::{Finding, FindingKind};
use crate::output::diagnostics::{Diagnostic, Severity, SourceTexts, render_diagnostics};
use crate::output::errors::CliError;
use crate::output::terminal::Output;
use crate::workspace::discovery::Workspace;
use crate::workspace::migrations_folder::{FolderListing, ListedFile, SNAPSHOT_DIRECTORY};
use dbkit_core::lint::{LintConfig, LintFinding, lint_migration_with_schema};
use dbkit_core::model::Schema;
use dbkit_core::snapshot::Snapshot;
use std::borrow::Cow;
use std::path::Path;

/// The key of `[workspace.metadata.dbkit.lint]` that is not a rule.
const SINCE_KEY: &str = "since";

/// What `[workspace.metadata.dbkit.lint]` says.
#[derive(Debug, Clone, Default)]
pub struct LintSettings {
    pub config: LintConfig,
    /// Lint only migrations of this version and later.
    pub since: u64,
}

impl LintSettings {
    /// Reads the table (cargo metadata's JSON); a bad value is an error that
    /// names the key and says what is valid.
    pub fn from_workspace(workspace: &Workspace) -> Result<LintSettings, Box<Diagnostic>> {
        let invalid = |message: String| {
            Box::new(
                Diagnostic::error(format!("invalid `[workspace.metadata.dbkit.lint]`: {message}"))
                    .in_file("Cargo.toml")
                    .with_help("each key is a lint rule id with the value \"error\", \"warning\" or \"off\", or `since = <version>`; `cargo dbkit check --help` lists them"),
            )
        };
        let mut rules = workspace.lint_settings.clone();
        let mut since = 0;
        if let Some(table) = rules.as_object_mut()
            && let Some(value) = table.remove(SINCE_KEY)
        {
            since = value.as_u64().ok_or_else(|| {
                invalid(format!(
                    "`since` must be a migration version (a whole number), not `{value}`"
                ))
            })?;
        }
        let config = LintConfig::from_metadata(&rules).map_err(invalid)?;
        Ok(LintSettings { config, since })
    }
}

/// Lints every migration file of `listing` from `since` on, each against
/// the schema before it; returns the findings and the texts of the files
/// they point into. Files the lint cannot read are left to the integrity
/// check, which reports them.
pub fn lint_folder(
    workspace: &Workspace,
    listing: &FolderListing,
) -> Result<(Vec<Finding>, SourceTexts), CliError> {
    let settings = LintSettings::from_workspace(workspace)
        .map_err(|diagnostic| CliError::Diagnostics(vec![*diagnostic]))?;
    let mut findings = Vec::new();
    let mut sources = SourceTexts::new();
    for file in listing
        .sql_files
        .iter()
        .filter(|file| file.version >= settings.since)
    {
        let Ok(text) = std::fs::read_to_string(&file.path) else {
            continue;
        };
        let before = schema_before(listing, file);
        findings.extend(
            lint_migration_with_schema(&text, &settings.config, || before.map(Cow::Borrowed))
                .into_iter()
                .map(|finding| to_finding(finding, &file.display_path)),
        );
        sources.insert(file.display_path.clone(), text);
    }
    Ok((findings, sources))
}

/// The schema a migration of the folder is applied to (see the module
/// documentation); `None` when the snapshots do not tell.
fn schema_before<'a>(listing: &'a FolderListing, file: &ListedFile) -> Option<&'a Schema> {
    let readable = || {
        listing
            .snapshots
            .iter()
            .filter_map(|listed| Some((listed, listed.snapshot()?)))
    };
    if let Some(own) = listing
        .snapshot_of(file)
        .and_then(|listed| listed.snapshot())
    {
        return match &own.parent {
            None => Some(empty_schema()),
            Some(parent) => readable()
                .find(|(_, snapshot)| snapshot.id == *parent)
                .map(|(_, snapshot)| &snapshot.schema),
        };
    }
    readable()
        .rev()
        .find(|(listed, _)| {
            listed.file.version < file.version && listing.has_sql_file(&listed.file)
        })
        .map(|(_, snapshot)| &snapshot.schema)
        .or_else(|| (file.version <= 1).then(empty_schema))
}

fn empty_schema() -> &'static Schema {
    static EMPTY: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Schema::default)
}

/// A lint finding of the file shown as `file`.
pub fn to_finding(finding: LintFinding, file: &str) -> Finding {
    let severity = match finding.severity {
        dbkit_core::lint::Severity::Error => Severity::Error,
        _ => Severity::Warning,
    };
    Finding {
        kind: FindingKind::Lint,
        rule: finding.rule.to_string(),
        severity,
        file: Some(file.to_string()),
        line: finding.line as usize,
        column: finding.column as usize,
        message: finding.message,
        notes: vec![finding.why],
        help: vec![finding.help],
    }
}

/// Prints the lint findings of the migration `generate` just wrote, linted
/// against the schema of `previous_snapshot` (read only if a rule needs
/// it; `None` before the first migration, an empty schema). They do not
/// fail `generate`: the file is there to be reviewed and edited, and
/// `cargo dbkit check` is where they fail a build.
pub fn print_new_migration_findings(
    workspace: &Workspace,
    sql: &str,
    display_path: &str,
    previous_snapshot: Option<&Path>,
    output: Output,
) {
    let settings = match LintSettings::from_workspace(workspace) {
        Ok(settings) => settings,
        Err(diagnostic) => {
            output.rendered(&render_diagnostics(
                &[Diagnostic {
                    severity: Severity::Warning,
                    ..*diagnostic
                }],
                &SourceTexts::new(),
            ));
            LintSettings::default()
        }
    };
    let schema_before = || match previous_snapshot {
        None => Some(Cow::Owned(Schema::default())),
        Some(path) => std::fs::read_to_string(path)
            .ok()
            .and_then(|text| Snapshot::from_json(&text).ok())
            .map(|snapshot| Cow::Owned(snapshot.schema)),
    };
    let findings: Vec<Diagnostic> =
        lint_migration_with_schema(sql, &settings.config, schema_before)
            .into_iter()
            .map(|finding| to_finding(finding, display_path).to_diagnostic())
            .collect();
    if findings.is_empty() {
        return;
    }
    let sources = SourceTexts::from([(display_path.to_string(), sql.to_string())]);
    output.rendered(&render_findings(&findings, &sources));
    output.line(&format!(
        "{} lint finding(s) in {display_path}: review them before committing; \
         `cargo dbkit check` fails on the errors. Silence one that is intended with \
         `-- dbkit:allow(<rule>)` on the line above the statement.",
        findings.len()
    ));
}

/// The snapshot file of the migration `V<version>__<name>.sql`.
pub fn snapshot_path(workspace: &Workspace, version: u64, name: &str) -> std::path::PathBuf {
    workspace
        .migrations_directory
        .join(SNAPSHOT_DIRECTORY)
        .join(dbkit_core::snapshot::snapshot_file_name(
            &dbkit_core::snapshot::migration_file_name(version, name),
        ))
}
