//! Schema of the order domain: orders and their lines.

use dbkit_runtime::sqlx::types::Uuid;
use dbkit_runtime::sqlx::types::chrono::{DateTime, Utc};
use dbkit_runtime::{PgEnum, Table};

/// Where an order is between the basket and the doorstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
#[dbkit(name = "order_status")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

/// An order placed by a user.
#[derive(Debug, Clone, Table)]
#[dbkit(table = "orders")]
#[dbkit(index(columns(user_id, placed_at)))]
#[dbkit(index(
    name = "orders_open_idx",
    columns(placed_at),
    where = "status IN ('pending', 'paid')"
))]
#[dbkit(check(name = "orders_total_cents_check", expr = "total_cents >= 0"))]
pub struct Order {
    #[dbkit(primary_key, default = "gen_random_uuid()")]
    pub id: Uuid,
    #[dbkit(references = "users.id", on_delete = "restrict")]
    pub user_id: i64,
    #[dbkit(default = "'pending'")]
    pub status: OrderStatus,
    pub total_cents: i64,
    #[dbkit(default = "now()")]
    pub placed_at: DateTime<Utc>,
    /// Where the order goes; kept when the address is deleted later.
    #[dbkit(references = "addresses.id", on_delete = "set null", index)]
    pub shipping_address_id: Option<i64>,
    /// A note from the customer for the courier.
    pub note: Option<String>,
}

/// One line of an order: a product, how many, at what price.
#[derive(Debug, Clone, Table)]
#[dbkit(table = "order_items")]
#[dbkit(primary_key(columns(order_id, line_number)))]
#[dbkit(check(name = "order_items_quantity_check", expr = "quantity > 0"))]
pub struct OrderItem {
    #[dbkit(references = "orders.id", on_delete = "cascade", on_update = "cascade")]
    pub order_id: Uuid,
    pub line_number: i16,
    #[dbkit(references = "catalog.products.id")]
    pub product_id: i64,
    pub quantity: i32,
    /// The product's price when the order was placed.
    pub unit_price_cents: i64,
    #[dbkit(generated = "quantity * unit_price_cents")]
    pub line_total_cents: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_totals_add_up() {
        let order_id = Uuid::nil();
        let line = |line_number, quantity, unit_price_cents| OrderItem {
            order_id,
            line_number,
            product_id: 1,
            quantity,
            unit_price_cents,
            line_total_cents: i64::from(quantity) * unit_price_cents,
        };
        let items = [line(1, 2, 250), line(2, 1, 1000)];
        assert_eq!(crate::domains::order::order_total_cents(&items), 1500);
    }
}
