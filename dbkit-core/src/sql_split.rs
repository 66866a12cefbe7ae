//! Splitting a migration's SQL into statements where psql would send them to
//! the server: at the `;`s outside strings, quoted identifiers, dollar
//! quotes, comments, parentheses and SQL-standard function bodies
//! (`BEGIN ATOMIC ... END`).
//!
//! The scanner follows psql's own lexer (`psqlscan.l`) byte by byte, so a
//! migration that psql runs is cut into the same statements, and it reads
//! each byte once: a 200 MB data migration splits as fast as it is read,
//! and [`sql_statements`] hands out each statement before looking at the
//! next, so the engine applies the first while the rest is still unread.
//! Like psql with the server's default `standard_conforming_strings = on`,
//! a backslash escapes only inside `E'...'` strings.

/// One statement of a SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement<'a> {
    /// The statement with its `;` and the comments before it.
    pub text: &'a str,
    /// The 1-based line of the text on which the statement's code (after
    /// its leading comments and blanks) starts.
    pub line: usize,
}

impl<'a> SqlStatement<'a> {
    /// The statement's code: its text past the blanks and comments before it.
    pub fn code(&self) -> &'a str {
        code_of(self.text)
    }
}

/// `text` past the blanks and comments (`--`, nested `/* */`) at its start;
/// empty when it holds nothing else.
pub fn code_of(text: &str) -> &str {
    code_start(text).map_or("", |start| &text[start..])
}

/// The statements of `sql`, each with its `;`, split where a `;` ends a
/// statement for psql: not inside a string (`'...'`, `E'...'` with
/// backslash escapes), a quoted identifier, a dollar-quoted body (`$$`,
/// `$tag$`), a comment (`--`, nested `/* */`), parentheses, or the
/// `BEGIN ATOMIC ... END` body of a `CREATE [OR REPLACE] FUNCTION` or
/// `PROCEDURE`. Comments before a statement stay with it; text that holds
/// only comments (after the last statement, say) is left out. A blank line
/// is no separator: a string may hold one.
pub fn split_sql_statements(sql: &str) -> Vec<SqlStatement<'_>> {
    sql_statements(sql).collect()
}

/// The statements of `sql` as [`split_sql_statements`] cuts them, one at a
/// time: each is found by reading only as far as its end.
pub fn sql_statements(sql: &str) -> SqlStatements<'_> {
    SqlStatements {
        sql,
        position: 0,
        line: 1,
    }
}

/// The iterator [`sql_statements`] returns.
#[derive(Debug, Clone)]
pub struct SqlStatements<'a> {
    sql: &'a str,
    /// Where the next statement starts.
    position: usize,
    /// The 1-based line on which `position` lies.
    line: usize,
}

impl<'a> Iterator for SqlStatements<'a> {
    type Item = SqlStatement<'a>;

    fn next(&mut self) -> Option<SqlStatement<'a>> {
        while self.position < self.sql.len() {
            let start = self.position;
            let (end, code) = statement_end(self.sql.as_bytes(), start);
            self.position = end;
            let text = &self.sql[start..end];
            let line = self.line;
            self.line += count_newlines(text);
            if let Some(code) = code {
                let line = line + count_newlines(&self.sql[start..code]);
                return Some(SqlStatement { text, line });
            }
        }
        None
    }
}

fn count_newlines(text: &str) -> usize {
    text.bytes().filter(|&byte| byte == b'\n').count()
}

/// Where the statement starting at `start` ends (past its `;`, or at the
/// end of the text), and where its code starts (`None` when it holds only
/// blanks and comments).
fn statement_end(sql: &[u8], start: usize) -> (usize, Option<usize>) {
    let mut state = StatementState::default();
    let mut code = None;
    let mut position = start;
    while let Some(&byte) = sql.get(position) {
        let next = sql.get(position + 1).copied();
        if is_space(byte) {
            position += 1;
            continue;
        }
        if byte == b'-' && next == Some(b'-') {
            position = line_comment_end(sql, position);
            continue;
        }
        if byte == b'/' && next == Some(b'*') {
            position = block_comment_end(sql, position);
            continue;
        }
        code.get_or_insert(position);
        position = match byte {
            b';' => {
                position += 1;
                if state.parentheses == 0 && state.begin_depth == 0 {
                    return (position, code);
                }
                position
            }
            b'(' => {
                state.parentheses += 1;
                position + 1
            }
            b')' => {
                state.parentheses = state.parentheses.saturating_sub(1);
                position + 1
            }
            b'\'' => quoted_end(sql, position, b'\'', false),
            b'"' => quoted_end(sql, position, b'"', false),
            b'$' => dollar_end(sql, position),
            b'0'..=b'9' => {
                // A number, or psql's "integer junk" such as `1abc`: one
                // token, no identifier.
                position + run_length(&sql[position..], is_identifier_continue)
            }
            _ if is_identifier_start(byte) => {
                let length = run_length(&sql[position..], is_identifier_continue);
                let word = &sql[position..position + length];
                let after = position + length;
                match (word, sql.get(after).copied(), sql.get(after + 1).copied()) {
                    ([b'e' | b'E'], Some(b'\''), _) => quoted_end(sql, after, b'\'', true),
                    ([b'b' | b'B' | b'x' | b'X' | b'n' | b'N'], Some(b'\''), _) => {
                        quoted_end(sql, after, b'\'', false)
                    }
                    ([b'u' | b'U'], Some(b'&'), Some(quote @ (b'\'' | b'"'))) => {
                        quoted_end(sql, after + 1, quote, false)
                    }
                    _ => {
                        state.identifier(word);
                        after
                    }
                }
            }
            _ => position + 1,
        };
    }
    (sql.len(), code)
}

/// What psql's lexer remembers about the statement it is reading.
#[derive(Debug, Default)]
struct StatementState {
    parentheses: usize,
    /// How deep inside `BEGIN ... END` (and `CASE ... END` within one) of
    /// a function's SQL-standard body the scanner is.
    begin_depth: usize,
    /// The first letters of the statement's first four identifiers, where
    /// they are `create`, `or`, `replace`, `function` or `procedure`.
    first_identifiers: [u8; 4],
    identifiers: usize,
}

impl StatementState {
    /// psql's heuristic for SQL-standard bodies: in a statement that
    /// starts `CREATE [OR REPLACE] FUNCTION` or `PROCEDURE`, `BEGIN` opens
    /// a block, `CASE` inside one opens another, and `END` closes one;
    /// semicolons inside do not end the statement.
    fn identifier(&mut self, word: &[u8]) {
        let remembered = [&b"create"[..], b"function", b"procedure", b"or", b"replace"];
        if self.identifiers < self.first_identifiers.len()
            && remembered
                .iter()
                .any(|keyword| word.eq_ignore_ascii_case(keyword))
        {
            self.first_identifiers[self.identifiers] = word[0].to_ascii_lowercase();
        }
        self.identifiers += 1;
        let creates_routine = matches!(
            self.first_identifiers,
            [b'c', b'f' | b'p', ..] | [b'c', b'o', b'r', b'f' | b'p']
        );
        if !creates_routine || self.parentheses != 0 {
            return;
        }
        if word.eq_ignore_ascii_case(b"begin") {
            self.begin_depth += 1;
        } else if word.eq_ignore_ascii_case(b"case") {
            if self.begin_depth >= 1 {
                self.begin_depth += 1;
            }
        } else if word.eq_ignore_ascii_case(b"end") {
            self.begin_depth = self.begin_depth.saturating_sub(1);
        }
    }
}

/// psql's blanks: space, tab, newline, carriage return, form feed and
/// vertical tab.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// A byte that may start an identifier: a letter, `_`, or any byte of a
/// non-ASCII character (PostgreSQL's lexer counts them all as letters).
fn is_identifier_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_identifier_continue(byte: u8) -> bool {
    is_identifier_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

fn run_length(bytes: &[u8], accept: impl Fn(u8) -> bool) -> usize {
    bytes
        .iter()
        .position(|&byte| !accept(byte))
        .unwrap_or(bytes.len())
}

/// The end of the `--` comment at `start`: the next newline or carriage
/// return (not included), or the end of the text.
fn line_comment_end(sql: &[u8], start: usize) -> usize {
    start + run_length(&sql[start..], |byte| byte != b'\n' && byte != b'\r')
}

/// The end of the `/* ... */` comment at `start`, nested comments
/// included (PostgreSQL nests them), or the end of the text.
fn block_comment_end(sql: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut position = start;
    while position < sql.len() {
        match (sql[position], sql.get(position + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                position += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                position += 2;
                if depth == 0 {
                    return position;
                }
            }
            _ => position += 1,
        }
    }
    sql.len()
}

/// The end of the quoted text whose opening `quote` is at `start`, past
/// the closing quote; a doubled quote is one character, and so is a
/// backslash escape when `backslash_escapes` (an `E'...'` string).
fn quoted_end(sql: &[u8], start: usize, quote: u8, backslash_escapes: bool) -> usize {
    let mut position = start + 1;
    while let Some(&byte) = sql.get(position) {
        if backslash_escapes && byte == b'\\' {
            position += 2;
        } else if byte == quote {
            if sql.get(position + 1) == Some(&quote) {
                position += 2;
            } else {
                return position + 1;
            }
        } else {
            position += 1;
        }
    }
    sql.len()
}

/// The end of what starts with the `$` at `start`: a dollar-quoted body
/// (`$$...$$`, `$tag$...$tag$`) past its closing delimiter, a parameter
/// such as `$1`, or the lone `$`.
fn dollar_end(sql: &[u8], start: usize) -> usize {
    let rest = &sql[start + 1..];
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return start + 1 + run_length(rest, is_identifier_continue);
    }
    let tag_length = if rest.first().copied().is_some_and(is_identifier_start) {
        run_length(rest, |byte| {
            is_identifier_start(byte) || byte.is_ascii_digit()
        })
    } else {
        0
    };
    if rest.get(tag_length) != Some(&b'$') {
        return start + 1;
    }
    let delimiter = &sql[start..start + tag_length + 2];
    let body = start + delimiter.len();
    find(&sql[body..], delimiter).map_or(sql.len(), |offset| body + offset + delimiter.len())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut offset = 0;
    while let Some(candidate) = haystack[offset..].iter().position(|&byte| byte == first) {
        let at = offset + candidate;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        offset = at + 1;
    }
    None
}

/// The offset of the first character of `text` outside blanks and
/// comments, or `None` when it holds only those.
pub(crate) fn code_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut position = 0;
    while let Some(&byte) = bytes.get(position) {
        let next = bytes.get(position + 1).copied();
        position = if is_space(byte) {
            position + 1
        } else if byte == b'-' && next == Some(b'-') {
            line_comment_end(bytes, position)
        } else if byte == b'/' && next == Some(b'*') {
            block_comment_end(bytes, position)
        } else {
            return Some(position);
        };
    }
    None
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
    fn semicolons_inside_what_psql_keeps_together_do_not_split() {
        // Parentheses, as in a rule's action list.
        check(
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));SELECT 2;",
            &[
                "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));",
                "SELECT 2;",
            ],
        );
        // SQL-standard bodies, with CASE ... END inside.
        let function = "CREATE FUNCTION add1(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN a + 1 ELSE 0 END;\n  SELECT a;\nEND;";
        check(
            &format!("{function}\nSELECT add1(1);"),
            &[function, "SELECT add1(1);"],
        );
        let procedure =
            "create or replace procedure p() begin atomic insert into t values (1); end;";
        check(&format!("{procedure}CALL p();"), &[procedure, "CALL p();"]);
        // BEGIN is a transaction anywhere else, and a routine's BEGIN
        // inside parentheses is no body.
        check("BEGIN; SELECT 1; END;", &["BEGIN;", "SELECT 1;", "END;"]);
        check(
            "CREATE OR REPLACE TRIGGER t BEGIN; SELECT 1;",
            &["CREATE OR REPLACE TRIGGER t BEGIN;", "SELECT 1;"],
        );
        check(
            "CREATE FUNCTION f(begin int) RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;SELECT 2;",
            &[
                "CREATE FUNCTION f(begin int) RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;",
                "SELECT 2;",
            ],
        );
        // Strings and identifiers of every prefix.
        check(
            "SELECT U&'d\\0061;', U&\"a;\", B'01;', X'AF;', N'n;';SELECT 2;",
            &[
                "SELECT U&'d\\0061;', U&\"a;\", B'01;', X'AF;', N'n;';",
                "SELECT 2;",
            ],
        );
        // Identifiers and numbers that hold a `$` or an `e` are no quote.
        check(
            "SELECT a$b$c, 1e5, $1, e$x FROM t;SELECT 'x;';",
            &["SELECT a$b$c, 1e5, $1, e$x FROM t;", "SELECT 'x;';"],
        );
        check("SELECT some'x;';", &["SELECT some'x;';"]);
        // A dollar quote ends only at its own tag.
        check(
            "SELECT $a$ $b$ ; $$ ; $a$;SELECT 2;",
            &["SELECT $a$ $b$ ; $$ ; $a$;", "SELECT 2;"],
        );
        // A `--` comment ends at a carriage return too.
        check("SELECT 1 -- c\rSELECT 2;", &["SELECT 1 -- c\rSELECT 2;"]);
        check("-- c\r;SELECT 2;", &["-- c\r;", "SELECT 2;"]);
        // Unterminated text runs to the end.
        check("SELECT 'a; SELECT 2;", &["SELECT 'a; SELECT 2;"]);
        check("SELECT E'a\\", &["SELECT E'a\\"]);
        check("SELECT $q$ a; ", &["SELECT $q$ a;"]);
    }

    #[test]
    fn statements_come_one_at_a_time() {
        let mut statements = super::sql_statements("SELECT 1; SELECT 'never closed");
        assert_eq!(
            statements.next().map(|statement| statement.text),
            Some("SELECT 1;")
        );
        assert_eq!(
            statements
                .next()
                .map(|statement| (statement.text, statement.line)),
            Some((" SELECT 'never closed", 1))
        );
        assert_eq!(statements.next(), None);
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
