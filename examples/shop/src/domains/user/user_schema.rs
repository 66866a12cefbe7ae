//! Schema of the user domain: accounts and their addresses.

use dbkit_runtime::sqlx::types::chrono::{DateTime, Utc};
use dbkit_runtime::{PgEnum, Table};

/// What a user may do in the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[dbkit(name = "user_role")]
pub enum UserRole {
    Customer,
    Staff,
    Admin,
}

/// People who can sign in.
#[derive(Debug, Clone, Table)]
#[dbkit(table = "users")]
#[dbkit(index(name = "users_lower_email_idx", expr = "lower(email)", unique))]
#[dbkit(index(columns(role), where = "deleted_at IS NULL"))]
pub struct User {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    /// Login address, unique whatever its case.
    #[dbkit(sql_type = "varchar(320)")]
    pub email: String,
    pub display_name: String,
    /// For the courier; E.164 format.
    #[dbkit(sql_type = "varchar(20)")]
    pub phone: Option<String>,
    #[dbkit(default = "'customer'")]
    pub role: UserRole,
    #[dbkit(default = "now()")]
    pub created_at: DateTime<Utc>,
    /// Set when the account is closed; the row stays for order history.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Postal addresses a user ships orders to.
#[derive(Debug, Clone, Table)]
#[dbkit(table = "addresses")]
#[dbkit(check(
    name = "addresses_country_code_check",
    expr = "country_code ~ '^[A-Z]{2}$'"
))]
pub struct Address {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    #[dbkit(references = "users.id", on_delete = "cascade", index)]
    pub user_id: i64,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    #[dbkit(sql_type = "char(2)")]
    pub country_code: String,
}
