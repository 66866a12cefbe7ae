//! How `check` shows its findings and the exit status they make.
//!
//! - `human` (the default): rustc-like diagnostics on stderr, the offending
//!   SQL line shown and underlined, then a summary line. Inside GitHub
//!   Actions (`GITHUB_ACTIONS=true`) the same findings are also printed on
//!   stdout as workflow commands (`::error file=…,line=…::…`), which GitHub
//!   turns into annotations on the pull request's diff.
//! - `json`: one JSON document on stdout, `{"findings": […], "summary": {…}}`,
//!   stable for tools; nothing else on stdout.
//! - `github`: only the workflow commands, whatever the environment.

use super::{Finding, FindingKind};
use crate::output::diagnostics::{Diagnostic, Severity, SourceTexts, render_diagnostic};
use crate::output::errors::{EXIT_FINDING, EXIT_OK};
use crate::output::redact::{hide_passwords, hide_passwords_in_diagnostic};
use crate::output::terminal::Output;
use std::io::Write as _;

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics like rustc's on stderr (plus annotations in GitHub Actions)
    Human,
    /// One JSON document on stdout
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`) on stdout
    Github,
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
            }
        }
        summary
    }

    /// 1 when any finding is an error; warnings alone pass.
    pub fn exit_code(self) -> u8 {
        if self.errors > 0 {
            EXIT_FINDING
        } else {
            EXIT_OK
        }
    }
}

/// Findings sorted the way they are shown: by file, line, then kind.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.file.is_none(), &a.file, a.line, a.column, a.kind, &a.rule).cmp(&(
            b.file.is_none(),
            &b.file,
            b.line,
            b.column,
            b.kind,
            &b.rule,
        ))
    });
}

/// Prints the findings in `format`; `sources` holds the text of the files
/// they point into (for the underlined line), `what` says what was checked.
pub fn print_findings(
    findings: &[Finding],
    sources: &SourceTexts,
    format: Format,
    what: &str,
    output: Output,
) {
    let summary = Summary::of(findings);
    match format {
        Format::Json => write_stdout(&hide_passwords(&json_document(findings, summary))),
        Format::Github => write_stdout(&hide_passwords(&github_annotations(findings))),
        Format::Human => {
            let diagnostics: Vec<_> = findings
                .iter()
                .map(|finding| hide_passwords_in_diagnostic(finding.to_diagnostic()))
                .collect();
            if !diagnostics.is_empty() {
                output.rendered(&render_findings(&diagnostics, sources));
            }
            if in_github_actions() {
                write_stdout(&hide_passwords(&github_annotations(findings)));
            }
            let line = summary_line(summary, what);
            if summary.errors + summary.warnings == 0 {
                output.status("Checked", &line);
            } else {
                output.rendered(&format!("{line}\n"));
            }
        }
    }
}

/// The diagnostics, a blank line after each; the summary line replaces
/// rustc's "aborting due to" line, since nothing was aborted.
pub fn render_findings(diagnostics: &[Diagnostic], sources: &SourceTexts) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render_diagnostic(diagnostic, sources));
        out.push('\n');
    }
    out
}

fn summary_line(summary: Summary, what: &str) -> String {
    let plural = |count: usize, word: &str| {
        if count == 1 {
            format!("{count} {word}")
        } else {
            format!("{count} {word}s")
        }
    };
    match (summary.errors, summary.warnings) {
        (0, 0) => format!("{what}: no findings"),
        (errors, warnings) => format!(
            "{what}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}

/// Whether this runs inside a GitHub Actions job.
pub fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true")
}

fn write_stdout(text: &str) {
    if text.is_empty() {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    kind: FindingKind,
    rule: &'a str,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    message: &'a str,
    notes: &'a [String],
    help: &'a [String],
}

#[derive(serde::Serialize)]
struct JsonDocument<'a> {
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

/// The `--format json` document, pretty-printed, with a trailing newline.
pub fn json_document(findings: &[Finding], summary: Summary) -> String {
    let document = JsonDocument {
        findings: findings
            .iter()
            .map(|finding| JsonFinding {
                kind: finding.kind,
                rule: &finding.rule,
                severity: severity_word(finding.severity),
                file: finding.file.as_deref(),
                line: (finding.line > 0).then_some(finding.line),
                column: (finding.column > 0).then_some(finding.column),
                message: &finding.message,
                notes: &finding.notes,
                help: &finding.help,
            })
            .collect(),
        summary,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One workflow command per finding:
/// `::error file=migrations/V3__x.sql,line=5,col=1,title=dbkit create-index-non-concurrently::message%0A…`.
pub fn github_annotations(findings: &[Finding]) -> String {
    let mut text = String::new();
    for finding in findings {
        let mut properties = Vec::new();
        if let Some(file) = &finding.file {
            properties.push(format!("file={}", escape_property(file)));
            if finding.line > 0 {
                properties.push(format!("line={}", finding.line));
            }
            if finding.column > 0 {
                properties.push(format!("col={}", finding.column));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("dbkit {}", finding.rule))
        ));
        let mut message = finding.message.clone();
        for note in &finding.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        for help in &finding.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        text.push_str(&format!(
            "::{} {}::{}\n",
            severity_word(finding.severity),
            properties.join(","),
            escape_data(&message)
        ));
    }
    text
}

/// GitHub's escaping of a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Finding> {
        vec![
            Finding::error(
                FindingKind::Lint,
                "set-not-null",
                "SET NOT NULL on \"users\".\"email\"",
            )
            .in_file("migrations/V3__x.sql")
            .at(5, 1)
            .with_note("scans the table, 100%, under ACCESS EXCLUSIVE")
            .with_help("add a CHECK … NOT VALID, then VALIDATE it"),
            Finding::warning(
                FindingKind::Integrity,
                "version-gap",
                "no V2 between V1 and V3",
            )
            .in_file("migrations/V3__x.sql"),
            Finding::error(
                FindingKind::Drift,
                "drift",
                "table \"audit\" exists only in the database",
            ),
        ]
    }

    #[test]
    fn annotations_escape_messages_and_properties() {
        insta::assert_snapshot!(github_annotations(&sample()));
    }

    #[test]
    fn json_document_is_stable() {
        let findings = sample();
        insta::assert_snapshot!(json_document(&findings, Summary::of(&findings)));
    }

    #[test]
    fn only_errors_make_a_finding_exit() {
        let findings = sample();
        assert_eq!(Summary::of(&findings).exit_code(), EXIT_FINDING);
        assert_eq!(Summary::of(&findings[1..2]).exit_code(), EXIT_OK);
        assert_eq!(Summary::of(&[]).exit_code(), EXIT_OK);
    }

    #[test]
    fn sorted_by_file_then_line_with_database_findings_last() {
        let mut findings = sample();
        sort_findings(&mut findings);
        let order: Vec<_> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(order, ["version-gap", "set-not-null", "drift"]);
    }
}
