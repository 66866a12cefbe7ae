//! Tests of the `Extension` and `SqlObject` derives: what they declare, and
//! the errors (file:line:column, did-you-mean) for what they refuse.

use super::*;
use crate::diff::{DiffOptions, diff};
use crate::model::Schema;
use crate::render::render_migration;
use crate::resolve::resolve_schema;

fn errors(source: &str) -> Vec<String> {
    let errors = match parse_source_file(source, "src/a.rs") {
        Ok(declarations) => match resolve_schema(declarations) {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        },
        Err(errors) => errors,
    };
    errors
        .iter()
        .map(|error| {
            format!(
                "{}:{}: {} | {}",
                error.location.line,
                error.location.column,
                error.message,
                error.help.clone().unwrap_or_default()
            )
        })
        .collect()
}

fn schema(source: &str) -> Schema {
    let declarations = parse_source_file(source, "src/a.rs").unwrap_or_else(|e| panic!("{e:?}"));
    resolve_schema(declarations).unwrap_or_else(|e| panic!("{e:?}"))
}

const GROUP_CONCAT: &str = r#"
#[derive(Extension)]
#[dbkit(name = "pgcrypto", schema = "public")]
pub struct Crypto;

#[derive(Extension)]
pub struct Citext;

#[derive(SqlObject)]
#[dbkit(
    kind = "aggregate",
    identity = "public.concat_all(pg_catalog.text)",
    definition = "CREATE AGGREGATE public.concat_all(text) (SFUNC = concat_step, STYPE = text)",
    depends_on("public.concat_step(pg_catalog.text,pg_catalog.text)")
)]
pub struct ConcatAll;

#[derive(SqlObject)]
#[dbkit(
    kind = "Function",
    identity = "public.concat_step(pg_catalog.text,pg_catalog.text)",
    definition = "CREATE FUNCTION public.concat_step(text, text) RETURNS text LANGUAGE sql AS $$SELECT $1 || $2$$",
    drop = "DROP FUNCTION public.concat_step(text, text)"
)]
pub struct ConcatStep;
"#;

#[test]
fn extensions_and_objects_are_declared() {
    let schema = schema(GROUP_CONCAT);
    let extensions: Vec<(&str, Option<&str>)> = schema
        .extensions
        .iter()
        .map(|e| (e.name.as_str(), e.schema.as_deref()))
        .collect();
    assert_eq!(
        extensions,
        vec![("citext", None), ("pgcrypto", Some("public"))]
    );
    let objects: Vec<(&str, &str)> = schema
        .objects
        .iter()
        .map(|o| (o.kind.as_str(), o.identity.as_str()))
        .collect();
    assert_eq!(
        objects,
        vec![
            ("aggregate", "public.concat_all(pg_catalog.text)"),
            (
                "function",
                "public.concat_step(pg_catalog.text,pg_catalog.text)"
            ),
        ]
    );
    assert_eq!(
        schema.objects[0].depends_on,
        vec!["public.concat_step(pg_catalog.text,pg_catalog.text)".to_string()]
    );
}

#[test]
fn the_migration_creates_extensions_first_and_an_aggregate_after_its_function() {
    let changes = diff(
        &Schema::default(),
        &schema(GROUP_CONCAT),
        &DiffOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    insta::assert_snapshot!(
        "created_extensions_and_objects",
        render_migration(&changes).sql
    );
    let changes = diff(
        &schema(GROUP_CONCAT),
        &Schema::default(),
        &DiffOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    insta::assert_snapshot!(
        "dropped_extensions_and_objects",
        render_migration(&changes).sql
    );
}

#[test]
fn refused_input_is_named_where_it_is() {
    assert_eq!(
        errors("#[derive(SqlObject)]\n#[dbkit(knd = \"cast\")]\npub struct A;\n"),
        vec![
            "2:9: unknown attribute `knd` | did you mean `kind`?",
            "3:12: a `SqlObject` needs `kind` | add `#[dbkit(kind = \"aggregate\")]`",
            "3:12: a `SqlObject` needs `identity` | add `#[dbkit(identity = \"public.group_concat(text)\")]`",
            "3:12: a `SqlObject` needs `definition` | add `#[dbkit(definition = r#\"CREATE AGGREGATE …\"#)]`",
        ]
    );
    assert_eq!(
        errors("#[derive(Extension)]\n#[dbkit(shema = \"x\")]\npub struct Citext { pub a: i32 }\n"),
        vec![
            "2:9: unknown attribute `shema` | did you mean `schema`?",
            "3:19: a `Extension` struct has no fields | write `pub struct Citext;`",
        ]
    );
    assert_eq!(
        errors("#[derive(Extension)]\npub enum Citext { A }\n"),
        vec!["2:5: `Extension` can only be derived for a struct | write `pub struct Citext;`"]
    );
    assert_eq!(
        errors(
            "#[derive(Extension)]\npub struct Citext;\n#[derive(Extension)]\n#[dbkit(name = \"citext\")]\npub struct Again;\n"
        ),
        vec!["5:12: the extension `citext` is declared twice | remove one of the two declarations"]
    );
    assert_eq!(
        errors(
            "#[derive(SqlObject)]\n#[dbkit(kind = \"cast\", identity = \"(a AS b)\", definition = \" \", depends_on(x = \"y\"))]\npub struct A;\n"
        ),
        vec![
            "2:60: `definition` is empty | write `definition = r#\"CREATE AGGREGATE …\"#`",
            "2:76: expected the name of what the object uses | list names or identities in quotes: `depends_on(\"public._group_concat(text, text)\", \"users\")`",
        ]
    );
}
