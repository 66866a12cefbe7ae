//! What the shop sells, in the `catalog` PostgreSQL schema.

pub mod catalog_schema;

pub use catalog_schema::{Category, Product, ProductStatus};

/// A price in cents as the shop prints it (`12.50`).
pub fn format_price(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}
