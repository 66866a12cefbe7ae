//! Schema of the catalog domain: a category tree and the products in it.

use dbkit_runtime::sqlx::types::Json;
use dbkit_runtime::sqlx::types::chrono::{DateTime, Utc};
use dbkit_runtime::{PgEnum, Table};
use std::collections::BTreeMap;

/// Where a product is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[dbkit(name = "product_status", schema = "catalog")]
pub enum ProductStatus {
    Draft,
    Active,
    /// No longer sold, still shown in past orders.
    #[dbkit(rename = "discontinued")]
    Retired,
}

/// A tree of categories (`Shoes` → `Running shoes`).
#[derive(Debug, Clone, Table)]
#[dbkit(table = "categories", schema = "catalog")]
pub struct Category {
    #[dbkit(primary_key, identity)]
    pub id: i32,
    #[dbkit(references = "catalog.categories.id", on_delete = "set null")]
    pub parent_id: Option<i32>,
    #[dbkit(unique)]
    pub slug: String,
    pub name: String,
}

/// Something the shop sells.
#[derive(Debug, Clone, Table)]
#[dbkit(table = "products", schema = "catalog")]
#[dbkit(check(name = "products_price_cents_check", expr = "price_cents >= 0"))]
#[dbkit(index(columns(category_id, status)))]
#[dbkit(index(name = "products_tags_idx", columns(tags), method = "gin"))]
pub struct Product {
    #[dbkit(primary_key, identity = "always")]
    pub id: i64,
    #[dbkit(references = "catalog.categories.id", on_delete = "restrict")]
    pub category_id: i32,
    /// Stock keeping unit, printed on the label.
    #[dbkit(sql_type = "varchar(64)", unique)]
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub price_cents: i64,
    #[dbkit(default = "'draft'")]
    pub status: ProductStatus,
    #[dbkit(default = "'{}'")]
    pub tags: Vec<String>,
    #[dbkit(default = "'{}'::jsonb")]
    pub attributes: Json<BTreeMap<String, String>>,
    #[dbkit(default = "now()")]
    pub updated_at: DateTime<Utc>,
}
