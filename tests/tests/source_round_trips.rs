//! Round trips that start from Rust source text, the way users write
//! schemas: source → parser and resolver → SQL → database → introspection.

use dbkit_core::model::Schema;
use dbkit_core::parse::parse_source_file;
use dbkit_core::resolve::resolve_schema;
use dbkit_tests::round_trip;

fn schema_from_rust(source: &str) -> Schema {
    let declarations = parse_source_file(source, "src/schema.rs")
        .unwrap_or_else(|errors| panic!("the source does not parse: {errors:?}"));
    resolve_schema(declarations).unwrap_or_else(|errors| panic!("the source does not resolve: {errors:?}"))
}

const BEFORE: &str = r#"
use dbkit_runtime::{PgEnum, Table};

#[derive(PgEnum)]
pub enum Role {
    Member,
    Admin,
}

#[derive(Table)]
#[dbkit(table = "orgs")]
pub struct Org {
    #[dbkit(primary_key, serial)]
    pub id: i32,
    pub name: String,
}

/// People who can sign in.
#[derive(Table)]
#[dbkit(table = "users")]
pub struct User {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    #[dbkit(references = "orgs.id", on_delete = "cascade")]
    pub org_id: i32,
    pub email: String,
    pub full_name: String,
}
"#;

const AFTER: &str = r#"
use dbkit_runtime::{PgEnum, Table};

#[derive(PgEnum)]
#[dbkit(name = "role")]
pub enum Role {
    Guest,
    Member,
    #[dbkit(rename = "in-review")]
    InReview,
    Admin,
}

#[derive(Table)]
#[dbkit(table = "orgs")]
pub struct Org {
    #[dbkit(primary_key, serial)]
    pub id: i32,
    pub name: String,
}

/// People who can sign in.
#[derive(Table)]
#[dbkit(table = "users")]
#[dbkit(unique(columns(org_id, email)))]
#[dbkit(index(columns(created_at)))]
#[dbkit(index(name = "users_lower_email_idx", expr = "lower(email)", unique))]
#[dbkit(index(columns(org_id), where = "deleted_at IS NULL", method = "btree"))]
#[dbkit(check(name = "users_age_check", expr = "age >= 0"))]
pub struct User {
    #[dbkit(primary_key, identity = "always")]
    pub id: i64,
    #[dbkit(references = "orgs.id", on_delete = "cascade")]
    pub org_id: i32,
    /// Login address.
    pub email: String,
    pub name: Option<String>,
    #[dbkit(default = "0")]
    pub age: i32,
    #[dbkit(sql_type = "varchar(320)", unique)]
    pub handle: Option<String>,
    #[dbkit(default = "now()")]
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
}
"#;

#[tokio::test]
async fn the_documented_user_schema_round_trips_from_rust_source() {
    let before = schema_from_rust(BEFORE);
    let after = schema_from_rust(AFTER);
    match round_trip(&before, &after).await {
        Ok(trip) => trip.database.drop_now().await.expect("drop database"),
        Err(report) => panic!("{report}"),
    }
}
