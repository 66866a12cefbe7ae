//! `TestDb` against real servers, on the provider the environment picks
//! (`DBKIT_TEST_PROVIDER`, else automatic), plus the `url` provider pointed
//! at a server these tests start.
//!
//! The `suite_*` tests are the provider suite: CI runs them once per
//! provider, and `url_provider_passes_the_suite` runs them again in
//! a child process on the `url` provider. The `child_*` tests do nothing
//! unless a parent test starts them in a child process with
//! `DBKIT_TEST_CHILD` set: each child process is what a test run (or one
//! nextest test) is, with its own first use of the server.
#![cfg(feature = "testing")]

use std::collections::BTreeSet;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dbkit_runtime::Migrations;
use dbkit_runtime::sqlx;
use dbkit_runtime::testing::{LocalServer, TestDb};

static MIGRATIONS: Migrations = dbkit_runtime::embed_migrations!("tests/it/fixtures/testdb");

async fn count(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(db.pool())
        .await
        .expect(sql)
}

async fn insert_the_same_unique_row() {
    let db = TestDb::new(&MIGRATIONS).await.expect("test database");
    sqlx::query("INSERT INTO users (email) VALUES ('same@example.com')")
        .execute(db.pool())
        .await
        .expect("the row is new in this test's database");
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 1);
}

#[tokio::test]
async fn suite_two_tests_inserting_the_same_unique_row_first() {
    insert_the_same_unique_row().await;
}

#[tokio::test]
async fn suite_two_tests_inserting_the_same_unique_row_second() {
    insert_the_same_unique_row().await;
}

#[tokio::test]
async fn suite_a_test_sees_every_migration_applied() {
    let db = TestDb::new(&MIGRATIONS).await.expect("test database");
    let versions: Vec<i32> =
        sqlx::query_scalar("SELECT version FROM refinery_schema_history ORDER BY version")
            .fetch_all(db.pool())
            .await
            .expect("history");
    assert_eq!(versions, [1, 2, 3]);
    sqlx::query("INSERT INTO users (email, name) VALUES ('a@example.com', 'A')")
        .execute(db.pool())
        .await
        .expect("V2's column");
    assert_eq!(count(&db, "SELECT count(*) FROM orders").await, 0);
}

#[tokio::test]
async fn suite_fixtures_are_applied_after_the_migrations() {
    // A name that fits whole in 63 bytes whatever the process id and the
    // number of databases this process made before (all the runtime's
    // tests share one process).
    let db = TestDb::builder(&MIGRATIONS)
        .test_name("fixtures_are_applied_after_the_migrations")
        .fixture("users", include_str!("fixtures/testdb_fixtures/users.sql"))
        .build()
        .await
        .expect("test database");
    assert!(
        db.name()
            .starts_with("dbkit_t_fixtures_are_applied_after_the_migrations_"),
        "{}",
        db.name()
    );
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 2);
}

#[tokio::test]
async fn suite_a_failing_fixture_is_an_error_naming_it() {
    let error = TestDb::builder(&MIGRATIONS)
        .fixture("broken", "INSERT INTO no_such_table VALUES (1)")
        .build()
        .await
        .expect_err("the fixture fails");
    let message = error.to_string();
    assert!(message.contains("fixture `broken`"), "{message}");
    assert!(message.contains("no_such_table"), "{message}");
}

#[tokio::test]
async fn suite_a_passing_tests_database_is_gone_afterwards() {
    let observer = TestDb::new(&MIGRATIONS).await.expect("observer database");
    let db = TestDb::new(&MIGRATIONS).await.expect("test database");
    let name = db.name().to_string();
    let copy = db.clone();
    let exists = format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'");
    drop(db);
    assert_eq!(count(&observer, &exists).await, 1, "a handle is left");
    drop(copy);
    assert_eq!(count(&observer, &exists).await, 0);
}

#[tokio::test]
async fn suite_a_failed_test_keeps_its_database_and_prints_its_name_and_url() {
    let output = run_child(
        &[
            "--exact",
            &in_this_module("child_fails_holding_a_database"),
            "--nocapture",
        ],
        &[("DBKIT_TEST_CHILD", "fail")],
    );
    assert!(!output.status.success(), "the child test fails");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|line| {
            line.starts_with("dbkit: kept database of test `child_fails_holding_a_database`")
        })
        .unwrap_or_else(|| panic!("no kept-database line in:\n{stderr}"));
    let name = line
        .split(": ")
        .nth(2)
        .and_then(|rest| rest.split(" at ").next())
        .expect("a name")
        .to_string();
    assert!(line.contains(" at postgres"), "{line}");
    let observer = TestDb::new(&MIGRATIONS).await.expect("observer database");
    let exists = format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'");
    assert_eq!(count(&observer, &exists).await, 1, "{line}");
    assert_eq!(
        count(
            &observer,
            &format!("SELECT count(*) FROM pg_stat_database WHERE datname = '{name}'")
        )
        .await,
        1
    );
    dbkit_runtime::testing::drop_kept_database(&name)
        .await
        .expect("drop the kept database");
    assert_eq!(count(&observer, &exists).await, 0);
}

#[tokio::test]
async fn child_fails_holding_a_database() {
    if std::env::var("DBKIT_TEST_CHILD").as_deref() != Ok("fail") {
        return;
    }
    let db = TestDb::builder(&MIGRATIONS)
        .test_name("child_fails_holding_a_database")
        .build()
        .await
        .expect("test database");
    sqlx::query("INSERT INTO users (email) VALUES ('kept@example.com')")
        .execute(db.pool())
        .await
        .expect("insert");
    panic!("this test fails on purpose, holding {}", db.name());
}

#[test]
fn without_any_provider_the_error_lists_the_three_ways() {
    if is_child() {
        return;
    }
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            &in_this_module("child_finds_no_provider"),
            "--nocapture",
        ])
        .env("DBKIT_TEST_CHILD", "no-provider")
        .env_remove("DBKIT_TEST_PROVIDER")
        .env_remove("DBKIT_TEST_DATABASE_URL")
        .env("DBKIT_POSTGRES_BIN_DIR", "/nonexistent/dbkit/bin")
        .env("DOCKER_HOST", "unix:///nonexistent/dbkit/docker.sock")
        .output()
        .expect("run the child test");
    assert_child_checked_the_error(&output);
}

#[tokio::test]
async fn child_finds_no_provider() {
    if std::env::var("DBKIT_TEST_CHILD").as_deref() != Ok("no-provider") {
        return;
    }
    let error = TestDb::new(&MIGRATIONS)
        .await
        .expect_err("no provider is usable");
    let message = error.to_string();
    for way in [
        "DBKIT_TEST_DATABASE_URL",
        "Docker",
        "initdb",
        "apt-get install postgresql",
    ] {
        assert!(message.contains(way), "`{way}` missing from:\n{message}");
    }
    println!("child checked the error:\n{message}");
}

#[test]
fn an_explicitly_requested_provider_that_is_not_usable_fails_without_falling_back() {
    if is_child() {
        return;
    }
    // A target directory of its own: no registry of a running server to join.
    let target = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("target directory");
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            &in_this_module("child_requests_an_unusable_docker"),
            "--nocapture",
        ])
        .env("CARGO_TARGET_DIR", target.path())
        .env("DBKIT_TEST_CHILD", "unusable-docker")
        .env("DBKIT_TEST_PROVIDER", "docker")
        .env_remove("DBKIT_TEST_DATABASE_URL")
        .env("DOCKER_HOST", "unix:///nonexistent/dbkit/docker.sock")
        .output()
        .expect("run the child test");
    assert_child_checked_the_error(&output);
}

#[tokio::test]
async fn child_requests_an_unusable_docker() {
    if std::env::var("DBKIT_TEST_CHILD").as_deref() != Ok("unusable-docker") {
        return;
    }
    // The local binaries may well be there: a requested provider is the
    // only one tried.
    let error = TestDb::new(&MIGRATIONS)
        .await
        .expect_err("docker is not usable");
    let message = error.to_string();
    assert!(message.contains("`docker` test server"), "{message}");
    assert!(message.contains("Docker is not available"), "{message}");
    println!("child checked the error:\n{message}");
}

/// Whether this process is a child started by one of these tests, which
/// must start no children of its own.
fn is_child() -> bool {
    std::env::var_os("DBKIT_TEST_CHILD").is_some()
}

/// The child test passed after checking the error it was run to see.
fn assert_child_checked_the_error(output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("child checked the error"), "{stdout}");
}

/// The name by which the test binary knows the test `name` of this module
/// (`test_db::name`): what `--exact` and a filter of a child run match.
fn in_this_module(name: &str) -> String {
    let module = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, module)| module);
    format!("{module}::{name}")
}

/// Runs this test binary with `arguments`, on the environment's provider.
fn run_child(arguments: &[&str], environment: &[(&str, &str)]) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command.args(arguments);
    for (key, value) in environment {
        command.env(key, value);
    }
    command.output().expect("run the child test")
}

#[test]
fn url_provider_passes_the_suite() {
    if is_child() {
        return;
    }
    let server = LocalServer::start().expect("a local server for the url provider");
    let output = run_child(
        &[&in_this_module("suite_"), "--test-threads", "2"],
        &[
            ("DBKIT_TEST_CHILD", "suite"),
            ("DBKIT_TEST_PROVIDER", "url"),
            ("DBKIT_TEST_DATABASE_URL", &server.admin_url()),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("test result: ok. 7 passed"), "{stdout}");
    let left = databases_on(&server.admin_url());
    assert!(
        left.iter().all(|name| name.starts_with("dbkit_tpl_")),
        "only the template may stay on a server of the user's: {left:?}"
    );
}

/// The names of the `dbkit_*` databases on the server of `admin_url`.
fn databases_on(admin_url: &str) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let pool = sqlx::PgPool::connect(admin_url).await.expect("connect");
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'dbkit%' ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .expect("databases");
        pool.close().await;
        names
    })
}

macro_rules! fifty_child_tests {
    ($($name:ident)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                fifty_child_test().await;
            }
        )*
        const FIFTY: &[&str] = &[$(stringify!($name)),*];
    };
}

fifty_child_tests! {
    child_fifty_00 child_fifty_01 child_fifty_02 child_fifty_03 child_fifty_04
    child_fifty_05 child_fifty_06 child_fifty_07 child_fifty_08 child_fifty_09
    child_fifty_10 child_fifty_11 child_fifty_12 child_fifty_13 child_fifty_14
    child_fifty_15 child_fifty_16 child_fifty_17 child_fifty_18 child_fifty_19
    child_fifty_20 child_fifty_21 child_fifty_22 child_fifty_23 child_fifty_24
    child_fifty_25 child_fifty_26 child_fifty_27 child_fifty_28 child_fifty_29
    child_fifty_30 child_fifty_31 child_fifty_32 child_fifty_33 child_fifty_34
    child_fifty_35 child_fifty_36 child_fifty_37 child_fifty_38 child_fifty_39
    child_fifty_40 child_fifty_41 child_fifty_42 child_fifty_43 child_fifty_44
    child_fifty_45 child_fifty_46 child_fifty_47 child_fifty_48 child_fifty_49
}

/// One of fifty tests: prints which server start and which template build
/// its database came from.
async fn fifty_child_test() {
    if std::env::var("DBKIT_TEST_CHILD").as_deref() != Ok("fifty") {
        return;
    }
    let db = TestDb::builder(&MIGRATIONS)
        .test_name("child_fifty")
        .build()
        .await
        .expect("test database");
    sqlx::query("INSERT INTO users (email) VALUES ('same@example.com')")
        .execute(db.pool())
        .await
        .expect("insert");
    let (started, template): (String, String) = sqlx::query_as(
        "SELECT pg_postmaster_start_time()::text, \
         (SELECT string_agg(oid::text || ':' || datname, ',') FROM pg_database \
          WHERE datname LIKE 'dbkit_tpl%')",
    )
    .fetch_one(db.pool())
    .await
    .expect("server facts");
    // The port as this machine sees it (a container's is mapped).
    let port = db
        .url()
        .rsplit('@')
        .next()
        .and_then(|rest| rest.split('/').next())
        .and_then(|host_port| host_port.rsplit(':').next())
        .expect("a port in the URL")
        .to_string();
    println!("fifty: started={started} port={port} templates={template}");
}

/// What the fifty children printed: one line per test.
fn fifty_lines(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .flat_map(|output| {
            // With `--nocapture` and two test threads, libtest's `test name
            // ... ` of one test may start the line another test's message
            // ends: the message is found anywhere in a line.
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|line| line.find("fifty: ").map(|at| line[at..].to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Runs the fifty tests in one process, then one process per test (as
/// nextest does, two at a time), each run in a target directory of its own
/// (so with a server of its own); checks one server start and one template
/// for all fifty, and that the server is gone afterwards.
fn fifty_tests_share_one_server_and_one_template(environment: &[(&str, &str)]) {
    for per_process in [false, true] {
        let target = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("target directory");
        let target_path = target.path().to_string_lossy().into_owned();
        let mut child_environment = vec![
            ("DBKIT_TEST_CHILD", "fifty"),
            ("CARGO_TARGET_DIR", target_path.as_str()),
        ];
        child_environment.extend_from_slice(environment);
        let outputs: Vec<Output> = if per_process {
            FIFTY
                .chunks(2)
                .flat_map(|pair| {
                    let handles: Vec<_> = pair
                        .iter()
                        .map(|name| {
                            let name = name.to_string();
                            let child_environment: Vec<(String, String)> = child_environment
                                .iter()
                                .map(|(key, value)| (key.to_string(), value.to_string()))
                                .collect();
                            std::thread::spawn(move || {
                                let environment: Vec<(&str, &str)> = child_environment
                                    .iter()
                                    .map(|(key, value)| (key.as_str(), value.as_str()))
                                    .collect();
                                run_child(
                                    &["--exact", &in_this_module(&name), "--nocapture"],
                                    &environment,
                                )
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|handle| handle.join().expect("child thread"))
                        .collect::<Vec<_>>()
                })
                .collect()
        } else {
            vec![run_child(
                &[
                    &in_this_module("child_fifty_"),
                    "--nocapture",
                    "--test-threads",
                    "2",
                ],
                &child_environment,
            )]
        };
        for output in &outputs {
            assert!(
                output.status.success(),
                "{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let lines = fifty_lines(&outputs);
        assert_eq!(lines.len(), 50, "{lines:#?}");
        let distinct: BTreeSet<&String> = lines.iter().collect();
        assert_eq!(
            distinct.len(),
            1,
            "one server start and one template for all fifty tests (per process: {per_process}): {distinct:#?}"
        );
        let port: u16 = lines[0]
            .split("port=")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|port| port.parse().ok())
            .expect("port");
        let registry = target.path().join("dbkit-test-server");
        if let Some(admin_url) = url_provider(environment) {
            // A server of the user's: it stays, and none of the fifty
            // databases may (other tests may be using theirs right now).
            let left = databases_on(&admin_url);
            assert!(
                !left
                    .iter()
                    .any(|name| name.starts_with("dbkit_t_child_fifty_")
                        || name.starts_with("dbkit_r_")),
                "{left:?}"
            );
            continue;
        }
        wait_until_gone(port, &registry);
    }
}

/// The admin URL when the children use the `url` provider (by
/// `environment`, else this process's environment).
fn url_provider(environment: &[(&str, &str)]) -> Option<String> {
    let variable = |name: &str| {
        environment
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
            .or_else(|| std::env::var(name).ok().filter(|value| !value.is_empty()))
    };
    let url = match variable("DBKIT_TEST_PROVIDER").as_deref() {
        Some(provider) => provider == "url",
        None => variable("DBKIT_TEST_DATABASE_URL").is_some(),
    };
    if url {
        variable("DBKIT_TEST_DATABASE_URL")
    } else {
        None
    }
}

#[test]
fn a_registry_deleted_under_its_keeper_still_stops_the_server() {
    if is_child() || url_provider(&[]).is_some() {
        // On the url provider there is no server of the run's to stop.
        return;
    }
    let target = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("target directory");
    let target_path = target.path().to_string_lossy().into_owned();
    let output = run_child(
        &["--exact", &in_this_module("child_fifty_00"), "--nocapture"],
        &[
            ("DBKIT_TEST_CHILD", "fifty"),
            ("CARGO_TARGET_DIR", &target_path),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let lines = fifty_lines(&[output]);
    let port: u16 = lines[0]
        .split("port=")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|port| port.parse().ok())
        .expect("port");
    let registry = target.path().join("dbkit-test-server");
    // Deleted while the keeper waits out its grace period.
    drop(target);
    wait_until_gone(port, &registry);
}

/// Waits until nothing listens on `port` any more and no registry names a
/// server.
fn wait_until_gone(port: u16, registry: &Path) {
    let started = Instant::now();
    loop {
        let listening = TcpStream::connect(("127.0.0.1", port)).is_ok();
        let registered = ["local", "docker"]
            .iter()
            .any(|provider| registry.join(provider).join("server").exists());
        if !listening && !registered && !container_publishes(port) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server on port {port} is still there (listening: {listening}, registered: {registered})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether a container of a dbkit test server, running or not, publishes
/// `port` (false without Docker).
fn container_publishes(port: u16) -> bool {
    Command::new("docker")
        .args([
            "ps",
            "--all",
            "--filter",
            "label=dbkit.test-server",
            "--format",
            "{{.Ports}}",
        ])
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains(&format!(":{port}->")))
}

#[test]
fn fifty_tests_on_the_environments_provider_share_one_server_and_one_template() {
    if is_child() {
        return;
    }
    fifty_tests_share_one_server_and_one_template(&[]);
}

#[test]
fn fifty_tests_on_the_url_provider_share_one_template_and_leave_no_database() {
    if is_child() {
        return;
    }
    let server = LocalServer::start().expect("a local server for the url provider");
    let admin_url = server.admin_url();
    fifty_tests_share_one_server_and_one_template(&[
        ("DBKIT_TEST_PROVIDER", "url"),
        ("DBKIT_TEST_DATABASE_URL", &admin_url),
    ]);
    let left = databases_on(&admin_url);
    assert_eq!(left.len(), 1, "only the template stays: {left:?}");
    assert!(left[0].starts_with("dbkit_tpl_"), "{left:?}");
}
