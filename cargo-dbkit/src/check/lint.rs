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

use super::report::render_findings;
use super::{Finding, FindingKind};
use crate::diagnostics::{Diagnostic, Severity, SourceTexts, render_diagnostics};
use crate::discovery::{Workspace, display_path};
use crate::errors::CliError;
use crate::terminal::Output;
use dbkit_core::lint::{LintConfig, LintFinding, lint_migration};
use dbkit_core::snapshot::parse_migration_file_name;

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

/// Lints every migration file from `since` on; returns the findings and the
/// texts of the files they point into. Files the lint cannot read or name
/// are left to the integrity check, which reports them.
pub fn lint_folder(workspace: &Workspace) -> Result<(Vec<Finding>, SourceTexts), CliError> {
    let settings = LintSettings::from_workspace(workspace)
        .map_err(|diagnostic| CliError::Diagnostics(vec![*diagnostic]))?;
    let mut findings = Vec::new();
    let mut sources = SourceTexts::new();
    let Ok(entries) = std::fs::read_dir(&workspace.migrations_directory) else {
        return Ok((findings, sources));
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            let (version, _) = parse_migration_file_name(&name)?;
            (version >= settings.since).then(|| (version, name, entry.path()))
        })
        .collect();
    files.sort();
    for (_, _, path) in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let display = display_path(&workspace.root, &path);
        findings.extend(
            lint_migration(&text, &settings.config)
                .into_iter()
                .map(|finding| to_finding(finding, &display)),
        );
        sources.insert(display, text);
    }
    Ok((findings, sources))
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

/// Prints the lint findings of the migration `generate` just wrote. They
/// do not fail `generate`: the file is there to be reviewed and edited,
/// and `cargo dbkit check` is where they fail a build.
pub fn print_new_migration_findings(
    workspace: &Workspace,
    sql: &str,
    display_path: &str,
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
    let findings: Vec<Diagnostic> = lint_migration(sql, &settings.config)
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
