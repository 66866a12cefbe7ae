//! Splitting a migration's SQL into statements, at the `;`s outside strings, quoted identifiers, dollar quotes and comments.

/// One statement of a SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement<'a> {
    /// The statement with its `;` and the comments before it.
    pub text: &'a str,
    /// The 1-based line of the text on which the statement's code (after
    /// its leading comments and blanks) starts.
    pub line: usize,
}

/// The statements of `sql`, each with its `;`, split where a `;` ends a
/// statement: not inside a string (`'...'`, `E'...'` with backslash
/// escapes), a quoted identifier, a dollar-quoted body (`$$`, `$tag$`) or a
/// comment (`--`, nested `/* */`). Comments before a statement stay with
/// it; text that holds only comments (after the last statement, say) is
/// left out. A blank line is no separator: a string may hold one.
pub fn split_sql_statements(sql: &str) -> Vec<SqlStatement<'_>> {
    let mut statements = Vec::new();
    let mut start = 0;
    let mut position = 0;
    while let Some(character) = sql[position..].chars().next() {
        let rest = &sql[position..];
        let before = &sql[start..position];
        let skipped = match character {
            '\'' => {
                let escapes = before.ends_with(['E', 'e'])
                    && !before[..before.len() - 1].ends_with(is_identifier_character);
                quoted_length(rest, '\'', escapes)
            }
            '"' => quoted_length(rest, '"', false),
            '-' if rest.starts_with("--") => rest.find('\n').unwrap_or(rest.len()),
            '/' if rest.starts_with("/*") => block_comment_length(rest),
            '$' if !before.ends_with(is_identifier_character) => {
                dollar_quoted_length(rest).unwrap_or(1)
            }
            _ => character.len_utf8(),
        };
        position += skipped;
        if character == ';' {
            push_statement(sql, start, position, &mut statements);
            start = position;
        }
    }
    push_statement(sql, start, sql.len(), &mut statements);
    statements
}

fn push_statement<'a>(
    sql: &'a str,
    start: usize,
    end: usize,
    statements: &mut Vec<SqlStatement<'a>>,
) {
    let text = &sql[start..end];
    if let Some(code_offset) = code_start(text) {
        let line = 1 + sql[..start + code_offset].matches('\n').count();
        statements.push(SqlStatement { text, line });
    }
}

fn is_identifier_character(character: char) -> bool {
    character.is_alphanumeric() || character == '_'
}

/// The offset of the first character of `text` outside blanks and
/// comments, or `None` when it holds only those.
pub(crate) fn code_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    loop {
        let rest = &text[offset..];
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.starts_with("--") {
            offset += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            offset += block_comment_length(trimmed);
        } else {
            return Some(offset);
        }
    }
}

/// The length of the `/* ... */` comment at the start of `text`, nested
/// comments included (PostgreSQL nests them).
fn block_comment_length(text: &str) -> usize {
    let mut depth = 0usize;
    let mut position = 0;
    while position < text.len() {
        let rest = &text[position..];
        if rest.starts_with("/*") {
            depth += 1;
            position += 2;
        } else if rest.starts_with("*/") {
            depth -= 1;
            position += 2;
            if depth == 0 {
                return position;
            }
        } else {
            position += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    text.len()
}

/// The length of the quoted text at the start of `text` (which starts
/// with `quote`), the closing quote included; a doubled quote is one
/// character, and so is a backslash escape in an `E'...'` string.
fn quoted_length(text: &str, quote: char, backslash_escapes: bool) -> usize {
    let mut characters = text.char_indices().skip(1).peekable();
    while let Some((index, character)) = characters.next() {
        if backslash_escapes && character == '\\' {
            characters.next();
        } else if character == quote {
            if characters.peek().is_some_and(|&(_, next)| next == quote) {
                characters.next();
            } else {
                return index + 1;
            }
        }
    }
    text.len()
}

/// The length of a `$tag$...$tag$` body at the start of `text`, or `None`
/// when the `$` starts none (a parameter such as `$1`).
fn dollar_quoted_length(text: &str) -> Option<usize> {
    let tag_end = text[1..].find(|c: char| !is_identifier_character(c))? + 1;
    if !text[tag_end..].starts_with('$')
        || text[1..tag_end].starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let tag = &text[..=tag_end];
    let body = &text[tag.len()..];
    Some(tag.len() + body.find(tag).map_or(body.len(), |end| end + tag.len()))
}

#[cfg(test)]
mod tests {
    use super::split_sql_statements;

    fn check(sql: &str, expected: &[&str]) {
        let statements = split_sql_statements(sql);
        let trimmed: Vec<&str> = statements
            .iter()
            .map(|statement| statement.text.trim())
            .collect();
        assert_eq!(trimmed, expected, "statements of:\n{sql}");
    }

    fn check_lines(sql: &str, expected: &[usize]) {
        let lines: Vec<usize> = split_sql_statements(sql)
            .iter()
            .map(|statement| statement.line)
            .collect();
        assert_eq!(lines, expected, "lines of:\n{sql}");
    }

    #[test]
    fn statements_end_at_semicolons_outside_quotes_and_comments() {
        check("", &[]);
        check("-- header\n-- only comments\n\n", &[]);
        check("SELECT 1;\n\nSELECT 2;\n", &["SELECT 1;", "SELECT 2;"]);
        check("SELECT 1", &["SELECT 1"]);
        check(
            "-- dbkit:no-transaction\n\nCOMMENT ON TABLE t IS 'one;\n\ntwo';\n\nSELECT 2;",
            &[
                "-- dbkit:no-transaction\n\nCOMMENT ON TABLE t IS 'one;\n\ntwo';",
                "SELECT 2;",
            ],
        );
        check(
            "SELECT 'it''s; here';SELECT 2;",
            &["SELECT 'it''s; here';", "SELECT 2;"],
        );
        check(
            "SELECT E'a\\'; b';SELECT 2;",
            &["SELECT E'a\\'; b';", "SELECT 2;"],
        );
        check("SELECT 'a\\';SELECT 2;", &["SELECT 'a\\';", "SELECT 2;"]);
        check(
            "CREATE TABLE \"a;\"\"b\" (x int);SELECT 2;",
            &["CREATE TABLE \"a;\"\"b\" (x int);", "SELECT 2;"],
        );
        check(
            "SELECT $f$ ; $ $f$;SELECT $1;",
            &["SELECT $f$ ; $ $f$;", "SELECT $1;"],
        );
        check(
            "SELECT $$ ; $$;SELECT 2;",
            &["SELECT $$ ; $$;", "SELECT 2;"],
        );
        check("SELECT a$b; SELECT 2;", &["SELECT a$b;", "SELECT 2;"]);
        check(
            "SELECT 1; -- a comment; with a semicolon\nSELECT /* ; */ 2;",
            &[
                "SELECT 1;",
                "-- a comment; with a semicolon\nSELECT /* ; */ 2;",
            ],
        );
        check(
            "SELECT /* outer /* inner; */ still; */ 1;SELECT 2;",
            &["SELECT /* outer /* inner; */ still; */ 1;", "SELECT 2;"],
        );
        check("/* a /* b */ c; */", &[]);
    }

    #[test]
    fn each_statement_knows_the_line_its_code_starts_on() {
        check_lines(
            "SELECT 1;\n\n-- two\nSELECT 2;\n/* three\n*/\n  SELECT\n3;",
            &[1, 4, 7],
        );
        check_lines(
            "-- header\n\nCREATE FUNCTION f() RETURNS int AS $$\nSELECT 1;\n$$ LANGUAGE sql;\nSELECT 2;",
            &[3, 6],
        );
    }
}
