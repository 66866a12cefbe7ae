//! SQL text as a stream of tokens: for comparing definitions written by
//! people (view queries, function bodies, trigger and policy clauses) and
//! for finding which objects a definition names.
//!
//! Two texts with the same tokens are the same definition to dbkit:
//! whitespace, comments and the case of unquoted words do not count (they
//! do not count for PostgreSQL either, outside function bodies, whose text
//! it keeps verbatim; a body that only changes in layout is still not worth
//! a migration). String literals, quoted identifiers and dollar-quoted
//! strings are kept exactly. This is a lexer, not a parser: `a+b` and
//! `a + b` are equal, `(a)` and `a` are not.

use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    /// An unquoted word, lowercased.
    Word(String),
    /// A `"quoted"` identifier, unescaped.
    QuotedIdentifier(String),
    /// A literal kept as written: `'…'`, `E'…'`, `$tag$…$tag$`.
    Literal(&'a str),
    /// The body of a dollar-quoted string, which may itself be SQL (a
    /// function body, `EXECUTE $q$…$q$`).
    Dollar(&'a str),
    /// A number or operator run, or one punctuation character.
    Symbol(&'a str),
}

/// The tokens of `text`; comments left out.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let rest = &bytes[at..];
        if byte.is_ascii_whitespace() {
            at += 1;
        } else if rest.starts_with(b"--") {
            at += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        } else if rest.starts_with(b"/*") {
            at += block_comment_length(rest);
        } else if byte == b'\'' || ((byte == b'e' || byte == b'E') && rest.get(1) == Some(&b'\'')) {
            let start = if byte == b'\'' { 0 } else { 1 };
            let backslashes = start == 1;
            let end = start + quoted_length(&rest[start..], b'\'', backslashes);
            tokens.push(Token::Literal(&text[at..at + end]));
            at += end;
        } else if byte == b'"' {
            let end = quoted_length(rest, b'"', false);
            let closed = end >= 2 && rest[end - 1] == b'"';
            let inner = &text[at + 1..at + if closed { end - 1 } else { end }];
            tokens.push(Token::QuotedIdentifier(inner.replace("\"\"", "\"")));
            at += end;
        } else if byte == b'$' && dollar_tag_length(rest).is_some() {
            let tag_length = dollar_tag_length(rest).unwrap_or(1);
            let tag = &rest[..tag_length];
            let body_start = at + tag_length;
            let body_end = find(&bytes[body_start..], tag).map(|i| body_start + i);
            match body_end {
                Some(end) => {
                    tokens.push(Token::Dollar(&text[body_start..end]));
                    at = end + tag_length;
                }
                None => {
                    tokens.push(Token::Literal(&text[at..]));
                    at = bytes.len();
                }
            }
        } else if (byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80)
            && word_length(text, at) > 0
        {
            // A character outside ASCII that is no letter (`—`, `→`) is no
            // word: it falls through to the last branch, one symbol.
            let length = word_length(text, at);
            tokens.push(Token::Word(text[at..at + length].to_lowercase()));
            at += length;
        } else if byte.is_ascii_digit() {
            let length = rest
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Symbol(&text[at..at + length]));
            at += length;
        } else if is_operator(byte) {
            let length = rest
                .iter()
                .position(|b| !is_operator(*b) || rest.starts_with(b"--"))
                .unwrap_or(rest.len())
                .max(1);
            tokens.push(Token::Symbol(&text[at..at + length]));
            at += length;
        } else {
            let length = text[at..].chars().next().map_or(1, char::len_utf8);
            tokens.push(Token::Symbol(&text[at..at + length]));
            at += length;
        }
    }
    tokens
}

fn is_operator(byte: u8) -> bool {
    b"+-*/<>=~!@#%^&|`?".contains(&byte)
}

fn word_length(text: &str, at: usize) -> usize {
    text[at..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
        .map_or(text.len() - at, |(i, _)| i)
}

fn block_comment_length(rest: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut at = 0;
    while at < rest.len() {
        if rest[at..].starts_with(b"/*") {
            depth += 1;
            at += 2;
        } else if rest[at..].starts_with(b"*/") {
            depth -= 1;
            at += 2;
            if depth == 0 {
                return at;
            }
        } else {
            at += 1;
        }
    }
    rest.len()
}

/// The length of a quoted run starting at `rest[0] == quote`, closing quote
/// included (doubled quotes, and backslash escapes when asked, stay inside).
fn quoted_length(rest: &[u8], quote: u8, backslashes: bool) -> usize {
    let mut at = 1;
    while at < rest.len() {
        let byte = rest[at];
        if backslashes && byte == b'\\' {
            at += 2;
        } else if byte == quote {
            if rest.get(at + 1) == Some(&quote) {
                at += 2;
            } else {
                return at + 1;
            }
        } else {
            at += 1;
        }
    }
    rest.len()
}

/// `$$` or `$tag$` at the start of `rest`: its length.
fn dollar_tag_length(rest: &[u8]) -> Option<usize> {
    let close = rest[1..].iter().position(|&b| b == b'$')? + 1;
    let tag = &rest[1..close];
    let valid = tag.iter().enumerate().all(|(i, b)| {
        b.is_ascii_alphabetic() || *b == b'_' || *b >= 0x80 || (i > 0 && b.is_ascii_digit())
    });
    valid.then_some(close + 1)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// `text` with whitespace and comments gone and unquoted words lowercased:
/// equal for two texts that differ only in layout, comments and case.
pub fn normalize_sql(text: &str) -> String {
    let mut normalized = String::with_capacity(text.len());
    for token in tokens(text) {
        if !normalized.is_empty() {
            normalized.push(' ');
        }
        match token {
            Token::Word(word) => normalized.push_str(&word),
            Token::QuotedIdentifier(name) => {
                normalized.push('"');
                normalized.push_str(&name.replace('"', "\"\""));
                normalized.push('"');
            }
            Token::Literal(text) | Token::Symbol(text) => normalized.push_str(text),
            Token::Dollar(body) => {
                // The tag does not count; the body, as SQL, is normalised
                // too (a function body inside a generic object's text).
                normalized.push_str("$$ ");
                normalized.push_str(&normalize_sql(body));
                normalized.push_str(" $$");
            }
        }
    }
    normalized
}

/// Every name `text` may mention: its unquoted words lowercased and its
/// quoted identifiers as written, also inside dollar-quoted strings (which
/// hold SQL as often as not). Errs on the side of more: keywords and
/// column names are in it too.
pub fn mentioned_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    collect_names(text, &mut names);
    names
}

fn collect_names(text: &str, names: &mut BTreeSet<String>) {
    for token in tokens(text) {
        match token {
            Token::Word(word) => {
                names.insert(word);
            }
            Token::QuotedIdentifier(name) => {
                names.insert(name);
            }
            Token::Dollar(body) => collect_names(body, names),
            // `'public.users'::regclass`, `nextval('seq')`: a name inside
            // a literal still names an object.
            Token::Literal(literal) => {
                let inner = literal.trim_start_matches(['e', 'E']).trim_matches('\'');
                for part in inner.split(['.', ' ']) {
                    let part = part.trim_matches('"');
                    if !part.is_empty() {
                        names.insert(part.to_string());
                        names.insert(part.to_lowercase());
                    }
                }
            }
            Token::Symbol(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_comments_and_case_do_not_count() {
        assert_eq!(
            normalize_sql("SELECT id,\n  Email -- who\nFROM users /* all */ WHERE x>1"),
            normalize_sql("select id, email from USERS where x > 1")
        );
    }

    #[test]
    fn literals_quoted_names_and_real_changes_count() {
        assert_ne!(normalize_sql("select 'A'"), normalize_sql("select 'a'"));
        assert_ne!(normalize_sql("select \"A\""), normalize_sql("select \"a\""));
        assert_ne!(
            normalize_sql("select a from t"),
            normalize_sql("select b from t")
        );
        assert_ne!(normalize_sql("x > 1"), normalize_sql("x >= 1"));
        assert_eq!(
            normalize_sql("BEGIN\n  RETURN 1;\nEND"),
            normalize_sql("begin return 1; end")
        );
    }

    #[test]
    fn names_are_found_outside_literals_and_inside_dollar_quotes_and_regclass_strings() {
        let names = mentioned_names(
            "select * from public.\"Orders\" o join items on true -- users\n where f($q$ select 1 from logs $q$) and nextval('public.seq_a')",
        );
        for name in ["items", "logs", "seq_a", "public", "f"] {
            assert!(
                names.contains(name) || names.contains(&name.to_uppercase()),
                "{name}: {names:?}"
            );
        }
        assert!(names.contains("Orders"));
        assert!(!names.contains("users"));
    }

    #[test]
    fn unterminated_text_and_symbols_outside_ascii_never_panic_nor_hang() {
        for text in [
            "'abc", "\"abc", "$a$ abc", "/* abc", "e'\\", "$", "-", "é'", "a — b", "→", "x→y",
        ] {
            let _ = normalize_sql(text);
            let _ = mentioned_names(text);
        }
    }

    proptest::proptest! {
        /// Any text, SQL-like or not, is read to its end: the lexer always
        /// moves on, and layout never matters.
        #[test]
        fn any_text_is_read_to_its_end(text in "(\\PC|[ \n'\"$\\-/*])*") {
            let normalized = normalize_sql(&text);
            let _ = mentioned_names(&text);
            proptest::prop_assert_eq!(normalize_sql(&format!(" \n {text}")), normalized);
        }
    }
}
