//! Tests of functions and triggers in the DSL: what the parser and the
//! resolver accept, and their messages for what they refuse.

use super::*;
use crate::resolve::resolve_schema;
use std::fmt::Write as _;

/// The errors of `source` (as `src/a.rs`), one per line with place, label,
/// notes and help; or `ok` and the functions' and triggers' debug forms.
fn outcome(source: &str) -> String {
    let declarations = match parse_source_file(source, "src/a.rs") {
        Ok(found) => {
            let text = serde_json::to_string(&found).unwrap_or_default();
            let read: Vec<Declaration> = serde_json::from_str(&text).unwrap_or_default();
            assert_eq!(read, found, "declarations survive the parse cache's serde");
            found
        }
        Err(errors) => return render_errors(&errors),
    };
    match resolve_schema(declarations) {
        Ok(schema) => {
            let mut out = String::from("ok\n");
            for function in &schema.functions {
                let _ = writeln!(out, "{function:?}");
            }
            for trigger in &schema.triggers {
                let _ = writeln!(out, "{trigger:?}");
            }
            out
        }
        Err(errors) => render_errors(&errors),
    }
}

fn render_errors(errors: &[SchemaError]) -> String {
    let mut out = String::new();
    for error in errors {
        let location = &error.location;
        let _ = writeln!(
            out,
            "{}:{}:{}+{}: {}",
            location.file, location.line, location.column, error.span_len, error.message
        );
        if let Some(label) = &error.label {
            let _ = writeln!(out, "  label: {label}");
        }
        for (location, text) in &error.related {
            let _ = writeln!(out, "  note {location}: {text}");
        }
        if let Some(help) = &error.help {
            let _ = writeln!(out, "  help: {help}");
        }
    }
    out
}

/// Each case's source and outcome, for one snapshot.
fn cases(cases: &[&str]) -> String {
    cases
        .iter()
        .map(|source| format!("--- {}\n{}", source.trim(), outcome(source)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn functions_with_every_option_read() {
    insta::assert_snapshot!(cases(&[
        r#"
/// The total.
#[derive(Function)]
#[dbkit(function = "order_total", schema = "app", args("order_id int8", "with_tax boolean DEFAULT true"),
        returns = "numeric", language = "SQL", stable, strict, security_definer, parallel = "safe",
        set(search_path = "app, pg_temp"), body = "SELECT 1")]
pub struct OrderTotal;
"#,
        r#"
#[derive(dbkit::Function)]
#[dbkit(procedure, args("OUT n integer"), language = "plpgsql", body = "BEGIN n := 1; END")]
pub struct ArchiveOrders;
"#,
    ]));
}

#[test]
fn bad_functions_are_errors_with_their_place() {
    insta::assert_snapshot!(cases(&[
        r#"
#[derive(Function)]
#[dbkit(function = "f", returns = "int", language = "plpgsq", body = "BEGIN END")]
pub struct F;
"#,
        r#"
#[derive(Function)]
#[dbkit(function = "f", returns = "int", language = "cobol", body = "x")]
pub struct F;
"#,
        r#"
#[derive(Function)]
#[dbkit(function = "f", retuns = "int", language = "sql", body = "SELECT 1")]
pub struct F;
"#,
        r#"
#[derive(Function)]
#[dbkit(function = "f", language = "sql", stable, immutable, args("x int DEFAULT", a), body = "")]
pub struct F;
"#,
        r#"
#[derive(Function)]
#[dbkit(procedure = "p", returns = "int", strict, parallel = "always", language = "sql", body = "SELECT 1")]
pub struct P;
"#,
        r#"
#[derive(Function)]
#[dbkit(function = "f", returns = "int", language = "sql", body = "SELECT 1")]
pub struct F;
#[derive(Function)]
#[dbkit(function = "f", returns = "bigint", language = "sql", body = "SELECT 2")]
pub struct G;
"#,
        r#"
#[derive(Function)]
enum F {}
"#,
    ]));
}

#[test]
fn triggers_read_and_their_functions_resolve() {
    insta::assert_snapshot!(cases(&[r#"
#[derive(Function)]
#[dbkit(function = "touch", schema = "app", returns = "trigger", language = "plpgsql", body = "BEGIN RETURN NEW; END")]
pub struct Touch;

#[derive(Table)]
#[dbkit(schema = "app", trigger(name = "users_touch", before, update, for_each = "row", function = "touch",
        when = "OLD.* IS DISTINCT FROM NEW.*", columns(email), args("x")),
        trigger(name = "users_builtin", after, insert, delete, truncate, function = "pg_catalog.f"))]
pub struct Users {
    pub id: i64,
    #[dbkit(column = "email")]
    pub mail: String,
}
"#,]));
}

#[test]
fn bad_triggers_are_errors_with_their_place() {
    insta::assert_snapshot!(cases(&[
        r#"
#[derive(Function)]
#[dbkit(function = "touch_updated_at", schema = "app", returns = "trigger", language = "plpgsql", body = "BEGIN RETURN NEW; END")]
pub struct Touch;

#[derive(Table)]
#[dbkit(schema = "app", trigger(name = "t", before, update, function = "app.touch_update_at"))]
pub struct Users {
    pub id: i64,
}
"#,
        r#"
#[derive(Function)]
#[dbkit(function = "total", args("x int"), returns = "int", language = "sql", body = "SELECT x")]
pub struct Total;

#[derive(Table)]
#[dbkit(trigger(name = "t", before, insert, function = "total"),
        trigger(name = "u", after, insert, function = "missing"))]
pub struct Users {
    pub id: i64,
}
"#,
        r#"
#[derive(Table)]
#[dbkit(trigger(name = "t", before, after, insert, function = "pg_catalog.f"),
        trigger(name = "u", insert, function = "pg_catalog.f"),
        trigger(name = "v", before, function = "pg_catalog.f"),
        trigger(name = "w", before, truncate, for_each = "row", function = "pg_catalog.f"),
        trigger(name = "x", before, insert, columns(id), function = "pg_catalog.f"),
        trigger(name = "y", before, update, columns(nope), function = "pg_catalog.f"),
        trigger(name = "z", before, updte, function = "pg_catalog.f"),
        trigger(name = "z", before, update, for_each = "rows", function = "pg_catalog.f"),
        trigger(before, update, function = "a.b.c"))]
pub struct Users {
    pub id: i64,
}
"#,
    ]));
}

/// A trigger's function may have a name with a space, as pull writes it
/// for a function named so; a part that begins or ends with a space is
/// still refused.
#[test]
fn a_trigger_function_name_may_hold_a_space() {
    let source = r#"
#[derive(Function)]
#[dbkit(function = "stamp fn", returns = "trigger", language = "plpgsql", body = "BEGIN RETURN NEW; END")]
pub struct StampFn;

#[derive(Table)]
#[dbkit(trigger(name = "stamp", before, insert, function = "public.stamp fn"))]
pub struct Users {
    pub id: i64,
}
"#;
    let found = outcome(source);
    assert!(found.starts_with("ok\n"), "{found}");
    assert!(found.contains("name: \"stamp fn\""), "{found}");
    let refused = outcome(&source.replace("public.stamp fn", "public. stamp fn"));
    assert!(
        refused.contains("malformed function name `public. stamp fn`"),
        "{refused}"
    );
}
