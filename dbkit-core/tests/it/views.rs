//! Views and materialized views from Rust source: what the parser refuses
//! (with file:line:column and did-you-mean), and the SQL of each kind of
//! change, checked against the snapshot files under `tests/it/snapshots`.

use dbkit_core::diff::{DiffOptions, apply_changes, diff};
use dbkit_core::model::Schema;
use dbkit_core::parse::parse_source_file;
use dbkit_core::render::render_migration;
use dbkit_core::resolve::resolve_schema;

/// The schema `source` declares, or its errors one per line.
fn read(source: &str) -> Result<Schema, String> {
    let declarations = parse_source_file(source, "src/schema.rs").map_err(errors_text)?;
    resolve_schema(declarations).map_err(errors_text)
}

fn errors_text(errors: Vec<dbkit_core::parse::SchemaError>) -> String {
    errors
        .iter()
        .map(|error| {
            let location = &error.location;
            let help = error.help.as_deref().unwrap_or("");
            format!(
                "{}:{}:{}: {}\n  help: {help}\n",
                location.file, location.line, location.column, error.message
            )
        })
        .collect()
}

fn schema(source: &str) -> Schema {
    read(source).unwrap_or_else(|errors| panic!("{errors}"))
}

/// The migration from `old` to `new` with each step's warning, after
/// checking that the steps turn `old` into `new` in the model.
fn migration(old: &str, new: &str) -> String {
    let (old, new) = (schema(old), schema(new));
    let changes = diff(&old, &new, &DiffOptions::default()).expect("no ambiguity");
    let mut applied = apply_changes(&old, &changes);
    let mut expected = new.clone();
    for schema in [&mut applied, &mut expected] {
        for view in &mut schema.views {
            view.source = None;
        }
        for table in &mut schema.tables {
            table.source = None;
            for column in &mut table.columns {
                column.source = None;
            }
            for key in &mut table.foreign_keys {
                key.source = None;
            }
        }
    }
    assert_eq!(
        applied.views, expected.views,
        "the steps do not make the new views"
    );
    let warnings: String = changes
        .iter()
        .filter_map(|change| {
            change
                .destructive_warning()
                .map(|warning| format!("warning: {warning}\n"))
        })
        .collect();
    let migration = render_migration(&changes);
    format!(
        "name: {}\n{warnings}---\n{}",
        migration.suggested_name, migration.sql
    )
}

const TABLES: &str = r#"
#[derive(Table)]
#[dbkit(schema = "shop", table = "customers")]
pub struct Customer {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    pub email: String,
}

#[derive(Table)]
#[dbkit(schema = "shop", table = "orders")]
pub struct Order {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    pub customer_id: i64,
    pub placed_on: chrono::NaiveDate,
    pub total: i64,
}
"#;

const CUSTOMER_ORDERS: &str = r#"
/// Customers with their order count.
#[derive(View)]
#[dbkit(view = "customer_orders", schema = "shop", query = r"
    SELECT c.id, c.email, count(o.id) AS orders
    FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id
    GROUP BY c.id, c.email")]
pub struct CustomerOrders { pub id: i64, pub email: String, pub orders: i64 }
"#;

const DAILY_SALES: &str = r#"
/// Sales per day.
#[derive(View)]
#[dbkit(materialized_view = "daily_sales", schema = "shop", with_no_data,
        query = "SELECT placed_on AS day, sum(total) AS total FROM shop.orders GROUP BY placed_on")]
#[dbkit(index(columns(day), unique))]
pub struct DailySales { pub day: chrono::NaiveDate, #[dbkit(sql_type = "numeric")] pub total: Option<rust_decimal::Decimal> }
"#;

fn source(parts: &[&str]) -> String {
    parts.concat()
}

#[test]
fn a_view_and_a_materialized_view_with_no_data_an_index_and_comments_are_created() {
    insta::assert_snapshot!(migration(
        TABLES,
        &source(&[TABLES, CUSTOMER_ORDERS, DAILY_SALES])
    ));
}

#[test]
fn views_are_dropped_dependents_first() {
    let on_view = r#"
#[derive(View)]
#[dbkit(schema = "shop", query = "SELECT id FROM shop.customer_orders WHERE orders > 9")]
pub struct BigCustomers { pub id: i64 }
"#;
    insta::assert_snapshot!(migration(
        &source(&[TABLES, CUSTOMER_ORDERS, DAILY_SALES, on_view]),
        TABLES
    ));
}

#[test]
fn an_appended_column_replaces_the_view_in_place() {
    let appended = CUSTOMER_ORDERS
        .replace(
            "count(o.id) AS orders",
            "count(o.id) AS orders, max(o.placed_on) AS last_order",
        )
        .replace(
            "pub orders: i64 }",
            "pub orders: i64, pub last_order: Option<chrono::NaiveDate> }",
        );
    insta::assert_snapshot!(migration(
        &source(&[TABLES, CUSTOMER_ORDERS]),
        &source(&[TABLES, &appended])
    ));
}

#[test]
fn a_removed_column_drops_and_creates_the_view_and_its_dependents() {
    let on_view = r#"
#[derive(View)]
#[dbkit(schema = "shop", query = "SELECT id FROM shop.customer_orders")]
pub struct CustomerIds { pub id: i64 }
"#;
    let fewer = CUSTOMER_ORDERS
        .replace(
            "c.id, c.email, count(o.id) AS orders",
            "c.id, count(o.id) AS orders",
        )
        .replace("GROUP BY c.id, c.email", "GROUP BY c.id")
        .replace("pub email: String, ", "");
    insta::assert_snapshot!(migration(
        &source(&[TABLES, CUSTOMER_ORDERS, on_view]),
        &source(&[TABLES, &fewer, on_view])
    ));
}

#[test]
fn a_changed_materialized_view_is_dropped_and_created_with_a_warning() {
    let changed = DAILY_SALES.replace("sum(total)", "sum(total) FILTER (WHERE total > 0)");
    insta::assert_snapshot!(migration(
        &source(&[TABLES, DAILY_SALES]),
        &source(&[TABLES, &changed])
    ));
}

#[test]
fn indexes_and_comment_alone_change_a_materialized_view_in_place() {
    let changed = DAILY_SALES
        .replace(
            "/// Sales per day.",
            "/// Sales per day, refreshed at night.",
        )
        .replace(
            "#[dbkit(index(columns(day), unique))]",
            "#[dbkit(index(columns(total)))]",
        );
    insta::assert_snapshot!(migration(
        &source(&[TABLES, DAILY_SALES]),
        &source(&[TABLES, &changed])
    ));
}

#[test]
fn a_view_on_a_view_on_a_retyped_column_goes_before_and_comes_back_after_in_order() {
    let on_view = r#"
#[derive(View)]
#[dbkit(schema = "shop", query = "SELECT id FROM shop.customer_orders")]
pub struct CustomerIds { pub id: i64 }
"#;
    let retyped = TABLES.replace(
        "pub email: String,",
        "#[dbkit(sql_type = \"varchar(320)\")]\n    pub email: String,",
    );
    insta::assert_snapshot!(migration(
        &source(&[TABLES, CUSTOMER_ORDERS, on_view]),
        &source(&[&retyped, CUSTOMER_ORDERS, on_view])
    ));
}

#[test]
fn a_reformatted_query_generates_nothing() {
    let reformatted = CUSTOMER_ORDERS.replace(
        r#"query = r"
    SELECT c.id, c.email, count(o.id) AS orders
    FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id
    GROUP BY c.id, c.email")]"#,
        r#"query = r"select c.id,
           c.email,
           COUNT(o.id) as orders -- one row per customer
      from shop.customers c
      left join shop.orders o on o.customer_id = c.id
  group by c.id, c.email;")]"#,
    );
    assert_ne!(reformatted, CUSTOMER_ORDERS);
    let (old, new) = (
        schema(&source(&[TABLES, CUSTOMER_ORDERS])),
        schema(&source(&[TABLES, &reformatted])),
    );
    let changes = diff(&old, &new, &DiffOptions::default()).expect("no ambiguity");
    assert!(changes.is_empty(), "{}", render_migration(&changes).sql);
}

#[test]
fn an_unknown_attribute_suggests_the_closest() {
    let errors = read(
        "#[derive(View)]\n#[dbkit(view = \"v\", qeury = \"select 1 as one\")]\npub struct V { pub one: i32 }\n",
    )
    .expect_err("refused");
    insta::assert_snapshot!(errors);
}

#[test]
fn a_view_without_a_query_is_refused_at_its_name() {
    let errors = read(
        "pub struct Plain;\n\n#[derive(View)]\n#[dbkit(view = \"totals\")]\npub struct Totals { pub n: i64 }\n",
    )
    .expect_err("refused");
    insta::assert_snapshot!(errors);
}

#[test]
fn what_only_a_materialized_view_takes_and_table_field_attributes_are_refused() {
    let errors = read(
        r#"#[derive(View)]
#[dbkit(view = "v", query = "select 1 as n; drop table users", with_no_data)]
#[dbkit(index(columns(m)))]
pub struct V {
    #[dbkit(primary_key)]
    pub n: i32,
    #[dbkit(colum = "x")]
    pub m: i32,
}

#[derive(View)]
#[dbkit(materialized_view = "w", query = "select 1 as n")]
#[dbkit(index(columns(nn)))]
pub struct W { pub n: i32 }
"#,
    )
    .expect_err("refused");
    insta::assert_snapshot!(errors);
}

#[test]
fn a_view_with_a_tables_name_is_refused() {
    let errors = read(
        r#"#[derive(Table)]
pub struct Totals { pub n: i32 }

#[derive(View)]
#[dbkit(view = "totals", query = "select 1 as n")]
pub struct TotalsView { pub n: i32 }
"#,
    )
    .expect_err("refused");
    insta::assert_snapshot!(errors);
}
