//! Every attribute of the schema DSL, on types the derives map.

use dbkit_runtime::sqlx::postgres::{PgHasArrayType, Postgres};
use dbkit_runtime::sqlx::types::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use dbkit_runtime::sqlx::types::{Json, Uuid};
use dbkit_runtime::sqlx::{Decode, Encode, Type};
use dbkit_runtime::{PgEnum, Table};

/// Who may do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[dbkit(name = "user_role", schema = "auth")]
pub enum Role {
    Member,
    /// Can change anything.
    Admin,
    #[dbkit(rename = "read-only")]
    ReadOnly,
}

#[derive(Debug, PgEnum)]
pub enum PostStatus {
    Draft,
    InReview,
}

#[derive(Table)]
#[dbkit(table = "orgs", schema = "auth")]
pub struct Org {
    #[dbkit(primary_key, identity = "always")]
    pub id: i64,
}

/// People who can sign in.
#[derive(Debug, Table)]
#[dbkit(table = "users", schema = "auth", renamed_from = "accounts")]
#[dbkit(unique(columns(org_id, email), name = "users_org_email_key"))]
#[dbkit(index(columns(created_at)))]
#[dbkit(index(name = "users_lower_email_idx", expr = "lower(email)", unique))]
#[dbkit(index(columns(org_id), where = "deleted_at IS NULL", method = "btree"))]
#[dbkit(check(name = "users_age_check", expr = "age >= 0"))]
pub struct User {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    #[dbkit(references = "orgs.id", on_delete = "cascade", on_update = "no action")]
    pub org_id: i64,
    /// Login address.
    pub email: String,
    pub name: Option<String>,
    pub age: i32,
    #[dbkit(sql_type = "varchar(320)", unique)]
    pub handle: String,
    #[dbkit(default = "now()", index)]
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    #[dbkit(default = "'member'")]
    pub role: Role,
    pub statuses: Vec<PostStatus>,
    #[dbkit(column = "display_name", renamed_from = "full_name")]
    pub display: String,
    #[dbkit(generated = "lower(email)")]
    pub email_lower: String,
    #[dbkit(skip)]
    pub cached: std::cell::Cell<u32>,
    pub r#type: Option<i16>,
    pub ratio: f32,
    pub precise: f64,
    pub active: bool,
    pub avatar: Vec<u8>,
    pub tags: Vec<String>,
    pub key: Uuid,
    pub settings: Json<Vec<String>>,
    pub local_time: NaiveDateTime,
    pub born_on: NaiveDate,
    pub wakes_at: NaiveTime,
    pub nick: Box<str>,
    #[dbkit(sql_type = "citext")]
    pub login: String,
    #[dbkit(sql_type = "numeric(10, 2)")]
    pub balance: String,
}

#[derive(Table)]
#[dbkit(primary_key(columns(user_id, position)))]
#[dbkit(foreign_key(columns(user_id), references = "auth.users(id)", on_delete = "set null", name = "memberships_user_fkey"))]
pub struct Membership {
    pub user_id: i64,
    #[dbkit(serial)]
    pub position: i32,
}

fn implements_sqlx_traits<T>()
where
    T: Type<Postgres> + PgHasArrayType + for<'q> Encode<'q, Postgres> + for<'r> Decode<'r, Postgres>,
{
}

fn main() {
    implements_sqlx_traits::<Role>();
    implements_sqlx_traits::<PostStatus>();
    assert_eq!(<User as Table>::SCHEMA, "auth");
    assert_eq!(<User as Table>::NAME, "users");
    assert_eq!(<User as Table>::COLUMNS.len(), 26);
    assert!(<User as Table>::COLUMNS.contains(&"display_name"));
    assert!(!<User as Table>::COLUMNS.contains(&"cached"));
    assert_eq!(<Membership as Table>::NAME, "membership");
    assert_eq!(<Org as Table>::COLUMNS, &["id"]);
    assert_eq!(<Role as PgEnum>::SCHEMA, "auth");
    assert_eq!(<Role as PgEnum>::NAME, "user_role");
    assert_eq!(<Role as PgEnum>::VALUES, &["member", "admin", "read-only"]);
    assert_eq!(<PostStatus as PgEnum>::NAME, "post_status");
    assert_eq!(<PostStatus as PgEnum>::VALUES, &["draft", "in_review"]);
}
