//! The lint's claims about PostgreSQL, checked on a real server: which
//! column type changes rewrite a table, which functions are volatile, and
//! which locks the statements the lint reports take.
//!
//! A rewrite shows as a new `relfilenode` for the table; a lock as a row
//! of `pg_locks` read from a second session while the first holds it.

use std::borrow::Cow;

use crate::common::{empty_database, execute, runtime, texts};
use dbkit_core::lint::{
    CHANGING_COLUMN_TYPE, LintConfig, LintFinding, NON_VOLATILE_FUNCTIONS, NON_VOLATILE_SQL_FORMS,
    VOLATILE_FUNCTIONS, lint_migration, lint_migration_with_schema,
};
use dbkit_core::model::{Column, Schema};
use dbkit_core::test_support::builders::{ColumnExt, array_of, builtin, column, schema, table};
use dbkit_runtime::testing::TestDb;

/// The types whose every pair the type-change test tries: each family the
/// lint decides about, with the modifiers that tell its rules apart.
const TYPES: &[&str] = &[
    "smallint",
    "integer",
    "bigint",
    "real",
    "double precision",
    "numeric",
    "numeric(10,2)",
    "numeric(12,2)",
    "numeric(12,4)",
    "numeric(8)",
    "money",
    "text",
    "varchar",
    "varchar(10)",
    "varchar(20)",
    "char(5)",
    "char(10)",
    "char",
    "bpchar",
    "bytea",
    "boolean",
    "date",
    "time",
    "time(3)",
    "time(5)",
    "timetz",
    "timetz(3)",
    "timetz(5)",
    "timestamp",
    "timestamp(3)",
    "timestamp(5)",
    "timestamp(6)",
    "timestamptz",
    "timestamptz(3)",
    "timestamptz(6)",
    "interval",
    "interval(3)",
    "interval(5)",
    "uuid",
    "json",
    "jsonb",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "bit(3)",
    "bit(5)",
    "varbit",
    "varbit(3)",
    "varbit(5)",
    "xml",
    "oid",
    "tsvector",
    "tsquery",
    "integer[]",
    "bigint[]",
    "text[]",
    "varchar[]",
    "varchar(10)[]",
    "varchar(20)[]",
    "numeric[]",
    "numeric(10,2)[]",
    "timestamp[]",
    "timestamptz[]",
];

/// For each pair of `lint_types`, in a transaction of its own with
/// `TimeZone` set to `zone`: creates `probe (c <from>)`, changes the
/// column to `<to>` (with `USING c::<to>` when PostgreSQL has no
/// assignment cast) and records `format_type` of the old column, how it
/// was changed, and whether `relfilenode` changed; `error` when
/// PostgreSQL refuses the change.
const TYPE_CHANGE_PROBE: &str = r#"
CREATE TABLE lint_types (position integer, spelling text);
CREATE TABLE lint_type_changes (from_type text, to_type text, old_type text, how text, outcome text);

CREATE FUNCTION lint_type_change(from_type text, to_type text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE before oid; after oid; old_type text; how text := 'plain';
BEGIN
  EXECUTE format('CREATE TEMPORARY TABLE probe (c %s)', from_type);
  SELECT relfilenode INTO before FROM pg_class WHERE oid = 'probe'::regclass;
  SELECT format_type(atttypid, atttypmod) INTO old_type
    FROM pg_attribute WHERE attrelid = 'probe'::regclass AND attname = 'c';
  BEGIN
    EXECUTE format('ALTER TABLE probe ALTER COLUMN c TYPE %s', to_type);
  EXCEPTION WHEN datatype_mismatch THEN
    how := 'using';
    BEGIN
      EXECUTE format('ALTER TABLE probe ALTER COLUMN c TYPE %s USING c::%s', to_type, to_type);
    EXCEPTION WHEN OTHERS THEN
      DROP TABLE probe;
      RETURN ARRAY[old_type, how, 'error'];
    END;
  WHEN OTHERS THEN
    DROP TABLE probe;
    RETURN ARRAY[old_type, how, 'error'];
  END;
  SELECT relfilenode INTO after FROM pg_class WHERE oid = 'probe'::regclass;
  DROP TABLE probe;
  RETURN ARRAY[old_type, how, CASE WHEN before = after THEN 'kept' ELSE 'rewritten' END];
END $$;

CREATE PROCEDURE lint_type_matrix(zone text, pattern text) LANGUAGE plpgsql AS $$
DECLARE a record; b record; result text[];
BEGIN
  PERFORM set_config('TimeZone', zone, false);
  FOR a IN SELECT * FROM lint_types WHERE spelling LIKE pattern ORDER BY position LOOP
    FOR b IN SELECT * FROM lint_types WHERE spelling LIKE pattern ORDER BY position LOOP
      result := lint_type_change(a.spelling, b.spelling);
      INSERT INTO lint_type_changes VALUES (a.spelling, b.spelling, result[1], result[2], result[3]);
      COMMIT;
    END LOOP;
  END LOOP;
END $$;
"#;

fn column_of_type(name: &str, format_type: &str) -> Column {
    let ty = match format_type.strip_suffix("[]") {
        Some(element) => array_of(builtin(element)),
        None => builtin(format_type),
    };
    column(name, ty).nullable()
}

/// A schema of one table, `public.probe`, with one column `c`.
fn probe_schema(format_type: &str) -> Schema {
    schema(
        &[],
        Vec::new(),
        vec![table("probe", vec![column_of_type("c", format_type)])],
    )
}

/// Runs the matrix of [`TYPE_CHANGE_PROBE`] for the types matching
/// `pattern` under `zone`, lints each change PostgreSQL accepted on a
/// schema holding the old column (after `prefix`), and returns the
/// disagreements and how many changes were kept and rewritten.
fn compare_type_changes(
    database: &TestDb,
    zone: &str,
    pattern: &str,
    prefix: &str,
) -> (Vec<String>, usize, usize) {
    execute(database, "TRUNCATE lint_type_changes");
    execute(
        database,
        &format!("CALL lint_type_matrix('{zone}', '{pattern}')"),
    );
    let rows = texts(
        database,
        "SELECT concat_ws('|', from_type, to_type, old_type, how, outcome) FROM lint_type_changes",
    );
    let mut disagreements = Vec::new();
    let (mut kept, mut rewritten) = (0, 0);
    for row in &rows {
        let [from, to, old_type, how, outcome] = row.split('|').collect::<Vec<_>>()[..] else {
            panic!("unexpected row {row}");
        };
        if outcome == "error" {
            continue;
        }
        let using = if how == "using" {
            format!(" USING \"c\"::{to}")
        } else {
            String::new()
        };
        let sql = format!(
            "{prefix}ALTER TABLE \"public\".\"probe\" ALTER COLUMN \"c\" TYPE {to}{using};\n"
        );
        let schema = probe_schema(old_type);
        let findings: Vec<LintFinding> =
            lint_migration_with_schema(&sql, &LintConfig::default(), || {
                Some(Cow::Borrowed(&schema))
            })
            .into_iter()
            .filter(|finding| finding.rule == CHANGING_COLUMN_TYPE)
            .collect();
        let undecided = findings.iter().any(|finding| {
            finding.message.contains("cannot judge") || finding.message.contains("does not know")
        });
        let rewrites = outcome == "rewritten";
        if rewrites {
            rewritten += 1;
        } else {
            kept += 1;
        }
        if undecided || findings.is_empty() == rewrites {
            disagreements.push(format!(
                "{from} -> {to} ({old_type}): PostgreSQL {outcome}, the lint says {}",
                findings
                    .first()
                    .map_or("nothing".to_string(), |finding| finding.message.clone())
            ));
        }
    }
    (disagreements, kept, rewritten)
}

#[test]
fn a_column_type_change_is_reported_exactly_when_postgresql_rewrites_the_table() {
    let database = empty_database("lint_type_changes");
    execute(&database, TYPE_CHANGE_PROBE);
    for (position, spelling) in TYPES.iter().enumerate() {
        execute(
            &database,
            &format!("INSERT INTO lint_types VALUES ({position}, '{spelling}')"),
        );
    }
    let (mut disagreements, kept, rewritten) =
        compare_type_changes(&database, "America/New_York", "%", "");
    assert!(
        kept > 100 && rewritten > 100,
        "{kept} kept and {rewritten} rewritten: the probe did not run"
    );
    // Between timestamp types the session's time zone decides, and the
    // lint follows a `SET TimeZone` to UTC.
    for zone in ["UTC", "Etc/UTC", "GMT"] {
        let (more, kept, _) = compare_type_changes(
            &database,
            zone,
            "timestamp%",
            &format!("SET LOCAL TimeZone = '{zone}';\n"),
        );
        assert!(kept > 10, "{kept} kept under {zone}");
        disagreements.extend(more);
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// A sample call of each of [`NON_VOLATILE_SQL_FORMS`], as a default of
/// the type given.
const SQL_FORM_SAMPLES: &[(&str, &str, &str)] = &[
    ("coalesce", "integer", "coalesce(NULL, 1)"),
    ("current_catalog", "text", "current_catalog"),
    ("current_date", "date", "CURRENT_DATE"),
    ("current_role", "text", "current_role"),
    ("current_time", "time with time zone", "CURRENT_TIME"),
    (
        "current_timestamp",
        "timestamp with time zone",
        "CURRENT_TIMESTAMP",
    ),
    ("current_user", "text", "current_user"),
    ("greatest", "integer", "greatest(1, 2)"),
    ("least", "integer", "least(1, 2)"),
    ("localtime", "time", "LOCALTIME"),
    ("localtimestamp", "timestamp", "LOCALTIMESTAMP"),
    ("nullif", "integer", "nullif(1, 2)"),
    ("session_user", "text", "session_user"),
    ("user", "text", "user"),
];

/// Whether adding a column with `definition` to a table with a row
/// changes its `relfilenode`, after `setup`.
fn add_column_rewrites(database: &TestDb, setup: &str, definition: &str) -> bool {
    execute(
        database,
        &format!(
            "DROP TABLE IF EXISTS defaults_probe; CREATE TABLE defaults_probe (id integer); INSERT INTO defaults_probe VALUES (1); {setup}"
        ),
    );
    let relfilenode = || {
        texts(
            database,
            "SELECT relfilenode::text FROM pg_class WHERE oid = 'defaults_probe'::regclass",
        )
    };
    let before = relfilenode();
    execute(
        database,
        &format!("ALTER TABLE defaults_probe ADD COLUMN {definition}"),
    );
    before != relfilenode()
}

fn reports_volatile_default(sql: &str) -> bool {
    lint_migration(sql, &LintConfig::default())
        .iter()
        .any(|finding| finding.rule == "adding-volatile-default")
}

#[test]
fn the_functions_the_lint_calls_stable_or_volatile_are_so_in_pg_proc() {
    let database = empty_database("lint_functions");
    let volatility = |name: &str| {
        texts(
            &database,
            &format!(
                "SELECT DISTINCT provolatile::text FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace AND proname = '{name}'"
            ),
        )
    };
    for name in NON_VOLATILE_FUNCTIONS {
        let found = volatility(name);
        assert!(
            !found.is_empty() && !found.contains(&"v".to_string()),
            "{name}: provolatile {found:?}"
        );
    }
    let mut volatile_here = 0;
    for name in VOLATILE_FUNCTIONS {
        let found = volatility(name);
        // Some belong to extensions or later releases.
        if !found.is_empty() {
            assert_eq!(found, ["v"], "{name}");
            volatile_here += 1;
        }
    }
    assert!(volatile_here >= 8, "only {volatile_here} found");
    let forms: Vec<&str> = SQL_FORM_SAMPLES.iter().map(|(form, ..)| *form).collect();
    assert_eq!(forms, NON_VOLATILE_SQL_FORMS);
    for (form, ty, sample) in SQL_FORM_SAMPLES {
        let definition = format!("c {ty} DEFAULT {sample}");
        assert!(
            !add_column_rewrites(&database, "", &definition),
            "{form} rewrote the table"
        );
        let sql = format!("ALTER TABLE \"public\".\"users\" ADD COLUMN {definition};\n");
        assert!(!reports_volatile_default(&sql), "{form} reported: {sql}");
    }
}

#[test]
fn a_default_calling_a_function_not_declared_stable_rewrites_the_table() {
    let database = empty_database("lint_user_functions");
    let create = |volatility: &str| {
        format!(
            "CREATE OR REPLACE FUNCTION next_code() RETURNS text LANGUAGE plpgsql {volatility} AS $$ BEGIN RETURN 'x'; END $$;"
        )
    };
    for (volatility, rewrites) in [
        ("", true),
        ("VOLATILE", true),
        ("STABLE", false),
        ("IMMUTABLE", false),
    ] {
        let setup = create(volatility);
        assert_eq!(
            add_column_rewrites(&database, &setup, "code text DEFAULT next_code()"),
            rewrites,
            "{volatility}"
        );
        let sql = format!("{setup}\nALTER TABLE users ADD COLUMN code text DEFAULT next_code();\n");
        assert_eq!(reports_volatile_default(&sql), rewrites, "{sql}");
    }
    // Declared by an earlier migration, the lint cannot see it: volatile
    // until said otherwise.
    assert!(reports_volatile_default(
        "ALTER TABLE users ADD COLUMN code text DEFAULT next_code();\n"
    ));
    for (definition, rewrites) in [
        ("c timestamptz DEFAULT now()", false),
        ("c text DEFAULT lower('X')", false),
        ("c jsonb DEFAULT jsonb_build_object('a', 1)", false),
        ("c double precision DEFAULT random()", true),
        ("c uuid DEFAULT gen_random_uuid()", true),
    ] {
        assert_eq!(
            add_column_rewrites(&database, "", definition),
            rewrites,
            "{definition}"
        );
        let sql = format!("ALTER TABLE users ADD COLUMN {definition};\n");
        assert_eq!(reports_volatile_default(&sql), rewrites, "{sql}");
    }
}

// ---------------------------------------------------------------------------
// Locks: what a statement holds, read from pg_locks in a second session.

/// The tables, index, function and trigger the lock cases work on.
const LOCK_SETUP: &str = r#"
DROP TABLE IF EXISTS orders, users, bookings CASCADE;
DROP FUNCTION IF EXISTS touch() CASCADE;
CREATE TABLE users (id bigint PRIMARY KEY, email text, note text);
CREATE INDEX users_email_idx ON users (email);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total_cents integer);
CREATE TABLE bookings (id bigint PRIMARY KEY, during tstzrange);
INSERT INTO users SELECT n, 'user' || n, NULL FROM generate_series(1, 100) AS n;
INSERT INTO orders SELECT n, n, n FROM generate_series(1, 100) AS n;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
"#;

/// PostgreSQL's lock modes, weakest first, as pg_locks and the lint name them.
const LOCK_MODES: &[(&str, &str)] = &[
    ("AccessShareLock", "ACCESS SHARE"),
    ("RowShareLock", "ROW SHARE"),
    ("RowExclusiveLock", "ROW EXCLUSIVE"),
    ("ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"),
    ("ShareLock", "SHARE"),
    ("ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"),
    ("ExclusiveLock", "EXCLUSIVE"),
    ("AccessExclusiveLock", "ACCESS EXCLUSIVE"),
];

/// What [`strongest_lock_held`] says of a relation the statements do
/// not lock.
const NO_LOCK: &str = "no lock";

/// The first mode that blocks writes (conflicts with ROW EXCLUSIVE).
const FIRST_HEAVY_MODE: usize = 4;

fn mode_rank(pg_locks_mode: &str) -> usize {
    LOCK_MODES
        .iter()
        .position(|(name, _)| *name == pg_locks_mode)
        .unwrap_or_else(|| panic!("unknown lock mode {pg_locks_mode}"))
}

async fn connect(database: &TestDb) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(database.url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

async fn backend_pid(client: &tokio_postgres::Client) -> i32 {
    client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0)
}

/// The `relfilenode` of `relation` (a new one after a rewrite), `None`
/// when the client knows no such relation.
async fn relfilenode(client: &tokio_postgres::Client, relation: &str) -> Option<i64> {
    client
        .query_one(
            "SELECT (SELECT relfilenode::bigint FROM pg_class WHERE oid = to_regclass($1))",
            &[&relation],
        )
        .await
        .expect("relfilenode")
        .get(0)
}

/// The modes `pid` holds (`granted`) or waits for on `relation`.
async fn modes_on(
    observer: &tokio_postgres::Client,
    pid: i32,
    relation: &str,
    granted: bool,
) -> Vec<String> {
    observer
        .query(
            "SELECT mode FROM pg_locks WHERE pid = $1 AND granted = $2 AND relation = to_regclass($3)",
            &[&pid, &granted, &relation],
        )
        .await
        .expect("pg_locks")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The strongest lock on `relation` that `statements`, run in a
/// transaction after [`LOCK_SETUP`], hold at its end, by the lint's name
/// ([`NO_LOCK`] for none); also whether the relation's `relfilenode`
/// changed.
fn strongest_lock_held(
    database: &TestDb,
    statements: &str,
    relation: &str,
) -> (&'static str, bool) {
    execute(database, LOCK_SETUP);
    runtime().block_on(async {
        let session = connect(database).await;
        let observer = connect(database).await;
        let pid = backend_pid(&session).await;
        let before = relfilenode(&observer, relation).await;
        session
            .batch_execute(&format!("BEGIN; {statements}"))
            .await
            .unwrap_or_else(|error| panic!("{statements}: {error}"));
        let modes = modes_on(&observer, pid, relation, true).await;
        let after = relfilenode(&session, relation).await;
        session.batch_execute("ROLLBACK").await.expect("rollback");
        let strongest = modes.iter().map(|mode| mode_rank(mode)).max();
        (
            strongest.map_or(NO_LOCK, |strongest| LOCK_MODES[strongest].1),
            before != after,
        )
    })
}

/// The lock on `relation` that `statement`, which cannot run in a
/// transaction block, waits for while another session holds ACCESS SHARE
/// on it (the first lock it asks for that conflicts), by the lint's name;
/// and whether `relation`'s `relfilenode` changed once it ran.
fn lock_waited_for(database: &TestDb, statement: &str, relation: &str) -> (&'static str, bool) {
    execute(database, LOCK_SETUP);
    runtime().block_on(async {
        let holder = connect(database).await;
        let session = connect(database).await;
        let observer = connect(database).await;
        let pid = backend_pid(&session).await;
        let before = relfilenode(&observer, relation).await;
        holder
            .batch_execute(&format!(
                "BEGIN; LOCK TABLE {relation} IN ACCESS SHARE MODE"
            ))
            .await
            .expect("holder");
        let running = {
            let statement = statement.to_string();
            tokio::spawn(async move { session.batch_execute(&statement).await })
        };
        let mut waited = Vec::new();
        for _ in 0..200 {
            waited = modes_on(&observer, pid, relation, false).await;
            if !waited.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        holder.batch_execute("ROLLBACK").await.expect("release");
        running
            .await
            .expect("task")
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
        let after = relfilenode(&observer, relation).await;
        let [mode] = waited.as_slice() else {
            panic!("{statement} waited for {waited:?} on {relation}");
        };
        (LOCK_MODES[mode_rank(mode)].1, before != after)
    })
}

/// The message of the lint's `rule` finding on `sql`, if any.
fn finding_of(sql: &str, rule: &str) -> Option<LintFinding> {
    lint_migration(sql, &LintConfig::default())
        .into_iter()
        .find(|finding| finding.rule == rule)
}

/// Asserts that `require-lock-timeout` names `mode` for `sql`.
fn assert_lock_claim(sql: &str, mode: &str) {
    let finding = finding_of(sql, "require-lock-timeout")
        .unwrap_or_else(|| panic!("no require-lock-timeout finding for {sql}"));
    let article = if mode.starts_with('A') { "an" } else { "a" };
    assert!(
        finding
            .message
            .contains(&format!("takes {article} {mode} lock on")),
        "PostgreSQL takes {mode} for {sql}, the lint says: {}",
        finding.message
    );
}

#[test]
fn the_locks_require_lock_timeout_names_are_the_ones_postgresql_takes() {
    let database = empty_database("lint_locks");
    let with_trigger =
        "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();";
    for (setup, statement, relation) in [
        (
            "",
            "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();",
            "users",
        ),
        (with_trigger, "DROP TRIGGER users_touch ON users;", "users"),
        (with_trigger, "DROP FUNCTION touch() CASCADE;", "users"),
        ("", "LOCK TABLE users;", "users"),
        ("", "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;", "users"),
        ("", "LOCK TABLE users IN EXCLUSIVE MODE;", "users"),
        ("", "REINDEX INDEX users_email_idx;", "users"),
        ("", "REINDEX TABLE users;", "users"),
        ("", "CLUSTER users USING users_pkey;", "users"),
        ("", "CREATE INDEX users_note_idx ON users (note);", "users"),
        ("", "DROP INDEX users_email_idx;", "users"),
        (
            "",
            "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
            "orders",
        ),
        (
            "",
            "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);",
            "bookings",
        ),
        ("", "ALTER TABLE users SET UNLOGGED;", "users"),
    ] {
        let (mode, _) = strongest_lock_held(&database, &format!("{setup}{statement}"), relation);
        assert_lock_claim(statement, mode);
    }
    let (mode, _) = lock_waited_for(&database, "VACUUM FULL users", "users");
    assert_lock_claim("-- dbkit:no-transaction\nVACUUM FULL users;", mode);

    // Locks that block neither reads nor writes, which the rule leaves alone.
    for (statement, relation) in [
        (
            "ALTER INDEX users_email_idx RENAME TO users_email_key;",
            "users_email_idx",
        ),
        (
            "ALTER INDEX users_email_idx RENAME TO users_email_key;",
            "users",
        ),
        ("LOCK TABLE users IN ROW EXCLUSIVE MODE;", "users"),
        (
            "ALTER TABLE users VALIDATE CONSTRAINT users_email_check;",
            "users",
        ),
        ("UPDATE users SET note = 'x' WHERE id = 1;", "users"),
    ] {
        let setup = "ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '') NOT VALID; COMMIT; BEGIN;";
        let (mode, _) = strongest_lock_held(&database, &format!("{setup}{statement}"), relation);
        let rank = LOCK_MODES.iter().position(|(_, name)| *name == mode);
        assert!(
            mode == NO_LOCK || rank.is_some_and(|rank| rank < FIRST_HEAVY_MODE),
            "{statement} takes {mode} on {relation}"
        );
        assert!(
            finding_of(statement, "require-lock-timeout").is_none(),
            "{statement} reported"
        );
    }
}

#[test]
fn reindex_blocks_the_queries_that_plan_with_the_index() {
    let database = empty_database("lint_reindex");
    let (mode, _) = strongest_lock_held(
        &database,
        "REINDEX INDEX users_email_idx;",
        "users_email_idx",
    );
    assert_eq!(mode, "ACCESS EXCLUSIVE");
    let finding = finding_of("REINDEX INDEX users_email_idx;", "reindex-non-concurrently")
        .expect("a finding");
    assert!(
        finding.why.contains("SHARE lock on the table of")
            && finding
                .why
                .contains("an ACCESS EXCLUSIVE lock on \"users_email_idx\""),
        "{}",
        finding.why
    );
    execute(&database, LOCK_SETUP);
    runtime().block_on(async {
        let session = connect(&database).await;
        let reader = connect(&database).await;
        session
            .batch_execute("BEGIN; REINDEX INDEX users_email_idx")
            .await
            .expect("reindex");
        let planned = reader
            .batch_execute("SET lock_timeout = '200ms'; EXPLAIN SELECT * FROM users WHERE id = 1")
            .await;
        assert!(
            planned.is_err(),
            "a query with a WHERE planned while the index was locked"
        );
        session.batch_execute("ROLLBACK").await.expect("rollback");
    });
}

#[test]
fn validating_in_the_adding_transaction_scans_under_the_lock_of_the_add() {
    let database = empty_database("lint_validate");
    for (add, table, lock) in [
        (
            "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total_cents >= 0) NOT VALID;",
            "orders",
            "ACCESS EXCLUSIVE",
        ),
        (
            "ALTER TABLE orders ADD CONSTRAINT orders_checked FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
            "users",
            "SHARE ROW EXCLUSIVE",
        ),
    ] {
        let name = if add.contains("CHECK (") {
            "orders_total_check"
        } else {
            "orders_checked"
        };
        let validate = format!("ALTER TABLE orders VALIDATE CONSTRAINT {name};");
        let (held, _) = strongest_lock_held(&database, &format!("{add}{validate}"), table);
        assert_eq!(held, lock, "{add}");
        if table == "orders" {
            let finding = finding_of(
                &format!("{add}\n{validate}\n"),
                "validating-constraint-in-same-transaction",
            )
            .expect("a finding");
            assert!(
                finding.why.contains(&format!("the {lock} lock")),
                "{}",
                finding.why
            );
        }
        // Alone, VALIDATE lets reads and writes go on, as the help says.
        let (alone, _) = strongest_lock_held(
            &database,
            &format!("{add}COMMIT; BEGIN; {validate}"),
            "orders",
        );
        assert_eq!(alone, "SHARE UPDATE EXCLUSIVE", "{add}");
    }
}

#[test]
fn the_statements_said_to_rewrite_or_copy_a_table_do() {
    let database = empty_database("lint_rewrites");
    for (statement, relation) in [
        ("ALTER TABLE users SET UNLOGGED;", "users"),
        (
            "ALTER TABLE users SET UNLOGGED; ALTER TABLE users SET LOGGED;",
            "users",
        ),
        ("CLUSTER users USING users_pkey;", "users"),
    ] {
        let (mode, rewritten) = strongest_lock_held(&database, statement, relation);
        assert!(rewritten, "{statement} kept {relation}");
        assert_eq!(mode, "ACCESS EXCLUSIVE", "{statement}");
    }
    let (_, rewritten) = lock_waited_for(&database, "VACUUM FULL users", "users");
    assert!(rewritten, "VACUUM FULL kept the table");
    // A tablespace inside the data directory (PostgreSQL 15, superuser);
    // CREATE and DROP TABLESPACE each run outside a transaction block.
    let tablespace = format!("lint_claims_{}", std::process::id());
    let tablespace_statement = |sql: String| {
        runtime().block_on(async {
            let client = connect(&database).await;
            client
                .batch_execute("SET allow_in_place_tablespaces = on")
                .await
                .expect("setting");
            client
                .batch_execute(&sql)
                .await
                .unwrap_or_else(|error| panic!("{sql}: {error}"));
        });
    };
    tablespace_statement(format!("CREATE TABLESPACE {tablespace} LOCATION ''"));
    for (statement, relation) in [
        (
            format!("ALTER TABLE users SET TABLESPACE {tablespace};"),
            "users",
        ),
        (
            format!("ALTER INDEX users_email_idx SET TABLESPACE {tablespace};"),
            "users_email_idx",
        ),
    ] {
        let (mode, rewritten) = strongest_lock_held(&database, &statement, relation);
        assert!(rewritten, "{statement} kept {relation}");
        assert_eq!(mode, "ACCESS EXCLUSIVE", "{statement}");
        let finding = finding_of(&statement, "setting-tablespace").expect("a finding");
        assert!(finding.why.contains("ACCESS EXCLUSIVE"), "{}", finding.why);
    }
    execute(&database, "DROP TABLE users, orders, bookings");
    tablespace_statement(format!("DROP TABLESPACE {tablespace}"));
}

/// Runs `sql` on a session of its own and returns PostgreSQL's error code,
/// if it fails.
fn error_code(database: &TestDb, sql: &str) -> Option<String> {
    runtime().block_on(async {
        let client = connect(database).await;
        client
            .batch_execute(sql)
            .await
            .err()
            .and_then(|error| error.code().map(|code| code.code().to_string()))
    })
}

#[test]
fn what_the_new_rules_say_postgresql_refuses_it_refuses() {
    let database = empty_database("lint_refusals");
    execute(&database, LOCK_SETUP);
    // dropping-database: not inside a transaction (25001).
    assert_eq!(
        error_code(
            &database,
            "BEGIN; DROP DATABASE IF EXISTS lint_claims_nothing"
        ),
        Some("25001".to_string())
    );
    // adding-exclusion-constraint: no NOT VALID (0A000, feature not supported).
    assert_eq!(
        error_code(
            &database,
            "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&) NOT VALID"
        ),
        Some("0A000".to_string())
    );
    // renaming-enum-value: the old label is refused once renamed (22P02).
    execute(
        &database,
        "CREATE TYPE lint_status AS ENUM ('shipped'); ALTER TYPE lint_status RENAME VALUE 'shipped' TO 'dispatched'",
    );
    assert_eq!(
        error_code(&database, "SELECT 'shipped'::lint_status"),
        Some("22P02".to_string())
    );
    // updating-whole-table: each row written stays locked until the
    // transaction ends, so another writer of any row waits (55P03 under
    // a lock timeout).
    runtime().block_on(async {
        let migration = connect(&database).await;
        let writer = connect(&database).await;
        migration
            .batch_execute("BEGIN; UPDATE users SET note = 'backfilled' WHERE note IS NULL")
            .await
            .expect("backfill");
        let blocked = writer
            .batch_execute("SET lock_timeout = '200ms'; UPDATE users SET email = 'x' WHERE id = 42")
            .await
            .err()
            .and_then(|error| error.code().map(|code| code.code().to_string()));
        assert_eq!(blocked, Some("55P03".to_string()));
        migration.batch_execute("ROLLBACK").await.expect("rollback");
    });
}
