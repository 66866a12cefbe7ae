//! `cargo dbkit check --replay` end to end: the real binary over temporary
//! copies of `tests/fixtures/replay` (two migrations whose tables use every
//! kind of object of the DSL), replayed on a server of the test providers.
//!
//! The binary runs with `CARGO_TARGET_DIR` set to this test's target
//! directory, so that its server registry is the one of this test run and
//! the runs share one server; one test lets it use the copy's own target
//! directory and checks that the registry goes there and that the server is
//! stopped afterwards.

use crate::common::{Run, copy_directory, finish, rewrite_runtime_paths, runtime};
use dbkit_core::snapshot::Snapshot;
use dbkit_runtime::testing::{TestDb, no_migrations};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LATEST_SQL: &str = "migrations/V2__add_bio_and_archived.sql";
const LATEST_SNAPSHOT: &str = "migrations/meta/V2__add_bio_and_archived.json";

/// A temporary copy of a fixture of this package.
struct Project {
    _directory: tempfile::TempDir,
    root: PathBuf,
}

impl Project {
    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative))
            .unwrap_or_else(|error| panic!("read {relative}: {error}"))
    }

    fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.path(relative), text)
            .unwrap_or_else(|error| panic!("write {relative}: {error}"));
    }
}

/// A temporary copy of `cargo-dbkit/tests/fixtures/<name>`.
fn copy_replay_fixture(name: &str) -> Project {
    let directory = tempfile::tempdir().expect("temporary folder");
    let root = directory.path().join(name);
    copy_directory(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
        &root,
    );
    rewrite_runtime_paths(&root);
    Project {
        _directory: directory,
        root,
    }
}

/// The target directory this test binary was built into.
fn test_target_directory() -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_cargo-dbkit"));
    binary
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("the binary is in <target>/<profile>/")
}

fn command(project: &Project, arguments: &[&str]) -> Command {
    let mut command =
        crate::common::binary_command(&project.root.join("Cargo.toml"), &project.root, arguments);
    command
        .env_remove("DATABASE_URL")
        .env("CARGO_TARGET_DIR", test_target_directory());
    command
}

fn replay(project: &Project, expected_code: i32) -> Run {
    let run = finish(&mut command(project, &["check", "--replay"]));
    assert_eq!(
        run.code, expected_code,
        "exit code of check --replay\n{run:#?}"
    );
    run
}

/// The output without what changes from run to run: the provider's
/// fallback notice, the server and the durations.
fn redact(text: &str) -> String {
    text.lines()
        .filter(|line| !line.starts_with("dbkit: "))
        .map(|line| {
            let line = match (line.find("PostgreSQL ("), line.rfind(')')) {
                (Some(start), Some(end)) if end > start => format!(
                    "{}PostgreSQL ([server]){}",
                    &line[..start],
                    &line[end + 1..]
                ),
                _ => line.to_string(),
            };
            match line.rfind(" in ") {
                Some(position) if line.ends_with(" ms") || line.ends_with(" s") => {
                    format!("{} in [duration]", &line[..position])
                }
                _ => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The databases on the run's server whose name starts with `prefix`.
fn databases_named(prefix: &str) -> Vec<String> {
    runtime().block_on(async {
        let database = TestDb::builder(no_migrations().expect("an empty migration set"))
            .test_name("replay_leftovers")
            .build()
            .await
            .expect("database");
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)",
        )
        .bind(prefix)
        .fetch_all(database.pool())
        .await
        .expect("list databases");
        database.pool().close().await;
        names
    })
}

#[test]
fn a_clean_folder_replays_without_findings_and_leaves_no_database() {
    let project = copy_replay_fixture("replay");
    let child = command(&project, &["check", "--replay"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start cargo-dbkit");
    let pid = child.id();
    let output = child.wait_with_output().expect("run cargo-dbkit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Replayed 2 migrations"), "{stderr}");
    assert!(stderr.contains("no findings"), "{stderr}");
    // The replay's database (`dbkit_t_replay_<pid>_<n>`) was dropped.
    assert_eq!(
        databases_named(&format!("dbkit_t_replay_{pid}_")),
        Vec::<String>::new()
    );
}

#[test]
fn a_hand_edit_that_adds_a_column_is_found() {
    let project = copy_replay_fixture("replay");
    let sql = project.read(LATEST_SQL);
    project.write(
        LATEST_SQL,
        &format!("{sql}\nALTER TABLE app.users ADD COLUMN nickname text;\n"),
    );
    let run = replay(&project, 1);
    assert!(
        run.stderr.contains("column `app.users.nickname`"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!("replay_added_column", redact(&run.stderr));
}

#[test]
fn a_hand_edit_that_only_changes_rows_passes() {
    let project = copy_replay_fixture("replay");
    let sql = project.read(LATEST_SQL);
    project.write(
        LATEST_SQL,
        &format!(
            "{sql}\nINSERT INTO orgs (name) VALUES ('acme');\nUPDATE orgs SET name = upper(name);\nDELETE FROM orgs WHERE name = 'none';\n"
        ),
    );
    let run = replay(&project, 0);
    assert!(run.stderr.contains("no findings"), "{}", run.stderr);
}

/// A column taken out of the latest snapshot, its id computed again (as a
/// careful hand edit would), so only the replay can tell.
#[test]
fn a_snapshot_edited_by_hand_is_found_and_blamed() {
    let project = copy_replay_fixture("replay");
    let mut snapshot = Snapshot::from_json(&project.read(LATEST_SNAPSHOT)).expect("snapshot");
    let users = snapshot
        .schema
        .tables
        .iter_mut()
        .find(|table| table.name.name == "users")
        .expect("users");
    users.columns.retain(|column| column.name != "name");
    let edited = Snapshot::new(
        snapshot.version,
        &snapshot.migration,
        snapshot.parent.as_deref(),
        &snapshot.schema,
    );
    assert!(edited.id_is_consistent());
    project.write(LATEST_SNAPSHOT, &edited.to_json());
    let run = replay(&project, 1);
    assert!(
        run.stderr.contains(
            "column `app.users.name` is created by the migrations but is not in the snapshot"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("--> {LATEST_SNAPSHOT}:")),
        "the snapshot is blamed\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("git checkout --"), "{}", run.stderr);
}

#[test]
fn a_migration_that_fails_is_an_error_with_its_file_and_line() {
    let project = copy_replay_fixture("replay");
    let sql = project.read(LATEST_SQL);
    let line = sql.lines().count() + 2;
    project.write(
        LATEST_SQL,
        &format!("{sql}\nALTER TABLE app.users ADD COLUMN broken no_such_type;\n"),
    );
    let run = replay(&project, 2);
    assert!(
        run.stderr.contains(&format!("--> {LATEST_SQL}:{line}:")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("SQLSTATE 42704"), "{}", run.stderr);
    assert!(run.stderr.contains("no_such_type"), "{}", run.stderr);
}

/// A function whose PL/pgSQL body does not parse fails where it is
/// created: the migration's file and line, PostgreSQL's SQLSTATE, and the
/// function named (PostgreSQL compiles the body when it creates it).
#[test]
fn a_function_body_that_does_not_parse_is_an_error_at_its_migration_line() {
    let project = copy_replay_fixture("replay");
    let sql = project.read(LATEST_SQL);
    let line = sql.lines().count() + 2;
    project.write(
        LATEST_SQL,
        &format!(
            "{sql}\nCREATE FUNCTION app.broken_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    NEW.updated_at := now(\n    RETURN NEW;\nEND\n$$;\n"
        ),
    );
    let run = replay(&project, 2);
    let at = run
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("--> {LATEST_SQL}:")))
        .and_then(|rest| rest.split(':').next())
        .and_then(|number| number.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no location in {}", run.stderr));
    assert!(
        (line..line + 5).contains(&at),
        "line {at}, expected the function's ({line}…): {}",
        run.stderr
    );
    assert!(run.stderr.contains("SQLSTATE 42601"), "{}", run.stderr);
    assert!(run.stderr.contains("broken_touch"), "{}", run.stderr);
}

/// The server registry goes to the workspace's target directory, and the
/// disposable server is stopped by its keeper once the command is over.
#[test]
fn the_server_registry_is_in_the_workspace_target_and_the_server_stops() {
    let provider_is_url = std::env::var("DBKIT_TEST_PROVIDER").is_ok_and(|p| p.trim() == "url")
        || (std::env::var("DBKIT_TEST_PROVIDER").is_err()
            && std::env::var("DBKIT_TEST_DATABASE_URL").is_ok_and(|url| !url.trim().is_empty()));
    let project = copy_replay_fixture("replay");
    let mut command = command(&project, &["check", "--replay"]);
    command
        .env_remove("CARGO_TARGET_DIR")
        .env("DBKIT_TEST_SERVER_GRACE_MS", "300");
    let run = finish(&mut command);
    assert_eq!(run.code, 0, "{run:#?}");
    if provider_is_url {
        return; // a server of the user's: no registry, nothing to stop
    }
    // `<target>/dbkit-test-server/<provider>/`: the provider used (and, in
    // the automatic choice, one tried before it) left its lock file there.
    let registry = project.path("target/dbkit-test-server");
    let providers: Vec<PathBuf> = std::fs::read_dir(&registry)
        .unwrap_or_else(|error| panic!("{}: {error}", registry.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.join("lock").exists())
        .collect();
    assert!(
        !providers.is_empty(),
        "no registry in {}",
        registry.display()
    );
    let started = Instant::now();
    while let Some(server_file) = providers
        .iter()
        .map(|provider| provider.join("server"))
        .find(|file| file.exists())
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the keeper did not stop the server: {}",
            std::fs::read_to_string(&server_file).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A view whose struct says its second column is `numeric` while its query
/// makes it `bigint`: `generate` cannot know (it never runs the query), the
/// replay does, and names the struct's field, the query's column and the
/// struct's place in the code.
#[test]
fn a_view_whose_struct_disagrees_with_its_query_is_found_at_the_struct() {
    let project = copy_replay_fixture("replay");
    let schema_file = "crates/app/src/app_schema.rs";
    let schema = project.read(schema_file);
    let view = r#"
/// Members per organisation.
#[derive(dbkit_runtime::View)]
#[dbkit(view = "org_sizes", query = "SELECT o.id, count(*) AS members FROM orgs o GROUP BY o.id")]
pub struct OrgSize {
    pub id: i32,
    #[dbkit(sql_type = "numeric")]
    pub members: i64,
}
"#;
    let written = format!("{schema}{view}");
    project.write(schema_file, &written);
    let line = written
        .lines()
        .position(|line| line.starts_with("pub struct OrgSize"))
        .expect("the struct")
        + 1;
    let generate = finish(&mut command(&project, &["generate", "--name", "org_sizes"]));
    assert_eq!(generate.code, 0, "{generate:#?}");
    let run = replay(&project, 1);
    assert!(
        run.stderr.contains(
            "the struct has the field `members` numeric, the query has the column `members` bigint"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("--> {schema_file}:{line}:")),
        "the struct is pointed at\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("[replay-difference]"), "{}", run.stderr);
}

/// The same view with the struct right: the query written in the code and
/// the one PostgreSQL prints are the same query, so nothing is found.
#[test]
fn a_view_whose_struct_matches_its_query_passes() {
    let project = copy_replay_fixture("replay");
    let schema_file = "crates/app/src/app_schema.rs";
    let schema = project.read(schema_file);
    let view = r#"
#[derive(dbkit_runtime::View)]
#[dbkit(materialized_view = "org_sizes", with_no_data, query = "
    select o.id, count(*) as members -- per organisation
    from orgs o group by o.id")]
#[dbkit(index(columns(id), unique))]
pub struct OrgSize {
    pub id: i32,
    pub members: i64,
}
"#;
    project.write(schema_file, &format!("{schema}{view}"));
    let generate = finish(&mut command(&project, &["generate", "--name", "org_sizes"]));
    assert_eq!(generate.code, 0, "{generate:#?}");
    let run = replay(&project, 0);
    assert!(run.stderr.contains("no findings"), "{}", run.stderr);
}

/// A policy added by hand, for a role no server has: the disposable server
/// creates the role (roles belong to it), the replay applies, and the
/// policy the snapshots do not know is found, named with its table.
#[test]
fn a_hand_written_policy_for_a_new_role_replays_and_is_found() {
    let project = copy_replay_fixture("replay");
    let role = format!("dbkit_replay_role_{}", std::process::id());
    let sql = project.read(LATEST_SQL);
    project.write(
        LATEST_SQL,
        &format!(
            "{sql}\nALTER TABLE orgs ENABLE ROW LEVEL SECURITY;\n\
             CREATE POLICY members_read ON orgs FOR SELECT TO {role} USING (true);\n"
        ),
    );
    let run = replay(&project, 1);
    assert!(
        run.stderr.contains("policy `public.orgs.members_read`")
            && run.stderr.contains("row level security"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("does not exist"), "{}", run.stderr);
}
