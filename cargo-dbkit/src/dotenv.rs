//! A reader of `.env` files, the format dotenvy and docker compose read:
//! `KEY=VALUE` lines, `# comments`, an optional `export ` prefix, values in
//! single quotes (literal) or double quotes (with `\n`, `\t`, `\"`, `\\`
//! escapes; both may span lines). Values are taken as written: `$VAR` is
//! not expanded.

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
#[error("{message}")]
pub struct DotenvError {
    /// The 1-based line.
    pub line: usize,
    pub message: String,
}

/// The entries of a `.env` file's text, in order (a later entry for a key
/// wins when looked up with [`dotenv_value`]).
pub fn parse_dotenv(text: &str) -> Result<Vec<DotenvEntry>, DotenvError> {
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
        let error = |message: String| DotenvError {
            line: line_number,
            message,
        };
        let line = line
            .strip_prefix("export")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            return Err(error(format!(
                "expected `KEY=VALUE`, found `{}`",
                shorten(line)
            )));
        };
        let key = key.trim_end();
        if !is_key(key) {
            return Err(error(format!(
                "`{}` is not a variable name (letters, digits and `_`, not starting with a digit)",
                shorten(key)
            )));
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
                            return Err(error(format!(
                                "unexpected `{}` after the closing quote",
                                shorten(after)
                            )));
                        }
                        break value;
                    }
                    let Some(next) = lines.get(index) else {
                        return Err(error(format!("the value's {quote} quote is never closed")));
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

/// At most 40 characters of `text`, for messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
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

    fn check_error(text: &str, line: usize, message: &str) {
        match parse_dotenv(text) {
            Ok(entries) => panic!("{text:?} parsed: {entries:?}"),
            Err(error) => {
                assert_eq!(error.line, line, "{error}");
                assert!(error.message.contains(message), "{error}");
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
        check_error("A=1\nnot a pair\n", 2, "expected `KEY=VALUE`");
        check_error("A=1\n\n1KEY=x", 3, "not a variable name");
        check_error("MY KEY=x", 1, "not a variable name");
        check_error("A='open\nB=2\n", 1, "never closed");
        check_error("A=\"x\" y", 1, "unexpected `y`");
        check_error("=x", 1, "not a variable name");
    }
}
