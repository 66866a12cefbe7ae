//! What the CLI's integration tests share: temporary copies of the fixture
//! workspaces in `tests/fixtures/` (the repository's and this package's),
//! runs of the real `cargo-dbkit` binary, and the test databases they run
//! against (made, filled and fingerprinted on [`runtime`]).

#![allow(dead_code)]

use dbkit_runtime::Migrations;
use dbkit_runtime::testing::{TestDb, no_migrations};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{LazyLock, OnceLock};

/// A temporary copy of a fixture workspace.
pub struct Project {
    _directory: tempfile::TempDir,
    pub root: PathBuf,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn runtime_crate_path() -> String {
    let path = repository_root().join("dbkit-runtime");
    let path = path.canonicalize().unwrap_or(path);
    path.to_string_lossy().replace('\\', "/")
}

/// Copies `tests/fixtures/<name>` to a temporary folder and points its path
/// dependencies on dbkit-runtime at this repository's crate.
pub fn copy_fixture(name: &str) -> Project {
    let directory = tempfile::tempdir().expect("temporary folder");
    let root = directory.path().join(name);
    copy_directory(&repository_root().join("tests/fixtures").join(name), &root);
    rewrite_runtime_paths(&root);
    Project {
        _directory: directory,
        root,
    }
}

/// `cargo-dbkit/tests/fixtures/<name>`: the fixtures of this package's own tests.
pub fn package_fixture_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies `cargo-dbkit/tests/fixtures/<name>` to a temporary folder, its
/// path dependencies on dbkit-runtime pointed at this repository's crate.
pub fn copy_package_fixture(name: &str) -> Project {
    let directory = tempfile::tempdir().expect("temporary folder");
    let root = directory.path().join(name);
    copy_directory(&package_fixture_root(name), &root);
    rewrite_runtime_paths(&root);
    Project {
        _directory: directory,
        root,
    }
}

pub fn copy_directory(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
    {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_name() == "target" {
            continue;
        }
        if entry.file_type().expect("file type").is_dir() {
            copy_directory(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

pub fn rewrite_runtime_paths(directory: &Path) {
    for entry in std::fs::read_dir(directory).expect("read folder") {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rewrite_runtime_paths(&path);
        } else if path.file_name().is_some_and(|name| name == "Cargo.toml") {
            let text = std::fs::read_to_string(&path).expect("read manifest");
            let rewritten: Vec<String> = text
                .lines()
                .map(
                    |line| match (line.find("path = \""), line.rfind("dbkit-runtime\"")) {
                        (Some(start), Some(end))
                            if line.contains("dbkit-runtime") && end > start =>
                        {
                            format!(
                                "{}path = \"{}\"{}",
                                &line[..start],
                                runtime_crate_path(),
                                &line[end + "dbkit-runtime\"".len()..]
                            )
                        }
                        _ => line.to_string(),
                    },
                )
                .collect();
            std::fs::write(&path, rewritten.join("\n") + "\n").expect("write manifest");
        }
    }
}

pub fn binary_command(manifest: &Path, current_directory: &Path, arguments: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-dbkit"));
    command
        .arg("dbkit")
        .args(arguments)
        .arg("--manifest-path")
        .arg(manifest)
        .current_dir(current_directory)
        .env_remove("DBKIT_LOG")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CARGO_TARGET_DIR");
    command
}

pub fn finish(command: &mut Command) -> Run {
    let output = command.output().expect("run cargo-dbkit");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Like [`finish`], but kills the run and fails the test when it has not
/// ended within `bound`: a command that hangs fails instead of hanging the
/// suite.
pub fn finish_within(command: &mut Command, bound: std::time::Duration) -> Run {
    start(command).finish_within(bound)
}

/// A run of the binary going on in the background.
pub struct Running {
    pid: u32,
    description: String,
    output: std::sync::mpsc::Receiver<std::io::Result<std::process::Output>>,
}

/// Starts `command` with its output captured, without waiting for it.
pub fn start(command: &mut Command) -> Running {
    let child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start cargo-dbkit");
    let pid = child.id();
    let (sender, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    Running {
        pid,
        description: format!("{command:?}"),
        output,
    }
}

impl Running {
    /// What the run did, once it ended; kills it and fails the test when it
    /// has not ended within `bound`.
    pub fn finish_within(self, bound: std::time::Duration) -> Run {
        match self.output.recv_timeout(bound) {
            Ok(output) => {
                let output = output.expect("wait for cargo-dbkit");
                Run {
                    code: output.status.code().unwrap_or(-1),
                    stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                }
            }
            Err(_) => {
                let _ = Command::new("kill")
                    .arg("-9")
                    .arg(self.pid.to_string())
                    .status();
                panic!("{} did not end within {bound:?}", self.description);
            }
        }
    }
}

/// Waits until `condition` holds, polling; fails the test after a minute.
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited a minute for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Project {
    pub fn run(&self, arguments: &[&str]) -> Run {
        finish(&mut binary_command(
            &self.root.join("Cargo.toml"),
            &self.root,
            arguments,
        ))
    }

    /// `generate` with extra arguments, asserting the exit code.
    pub fn generate(&self, arguments: &[&str], expected_code: i32) -> Run {
        let mut all = vec!["generate"];
        all.extend_from_slice(arguments);
        let run = self.run(&all);
        assert_eq!(
            run.code, expected_code,
            "exit code of generate {arguments:?}\n{run:#?}"
        );
        run
    }

    /// A run with no `DATABASE_URL` from the test's environment: the
    /// arguments name the database.
    pub fn run_without_environment_url(&self, arguments: &[&str]) -> Run {
        let mut command = binary_command(&self.root.join("Cargo.toml"), &self.root, arguments);
        command.env_remove("DATABASE_URL");
        finish(&mut command)
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("read {relative}: {e}"))
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {relative}: {e}"));
    }

    /// Replaces `from` by `to` in a file, which must contain it.
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let text = self.read(relative);
        assert!(text.contains(from), "{relative} does not contain {from:?}");
        self.write(relative, &text.replacen(from, to, 1));
    }

    /// Every file under `migrations/`, hidden ones included, sorted.
    pub fn migration_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        list_files(&self.path("migrations"), "", &mut files);
        files.sort();
        files
    }

    /// Output with the temporary folder replaced by `[ROOT]`.
    pub fn redact(&self, text: &str) -> String {
        let root = self.root.to_string_lossy().into_owned();
        let canonical = self
            .root
            .canonicalize()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| root.clone());
        text.replace(&canonical, "[ROOT]").replace(&root, "[ROOT]")
    }
}

pub fn list_files(directory: &Path, prefix: &str, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("folder entry");
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().expect("file type").is_dir() {
            list_files(&entry.path(), &format!("{name}/"), files);
        } else {
            files.push(name);
        }
    }
}

/// The runtime on which a test binary's test databases are made and
/// dropped: one for the binary, since a `TestDb` outlives no runtime.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

/// The password of a connection string as the driver reads it, if any.
pub fn password_of(url: &str) -> Option<String> {
    let config: tokio_postgres::Config = url.parse().ok()?;
    config
        .get_password()
        .map(|password| String::from_utf8_lossy(password).into_owned())
}

/// Fails when the password of `url` (one no output would hold by chance)
/// is in the run's output.
pub fn assert_no_password(run: &Run, url: &str) {
    if let Some(password) = password_of(url) {
        assert!(
            !run.stdout.contains(&password) && !run.stderr.contains(&password),
            "the password appears in the output\n{run:#?}"
        );
    }
}

/// The migrations of `cargo-dbkit/tests/fixtures/replay`, for the template
/// of migrated test databases.
static REPLAY_MIGRATIONS: LazyLock<Migrations> = LazyLock::new(|| {
    Migrations::from_directory(package_fixture_root("replay").join("migrations"))
        .expect("fixture migrations")
});

/// A database with the migrations of `cargo-dbkit/tests/fixtures/replay` applied.
pub fn migrated_database(name: &str) -> TestDb {
    runtime()
        .block_on(TestDb::builder(&REPLAY_MIGRATIONS).test_name(name).build())
        .expect("database")
}

/// A database with nothing in it.
pub fn empty_database(name: &str) -> TestDb {
    runtime()
        .block_on(
            TestDb::builder(no_migrations().expect("an empty migration set"))
                .test_name(name)
                .build(),
        )
        .expect("database")
}

/// Runs `sql` (any number of statements) on the database.
pub fn execute(database: &TestDb, sql: &str) {
    runtime().block_on(async {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(database.pool())
            .await
            .unwrap_or_else(|error| panic!("{error}\n{sql}"));
    });
}

/// One text column of a query's rows, in order.
pub fn texts(database: &TestDb, sql: &str) -> Vec<String> {
    runtime().block_on(async {
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(database.pool())
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    })
}

/// The database's schema as the introspector reads it.
pub fn introspected(database: &TestDb) -> dbkit_core::model::Schema {
    runtime().block_on(async {
        dbkit_introspect::introspect(database.pool(), None)
            .await
            .expect("introspect")
    })
}

/// The rows of the migration history table, none when there is no table.
pub fn history_rows(database: &TestDb) -> Vec<(i32, String, String)> {
    runtime().block_on(async {
        let exists: bool =
            sqlx::query_scalar("SELECT to_regclass('refinery_schema_history') IS NOT NULL")
                .fetch_one(database.pool())
                .await
                .expect("history table");
        if !exists {
            return Vec::new();
        }
        sqlx::query_as(
            "SELECT version, name, checksum FROM refinery_schema_history ORDER BY version",
        )
        .fetch_all(database.pool())
        .await
        .expect("history")
    })
}

/// Everything a command could have changed: the schema as introspected,
/// every relation, and the migration history.
pub fn fingerprint(database: &TestDb) -> String {
    let schema = introspected(database);
    let relations = texts(
        database,
        "SELECT n.nspname || '.' || c.relname FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1",
    );
    let history = history_rows(database);
    format!("{schema:#?}\n{relations:?}\n{history:?}")
}
