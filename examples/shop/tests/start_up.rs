//! The shop's binary, started against a fresh database, applies its embedded
//! migrations and leaves the tables its schema modules declare.

use dbkit_runtime::Table;
use dbkit_runtime::sqlx::{self, Connection};
use dbkit_runtime::testing::LocalServer;
use shop::domains::catalog::{Category, Product};
use shop::domains::order::{Order, OrderItem};
use shop::domains::user::{Address, User};
use std::process::Command;

/// `(schema, table, sorted columns)` of a declared table.
fn declared<T: Table>() -> (String, String, Vec<String>) {
    let mut columns: Vec<String> = T::COLUMNS.iter().map(|name| name.to_string()).collect();
    columns.sort();
    (T::SCHEMA.to_string(), T::NAME.to_string(), columns)
}

#[tokio::test]
async fn the_binary_migrates_a_fresh_database_to_the_declared_tables() {
    let server = LocalServer::shared().expect("local PostgreSQL");
    let (name, url) = server
        .create_unique_database("shop_start_up")
        .await
        .expect("database");

    let output = Command::new(env!("CARGO_BIN_EXE_shop"))
        .env("DATABASE_URL", &url)
        .output()
        .expect("run the shop");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "status {}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("applied V1__create_shop.sql"), "{stdout}");

    let mut connection = sqlx::PgConnection::connect(&url).await.expect("connect");
    for (schema, table, columns) in [
        declared::<Category>(),
        declared::<Product>(),
        declared::<User>(),
        declared::<Address>(),
        declared::<Order>(),
        declared::<OrderItem>(),
    ] {
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name",
        )
        .bind(&schema)
        .bind(&table)
        .fetch_all(&mut connection)
        .await
        .expect("columns");
        assert_eq!(found, columns, "columns of {schema}.{table}");
    }
    connection.close().await.expect("close");

    let again = Command::new(env!("CARGO_BIN_EXE_shop"))
        .env("DATABASE_URL", &url)
        .output()
        .expect("run the shop again");
    assert!(again.status.success(), "{again:?}");
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "",
        "a second start applies nothing"
    );
    server.drop_database(&name).await.expect("drop database");
}
