//! `.env` files, read by dotenvy: the crate, and so the rules, with which
//! sqlx's macros read the same file, so that one file cannot give `cargo
//! dbkit` one `DATABASE_URL` and the app's queries another.
//!
//! dotenvy's rules: `KEY=VALUE` lines, `# comments`, an optional `export `
//! prefix; an unquoted value ends at a blank (text after the blank is an
//! error, a `#` after it a comment), and `\` in it escapes the next
//! character; a `'single-quoted'` value is taken as written; a
//! `"double-quoted"` value knows the escapes `\n`, `\\`, `\'`, `\"`, `\$`
//! and `\ ` (any other is an error); quoted values may span lines.
//! `$VAR` (letters and digits only) and `${VAR}` are expanded in unquoted
//! and double-quoted values, from the environment first, then from the keys
//! earlier in the file (an unknown variable is empty): write a `$` of a
//! password as `\$`, or single-quote the value. A UTF-8 byte-order mark at the start of the file,
//! which some Windows editors write, is skipped, and a last line without a
//! newline is read as if it had one.
//!
//! An error names the line and, when the line has one, the key, but never
//! shows the line's text: a value may be a password, and a line that does
//! not parse may be a value with its key missing. dotenvy's own error holds
//! the line's text and no line number, so the line is counted here (each
//! physical line is handed to dotenvy on its own) and what is wrong with it
//! is told from its shape.

use std::cell::Cell;
use std::io::Read;

/// The byte-order mark some editors put at the start of a UTF-8 file.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// One `KEY=VALUE` of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvEntry {
    pub key: String,
    pub value: String,
    /// The 1-based line the entry starts on.
    pub line: usize,
}

/// A line that is not `KEY=VALUE`, a comment or blank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct DotenvError {
    /// The 1-based line.
    pub line: usize,
    pub problem: DotenvProblem,
}

/// What is wrong with a line; no variant holds any of the line's text
/// but a key that is a variable name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DotenvProblem {
    #[error("it has no `=`, so it is not `KEY=VALUE`")]
    NoEquals,
    #[error(
        "the text before `=` is not a variable name (letters, digits, `_` and `.`, not starting with a digit)"
    )]
    NotAVariableName,
    #[error(
        "the text before `=` holds an invisible U+FEFF (a byte-order mark, allowed only at the start of the file)"
    )]
    ByteOrderMarkInKey,
    #[error("the value of `{key}` opens a `{quote}` quote that is never closed")]
    UnclosedQuote { key: String, quote: char },
    #[error("the value of `{key}` goes on after its closing quote")]
    TextAfterClosingQuote { key: String },
    #[error(
        "the value of `{key}` has a blank followed by more text, or a `\\` escape other than `\\n`, `\\\\`, `\\'`, `\\\"`, `\\$` and `\\ `, or a `${{` never closed by `}}`"
    )]
    InvalidValue { key: String },
}

/// The entries of a `.env` file's text, in order (a later entry for a key
/// wins when looked up with [`dotenv_value`]).
pub fn parse_dotenv(text: &str) -> Result<Vec<DotenvEntry>, DotenvError> {
    let text = text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(text);
    // dotenvy 0.15 refuses a last line that ends in a blank and no newline.
    let with_newline;
    let text = if text.is_empty() || text.ends_with('\n') {
        text
    } else {
        with_newline = format!("{text}\n");
        &with_newline
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let lines_read = Cell::new(0);
    let mut entries = dotenvy::from_read_iter(LineByLine {
        lines: &lines,
        lines_read: &lines_read,
        offset: 0,
    });
    let mut parsed = Vec::new();
    loop {
        let before = lines_read.get();
        let Some(item) = entries.next() else {
            return Ok(parsed);
        };
        // The lines dotenvy read for this item: blank lines and comments,
        // then the entry's own.
        let start = (before..lines_read.get())
            .find(|&index| {
                let line = lines[index].trim();
                !line.is_empty() && !line.starts_with('#')
            })
            .unwrap_or(before);
        match item {
            Ok((key, value)) => parsed.push(DotenvEntry {
                key,
                value,
                line: start + 1,
            }),
            Err(error) => {
                let never_closed = lines_read.get() == lines.len()
                    && matches!(&error, dotenvy::Error::LineParse(line, at) if *at == line.len());
                return Err(DotenvError {
                    line: start + 1,
                    problem: problem_of(lines.get(start).copied().unwrap_or(""), never_closed),
                });
            }
        }
    }
}

/// The value of the last entry for `key`.
pub fn dotenv_value<'a>(entries: &'a [DotenvEntry], key: &str) -> Option<&'a DotenvEntry> {
    entries.iter().rev().find(|entry| entry.key == key)
}

/// Hands dotenvy one physical line at a time, so that `lines_read` tells
/// how far it has read: its reader asks for more only when it has used up
/// the line it holds.
struct LineByLine<'a> {
    lines: &'a [&'a str],
    lines_read: &'a Cell<usize>,
    /// How much of the current line was handed out already.
    offset: usize,
}

impl Read for LineByLine<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let Some(line) = self.lines.get(self.lines_read.get()) else {
            return Ok(0);
        };
        let rest = &line.as_bytes()[self.offset..];
        let length = rest.len().min(buffer.len());
        buffer[..length].copy_from_slice(&rest[..length]);
        self.offset += length;
        if self.offset == line.len() {
            self.offset = 0;
            self.lines_read.set(self.lines_read.get() + 1);
        }
        Ok(length)
    }
}

/// What is wrong with the entry that starts on `line`, which dotenvy
/// refused; `never_closed` when the file ended inside its quotes.
fn problem_of(line: &str, never_closed: bool) -> DotenvProblem {
    let line = line.trim();
    let line = line
        .strip_prefix("export")
        .filter(|rest| rest.starts_with([' ', '\t']))
        .map_or(line, str::trim_start);
    let Some((key, value)) = line.split_once('=') else {
        return DotenvProblem::NoEquals;
    };
    let key = key.trim_end();
    if key.contains(BYTE_ORDER_MARK) {
        return DotenvProblem::ByteOrderMarkInKey;
    }
    if !is_key(key) {
        return DotenvProblem::NotAVariableName;
    }
    let key = key.to_string();
    let value = value.trim_start();
    if never_closed && let Some(quote) = value.chars().find(|c| matches!(c, '\'' | '"')) {
        return DotenvProblem::UnclosedQuote { key, quote };
    }
    if let Some(quote @ ('\'' | '"')) = value.chars().next()
        && let Some(closing) = closing_quote(&value[1..], quote)
    {
        let after = value[1 + closing + 1..].trim_start();
        if !after.is_empty() && !after.starts_with('#') {
            return DotenvProblem::TextAfterClosingQuote { key };
        }
    }
    DotenvProblem::InvalidValue { key }
}

/// Where the quote that closes a value opened by `quote` is in `text` (a
/// `\` escapes a `"` in double quotes).
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    let mut characters = text.char_indices();
    while let Some((position, character)) = characters.next() {
        if character == quote {
            return Some(position);
        }
        if quote == '"' && character == '\\' {
            characters.next();
        }
    }
    None
}

fn is_key(key: &str) -> bool {
    let mut characters = key.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && characters
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[(&str, &str)]) {
        let entries = match parse_dotenv(text) {
            Ok(entries) => entries,
            Err(error) => panic!("line {}: {error}", error.line),
        };
        let pairs: Vec<(&str, &str)> = entries
            .iter()
            .map(|entry| (entry.key.as_str(), entry.value.as_str()))
            .collect();
        assert_eq!(pairs, expected, "{text:?}");
    }

    fn check_error(text: &str, line: usize, problem: DotenvProblem) {
        match parse_dotenv(text) {
            Ok(entries) => panic!("{text:?} parsed: {entries:?}"),
            Err(error) => {
                assert_eq!(error.line, line, "{error}");
                assert_eq!(error.problem, problem, "{text:?}");
            }
        }
    }

    #[test]
    fn plain_values_comments_and_export() {
        check(
            "# settings\n\nDATABASE_URL=postgres://app:pw@db/x\n  export PORT = 5432  # the port\nEMPTY=\nHASH=a#b\n",
            &[
                ("DATABASE_URL", "postgres://app:pw@db/x"),
                ("PORT", "5432"),
                ("EMPTY", ""),
                ("HASH", "a#b"),
            ],
        );
        check("exported=1", &[("exported", "1")]);
        check("export=1", &[("export", "1")]);
    }

    #[test]
    fn quoted_values() {
        check(
            "A='single $X \\n # not a comment' # comment\nB=\"line\\nnext \\\"q\\\" \\$HOME\"\nC=\"\"",
            &[
                ("A", "single $X \\n # not a comment"),
                ("B", "line\nnext \"q\" $HOME"),
                ("C", ""),
            ],
        );
        check(
            "KEY=\"first\nsecond\"\nNEXT=1",
            &[("KEY", "first\nsecond"), ("NEXT", "1")],
        );
        check("P='p=a#s'", &[("P", "p=a#s")]);
    }

    #[test]
    fn values_follow_dotenvy() {
        // Expanded from the environment first, then from earlier keys;
        // never in single quotes nor after `\`.
        check(
            "Xq1=x\nB=\"$Xq1-${Xq1}\"\nC='$Xq1'\nD=\\$Xq1\nE=${DBKIT_SURELY_UNSET}.\n",
            &[
                ("Xq1", "x"),
                ("B", "x-x"),
                ("C", "$Xq1"),
                ("D", "$Xq1"),
                ("E", "."),
            ],
        );
        check(
            "A=a\\ b\nB=x \nC=y ",
            &[("A", "a b"), ("B", "x"), ("C", "y")],
        );
        check_error(
            "A=1\nB=a b\n",
            2,
            DotenvProblem::InvalidValue {
                key: "B".to_string(),
            },
        );
        check_error(
            "A=\"\\t\"",
            1,
            DotenvProblem::InvalidValue {
                key: "A".to_string(),
            },
        );
    }

    #[test]
    fn entries_and_errors_name_the_line_they_start_on() {
        let entries = parse_dotenv("# a\n\nA=\"one\ntwo\"\n\n  # b\nB=2\n").unwrap_or_default();
        let lines: Vec<(&str, usize)> = entries
            .iter()
            .map(|entry| (entry.key.as_str(), entry.line))
            .collect();
        assert_eq!(lines, [("A", 3), ("B", 7)]);
        check_error(
            "A=\"one\ntwo\"\n# c\nnot a pair\n",
            4,
            DotenvProblem::NoEquals,
        );
    }

    #[test]
    fn the_last_value_wins() {
        let entries = parse_dotenv("A=1\nA=2\n").unwrap_or_default();
        assert_eq!(dotenv_value(&entries, "A").map(|entry| entry.line), Some(2));
        assert_eq!(dotenv_value(&entries, "B"), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(5_000))]

        #[test]
        fn any_text_parses_or_fails_without_panicking(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "A", "=", "'", "\"", "\\", "\n", "#", " ", "export ", "é", "日本", "1", "_",
                ]),
                12,
            )
        ) {
            let text = pieces.concat();
            if let Err(error) = parse_dotenv(&text) {
                proptest::prop_assert!(
                    error.line >= 1 && error.line <= text.lines().count(),
                    "{text:?}: {error:?}"
                );
            }
        }
    }

    #[test]
    fn malformed_lines_name_their_line() {
        check_error("A=1\nnot a pair\n", 2, DotenvProblem::NoEquals);
        check_error("A=1\n\n1KEY=x", 3, DotenvProblem::NotAVariableName);
        check_error("MY KEY=x", 1, DotenvProblem::NotAVariableName);
        check_error(
            "A='open\nB=2\n",
            1,
            DotenvProblem::UnclosedQuote {
                key: "A".to_string(),
                quote: '\'',
            },
        );
        check_error(
            "A=\"x\" y",
            1,
            DotenvProblem::TextAfterClosingQuote {
                key: "A".to_string(),
            },
        );
        check_error("=x", 1, DotenvProblem::NotAVariableName);
    }

    #[test]
    fn a_byte_order_mark_is_skipped_at_the_start_of_the_file_only() {
        check(
            "\u{feff}DATABASE_URL=postgres://db/x\n",
            &[("DATABASE_URL", "postgres://db/x")],
        );
        check("\u{feff}# comment\nA=1", &[("A", "1")]);
        check_error("A=1\n\u{feff}B=2\n", 2, DotenvProblem::ByteOrderMarkInKey);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2_000))]

        /// No error shows a value, whatever breaks its line.
        #[test]
        fn errors_never_show_a_value(
            characters in "[a-zA-Z0-9@:/%' \"\\\\]{0,20}",
            layout in 0usize..6,
        ) {
            // A prefix no message holds, so that a value shown is seen.
            let secret = format!("Zq9{characters}");
            let line = match layout {
                0 => format!("KEY {secret}"),
                1 => format!("KEY='{secret}"),
                2 => format!("KEY=\"x\" {secret}"),
                3 => format!("postgres://app:{secret}@db/x?sslmode=disable"),
                4 => format!("{secret}=x"),
                _ => format!("DATABASE_URL: password={secret}"),
            };
            let text = format!("A=1\n{line}\n");
            if let Err(error) = parse_dotenv(&text) {
                let shown = error.to_string();
                proptest::prop_assert!(!shown.contains("Zq9"), "{} → {}", text, shown);
            }
        }
    }
}
