//! Errors and warnings shown the way rustc shows them: a message, the place in
//! the file with the source line underlined, a label, help and notes.

use anstyle::{AnsiColor, Effects, Style};
use std::collections::HashMap;
use std::fmt::Write as _;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a file, optionally with the span to underline and a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpan {
    /// Path as shown to the user (relative to the workspace root).
    pub file: String,
    /// 1-based; 0 when only the file is known.
    pub line: usize,
    /// 1-based; 0 when only the file (or line) is known.
    pub column: usize,
    /// Characters to underline (at least one `^` is drawn).
    pub length: usize,
    pub label: Option<String>,
}

impl SourceSpan {
    /// A whole line of `file` (`line` 0: the file alone), nothing underlined.
    pub fn line(file: impl Into<String>, line: usize) -> SourceSpan {
        SourceSpan {
            file: file.into(),
            line,
            column: 0,
            length: 0,
            label: None,
        }
    }
}

/// A note pointing at another place (`first declared here`) or a plain note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub message: String,
    pub span: Option<SourceSpan>,
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Option<SourceSpan>,
    pub help: Vec<String>,
    pub notes: Vec<Note>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: None,
            help: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Points at a whole file (no line).
    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.span = Some(SourceSpan::line(file, 0));
        self
    }

    pub fn with_span(mut self, span: SourceSpan) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help.push(help.into());
        self
    }

    pub fn with_note(mut self, message: impl Into<String>) -> Diagnostic {
        self.notes.push(Note {
            message: message.into(),
            span: None,
        });
        self
    }
}

/// The text of the files diagnostics point into, by displayed path.
pub type SourceTexts = HashMap<String, String>;

const ERROR_STYLE: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
const WARNING_STYLE: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const NOTE_STYLE: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);
const HELP_STYLE: Style = AnsiColor::Cyan.on_default().effects(Effects::BOLD);
const GUTTER_STYLE: Style = AnsiColor::Blue.on_default().effects(Effects::BOLD);
const MESSAGE_STYLE: Style = Style::new().effects(Effects::BOLD);

/// Renders one diagnostic, with ANSI styles (the output stream strips them
/// when colour is off).
pub fn render_diagnostic(diagnostic: &Diagnostic, sources: &SourceTexts) -> String {
    let (word, style) = match diagnostic.severity {
        Severity::Error => ("error", ERROR_STYLE),
        Severity::Warning => ("warning", WARNING_STYLE),
    };
    let gutter_width = gutter_width(diagnostic);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{style}{word}{style:#}{MESSAGE_STYLE}: {}{MESSAGE_STYLE:#}",
        diagnostic.message
    );
    if let Some(span) = &diagnostic.span {
        render_span(&mut out, span, style, gutter_width, sources);
    }
    let has_snippet = diagnostic
        .span
        .as_ref()
        .is_some_and(|span| source_line(sources, span).is_some());
    if !diagnostic.help.is_empty() || diagnostic.notes.iter().any(|note| note.span.is_none()) {
        if has_snippet {
            let _ = writeln!(out, "{:gutter_width$} {GUTTER_STYLE}|{GUTTER_STYLE:#}", "");
        }
        for note in diagnostic.notes.iter().filter(|note| note.span.is_none()) {
            let _ = writeln!(
                out,
                "{:gutter_width$} {GUTTER_STYLE}={GUTTER_STYLE:#} {MESSAGE_STYLE}note{MESSAGE_STYLE:#}: {}",
                "",
                indent_continuation(&note.message, gutter_width + 9)
            );
        }
        for help in &diagnostic.help {
            let _ = writeln!(
                out,
                "{:gutter_width$} {GUTTER_STYLE}={GUTTER_STYLE:#} {MESSAGE_STYLE}help{MESSAGE_STYLE:#}: {}",
                "",
                indent_continuation(help, gutter_width + 9)
            );
        }
    }
    for note in diagnostic.notes.iter() {
        if let Some(span) = &note.span {
            let _ = writeln!(
                out,
                "{NOTE_STYLE}note{NOTE_STYLE:#}{MESSAGE_STYLE}: {}{MESSAGE_STYLE:#}",
                note.message
            );
            render_span(&mut out, span, NOTE_STYLE, gutter_width, sources);
        }
    }
    out
}

/// Renders the diagnostics, a blank line after each, then rustc's closing
/// line when there were errors.
pub fn render_diagnostics(diagnostics: &[Diagnostic], sources: &SourceTexts) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render_diagnostic(diagnostic, sources));
        out.push('\n');
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    match errors {
        0 => {}
        1 => {
            let _ = writeln!(
                out,
                "{ERROR_STYLE}error{ERROR_STYLE:#}{MESSAGE_STYLE}: aborting due to 1 previous error{MESSAGE_STYLE:#}"
            );
        }
        n => {
            let _ = writeln!(
                out,
                "{ERROR_STYLE}error{ERROR_STYLE:#}{MESSAGE_STYLE}: aborting due to {n} previous errors{MESSAGE_STYLE:#}"
            );
        }
    }
    out
}

/// A `help:` line styled like rustc's, for messages that are not diagnostics.
pub fn render_help_line(text: &str) -> String {
    format!("{HELP_STYLE}help{HELP_STYLE:#}: {text}")
}

fn indent_continuation(text: &str, indent: usize) -> String {
    text.replace('\n', &format!("\n{:indent$}", ""))
}

fn gutter_width(diagnostic: &Diagnostic) -> usize {
    let spans = diagnostic
        .span
        .iter()
        .chain(diagnostic.notes.iter().filter_map(|n| n.span.as_ref()));
    let largest_line = spans.map(|s| s.line).max().unwrap_or(0);
    largest_line.to_string().len().max(1)
}

fn source_line<'a>(sources: &'a SourceTexts, span: &SourceSpan) -> Option<&'a str> {
    if span.line == 0 {
        return None;
    }
    sources.get(&span.file)?.lines().nth(span.line - 1)
}

fn render_span(
    out: &mut String,
    span: &SourceSpan,
    style: Style,
    gutter_width: usize,
    sources: &SourceTexts,
) {
    let place = match (span.line, span.column) {
        (0, _) => span.file.clone(),
        (line, 0) => format!("{}:{line}", span.file),
        (line, column) => format!("{}:{line}:{column}", span.file),
    };
    let _ = writeln!(
        out,
        "{:gutter_width$}{GUTTER_STYLE}-->{GUTTER_STYLE:#} {place}",
        ""
    );
    let Some(line_text) = source_line(sources, span) else {
        if let Some(label) = &span.label {
            let _ = writeln!(
                out,
                "{:gutter_width$} {GUTTER_STYLE}={GUTTER_STYLE:#} {label}",
                ""
            );
        }
        return;
    };
    let (shown_line, underline_start, underline_length) =
        layout_underline(line_text, span.column, span.length);
    let _ = writeln!(out, "{:gutter_width$} {GUTTER_STYLE}|{GUTTER_STYLE:#}", "");
    let _ = writeln!(
        out,
        "{GUTTER_STYLE}{:>gutter_width$} |{GUTTER_STYLE:#} {}",
        span.line,
        shown_line.trim_end()
    );
    let label = span
        .label
        .as_deref()
        .map(|l| format!(" {l}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{:gutter_width$} {GUTTER_STYLE}|{GUTTER_STYLE:#} {:underline_start$}{style}{}{label}{style:#}",
        "",
        "",
        "^".repeat(underline_length)
    );
}

/// The line with tabs expanded, and where the `^^^` go (in characters).
fn layout_underline(line_text: &str, column: usize, length: usize) -> (String, usize, usize) {
    let mut shown = String::new();
    let mut start = None;
    let mut end = None;
    let first = column.saturating_sub(1);
    let last = first + length.max(1);
    for (index, character) in line_text.chars().enumerate() {
        if index == first {
            start = Some(shown.chars().count());
        }
        if index == last {
            end = Some(shown.chars().count());
        }
        if character == '\t' {
            shown.push_str("    ");
        } else {
            shown.push(character);
        }
    }
    let shown_length = shown.trim_end().chars().count();
    let start = start.unwrap_or(shown_length).min(shown_length);
    let end = end.unwrap_or(shown_length).max(start + 1);
    (shown, start, end - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> String {
        let mut out = Vec::new();
        let mut stream = anstream::StripStream::new(&mut out);
        let _ = std::io::Write::write_all(&mut stream, text.as_bytes());
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn renders_like_rustc() {
        let mut sources = SourceTexts::new();
        sources.insert(
            "src/user_schema.rs".into(),
            "pub struct User {\n    #[dbkit(primary_kee)]\n    pub id: i64,\n}\n".into(),
        );
        let diagnostic = Diagnostic::error("unknown attribute `primary_kee`")
            .with_span(SourceSpan {
                file: "src/user_schema.rs".into(),
                line: 2,
                column: 13,
                length: 11,
                label: Some("not a dbkit field attribute".into()),
            })
            .with_help("did you mean `primary_key`?");
        let text = strip(&render_diagnostics(&[diagnostic], &sources));
        assert_eq!(
            text,
            "error: unknown attribute `primary_kee`\n \
             --> src/user_schema.rs:2:13\n  \
             |\n\
             2 |     #[dbkit(primary_kee)]\n  \
             |             ^^^^^^^^^^^ not a dbkit field attribute\n  \
             |\n  \
             = help: did you mean `primary_key`?\n\
             \n\
             error: aborting due to 1 previous error\n"
        );
    }

    #[test]
    fn underline_survives_tabs_and_out_of_range_columns() {
        assert_eq!(
            layout_underline("\tx: i32", 2, 1),
            ("    x: i32".to_string(), 4, 1)
        );
        assert_eq!(layout_underline("abc", 40, 3), ("abc".to_string(), 3, 1));
        assert_eq!(layout_underline("", 0, 0), (String::new(), 0, 1));
    }

    #[test]
    fn file_only_diagnostic_has_no_snippet() {
        let diagnostic = Diagnostic::error("bad file name")
            .in_file("migrations/V1_x.sql")
            .with_help("rename it");
        let text = strip(&render_diagnostic(&diagnostic, &SourceTexts::new()));
        assert_eq!(
            text,
            "error: bad file name\n --> migrations/V1_x.sql\n  = help: rename it\n"
        );
    }
}
