//! A reader of `.env` files, the format dotenvy and docker compose read:
//! `KEY=VALUE` lines, `# comments`, an optional `export ` prefix, values in
//! single quotes (literal) or double quotes (with `\n`, `\t`, `\"`, `\\`
//! escapes; both may span lines). Values are taken as written: `$VAR` is
//! not expanded. A UTF-8 byte-order mark at the start of the file, which
//! some Windows editors write, is skipped.
//!
//! An error names the line and, when the line has one, the key, but never
//! shows the line's text: a value may be a password, and a line that does
//! not parse may be a value with its key missing.

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
}

/// The entries of a `.env` file's text, in order (a later entry for a key
/// wins when looked up with [`dotenv_value`]).
pub fn parse_dotenv(text: &str) -> Result<Vec<DotenvEntry>, DotenvError> {
    let text = text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut entries = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line_number = index + 1;
        let line = lines[index].trim();
        index += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |problem: DotenvProblem| DotenvError {
            line: line_number,
            problem,
        };
        let line = line
            .strip_prefix("export")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            return Err(error(DotenvProblem::NoEquals));
        };
        let key = key.trim_end();
        if key.contains(BYTE_ORDER_MARK) {
            return Err(error(DotenvProblem::ByteOrderMarkInKey));
        }
        if !is_key(key) {
            return Err(error(DotenvProblem::NotAVariableName));
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                // The quoted value may go on over the next lines.
                let mut quoted = rest[1..].to_string();
                loop {
                    if let Some((value, after)) = split_at_closing_quote(&quoted, quote) {
                        let after = after.trim_start();
                        if !after.is_empty() && !after.starts_with('#') {
                            return Err(error(DotenvProblem::TextAfterClosingQuote {
                                key: key.to_string(),
                            }));
                        }
                        break value;
                    }
                    let Some(next) = lines.get(index) else {
                        return Err(error(DotenvProblem::UnclosedQuote {
                            key: key.to_string(),
                            quote,
                        }));
                    };
                    quoted.push('\n');
                    quoted.push_str(next);
                    index += 1;
                }
            }
            _ => unquoted_value(rest),
        };
        entries.push(DotenvEntry {
            key: key.to_string(),
            value,
            line: line_number,
        });
    }
    Ok(entries)
}

/// The value of the last entry for `key`.
pub fn dotenv_value<'a>(entries: &'a [DotenvEntry], key: &str) -> Option<&'a DotenvEntry> {
    entries.iter().rev().find(|entry| entry.key == key)
}

fn is_key(key: &str) -> bool {
    let mut characters = key.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && characters
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '_' | '.'))
}

/// An unquoted value ends at a ` #` comment; surrounding blanks are dropped.
fn unquoted_value(text: &str) -> String {
    let mut end = text.len();
    let mut previous_blank = true;
    for (position, character) in text.char_indices() {
        if character == '#' && previous_blank {
            end = position;
            break;
        }
        previous_blank = character.is_whitespace();
    }
    text[..end].trim().to_string()
}

/// The value inside the quotes (escapes applied for `"`) and the text after
/// the closing quote, or `None` when `text` has no closing quote yet.
fn split_at_closing_quote(text: &str, quote: char) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut characters = text.char_indices();
    while let Some((position, character)) = characters.next() {
        if character == quote {
            return Some((value, &text[position + 1..]));
        }
        if quote == '"' && character == '\\' {
            match characters.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'r')) => value.push('\r'),
                Some((_, escaped)) => {
                    if !matches!(escaped, '"' | '\\' | '$') {
                        value.push('\\');
                    }
                    value.push(escaped);
                }
                None => value.push('\\'),
            }
        } else {
            value.push(character);
        }
    }
    None
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
