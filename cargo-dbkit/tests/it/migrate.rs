//! `cargo dbkit migrate` and `status` end to end: the real binary over a
//! temporary workspace, against a real PostgreSQL started by the tests.

use crate::common::runtime;
use dbkit_runtime::migrate::MIGRATION_LOCK_KEY;
use dbkit_runtime::testing::{LocalServer, TestDb, no_migrations};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A temporary workspace: a root `Cargo.toml` and a `migrations/` folder.
struct Workspace {
    directory: tempfile::TempDir,
}

/// An empty database of its own on the run's test server, dropped with the
/// handle (kept when the test fails).
fn fresh_database(prefix: &str) -> TestDb {
    runtime()
        .block_on(
            TestDb::builder(no_migrations().expect("an empty migration set"))
                .test_name(prefix)
                .build(),
        )
        .expect("database")
}

fn query_i64s(url: &str, sql: &str) -> Vec<i64> {
    runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
            .query(sql, &[])
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .iter()
            .map(|row| row.get::<_, i64>(0))
            .collect()
    })
}

/// Waits until a `cargo dbkit migrate` session of this database has found
/// the migration lock held and asked who holds it: the run tries the lock,
/// looks up its holder at once when it is taken, then tries again every
/// 100 ms. Its session's last query shows either the look-up (a query of
/// `pg_locks`) or, once past it, a second attempt (another start time of
/// `pg_try_advisory_lock`). Seeing the session connected is not enough: a
/// lock released before its first attempt is never waited for.
fn wait_until_the_run_has_found_the_lock_held(url: &str) {
    let mut attempts = std::collections::BTreeSet::new();
    crate::common::wait_until("the run to find the lock held", || {
        let last_queries = query_i64s(
            url,
            "SELECT CASE WHEN query LIKE '%pg_locks%' THEN -1 \
             ELSE (extract(epoch FROM query_start) * 1000000)::bigint END \
             FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'cargo dbkit migrate' \
             AND (query LIKE '%pg_locks%' OR query LIKE '%pg_try_advisory_lock%')",
        );
        for started in last_queries {
            if started == -1 {
                return true;
            }
            attempts.insert(started);
        }
        attempts.len() >= 2
    });
}

fn history(url: &str) -> Vec<i64> {
    let exists = query_i64s(
        url,
        "SELECT count(*) FROM pg_class WHERE relname = 'refinery_schema_history'",
    );
    if exists == [0] {
        return Vec::new();
    }
    query_i64s(
        url,
        "SELECT version::int8 FROM refinery_schema_history ORDER BY version",
    )
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../dbkit-runtime/tests/it/fixtures")
        .join(name)
}

impl Workspace {
    /// A workspace whose migrations are the `.sql` files of a fixture folder
    /// of the runtime's tests.
    fn with_migrations(fixture_name: &str) -> Workspace {
        let directory = tempfile::tempdir().expect("temporary folder");
        std::fs::write(
            directory.path().join("Cargo.toml"),
            "[workspace]\nresolver = \"3\"\n",
        )
        .expect("manifest");
        let migrations = directory.path().join("migrations");
        std::fs::create_dir_all(&migrations).expect("migrations folder");
        let workspace = Workspace { directory };
        workspace.copy_migrations(fixture_name);
        workspace
    }

    fn copy_migrations(&self, fixture_name: &str) {
        let migrations = self.path("migrations");
        for entry in std::fs::read_dir(&migrations).expect("read migrations") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|extension| extension == "sql") {
                std::fs::remove_file(path).expect("remove");
            }
        }
        for entry in std::fs::read_dir(fixture(fixture_name)).expect("read fixture") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|extension| extension == "sql") {
                let name = path.file_name().expect("file name");
                std::fs::copy(&path, migrations.join(name)).expect("copy");
            }
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.directory.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.path(relative), text).expect("write");
    }

    fn command(&self, arguments: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-dbkit"));
        command
            .arg("dbkit")
            .args(arguments)
            .current_dir(self.directory.path())
            .env_remove("DATABASE_URL")
            .env_remove("DBKIT_LOG")
            .env_remove("DBKIT_PG_DUMP")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CARGO_TARGET_DIR");
        command
    }

    fn run_with(&self, arguments: &[&str], environment: &[(&str, &str)]) -> Run {
        let mut command = self.command(arguments);
        for (name, value) in environment {
            command.env(name, value);
        }
        let output = command.output().expect("run cargo-dbkit");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `cargo dbkit <arguments> --database-url <url>`, asserting the exit code.
    fn expect(&self, code: i32, arguments: &[&str], url: &str) -> Run {
        let mut all = arguments.to_vec();
        all.extend(["--database-url", url]);
        let run = self.run_with(&all, &[]);
        assert_eq!(run.code, code, "exit code of {arguments:?}\n{run:#?}");
        run
    }
}

/// The output with what changes from run to run replaced: the URL,
/// durations and timestamps.
fn redact(text: &str, url: &str) -> String {
    // A server with a password (docker) shows the URL with it hidden.
    let text = text.replace(url, "[URL]").replace(
        dbkit_runtime::migrate::DatabaseUrl::new(url).redacted(),
        "[URL]",
    );
    let mut out = String::new();
    let mut rest = text.as_str();
    // `12 ms`, `1.2 s` → `[duration]`; `2026-…Z` → `[time]`.
    while let Some(position) = rest.find(|character: char| character.is_ascii_digit()) {
        out.push_str(&rest[..position]);
        rest = &rest[position..];
        let number_length = rest
            .find(|character: char| !(character.is_ascii_digit() || character == '.'))
            .unwrap_or(rest.len());
        let after = &rest[number_length..];
        let boundary = out
            .chars()
            .last()
            .is_none_or(|character| !character.is_ascii_alphanumeric());
        if boundary
            && (after.starts_with(" ms") || after.starts_with(" s)") || after.starts_with(" s\n"))
        {
            out.push_str("[duration]");
            rest = &after[if after.starts_with(" ms") { 3 } else { 2 }..];
        } else if boundary && number_length == 4 && after.starts_with('-') {
            let end = rest.find(['Z']).map_or(rest.len(), |z| z + 1);
            out.push_str("[time]");
            rest = &rest[end..];
        } else {
            out.push_str(&rest[..number_length]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn redaction_of_changing_parts() {
    assert_eq!(
        redact(
            "a (12 ms) in 1.5 s\nV12 2026-11-25T23:33:00.123456Z; x",
            "postgres://x"
        ),
        "a ([duration]) in [duration]\nV12 [time]; x"
    );
}

#[test]
fn an_empty_database_gets_everything_and_a_second_run_nothing() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_empty");
    let url = database.url().to_string();

    let status = workspace.expect(1, &["status"], &url);
    insta::assert_snapshot!("status_all_pending", redact(&status.output(), &url));

    let first = workspace.expect(0, &["migrate"], &url);
    assert_eq!(first.stdout, "");
    insta::assert_snapshot!("migrate_empty_database", redact(&first.stderr, &url));
    assert_eq!(history(&url), [1, 2, 4]);

    let second = workspace.expect(0, &["migrate"], &url);
    assert!(second.stderr.contains("nothing to apply"), "{second:#?}");
    assert!(!second.stderr.contains("Applied"), "{second:#?}");

    let status = workspace.expect(0, &["status"], &url);
    insta::assert_snapshot!("status_all_applied", redact(&status.output(), &url));
    let quiet = workspace.expect(0, &["status", "--quiet"], &url);
    assert_eq!(quiet.output(), "");
}

/// A linked migration was skipped by `migrate` and `status` (which said all
/// was applied) while `embed_migrations!` embedded it: both now follow
/// links inside the folder and refuse links that leave it.
#[cfg(unix)]
#[test]
fn a_link_inside_the_folder_is_applied_and_one_leaving_it_refused() {
    let workspace = Workspace::with_migrations("basic");
    let migrations = workspace.path("migrations");
    std::fs::create_dir(migrations.join("shared")).expect("folder");
    std::fs::write(
        migrations.join("shared/five.sql"),
        "CREATE TABLE linked_five (id int);\n",
    )
    .expect("write");
    std::os::unix::fs::symlink("shared/five.sql", migrations.join("V5__linked.sql")).expect("link");
    let database = fresh_database("cli_migrate_linked");
    let url = database.url().to_string();

    let status = workspace.expect(1, &["status"], &url);
    assert!(status.output().contains("V5__linked"), "{status:#?}");
    workspace.expect(0, &["migrate"], &url);
    assert_eq!(history(&url), [1, 2, 4, 5]);

    let outside = tempfile::tempdir().expect("temporary folder");
    std::fs::write(
        outside.path().join("six.sql"),
        "CREATE TABLE six (id int);\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("six.sql"),
        migrations.join("V6__outside.sql"),
    )
    .expect("link");
    for command in ["status", "migrate"] {
        let run = workspace.expect(2, &[command], &url);
        assert!(
            run.stderr
                .contains("`V6__outside.sql` points outside the migration folder"),
            "{run:#?}"
        );
    }
    assert_eq!(history(&url), [1, 2, 4, 5]);
}

#[test]
fn a_dry_run_prints_the_sql_and_applies_nothing() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_dry_run");
    let url = database.url().to_string();
    let run = workspace.expect(0, &["migrate", "--dry-run", "--target", "2"], &url);
    let first_file =
        std::fs::read_to_string(fixture("basic/V1__create_events.sql")).expect("fixture");
    assert!(run.stdout.contains(first_file.trim()), "{run:#?}");
    assert!(
        run.stdout
            .contains("-- migrations/V2__add_event_function.sql (in one transaction"),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("V4__"), "{run:#?}");
    assert!(
        run.stderr.contains("2 migrations would be applied"),
        "{run:#?}"
    );
    assert_eq!(history(&url), [] as [i64; 0]);
    assert_eq!(
        query_i64s(
            &url,
            "SELECT count(*) FROM pg_class WHERE relname = 'events'"
        ),
        [0]
    );
}

#[test]
fn a_newline_in_a_file_name_cannot_end_the_dry_runs_comment() {
    let workspace = Workspace::with_migrations("basic");
    workspace.write("migrations/V5__x\nDROP TABLE victim; --.sql", "SELECT 1;\n");
    let database = fresh_database("cli_migrate_dry_run_file_name");
    let url = database.url().to_string();
    let run = workspace.expect(0, &["migrate", "--dry-run"], &url);
    assert!(
        run.stdout.contains(
            "-- migrations/V5__x\\nDROP TABLE victim; --.sql (in one transaction with its history row)\n"
        ),
        "{run:#?}"
    );
    assert!(
        !run.stdout
            .lines()
            .any(|line| line.starts_with("DROP TABLE victim")),
        "{run:#?}"
    );
}

#[test]
fn a_target_stops_at_its_version() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_target");
    let url = database.url().to_string();
    let run = workspace.expect(0, &["migrate", "--target", "V2"], &url);
    assert!(
        run.stderr.contains("Applied V2__add_event_function ("),
        "{run:#?}"
    );
    assert_eq!(history(&url), [1, 2]);
    workspace.write("migrations/V5_missing_underscore.sql", "SELECT 1;");
    let status = workspace.expect(1, &["status"], &url);
    assert!(
        status.stdout.contains("V4__index_concurrently  pending"),
        "{status:#?}"
    );
    assert!(
        status.stderr.contains(
            "warning: `migrations/V5_missing_underscore.sql` is not named `V<version>__<name>.sql` and is never applied"
        ),
        "{status:#?}"
    );
    let unknown = workspace.expect(2, &["migrate", "--target", "3"], &url);
    assert!(
        unknown.stderr.contains("error: no migration has version 3"),
        "{unknown:#?}"
    );
    workspace.expect(0, &["migrate"], &url);
    assert_eq!(history(&url), [1, 2, 4]);
}

#[test]
fn the_database_url_comes_from_the_argument_env_file_environment_or_dotenv() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_url");
    let url = database.url().to_string();
    let closed = "postgres://nobody@127.0.0.1:1/nowhere";

    // Nothing given: the three ways are named.
    let missing = workspace.run_with(&["status"], &[]);
    assert_eq!(missing.code, 2, "{missing:#?}");
    insta::assert_snapshot!(
        "no_database_url",
        missing
            .stderr
            .replace(&workspace.path(".env").display().to_string(), "[ROOT]/.env")
    );

    // `.env` of the workspace root, also from a subfolder.
    workspace.write(".env", &format!("# local\nexport DATABASE_URL='{url}'\n"));
    std::fs::create_dir_all(workspace.path("migrations/meta")).expect("folder");
    let mut from_subfolder = workspace.command(&["status"]);
    from_subfolder.current_dir(workspace.path("migrations/meta"));
    let output = from_subfolder.output().expect("run");
    assert_eq!(output.status.code(), Some(1), "{output:?}");

    // The environment wins over `.env`.
    workspace.write(".env", &format!("DATABASE_URL={closed}\n"));
    let run = workspace.run_with(&["status"], &[("DATABASE_URL", url.as_str())]);
    assert_eq!(run.code, 1, "{run:#?}");

    // `--env-file` wins over the environment, `--database-url` over all.
    workspace.write(".env.test", &format!("DATABASE_URL=\"{url}\"\n"));
    let run = workspace.run_with(
        &["migrate", "--env-file", ".env.test"],
        &[("DATABASE_URL", closed)],
    );
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(history(&url), [1, 2, 4]);
    let run = workspace.run_with(
        &[
            "status",
            "--env-file",
            ".env.test",
            "--database-url",
            closed,
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("cannot connect to"), "{run:#?}");

    // A malformed line is an error naming the file and line.
    workspace.write(".env.broken", "A=1\nDATABASE_URL postgres://x\n");
    let run = workspace.run_with(&["status", "--env-file", ".env.broken"], &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("--> .env.broken:2"), "{run:#?}");
    let run = workspace.run_with(&["status", "--env-file", ".env.absent"], &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("could not read .env.absent"),
        "{run:#?}"
    );
}

#[test]
fn a_backup_is_a_restorable_dump_taken_before_migrating() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_backup");
    let url = database.url().to_string();
    let run = workspace.expect(0, &["migrate", "--backup", "backups"], &url);
    assert!(run.stderr.contains("Backed up"), "{run:#?}");
    assert_eq!(history(&url), [1, 2, 4]);
    let dumps: Vec<PathBuf> = std::fs::read_dir(workspace.path("backups"))
        .expect("backups folder")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    let name = dumps[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with(&format!("{}-", database.name())) && name.ends_with("Z.dump"),
        "{name}"
    );
    let list = Command::new("pg_restore")
        .arg("--list")
        .arg(&dumps[0])
        .output()
        .expect("run pg_restore");
    assert!(list.status.success(), "{list:?}");
    // Taken before migrating: the empty database had no table.
    assert!(
        !String::from_utf8_lossy(&list.stdout).contains("TABLE public events"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );

    // Up to date: no backup is needed.
    let again = workspace.expect(0, &["migrate", "--backup", "backups"], &url);
    assert!(again.stderr.contains("no backup taken"), "{again:#?}");
}

#[test]
fn a_failing_backup_prevents_migrating() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_backup_fails");
    let url = database.url().to_string();

    // The folder cannot be created: a file is in the way.
    workspace.write("not_a_folder", "");
    let run = workspace.expect(2, &["migrate", "--backup", "not_a_folder/backups"], &url);
    assert!(
        run.stderr
            .contains("cannot write the backup to not_a_folder/backups"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("nothing was migrated"), "{run:#?}");
    assert_eq!(history(&url), [] as [i64; 0]);

    // pg_dump fails, and shows a connection string with the password it
    // was given.
    workspace.write(
        "fake_pg_dump",
        "#!/bin/sh\necho \"pg_dump: error: connection to host=db password=$PGPASSWORD refused\" >&2\nexit 1\n",
    );
    make_executable(&workspace.path("fake_pg_dump"));
    let fake = workspace.path("fake_pg_dump").display().to_string();
    let with_password = url.replacen("postgres@", "postgres:dumpsecret@", 1);
    let run = workspace.run_with(
        &[
            "migrate",
            "--backup",
            "backups",
            "--database-url",
            &with_password,
        ],
        &[("DBKIT_PG_DUMP", fake.as_str())],
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("error: pg_dump failed"), "{run:#?}");
    assert!(
        run.stderr
            .contains("connection to host=db password=*** refused"),
        "{run:#?}"
    );
    assert!(!run.output().contains("dumpsecret"), "{run:#?}");
    assert_eq!(history(&url), [] as [i64; 0]);
    assert!(
        std::fs::read_dir(workspace.path("backups"))
            .map(|entries| entries.count())
            .unwrap_or(0)
            == 0,
        "a failed dump leaves no file"
    );

    // No pg_dump at all.
    let run = workspace.run_with(
        &["migrate", "--backup", "backups", "--database-url", &url],
        &[("DBKIT_PG_DUMP", "/nonexistent/pg_dump")],
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("cannot run `/nonexistent/pg_dump`"),
        "{run:#?}"
    );
    assert_eq!(history(&url), [] as [i64; 0]);
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn status_reports_changed_unknown_and_out_of_order_migrations() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_problems");
    let url = database.url().to_string();
    workspace.expect(0, &["migrate"], &url);

    workspace.copy_migrations("tampered");
    let status = workspace.expect(1, &["status"], &url);
    insta::assert_snapshot!("status_changed", redact(&status.output(), &url));
    let refused = workspace.expect(2, &["migrate"], &url);
    insta::assert_snapshot!("migrate_changed", redact(&refused.stderr, &url));

    workspace.copy_migrations("deleted");
    let status = workspace.expect(1, &["status"], &url);
    assert!(
        redact(&status.stdout, &url).contains(
            "V1__create_events       unknown       [time]; no file V1__*.sql in migrations/"
        ),
        "{status:#?}"
    );
    let refused = workspace.expect(2, &["migrate"], &url);
    assert!(
        refused
            .stderr
            .contains("V1__create_events was applied but its file is missing"),
        "{refused:#?}"
    );

    workspace.copy_migrations("out_of_order");
    let status = workspace.expect(1, &["status"], &url);
    assert!(
        status
            .stdout
            .contains("V3__late                out of order  older than V4, the newest applied"),
        "{status:#?}"
    );
    let refused = workspace.expect(2, &["migrate"], &url);
    assert!(
        refused
            .stderr
            .contains("`V3__late.sql` is not applied but is older than V4"),
        "{refused:#?}"
    );
    assert_eq!(history(&url), [1, 2, 4]);
}

#[test]
fn a_failing_statement_points_at_its_file_and_line() {
    let workspace = Workspace::with_migrations("failing");
    let database = fresh_database("cli_migrate_failing");
    let url = database.url().to_string();
    let run = workspace.expect(2, &["migrate"], &url);
    insta::assert_snapshot!("migrate_failing_statement", redact(&run.stderr, &url));
    assert_eq!(history(&url), [1, 2]);
}

/// Every way the binary can print, with and without debug logs.
fn assert_password_hidden(workspace: &Workspace, url: &str, password: &str) {
    for command in ["migrate", "status"] {
        for log in ["", "debug", "trace"] {
            let run = workspace.run_with(
                &[command, "--database-url", url, "-vv"],
                &[("DBKIT_LOG", log)],
            );
            assert_eq!(run.code, 2, "{run:#?}");
            let output = run.output();
            assert!(!output.contains(password), "{command} {log}: {output}");
            assert!(output.contains("***"), "{command} {log}: {output}");
        }
        // Through the environment and `.env` as well.
        let run = workspace.run_with(&[command], &[("DATABASE_URL", url), ("DBKIT_LOG", "debug")]);
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(!run.output().contains(password), "{run:#?}");
        workspace.write(".env", &format!("DATABASE_URL={url}\n"));
        let run = workspace.run_with(&[command], &[("DBKIT_LOG", "debug")]);
        std::fs::remove_file(workspace.path(".env")).expect("remove .env");
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(!run.output().contains(password), "{run:#?}");
    }
}

#[test]
fn a_password_appears_nowhere_against_a_closed_port() {
    let workspace = Workspace::with_migrations("basic");
    assert_password_hidden(
        &workspace,
        "postgres://app:hunter2closed@127.0.0.1:1/app",
        "hunter2closed",
    );
    assert_password_hidden(
        &workspace,
        "host=127.0.0.1 port=1 user=app password=hunter2keyvalue dbname=app",
        "hunter2keyvalue",
    );
}

#[test]
fn a_password_appears_nowhere_when_the_server_rejects_it() {
    let server = LocalServer::start_with_password_auth().expect("password server");
    let right = runtime()
        .block_on(server.create_role_with_password("app", "right-password"))
        .expect("role");
    let workspace = Workspace::with_migrations("basic");
    // The right password works, and is not shown either.
    let run = workspace.expect(0, &["migrate"], &right);
    assert!(!run.output().contains("right-password"), "{run:#?}");
    let wrong = right.replace("right-password", "hunter2wrong");
    assert_password_hidden(&workspace, &wrong, "hunter2wrong");
    let run = workspace.run_with(&["status", "--database-url", &wrong], &[]);
    assert!(
        run.stderr.contains("password authentication failed"),
        "{run:#?}"
    );
}

/// A server that checks passwords, with the role `app` whose password is
/// `password`; returns the server (stopped when dropped) and its port.
fn password_server(password: &str) -> LocalServer {
    let server = LocalServer::start_with_password_auth().expect("password server");
    runtime()
        .block_on(server.create_role_with_password("app", password))
        .expect("role");
    server
}

#[test]
fn a_key_value_password_with_escaped_spaces_is_hidden_whole() {
    let server = password_server("my secret pw");
    let workspace = Workspace::with_migrations("basic");
    let connection_string = format!(
        "host=127.0.0.1 port={} user=app password=my\\ secret\\ pw dbname=app",
        server.port()
    );
    let shown = format!(
        "host=127.0.0.1 port={} user=app password=*** dbname=app",
        server.port()
    );
    for log in ["", "debug"] {
        let run = workspace.run_with(
            &["status", "--database-url", &connection_string, "-vv"],
            &[("DBKIT_LOG", log)],
        );
        // The server took the password: everything is pending.
        assert_eq!(run.code, 1, "{run:#?}");
        assert!(run.stdout.contains(&shown), "{run:#?}");
        assert!(!run.output().contains("secret"), "{run:#?}");
    }
    // A wrong one is refused, and hidden as whole.
    let wrong = connection_string.replace("secret", "hidden");
    let run = workspace.run_with(
        &["migrate", "--database-url", &wrong],
        &[("DBKIT_LOG", "debug")],
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains(&shown), "{run:#?}");
    assert!(!run.output().contains("hidden"), "{run:#?}");
}

#[test]
fn a_one_letter_password_leaves_the_messages_readable() {
    let server = password_server("right-password");
    let workspace = Workspace::with_migrations("basic");
    let url = format!("postgres://app:a@127.0.0.1:{}/app", server.port());
    let run = workspace.run_with(&["status", "--database-url", &url], &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains("password authentication failed for user \"app\""),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains(&format!(
            "cannot connect to `postgres://app:***@127.0.0.1:{}/app`",
            server.port()
        )),
        "{run:#?}"
    );
    assert!(!run.output().contains("app:a@"), "{run:#?}");
}

#[test]
fn a_malformed_env_line_never_shows_its_value() {
    let workspace = Workspace::with_migrations("basic");
    for (line, secret) in [
        (
            "DATABASE_URL: host=db user=app password=hunter2colon dbname=app",
            "hunter2colon",
        ),
        ("PGPASSWORD hunter2bare", "hunter2bare"),
        ("DATABASE_URL='host=db password=hunter2open", "hunter2open"),
        (
            "DATABASE_URL=\"postgres://app:hunter2quoted@db/x\" hunter2after",
            "hunter2",
        ),
        (
            "postgres://app:hunter2nokey@db/x?sslmode=disable",
            "hunter2nokey",
        ),
    ] {
        workspace.write(".env", &format!("# settings\n{line}\n"));
        let run = workspace.run_with(&["status"], &[("DBKIT_LOG", "debug")]);
        assert_eq!(run.code, 2, "{line}: {run:#?}");
        assert!(run.stderr.contains("malformed line in"), "{line}: {run:#?}");
        assert!(run.stderr.contains(".env:2"), "{line}: {run:#?}");
        assert!(!run.output().contains(secret), "{line}: {run:#?}");
    }
    // A line with a key names it.
    workspace.write(
        ".env",
        "A=1\nDATABASE_URL='postgres://app:hunter2open@db/x\n",
    );
    let run = workspace.run_with(&["status"], &[]);
    assert!(run.stderr.contains("`DATABASE_URL`"), "{run:#?}");
    assert!(!run.output().contains("hunter2open"), "{run:#?}");
}

#[test]
fn an_env_file_with_a_byte_order_mark_is_read() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_env_bom");
    workspace.write(
        ".env",
        &format!("\u{feff}DATABASE_URL={}\n", database.url()),
    );
    let run = workspace.run_with(&["status"], &[]);
    assert_eq!(run.code, 1, "{run:#?}");
    // Only at the start of the file.
    workspace.write(
        ".env",
        &format!("A=1\n\u{feff}DATABASE_URL={}\n", database.url()),
    );
    let run = workspace.run_with(&["status"], &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains(".env:2"), "{run:#?}");
    assert!(run.stderr.contains("U+FEFF"), "{run:#?}");
}

#[test]
fn the_help_teaches_where_the_database_comes_from_and_the_exit_status() {
    let workspace = Workspace::with_migrations("basic");
    let top = workspace.run_with(&["--help"], &[]);
    assert!(top.stdout.contains("cargo dbkit migrate"), "{top:#?}");
    assert!(top.stdout.contains("cargo dbkit status"), "{top:#?}");
    for command in ["migrate", "status"] {
        let help = workspace.run_with(&[command, "--help"], &[]);
        assert_eq!(help.code, 0, "{help:#?}");
        for expected in [
            "--database-url",
            "--env-file",
            "`.env` at the workspace root",
            "Exit status:",
            "Examples:",
        ] {
            assert!(
                help.stdout.contains(expected),
                "{command}: {expected}\n{}",
                help.stdout
            );
        }
    }
    // The environment's URL is never shown in the help (clap's `env` would).
    let help = workspace.run_with(
        &["migrate", "--help"],
        &[("DATABASE_URL", "postgres://app:hunter2help@db/x")],
    );
    assert!(!help.output().contains("hunter2help"), "{help:#?}");
}

// ------------------------------------- generated migrations carrying hostile text

/// The schema code of `cargo-dbkit/tests/fixtures/replay`.
const APP_SCHEMA: &str = "crates/app/src/app_schema.rs";

/// A table whose name holds a newline and SQL, declared before `Post`.
const HOSTILE_TABLE: &str = "#[derive(Table)]\n#[dbkit(table = \"x\\nDROP TABLE victim; --\")]\npub struct Hostile {\n    pub id: i64,\n}\n\n/// What members write.";

/// `cargo dbkit migrate --database-url <url>` in a fixture copy, asserting
/// the exit code.
fn migrate_project(project: &crate::common::Project, url: &str, code: i32) -> crate::common::Run {
    let run = project.run(&["migrate", "--database-url", url]);
    assert_eq!(run.code, code, "exit code of migrate\n{run:#?}");
    run
}

/// A setting as a new session of the database sees it.
fn setting_of_a_new_session(url: &str, setting: &str) -> String {
    runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let rows = client
            .simple_query(&format!("SHOW {setting}"))
            .await
            .expect("show");
        rows.iter()
            .find_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                _ => None,
            })
            .unwrap_or_default()
    })
}

#[test]
fn a_newline_in_a_dropped_tables_name_cannot_run_as_sql() {
    let project = crate::common::copy_package_fixture("replay");
    let database = fresh_database("cli_hostile_table_name");
    let url = database.url().to_string();
    crate::common::execute(
        &database,
        "CREATE TABLE victim (id int); INSERT INTO victim VALUES (1);",
    );
    project.edit(APP_SCHEMA, "/// What members write.", HOSTILE_TABLE);
    project.generate(&["--name", "create_hostile"], 0);
    migrate_project(&project, &url, 0);
    project.edit(APP_SCHEMA, HOSTILE_TABLE, "/// What members write.");
    let generated = project.generate(&["--name", "drop_hostile"], 0);
    let checked = project.run(&["check"]);
    assert_eq!(checked.code, 0, "{checked:#?}");
    migrate_project(&project, &url, 0);
    assert_eq!(
        crate::common::texts(
            &database,
            "SELECT coalesce(to_regclass('victim')::text, 'dropped')"
        ),
        ["victim"]
    );
    assert_eq!(
        crate::common::texts(&database, "SELECT id::text FROM victim"),
        ["1"]
    );
    assert_eq!(
        crate::common::texts(
            &database,
            "SELECT count(*)::text FROM pg_class WHERE relname = E'x\\nDROP TABLE victim; --'"
        ),
        ["0"]
    );
    // The warning is one line in the file and on the terminal.
    assert_eq!(
        project.read("migrations/V4__drop_hostile.sql"),
        "-- WARNING: drops table \"public\".\"x\\nDROP TABLE victim; --\": its data is lost\n\
         \n\
         DROP TABLE \"public\".\"x\nDROP TABLE victim; --\";\n"
    );
    assert!(
        generated
            .stderr
            .contains("drops table \"public\".\"x\\nDROP TABLE victim; --\": its data is lost"),
        "{generated:#?}"
    );
}

#[test]
fn a_backslash_in_a_doc_comment_cannot_end_its_literal_when_strings_are_not_standard() {
    let project = crate::common::copy_package_fixture("replay");
    let database = fresh_database("cli_nonstandard_strings");
    let url = database.url().to_string();
    crate::common::execute(
        &database,
        &format!(
            "ALTER DATABASE {} SET standard_conforming_strings = off; CREATE TABLE victim2 (id int);",
            dbkit_core::diff::quote_identifier(database.name())
        ),
    );
    assert_eq!(
        setting_of_a_new_session(&url, "standard_conforming_strings"),
        "off"
    );
    let comment = r"a\'; DROP TABLE victim2; --";
    project.edit(APP_SCHEMA, "/// Organisations.", &format!("/// {comment}"));
    project.generate(&["--name", "comment_on_orgs"], 0);
    // A hand-written migration whose name holds a quote and a backslash:
    // the engine writes it into the history as a literal too.
    project.write("migrations/V4__it's_a\\name.sql", "SELECT 1;\n");
    migrate_project(&project, &url, 0);
    assert_eq!(
        crate::common::texts(
            &database,
            "SELECT coalesce(to_regclass('victim2')::text, 'dropped')"
        ),
        ["victim2"]
    );
    assert_eq!(
        crate::common::texts(
            &database,
            "SELECT obj_description('public.orgs'::regclass, 'pg_class')"
        ),
        [comment]
    );
    assert_eq!(
        crate::common::texts(
            &database,
            "SELECT name FROM refinery_schema_history ORDER BY version"
        ),
        [
            "initial",
            "add_bio_and_archived",
            "comment_on_orgs",
            "it's_a\\name"
        ]
    );
}

#[test]
fn narrowing_a_varchar_refuses_values_that_do_not_fit_instead_of_cutting_them() {
    let project = crate::common::copy_package_fixture("replay");
    let database = fresh_database("cli_narrowing");
    let url = database.url().to_string();
    project.edit(
        APP_SCHEMA,
        "/// What members write.",
        "#[derive(Table)]\n#[dbkit(table = \"codes\")]\npub struct Code {\n    #[dbkit(primary_key)]\n    pub id: i32,\n    #[dbkit(sql_type = \"varchar(20)\")]\n    pub code: String,\n}\n\n/// What members write.",
    );
    project.generate(&["--name", "create_codes"], 0);
    migrate_project(&project, &url, 0);
    crate::common::execute(
        &database,
        "INSERT INTO codes SELECT i, 'code-' || lpad(i::text, 10, '0') FROM generate_series(1, 1000) i",
    );
    let codes = || crate::common::texts(&database, "SELECT code::text FROM codes ORDER BY id");
    let code_type = || {
        crate::common::texts(
            &database,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'codes'::regclass AND attname = 'code'",
        )
    };
    let long_codes = codes();
    assert_eq!(long_codes.len(), 1000);
    project.edit(
        APP_SCHEMA,
        "sql_type = \"varchar(20)\"",
        "sql_type = \"varchar(10)\"",
    );
    project.generate(&["--name", "narrow_codes"], 0);
    let refused = migrate_project(&project, &url, 2);
    assert!(refused.stderr.contains("22001"), "{refused:#?}");
    assert_eq!(history(&url), [1, 2, 3]);
    assert_eq!(codes(), long_codes);
    assert_eq!(code_type(), ["character varying(20)"]);
    // No cast to varchar(10), which would cut the values.
    assert!(
        project.read("migrations/V4__narrow_codes.sql").contains(
            "ALTER TABLE \"public\".\"codes\" ALTER COLUMN \"code\" TYPE character varying(10);\n"
        ),
        "{}",
        project.read("migrations/V4__narrow_codes.sql")
    );

    crate::common::execute(&database, "UPDATE codes SET code = 'c-' || id");
    let short_codes = codes();
    migrate_project(&project, &url, 0);
    assert_eq!(history(&url), [1, 2, 3, 4]);
    assert_eq!(codes(), short_codes);
    assert_eq!(code_type(), ["character varying(10)"]);
}

#[test]
fn the_help_says_a_password_in_database_url_is_visible_in_ps() {
    let workspace = Workspace::with_migrations("basic");
    for command in ["migrate", "status", "check", "pull", "push"] {
        for flag in ["-h", "--help"] {
            let help = workspace.run_with(&[command, flag], &[]);
            assert_eq!(help.code, 0, "{help:#?}");
            let text = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
            for expected in ["`ps`", "--env-file", "DATABASE_URL"] {
                assert!(
                    text.contains(expected),
                    "{command} {flag}: {expected}\n{}",
                    help.stdout
                );
            }
        }
    }
    let help = workspace.run_with(&["status", "--help"], &[("COLUMNS", "100")]);
    insta::assert_snapshot!("status_help", help.stdout);
}

/// How long a run that should end soon may take before the test fails.
const OUTER_BOUND: std::time::Duration = std::time::Duration::from_secs(120);

impl From<crate::common::Run> for Run {
    fn from(run: crate::common::Run) -> Run {
        Run {
            code: run.code,
            stdout: run.stdout,
            stderr: run.stderr,
        }
    }
}

/// A port on 127.0.0.1 that accepts connections and never says a word, as
/// a server behind a stuck proxy does; its sockets stay open until the test
/// process ends.
fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut accepted = Vec::new();
        for stream in listener.incoming() {
            accepted.push(stream);
        }
    });
    port
}

#[test]
fn every_command_that_connects_gives_up_on_a_server_that_never_answers() {
    let port = silent_server();
    let url = format!("postgres://app:hunter2silent@127.0.0.1:{port}/app");
    let project = crate::common::copy_package_fixture("replay");
    let pull_project = crate::common::copy_fixture("pull/workspace");
    let commands: [(&crate::common::Project, &[&str]); 8] = [
        (&project, &["migrate"]),
        (&project, &["migrate", "--dry-run"]),
        (&project, &["migrate", "--backup", "backups"]),
        (&project, &["status"]),
        (&project, &["check"]),
        (&project, &["push"]),
        (&project, &["push", "--dry-run"]),
        (&pull_project, &["pull", "--out", "crates/app/src/schema"]),
    ];
    for (project, arguments) in commands {
        let mut command = crate::common::binary_command(
            &project.root.join("Cargo.toml"),
            &project.root,
            arguments,
        );
        command
            .env_remove("DATABASE_URL")
            .args(["--database-url", &url, "--connect-timeout", "1"]);
        let run: Run = crate::common::finish_within(&mut command, OUTER_BOUND).into();
        assert_eq!(run.code, 2, "{arguments:?}\n{run:#?}");
        for expected in [
            "the server did not answer within 1 s",
            "help: check that the host and port",
            "--connect-timeout",
        ] {
            assert!(
                run.stderr.contains(expected),
                "{arguments:?}: {expected}\n{run:#?}"
            );
        }
        assert!(!run.output().contains("hunter2silent"), "{run:#?}");
    }
    // The URL's `connect_timeout` bounds the whole connection too (the
    // key=value form only where the engine connects: sqlx reads URLs only).
    let url = format!("postgres://app@127.0.0.1:{port}/app?connect_timeout=2");
    let key_value = format!("host=127.0.0.1 port={port} user=app connect_timeout=2");
    for (url, commands) in [
        (
            &url,
            &[&["status"][..], &["check"], &["push", "--dry-run"]][..],
        ),
        (&key_value, &[&["status"][..], &["check"]]),
    ] {
        for arguments in commands {
            let mut command = crate::common::binary_command(
                &project.root.join("Cargo.toml"),
                &project.root,
                arguments,
            );
            command
                .env_remove("DATABASE_URL")
                .args(["--database-url", url]);
            let run: Run = crate::common::finish_within(&mut command, OUTER_BOUND).into();
            assert_eq!(run.code, 2, "{arguments:?}\n{run:#?}");
            assert!(
                run.stderr.contains("the server did not answer within 2 s"),
                "{arguments:?}\n{run:#?}"
            );
        }
    }
}

/// A session of the test's own, named `application_name`, holding dbkit's
/// migration lock until [`release_migration_lock`]; and its backend's pid.
fn hold_migration_lock(url: &str, application_name: &str) -> (tokio_postgres::Client, i32) {
    runtime().block_on(async {
        let mut config: tokio_postgres::Config = url.parse().expect("URL");
        config.application_name(application_name);
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
            .batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .await
            .expect("take the lock");
        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .expect("pid")
            .get(0);
        (client, pid)
    })
}

fn release_migration_lock(client: &tokio_postgres::Client) {
    runtime()
        .block_on(client.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")))
        .expect("release the lock");
}

/// How many other sessions are connected to the database of `url`.
fn other_sessions(url: &str, but: i32) -> i64 {
    query_i64s(
        url,
        &format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND pid <> {but}"
        ),
    )[0]
}

#[test]
fn migrate_names_who_holds_the_lock_and_gives_up_after_lock_wait() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_lock_wait");
    let url = database.url().to_string();
    let (blocker, pid) = hold_migration_lock(&url, "blocker");

    let mut command = workspace.command(&["migrate", "--lock-wait", "2", "--database-url", &url]);
    let run: Run = crate::common::finish_within(&mut command, OUTER_BOUND).into();
    assert_eq!(run.code, 2, "{run:#?}");
    for expected in [
        format!(
            "error: the migration lock is still held after waiting 2 s, by pid {pid} (`blocker`)"
        ),
        format!("Waiting for the migration lock, held by pid {pid} (`blocker`)"),
        format!("pg_terminate_backend({pid})"),
        "--lock-wait".to_string(),
    ] {
        assert!(run.stderr.contains(&expected), "{expected}\n{run:#?}");
    }
    assert_eq!(history(&url), [] as [i64; 0]);

    // Without --lock-wait the run waits as long as it takes, and proceeds
    // once the lock is released.
    let waiting =
        crate::common::start(&mut workspace.command(&["migrate", "--database-url", &url]));
    wait_until_the_run_has_found_the_lock_held(&url);
    release_migration_lock(&blocker);
    let run: Run = waiting.finish_within(OUTER_BOUND).into();
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr.contains(&format!(
            "Waiting for the migration lock, held by pid {pid} (`blocker`)"
        )),
        "{run:#?}"
    );
    assert_eq!(history(&url), [1, 2, 4]);
}

#[test]
fn backups_are_taken_under_the_migration_lock_by_the_one_run_that_migrates() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_backup_lock");
    let url = database.url().to_string();
    // pg_dump, with each start written down.
    let started = workspace.path("pg_dump_started");
    workspace.write(
        "pg_dump_logging",
        &format!(
            "#!/bin/sh\necho started >> '{}'\nexec pg_dump \"$@\"\n",
            started.display()
        ),
    );
    make_executable(&workspace.path("pg_dump_logging"));
    let pg_dump = workspace.path("pg_dump_logging").display().to_string();
    let (blocker, pid) = hold_migration_lock(&url, "blocker");
    let runs: Vec<crate::common::Running> = (0..2)
        .map(|_| {
            let mut command =
                workspace.command(&["migrate", "--backup", "backups", "--database-url", &url]);
            command.env("DBKIT_PG_DUMP", &pg_dump);
            crate::common::start(&mut command)
        })
        .collect();
    crate::common::wait_until("both runs to connect", || other_sessions(&url, pid) >= 2);
    // Give a run that dumps before taking the lock the time to show it.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        !started.exists(),
        "pg_dump ran while another session held the migration lock"
    );
    release_migration_lock(&blocker);
    let runs: Vec<Run> = runs
        .into_iter()
        .map(|run| run.finish_within(OUTER_BOUND).into())
        .collect();
    for run in &runs {
        assert_eq!(run.code, 0, "{run:#?}");
    }
    let dumped = runs
        .iter()
        .filter(|run| run.stderr.contains("Backed up"))
        .count();
    let skipped = runs
        .iter()
        .filter(|run| run.stderr.contains("no backup taken"))
        .count();
    assert_eq!((dumped, skipped), (1, 1), "{runs:#?}");
    assert_eq!(
        std::fs::read_to_string(&started)
            .expect("pg_dump ran")
            .lines()
            .count(),
        1
    );
    let dumps: Vec<String> = std::fs::read_dir(workspace.path("backups"))
        .expect("backups folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    assert!(dumps[0].ends_with(".dump"), "{dumps:?}");
    assert_eq!(history(&url), [1, 2, 4]);
}

#[test]
fn migrate_warns_about_migrations_of_a_newer_release_and_status_reports_them() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_future");
    let url = database.url().to_string();
    workspace.write(
        "migrations/V5__from_a_newer_release.sql",
        "CREATE TABLE newer_release (id int);\n",
    );
    workspace.expect(0, &["migrate"], &url);
    std::fs::remove_file(workspace.path("migrations/V5__from_a_newer_release.sql"))
        .expect("remove");

    let run = workspace.expect(0, &["migrate"], &url);
    assert!(
        run.stderr.contains(
            "warning: the database has applied V5__from_a_newer_release, newer than every migration in migrations/"
        ),
        "{run:#?}"
    );
    assert!(run.stderr.contains("nothing to apply"), "{run:#?}");
    let status = workspace.expect(1, &["status"], &url);
    assert!(
        status.stdout.contains("V5__from_a_newer_release"),
        "{status:#?}"
    );
    assert_eq!(history(&url), [1, 2, 4, 5]);
}

#[test]
fn migrate_refuses_a_migration_that_controls_its_own_transaction() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_transaction_statement");
    let url = database.url().to_string();
    workspace.write(
        "migrations/V5__own_transaction.sql",
        "BEGIN;\nCREATE TABLE a ();\nCOMMIT;\nCREATE TABLE b ();\nSELECT 1/0;\n",
    );
    let run = workspace.expect(2, &["migrate"], &url);
    for expected in [
        "error: migration `V5__own_transaction.sql` controls its own transaction: `BEGIN` at line 1",
        "--> migrations/V5__own_transaction.sql:1",
        "-- dbkit:no-transaction",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{run:#?}");
    }
    assert_eq!(history(&url), [] as [i64; 0]);
    assert_eq!(
        query_i64s(
            &url,
            "SELECT count(*) FROM pg_class WHERE relname IN ('events', 'a', 'b')"
        ),
        [0]
    );
}

/// A policy naming a role the server lacks stops the run before anything
/// is applied, naming the role, the policy, its table and its file:line;
/// `--create-roles` creates the role `NOLOGIN` and applies everything.
#[test]
fn a_policy_naming_a_missing_role_stops_the_run_until_create_roles() {
    // Roles belong to the whole server: a name of this process's own.
    let role = format!("dbkit_missing_role_{}", std::process::id());
    let workspace = Workspace::with_migrations("basic");
    for entry in std::fs::read_dir(workspace.path("migrations")).expect("read migrations") {
        std::fs::remove_file(entry.expect("entry").path()).expect("remove");
    }
    workspace.write(
        "migrations/V1__create_documents.sql",
        "CREATE TABLE documents (id bigint PRIMARY KEY, owner_id bigint NOT NULL);\n",
    );
    workspace.write(
        "migrations/V2__documents_policies.sql",
        &format!(
            "ALTER TABLE documents ENABLE ROW LEVEL SECURITY;\n\n\
             CREATE POLICY \"owner_reads\" ON \"public\".\"documents\" FOR SELECT TO {role}\n  \
             USING (owner_id = 1);\n"
        ),
    );
    let database = fresh_database("cli_migrate_missing_role");
    let url = database.url().to_string();

    let refused = workspace.expect(2, &["migrate"], &url);
    // The underline's length follows the role name's, which varies.
    let shown: Vec<String> = redact(&refused.stderr, &url)
        .replace(&role, "[ROLE]")
        .lines()
        .map(|line| match line.find('^') {
            Some(start) => format!("{}^…", &line[..start]),
            None => line.to_string(),
        })
        .collect();
    insta::assert_snapshot!("migrate_missing_role", shown.join("\n"));
    assert_eq!(history(&url), Vec::<i64>::new(), "nothing is applied");
    let role_count = format!("SELECT count(*) FROM pg_roles WHERE rolname = '{role}'");
    assert_eq!(query_i64s(&url, &role_count), [0]);

    let created = workspace.expect(0, &["migrate", "--create-roles"], &url);
    assert!(
        created.stderr.contains(&format!(
            "role NOLOGIN for the migrations' policies: {role}"
        )),
        "{created:#?}"
    );
    assert_eq!(history(&url), [1, 2]);
    let can_log_in =
        format!("SELECT count(*) FROM pg_roles WHERE rolname = '{role}' AND NOT rolcanlogin");
    assert_eq!(query_i64s(&url, &can_log_in), [1]);
    let policies = "SELECT count(*) FROM pg_policies WHERE policyname = 'owner_reads'";
    assert_eq!(query_i64s(&url, policies), [1]);
}

/// A session holding `events` in ACCESS EXCLUSIVE mode in an open
/// transaction, until it commits.
fn lock_events(url: &str) -> tokio_postgres::Client {
    runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
            .batch_execute("BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
            .await
            .expect("lock events");
        client
    })
}

/// A migration that fails on a lock timeout is tried again, each retry
/// printed: with the lock held through every try, the error names the
/// migration, its line, SQLSTATE 55P03 and the number of tries, and
/// nothing is applied; with the lock released between two tries, the
/// migration is applied.
#[test]
fn migrate_retries_a_migration_whose_lock_timed_out() {
    let workspace = Workspace::with_migrations("basic");
    let database = fresh_database("cli_migrate_lock_retries");
    let url = database.url().to_string();
    workspace.expect(0, &["migrate"], &url);
    workspace.write(
        "migrations/V5__alter_events.sql",
        "SET lock_timeout = '300ms';\nALTER TABLE events ADD COLUMN c int;\n",
    );
    let column = "SELECT count(*) FROM information_schema.columns \
                  WHERE table_name = 'events' AND column_name = 'c'";

    let blocker = lock_events(&url);
    let run = workspace.expect(2, &["migrate", "--lock-retries", "2"], &url);
    for expected in [
        "Retrying V5__alter_events.sql after a lock timeout (try 2 of 2, in 500 ms)",
        "error: migration `V5__alter_events.sql` failed: canceling statement due to lock timeout (SQLSTATE 55P03)",
        "--> migrations/V5__alter_events.sql:2",
        "it was tried 2 times",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{run:#?}");
    }
    assert_eq!(history(&url), [1, 2, 4]);
    assert_eq!(query_i64s(&url, column), [0]);

    // Without --lock-retries, 5 tries; the lock is released during the
    // pause after a try failed (each try waits 300 ms, each pause is 500 ms
    // or more), so the next one succeeds.
    let running =
        crate::common::start(&mut workspace.command(&["migrate", "--database-url", &url]));
    crate::common::wait_until("the run to wait for the lock on events", || {
        query_i64s(
            &url,
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'events'::regclass",
        ) != [0]
    });
    std::thread::sleep(std::time::Duration::from_millis(400));
    runtime()
        .block_on(blocker.batch_execute("COMMIT"))
        .expect("release events");
    let run: Run = running.finish_within(OUTER_BOUND).into();
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr
            .contains("Retrying V5__alter_events.sql after a lock timeout (try 2 of 5, in 500 ms)"),
        "{run:#?}"
    );
    assert_eq!(history(&url), [1, 2, 4, 5]);
    assert_eq!(query_i64s(&url, column), [1]);
}
