//! Keeps database passwords out of everything `cargo dbkit` prints. The
//! database in use is a [`DatabaseUrl`](dbkit_runtime::migrate::DatabaseUrl),
//! which shows itself with its password hidden; text from elsewhere (the
//! drivers' and pg_dump's messages, log lines, rendered errors) passes
//! through [`hide_passwords`], which parses each connection string in it
//! and hides its password. No password's text is ever searched for, so a
//! short password garbles nothing. The lines of a user's file that a
//! diagnostic shows are left as written.

use crate::output::diagnostics::Diagnostic;
use std::borrow::Cow;
use std::io::Write;

/// `text` with the password of every URL and `password=` in it replaced
/// by `***` ([`dbkit_runtime::migrate::redact_connection_strings`]).
pub fn hide_passwords(text: &str) -> Cow<'_, str> {
    dbkit_runtime::migrate::redact_connection_strings(text)
}

/// [`hide_passwords`], owned.
pub fn hide_passwords_of(text: &str) -> String {
    hide_passwords(text).into_owned()
}

/// The diagnostic with [`hide_passwords`] applied to its message, label,
/// help and notes: the texts that may carry a driver's words. The file it
/// points into is shown as written.
pub fn hide_passwords_in_diagnostic(mut diagnostic: Diagnostic) -> Diagnostic {
    let hide = |text: &mut String| {
        if let Cow::Owned(hidden) = hide_passwords(text) {
            *text = hidden;
        }
    };
    hide(&mut diagnostic.message);
    if let Some(label) = diagnostic
        .span
        .as_mut()
        .and_then(|span| span.label.as_mut())
    {
        hide(label);
    }
    diagnostic.help.iter_mut().for_each(hide);
    for note in &mut diagnostic.notes {
        hide(&mut note.message);
        if let Some(label) = note.span.as_mut().and_then(|span| span.label.as_mut()) {
            hide(label);
        }
    }
    diagnostic
}

/// A tracing writer to stderr that hides passwords: each log line is
/// buffered and written, redacted, when the line is done.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedactingStderr;

/// One log line on its way to stderr.
#[derive(Debug, Default)]
pub struct RedactingLine {
    buffer: Vec<u8>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactingStderr {
    type Writer = RedactingLine;

    fn make_writer(&'a self) -> RedactingLine {
        RedactingLine::default()
    }
}

impl Write for RedactingLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buffer);
        let mut stderr = anstream::stderr();
        let _ = stderr.write_all(hide_passwords(&text).as_bytes());
        let _ = stderr.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_by_structure_only() {
        assert_eq!(
            hide_passwords(
                "cannot connect to `postgres://app:pw@db:5432/x` (host=db password=a\\ b dbname=x): password authentication failed for user \"a\""
            ),
            "cannot connect to `postgres://app:***@db:5432/x` (host=db password=*** dbname=x): password authentication failed for user \"a\""
        );
    }

    #[test]
    fn a_diagnostic_hides_passwords_but_not_the_file_it_shows() {
        let diagnostic = hide_passwords_in_diagnostic(
            Diagnostic::error("cannot connect to postgres://app:pw@db/x")
                .with_note("host=db password=pw")
                .with_help("retry with password=pw"),
        );
        assert_eq!(
            diagnostic.message,
            "cannot connect to postgres://app:***@db/x"
        );
        assert_eq!(diagnostic.notes[0].message, "host=db password=***");
        assert_eq!(diagnostic.help, ["retry with password=***"]);
    }
}
