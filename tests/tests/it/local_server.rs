//! The throwaway local PostgreSQL server: it starts (as `nobody` when the
//! tests run as root), serves databases, and leaves nothing behind.

use dbkit_runtime::testing::LocalServer;
use sqlx::Connection;
use std::time::{Duration, Instant};

#[tokio::test]
async fn shared_server_creates_serves_and_drops_databases() {
    let server = LocalServer::shared().expect("local server");
    let (name, url) = server
        .create_unique_database("local_server")
        .await
        .expect("create database");
    let mut connection = sqlx::PgConnection::connect(&url).await.expect("connect");
    let (database, answer): (String, i32) = sqlx::query_as("SELECT current_database(), 40 + 2")
        .fetch_one(&mut connection)
        .await
        .expect("query");
    assert_eq!(database, name);
    assert_eq!(answer, 42);
    let (superuser,): (bool,) =
        sqlx::query_as("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut connection)
            .await
            .expect("role");
    assert!(superuser);
    let (encoding,): (String,) = sqlx::query_as(
        "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()",
    )
    .fetch_one(&mut connection)
    .await
    .expect("encoding");
    assert_eq!(encoding, "UTF8");
    let (fsync,): (String,) = sqlx::query_as("SHOW fsync")
        .fetch_one(&mut connection)
        .await
        .expect("fsync");
    assert_eq!(fsync, "off");
    server.drop_database(&name).await.expect("drop database");
    assert!(
        sqlx::PgConnection::connect(&url).await.is_err(),
        "the dropped database still accepts connections"
    );
}

#[tokio::test]
async fn a_dropped_server_stops_and_removes_its_directory() {
    let server = LocalServer::start().expect("local server");
    let directory = server.directory().to_path_buf();
    let port = server.port();
    let url = server
        .create_database("owned_server_check")
        .await
        .expect("create database");
    let connection = sqlx::PgConnection::connect(&url).await.expect("connect");
    drop(connection);
    assert!(directory.join("data").join("PG_VERSION").exists());
    drop(server);
    assert!(
        !directory.exists(),
        "{} is still there",
        directory.display()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "port {port} still accepts connections"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
