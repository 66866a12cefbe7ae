//! The Docker provider's server against a real daemon: it starts, keeps the
//! image's contract, refuses a wrong password and leaves nothing once removed.
//!
//! These tests need a Docker daemon and the image of `DBKIT_POSTGRES_IMAGE`
//! on this machine (on one without a registry, `cargo xtask
//! postgres-image` builds `dbkit-postgres:15`). Without them they say why
//! and pass, unless `DBKIT_TEST_PROVIDER=docker` asks for Docker: then they
//! fail.
#![cfg(feature = "testing")]

use std::process::Command;
use std::time::Instant;

use dbkit_runtime::sqlx::{Connection, PgConnection};
use dbkit_runtime::testing::docker::{
    DockerError, DockerOptions, DockerServer, SERVER_LABEL, docker_available, image_present,
    remove_container, remove_run_containers,
};

/// The options of a test, with a run id of its own so that its containers
/// can be counted by label; `None` (after saying why) when Docker or the
/// image is missing and Docker was not asked for.
fn options_or_skip(test: &str) -> Option<DockerOptions> {
    let mut options = DockerOptions::from_env();
    options.run_id = format!("{}-{test}", options.run_id);
    let required = std::env::var("DBKIT_TEST_PROVIDER").is_ok_and(|provider| provider == "docker");
    let missing = if !docker_available() {
        Some("no Docker daemon answers".to_string())
    } else if !image_present(&options.image) {
        Some(format!(
            "the image `{}` is not on this machine (set DBKIT_POSTGRES_IMAGE, or build one with `cargo xtask postgres-image`)",
            options.image
        ))
    } else {
        None
    };
    match missing {
        None => Some(options),
        Some(reason) if required => panic!("DBKIT_TEST_PROVIDER=docker, but {reason}"),
        Some(reason) => {
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// Removes the run's containers when the test ends, passed or failed.
struct RemoveOnDrop(String);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Err(error) = remove_run_containers(&self.0) {
            eprintln!("failed to remove the test's containers: {error}");
        }
    }
}

fn containers_labelled(run_id: &str) -> Vec<String> {
    let output = Command::new("docker")
        .args([
            "ps",
            "--all",
            "--quiet",
            "--filter",
            &format!("label={SERVER_LABEL}={run_id}"),
        ])
        .output()
        .expect("docker ps");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

async fn query_one(url: &str, sql: &str) -> String {
    let mut connection = PgConnection::connect(url).await.expect("connect");
    let value: String =
        dbkit_runtime::sqlx::query_scalar(dbkit_runtime::sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut connection)
            .await
            .expect(sql);
    connection.close().await.expect("close");
    value
}

#[tokio::test]
async fn a_started_server_keeps_the_images_contract_and_is_tuned_for_tests() {
    let Some(options) = options_or_skip("contract") else {
        return;
    };
    let _cleanup = RemoveOnDrop(options.run_id.clone());
    let started = Instant::now();
    let server = DockerServer::start(&options).await.expect("start");
    eprintln!("cold start of `{}`: {:?}", options.image, started.elapsed());

    let url = server.admin_url();
    assert!(
        url.starts_with("postgres://postgres:") && url.ends_with("/postgres"),
        "{url}"
    );
    assert_eq!(
        query_one(&url, "SELECT current_user || ' ' || current_database()").await,
        "postgres postgres"
    );
    assert_eq!(
        query_one(
            &url,
            "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"
        )
        .await,
        "true"
    );
    for setting in ["fsync", "synchronous_commit", "full_page_writes"] {
        assert_eq!(
            query_one(&url, &format!("SELECT current_setting('{setting}')")).await,
            "off",
            "{setting}"
        );
    }
    // A database of its own works, which is what tests are given.
    let mut connection = PgConnection::connect(&url).await.expect("connect");
    dbkit_runtime::sqlx::raw_sql("CREATE DATABASE contract_check")
        .execute(&mut connection)
        .await
        .expect("create database");
    assert_eq!(
        query_one(
            &server.database_url("contract_check"),
            "SELECT current_database()::text"
        )
        .await,
        "contract_check"
    );

    // Published on the loopback interface only.
    let port = Command::new("docker")
        .args(["port", server.container_id(), "5432/tcp"])
        .output()
        .expect("docker port");
    assert_eq!(
        String::from_utf8_lossy(&port.stdout).trim(),
        format!("127.0.0.1:{}", server.port())
    );
    assert_eq!(containers_labelled(&options.run_id).len(), 1);
}

#[tokio::test]
async fn a_wrong_password_is_refused() {
    let Some(options) = options_or_skip("password") else {
        return;
    };
    let _cleanup = RemoveOnDrop(options.run_id.clone());
    let server = DockerServer::start(&options).await.expect("start");
    let url = format!(
        "postgres://postgres:not-the-password@127.0.0.1:{}/postgres",
        server.port()
    );
    let error = PgConnection::connect(&url)
        .await
        .expect_err("a wrong password must be refused");
    let code = error
        .as_database_error()
        .and_then(|error| error.code())
        .map(|code| code.into_owned());
    assert_eq!(code.as_deref(), Some("28P01"), "{error}");
    // Each server has a password of its own.
    let mut other = options.clone();
    other.run_id = format!("{}-other", options.run_id);
    let _other_cleanup = RemoveOnDrop(other.run_id.clone());
    let other_server = DockerServer::start(&other).await.expect("start");
    assert_ne!(
        server.admin_url().replace(&server.port().to_string(), ""),
        other_server
            .admin_url()
            .replace(&other_server.port().to_string(), "")
    );
}

#[tokio::test]
async fn a_removed_server_leaves_no_container_and_removing_twice_is_fine() {
    let Some(options) = options_or_skip("remove") else {
        return;
    };
    let _cleanup = RemoveOnDrop(options.run_id.clone());
    let server = DockerServer::start(&options).await.expect("start");
    assert_eq!(
        containers_labelled(&options.run_id),
        [server.container_id()[..12].to_string()]
    );
    let url = server.admin_url();

    remove_container(server.container_id()).expect("remove");
    assert!(containers_labelled(&options.run_id).is_empty());
    remove_container(server.container_id()).expect("removing again is not an error");
    assert!(PgConnection::connect(&url).await.is_err());
}

#[test]
fn the_sync_helpers_answer_outside_a_runtime() {
    let Some(options) = options_or_skip("helpers") else {
        return;
    };
    assert!(docker_available());
    assert!(image_present(&options.image));
    assert!(!image_present("dbkit-no-such-image:0"));
    assert!(!image_present("not an image"));
}

#[tokio::test]
async fn an_image_that_cannot_be_had_says_what_to_do() {
    let Some(mut options) = options_or_skip("missing-image") else {
        return;
    };
    let _cleanup = RemoveOnDrop(options.run_id.clone());
    options.image = "dbkit-no-such-image:0".to_string();
    let error = DockerServer::start(&options)
        .await
        .expect_err("no such image");
    assert!(
        matches!(error, DockerError::ImageUnavailable { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("DBKIT_POSTGRES_IMAGE"), "{message}");
    assert!(message.contains("cargo xtask postgres-image"), "{message}");
    assert!(containers_labelled(&options.run_id).is_empty());
}

/// Set in the child process of [`a_server_outlives_the_process_that_started_it`]
/// to the run id it starts its server under.
const CHILD_RUN_ID: &str = "DBKIT_DOCKER_SERVER_TEST_CHILD_RUN_ID";

#[test]
fn a_server_outlives_the_process_that_started_it() {
    let Some(options) = options_or_skip("outlives") else {
        return;
    };
    let _cleanup = RemoveOnDrop(options.run_id.clone());
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            // Its name in the one test binary: module, then function.
            "docker_server::start_a_server_in_a_child_process",
            "--nocapture",
        ])
        .env(CHILD_RUN_ID, &options.run_id)
        .output()
        .expect("child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let url = stdout
        .lines()
        .find_map(|line| line.strip_prefix("url="))
        .expect("the child prints its server's URL");
    assert_eq!(containers_labelled(&options.run_id).len(), 1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    assert_eq!(runtime.block_on(query_one(url, "SELECT 'up'")), "up");
}

/// The child of [`a_server_outlives_the_process_that_started_it`]: starts a
/// server on a runtime of its own, drops the runtime (nothing may panic) and
/// exits. Does nothing in a normal run.
#[test]
fn start_a_server_in_a_child_process() {
    let Ok(run_id) = std::env::var(CHILD_RUN_ID) else {
        return;
    };
    let mut options = DockerOptions::from_env();
    options.run_id = run_id;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime
        .block_on(DockerServer::start(&options))
        .expect("start");
    drop(runtime);
    println!("url={}", server.admin_url());
}

#[tokio::test]
async fn a_start_that_fails_removes_its_container_and_quotes_its_log() {
    let Some(mut options) = options_or_skip("not-ready") else {
        return;
    };
    let _cleanup = RemoveOnDrop(options.run_id.clone());
    // initdb alone takes longer than this.
    options.startup_timeout = std::time::Duration::from_millis(100);
    let error = DockerServer::start(&options)
        .await
        .expect_err("not ready in time");
    let DockerError::StartFailed { reason, log, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(reason.contains("not ready within"), "{reason}");
    assert!(log.contains("--- stdout ---"), "{log}");
    assert!(containers_labelled(&options.run_id).is_empty());
}

#[tokio::test]
async fn a_server_does_not_show_its_password_in_debug() {
    let Some(options) = options_or_skip("debug") else {
        return;
    };
    let _cleanup = RemoveOnDrop(options.run_id.clone());
    let server = DockerServer::start(&options).await.expect("start");
    let password = server
        .admin_url()
        .trim_start_matches("postgres://postgres:")
        .split('@')
        .next()
        .expect("a password")
        .to_string();
    assert!(!password.is_empty());
    assert!(!format!("{server:?}").contains(&password), "{server:?}");
}
