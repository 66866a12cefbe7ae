//! The SQL of row-level security: a table's `ENABLE` / `FORCE` flags and
//! its policies created, altered in place (`ALTER POLICY`), dropped and
//! created again (a new command, permissive ↔ restrictive, an expression
//! taken away), and dropped and created around a renamed column they use.
//! Schemas are written in the DSL and read by the one parser.

use dbkit_core::diff::{DiffOptions, apply_changes, diff};
use dbkit_core::model::Schema;
use dbkit_core::parse::parse_source_file;
use dbkit_core::render::render_migration;
use dbkit_core::resolve::resolve_schema;
use dbkit_core::snapshot::Snapshot;

/// The schema `source` declares, hints and source locations included.
fn schema_of(source: &str) -> Schema {
    let declarations =
        parse_source_file(source, "src/schema.rs").unwrap_or_else(|errors| panic!("{errors:?}"));
    resolve_schema(declarations).unwrap_or_else(|errors| panic!("{errors:?}"))
}

/// `schema` as a snapshot stores it (no hints or source locations), its
/// columns sorted by name (PostgreSQL appends added columns at the end).
fn stored(schema: &Schema) -> Schema {
    let json = Snapshot::new(1, "V1__x.sql", None, schema).to_json();
    let mut stored = Snapshot::from_json(&json)
        .unwrap_or_else(|error| panic!("{error}"))
        .schema;
    for table in &mut stored.tables {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    stored
}

/// The migration from the schema of `old` (as its snapshot stores it) to
/// the one of `new` (its name and SQL), after checking that its changes
/// turn one into the other.
fn migration(old: &str, new: &str) -> String {
    let old = stored(&schema_of(old));
    let new = schema_of(new);
    let changes = diff(&old, &new, &DiffOptions::default()).unwrap_or_else(|a| panic!("{a:?}"));
    assert_eq!(
        stored(&apply_changes(&old, &changes)),
        stored(&new),
        "the changes do not make the new schema"
    );
    let rendered = render_migration(&changes);
    format!("name: {}\n---\n{}", rendered.suggested_name, rendered.sql)
}

const DOCUMENTS: &str = r#"
#[derive(Table)]
#[dbkit(table = "documents", row_level_security, force_row_level_security)]
#[dbkit(policy(name = "owner_reads", for = "select", to(app_user), using = "owner_id = current_setting('app.user_id')::bigint"))]
#[dbkit(policy(name = "owner_writes", for = "insert", to(app_user, "Auditor"), with_check = "owner_id = current_setting('app.user_id')::bigint", restrictive))]
#[dbkit(policy(name = "everyone", using = "NOT archived", with_check = "true"))]
#[dbkit(policy(name = "owner_updates", for = "update", to(app_user), using = "owner_id > 0"))]
#[dbkit(policy(name = "owner_deletes", for = "delete", to(public), using = "archived"))]
pub struct Document {
    #[dbkit(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub archived: bool,
}
"#;

#[test]
fn a_table_created_with_row_level_security_and_policies_of_every_command() {
    insta::assert_snapshot!(migration("", DOCUMENTS));
}

#[test]
fn row_level_security_and_policies_dropped() {
    let without = r#"
#[derive(Table)]
#[dbkit(table = "documents")]
pub struct Document {
    #[dbkit(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub archived: bool,
}
"#;
    insta::assert_snapshot!(migration(DOCUMENTS, without));
}

#[test]
fn policies_altered_in_place_or_dropped_and_created_again() {
    let changed = r#"
#[derive(Table)]
#[dbkit(table = "documents", row_level_security)]
#[dbkit(policy(name = "owner_reads", for = "select", to(app_user, admin), using = "owner_id = current_setting('app.user_id')::bigint"))]
#[dbkit(policy(name = "owner_writes", for = "insert", to(app_user, "Auditor"), with_check = "owner_id = current_setting('app.user_id')::bigint"))]
#[dbkit(policy(name = "everyone", using = "NOT archived"))]
#[dbkit(policy(name = "owner_updates", for = "update", using = "owner_id > 1", with_check = "owner_id > 1"))]
#[dbkit(policy(name = "owner_deletes", for = "all", using = "archived"))]
pub struct Document {
    #[dbkit(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub archived: bool,
}
"#;
    insta::assert_snapshot!(migration(DOCUMENTS, changed));
}

#[test]
fn a_policy_over_a_renamed_column_is_dropped_before_and_created_after() {
    let renamed = r#"
#[derive(Table)]
#[dbkit(table = "documents", row_level_security, force_row_level_security)]
#[dbkit(policy(name = "owner_reads", for = "select", to(app_user), using = "author_id = current_setting('app.user_id')::bigint"))]
#[dbkit(policy(name = "owner_writes", for = "insert", to(app_user, "Auditor"), with_check = "author_id = current_setting('app.user_id')::bigint", restrictive))]
#[dbkit(policy(name = "everyone", using = "NOT archived", with_check = "true"))]
#[dbkit(policy(name = "owner_updates", for = "update", to(app_user), using = "author_id > 0"))]
#[dbkit(policy(name = "owner_deletes", for = "delete", to(public), using = "archived"))]
pub struct Document {
    #[dbkit(primary_key)]
    pub id: i64,
    #[dbkit(renamed_from = "owner_id")]
    pub author_id: i64,
    pub archived: bool,
}
"#;
    insta::assert_snapshot!(migration(DOCUMENTS, renamed));
}
