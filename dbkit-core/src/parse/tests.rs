//! Tests of the parser and the resolver: source text in, a short rendering of the schema or of the errors out.

use super::*;
use crate::model::{BaseType, ColumnType, IndexKey, Schema};
use crate::resolve::resolve_schema;
use std::fmt::Write as _;

/// Parses the sources (as `src/a.rs`, `src/b.rs`, …), resolves them and
/// renders the schema or the errors.
fn outcome(sources: &[&str]) -> String {
    let mut declarations = Vec::new();
    let mut errors = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let file = format!("src/{}.rs", char::from(b'a' + index as u8));
        match parse_source_file(source, &file) {
            Ok(found) => {
                assert_survives_serde(&found);
                declarations.extend(found)
            }
            Err(found) => errors.extend(found),
        }
    }
    if !errors.is_empty() {
        return render_errors(&errors);
    }
    match resolve_schema(declarations) {
        Ok(schema) => render_schema(&schema),
        Err(errors) => render_errors(&errors),
    }
}

/// Every declaration comes back equal from its serde form, which is what
/// the CLI keeps in its cache of parse results.
fn assert_survives_serde(declarations: &[Declaration]) {
    let text = serde_json::to_string(declarations).unwrap_or_default();
    match serde_json::from_str::<Vec<Declaration>>(&text) {
        Ok(read) => assert_eq!(read, declarations, "{text}"),
        Err(error) => panic!("{error}: {text}"),
    }
}

fn check(source: &str, expected: &str) {
    check_sources(&[source], expected);
}

fn check_sources(sources: &[&str], expected: &str) {
    let actual = outcome(sources);
    assert_eq!(actual.trim(), expected.trim(), "\n--- actual ---\n{actual}");
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

fn render_type(ty: &ColumnType) -> String {
    let base = match &ty.base {
        BaseType::Builtin(name) => name.clone(),
        BaseType::Enum(name) => format!("enum {name}"),
        BaseType::Domain(name) => format!("domain {name}"),
        BaseType::Composite(name) => format!("composite {name}"),
    };
    if ty.array_dims > 0 {
        format!("{base}[]")
    } else {
        base
    }
}

fn render_schema(schema: &Schema) -> String {
    let mut out = String::new();
    if !schema.schemas.is_empty() {
        let _ = writeln!(out, "schemas {}", schema.schemas.join(", "));
    }
    for enum_type in &schema.enums {
        let _ = writeln!(
            out,
            "enum {} ({})",
            enum_type.name,
            enum_type.values.join(", ")
        );
        if let Some(comment) = &enum_type.comment {
            let _ = writeln!(out, "  comment {comment:?}");
        }
        if let Some(renamed_from) = &enum_type.renamed_from {
            let _ = writeln!(out, "  renamed from {renamed_from}");
        }
    }
    for table in &schema.tables {
        let _ = writeln!(out, "table {}", table.name);
        if let Some(comment) = &table.comment {
            let _ = writeln!(out, "  comment {comment:?}");
        }
        if let Some(renamed_from) = &table.renamed_from {
            let _ = writeln!(out, "  renamed from {renamed_from}");
        }
        for column in &table.columns {
            let mut line = format!("  {} {}", column.name, render_type(&column.ty));
            if column.nullable {
                line.push_str(" null");
            }
            if let Some(identity) = column.identity {
                let _ = write!(line, " identity {identity:?}");
            }
            if column.serial {
                line.push_str(" serial");
            }
            if let Some(default) = &column.default {
                let _ = write!(line, " default {default}");
            }
            if let Some(generated) = &column.generated {
                let _ = write!(line, " generated {generated}");
            }
            if let Some(renamed_from) = &column.renamed_from {
                let _ = write!(line, " renamed from {renamed_from}");
            }
            if let Some(comment) = &column.comment {
                let _ = write!(line, " comment {comment:?}");
            }
            let _ = writeln!(out, "{line}");
        }
        if let Some(key) = &table.primary_key {
            let _ = writeln!(
                out,
                "  primary key {} ({})",
                key.name,
                key.columns.join(", ")
            );
        }
        for unique in &table.uniques {
            let _ = writeln!(
                out,
                "  unique {} ({})",
                unique.name,
                unique.columns.join(", ")
            );
        }
        for foreign_key in &table.foreign_keys {
            let _ = writeln!(
                out,
                "  foreign key {} ({}) -> {}({}) on delete {} on update {}",
                foreign_key.name,
                foreign_key.columns.join(", "),
                foreign_key.references,
                foreign_key.referenced_columns.join(", "),
                foreign_key.on_delete.sql(),
                foreign_key.on_update.sql()
            );
        }
        for index in &table.indexes {
            let key = match &index.key {
                IndexKey::Columns(columns) => format!("({})", columns.join(", ")),
                IndexKey::Expression(expression) => format!("expr {expression}"),
            };
            let mut line = format!("  index {} {key} {}", index.name, index.method);
            if index.unique {
                line.push_str(" unique");
            }
            if let Some(predicate) = &index.predicate {
                let _ = write!(line, " where {predicate}");
            }
            let _ = writeln!(out, "{line}");
        }
        for check in &table.checks {
            let _ = writeln!(out, "  check {}: {}", check.name, check.expr);
        }
        if table.row_level_security {
            let _ = writeln!(out, "  row level security");
        }
        if table.force_row_level_security {
            let _ = writeln!(out, "  force row level security");
        }
    }
    for policy in &schema.policies {
        let _ = write!(
            out,
            "policy {} on {} for {}{} to {}",
            policy.name,
            policy.table,
            policy.command.name(),
            if policy.restrictive {
                " restrictive"
            } else {
                ""
            },
            if policy.roles.is_empty() {
                "public".to_string()
            } else {
                policy.roles.join(", ")
            }
        );
        if let Some(using) = &policy.using {
            let _ = write!(out, " using {using}");
        }
        if let Some(with_check) = &policy.with_check {
            let _ = write!(out, " with check {with_check}");
        }
        if let Some(source) = &policy.source {
            let _ = write!(out, " at {source}");
        }
        let _ = writeln!(out);
    }
    out
}

// ---------------------------------------------------------------- accepted

const EVERY_FEATURE: &str = r#"
use dbkit_runtime::{PgEnum, Table};

/// Who may do what.
#[derive(Debug, PgEnum)]
#[dbkit(name = "user_role", schema = "auth", renamed_from = "public.roles")]
pub enum Role {
    Member,
    /// Can change anything.
    Admin,
    #[dbkit(rename = "read-only")]
    ReadOnly,
}

#[derive(PgEnum)]
pub enum PostStatus { Draft, InReview, Published }

#[derive(Table)]
#[dbkit(table = "orgs", schema = "auth")]
pub struct Org {
    #[dbkit(primary_key, identity = "always")]
    pub id: i64,
    #[dbkit(unique)]
    pub slug: String,
}

/// People who can sign in.
///
/// One row per person.
#[derive(Debug, Clone, sqlx::FromRow, dbkit_runtime::Table)]
#[dbkit(table = "users", schema = "auth", renamed_from = "accounts")]
#[dbkit(unique(columns(org_id, email)))]
#[dbkit(index(columns(created_at)))]
#[dbkit(index(name = "users_lower_email_idx", expr = "lower(email)", unique))]
#[dbkit(index(columns(org_id), where = "deleted_at IS NULL", method = "HASH"))]
#[dbkit(index(expr = "lower(handle), upper(email)"))]
#[dbkit(check(name = "users_age_check", expr = "age >= 0"))]
pub struct User {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    #[dbkit(references = "orgs.id", on_delete = "cascade", on_update = "SET  NULL")]
    pub org_id: i64,
    /// Login address.
    pub email: String,
    pub name: Option<String>,
    pub age: i32,
    #[dbkit(sql_type = "varchar(320)", unique)]
    pub handle: String,
    #[dbkit(default = "now()", index)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    #[dbkit(default = "'member'")]
    pub role: Role,
    #[dbkit(column = "display_name", renamed_from = "full_name")]
    pub display: String,
    #[dbkit(generated = "lower(email)")]
    pub email_lower: String,
    #[dbkit(skip)]
    pub cached: Vec<String>,
    pub r#type: Option<Vec<PostStatus>>,
    #[dbkit(sql_type = "post_status")]
    pub status: String,
    #[dbkit(sql_type = "citext")]
    pub nickname: Option<String>,
    pub tags: Vec<String>,
    pub avatar: Option<Vec<u8>>,
}

#[derive(Table)]
#[dbkit(primary_key(columns(user_id, position)))]
#[dbkit(foreign_key(columns(user_id), references = "auth.users(id)", on_delete = "restrict", name = "memberships_owner_fkey"))]
pub struct Membership {
    pub user_id: i64,
    #[dbkit(serial)]
    pub position: i32,
    pub score: f64,
}

#[cfg(test)]
mod tests {
    #[derive(Table)]
    pub struct OnlyInTests { pub id: i64 }
}

#[cfg(all(test, feature = "x"))]
#[derive(Table)]
pub struct AlsoOnlyInTests { pub id: u32 }

mod nested {
    #[derive(Table)]
    pub struct BlogPost {
        #[dbkit(primary_key)]
        pub id: uuid::Uuid,
    }
}
"#;

#[test]
fn every_feature_of_the_dsl() {
    check(
        EVERY_FEATURE,
        r#"
schemas auth
enum auth.user_role (member, admin, read-only)
  comment "Who may do what."
  renamed from public.roles
enum public.post_status (draft, in_review, published)
table auth.orgs
  id bigint identity Always
  slug text
  primary key orgs_pkey (id)
  unique orgs_slug_key (slug)
table auth.users
  comment "People who can sign in.\n\nOne row per person."
  renamed from accounts
  id bigint identity ByDefault
  org_id bigint
  email text comment "Login address."
  name text null
  age integer
  handle character varying(320)
  created_at timestamp with time zone default now()
  deleted_at timestamp with time zone null
  role enum auth.user_role default 'member'
  display_name text renamed from full_name
  email_lower text generated lower(email)
  type enum public.post_status[] null
  status enum public.post_status
  nickname citext null
  tags text[]
  avatar bytea null
  primary key users_pkey (id)
  unique users_handle_key (handle)
  unique users_org_id_email_key (org_id, email)
  foreign key users_org_id_fkey (org_id) -> auth.orgs(id) on delete CASCADE on update SET NULL
  index users_created_at_idx (created_at) btree
  index users_created_at_idx1 (created_at) btree
  index users_lower_email_idx expr lower(email) btree unique
  index users_lower_upper_idx expr lower(handle), upper(email) btree
  index users_org_id_idx (org_id) hash where deleted_at IS NULL
  check users_age_check: age >= 0
table public.blog_post
  id uuid
  primary key blog_post_pkey (id)
table public.membership
  user_id bigint
  position integer serial
  score double precision
  primary key membership_pkey (user_id, position)
  foreign key memberships_owner_fkey (user_id) -> auth.users(id) on delete RESTRICT on update NO ACTION
"#,
    );
}

#[test]
fn every_feature_model_snapshot() {
    let declarations = match parse_source_file(EVERY_FEATURE, "src/schema.rs") {
        Ok(declarations) => declarations,
        Err(errors) => panic!("{errors:?}"),
    };
    let schema = match resolve_schema(declarations) {
        Ok(schema) => schema,
        Err(errors) => panic!("{errors:?}"),
    };
    insta::assert_json_snapshot!(schema);
}

#[test]
fn defaults_of_names() {
    check(
        r#"
#[derive(Table)]
pub struct HTTPRequest { pub id: i64, pub r#ref: String }
#[derive(PgEnum)]
pub enum BlogPostState { InReview, Done }
"#,
        r#"
enum public.blog_post_state (in_review, done)
table public.http_request
  id bigint
  ref text
"#,
    );
}

#[test]
fn test_only_fields_and_variants_are_left_out() {
    check(
        r#"
#[derive(Table)]
pub struct A {
    pub id: i64,
    #[cfg(test)]
    pub probe: u32,
}
#[derive(PgEnum)]
pub enum E {
    One,
    #[cfg(all(test, unix))]
    Two,
}
"#,
        r#"
enum public.e (one)
table public.a
  id bigint
"#,
    );
}

#[test]
fn a_broken_field_is_not_reported_again_as_an_unknown_column() {
    check(
        "#[derive(Table)]\n#[dbkit(index(columns(hits)))]\npub struct A {\n    pub hits: u32,\n}\n",
        r#"
src/a.rs:4:15+3: the type `u32` has no PostgreSQL mapping
  label: no PostgreSQL type for this
  help: add `sql_type = "..."` to the field with the PostgreSQL type of the column
"#,
    );
}

#[test]
fn files_without_schema_items_are_not_parsed() {
    assert_eq!(
        parse_source_file("this is {{ not rust", "src/x.rs"),
        Ok(Vec::new())
    );
    assert_eq!(
        parse_source_file("fn main() {}", "src/x.rs"),
        Ok(Vec::new())
    );
    assert_eq!(
        parse_source_file("/// A Table of contents.\nfn main() {}", "src/x.rs"),
        Ok(Vec::new())
    );
}

#[test]
fn a_reference_without_schema_prefers_the_referencing_tables_schema() {
    check(
        r#"
#[derive(Table)] #[dbkit(table = "users")] pub struct PublicUser { #[dbkit(primary_key)] pub id: i64 }
#[derive(Table)] #[dbkit(table = "users", schema = "blog")] pub struct BlogUser { #[dbkit(primary_key)] pub id: i64 }
#[derive(Table)] #[dbkit(schema = "blog")] pub struct Post {
    #[dbkit(references = "users.id")] pub author: i64,
    #[dbkit(references = "public.users.id")] pub editor: i64,
}
#[derive(Table)] #[dbkit(schema = "shop")] pub struct Order { #[dbkit(references = "users.id")] pub buyer: i64 }
"#,
        r#"
schemas blog, shop
table blog.post
  author bigint
  editor bigint
  foreign key post_author_fkey (author) -> blog.users(id) on delete NO ACTION on update NO ACTION
  foreign key post_editor_fkey (editor) -> public.users(id) on delete NO ACTION on update NO ACTION
table blog.users
  id bigint
  primary key users_pkey (id)
table public.users
  id bigint
  primary key users_pkey (id)
table shop.order
  buyer bigint
  foreign key order_buyer_fkey (buyer) -> public.users(id) on delete NO ACTION on update NO ACTION
"#,
    );
}

#[test]
fn enums_are_found_across_files() {
    check_sources(
        &[
            "#[derive(PgEnum)] pub enum Plan { Free, Pro }",
            "#[derive(Table)] pub struct Account { pub plan: Option<Plan>, pub plans: Vec<Plan> }",
        ],
        r#"
enum public.plan (free, pro)
table public.account
  plan enum public.plan null
  plans enum public.plan[]
"#,
    );
}

#[test]
fn long_default_names_are_cut_like_postgresql() {
    check(
        r#"
#[derive(Table)]
#[dbkit(table = "a_very_long_table_name_that_goes_on_and_on_for_ever_and_ever")]
pub struct Long {
    #[dbkit(unique)]
    pub a_rather_long_column_name_as_well: String,
}
"#,
        r#"
table public.a_very_long_table_name_that_goes_on_and_on_for_ever_and_ever
  a_rather_long_column_name_as_well text
  unique a_very_long_table_name_that_g_a_rather_long_column_name_as__key (a_rather_long_column_name_as_well)
"#,
    );
}

// ---------------------------------------------------------------- rejected

#[test]
fn unknown_field_attribute_suggests_the_closest() {
    check(
        "#[derive(Table)]\npub struct Account {\n    #[dbkit(primary_kee)]\n    pub id: i64,\n}\n",
        r#"
src/a.rs:3:13+11: unknown attribute `primary_kee`
  label: not a dbkit field attribute
  help: did you mean `primary_key`?
"#,
    );
}

#[test]
fn unknown_attribute_without_a_close_match_lists_them_all() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(frobnicate)]\n    pub id: i64,\n}\n",
        r#"
src/a.rs:3:13+10: unknown attribute `frobnicate`
  label: not a dbkit field attribute
  help: dbkit field attributes are: primary_key, identity, serial, unique, index, references, on_delete, on_update, default, sql_type, generated, column, renamed_from, collate, skip
"#,
    );
}

#[test]
fn unknown_struct_attribute() {
    check(
        "#[derive(Table)]\n#[dbkit(tabel = \"users\")]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:9+15: unknown attribute `tabel`
  label: not a dbkit struct attribute
  help: did you mean `table`?
"#,
    );
}

#[test]
fn field_attribute_on_the_struct() {
    check(
        "#[derive(Table)]\n#[dbkit(identity)]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:9+8: `identity` is a field attribute
  label: not a dbkit struct attribute
  help: put `#[dbkit(identity)]` on the field it is about
"#,
    );
}

#[test]
fn struct_attribute_on_a_field() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(check(name = \"x\", expr = \"id > 0\"))]\n    pub id: i64,\n}\n",
        r#"
src/a.rs:3:13+34: `check` is a struct attribute
  label: not a dbkit field attribute
  help: put `#[dbkit(check(...))]` above the struct
"#,
    );
}

#[test]
fn default_needs_a_string() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(default = 5)]\n    pub n: i32,\n}\n",
        r#"
src/a.rs:3:23+1: expected a string for `default`, found `5`
  label: expected a string literal
  help: write it in quotes: `default = "5"`
"#,
    );
}

#[test]
fn default_with_an_unquoted_expression() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(default = now())]\n    pub at: i64,\n}\n",
        r#"
src/a.rs:3:23+5: expected a string for `default`, found `now ()`
  label: expected a string literal
  help: write it in quotes: `default = "now ()"`
"#,
    );
}

#[test]
fn duplicate_attribute() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(default = \"1\")]\n    #[dbkit(default = \"2\")]\n    pub n: i32,\n}\n",
        r#"
src/a.rs:4:13+13: duplicate attribute `default`
  label: given again here
  note src/a.rs:3:13: `default` first given here
  help: remove one of the two `default`
"#,
    );
}

#[test]
fn identity_and_serial_conflict() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(identity, serial)]\n    pub id: i64,\n}\n",
        r#"
src/a.rs:3:23+6: `serial` cannot be combined with `identity`
  help: keep one: `identity` (the SQL-standard way, preferred) or `serial`
"#,
    );
}

#[test]
fn identity_on_a_non_integer() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(identity)]\n    pub id: String,\n}\n",
        r#"
src/a.rs:3:13+8: `identity` needs an integer column, but `id` is `text`
  help: make the field `i16`, `i32` or `i64`, or remove `identity`
"#,
    );
}

#[test]
fn serial_on_an_enum() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(serial)]\n    pub id: Kind,\n}\n",
        r#"
src/a.rs:3:13+6: `serial` needs an integer column, but `id` is an enum (`Kind`)
  help: make the field `i16`, `i32` or `i64`, or remove `serial`
"#,
    );
}

#[test]
fn generated_and_default_conflict() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(default = \"0\", generated = \"1 + 1\")]\n    pub n: i32,\n}\n",
        r#"
src/a.rs:3:28+19: `generated` cannot be combined with `default`
  help: a generated column is computed from `generated`; remove `default` or `generated`
"#,
    );
}

#[test]
fn generated_and_identity_conflict() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(identity, generated = \"1\")]\n    pub n: i32,\n}\n",
        r#"
src/a.rs:3:23+15: `generated` cannot be combined with `identity`
  help: a generated column is computed from `generated`; remove `identity` or `generated`
"#,
    );
}

#[test]
fn primary_key_on_an_option() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(primary_key)]\n    pub id: Option<i64>,\n}\n",
        r#"
src/a.rs:3:13+11: a primary key column cannot be an `Option`
  help: remove `Option<…>` from the field: primary key columns are NOT NULL
"#,
    );
}

#[test]
fn skip_with_other_attributes() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(skip, default = \"1\")]\n    pub n: i32,\n}\n",
        r#"
src/a.rs:3:19+13: `skip` cannot be combined with `default`
  note src/a.rs:3:13: `skip` is here
  help: a skipped field is not a column: remove `default`, or remove `skip`
"#,
    );
}

#[test]
fn primary_key_on_both_struct_and_field() {
    check(
        "#[derive(Table)]\n#[dbkit(primary_key(columns(a, b)))]\npub struct A {\n    #[dbkit(primary_key)]\n    pub a: i64,\n    pub b: i64,\n}\n",
        r#"
src/a.rs:4:13+11: `primary_key` is given on both the struct and a field
  note src/a.rs:2:9: the struct's `primary_key` is here
  help: keep one: list every key column in the struct's `primary_key(columns(...))`, or remove it there
"#,
    );
}

#[test]
fn primary_key_on_two_fields() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(primary_key)]\n    pub a: i64,\n    #[dbkit(primary_key)]\n    pub b: i64,\n}\n",
        r#"
src/a.rs:5:13+11: `primary_key` is given on more than one field
  note src/a.rs:4:9: first `primary_key` here
  help: for a composite key, put `#[dbkit(primary_key(columns(a, b)))]` on the struct instead
"#,
    );
}

#[test]
fn check_without_name() {
    check(
        "#[derive(Table)]\n#[dbkit(check(expr = \"n > 0\"))]\npub struct A { pub n: i32 }\n",
        r#"
src/a.rs:2:9+21: `check` needs a `name`
  help: name the constraint: `check(name = "users_age_check", expr = "age >= 0")`
"#,
    );
}

#[test]
fn bad_on_delete_suggests_the_closest_action() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(references = \"b.id\", on_delete = \"cascde\")]\n    pub b_id: i64,\n}\n",
        r#"
src/a.rs:3:46+8: unknown `on_delete` action `cascde`
  label: not a foreign key action
  help: did you mean `cascade`? the actions are: cascade, restrict, set null, set default, no action
"#,
    );
}

#[test]
fn on_delete_without_references() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(on_delete = \"cascade\")]\n    pub b_id: i64,\n}\n",
        r#"
src/a.rs:3:13+21: a foreign key action needs `references`
  help: add `references = "table.column"` to the field, or remove the action
"#,
    );
}

#[test]
fn malformed_references() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(references = \"users\")]\n    pub b_id: i64,\n}\n",
        r#"
src/a.rs:3:26+7: malformed `references = "users"`
  label: expected `table.column` or `schema.table.column`
  help: name the referenced column: `references = "users.id"` or `references = "auth.users.id"`
"#,
    );
}

#[test]
fn malformed_struct_level_references() {
    check(
        "#[derive(Table)]\n#[dbkit(foreign_key(columns(a), references = \"b.id\"))]\npub struct A { pub a: i64 }\n",
        r#"
src/a.rs:2:46+6: malformed `references = "b.id"`
  label: expected `table(x, y)` or `schema.table(x, y)`
  help: name the referenced table and columns: `references = "orders(id, line)"`
"#,
    );
}

#[test]
fn foreign_key_column_count_mismatch() {
    check(
        "#[derive(Table)]\n#[dbkit(foreign_key(columns(a, b), references = \"c(x)\"))]\npub struct A { pub a: i64, pub b: i64 }\n",
        r#"
src/a.rs:2:49+6: the foreign key has 2 columns but references 1
  help: list as many referenced columns as `columns(...)` has, in the same order
"#,
    );
}

#[test]
fn index_with_both_columns_and_expr() {
    check(
        "#[derive(Table)]\n#[dbkit(index(columns(a), expr = \"lower(a)\"))]\npub struct A { pub a: String }\n",
        r#"
src/a.rs:2:15+29: an index takes `columns(...)` or `expr`, not both
  help: keep one: `index(columns(a, b))` or `index(expr = "lower(email)")`
"#,
    );
}

#[test]
fn index_with_neither_columns_nor_expr() {
    check(
        "#[derive(Table)]\n#[dbkit(index(unique))]\npub struct A { pub a: String }\n",
        r#"
src/a.rs:2:9+13: an index needs `columns(...)` or `expr`
  help: write `index(columns(a, b))` or `index(expr = "lower(email)")`
"#,
    );
}

#[test]
fn unknown_column_in_struct_level_columns() {
    check(
        "#[derive(Table)]\n#[dbkit(unique(columns(emial)))]\npub struct A { pub email: String }\n",
        r#"
src/a.rs:2:24+5: unknown column `emial` in table `a`
  label: no such column
  help: did you mean `email`?
"#,
    );
}

#[test]
fn struct_level_columns_name_columns_not_fields() {
    check(
        "#[derive(Table)]\n#[dbkit(index(columns(display)))]\npub struct A {\n    #[dbkit(column = \"display_name\")]\n    pub display: String,\n}\n",
        r#"
src/a.rs:2:23+7: unknown column `display` in table `a`
  label: no such column
  help: the field `display` is the column `display_name`; write `display_name`
"#,
    );
}

#[test]
fn tuple_struct() {
    check(
        "#[derive(Table)]\npub struct Money(i64);\n",
        r#"
src/a.rs:2:12+5: `Table` cannot be derived for a tuple struct
  label: tuple struct
  help: name the fields, one per column: `struct User { id: i64 }`
"#,
    );
}

#[test]
fn unit_struct() {
    check(
        "#[derive(Table)]\npub struct Nothing;\n",
        r#"
src/a.rs:2:12+7: `Table` cannot be derived for a unit struct
  label: unit struct
  help: add named fields, one per column: `struct User { id: i64 }`
"#,
    );
}

#[test]
fn generic_struct() {
    check(
        "#[derive(Table)]\npub struct Row<T> { pub value: i64, pub marker: i32 }\n",
        r#"
src/a.rs:2:15+3: a `Table` struct cannot have generic parameters
  help: remove the generic parameters: each column needs one PostgreSQL type
"#,
    );
}

#[test]
fn table_on_an_enum() {
    check(
        "#[derive(Table)]\npub enum Status { A }\n",
        r#"
src/a.rs:2:5+11: `Table` can only be derived for a struct
  help: derive `PgEnum` for an enum that is a PostgreSQL enum type
"#,
    );
}

#[test]
fn enum_variant_with_fields() {
    check(
        "#[derive(PgEnum)]\npub enum Shape {\n    Circle(f64),\n    Square,\n}\n",
        r#"
src/a.rs:3:11+5: the variant `Circle` has fields
  label: a PostgreSQL enum label cannot carry data
  help: remove the fields: every variant of a `PgEnum` is a plain label
"#,
    );
}

#[test]
fn empty_enum() {
    check(
        "#[derive(PgEnum)]\npub enum Never {}\n",
        r#"
src/a.rs:2:10+5: a `PgEnum` needs at least one variant
  label: no variants
  help: add a variant for each label of the PostgreSQL enum
"#,
    );
}

#[test]
fn duplicate_enum_labels() {
    check(
        "#[derive(PgEnum)]\npub enum Status {\n    InReview,\n    #[dbkit(rename = \"in_review\")]\n    Reviewing,\n}\n",
        r#"
src/a.rs:4:22+11: duplicate enum label `in_review`
  note src/a.rs:3:5: `in_review` first used here
  help: give one of the variants another label with `#[dbkit(rename = "...")]`
"#,
    );
}

#[test]
fn enum_attributes_are_named_in_help_and_renamed_from_is_not_empty() {
    check(
        "#[derive(PgEnum)]\n#[dbkit(renamed_form = \"x\")]\npub enum Status { A }\n",
        r#"
src/a.rs:2:9+18: unknown attribute `renamed_form`
  label: not a dbkit enum attribute
  help: did you mean `renamed_from`?
"#,
    );
    check(
        "#[derive(PgEnum)]\n#[dbkit(renamed_from = \" \")]\npub enum Status { A }\n",
        r#"
src/a.rs:2:24+3: `renamed_from` is empty
  help: write a value for `renamed_from`
"#,
    );
}

#[test]
fn unknown_enum_attribute() {
    check(
        "#[derive(PgEnum)]\n#[dbkit(nmae = \"x\")]\npub enum Status { A }\n",
        r#"
src/a.rs:2:9+10: unknown attribute `nmae`
  label: not a dbkit enum attribute
  help: did you mean `name`?
"#,
    );
}

#[test]
fn duplicate_column_names() {
    check(
        "#[derive(Table)]\npub struct A {\n    pub name: String,\n    #[dbkit(column = \"name\")]\n    pub other: String,\n}\n",
        r#"
src/a.rs:5:9+5: duplicate column `name`
  label: this field's column
  note src/a.rs:3:9: `name` first declared here
  help: give one of the fields another name with `#[dbkit(column = "...")]`
"#,
    );
}

#[test]
fn primitive_without_mapping() {
    check(
        "#[derive(Table)]\npub struct A {\n    pub n: Option<u32>,\n}\n",
        r#"
src/a.rs:3:19+3: the type `u32` has no PostgreSQL mapping
  label: no PostgreSQL type for this
  help: add `sql_type = "..."` to the field with the PostgreSQL type of the column
"#,
    );
}

#[test]
fn unparsable_attribute() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(primary_key,, identity)]\n    pub id: i64,\n}\n",
        r#"
src/a.rs:3:25+1: expected an attribute name, found `,`
  help: attributes are separated by single commas: `#[dbkit(primary_key, identity)]`
"#,
    );
}

#[test]
fn unparsable_rust() {
    check(
        "#[derive(Table)]\npub struct Account {\n    #[dbkit(primary_key)]\n    pub id: i64\n    pub email: String,\n}\n",
        r#"
src/a.rs:5:5+3: could not parse this file as Rust: expected `,`
  help: fix the syntax error; the compiler reports the same
"#,
    );
}

#[test]
fn name_longer_than_postgresql_keeps() {
    let long = "x".repeat(64);
    check(
        &format!(
            "#[derive(Table)]\n#[dbkit(table = \"{long}\")]\npub struct A {{ pub id: i64 }}\n"
        ),
        &format!(
            "src/a.rs:2:17+66: the table name `{long}` is longer than 63 bytes\n  help: PostgreSQL would cut it to `{}`; choose a shorter name",
            "x".repeat(63)
        ),
    );
}

/// The help every NUL error gives.
const NUL_HELP: &str = "  help: remove the NUL character: PostgreSQL accepts any other character in names and SQL text, but no NUL";

#[test]
fn a_nul_character_is_refused_in_every_name_and_text() {
    for (source, place, what) in [
        (
            "#[derive(Table)]\n#[dbkit(table = \"x\\0y\")]\npub struct A { pub id: i64 }\n",
            "2:17+6",
            "the value of `table`",
        ),
        (
            "#[derive(Table)]\n#[dbkit(schema = \"s\\0\", table = \"a\")]\npub struct A { pub id: i64 }\n",
            "2:18+5",
            "the value of `schema`",
        ),
        (
            "#[derive(Table)]\n#[dbkit(renamed_from = \"old\\0\")]\npub struct A { pub id: i64 }\n",
            "2:24+7",
            "the value of `renamed_from`",
        ),
        (
            "#[derive(Table)]\npub struct A {\n    #[dbkit(column = \"i\\0d\")]\n    pub id: i64,\n}\n",
            "3:22+6",
            "the value of `column`",
        ),
        (
            "#[derive(Table)]\npub struct A {\n    #[dbkit(renamed_from = \"x\\0\")]\n    pub id: i64,\n}\n",
            "3:28+5",
            "the value of `renamed_from`",
        ),
        (
            "#[derive(Table)]\npub struct A {\n    #[dbkit(default = \"'a\\0'\")]\n    pub id: String,\n}\n",
            "3:23+7",
            "the value of `default`",
        ),
        (
            "#[derive(Table)]\npub struct A {\n    #[dbkit(sql_type = \"text\\0\")]\n    pub id: String,\n}\n",
            "3:24+8",
            "the value of `sql_type`",
        ),
        (
            "#[derive(Table)]\npub struct A {\n    #[dbkit(generated = \"lower(b)\\0\")]\n    pub id: String,\n    pub b: String,\n}\n",
            "3:25+12",
            "the value of `generated`",
        ),
        (
            "#[derive(Table)]\n#[dbkit(check(name = \"c\\0\", expr = \"id > 0\"))]\npub struct A { pub id: i64 }\n",
            "2:22+5",
            "the value of `name`",
        ),
        (
            "#[derive(Table)]\n#[dbkit(check(name = \"c\", expr = \"id > 0\\0\"))]\npub struct A { pub id: i64 }\n",
            "2:34+10",
            "the value of `expr`",
        ),
        (
            "#[derive(Table)]\n#[dbkit(index(expr = \"lower(b)\\0\", name = \"i\"))]\npub struct A { pub b: String }\n",
            "2:22+12",
            "the value of `expr`",
        ),
        (
            "#[derive(Table)]\n#[dbkit(index(columns(b), where = \"b <> ''\\0\"))]\npub struct A { pub b: String }\n",
            "2:35+11",
            "the value of `where`",
        ),
        (
            "#[derive(Table)]\n#[dbkit(unique(columns(\"b\\0\")))]\npub struct A { pub b: String }\n",
            "2:24+5",
            "the name",
        ),
        (
            "#[derive(Table)]\npub struct A {\n    #[dbkit(references = \"b\\0.id\")]\n    pub b: i64,\n}\n",
            "3:26+8",
            "the value of `references`",
        ),
        (
            "/// People\0 who sign in.\n#[derive(Table)]\npub struct A { pub id: i64 }\n",
            "1:1+24",
            "the doc comment",
        ),
        (
            "#[derive(Table)]\npub struct A {\n    #[doc = \"Key\\0\"]\n    pub id: i64,\n}\n",
            "3:5+16",
            "the doc comment",
        ),
        (
            "#[derive(PgEnum)]\n#[dbkit(name = \"e\\0\")]\npub enum E { A }\n",
            "2:16+5",
            "the value of `name`",
        ),
        (
            "#[derive(PgEnum)]\n#[dbkit(renamed_from = \"e\\0\")]\npub enum E { A }\n",
            "2:24+5",
            "the value of `renamed_from`",
        ),
        (
            "#[derive(PgEnum)]\npub enum E {\n    #[dbkit(rename = \"a\\0b\")]\n    A,\n}\n",
            "3:22+6",
            "the value of `rename`",
        ),
        (
            "#[derive(PgEnum)]\n#[doc = \"\\0\"]\npub enum E { A }\n",
            "2:1+13",
            "the doc comment",
        ),
    ] {
        check(
            source,
            &format!(
                "src/a.rs:{place}: {what} contains a NUL character (`\\0`)\n  label: PostgreSQL cannot store NUL\n{NUL_HELP}"
            ),
        );
        let from_macro = macro_errors(source);
        assert_eq!(from_macro, cli_errors(source), "{source}");
        assert_eq!(from_macro.len(), 1, "{source}");
    }
}

#[test]
fn explicit_names_used_twice() {
    check(
        "#[derive(Table)]\n#[dbkit(unique(columns(a), name = \"k\"), index(columns(a), name = \"k\"))]\npub struct A { pub a: i64 }\n",
        r#"
src/a.rs:2:66+3: the name `k` is used twice in table `a`
  note src/a.rs:2:35: first used here
  help: constraints and indexes of a table need different names
"#,
    );
}

#[test]
fn several_errors_are_reported_in_order() {
    check(
        "#[derive(Table)]\npub struct A {\n    #[dbkit(identiy)]\n    pub id: i64,\n    #[dbkit(sql_typ = \"text\")]\n    pub b: String,\n}\n",
        r#"
src/a.rs:3:13+7: unknown attribute `identiy`
  label: not a dbkit field attribute
  help: did you mean `identity`?
src/a.rs:5:13+16: unknown attribute `sql_typ`
  label: not a dbkit field attribute
  help: did you mean `sql_type`?
"#,
    );
}

// ------------------------------------------------------- rejected by the resolver

#[test]
fn type_without_mapping_nor_enum() {
    check(
        "pub struct Money(pub i64);\n#[derive(Table)]\npub struct Payment {\n    pub amount: Money,\n}\n",
        r#"
src/a.rs:4:17+5: the type `Money` has no PostgreSQL mapping
  label: not a mapped type nor a `PgEnum`, `Domain` or `CompositeType` of the workspace
  help: add `sql_type = "..."` or derive `PgEnum`, `Domain` or `CompositeType` for it
"#,
    );
}

#[test]
fn ambiguous_enum_name() {
    check_sources(
        &[
            "#[derive(PgEnum)]\n#[dbkit(name = \"order_status\")]\npub enum Status { Open }\n#[derive(Table)]\npub struct Ticket { pub status: Status }\n",
            "#[derive(PgEnum)]\n#[dbkit(name = \"account_status\")]\npub enum Status { Active }\n",
        ],
        r#"
src/a.rs:5:33+6: ambiguous enum name `Status`
  label: 2 enums are called `Status`
  note src/a.rs:3:10: `Status` is declared here as `public.order_status`
  note src/b.rs:3:10: `Status` is declared here as `public.account_status`
  help: say which one with `sql_type`, e.g. `sql_type = "order_status"` (one of `public.order_status`, `public.account_status`)
"#,
    );
}

#[test]
fn duplicate_tables_name_both_places() {
    check_sources(
        &[
            "#[derive(Table)]\n#[dbkit(table = \"users\")]\npub struct User { pub id: i64 }\n",
            "#[derive(Table)]\n#[dbkit(table = \"users\")]\npub struct Member { pub id: i64 }\n",
        ],
        r#"
src/b.rs:3:12+6: the table `public.users` is declared twice
  label: declared again here
  note src/a.rs:3:12: first declared here
  help: give one of them another name with `#[dbkit(table = "...")]` or another `schema`
"#,
    );
}

#[test]
fn duplicate_enums() {
    check_sources(
        &[
            "#[derive(PgEnum)]\npub enum Plan { A }\n",
            "#[derive(PgEnum)]\n#[dbkit(name = \"plan\")]\npub enum Tier { B }\n",
        ],
        r#"
src/b.rs:3:10+4: the enum `public.plan` is declared twice
  label: declared again here
  note src/a.rs:2:10: first declared here
  help: give one of them another name with `#[dbkit(name = "...")]` or another `schema`
"#,
    );
}

#[test]
fn dangling_references() {
    check(
        r#"#[derive(Table)]
#[dbkit(table = "users")]
pub struct User { #[dbkit(primary_key)] pub id: i64 }
#[derive(Table)]
pub struct Post {
    #[dbkit(references = "user.id")]
    pub author_id: i64,
    #[dbkit(references = "users.uid")]
    pub editor_id: i64,
    #[dbkit(references = "nothing_like_it.id")]
    pub other_id: i64,
}
"#,
        r#"
src/a.rs:6:26+9: `references` names an unknown table `public.user`
  label: no table of this name in the workspace
  help: did you mean `users`?
src/a.rs:8:26+11: `references` names an unknown column `uid` of `public.users`
  label: no column of this name in that table
  note src/a.rs:3:12: `public.users` is declared here
  help: did you mean `id`?
src/a.rs:10:26+20: `references` names an unknown table `public.nothing_like_it`
  label: no table of this name in the workspace
  help: declare the table with `#[derive(Table)]`, or fix the name
"#,
    );
}

#[test]
fn references_to_columns_that_are_not_unique() {
    check(
        r#"#[derive(Table)]
pub struct Owner { #[dbkit(primary_key)] pub id: i64, pub email: String }
#[derive(Table)]
pub struct Pet {
    #[dbkit(references = "owner.email")]
    pub owner_email: String,
}
"#,
        r#"
src/a.rs:5:26+13: `public.owner(email)` is not a primary key or unique
  label: PostgreSQL refuses a foreign key to these columns
  note src/a.rs:2:12: `public.owner` is declared here
  help: reference the primary key, or make the referenced columns unique (`#[dbkit(unique)]` on the field or `unique(columns(...))` on the struct)
"#,
    );
}

#[test]
fn table_and_enum_with_the_same_name() {
    check(
        "#[derive(PgEnum)]\npub enum Plan { A }\n#[derive(Table)]\n#[dbkit(table = \"plan\")]\npub struct PlanRow { pub id: i64 }\n",
        r#"
src/a.rs:5:12+7: the table `public.plan` has the name of an enum
  label: a table of this name
  note src/a.rs:2:10: the enum is declared here
  help: PostgreSQL gives every table a type of the same name: rename the table or the enum
"#,
    );
}

// ------------------------------------------------- the two entry points agree

/// The errors of the macro entry point, located the same way as the CLI's.
fn macro_errors(item: &str) -> Vec<(usize, usize, String, Option<String>)> {
    let input: syn::DeriveInput = match syn::parse_str(item) {
        Ok(input) => input,
        Err(error) => panic!("{error}"),
    };
    let is_enum = matches!(input.data, syn::Data::Enum(_));
    let diagnostics = if is_enum {
        parse_enum_derive(&input).err().unwrap_or_default()
    } else {
        parse_table_derive(&input).err().unwrap_or_default()
    };
    diagnostics
        .iter()
        .map(|diagnostic| {
            let start = diagnostic.span.start();
            (
                start.line,
                start.column + 1,
                diagnostic.message.clone(),
                diagnostic.help.clone(),
            )
        })
        .collect()
}

fn cli_errors(item: &str) -> Vec<(usize, usize, String, Option<String>)> {
    parse_source_file(item, "src/a.rs")
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|error| {
            (
                error.location.line,
                error.location.column,
                error.message,
                error.help,
            )
        })
        .collect()
}

#[test]
fn the_macro_and_the_cli_give_the_same_errors() {
    for item in [
        "#[derive(Table)]\npub struct Account {\n    #[dbkit(primary_kee)]\n    pub id: i64,\n}",
        "#[derive(Table)]\npub struct A {\n    #[dbkit(default = 5, identity, serial)]\n    pub id: String,\n}",
        "#[derive(Table)]\npub struct A {\n    #[dbkit(references = \"b.id\", on_delete = \"nothing\")]\n    pub b: i64,\n}",
        "#[derive(Table)]\n#[dbkit(check(expr = \"1\"), index(columns(zz)))]\npub struct A<T> {\n    pub n: u64,\n}",
        "#[derive(Table)]\npub struct A(i64);",
        "#[derive(PgEnum)]\n#[dbkit(table = \"x\")]\npub enum E {\n    A(i32),\n    B,\n    #[dbkit(rename = \"b\")]\n    C,\n}",
        "#[derive(PgEnum)]\npub enum E {}",
    ] {
        let mut from_macro = macro_errors(item);
        from_macro.sort_by_key(|(line, column, ..)| (*line, *column));
        let from_cli = cli_errors(item);
        assert!(!from_macro.is_empty(), "{item}");
        assert_eq!(from_macro, from_cli, "{item}");
    }
}

#[test]
fn the_macro_entry_point_gives_the_same_declaration() {
    let item = "#[derive(Table)]\n#[dbkit(table = \"users\")]\npub struct User {\n    #[dbkit(primary_key, identity)]\n    pub id: i64,\n    pub role: Role,\n}";
    let input: syn::DeriveInput = match syn::parse_str(item) {
        Ok(input) => input,
        Err(error) => panic!("{error}"),
    };
    let from_macro = match parse_table_derive(&input) {
        Ok(declaration) => declaration,
        Err(diagnostics) => panic!("{diagnostics:?}"),
    };
    let from_cli = match parse_source_file(item, "") {
        Ok(mut declarations) => match declarations.pop() {
            Some(Declaration::Table(table)) => table,
            other => panic!("{other:?}"),
        },
        Err(errors) => panic!("{errors:?}"),
    };
    assert_eq!(from_macro, from_cli);
    assert_eq!(
        from_macro.columns.last().map(|column| &column.ty),
        Some(&DeclaredType::EnumCandidate {
            rust_name: "Role".into(),
            array_dims: 0
        })
    );
}

#[test]
fn compile_errors_carry_the_help() {
    let input: syn::DeriveInput =
        match syn::parse_str("#[derive(Table)] struct A { #[dbkit(primary_kee)] id: i64 }") {
            Ok(input) => input,
            Err(error) => panic!("{error}"),
        };
    let diagnostics = parse_table_derive(&input).err().unwrap_or_default();
    let tokens = diagnostics_to_compile_errors(&diagnostics).to_string();
    assert!(tokens.contains("compile_error"), "{tokens}");
    assert!(
        tokens.contains("unknown attribute `primary_kee`\\n\\n= help: did you mean `primary_key`?"),
        "{tokens}"
    );
}

#[test]
fn schema_error_display() {
    let errors = parse_source_file(
        "#[derive(Table)]\nstruct A {\n    #[dbkit(primary_kee)]\n    id: i64,\n}",
        "src/a.rs",
    )
    .err()
    .unwrap_or_default();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "src/a.rs:3:13: error: unknown attribute `primary_kee`\n  = help: did you mean `primary_key`?"
        ]
    );
}

#[test]
fn declarations_are_send() {
    fn assert_send<T: Send + Sync>() {}
    assert_send::<Declaration>();
    assert_send::<SchemaError>();
}

// ------------------------------------------------------------ never panics

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Fragments that make mutations of valid sources reach deep into the
    /// parser: attribute names, values, types and punctuation.
    const FRAGMENTS: &[&str] = &[
        "#[dbkit(primary_key)]",
        "#[dbkit(identity = \"always\")]",
        "#[dbkit(references = \"users.id\", on_delete = \"cascade\")]",
        "#[dbkit(index(columns(a, b), where = \"x\", unique))]",
        "#[dbkit(foreign_key(columns(a), references = \"t(x)\"))]",
        "#[dbkit(check(name = \"c\", expr = \"a > 0\"))]",
        "#[dbkit(sql_type = \"varchar(10)[]\")]",
        "#[dbkit(default = 5)]",
        "#[dbkit(=)]",
        "#[dbkit]",
        "#[dbkit(rename = \"x\")]",
        "#[derive(Table)]",
        "#[derive(PgEnum)]",
        "#[cfg(test)]",
        "Option<",
        "Vec<u8>",
        "r#type",
        "é",
        "(",
        ")",
        "{",
        "}",
        ",",
        "\"",
        "<T>",
        "mod m {",
        "pub a: i64,",
        "\n",
    ];

    fn mutated_source() -> impl Strategy<Value = String> {
        let base = prop_oneof![
            Just(EVERY_FEATURE.to_string()),
            Just(super::SMALL.to_string())
        ];
        (
            base,
            proptest::collection::vec(
                (any::<prop::sample::Index>(), 0..FRAGMENTS.len(), 0usize..3),
                1..6,
            ),
        )
            .prop_map(|(mut source, edits)| {
                for (position, fragment, kind) in edits {
                    let mut offset = position.index(source.len() + 1);
                    while !source.is_char_boundary(offset) {
                        offset -= 1;
                    }
                    let fragment = FRAGMENTS.get(fragment).copied().unwrap_or("");
                    match kind {
                        0 => source.insert_str(offset, fragment),
                        1 => {
                            let mut end = (offset + fragment.len()).min(source.len());
                            while !source.is_char_boundary(end) {
                                end -= 1;
                            }
                            source.replace_range(offset..end, "");
                        }
                        _ => {
                            let mut end = (offset + fragment.len()).min(source.len());
                            while !source.is_char_boundary(end) {
                                end -= 1;
                            }
                            source.replace_range(offset..end, fragment);
                        }
                    }
                }
                source
            })
    }

    fn parse_and_resolve(source: &str) {
        match parse_source_file(source, "src/x.rs") {
            Ok(declarations) => {
                let _ = resolve_schema(declarations);
            }
            Err(errors) => {
                for error in errors {
                    assert!(error.span_len >= 1);
                    assert!(!error.message.is_empty());
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(text in "(\\PC|#\\[derive\\(Table\\)\\]|struct |\\{|\\})*") {
            parse_and_resolve(&text);
        }

        #[test]
        fn mutated_valid_sources_never_panic(source in mutated_source()) {
            parse_and_resolve(&source);
        }
    }
}

/// A short valid source for the mutation tests.
const SMALL: &str = r#"
#[derive(Table)]
#[dbkit(index(expr = "lower(a)"), unique(columns(a, b)))]
pub struct T {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    pub a: String,
    #[dbkit(references = "t.id", on_delete = "set null")]
    pub b: Option<i64>,
}
#[derive(PgEnum)]
pub enum E { A, #[dbkit(rename = "bee")] B }
"#;

// ---------------------------------------------------------------- row-level security

#[test]
fn row_level_security_and_policies() {
    check(
        r#"
#[derive(Table)]
#[dbkit(table = "documents", row_level_security, force_row_level_security)]
#[dbkit(policy(name = "owner_reads", for = "select", to(app_user, Auditor, public), using = "owner_id = 1"))]
#[dbkit(policy(name = "owner_writes", for = "INSERT", to(app_user), with_check = "owner_id = 1", restrictive))]
#[dbkit(policy(name = "everyone", using = "true", with_check = "false"))]
pub struct Document { pub owner_id: i64 }
"#,
        r#"
table public.documents
  owner_id bigint
  row level security
  force row level security
policy everyone on public.documents for all to public using true with check false at src/a.rs:6:16
policy owner_reads on public.documents for select to Auditor, app_user using owner_id = 1 at src/a.rs:4:16
policy owner_writes on public.documents for insert restrictive to app_user with check owner_id = 1 at src/a.rs:5:16
"#,
    );
}

#[test]
fn unknown_policy_command_suggests_the_closest() {
    check(
        "#[derive(Table)]\n#[dbkit(policy(name = \"p\", for = \"selcet\", using = \"true\"))]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:34+8: unknown policy command `selcet`
  label: not a command a policy applies to
  help: did you mean `select`?
"#,
    );
    check(
        "#[derive(Table)]\n#[dbkit(policy(name = \"p\", for = \"truncate\", using = \"true\"))]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:34+10: unknown policy command `truncate`
  label: not a command a policy applies to
  help: `for` takes one of: all, select, insert, update, delete; leave it out for all of them
"#,
    );
}

#[test]
fn policies_refused_before_postgresql_would() {
    check(
        "#[derive(Table)]\n#[dbkit(policy(name = \"p\", for = \"insert\", using = \"true\"))]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:44+14: an `INSERT` policy takes no `using`
  label: PostgreSQL refuses it
  help: new rows are checked by `with_check = "…"`; write that instead
"#,
    );
    check(
        "#[derive(Table)]\n#[dbkit(policy(name = \"p\", for = \"delete\", with_check = \"true\"))]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:44+19: a `DELETE` policy takes no `with_check`
  label: PostgreSQL refuses it
  help: rows that are read or deleted are chosen by `using = "…"`; write that instead
"#,
    );
    check(
        "#[derive(Table)]\n#[dbkit(policy(for = \"all\"), policy(name = \"p\", usng = \"x\"), row_level_security = \"yes\")]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:9+19: `policy` needs a `name`
  help: name the policy: `policy(name = "owner_reads", for = "select", to(app_user), using = "owner_id = …")`
src/a.rs:2:49+10: unknown argument `usng` of `policy`
  label: not an argument of `policy`
  help: did you mean `using`?
src/a.rs:2:62+26: `row_level_security` takes no value
  help: write just `row_level_security`
"#,
    );
    check(
        "#[derive(Table)]\n#[dbkit(policy(name = \"p\", using = \"true\"), policy(name = \"p\", using = \"false\"))]\npub struct A { pub id: i64 }\n",
        r#"
src/a.rs:2:45+35: the policy `p` is declared twice
  help: policies of a table need different names
"#,
    );
}
