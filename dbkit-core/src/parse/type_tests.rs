//! Tests of `#[derive(Sequence)]`, `#[derive(Domain)]` and
//! `#[derive(CompositeType)]`: source text in, the resolved model or the
//! errors (file:line:column, message, help) out.

use super::parse_source_file;
use crate::model::{
    BaseType, Check, ColumnType, CompositeAttribute, CompositeType, Domain, QualifiedName, Schema,
    Sequence,
};
use crate::resolve::resolve_schema;

/// The schema of one file, or its errors, one per line as
/// `line:column: message (help)`.
fn outcome(source: &str) -> Result<Schema, String> {
    let render = |errors: Vec<super::SchemaError>| {
        errors
            .iter()
            .map(|error| {
                format!(
                    "{}:{}: {}{}",
                    error.location.line,
                    error.location.column,
                    error.message,
                    error
                        .help
                        .as_ref()
                        .map_or(String::new(), |help| format!(" ({help})"))
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let declarations = parse_source_file(source, "src/types.rs").map_err(render)?;
    let text = serde_json::to_string(&declarations).unwrap_or_default();
    let read: Vec<super::Declaration> = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(read, declarations, "the declarations survive serde");
    let mut schema = resolve_schema(declarations).map_err(render)?;
    for sequence in &mut schema.sequences {
        sequence.source = None;
    }
    for domain in &mut schema.domains {
        domain.source = None;
    }
    for composite in &mut schema.composite_types {
        composite.source = None;
    }
    for table in &mut schema.tables {
        table.source = None;
        for column in &mut table.columns {
            column.source = None;
        }
    }
    Ok(schema)
}

fn errors(source: &str) -> String {
    match outcome(source) {
        Ok(schema) => panic!("expected errors, got {schema:?}"),
        Err(errors) => errors,
    }
}

fn named(name: &str) -> QualifiedName {
    QualifiedName::new("public", name)
}

#[test]
fn a_sequence_takes_postgresql_defaults_for_what_is_not_given() {
    let schema = outcome(
        "#[derive(Sequence)]\npub struct OrderNumbers;\n\
         #[derive(Sequence)]\n#[dbkit(schema = \"app\", as = \"int4\", increment = -2, cycle, cache = 10)]\npub struct Down;\n\
         #[derive(dbkit_runtime::Sequence)]\n#[dbkit(name = \"t\", as = \"smallint\", min_value = -5, max_value = \"50\", start = 0)]\npub struct T;",
    )
    .expect("valid");
    assert_eq!(schema.schemas, ["app"]);
    assert_eq!(
        schema.sequences,
        [
            Sequence {
                cycle: true,
                cache: 10,
                ..Sequence::with_defaults(
                    QualifiedName::new("app", "down"),
                    "integer",
                    -2,
                    None,
                    None,
                    None
                )
            },
            Sequence::new(named("order_numbers")),
            Sequence::with_defaults(named("t"), "smallint", 1, Some(-5), Some(50), Some(0)),
        ]
    );
    assert_eq!(schema.sequences[0].min_value, i64::from(i32::MIN));
    assert_eq!(schema.sequences[0].max_value, -1);
    assert_eq!(schema.sequences[0].start, -1);
}

#[test]
fn a_sequence_that_postgresql_would_refuse_is_an_error_on_its_value() {
    assert_eq!(
        errors("#[derive(Sequence)]\n#[dbkit(increment = 0, cache = 0)]\npub struct S;"),
        "2:21: the increment of a sequence cannot be 0 (count up with a positive `increment`, or down with a negative one)\n\
         2:32: `cache` must be at least 1, not 0 (write `cache = 1` (no cache) or more)"
    );
    assert_eq!(
        errors(
            "#[derive(Sequence)]\n#[dbkit(as = \"smallint\", max_value = 40000)]\npub struct S;"
        ),
        "2:38: `max_value` 40000 is out of the range of `smallint` (write a value between -32768 and 32767, or a wider `as`)"
    );
    assert_eq!(
        errors("#[derive(Sequence)]\n#[dbkit(min_value = 10, max_value = 10)]\npub struct S;"),
        "2:21: `min_value` (10) must be less than `max_value` (10) (give the sequence room to count: a lower `min_value` or a higher `max_value`)"
    );
    assert_eq!(
        errors("#[derive(Sequence)]\n#[dbkit(start = 0)]\npub struct S;"),
        "2:17: `start` (0) is outside `min_value` (1) to `max_value` (9223372036854775807) (start at a value between the bounds)"
    );
    assert_eq!(
        errors(
            "#[derive(Sequence)]\n#[dbkit(as = \"bigin\", strat = 5, start = \"x\")]\npub struct S;"
        ),
        "2:14: `bigin` is not a sequence type (did you mean `bigint`?)\n\
         2:23: unknown attribute `strat` (did you mean `start`?)\n\
         2:42: expected an integer for `start`, found `x` (write a whole number between -9223372036854775808 and 9223372036854775807: `start = 100`)"
    );
    assert_eq!(
        errors("#[derive(Sequence)]\npub struct S { pub a: i64 }"),
        "2:12: `Sequence` can only be derived for a unit struct (write `pub struct S;`: a sequence has no fields)"
    );
}

#[test]
fn a_domain_is_a_newtype_over_its_base_type_and_its_fields_are_columns() {
    let schema = outcome(
        "#[derive(Domain)]\n\
         #[dbkit(name = \"email\", not_null, default = \"'a@b'\", check(name = \"email_check\", expr = \"VALUE ~ '@'\"), collate = \"C\")]\n\
         pub struct Email(pub String);\n\
         #[derive(Domain)]\n#[dbkit(sql_type = \"numeric(10, 2)\", check(expr = \"VALUE >= 0\"))]\npub struct Price(pub Decimal);\n\
         #[derive(Table)]\npub struct Users { pub email: Email, pub prices: Option<Vec<Price>>, #[dbkit(sql_type = \"email\")] pub other: String }",
    )
    .expect("valid");
    assert_eq!(
        schema.domains,
        [
            Domain {
                not_null: true,
                default: Some("'a@b'".to_string()),
                checks: vec![Check::new("email_check", "VALUE ~ '@'")],
                collation: Some("C".to_string()),
                ..Domain::new(named("email"), ColumnType::builtin("text"))
            },
            Domain {
                checks: vec![Check::new("price_check", "VALUE >= 0")],
                ..Domain::new(named("price"), ColumnType::builtin("numeric(10,2)"))
            },
        ]
    );
    let columns = &schema.tables[0].columns;
    assert_eq!(columns[0].ty.base, BaseType::Domain(named("email")));
    assert!(!columns[0].nullable);
    assert_eq!(columns[1].ty.base, BaseType::Domain(named("price")));
    assert_eq!(columns[1].ty.array_dims, 1);
    assert!(columns[1].nullable);
    assert_eq!(columns[2].ty.base, BaseType::Domain(named("email")));
}

#[test]
fn a_domain_that_cannot_be_read_is_an_error_with_a_suggestion() {
    assert_eq!(
        errors(
            "#[derive(Domain)]\n#[dbkit(not_nul, chek(expr = \"VALUE > 0\"))]\npub struct Year(pub i32);"
        ),
        "2:9: unknown attribute `not_nul` (did you mean `not_null`?)\n\
         2:18: unknown attribute `chek` (did you mean `check`?)"
    );
    assert_eq!(
        errors("#[derive(Domain)]\npub struct Money(pub Cents);"),
        "2:22: the type `Cents` has no PostgreSQL mapping (add `sql_type = \"...\"` with the domain's base type, or use a mapped type such as `String` or `i64`)"
    );
    assert_eq!(
        errors("#[derive(Domain)]\npub struct Pair(pub i32, pub i32);"),
        "2:12: `Domain` can only be derived for a newtype (write `pub struct Pair(pub String);`: one field, the value of the base type)"
    );
    assert_eq!(
        errors(
            "#[derive(Domain)]\n#[dbkit(check(expr = \"VALUE > 0\"), check(expr = \"VALUE < 9\"))]\npub struct Year(pub i32);"
        ),
        "2:36: two checks are called `year_check` (give each check of the domain its own `name`)"
    );
    assert_eq!(
        errors(
            "#[derive(Domain)]\n#[dbkit(check(name = \"c\", exp = \"VALUE > 0\"))]\npub struct Year(pub i32);"
        ),
        "2:27: unknown argument `exp` of `check` (did you mean `expr`?)"
    );
}

#[test]
fn a_composite_type_maps_its_fields_like_columns() {
    let schema = outcome(
        "#[derive(PgEnum)]\npub enum Kind { Home, Work }\n\
         #[derive(CompositeType)]\n#[dbkit(name = \"address\", schema = \"geo\")]\n\
         pub struct Address { pub street: String, pub zip: Option<String>, pub kind: Kind, #[dbkit(rename = \"Lines\", sql_type = \"varchar(40)[]\")] pub lines: Vec<String>, #[dbkit(skip)] pub cached: u32 }\n\
         #[derive(Table)]\npub struct Users { pub home: Address, pub places: Option<Vec<Address>> }",
    )
    .expect("valid");
    assert_eq!(
        schema.composite_types,
        [CompositeType::new(
            QualifiedName::new("geo", "address"),
            vec![
                CompositeAttribute::new("street", ColumnType::builtin("text")),
                CompositeAttribute::new("zip", ColumnType::builtin("text")),
                CompositeAttribute::new("kind", ColumnType::enumeration(named("kind"))),
                CompositeAttribute::new(
                    "Lines",
                    ColumnType::builtin("character varying(40)").with_array_dims(1)
                ),
            ],
        )]
    );
    let columns = &schema.tables[0].columns;
    let address = BaseType::Composite(QualifiedName::new("geo", "address"));
    assert_eq!(columns[0].ty.base, address);
    assert_eq!(columns[1].ty.base, address);
    assert_eq!(columns[1].ty.array_dims, 1);
}

#[test]
fn a_composite_type_that_cannot_be_read_is_an_error_with_a_suggestion() {
    assert_eq!(
        errors(
            "#[derive(CompositeType)]\npub struct A { #[dbkit(renam = \"b\")] pub a: i32, pub c: u32 }"
        ),
        "2:24: unknown attribute `renam` (did you mean `rename`?)\n\
         2:57: the type `u32` has no PostgreSQL mapping (add `sql_type = \"...\"` to the field with the PostgreSQL type of the attribute)"
    );
    assert_eq!(
        errors("#[derive(CompositeType)]\n#[dbkit(nme = \"a\")]\npub struct A { pub a: Missing }"),
        "2:9: unknown attribute `nme` (did you mean `name`?)"
    );
    assert_eq!(
        errors("#[derive(CompositeType)]\npub struct A { pub a: Missing }"),
        "2:23: the type `Missing` has no PostgreSQL mapping (add `sql_type = \"...\"` or derive `PgEnum`, `Domain` or `CompositeType` for it)"
    );
    assert_eq!(
        errors(
            "#[derive(CompositeType)]\npub struct A { pub a: i32, #[dbkit(rename = \"a\")] pub b: i32 }"
        ),
        "2:55: two fields are the attribute `a` (give one of them another name with `#[dbkit(rename = \"...\")]`)"
    );
}

#[test]
fn names_shared_with_tables_enums_and_each_other_are_errors_naming_both() {
    assert_eq!(
        errors(
            "#[derive(Table)]\npub struct Users { pub id: i64 }\n#[derive(Sequence)]\npub struct Users;"
        ),
        "4:12: the name `public.users` is taken by a table (PostgreSQL keeps tables, sequences and types in one namespace per schema: give one of them another `name` or `schema`)"
    );
    assert_eq!(
        errors(
            "#[derive(PgEnum)]\npub enum Mood { A }\n#[derive(Domain)]\npub struct Mood(pub String);"
        ),
        "4:12: the name `public.mood` is taken by an enum (PostgreSQL keeps tables, sequences and types in one namespace per schema: give one of them another `name` or `schema`)"
    );
    // A sequence and a domain may share a name: one is a relation, the
    // other a type.
    assert!(
        outcome(
            "#[derive(Sequence)]\npub struct Code;\n#[derive(Domain)]\npub struct Code(pub String);"
        )
        .is_ok()
    );
}
