//! Round trips from Rust source for every feature of the schema DSL: schema
//! A and schema B are written the way users write them, read by the parser
//! and resolver of `cargo dbkit`; A is created on a fresh database and
//! migrated to B (from A as stored in a snapshot), and what the database
//! holds must be B and diff against B to nothing.

//!
//! A case that is such a round trip and nothing more is a folder of Rust
//! sources under `tests/fixtures/round_trips/`: `both_ways/<case>/` is
//! checked from `before.rs` (none: the empty schema) to `after.rs` and
//! back, `one_way/<case>/` from `before.rs` to `after.rs` only. A case is
//! added by adding a folder. The tests further down check more than the
//! round trip (rows kept, the SQL written); their sources are in
//! `round_trips/checked/<test>/`.

use dbkit_core::model::{BaseType, Schema};
use dbkit_tests::source::{
    EMPTY, check_round_trip, schema_from_valid_rust, source_round_trip, source_round_trip_with_rows,
};
use dbkit_tests::{TestDatabase, migration_between, round_trip, stored_as_snapshot};
use std::path::{Path, PathBuf};

/// The source `path` of `tests/fixtures/round_trips/checked/`.
macro_rules! source {
    ($path:literal) => {
        include_str!(concat!("../../fixtures/round_trips/checked/", $path))
    };
}

/// `tests/fixtures/round_trips/<kind>`.
fn cases_directory(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/round_trips")
        .join(kind)
}

/// A case of `tests/fixtures/round_trips/`: its folder's name and sources.
struct Case {
    name: String,
    before: String,
    after: String,
    /// `rows.sql`: rows inserted between the two migrations, which the
    /// second must keep or convert.
    rows: Option<String>,
}

/// The cases of `kind` (`both_ways` or `one_way`), by name.
fn cases(kind: &str) -> Vec<Case> {
    let directory = cases_directory(kind);
    let entries = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{}: {error}", directory.display()));
    let mut cases: Vec<Case> = entries
        .map(|entry| {
            let path = entry.expect("a case folder").path();
            let read = |file: &str| std::fs::read_to_string(path.join(file));
            let before = match read("before.rs") {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => EMPTY.to_string(),
                Err(error) => panic!("{}/before.rs: {error}", path.display()),
            };
            let after = read("after.rs")
                .unwrap_or_else(|error| panic!("{}/after.rs: {error}", path.display()));
            let rows = match read("rows.sql") {
                Ok(text) => Some(text),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
                Err(error) => panic!("{}/rows.sql: {error}", path.display()),
            };
            Case {
                name: path
                    .file_name()
                    .expect("a folder name")
                    .to_string_lossy()
                    .into_owned(),
                before,
                after,
                rows,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!cases.is_empty(), "no case in {}", directory.display());
    cases
}

/// Runs every case of `kind` from before to after (and back when
/// `both_ways`), one after the other, and fails with the report of every
/// case that did not round-trip. One at a time: a test's runtime has one
/// thread, and a case dropping its database synchronously would stall the
/// connections of the cases running beside it until their pools time out.
async fn check_cases(kind: &'static str, both_ways: bool) {
    let mut failures = Vec::new();
    for case in cases(kind) {
        let mut outcome =
            source_round_trip_with_rows(&case.before, &case.after, case.rows.as_deref()).await;
        if both_ways && outcome.is_ok() {
            outcome = source_round_trip(&case.after, &case.before)
                .await
                .map_err(|report| format!("back from after.rs to before.rs:\n{report}"));
        }
        if let Err(report) = outcome {
            failures.push(format!("--- {kind}/{} ---\n{report}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_case_round_trips_both_ways() {
    check_cases("both_ways", true).await;
}

#[tokio::test]
async fn every_one_way_case_round_trips() {
    check_cases("one_way", false).await;
}

// ---------------------------------------------------------------------------
// Enums

/// A's schema on a fresh database with `rows` inserted, migrated to B as
/// `generate` would; returns the database and the migration's SQL, after
/// checking that the database is B and that each query of `unchanged`
/// reads the same before and after.
async fn migrated_with_rows(
    a: &str,
    rows: &str,
    b: &str,
    unchanged: &[&str],
) -> (TestDatabase, String) {
    let first = schema_from_valid_rust(a);
    let second = schema_from_valid_rust(b);
    let database = TestDatabase::create("renames").await.expect("database");
    let create = migration_between(&Schema::default(), &first).expect("first migration");
    database
        .apply(&create)
        .await
        .expect("apply the first migration");
    sqlx::raw_sql(sqlx::AssertSqlSafe(rows.to_string()))
        .execute(&database.pool)
        .await
        .expect("insert rows");
    let mut before = Vec::new();
    for query in unchanged {
        before.push(texts(&database, query).await);
    }
    let migration = migration_between(&stored_as_snapshot(&first).expect("snapshot"), &second)
        .expect("second migration");
    database
        .apply(&migration)
        .await
        .unwrap_or_else(|error| panic!("{error}\n{}", migration.sql));
    for (query, before) in unchanged.iter().zip(before) {
        assert_eq!(
            texts(&database, query).await,
            before,
            "{query}\n{}",
            migration.sql
        );
    }
    let introspected = database.introspect().await.expect("introspect");
    let found = dbkit_tests::differences(&second, &introspected, false);
    assert!(
        found.is_empty(),
        "{}{}",
        dbkit_core::compare::format_differences(&found),
        migration.sql
    );
    (database, migration.sql)
}

async fn texts(database: &TestDatabase, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&database.pool)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

#[tokio::test]
async fn enums_renamed_and_moved_keep_every_value_and_rewrite_no_table() {
    let a = source!("enums_renamed_and_moved_keep_every_value_and_rewrite_no_table/before.rs");
    let b = source!("enums_renamed_and_moved_keep_every_value_and_rewrite_no_table/after.rs");
    let rows = "INSERT INTO users (id, role, roles, mood) VALUES \
                (1, 'admin', '{staff,admin}', 'sad'), (2, DEFAULT, '{}', NULL);";
    let file = "SELECT relfilenode::text FROM pg_class WHERE oid = 'public.users'::regclass";
    let values = "SELECT id || ' ' || role::text || ' ' || roles::text || ' ' || coalesce(mood::text, '-') FROM users ORDER BY id";
    let (database, sql) = migrated_with_rows(a, rows, b, &[file, values]).await;
    assert!(
        !sql.contains("ALTER COLUMN") && !sql.contains("CREATE TYPE") && !sql.contains("DROP TYPE"),
        "no column is converted:\n{sql}"
    );
    assert!(
        sql.contains("ALTER TYPE \"public\".\"user_role\" RENAME TO \"role\";")
            && sql.contains("ALTER TYPE \"app\".\"mood\" SET SCHEMA \"public\";"),
        "{sql}"
    );
    assert_eq!(
        texts(
            &database,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'public.users'::regclass AND attnum > 0 ORDER BY attnum"
        )
        .await,
        ["bigint", "role", "role[]", "mood"]
    );
    database.drop_now().await.expect("drop the database");
}

#[tokio::test]
async fn enums_swapping_names_keep_every_value() {
    let a = source!("enums_swapping_names_keep_every_value/before.rs");
    let b = source!("enums_swapping_names_keep_every_value/after.rs");
    let rows = "INSERT INTO paint VALUES (1, 'red', 'dark'), (2, 'green', 'light');";
    let file = "SELECT relfilenode::text FROM pg_class WHERE oid = 'paint'::regclass";
    let values = "SELECT color::text || ' ' || shade::text FROM paint ORDER BY id";
    let (database, sql) = migrated_with_rows(a, rows, b, &[file, values]).await;
    assert!(!sql.contains("ALTER COLUMN"), "{sql}");
    assert_eq!(
        texts(
            &database,
            "SELECT pg_typeof(color)::text || ' ' || pg_typeof(shade)::text FROM paint LIMIT 1"
        )
        .await,
        ["shade color"]
    );
    database.drop_now().await.expect("drop the database");
}

#[tokio::test]
async fn rows_survive_chains_and_swaps_of_tables_and_columns() {
    let a = source!("rows_survive_chains_and_swaps_of_tables_and_columns/before.rs");
    // users → users_old while users_v2 → users; in users_old, email →
    // email_old while email_v2 → email; in users, first and last swap.
    let b = source!("rows_survive_chains_and_swaps_of_tables_and_columns/after.rs");
    let rows = "INSERT INTO users VALUES (1, 'old@example.com', 'new@example.com');
                INSERT INTO users_v2 VALUES (7, 'Ada', 'Lovelace');";
    let (database, sql) = migrated_with_rows(a, rows, b, &[]).await;
    assert!(
        !sql.contains("DROP") && !sql.contains("ADD") && !sql.contains("CREATE"),
        "{sql}"
    );
    assert_eq!(
        texts(
            &database,
            "SELECT id || ' ' || email_old || ' ' || email FROM users_old"
        )
        .await,
        ["1 old@example.com new@example.com"]
    );
    assert_eq!(
        texts(
            &database,
            "SELECT id || ' ' || first || ' ' || last FROM users"
        )
        .await,
        ["7 Lovelace Ada"]
    );
    database.drop_now().await.expect("drop the database");
}

// ---------------------------------------------------------------------------
// Domains

#[tokio::test]
async fn a_domain_used_by_a_column_whose_check_changes_keeps_its_rows() {
    let a = source!("a_domain_used_by_a_column_whose_check_changes_keeps_its_rows/before.rs");
    let b = source!("a_domain_used_by_a_column_whose_check_changes_keeps_its_rows/after.rs");
    let rows = "INSERT INTO customers VALUES (1, 'ada@example.com'), (2, 'grace@navy.mil');";
    let file = "SELECT relfilenode::text FROM pg_class WHERE oid = 'customers'::regclass";
    let values = "SELECT id || ' ' || email FROM customers ORDER BY id";
    let (database, sql) = migrated_with_rows(a, rows, b, &[file, values]).await;
    assert!(
        sql.contains("ALTER DOMAIN \"public\".\"email\" DROP CONSTRAINT \"email_check\";")
            && sql.contains("ALTER DOMAIN \"public\".\"email\" ADD CONSTRAINT \"email_check\" CHECK (VALUE ~ '^[^@]+@[^@]+$');")
            && !sql.contains("ALTER TABLE"),
        "{sql}"
    );
    let second = schema_from_valid_rust(b);
    let again = migration_between(&stored_as_snapshot(&second).expect("snapshot"), &second)
        .expect("a migration right after");
    assert_eq!(again.sql, "", "generate right after finds changes");
    let refused = sqlx::raw_sql("INSERT INTO customers VALUES (3, 'a@b@c')")
        .execute(&database.pool)
        .await;
    assert!(refused.is_err(), "the new check holds");
    database.drop_now().await.expect("drop the database");
}

// ---------------------------------------------------------------------------
// Tables

#[tokio::test]
async fn tables_renamed_with_renamed_from_and_moved_to_another_schema() {
    let a = source!("tables_renamed_with_renamed_from_and_moved_to_another_schema/before.rs");
    let b = source!("tables_renamed_with_renamed_from_and_moved_to_another_schema/after.rs");
    let first = schema_from_valid_rust(a);
    let second = schema_from_valid_rust(b);
    let trip = round_trip(&first, &second)
        .await
        .unwrap_or_else(|report| panic!("{report}"));
    assert!(
        !trip.second_sql.contains("DROP TABLE"),
        "renames must not drop tables:\n{}",
        trip.second_sql
    );
    trip.database.drop_now().await.expect("drop the database");
}

#[tokio::test]
async fn rows_survive_table_and_column_renames_and_a_move_to_another_schema() {
    let a = source!("rows_survive_table_and_column_renames_and_a_move_to_another_schema/before.rs");
    let b = source!("rows_survive_table_and_column_renames_and_a_move_to_another_schema/after.rs");
    let first = schema_from_valid_rust(a);
    let second = schema_from_valid_rust(b);
    let database = TestDatabase::create("renames").await.expect("database");
    let create = migration_between(&Schema::default(), &first).expect("first migration");
    database
        .apply(&create)
        .await
        .expect("apply the first migration");
    sqlx::raw_sql(
        "INSERT INTO users (id, full_name, email) VALUES (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'grace@example.com');
         INSERT INTO notes (body) VALUES ('kept');",
    )
    .execute(&database.pool)
    .await
    .expect("insert rows");
    let rename = migration_between(&stored_as_snapshot(&first).expect("snapshot"), &second)
        .expect("second migration");
    assert!(
        !rename.sql.contains("DROP"),
        "a rename must not drop anything:\n{}",
        rename.sql
    );
    database.apply(&rename).await.expect("apply the renames");
    let people: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, \"display name\", login FROM people ORDER BY id")
            .fetch_all(&database.pool)
            .await
            .expect("read people");
    assert_eq!(
        people,
        vec![
            (1, "Ada".to_string(), "ada@example.com".to_string()),
            (2, "Grace".to_string(), "grace@example.com".to_string()),
        ]
    );
    let notes: Vec<(String,)> = sqlx::query_as("SELECT body FROM archive.notes")
        .fetch_all(&database.pool)
        .await
        .expect("read notes");
    assert_eq!(notes, vec![("kept".to_string(),)]);
    let introspected = database.introspect().await.expect("introspect");
    let found = dbkit_tests::differences(&second, &introspected, true);
    assert!(
        found.is_empty(),
        "{}{}",
        dbkit_core::compare::format_differences(&found),
        rename.sql
    );
    database.drop_now().await.expect("drop the database");
}

// ---------------------------------------------------------------------------
// Columns

#[tokio::test]
async fn columns_renamed_with_renamed_from_and_with_column() {
    let a = source!("columns_renamed_with_renamed_from_and_with_column/before.rs");
    let b = source!("columns_renamed_with_renamed_from_and_with_column/after.rs");
    let first = schema_from_valid_rust(a);
    let second = schema_from_valid_rust(b);
    let trip = round_trip(&first, &second)
        .await
        .unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(
        trip.second_sql.matches("RENAME COLUMN").count(),
        3,
        "three renames:\n{}",
        trip.second_sql
    );
    assert!(
        !trip.second_sql.contains("DROP"),
        "renames must not drop columns:\n{}",
        trip.second_sql
    );
    trip.database.drop_now().await.expect("drop the database");
}

#[tokio::test]
async fn a_field_renamed_in_rust_that_keeps_its_column_name_changes_nothing() {
    let a = source!("a_field_renamed_in_rust_that_keeps_its_column_name_changes_nothing/before.rs");
    let b = source!("a_field_renamed_in_rust_that_keeps_its_column_name_changes_nothing/after.rs");
    let first = schema_from_valid_rust(a);
    let second = schema_from_valid_rust(b);
    let trip = round_trip(&first, &second)
        .await
        .unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(
        trip.second_sql.trim(),
        "",
        "nothing changed in the database"
    );
    trip.database.drop_now().await.expect("drop the database");
}

// ---------------------------------------------------------------------------
// Types

/// Every Rust type of the mapping table, with the spelling PostgreSQL's
/// `format_type` prints for the column it becomes.
const EVERY_RUST_TYPE: &[(&str, &str)] = &[
    ("bool", "boolean"),
    ("i16", "smallint"),
    ("i32", "integer"),
    ("i64", "bigint"),
    ("f32", "real"),
    ("f64", "double precision"),
    ("String", "text"),
    ("Box<str>", "text"),
    ("Vec<u8>", "bytea"),
    ("uuid::Uuid", "uuid"),
    ("chrono::DateTime<chrono::Utc>", "timestamp with time zone"),
    ("DateTime<FixedOffset>", "timestamp with time zone"),
    ("time::OffsetDateTime", "timestamp with time zone"),
    ("chrono::NaiveDateTime", "timestamp without time zone"),
    ("PrimitiveDateTime", "timestamp without time zone"),
    ("chrono::NaiveDate", "date"),
    ("time::Date", "date"),
    ("NaiveTime", "time without time zone"),
    ("Time", "time without time zone"),
    ("rust_decimal::Decimal", "numeric"),
    ("BigDecimal", "numeric"),
    ("serde_json::Value", "jsonb"),
    ("sqlx::types::Json<Settings>", "jsonb"),
    ("std::net::IpAddr", "inet"),
    ("IpNetwork", "inet"),
    ("Vec<String>", "text[]"),
    ("Vec<i64>", "bigint[]"),
    ("Vec<Option<i32>>", "integer[]"),
    ("Vec<uuid::Uuid>", "uuid[]"),
    (
        "Vec<chrono::DateTime<chrono::Utc>>",
        "timestamp with time zone[]",
    ),
    ("Vec<serde_json::Value>", "jsonb[]"),
    ("Option<i32>", "integer"),
    ("Option<Vec<u8>>", "bytea"),
    ("Option<Vec<f64>>", "double precision[]"),
    ("Mood", "mood"),
    ("Option<Vec<Mood>>", "mood[]"),
];

/// `sql_type` values, as written and as `format_type` prints them.
const SQL_TYPES: &[(&str, &str)] = &[
    ("varchar(320)", "character varying(320)"),
    ("numeric(10,2)", "numeric(10,2)"),
    ("numeric(10, 2)", "numeric(10,2)"),
    ("timestamptz(3)", "timestamp(3) with time zone"),
    ("char(2)", "character(2)"),
    ("int4", "integer"),
    ("int8[]", "bigint[]"),
    ("interval", "interval"),
    ("mood", "mood"),
];

#[tokio::test]
async fn every_rust_type_of_the_mapping_table_has_its_format_type_spelling() {
    let mut source = String::from(
        "#[derive(PgEnum)]\npub enum Mood { Ok }\n\n#[derive(Table)]\npub struct EveryType {\n",
    );
    for (index, (rust, _)) in EVERY_RUST_TYPE.iter().enumerate() {
        source.push_str(&format!("    pub mapped_{index}: {rust},\n"));
    }
    for (index, (sql, _)) in SQL_TYPES.iter().enumerate() {
        source.push_str(&format!(
            "    #[dbkit(sql_type = \"{sql}\")]\n    pub written_{index}: String,\n"
        ));
    }
    source.push_str("}\n");

    // The resolver spells mapped types exactly as format_type does.
    let schema = schema_from_valid_rust(&source);
    let table = &schema.tables[0];
    for (index, (rust, expected)) in EVERY_RUST_TYPE.iter().enumerate() {
        let column = table.column(&format!("mapped_{index}")).expect("column");
        assert_eq!(spelling(&column.ty), *expected, "the spelling of `{rust}`");
        assert_eq!(
            column.nullable,
            rust.starts_with("Option<"),
            "the nullability of `{rust}`"
        );
    }

    let trip = round_trip(&Schema::default(), &schema)
        .await
        .unwrap_or_else(|report| panic!("{report}"));
    let printed: Vec<(String, String)> = sqlx::query_as(
        "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
         WHERE attrelid = 'public.every_type'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    )
    .fetch_all(&trip.database.pool)
    .await
    .expect("read format_type");
    let expected: Vec<(String, String)> = EVERY_RUST_TYPE
        .iter()
        .enumerate()
        .map(|(index, (_, spelling))| (format!("mapped_{index}"), spelling.to_string()))
        .chain(
            SQL_TYPES
                .iter()
                .enumerate()
                .map(|(index, (_, spelling))| (format!("written_{index}"), spelling.to_string())),
        )
        .collect();
    assert_eq!(printed, expected);
    trip.database.drop_now().await.expect("drop the database");
}

/// A column type the way `format_type` prints it.
fn spelling(ty: &dbkit_core::model::ColumnType) -> String {
    let base = match &ty.base {
        BaseType::Builtin(name) => name.clone(),
        other => match other.declared_name() {
            Some(name) if name.schema == "public" => name.name.clone(),
            Some(name) => name.to_string(),
            None => String::new(),
        },
    };
    format!("{base}{}", "[]".repeat(usize::from(ty.array_dims)))
}

/// Type changes between mapped Rust types that PostgreSQL can cast, so
/// that `ALTER COLUMN … TYPE … USING` applies; every mapped type appears on
/// one side at least.
const TYPE_CHANGES: &[(&str, &str)] = &[
    ("bool", "i32"),
    ("i16", "i64"),
    ("i32", "i16"),
    ("i64", "f64"),
    ("f32", "rust_decimal::Decimal"),
    ("f64", "f32"),
    ("String", "uuid::Uuid"),
    ("Box<str>", "serde_json::Value"),
    ("Vec<u8>", "String"),
    ("uuid::Uuid", "String"),
    ("chrono::DateTime<chrono::Utc>", "chrono::NaiveDateTime"),
    ("chrono::NaiveDateTime", "chrono::NaiveDate"),
    ("chrono::NaiveDate", "chrono::DateTime<chrono::Utc>"),
    ("chrono::NaiveTime", "String"),
    ("rust_decimal::Decimal", "i64"),
    ("sqlx::types::Json<Settings>", "String"),
    ("std::net::IpAddr", "String"),
    ("Vec<String>", "Vec<i64>"),
    ("Vec<i32>", "Vec<i64>"),
    ("Option<i32>", "i32"),
    ("i32", "Option<i64>"),
    ("Mood", "String"),
    ("String", "Mood"),
    ("Vec<Mood>", "Vec<String>"),
];

#[tokio::test]
async fn columns_change_between_rust_types_that_postgresql_can_cast() {
    let mut a = String::from(
        "#[derive(PgEnum)]\npub enum Mood { Ok }\n\n#[derive(Table)]\npub struct Changes {\n",
    );
    let mut b = a.clone();
    for (index, (from, to)) in TYPE_CHANGES.iter().enumerate() {
        a.push_str(&format!("    pub c_{index}: {from},\n"));
        b.push_str(&format!("    pub c_{index}: {to},\n"));
    }
    a.push_str("}\n");
    b.push_str("}\n");
    check_round_trip(&a, &b).await;
}

// ---------------------------------------------------------------------------
// Comments

#[tokio::test]
async fn a_migration_outside_a_transaction_keeps_comments_of_several_paragraphs() {
    let a =
        source!("a_migration_outside_a_transaction_keeps_comments_of_several_paragraphs/before.rs");
    // The new label is used by a default in the same migration, so the
    // migration runs statement by statement.
    let b =
        source!("a_migration_outside_a_transaction_keeps_comments_of_several_paragraphs/after.rs");
    let first = schema_from_valid_rust(a);
    let second = schema_from_valid_rust(b);
    assert_eq!(
        second.tables[0].comment.as_deref(),
        Some("People.\n\n\nMore about people.")
    );
    let trip = round_trip(&first, &second)
        .await
        .unwrap_or_else(|report| panic!("{report}"));
    assert!(
        trip.second_sql
            .starts_with(dbkit_core::render::NO_TRANSACTION_MARKER),
        "{}",
        trip.second_sql
    );
    trip.database.drop_now().await.expect("drop the database");
}

// ---------------------------------------------------------------------------
// Functions and triggers

#[tokio::test]
async fn a_trigger_whose_functions_signature_changes_keeps_the_rows_and_fires() {
    let a =
        source!("a_trigger_whose_functions_signature_changes_keeps_the_rows_and_fires/before.rs");
    let b =
        source!("a_trigger_whose_functions_signature_changes_keeps_the_rows_and_fires/after.rs");
    let rows = "INSERT INTO lines VALUES (1, 5), (2, 5000);";
    let lines = "SELECT id || ' ' || amount FROM lines ORDER BY id";
    let large = "SELECT id::text FROM large_lines ORDER BY id";
    let (database, sql) = migrated_with_rows(a, rows, b, &[lines, large]).await;
    assert!(
        sql.find("DROP TRIGGER").unwrap_or(usize::MAX) < sql.find("DROP FUNCTION").unwrap_or(0)
            && sql.rfind("CREATE FUNCTION").unwrap_or(usize::MAX)
                < sql.find("CREATE TRIGGER").unwrap_or(0),
        "{sql}"
    );
    // The trigger calls the new function, with its new default.
    sqlx::raw_sql("INSERT INTO lines VALUES (3, 999), (4, 1001);")
        .execute(&database.pool)
        .await
        .expect("insert through the trigger");
    assert_eq!(texts(&database, large).await, ["2", "4"]);
    // generate after the migration finds nothing to do.
    let introspected = database.introspect().await.expect("introspect");
    let leftover = dbkit_core::diff::diff(
        &dbkit_tests::canonical_ignoring_column_order(&schema_from_valid_rust(b)),
        &dbkit_tests::canonical_ignoring_column_order(&introspected),
        &dbkit_tests::diff_options(),
    )
    .expect("no ambiguity");
    assert!(leftover.is_empty(), "{leftover:?}");
    database.drop_now().await.expect("drop the database");
}
