//! Orders and what is in them.

pub mod order_schema;

pub use order_schema::{Order, OrderItem, OrderStatus};

/// The total of an order's lines, in cents.
pub fn order_total_cents(items: &[OrderItem]) -> i64 {
    items
        .iter()
        .map(|item| i64::from(item.quantity) * item.unit_price_cents)
        .sum()
}
