//! The SQL of sequences, domains and composite types, from schemas written
//! in the DSL, checked against the snapshot files under `tests/it/snapshots`.

use dbkit_core::diff::{DiffOptions, diff};
use dbkit_core::model::Schema;
use dbkit_core::parse::parse_source_file;
use dbkit_core::render::render_migration;
use dbkit_core::resolve::resolve_schema;

fn schema(source: &str) -> Schema {
    let declarations =
        parse_source_file(source, "src/schema.rs").unwrap_or_else(|errors| panic!("{errors:?}"));
    resolve_schema(declarations).unwrap_or_else(|errors| panic!("{errors:?}"))
}

/// The migration from `old` to `new` with its suggested name and warnings.
fn migration(old: &str, new: &str) -> String {
    let changes = diff(&schema(old), &schema(new), &DiffOptions::default())
        .unwrap_or_else(|ambiguities| panic!("{ambiguities:?}"));
    let migration = render_migration(&changes);
    format!("name: {}\n---\n{}", migration.suggested_name, migration.sql)
}

const ALL: &str = r#"
#[derive(Sequence)]
#[dbkit(name = "order_numbers", start = 1000, cache = 5)]
pub struct OrderNumbers;

#[derive(Domain)]
#[dbkit(name = "email", not_null, default = "'nobody@example.com'", check(name = "email_check", expr = "VALUE ~ '@'"), collate = "C")]
pub struct Email(pub String);

#[derive(CompositeType)]
#[dbkit(schema = "geo")]
pub struct Address {
    pub street: String,
    pub email: Option<Email>,
    #[dbkit(sql_type = "varchar(10)[]")]
    pub zips: Vec<String>,
}

#[derive(Table)]
pub struct Orders {
    #[dbkit(primary_key, default = "nextval('order_numbers')")]
    pub number: i64,
    pub contact: Email,
    pub ship_to: Option<Address>,
}
"#;

#[test]
fn created_before_the_tables_that_use_them() {
    insta::assert_snapshot!(migration("", ALL));
}

#[test]
fn dropped_after_the_tables_that_use_them() {
    insta::assert_snapshot!(migration(ALL, ""));
}

#[test]
fn sequences_altered_never_restart() {
    insta::assert_snapshot!(migration(
        "#[derive(Sequence)]\n#[dbkit(as = \"integer\")]\npub struct Counter;\n#[derive(Sequence)]\npub struct Tickets;",
        "#[derive(Sequence)]\n#[dbkit(as = \"bigint\", max_value = 2147483647)]\npub struct Counter;\n#[derive(Sequence)]\n#[dbkit(increment = 5, cache = 10, cycle, start = 50, max_value = 1000)]\npub struct Tickets;",
    ));
}

#[test]
fn domains_altered_in_place() {
    insta::assert_snapshot!(migration(
        "#[derive(Domain)]\n#[dbkit(default = \"'a@b'\", check(name = \"email_check\", expr = \"VALUE ~ '@'\"))]\npub struct Email(pub String);",
        "#[derive(Domain)]\n#[dbkit(not_null, check(name = \"email_check\", expr = \"VALUE ~ '^.+@.+$'\"), check(name = \"email_length\", expr = \"length(VALUE) < 320\"))]\npub struct Email(pub String);",
    ));
}

#[test]
fn a_domain_whose_base_type_changes_is_recreated_with_its_columns() {
    insta::assert_snapshot!(migration(
        "#[derive(Domain)]\n#[dbkit(sql_type = \"varchar(10)\")]\npub struct Code(pub String);\n#[derive(Table)]\npub struct Products { pub code: Code, pub codes: Vec<Code> }",
        "#[derive(Domain)]\npub struct Code(pub String);\n#[derive(Table)]\npub struct Products { pub code: Code, pub codes: Vec<Code> }",
    ));
}

#[test]
fn composite_attributes_added_dropped_retyped_and_moved() {
    insta::assert_snapshot!(migration(
        "#[derive(CompositeType)]\npub struct Address { pub street: String, pub number: i32, pub city: String, pub zip: String }",
        "#[derive(CompositeType)]\npub struct Address { pub street: String, pub number: i64, pub country: String, pub city: String }",
    ));
}
