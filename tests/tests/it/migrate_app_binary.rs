//! An app built the way the README says (a path dependency on
//! `dbkit-runtime`, `embed_migrations!`, a `build.rs` watching the folder)
//! carries its migrations: a migration added to the folder is in the next
//! build, and the binary applies all of them once the folder is gone.
//!
//! The app is generated into a temporary directory and built by a nested
//! `cargo build` with a target directory of its own under
//! `CARGO_TARGET_TMPDIR` (the outer target directory is locked by the
//! running `cargo test`); that directory is kept, so only the first build
//! compiles the dependencies. The workspace's `Cargo.lock` is copied into the
//! app, so the build uses the versions, and the downloaded crates, of the
//! workspace: with them in cargo's cache it needs no network, and no
//! `--offline` that would fail where the cache is cold.

use dbkit_tests::TestDatabase;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const APP_NAME: &str = "dbkit-fixture-app";

const MAIN_RS: &str = r#"//! Applies its embedded migrations to DATABASE_URL.

use std::process::ExitCode;

static MIGRATIONS: dbkit_runtime::Migrations = dbkit_runtime::embed_migrations!("migrations");

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("error: DATABASE_URL is not set");
        return ExitCode::from(2);
    };
    match MIGRATIONS.run(&url).await {
        Ok(report) => {
            for migration in &report.applied {
                println!("applied {}", migration.file_name);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: failed to migrate: {error}");
            ExitCode::from(2)
        }
    }
}
"#;

const BUILD_RS: &str = r#"//! Rebuilds when a migration is added.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
"#;

const MIGRATIONS: [(&str, &str); 3] = [
    (
        "V1__create_accounts.sql",
        "CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);\n",
    ),
    (
        "V2__create_sessions.sql",
        "CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id));\n",
    ),
    (
        "V3__index_sessions_by_account.sql",
        "CREATE INDEX sessions_account_id ON sessions (account_id);\n",
    ),
];

fn workspace_root() -> PathBuf {
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests_dir.parent().unwrap_or(tests_dir).to_path_buf()
}

fn write(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|error| panic!("{parent:?}: {error}"));
    }
    std::fs::write(path, contents).unwrap_or_else(|error| panic!("{path:?}: {error}"));
}

/// Writes the app with the first two of [`MIGRATIONS`].
fn write_app(app: &Path) {
    let runtime = workspace_root().join("dbkit-runtime");
    write(
        &app.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{APP_NAME}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [workspace]\n\n\
             [dependencies]\n\
             dbkit-runtime = {{ path = {runtime:?} }}\n\
             tokio = {{ version = \"1\", default-features = false, features = [\"rt\", \"macros\"] }}\n"
        ),
    );
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).expect("Cargo.lock");
    write(&app.join("Cargo.lock"), &lock);
    write(&app.join("build.rs"), BUILD_RS);
    write(&app.join("src/main.rs"), MAIN_RS);
    add_migration(app, 0);
    add_migration(app, 1);
}

fn add_migration(app: &Path, index: usize) {
    let (name, sql) = MIGRATIONS[index];
    write(&app.join("migrations").join(name), sql);
}

/// Builds the app and returns its binary.
fn build_app(app: &Path) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join(APP_NAME);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(app.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("start cargo build");
    assert!(
        output.status.success(),
        "cargo build of the fixture app in {app:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    target.join("debug").join(APP_NAME)
}

fn run_app(binary: &Path, url: &str) -> Output {
    let output = Command::new(binary)
        .env("DATABASE_URL", url)
        .output()
        .unwrap_or_else(|error| panic!("run {binary:?}: {error}"));
    assert!(
        output.status.success(),
        "{binary:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn applied(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn applied_lines(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| format!("applied {name}")).collect()
}

async fn history(database: &TestDatabase) -> Vec<i32> {
    sqlx::query_scalar("SELECT version FROM refinery_schema_history ORDER BY version")
        .fetch_all(&database.pool)
        .await
        .expect("history")
}

#[tokio::test]
async fn a_built_app_applies_an_added_migration_and_needs_no_folder_at_run_time() {
    let app_dir = tempfile::tempdir().expect("temporary directory");
    let app = app_dir.path();
    write_app(app);
    let binary = build_app(app);
    let database = TestDatabase::create("app_binary").await.expect("database");
    assert_eq!(
        applied(&run_app(&binary, &database.url)),
        applied_lines(&[MIGRATIONS[0].0, MIGRATIONS[1].0])
    );

    // A file added to the folder, and nothing else changed: cargo sees it
    // only through the build script's rerun-if-changed.
    add_migration(app, 2);
    let binary = build_app(app);
    assert_eq!(
        applied(&run_app(&binary, &database.url)),
        applied_lines(&[MIGRATIONS[2].0]),
        "the rebuilt binary embeds the added migration"
    );
    assert_eq!(history(&database).await, [1, 2, 3]);

    std::fs::remove_dir_all(app.join("migrations")).expect("delete the migrations folder");
    let elsewhere = tempfile::tempdir().expect("temporary directory");
    let copy = elsewhere.path().join(APP_NAME);
    std::fs::copy(&binary, &copy).expect("copy the binary");
    let fresh = TestDatabase::create("app_binary_copy")
        .await
        .expect("database");
    assert_eq!(
        applied(&run_app(&copy, &fresh.url)),
        applied_lines(&MIGRATIONS.map(|(name, _)| name))
    );
    assert_eq!(history(&fresh).await, [1, 2, 3]);
    let index: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'sessions_account_id'",
    )
    .fetch_one(&fresh.pool)
    .await
    .expect("index");
    assert_eq!(index, 1);

    database.drop_now().await.expect("drop database");
    fresh.drop_now().await.expect("drop database");
}
