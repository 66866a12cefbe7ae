//! The migration engine in real processes against a real PostgreSQL: eight
//! processes migrating one database at once, and a process killed with
//! SIGKILL in the middle of a migration, inside a transaction and outside.
//!
//! The processes run `dbkit-migrate-fixture` (`src/bin/migrate_fixture.rs`),
//! which embeds the folders of `fixtures/migrate/`. Nothing waits on a clock:
//! each step polls the server for the state it needs, with a generous bound
//! that only turns a hang into a failure.

use dbkit_runtime::migrate::MIGRATION_LOCK_KEY;
use dbkit_tests::TestDatabase;
use sqlx::{Connection, PgConnection, PgPool};
use std::os::unix::process::ExitStatusExt;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How long a poll waits for the server to reach a state before failing.
const POLL_LIMIT: Duration = Duration::from_secs(120);

/// How long the fixture processes may take to finish.
const RUN_LIMIT: Duration = Duration::from_secs(180);

/// The signal that ends a process without letting it run any code.
const SIGKILL: i32 = 9;

/// The advisory lock the `gated` fixture's second migration waits for.
const GATE_LOCK_KEY: i64 = 4242;

/// The fixture binary applying `folder` to `url`; killed if dropped while
/// running, so that a failing test leaves no process behind.
fn spawn_fixture(folder: &str, url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dbkit-migrate-fixture"))
        .arg(folder)
        .env("DATABASE_URL", url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start dbkit-migrate-fixture")
}

async fn finish(child: Child) -> Output {
    tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
        .await
        .expect("dbkit-migrate-fixture did not finish")
        .expect("wait for dbkit-migrate-fixture")
}

fn describe(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn int8s(pool: &PgPool, sql: &str) -> Vec<i64> {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(pool)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

async fn history(pool: &PgPool) -> Vec<i64> {
    int8s(
        pool,
        "SELECT version::int8 FROM refinery_schema_history ORDER BY version",
    )
    .await
}

/// Polls `sql` (one int8 per row) until `done` accepts its rows.
async fn poll_until(
    pool: &PgPool,
    sql: &str,
    what: &str,
    done: impl Fn(&[i64]) -> bool,
) -> Vec<i64> {
    let started = Instant::now();
    loop {
        let rows = int8s(pool, sql).await;
        if done(&rows) {
            return rows;
        }
        assert!(
            started.elapsed() < POLL_LIMIT,
            "{what}: still {rows:?} after {POLL_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn session_lock(url: &str, key: i64) -> PgConnection {
    let mut session = PgConnection::connect(url).await.expect("connect");
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut session)
        .await
        .expect("take an advisory lock");
    session
}

async fn session_unlock(session: &mut PgConnection, key: i64) {
    let released: bool = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .fetch_one(session)
        .await
        .expect("release an advisory lock");
    assert!(released, "the lock {key} was not held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_migrating_one_database_apply_each_migration_once() {
    let database = TestDatabase::create("migrate_eight_processes")
        .await
        .expect("database");
    // Holding the engine's lock until all eight are connected and polling
    // for it makes them contend, however slowly the machine starts them.
    let mut holder = session_lock(&database.url, MIGRATION_LOCK_KEY).await;
    let children: Vec<Child> = (0..8)
        .map(|_| spawn_fixture("counted", &database.url))
        .collect();
    poll_until(
        &database.pool,
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND query LIKE '%pg_try_advisory_lock%'",
        "processes polling for the migration lock",
        |rows| rows == [8],
    )
    .await;
    session_unlock(&mut holder, MIGRATION_LOCK_KEY).await;

    let mut applied_lines = Vec::new();
    for child in children {
        let output = finish(child).await;
        assert!(output.status.success(), "{}", describe(&output));
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        applied_lines.extend(stdout.lines().map(str::to_string));
    }
    applied_lines.sort();
    assert_eq!(
        applied_lines,
        [
            "applied V1__create_applications.sql",
            "applied V2__create_items.sql",
            "applied V3__index_items_concurrently.sql",
            "applied V4__add_price_to_items.sql",
        ],
        "each migration is reported applied by exactly one process"
    );
    assert_eq!(history(&database.pool).await, [1, 2, 3, 4]);
    let applications = int8s(
        &database.pool,
        "SELECT count(*) FROM applications GROUP BY migration ORDER BY migration",
    )
    .await;
    assert_eq!(applications, [1, 1, 1, 1], "applications per migration");
    let index = int8s(
        &database.pool,
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'items_name'",
    )
    .await;
    assert_eq!(index, [1]);
    drop(holder);
    database.drop_now().await.expect("drop database");
}

/// Starts the fixture binary on `folder`, whose second migration waits at
/// the gate, kills it with SIGKILL while it waits there, and returns once
/// the server has ended its session.
async fn kill_at_the_gate(database: &TestDatabase, folder: &str) {
    let mut gate = session_lock(&database.url, GATE_LOCK_KEY).await;
    let mut child = spawn_fixture(folder, &database.url);
    let waiting = poll_until(
        &database.pool,
        "SELECT pid::int8 FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock' \
         AND query LIKE '%pg_advisory_xact_lock(4242)%'",
        "the migration waiting at the gate",
        |rows| rows.len() == 1,
    )
    .await;
    let backend = waiting[0];
    assert_eq!(
        history(&database.pool).await,
        [1],
        "V1 is committed before V2 starts"
    );

    child.start_kill().expect("SIGKILL");
    let status = child.wait().await.expect("wait for the killed process");
    assert_eq!(status.signal(), Some(SIGKILL), "{status}");

    // PostgreSQL notices that its client is gone only when the running
    // statement ends and it talks to the client again; opening the gate ends
    // the statement.
    session_unlock(&mut gate, GATE_LOCK_KEY).await;
    poll_until(
        &database.pool,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {backend}"),
        "the killed process's session ending",
        |rows| rows == [0],
    )
    .await;
    let locks = int8s(
        &database.pool,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .await;
    assert_eq!(locks, [0], "the migration lock was released");
    assert_eq!(history(&database.pool).await, [1], "no history row for V2");
}

async fn public_tables(pool: &PgPool, names: &[&str]) -> Vec<i64> {
    let mut counts = Vec::new();
    for name in names {
        let count = int8s(
            pool,
            &format!(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '{name}'"
            ),
        )
        .await;
        counts.extend(count);
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_migration_leaves_nothing_and_the_next_run_applies_it() {
    let database = TestDatabase::create("migrate_killed")
        .await
        .expect("database");
    kill_at_the_gate(&database, "gated").await;
    assert_eq!(
        public_tables(&database.pool, &["gated_first", "gated_second"]).await,
        [0, 0],
        "the tables V2 created were rolled back"
    );

    let output = finish(spawn_fixture("gated", &database.url)).await;
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "applied V2__create_tables_then_wait_at_gate.sql\n"
    );
    assert_eq!(history(&database.pool).await, [1, 2]);
    let rows = int8s(&database.pool, "SELECT count(*) FROM gated_first").await;
    assert_eq!(rows, [1]);
    assert_eq!(public_tables(&database.pool, &["gated_second"]).await, [1]);
    database.drop_now().await.expect("drop database");
}

/// The documented limit of `-- dbkit:no-transaction`: the statements before
/// the kill stay, and the next run stops at the first of them, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_transaction_migration_killed_mid_way_keeps_its_earlier_statements() {
    let database = TestDatabase::create("migrate_killed_no_transaction")
        .await
        .expect("database");
    kill_at_the_gate(&database, "gated_no_transaction").await;
    assert_eq!(
        public_tables(&database.pool, &["kept_before_gate", "after_gate"]).await,
        [1, 0]
    );

    let output = finish(spawn_fixture("gated_no_transaction", &database.url)).await;
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "error[42P07]",
        "--> V2__create_table_then_wait_at_gate.sql:2",
        "outside a transaction",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    assert_eq!(history(&database.pool).await, [1]);
    database.drop_now().await.expect("drop database");
}
