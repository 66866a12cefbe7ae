//! The statement splitter against PostgreSQL's own parser (libpg_query,
//! `pg_query::split_with_parser`): on real migration folders and sample
//! schemas nobody on dbkit wrote (`tests/fixtures/corpus`, sources in its
//! README) and on random files built from every construct psql's lexer
//! knows, dbkit cuts exactly the statements PostgreSQL parses. A file psql
//! runs is one whose pieces the server parses, so these are psql's cuts.

use dbkit_core::sql_split::split_sql_statements;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// A statement without the blanks and comments before it and the `;` and
/// blanks after it.
fn code(statement: &str) -> &str {
    let mut rest = statement;
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix("--") {
            rest = comment.find(['\n', '\r']).map_or("", |end| &comment[end..]);
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            let mut end = rest.len();
            let bytes = rest.as_bytes();
            let mut index = 0;
            while index + 1 < bytes.len() {
                match &bytes[index..index + 2] {
                    b"/*" => {
                        depth += 1;
                        index += 2;
                    }
                    b"*/" => {
                        depth -= 1;
                        index += 2;
                        if depth == 0 {
                            end = index;
                            break;
                        }
                    }
                    _ => index += 1,
                }
            }
            rest = &rest[end..];
        } else {
            break;
        }
    }
    rest.trim_end().trim_end_matches(';').trim_end()
}

/// dbkit's statements and the parser's, both as [`code`].
fn both_splits(sql: &str) -> Result<(Vec<&str>, Vec<String>), String> {
    let ours: Vec<&str> = split_sql_statements(sql)
        .iter()
        .map(|statement| code(statement.text))
        .filter(|statement| !statement.is_empty())
        .collect();
    let parsed = pg_query::split_with_parser(sql).map_err(|error| error.to_string())?;
    let theirs = parsed
        .iter()
        .map(|statement| code(statement).to_string())
        .filter(|statement| !statement.is_empty())
        .collect();
    Ok((ours, theirs))
}

fn corpus_files() -> Vec<PathBuf> {
    fn walk(directory: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(directory).expect("corpus folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|extension| extension == "sql") {
                files.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/corpus");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
}

#[test]
fn real_migration_files_split_where_postgresql_parses_them() {
    let files = corpus_files();
    assert!(files.len() > 150, "the corpus holds {} files", files.len());
    let mut statements = 0;
    for file in &files {
        let sql = std::fs::read_to_string(file).expect("read");
        let (ours, theirs) = both_splits(&sql)
            .unwrap_or_else(|error| panic!("{}: PostgreSQL's parser: {error}", file.display()));
        assert_eq!(ours, theirs, "{}", file.display());
        statements += ours.len();
    }
    assert!(statements > 700, "{statements} statements");
}

/// A random statement PostgreSQL's grammar accepts, made of what psql's
/// lexer must not cut inside: strings of every kind, quoted identifiers,
/// dollar quotes, nested comments, parentheses, `BEGIN ATOMIC` bodies with
/// `CASE ... END`.
fn statement() -> impl Strategy<Value = String> {
    let text = "[a-z ;'\"$*/\\-\\\\\n]{0,12}";
    prop_oneof![
        text.prop_map(|text| format!("SELECT '{}'", text.replace('\'', "''"))),
        text.prop_map(|text| format!(
            "SELECT E'{}'",
            text.replace('\\', "\\\\").replace('\'', "\\'")
        )),
        text.prop_map(|text| format!("SELECT U&'{}'", text.replace('\'', "''").replace('\\', "\\\\"))),
        text.prop_map(|text| format!("SELECT 1 AS \"x{}\"", text.replace('"', "\"\""))),
        text.prop_map(|text| format!("SELECT 1 AS U&\"x{}\"", text.replace('"', "\"\"").replace('\\', "\\\\"))),
        (text, "[a-z]{0,3}").prop_filter_map("the tag is in the body", |(text, tag)| {
            let delimiter = format!("${tag}$");
            (!format!("{text}$").contains(&delimiter))
                .then(|| format!("SELECT {delimiter}{text}{delimiter}"))
        }),
        text.prop_filter_map("a comment end", |text| {
            (!text.contains("*/") && !text.contains("/*") && !text.ends_with('/') && !text.ends_with('*'))
                .then(|| format!("SELECT /* {text} /* nested; */ */ 1"))
        }),
        text.prop_map(|text| format!(
            "SELECT 1 -- {}\n + 2",
            text.replace(['\n', '\r'], " ")
        )),
        Just("SELECT (1)".to_string()),
        Just("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))".to_string()),
        Just("CREATE FUNCTION add1(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END".to_string()),
        Just("create or replace function f(a int) returns int language sql\nbegin atomic\n  select case when a > 0 then 1 else 0 end;\n  select a;\nend".to_string()),
        Just("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END".to_string()),
        Just("CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql".to_string()),
        Just("DO $do$ BEGIN PERFORM 1; END $do$".to_string()),
        Just("BEGIN".to_string()),
        Just("END".to_string()),
        Just("SELECT $1".to_string()),
        Just("SELECT a$b FROM t".to_string()),
        Just("SELECT 1e5, 0x1F, B'01', X'AF', N'n;'".to_string()),
    ]
}

/// What goes between statements: blanks and comments.
fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("\n\n-- a comment; with a semicolon\n".to_string()),
        Just("\r\n".to_string()),
        Just("/* ; */\n".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_files_split_where_postgresql_parses_them(
        pieces in prop::collection::vec((statement(), separator()), 1..8),
        last_semicolon in any::<bool>(),
    ) {
        let mut sql = String::new();
        for (index, (statement, separator)) in pieces.iter().enumerate() {
            sql.push_str(statement);
            if index + 1 < pieces.len() || last_semicolon {
                sql.push(';');
            }
            sql.push_str(separator);
        }
        let (ours, theirs) = both_splits(&sql).map_err(|error| TestCaseError::fail(format!("{error}\n{sql}")))?;
        prop_assert_eq!(ours, theirs, "{}", sql);
    }
}
