//! The apply engine against a real PostgreSQL: one database per test.
#![cfg(feature = "testing")]

use dbkit_runtime::migrate::{MIGRATION_LOCK_KEY, MigrationState};
use dbkit_runtime::testing::{LocalServer, TestDb};
use dbkit_runtime::{MigrateError, MigrateEvent, Migrations, RunOptions};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

static BASIC: Migrations = dbkit_runtime::embed_migrations!("tests/it/fixtures/basic");
static TAMPERED: Migrations = dbkit_runtime::embed_migrations!("tests/it/fixtures/tampered");
static DELETED: Migrations = dbkit_runtime::embed_migrations!("tests/it/fixtures/deleted");
static OUT_OF_ORDER: Migrations =
    dbkit_runtime::embed_migrations!("tests/it/fixtures/out_of_order");
static FAILING: Migrations = dbkit_runtime::embed_migrations!("tests/it/fixtures/failing");

/// No migrations: a template that is an empty database.
static NO_MIGRATIONS: LazyLock<Migrations> =
    LazyLock::new(|| Migrations::from_migrations(Vec::new()).expect("an empty set"));

/// An empty database of its own on the run's test server, dropped with the
/// handle (kept when the test fails).
async fn fresh_database(prefix: &str) -> TestDb {
    TestDb::builder(&NO_MIGRATIONS)
        .test_name(prefix)
        .build()
        .await
        .expect("database")
}

async fn query_i64s(url: &str, sql: &str) -> Vec<i64> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .query(sql, &[])
        .await
        .expect(sql)
        .iter()
        .map(|row| row.get::<_, i64>(0))
        .collect()
}

async fn events(url: &str) -> Vec<i64> {
    query_i64s(url, "SELECT migration::int8 FROM events ORDER BY migration").await
}

async fn history(url: &str) -> Vec<i64> {
    query_i64s(
        url,
        "SELECT version::int8 FROM refinery_schema_history ORDER BY version",
    )
    .await
}

#[test]
fn embedded_files_are_the_refinery_named_ones_sorted() {
    let migrations = BASIC.migrations().expect("migrations");
    let names: Vec<&str> = migrations
        .iter()
        .map(|migration| migration.file_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "V1__create_events.sql",
            "V2__add_event_function.sql",
            "V4__index_concurrently.sql"
        ]
    );
    let marked: Vec<bool> = migrations
        .iter()
        .map(|migration| migration.no_transaction)
        .collect();
    assert_eq!(marked, [false, false, true]);
    let expected = refinery::Migration::unapplied("V1__create_events", &migrations[0].sql)
        .expect("refinery migration")
        .checksum();
    assert_eq!(migrations[0].checksum, expected);
}

#[tokio::test]
async fn an_empty_database_gets_everything_and_a_second_run_nothing() {
    let database = fresh_database("migrate_empty").await;
    let url = database.url().to_string();
    let report = BASIC.run(&url).await.expect("first run");
    let applied: Vec<i32> = report
        .applied
        .iter()
        .map(|migration| migration.version)
        .collect();
    assert_eq!(applied, [1, 2, 4]);
    assert_eq!(events(&url).await, [1, 2, 4]);
    assert_eq!(history(&url).await, [1, 2, 4]);
    let again = BASIC.run(&url).await.expect("second run");
    assert!(again.applied.is_empty(), "{again:?}");
    assert_eq!(events(&url).await, [1, 2, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_apply_each_migration_once() {
    let database = fresh_database("migrate_concurrent").await;
    let url = database.url().to_string();
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { BASIC.run(&url).await })
        })
        .collect();
    let mut applied_total = 0;
    for run in runs {
        let report = run.await.expect("task").expect("run");
        applied_total += report.applied.len();
    }
    assert_eq!(applied_total, 3);
    assert_eq!(events(&url).await, [1, 2, 4]);
    assert_eq!(history(&url).await, [1, 2, 4]);
}

async fn refused(migrations: &Migrations, prefix: &str) -> (String, MigrateError) {
    let database = fresh_database(prefix).await;
    let url = database.url().to_string();
    BASIC.run(&url).await.expect("basic run");
    let error = migrations.run(&url).await.expect_err("refused");
    assert_eq!(
        events(&url).await,
        [1, 2, 4],
        "nothing applied after {error}"
    );
    assert_eq!(history(&url).await, [1, 2, 4]);
    (url, error)
}

#[tokio::test]
async fn a_changed_applied_file_is_refused() {
    let (_, error) = refused(&TAMPERED, "migrate_tampered").await;
    assert!(
        matches!(error, MigrateError::ChangedAfterApply { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("`V1__create_events.sql` was changed after it was applied"),
        "{message}"
    );
    assert!(message.contains("help:"), "{message}");
}

#[tokio::test]
async fn a_deleted_applied_file_is_refused() {
    let (_, error) = refused(&DELETED, "migrate_deleted").await;
    let message = error.to_string();
    assert!(
        message.contains("V1__create_events was applied but its file is missing"),
        "{message}"
    );
}

#[tokio::test]
async fn a_new_file_below_the_newest_applied_is_refused() {
    let (_, error) = refused(&OUT_OF_ORDER, "migrate_out_of_order").await;
    let message = error.to_string();
    assert!(
        message.contains("`V3__late.sql` is not applied but is older than V4"),
        "{message}"
    );
}

#[tokio::test]
async fn a_failing_migration_leaves_nothing_and_is_located() {
    let database = fresh_database("migrate_failing").await;
    let url = database.url().to_string();
    let error = FAILING.run(&url).await.expect_err("fails");
    let MigrateError::StatementFailed {
        file, line, code, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(file, "V3__divide_by_zero.sql");
    assert_eq!(*line, 5);
    assert_eq!(code, "22012");
    let message = error.to_string();
    assert!(
        message.contains("error[22012]: division by zero"),
        "{message}"
    );
    assert!(
        message.contains("--> V3__divide_by_zero.sql:5"),
        "{message}"
    );
    assert_eq!(events(&url).await, [1, 2]);
    assert_eq!(history(&url).await, [1, 2]);
    let late = query_i64s(&url, "SELECT count(*) FROM pg_class WHERE relname = 'late'").await;
    assert_eq!(late, [0]);
}

#[tokio::test]
async fn a_no_transaction_migration_creates_its_index_concurrently() {
    let database = fresh_database("migrate_concurrently").await;
    let url = database.url().to_string();
    BASIC.run(&url).await.expect("run");
    let index = query_i64s(
        &url,
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'events_migration'",
    )
    .await;
    assert_eq!(index, [1]);
}

#[tokio::test]
async fn passwords_appear_in_no_error() {
    let closed_port = "postgres://app:hunter2secret@127.0.0.1:1/app";
    let error = BASIC.run(closed_port).await.expect_err("closed port");
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains("hunter2secret"), "{text}");
        assert!(text.contains("app:***@127.0.0.1:1"), "{text}");
    }
    let server = LocalServer::start_with_password_auth().expect("local PostgreSQL");
    let right = server
        .create_role_with_password("app", "hunter2secret")
        .await
        .expect("role with a password");
    BASIC.run(&right).await.expect("the right password logs in");
    let wrong = right.replace("hunter2secret", "wrong2password");
    let error = BASIC.run(&wrong).await.expect_err("wrong password");
    assert!(matches!(error, MigrateError::Connect { .. }), "{error:?}");
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains("wrong2password"), "{text}");
        assert!(text.contains("app:***@"), "{text}");
        assert!(text.contains("28P01"), "{text}");
    }
}

static SHOP: Migrations = dbkit_runtime::embed_migrations!("../migrations");

#[tokio::test]
async fn the_shop_migrations_apply() {
    let database = fresh_database("migrate_shop").await;
    let url = database.url().to_string();
    let report = SHOP.run(&url).await.expect("shop migrations");
    assert_eq!(
        report.applied.len(),
        SHOP.migrations().expect("migrations").len()
    );
    assert!(!report.applied.is_empty());
}

fn fixture_folder(name: &str) -> Migrations {
    Migrations::from_directory(format!(
        "{}/tests/it/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture folder")
}

#[test]
fn a_folder_read_at_run_time_equals_the_embedded_one() {
    assert_eq!(
        fixture_folder("basic")
            .migrations()
            .expect("from the folder"),
        BASIC.migrations().expect("embedded")
    );
}

#[tokio::test]
async fn a_folder_read_at_run_time_applies_like_the_embedded_one() {
    let database = fresh_database("migrate_folder").await;
    let url = database.url().to_string();
    let folder = fixture_folder("basic");
    let report = folder.run(&url).await.expect("folder run");
    assert_eq!(report.applied.len(), 3);
    // The embedded copy agrees that everything is applied.
    assert!(
        BASIC
            .run(&url)
            .await
            .expect("embedded run")
            .applied
            .is_empty()
    );
}

fn states(status: &dbkit_runtime::migrate::Status) -> Vec<(i32, MigrationState)> {
    status
        .migrations
        .iter()
        .map(|migration| (migration.version, migration.state))
        .collect()
}

#[tokio::test]
async fn status_and_pending_read_without_writing() {
    let database = fresh_database("migrate_status").await;
    let url = database.url().to_string();
    let status = BASIC
        .status(&url)
        .await
        .expect("status of an empty database");
    assert!(!status.is_clean());
    assert_eq!(
        states(&status),
        [
            (1, MigrationState::Pending),
            (2, MigrationState::Pending),
            (4, MigrationState::Pending)
        ]
    );
    let pending = BASIC.pending(&url, Some(2)).await.expect("dry run");
    let versions: Vec<i32> = pending.iter().map(|migration| migration.version).collect();
    assert_eq!(versions, [1, 2]);
    let tables = query_i64s(
        &url,
        "SELECT count(*) FROM pg_class WHERE relname IN ('refinery_schema_history', 'events')",
    )
    .await;
    assert_eq!(tables, [0], "status and a dry run create nothing");

    BASIC.run(&url).await.expect("run");
    assert!(BASIC.status(&url).await.expect("status").is_clean());
    for (migrations, expected) in [
        (&TAMPERED, MigrationState::Changed),
        (&DELETED, MigrationState::Unknown),
    ] {
        let status = migrations.status(&url).await.expect("status");
        assert_eq!(states(&status)[0], (1, expected));
    }
    let status = OUT_OF_ORDER.status(&url).await.expect("status");
    assert_eq!(states(&status)[2], (3, MigrationState::OutOfOrder));
}

#[tokio::test]
async fn a_target_stops_there_and_events_follow_each_migration() {
    let database = fresh_database("migrate_target").await;
    let url = database.url().to_string();
    let events_seen = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events_seen);
    let options = RunOptions::new().target(2).on_event(move |event| {
        let line = match event {
            MigrateEvent::Planned { pending } => format!("planned {}", pending.len()),
            MigrateEvent::Applying { migration } => format!("applying {}", migration.version),
            MigrateEvent::Applied { migration, .. } => format!("applied {}", migration.version),
            other => format!("{other:?}"),
        };
        seen.lock().expect("events").push(line);
    });
    let report = BASIC.run_with(&url, options).await.expect("run to V2");
    assert_eq!(report.applied.len(), 2);
    assert_eq!(history(&url).await, [1, 2]);
    assert_eq!(
        *events_seen.lock().expect("events"),
        [
            "planned 2",
            "applying 1",
            "applied 1",
            "applying 2",
            "applied 2"
        ]
    );
    let error = BASIC
        .run_with(&url, RunOptions::new().target(3))
        .await
        .expect_err("no V3");
    assert!(
        matches!(error, MigrateError::UnknownTarget { target: 3 }),
        "{error:?}"
    );
    BASIC.run(&url).await.expect("the rest");
    assert_eq!(history(&url).await, [1, 2, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_finds_the_lock_taken_says_so_and_applies_nothing_twice() {
    let database = fresh_database("migrate_lock_wait").await;
    let url = database.url().to_string();
    let folder = tempfile::tempdir().expect("folder");
    std::fs::write(
        folder.path().join("V1__slow.sql"),
        "CREATE TABLE slow (id int);\nSELECT pg_sleep(0.6);\n",
    )
    .expect("write");
    let slow = Arc::new(Migrations::from_directory(folder.path()).expect("folder"));
    let first = {
        let (slow, url) = (Arc::clone(&slow), url.clone());
        tokio::spawn(async move { slow.run(&url).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let waited = Arc::new(Mutex::new(false));
    let seen = Arc::clone(&waited);
    let options = RunOptions::new().on_event(move |event| {
        if matches!(event, MigrateEvent::WaitingForLock { .. }) {
            *seen.lock().expect("flag") = true;
        }
    });
    let second = slow.run_with(&url, options).await.expect("second run");
    let first = first.await.expect("task").expect("first run");
    assert_eq!(first.applied.len(), 1);
    assert!(second.applied.is_empty(), "{second:?}");
    assert!(*waited.lock().expect("flag"), "the second run never waited");
    assert_eq!(history(&url).await, [1]);
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

/// `future`'s output, or a failure when it has not ended after a minute:
/// a regression fails the test instead of hanging the suite.
async fn within_a_minute<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(60), future)
        .await
        .expect("the call did not end within a minute")
}

fn assert_did_not_answer(error: &MigrateError, limit: &str) {
    let message = error.to_string();
    assert!(
        message.contains(&format!("the server did not answer within {limit}")),
        "{message}"
    );
    assert!(
        message.contains("help: check that the host and port"),
        "{message}"
    );
    assert!(!message.contains("hunter2silent"), "{message}");
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_is_given_up_on() {
    let port = silent_server();
    for url in [
        format!("postgres://app:hunter2silent@127.0.0.1:{port}/app?connect_timeout=1"),
        format!("host=127.0.0.1 port={port} user=app password=hunter2silent connect_timeout=1"),
    ] {
        let error = within_a_minute(BASIC.run(&url)).await.expect_err("run");
        assert_did_not_answer(&error, "1 s");
        let error = within_a_minute(BASIC.pending(&url, None))
            .await
            .expect_err("pending");
        assert_did_not_answer(&error, "1 s");
        let error = within_a_minute(BASIC.status(&url))
            .await
            .expect_err("status");
        assert_did_not_answer(&error, "1 s");
        let error = within_a_minute(BASIC.mark_applied(&url, 1))
            .await
            .expect_err("mark_applied");
        assert_did_not_answer(&error, "1 s");
    }

    // RunOptions::connect_timeout, for every entry point.
    let url = format!("postgres://app:hunter2silent@127.0.0.1:{port}/app");
    let options = || RunOptions::new().connect_timeout(Duration::from_millis(1500));
    let errors = [
        within_a_minute(BASIC.run_with(&url, options())).await.err(),
        within_a_minute(BASIC.pending_with(&url, options()))
            .await
            .err(),
        within_a_minute(BASIC.status_with(&url, options()))
            .await
            .err(),
        within_a_minute(BASIC.mark_applied_with(&url, 1, options()))
            .await
            .err(),
    ];
    for error in errors {
        let error = error.expect("an error");
        assert!(
            matches!(error, MigrateError::ConnectTimeout { timeout, .. } if timeout == Duration::from_millis(1500)),
            "{error:?}"
        );
        assert_did_not_answer(&error, "1.5 s");
    }

    // Without either, 10 s: the four entry points wait together.
    let (run, pending, status, marked) = within_a_minute(async {
        tokio::join!(
            BASIC.run(&url),
            BASIC.pending(&url, None),
            BASIC.status(&url),
            BASIC.mark_applied(&url, 1)
        )
    })
    .await;
    for error in [run.err(), pending.err(), status.err(), marked.err()] {
        let error = error.expect("an error");
        assert!(
            matches!(error, MigrateError::ConnectTimeout { timeout, .. } if timeout == Duration::from_secs(10)),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn a_migration_that_controls_its_own_transaction_is_refused_before_anything_runs() {
    let database = fresh_database("migrate_transaction_statement").await;
    let url = database.url().to_string();
    let folder = tempfile::tempdir().expect("folder");
    std::fs::write(
        folder.path().join("V1__first.sql"),
        "CREATE TABLE first_table (id int);\n",
    )
    .expect("write");
    std::fs::write(
        folder.path().join("V2__own_transaction.sql"),
        "-- a hand-written migration\nBEGIN;\nCREATE TABLE a ();\nCOMMIT;\nCREATE TABLE b ();\nSELECT 1/0;\n",
    )
    .expect("write");
    let migrations = Migrations::from_directory(folder.path()).expect("folder");
    for error in [
        migrations.run(&url).await.expect_err("refused"),
        migrations.pending(&url, None).await.expect_err("dry run"),
    ] {
        let message = error.to_string();
        for expected in [
            "migration `V2__own_transaction.sql` controls its own transaction: `BEGIN` at line 2",
            "--> V2__own_transaction.sql:2",
            "Nothing was applied",
            "`-- dbkit:no-transaction`",
        ] {
            assert!(message.contains(expected), "{expected}\n{message}");
        }
    }
    let created = query_i64s(
        &url,
        "SELECT count(*) FROM pg_class WHERE relname IN ('first_table', 'a', 'b', 'refinery_schema_history')",
    )
    .await;
    assert_eq!(created, [0], "nothing runs, not even V1");

    // The way out: outside a transaction, statement by statement.
    std::fs::write(
        folder.path().join("V2__own_transaction.sql"),
        "-- dbkit:no-transaction\nBEGIN;\nCREATE TABLE a ();\nCOMMIT;\nCREATE TABLE b ();\n",
    )
    .expect("write");
    let migrations = Migrations::from_directory(folder.path()).expect("folder");
    migrations.run(&url).await.expect("marked migration");
    assert_eq!(history(&url).await, [1, 2]);
}

/// The basic fixture and a V5 that only a newer release has.
fn newer_release() -> Migrations {
    let mut migrations = BASIC.migrations().expect("migrations");
    let newer = dbkit_runtime::migrate::Migration::from_file(
        "V5__from_a_newer_release.sql",
        "CREATE TABLE newer_release (id int);\n",
    );
    migrations.push(newer.expect("a migration name").expect("a migration"));
    Migrations::from_migrations(migrations).expect("migrations")
}

#[tokio::test]
async fn migrations_applied_by_a_newer_release_let_an_older_one_start() {
    let database = fresh_database("migrate_future").await;
    let url = database.url().to_string();
    newer_release().run(&url).await.expect("newer release");
    assert_eq!(history(&url).await, [1, 2, 4, 5]);

    let report = BASIC.run(&url).await.expect("the older release starts");
    assert!(report.applied.is_empty(), "{report:?}");
    assert!(BASIC.pending(&url, None).await.expect("dry run").is_empty());
    let status = BASIC.status(&url).await.expect("status");
    assert!(!status.is_clean());
    assert_eq!(states(&status)[3], (5, MigrationState::Unknown));

    // The observer hears of them; strict runs refuse them.
    let told = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&told);
    let options = RunOptions::new().on_event(move |event| {
        if let MigrateEvent::FutureMigrations { migrations } = event {
            let names = migrations.iter().map(|row| (row.version, row.name.clone()));
            heard.lock().expect("events").extend(names);
        }
    });
    BASIC.run_with(&url, options).await.expect("run");
    assert_eq!(
        *told.lock().expect("events"),
        [(5, "from_a_newer_release".to_string())]
    );
    for error in [
        BASIC
            .run_with(&url, RunOptions::new().refuse_future_migrations())
            .await
            .expect_err("strict run"),
        BASIC
            .pending_with(&url, RunOptions::new().refuse_future_migrations())
            .await
            .expect_err("strict dry run"),
    ] {
        assert!(
            matches!(
                error,
                MigrateError::FutureMigration {
                    version: 5,
                    newest_known: 4,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    // An unknown migration older than the newest known one stays an error.
    let error = DELETED.run(&url).await.expect_err("V1 is missing");
    assert!(
        matches!(error, MigrateError::MissingAppliedFile { version: 1, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_history_table_granted_without_create_on_its_schema_is_used() {
    let database = fresh_database("migrate_granted_history").await;
    let url = database.url().to_string();
    let role = format!("dbkit_granted_{}", std::process::id());
    let admin = |sql: String| {
        let url = url.clone();
        async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(connection);
            client.batch_execute(&sql).await.expect(&sql);
        }
    };
    admin(format!(
        "CREATE ROLE {role} LOGIN PASSWORD 'granted-secret';
         REVOKE CREATE ON SCHEMA public FROM PUBLIC;
         CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
         GRANT SELECT, INSERT ON refinery_schema_history TO {role};
         CREATE TABLE granted_log (id int);
         GRANT INSERT ON granted_log TO {role};"
    ))
    .await;
    let authority_end = url.find('@').expect("a user in the URL");
    let role_url = format!("postgres://{role}:granted-secret{}", &url[authority_end..]);
    let folder = tempfile::tempdir().expect("folder");
    std::fs::write(
        folder.path().join("V1__log.sql"),
        "INSERT INTO granted_log VALUES (1);\n",
    )
    .expect("write");
    let migrations = Migrations::from_directory(folder.path()).expect("folder");
    let result = migrations.run(&role_url).await;
    admin(format!("DROP OWNED BY {role}; DROP ROLE {role};")).await;
    let report = result.expect("a role without CREATE applies through the granted table");
    assert_eq!(report.applied.len(), 1);
    assert_eq!(history(&url).await, [1]);
}

/// A session of the test's own, named `application_name`, that holds the
/// migration lock; and its backend's pid.
async fn hold_migration_lock(url: &str, application_name: &str) -> (tokio_postgres::Client, i32) {
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_waiting_for_the_lock_names_its_holder_and_gives_up_after_lock_wait() {
    let database = fresh_database("migrate_lock_holder").await;
    let url = database.url().to_string();
    let (blocker, pid) = hold_migration_lock(&url, "blocker").await;

    let error =
        within_a_minute(BASIC.run_with(&url, RunOptions::new().lock_wait(Duration::from_secs(2))))
            .await
            .expect_err("the lock stays taken");
    let MigrateError::LockTimeout { waited, holder } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*waited, Duration::from_secs(2));
    let holder = holder.as_ref().expect("a holder");
    assert_eq!(
        (holder.pid, holder.application_name.as_str()),
        (pid, "blocker")
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "the migration lock is still held after waiting 2 s, by pid {pid} (`blocker`)"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!("pg_terminate_backend({pid})")),
        "{message}"
    );
    assert_eq!(
        query_i64s(
            &url,
            "SELECT count(*) FROM pg_class WHERE relname = 'events'"
        )
        .await,
        [0]
    );

    // By default the run waits as long as it takes, saying who holds the
    // lock at every interval, and proceeds once it is released.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&seen);
    let options = RunOptions::new()
        .lock_report_interval(Duration::from_millis(200))
        .on_event(move |event| {
            if let MigrateEvent::WaitingForLock { holder, .. } = event {
                let holder = holder.map(|holder| (holder.pid, holder.application_name.clone()));
                heard.lock().expect("events").push(holder);
            }
        });
    let url_for_run = url.clone();
    let run = tokio::spawn(async move { BASIC.run_with(&url_for_run, options).await });
    within_a_minute(async {
        while seen.lock().expect("events").len() < 3 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    // The waiting run's session is named, for whoever waits behind it.
    let named = query_i64s(
        &url,
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'dbkit migrate'",
    )
    .await;
    assert_eq!(named, [1]);
    blocker
        .batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
        .await
        .expect("release the lock");
    let report = within_a_minute(run).await.expect("task").expect("run");
    assert_eq!(report.applied.len(), 3);
    let seen = seen.lock().expect("events");
    assert!(
        seen.iter()
            .all(|holder| holder == &Some((pid, "blocker".to_string()))),
        "{seen:?}"
    );
}

#[tokio::test]
async fn the_hook_before_applying_runs_under_the_lock_only_when_something_is_pending() {
    let database = fresh_database("migrate_before_applying").await;
    let url = database.url().to_string();
    // Each call: the pending versions, and the advisory locks held meanwhile.
    type Calls = Arc<Mutex<Vec<(Vec<i32>, i64)>>>;
    let calls: Calls = Arc::new(Mutex::new(Vec::new()));
    let hook = |calls: &Calls, fail: bool| {
        let (calls, url) = (Arc::clone(calls), url.clone());
        move |pending: &[&dbkit_runtime::migrate::Migration]| -> dbkit_runtime::migrate::HookFuture<'static> {
            let versions: Vec<i32> = pending.iter().map(|migration| migration.version).collect();
            Box::pin(async move {
                // Another session sees the lock held while the hook runs.
                let held = query_i64s(
                    &url,
                    "SELECT count(*) FROM pg_locks JOIN pg_database ON pg_database.oid = pg_locks.database \
                     WHERE locktype = 'advisory' AND granted AND datname = current_database()",
                )
                .await[0];
                calls.lock().expect("calls").push((versions, held));
                if fail {
                    return Err("the backup failed".into());
                }
                Ok(())
            })
        }
    };
    let error = BASIC
        .run_with(&url, RunOptions::new().before_applying(hook(&calls, true)))
        .await
        .expect_err("the hook fails");
    assert!(
        matches!(error, MigrateError::BeforeApplying { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("the backup failed"), "{error}");
    let written = query_i64s(
        &url,
        "SELECT count(*) FROM pg_class WHERE relname IN ('refinery_schema_history', 'events')",
    )
    .await;
    assert_eq!(written, [0], "a failed hook leaves nothing written");
    BASIC
        .run_with(
            &url,
            RunOptions::new()
                .target(2)
                .before_applying(hook(&calls, false)),
        )
        .await
        .expect("run to V2");
    BASIC
        .run_with(&url, RunOptions::new().before_applying(hook(&calls, false)))
        .await
        .expect("run");
    BASIC
        .run_with(&url, RunOptions::new().before_applying(hook(&calls, false)))
        .await
        .expect("nothing pending");
    assert_eq!(
        *calls.lock().expect("calls"),
        [(vec![1, 2, 4], 1), (vec![1, 2], 1), (vec![4], 1)]
    );
}

/// Migrations built from `(file name, text)` pairs.
fn in_memory(files: &[(&str, &str)]) -> Migrations {
    let migrations = files
        .iter()
        .map(|(name, sql)| {
            dbkit_runtime::migrate::Migration::from_file(name, sql.to_string())
                .expect("a refinery name")
                .expect("a migration")
        })
        .collect();
    Migrations::from_migrations(migrations).expect("migrations")
}

const CREATE_T: (&str, &str) = ("V1__create_t.sql", "CREATE TABLE t (id int);\n");

/// A database where `V1__create_t.sql` is applied, and a second session
/// holding `t` in ACCESS EXCLUSIVE mode in an open transaction: dropping
/// (or committing) the client releases it.
async fn database_with_t_locked(prefix: &str) -> (TestDb, tokio_postgres::Client) {
    let database = fresh_database(prefix).await;
    in_memory(&[CREATE_T])
        .run(database.url())
        .await
        .expect("create t");
    let (blocker, connection) = tokio_postgres::connect(database.url(), tokio_postgres::NoTls)
        .await
        .expect("connect the blocker");
    tokio::spawn(connection);
    blocker
        .batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock t");
    (database, blocker)
}

/// The retries a run reports: `(file, attempt, attempts)`.
type Retries = Arc<Mutex<Vec<(String, u32, u32)>>>;

fn recording_retries<'a>(options: RunOptions<'a>, retries: &Retries) -> RunOptions<'a> {
    let retries = Arc::clone(retries);
    options.on_event(move |event| {
        if let MigrateEvent::RetryingAfterLockTimeout {
            migration,
            attempt,
            attempts,
            error,
            ..
        } = event
        {
            assert!(
                matches!(error, MigrateError::StatementFailed { code, .. } if code == "55P03"),
                "{error:?}"
            );
            retries
                .lock()
                .expect("retries")
                .push((migration.file_name.clone(), attempt, attempts));
        }
    })
}

async fn columns_of_t(url: &str) -> Vec<i64> {
    query_i64s(
        url,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_is_retried_until_the_lock_is_free() {
    let (database, blocker) = database_with_t_locked("migrate_lock_retry").await;
    let url = database.url().to_string();
    let migrations = in_memory(&[
        CREATE_T,
        (
            "V2__alter_t.sql",
            "SET lock_timeout = '100ms';\nALTER TABLE t ADD COLUMN c int;\n",
        ),
    ]);
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        blocker.batch_execute("COMMIT").await.expect("release t");
    });
    let retries = Retries::default();
    let report = migrations
        .run_with(&url, recording_retries(RunOptions::new(), &retries))
        .await
        .expect("applied after retries");
    release.await.expect("blocker");
    assert_eq!(report.applied.len(), 1, "{report:?}");
    let retries = retries.lock().expect("retries").clone();
    assert!(!retries.is_empty(), "no retry was reported");
    for (index, (file, attempt, attempts)) in retries.iter().enumerate() {
        assert_eq!(file, "V2__alter_t.sql");
        assert_eq!(*attempt, u32::try_from(index).expect("small") + 2);
        assert_eq!(*attempts, 5);
    }
    assert_eq!(history(&url).await, [1, 2]);
    assert_eq!(columns_of_t(&url).await, [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_through_every_try_fails_naming_the_migration_and_applies_nothing() {
    let (database, blocker) = database_with_t_locked("migrate_lock_exhausted").await;
    let url = database.url().to_string();
    let migrations = in_memory(&[
        CREATE_T,
        (
            "V2__alter_t.sql",
            "SET lock_timeout = '100ms';\nALTER TABLE t ADD COLUMN c int;\n",
        ),
    ]);
    let retries = Retries::default();
    let options = RunOptions::new()
        .lock_retries(3)
        .lock_retry_backoff(Duration::from_millis(50));
    let error = migrations
        .run_with(&url, recording_retries(options, &retries))
        .await
        .expect_err("the lock is never granted");
    let MigrateError::StatementFailed {
        file,
        line,
        code,
        tries,
        not_retried,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (file.as_str(), *line, code.as_str(), *tries, *not_retried),
        ("V2__alter_t.sql", 2, "55P03", 3, false)
    );
    let message = error.to_string();
    assert!(
        message.contains("migration `V2__alter_t.sql` failed: error[55P03]"),
        "{message}"
    );
    assert!(message.contains("it was tried 3 times"), "{message}");
    assert_eq!(
        *retries.lock().expect("retries"),
        [
            ("V2__alter_t.sql".to_string(), 2, 3),
            ("V2__alter_t.sql".to_string(), 3, 3)
        ]
    );
    blocker.batch_execute("COMMIT").await.expect("release t");
    assert_eq!(history(&url).await, [1]);
    assert_eq!(columns_of_t(&url).await, [0]);
}

#[tokio::test]
async fn an_error_other_than_a_lock_timeout_is_not_retried() {
    let database = fresh_database("migrate_no_retry").await;
    let url = database.url().to_string();
    let retries = Retries::default();
    let error = FAILING
        .run_with(&url, recording_retries(RunOptions::new(), &retries))
        .await
        .expect_err("fails");
    assert!(
        matches!(
            &error,
            MigrateError::StatementFailed { code, tries: 1, not_retried: false, .. } if code == "22012"
        ),
        "{error:?}"
    );
    assert!(retries.lock().expect("retries").is_empty());
    assert!(!error.to_string().contains("tried"), "{error}");
    assert_eq!(history(&url).await, [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_transaction_migration_is_retried_only_when_it_changed_nothing() {
    // Only SET before the statement that timed out: retried, and applied.
    let (database, blocker) = database_with_t_locked("migrate_lock_retry_notx").await;
    let url = database.url().to_string();
    let migrations = in_memory(&[
        CREATE_T,
        (
            "V2__alter_t.sql",
            "-- dbkit:no-transaction\nSET lock_timeout = '100ms';\nALTER TABLE t ADD COLUMN c int;\n",
        ),
    ]);
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        blocker.batch_execute("COMMIT").await.expect("release t");
    });
    let retries = Retries::default();
    migrations
        .run_with(&url, recording_retries(RunOptions::new(), &retries))
        .await
        .expect("applied after retries");
    release.await.expect("blocker");
    assert!(!retries.lock().expect("retries").is_empty());
    assert_eq!(columns_of_t(&url).await, [1]);

    // A table created before the statement that timed out: not retried.
    let (database, blocker) = database_with_t_locked("migrate_lock_no_retry_notx").await;
    let url = database.url().to_string();
    let migrations = in_memory(&[
        CREATE_T,
        (
            "V2__alter_t.sql",
            "-- dbkit:no-transaction\nSET lock_timeout = '100ms';\nCREATE TABLE u (id int);\nALTER TABLE t ADD COLUMN c int;\n",
        ),
    ]);
    let retries = Retries::default();
    let error = migrations
        .run_with(&url, recording_retries(RunOptions::new(), &retries))
        .await
        .expect_err("not retried");
    blocker.batch_execute("COMMIT").await.expect("release t");
    assert!(
        matches!(
            &error,
            MigrateError::StatementFailed { code, line: 4, tries: 1, not_retried: true, .. } if code == "55P03"
        ),
        "{error:?}"
    );
    assert!(retries.lock().expect("retries").is_empty());
    let message = error.to_string();
    assert!(
        message.contains("it was not tried again after the lock timeout"),
        "{message}"
    );
    assert_eq!(history(&url).await, [1]);
    assert_eq!(
        query_i64s(&url, "SELECT count(*) FROM pg_class WHERE relname = 'u'").await,
        [1]
    );
}
