//! Text written into SQL: quoted identifiers, string literals, dollar-quoted
//! bodies and comments, each written so that no text it carries can end it.
//!
//! **Identifiers** are double-quoted with `"` doubled: PostgreSQL accepts
//! any character but NUL in a quoted identifier, so names such as `Order`
//! or `user name` (or one with a newline, adopted by `pull`) keep their
//! exact spelling in statements. The parser refuses NUL.
//!
//! **String literals** mean the same whatever the session's
//! `standard_conforming_strings`: a text without a backslash is a plain
//! `'…'` (a backslash is the only character that setting changes), one
//! with a backslash an escape string `E'…'` with backslashes and quotes
//! doubled. `E'…'` rather than dollar quoting, because with both doubled
//! the literal ends at the same quote for a lexer that knows escape strings
//! and for one that does not, so every tool that splits migrations agrees
//! on where it ends.
//!
//! **Comments** never carry a line break: [`escape_control_characters`]
//! writes every control character as an escape, so that a name that holds
//! `\n` cannot end a `--` comment and turn the rest of its line into a
//! statement, nor move a terminal's cursor when the same text is printed.

use crate::model::QualifiedName;

/// `"name"`, with `"` doubled inside.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."name"`.
pub fn quote_qualified(name: &QualifiedName) -> String {
    format!(
        "{}.{}",
        quote_identifier(&name.schema),
        quote_identifier(&name.name)
    )
}

/// `"schema"."table"."column"`.
pub fn quote_column(table: &QualifiedName, column: &str) -> String {
    format!("{}.{}", quote_qualified(table), quote_identifier(column))
}

/// A string literal holding `text`, read the same with
/// `standard_conforming_strings` on or off: `'text'` with `'` doubled when
/// there is no backslash, else `E'…'` with `\` and `'` doubled.
pub fn quote_literal(text: &str) -> String {
    if !text.contains('\\') {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut literal = String::with_capacity(text.len() + 4);
    literal.push_str("E'");
    for character in text.chars() {
        match character {
            '\'' => literal.push_str("''"),
            '\\' => literal.push_str("\\\\"),
            other => literal.push(other),
        }
    }
    literal.push('\'');
    literal
}

/// `$tag$body$tag$`, with the first of `tag`, `tag1`, `tag2`… whose
/// delimiter appears nowhere in `body`, so that the body cannot end the
/// string early. `tag` is a plain lowercase name.
pub fn dollar_quote(body: &str, tag: &str) -> String {
    let mut candidate = tag.to_string();
    let mut number = 0u32;
    while body.contains(&format!("${candidate}$")) || body.ends_with(&format!("${candidate}")) {
        number += 1;
        candidate = format!("{tag}{number}");
    }
    format!("${candidate}${body}${candidate}$")
}

/// `text` with every control character written as an escape: `\n`, `\r`
/// and `\t` as themselves, any other C0 or C1 control and DEL as
/// `\u{1b}`; also the Unicode line and paragraph separators (editors break
/// lines there) and the bidirectional controls (which make an editor show
/// text in another order than it runs). The result is one line that shows
/// what it holds: safe in a `--` comment and on a terminal.
///
/// A backslash is left as it is, so the function is idempotent: text that
/// already went through it (a warning written into a comment) comes back
/// unchanged. A name holding a backslash followed by `n` therefore reads
/// like one holding a newline; the statement below the comment spells the
/// name exactly.
pub fn escape_control_characters(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        match character {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            other if needs_escape(other) => {
                escaped.push_str(&format!("\\u{{{:x}}}", u32::from(other)));
            }
            other => escaped.push(other),
        }
    }
    escaped
}

/// `-- text`, with the text's control characters escaped
/// ([`escape_control_characters`]): a comment that ends where the line
/// does, whatever the text holds.
pub fn line_comment(text: &str) -> String {
    format!("-- {}", escape_control_characters(text))
}

fn needs_escape(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_without_a_backslash_stay_plain() {
        assert_eq!(quote_literal("add_users"), "'add_users'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(""), "''");
    }

    #[test]
    fn literals_with_a_backslash_are_escape_strings() {
        assert_eq!(quote_literal(r"a\b"), r"E'a\\b'");
        assert_eq!(
            quote_literal(r"a\'; DROP TABLE victim2; --"),
            r"E'a\\''; DROP TABLE victim2; --'"
        );
    }

    #[test]
    fn dollar_quotes_pick_a_tag_absent_from_the_body() {
        assert_eq!(
            dollar_quote("SELECT 1;", "dbkit"),
            "$dbkit$SELECT 1;$dbkit$"
        );
        assert_eq!(
            dollar_quote("x $dbkit$ y", "dbkit"),
            "$dbkit1$x $dbkit$ y$dbkit1$"
        );
        assert_eq!(
            dollar_quote("$dbkit$ $dbkit1$", "dbkit"),
            "$dbkit2$$dbkit$ $dbkit1$$dbkit2$"
        );
        assert_eq!(
            dollar_quote("ends in $dbkit", "dbkit"),
            "$dbkit1$ends in $dbkit$dbkit1$"
        );
    }

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert_eq!(
            escape_control_characters("x\nDROP TABLE victim; --"),
            r"x\nDROP TABLE victim; --"
        );
        assert_eq!(escape_control_characters("a\rb\tc"), r"a\rb\tc");
        assert_eq!(escape_control_characters("\u{1b}[2J"), r"\u{1b}[2J");
        assert_eq!(
            escape_control_characters("\u{7f}\u{85}\u{9b}"),
            r"\u{7f}\u{85}\u{9b}"
        );
        assert_eq!(
            escape_control_characters("a\u{2028}b\u{202e}c"),
            r"a\u{2028}b\u{202e}c"
        );
        assert_eq!(
            escape_control_characters(r#"Ünïcode ✓ "q" 'q' \n"#),
            r#"Ünïcode ✓ "q" 'q' \n"#
        );
    }

    #[test]
    fn escaping_twice_changes_nothing() {
        let once = escape_control_characters("a\nb\u{0}c\\d");
        assert_eq!(escape_control_characters(&once), once);
    }

    #[test]
    fn line_comments_are_one_line() {
        assert_eq!(
            line_comment("WARNING: drops table \"public\".\"x\nDROP TABLE victim; --\""),
            r#"-- WARNING: drops table "public"."x\nDROP TABLE victim; --""#
        );
    }
}
