//! `#[dbkit_runtime::test]` for real: each test gets a database of its own
//! with every migration and its fixtures applied, kept when the test fails;
//! and mistakes in the attribute are compile errors with a help line.
//!
//! The server comes from the provider the environment picks, as for any
//! user of the attribute.
#![cfg(feature = "testing")]

use std::cell::{Cell, RefCell};

use dbkit_runtime::sqlx::{self, Connection, PgConnection};
use dbkit_runtime::{Migrations, TestDb};

static MIGRATIONS: Migrations =
    dbkit_runtime::embed_migrations!("tests/it/fixtures/attribute_migrations");

async fn count(db: &TestDb, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db.pool())
        .await
        .expect(sql)
}

async fn insert_the_same_unique_row(db: &TestDb) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO users (email) VALUES ('same@example.com')")
        .execute(db.pool())
        .await?;
    assert_eq!(count(db, "SELECT count(*) FROM users").await, 1);
    Ok(())
}

#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn two_tests_inserting_the_same_unique_row_first(db: TestDb) -> Result<(), sqlx::Error> {
    insert_the_same_unique_row(&db).await
}

#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn two_tests_inserting_the_same_unique_row_second(db: TestDb) -> Result<(), sqlx::Error> {
    insert_the_same_unique_row(&db).await
}

#[dbkit_runtime::test(migrations = MIGRATIONS, fixtures("users", "orders"))]
async fn a_test_sees_every_migration_and_its_fixtures_in_order(db: TestDb) {
    let versions: Vec<i32> =
        sqlx::query_scalar("SELECT version FROM refinery_schema_history ORDER BY version")
            .fetch_all(db.pool())
            .await
            .expect("history");
    assert_eq!(versions, [1, 2]);
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 2);
    // orders.sql reads the users users.sql inserted.
    assert_eq!(count(&db, "SELECT count(*) FROM orders").await, 2);
    assert!(
        db.name().contains("and_its_fixtures_in_order"),
        "the database is named after the test: {}",
        db.name()
    );
}

#[dbkit_runtime::test(migrations = MIGRATIONS, fixtures("fixtures/users.sql"))]
async fn a_fixture_may_be_a_path_relative_to_the_test_file(db: TestDb) -> Result<(), String> {
    match count(&db, "SELECT count(*) FROM users").await {
        2 => Ok(()),
        other => Err(format!("expected the 2 users of users.sql, found {other}")),
    }
}

#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn a_test_without_fixtures_starts_empty(db: TestDb) {
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 0);
}

thread_local! {
    /// Set by the tests below, on their own thread, before they call a test
    /// function directly: the harness's own run of it passes.
    static FAIL_ON_PURPOSE: Cell<bool> = const { Cell::new(false) };
    /// The name and URL of the database the last test function below got.
    static LAST_DATABASE: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

fn remember(db: &TestDb) {
    LAST_DATABASE
        .with(|last| *last.borrow_mut() = Some((db.name().to_string(), db.url().to_string())));
}

fn last_database() -> (String, String) {
    LAST_DATABASE
        .with(|last| last.borrow_mut().take())
        .expect("the test function ran")
}

#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn returns_an_error_when_asked(db: TestDb) -> Result<(), String> {
    remember(&db);
    if FAIL_ON_PURPOSE.with(Cell::get) {
        Err("failed on purpose".to_string())
    } else {
        Ok(())
    }
}

#[dbkit_runtime::test(migrations = MIGRATIONS)]
async fn panics_when_asked(db: TestDb) {
    remember(&db);
    assert!(!FAIL_ON_PURPOSE.with(Cell::get), "failed on purpose");
}

/// Whether a database can be connected to (false when it does not exist).
fn database_exists(url: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        match PgConnection::connect(url).await {
            Ok(connection) => {
                connection.close().await.expect("close");
                true
            }
            Err(error) => {
                let code = error
                    .as_database_error()
                    .and_then(|error| error.code())
                    .map(|code| code.into_owned());
                assert_eq!(code.as_deref(), Some("3D000"), "{error}");
                false
            }
        }
    })
}

fn drop_kept(name: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(dbkit_runtime::testing::drop_kept_database(name))
        .expect("drop the kept database");
}

#[test]
fn a_test_that_returns_an_error_keeps_its_database_and_one_that_passes_does_not() {
    FAIL_ON_PURPOSE.with(|fail| fail.set(false));
    assert_eq!(returns_an_error_when_asked(), Ok(()));
    let (_, passed_url) = last_database();
    assert!(!database_exists(&passed_url), "dropped after passing");

    FAIL_ON_PURPOSE.with(|fail| fail.set(true));
    let outcome = returns_an_error_when_asked();
    FAIL_ON_PURPOSE.with(|fail| fail.set(false));
    assert_eq!(outcome, Err("failed on purpose".to_string()));
    let (name, url) = last_database();
    assert!(database_exists(&url), "kept after an error: {name}");
    drop_kept(&name);
    assert!(!database_exists(&url));
}

#[test]
fn a_test_that_panics_keeps_its_database() {
    FAIL_ON_PURPOSE.with(|fail| fail.set(true));
    let outcome = std::panic::catch_unwind(panics_when_asked);
    FAIL_ON_PURPOSE.with(|fail| fail.set(false));
    assert!(outcome.is_err(), "the test function panicked");
    let (name, url) = last_database();
    assert!(database_exists(&url), "kept after a panic: {name}");
    drop_kept(&name);
}

#[test]
fn mistakes_in_the_attribute_are_compile_errors_with_help() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/test_attribute/*.rs");
}
