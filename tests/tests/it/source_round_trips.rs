//! Round trips from Rust source for every feature of the schema DSL: schema
//! A and schema B are written the way users write them, read by the parser
//! and resolver of `cargo dbkit`; A is created on a fresh database and
//! migrated to B (from A as stored in a snapshot), and what the database
//! holds must be B and diff against B to nothing.

use dbkit_core::model::{BaseType, Schema};
use dbkit_tests::source::{
    EMPTY, check_round_trip, check_round_trip_both_ways, schema_from_valid_rust,
};
use dbkit_tests::{TestDatabase, migration_between, round_trip, stored_as_snapshot};

// ---------------------------------------------------------------------------
// Enums

#[tokio::test]
async fn enums_created_and_dropped_with_the_columns_that_use_them() {
    let b = r#"
        #[derive(PgEnum)]
        pub enum Mood { Happy, Sad }

        #[derive(PgEnum)]
        #[dbkit(name = "order state", schema = "app")]
        pub enum OrderState {
            #[dbkit(rename = "it's")]
            Its,
            #[dbkit(rename = "in-review")]
            InReview,
            #[dbkit(rename = "a b")]
            AB,
        }

        #[derive(Table)]
        pub struct People {
            #[dbkit(default = "'happy'")]
            pub mood: Mood,
            pub state: Option<OrderState>,
            #[dbkit(default = "'{}'")]
            pub moods: Vec<Mood>,
            pub states: Option<Vec<OrderState>>,
        }
    "#;
    check_round_trip_both_ways(EMPTY, b).await;
}

#[tokio::test]
async fn enum_values_added_first_in_the_middle_and_last_and_used_at_once() {
    let a = r#"
        #[derive(PgEnum)]
        pub enum Mood { Happy, Sad }

        #[derive(PgEnum)]
        #[dbkit(schema = "app")]
        pub enum Level { Low, High }

        #[derive(Table)]
        pub struct People {
            #[dbkit(default = "'happy'")]
            pub mood: Mood,
            pub level: Level,
        }
    "#;
    let b = r#"
        #[derive(PgEnum)]
        pub enum Mood { Calm, Happy, Meh, Sad, Angry }

        #[derive(PgEnum)]
        #[dbkit(schema = "app")]
        pub enum Level { Low, Medium, High }

        #[derive(Table)]
        pub struct People {
            #[dbkit(default = "'angry'")]
            pub mood: Mood,
            #[dbkit(default = "'medium'")]
            pub level: Level,
        }
    "#;
    // Back from B to A removes labels, which recreates the types.
    check_round_trip_both_ways(a, b).await;
}

#[tokio::test]
async fn enum_values_removed_or_reordered_recreate_the_type_keeping_columns_defaults_and_comment() {
    let a = r#"
        /// Where a post is.
        #[derive(PgEnum)]
        pub enum Status {
            Draft,
            #[dbkit(rename = "in-review")]
            InReview,
            Published,
        }

        #[derive(PgEnum)]
        #[dbkit(schema = "app")]
        pub enum Priority { Low, High }

        #[derive(Table)]
        pub struct Posts {
            #[dbkit(default = "'draft'")]
            pub status: Status,
            pub history: Option<Vec<Status>>,
            #[dbkit(default = "'low'")]
            pub priority: Priority,
        }
    "#;
    let b = r#"
        /// Where a post is.
        #[derive(PgEnum)]
        pub enum Status { Draft, Published }

        #[derive(PgEnum)]
        #[dbkit(schema = "app")]
        pub enum Priority { High, Low }

        #[derive(Table)]
        pub struct Posts {
            #[dbkit(default = "'draft'")]
            pub status: Status,
            pub history: Option<Vec<Status>>,
            #[dbkit(default = "'low'")]
            pub priority: Priority,
        }
    "#;
    check_round_trip(a, b).await;
}

#[tokio::test]
async fn enum_labels_renamed_with_rename_recreate_the_type() {
    let a = r#"
        #[derive(PgEnum)]
        #[dbkit(name = "post_status", schema = "blog")]
        pub enum PostStatus {
            Draft,
            #[dbkit(rename = "in-review")]
            InReview,
        }

        #[derive(Table)]
        #[dbkit(schema = "blog")]
        pub struct Post {
            pub status: PostStatus,
        }
    "#;
    let b = r#"
        #[derive(PgEnum)]
        #[dbkit(name = "post_status", schema = "blog")]
        pub enum PostStatus {
            #[dbkit(rename = "DRAFT")]
            Draft,
            #[dbkit(rename = "reviewing")]
            InReview,
        }

        #[derive(Table)]
        #[dbkit(schema = "blog")]
        pub struct Post {
            pub status: PostStatus,
        }
    "#;
    check_round_trip_both_ways(a, b).await;
}

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
    let a = r#"
        #[derive(PgEnum)]
        #[dbkit(name = "user_role")]
        pub enum Role { Staff, Admin }

        #[derive(PgEnum)]
        #[dbkit(schema = "app")]
        pub enum Mood { Happy, Sad }

        #[derive(Table)]
        pub struct Users {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(default = "'staff'")]
            pub role: Role,
            pub roles: Vec<Role>,
            pub mood: Option<Mood>,
        }
    "#;
    let b = r#"
        #[derive(PgEnum)]
        #[dbkit(name = "role", renamed_from = "user_role")]
        pub enum Role { Staff, Admin }

        #[derive(PgEnum)]
        #[dbkit(schema = "public", renamed_from = "app.mood")]
        pub enum Mood { Happy, Sad }

        #[derive(Table)]
        pub struct Users {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(default = "'staff'")]
            pub role: Role,
            pub roles: Vec<Role>,
            pub mood: Option<Mood>,
        }
    "#;
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
    let a = r#"
        #[derive(PgEnum)]
        pub enum Color { Red, Green }

        #[derive(PgEnum)]
        pub enum Shade { Light, Dark }

        #[derive(Table)]
        pub struct Paint {
            #[dbkit(primary_key)]
            pub id: i64,
            pub color: Color,
            pub shade: Shade,
        }
    "#;
    let b = r#"
        #[derive(PgEnum)]
        #[dbkit(name = "shade", renamed_from = "color")]
        pub enum Color { Red, Green }

        #[derive(PgEnum)]
        #[dbkit(name = "color", renamed_from = "shade")]
        pub enum Shade { Light, Dark }

        #[derive(Table)]
        pub struct Paint {
            #[dbkit(primary_key)]
            pub id: i64,
            pub color: Color,
            pub shade: Shade,
        }
    "#;
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
    let a = r#"
        #[derive(Table)]
        pub struct Users {
            #[dbkit(primary_key)]
            pub id: i64,
            pub email: String,
            pub email_v2: Option<String>,
        }

        #[derive(Table)]
        pub struct UsersV2 {
            #[dbkit(primary_key)]
            pub id: i64,
            pub first: String,
            pub last: String,
        }
    "#;
    // users → users_old while users_v2 → users; in users_old, email →
    // email_old while email_v2 → email; in users, first and last swap.
    let b = r#"
        #[derive(Table)]
        #[dbkit(renamed_from = "users")]
        pub struct UsersOld {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(renamed_from = "email")]
            pub email_old: String,
            #[dbkit(renamed_from = "email_v2")]
            pub email: Option<String>,
        }

        #[derive(Table)]
        #[dbkit(table = "users", renamed_from = "users_v2")]
        pub struct Users {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(renamed_from = "last")]
            pub first: String,
            #[dbkit(renamed_from = "first")]
            pub last: String,
        }
    "#;
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
// Tables

#[tokio::test]
async fn tables_created_and_dropped_in_several_schemas_with_names_that_need_quotes() {
    let b = r#"
        #[derive(PgEnum)]
        #[dbkit(name = "Priority", schema = "Order")]
        pub enum Priority { Low, High }

        /// It's quoted.
        #[derive(Table)]
        #[dbkit(table = "user name", schema = "Order")]
        #[dbkit(index(columns(select, Order)))]
        #[dbkit(check(name = "user name_select_check", expr = "\"select\" <> ''"))]
        pub struct UserName {
            #[dbkit(primary_key, identity = "always")]
            pub id: i64,
            #[dbkit(column = "select")]
            pub select_: Option<String>,
            #[dbkit(column = "Order", default = "'low'")]
            pub order: Priority,
            pub r#type: String,
            #[dbkit(column = "e-mail", unique)]
            pub email: String,
        }

        #[derive(Table)]
        #[dbkit(schema = "app")]
        pub struct Events {
            #[dbkit(default = "CURRENT_TIMESTAMP")]
            pub at: chrono::DateTime<chrono::Utc>,
        }

        #[derive(Table)]
        pub struct HTTPRequest {
            pub n: i32,
            #[dbkit(references = "user.id")]
            pub user_id: Option<i64>,
        }

        #[derive(Table)]
        #[dbkit(table = "user")]
        pub struct User {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(column = "Group", index)]
            pub group: i32,
        }
    "#;
    check_round_trip_both_ways(EMPTY, b).await;
}

#[tokio::test]
async fn tables_renamed_with_renamed_from_and_moved_to_another_schema() {
    let a = r#"
        #[derive(Table)]
        #[dbkit(table = "users")]
        pub struct User {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(unique, index)]
            pub email: String,
        }

        #[derive(Table)]
        pub struct Notes {
            pub body: String,
        }

        #[derive(Table)]
        #[dbkit(schema = "app")]
        pub struct Settings {
            pub key: String,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        #[dbkit(table = "accounts", renamed_from = "users")]
        pub struct Account {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(unique, index)]
            pub email: String,
        }

        #[derive(Table)]
        #[dbkit(schema = "app", renamed_from = "public.notes")]
        pub struct Notes {
            pub body: String,
        }

        #[derive(Table)]
        #[dbkit(table = "preferences", renamed_from = "app.settings")]
        pub struct Preferences {
            pub key: String,
        }
    "#;
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
    let a = r#"
        #[derive(Table)]
        #[dbkit(table = "users")]
        pub struct User {
            #[dbkit(primary_key)]
            pub id: i64,
            pub full_name: String,
            pub email: String,
        }

        #[derive(Table)]
        pub struct Notes {
            pub body: String,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        #[dbkit(table = "people", renamed_from = "users")]
        pub struct Person {
            #[dbkit(primary_key)]
            pub id: i64,
            #[dbkit(column = "display name", renamed_from = "full_name")]
            pub display: String,
            #[dbkit(renamed_from = "email")]
            pub login: String,
        }

        #[derive(Table)]
        #[dbkit(schema = "archive", renamed_from = "public.notes")]
        pub struct Notes {
            pub body: String,
        }
    "#;
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
async fn columns_added_dropped_retyped_and_their_nullability_and_defaults_changed() {
    let a = r#"
        #[derive(Table)]
        pub struct Items {
            pub id: i32,
            #[dbkit(default = "0")]
            pub count: i32,
            #[dbkit(sql_type = "varchar(40)")]
            pub code: Option<String>,
            #[dbkit(sql_type = "numeric(10,2)", default = "'1.50'")]
            pub price: rust_decimal::Decimal,
            pub note: Option<String>,
            #[dbkit(default = "now()")]
            pub created_at: chrono::DateTime<chrono::Utc>,
            #[dbkit(default = "true")]
            pub gone: bool,
            #[dbkit(sql_type = "character varying(10)")]
            pub label: String,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        pub struct Items {
            pub id: i64,
            #[dbkit(default = "-1")]
            pub count: i64,
            pub code: String,
            pub price: Option<rust_decimal::Decimal>,
            #[dbkit(sql_type = "varchar(200)", default = "'it''s'")]
            pub note: Option<String>,
            pub created_at: Option<chrono::DateTime<chrono::Utc>>,
            #[dbkit(default = "'{}'")]
            pub tags: Vec<String>,
            #[dbkit(default = "'{}'::jsonb")]
            pub data: serde_json::Value,
            pub flag: Option<bool>,
            #[dbkit(sql_type = "varchar(80)", default = "'none'")]
            pub label: String,
        }
    "#;
    check_round_trip_both_ways(a, b).await;
}

#[tokio::test]
async fn columns_renamed_with_renamed_from_and_with_column() {
    let a = r#"
        #[derive(Table)]
        pub struct Users {
            pub id: i64,
            pub full_name: String,
            pub email: String,
            pub nick: Option<String>,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        pub struct Users {
            pub id: i64,
            #[dbkit(renamed_from = "full_name")]
            pub name: String,
            #[dbkit(column = "e-mail", renamed_from = "email")]
            pub email: String,
            #[dbkit(column = "nickname", renamed_from = "nick")]
            pub nick: Option<String>,
        }
    "#;
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
    let a = r#"
        #[derive(Table)]
        #[dbkit(table = "users")]
        pub struct User {
            pub full_name: String,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        #[dbkit(table = "users")]
        pub struct Person {
            #[dbkit(column = "full_name")]
            pub display: String,
        }
    "#;
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

#[tokio::test]
async fn identity_columns_of_both_kinds_added_switched_and_removed() {
    let a = r#"
        #[derive(Table)]
        pub struct Accounts {
            #[dbkit(primary_key, identity)]
            pub id: i64,
            pub n: i32,
        }

        #[derive(Table)]
        pub struct Payments {
            pub id: i32,
            #[dbkit(identity = "always")]
            pub seq: i16,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        pub struct Accounts {
            #[dbkit(primary_key, identity = "always")]
            pub id: i64,
            #[dbkit(identity)]
            pub n: i32,
        }

        #[derive(Table)]
        pub struct Payments {
            #[dbkit(identity)]
            pub id: i32,
            pub seq: i16,
        }
    "#;
    check_round_trip_both_ways(a, b).await;
}

#[tokio::test]
async fn serial_columns_of_every_width_created_and_added() {
    let a = r#"
        #[derive(Table)]
        pub struct Counters {
            #[dbkit(primary_key)]
            pub id: i32,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        pub struct Counters {
            #[dbkit(primary_key)]
            pub id: i32,
            #[dbkit(serial)]
            pub n: i32,
            #[dbkit(serial)]
            pub big: i64,
            #[dbkit(serial)]
            pub small: i16,
        }

        #[derive(Table)]
        pub struct Tickets {
            #[dbkit(primary_key, serial)]
            pub id: i64,
        }
    "#;
    check_round_trip_both_ways(EMPTY, b).await;
    check_round_trip_both_ways(a, b).await;
}

#[tokio::test]
async fn generated_columns_added_changed_and_dropped() {
    let a = r#"
        #[derive(Table)]
        pub struct Users {
            pub email: String,
            pub age: i32,
            #[dbkit(generated = "lower(email)")]
            pub email_lower: String,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        pub struct Users {
            pub email: String,
            pub age: i32,
            #[dbkit(generated = "upper(\"email\")")]
            pub email_lower: String,
            #[dbkit(generated = "age + 1")]
            pub next_age: Option<i32>,
        }
    "#;
    let plain = r#"
        #[derive(Table)]
        pub struct Users {
            pub email: String,
            pub age: i32,
            pub email_lower: String,
        }
    "#;
    check_round_trip_both_ways(a, b).await;
    check_round_trip_both_ways(a, plain).await;
}

// ---------------------------------------------------------------------------
// Keys and constraints

#[tokio::test]
async fn primary_keys_single_and_composite_added_changed_and_dropped() {
    let a = r#"
        #[derive(Table)]
        pub struct Orders {
            #[dbkit(primary_key)]
            pub id: i64,
            pub region: String,
        }

        #[derive(Table)]
        pub struct LineItems {
            pub order_id: i64,
            pub position: i32,
        }

        #[derive(Table)]
        pub struct Tags {
            #[dbkit(primary_key)]
            pub label: String,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        #[dbkit(primary_key(columns(region, id)))]
        pub struct Orders {
            pub id: i64,
            pub region: String,
        }

        #[derive(Table)]
        #[dbkit(primary_key(columns(order_id, position)))]
        pub struct LineItems {
            pub order_id: i64,
            pub position: i32,
        }

        #[derive(Table)]
        pub struct Tags {
            pub label: String,
        }
    "#;
    check_round_trip_both_ways(a, b).await;
}

#[tokio::test]
async fn foreign_keys_with_every_action_composite_named_and_across_schemas() {
    let referenced = r#"
        #[derive(Table)]
        #[dbkit(table = "users")]
        #[dbkit(unique(columns(org, id)))]
        pub struct User {
            #[dbkit(primary_key)]
            pub id: i64,
            pub org: i32,
        }

        #[derive(Table)]
        #[dbkit(schema = "app")]
        #[dbkit(unique(columns(id, region)))]
        pub struct Orgs {
            #[dbkit(primary_key)]
            pub id: i32,
            pub region: String,
        }
    "#;
    let a = format!(
        r#"{referenced}
        #[derive(Table)]
        pub struct Posts {{
            pub author: Option<i64>,
            pub editor: Option<i64>,
            pub reviewer: Option<i64>,
            pub owner: Option<i64>,
            pub publisher: Option<i64>,
            pub org: Option<i32>,
            pub region: Option<String>,
        }}
    "#
    );
    let b = format!(
        r#"{referenced}
        #[derive(Table)]
        #[dbkit(foreign_key(columns(org, author), references = "users(org, id)", on_delete = "restrict", on_update = "set null"))]
        #[dbkit(foreign_key(columns(org, region), references = "app.orgs(id, region)", name = "posts_org_region_in_app_fkey"))]
        pub struct Posts {{
            #[dbkit(references = "users.id", on_delete = "cascade", on_update = "no action")]
            pub author: Option<i64>,
            #[dbkit(references = "users.id", on_delete = "set default", on_update = "cascade", default = "0")]
            pub editor: Option<i64>,
            #[dbkit(references = "public.users.id", on_delete = "set null", on_update = "restrict")]
            pub reviewer: Option<i64>,
            #[dbkit(references = "users.id", on_delete = "restrict", on_update = "set default", default = "1")]
            pub owner: Option<i64>,
            #[dbkit(references = "users.id", on_delete = "no action", on_update = "set null")]
            pub publisher: Option<i64>,
            #[dbkit(references = "app.orgs.id")]
            pub org: Option<i32>,
            pub region: Option<String>,
        }}

        #[derive(Table)]
        #[dbkit(schema = "app")]
        pub struct Memberships {{
            #[dbkit(references = "users.id", on_delete = "cascade")]
            pub user_id: i64,
            #[dbkit(references = "orgs.id", on_delete = "cascade")]
            pub org_id: i32,
        }}
    "#
    );
    check_round_trip_both_ways(&a, &b).await;
}

#[tokio::test]
async fn unique_and_check_constraints_on_fields_and_structs_named_added_changed_and_dropped() {
    let a = r#"
        #[derive(Table)]
        #[dbkit(check(name = "users_age_check", expr = "age >= 0"))]
        pub struct Users {
            #[dbkit(unique)]
            pub email: String,
            pub org: i32,
            pub age: i32,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        #[dbkit(unique(columns(org, email)))]
        #[dbkit(unique(columns(age, org), name = "users_age_and_org_are_unique"))]
        #[dbkit(check(name = "users_age_check", expr = "age >= 0 AND age < 200"))]
        #[dbkit(check(name = "users_email_check", expr = "email LIKE '%@%' OR email IN ('root', 'admin')"))]
        #[dbkit(check(name = "users_org_check", expr = "org BETWEEN 1 AND 1000 AND NOT org = 13"))]
        pub struct Users {
            pub email: String,
            #[dbkit(unique)]
            pub org: i32,
            pub age: i32,
        }
    "#;
    check_round_trip_both_ways(a, b).await;
}

#[tokio::test]
async fn indexes_on_fields_columns_and_expressions_unique_partial_and_by_method() {
    let a = r#"
        #[derive(Table)]
        pub struct Users {
            pub email: String,
            #[dbkit(index)]
            pub org: i32,
            pub data: Option<serde_json::Value>,
            pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
        }
    "#;
    let b = r#"
        #[derive(Table)]
        #[dbkit(index(name = "users_org_idx", columns(org, email), where = "deleted_at IS NULL"))]
        #[dbkit(index(columns(deleted_at, org)))]
        #[dbkit(index(name = "users_lower_email_idx", expr = "lower(email)", unique))]
        #[dbkit(index(name = "users_org_plus_idx", expr = "(org + 1), lower(email)"))]
        #[dbkit(index(name = "users_email_hash_idx", columns(email), method = "hash"))]
        #[dbkit(index(columns(data), method = "gin"))]
        #[dbkit(index(name = "users_org_active_idx", columns(org), unique, where = "deleted_at IS NULL AND org > 0"))]
        pub struct Users {
            #[dbkit(index)]
            pub email: String,
            pub org: i32,
            pub data: Option<serde_json::Value>,
            pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
        }
    "#;
    check_round_trip_both_ways(a, b).await;
}

// ---------------------------------------------------------------------------
// Comments

#[tokio::test]
async fn doc_comments_on_tables_columns_and_enums_added_changed_and_removed() {
    let none = r#"
        #[derive(PgEnum)]
        pub enum Mood { Ok }

        #[derive(Table)]
        pub struct Users {
            pub email: String,
            pub mood: Mood,
        }
    "#;
    let some = r#"
        /// Ünïcode ✓
        #[derive(PgEnum)]
        pub enum Mood { Ok }

        /// People who can sign in.
        #[derive(Table)]
        pub struct Users {
            /// Login address; it's unique.
            pub email: String,
            pub mood: Mood,
        }
    "#;
    let changed = r#"
        /// How someone feels.
        #[derive(PgEnum)]
        pub enum Mood { Ok }

        /// People who can sign in
        /// with an e-mail address.
        #[derive(Table)]
        pub struct Users {
            pub email: String,
            /// Today's mood.
            pub mood: Mood,
        }
    "#;
    check_round_trip(none, some).await;
    check_round_trip(some, changed).await;
    check_round_trip(changed, none).await;
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
        BaseType::Enum(name) if name.schema == "public" => name.name.clone(),
        BaseType::Enum(name) => name.to_string(),
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
// The documented example

const DOCUMENTED_BEFORE: &str = r#"
use dbkit_runtime::{PgEnum, Table};

#[derive(PgEnum)]
pub enum Role {
    Member,
    Admin,
}

#[derive(Table)]
#[dbkit(table = "orgs")]
pub struct Org {
    #[dbkit(primary_key, serial)]
    pub id: i32,
    pub name: String,
}

/// People who can sign in.
#[derive(Table)]
#[dbkit(table = "users")]
pub struct User {
    #[dbkit(primary_key, identity)]
    pub id: i64,
    #[dbkit(references = "orgs.id", on_delete = "cascade")]
    pub org_id: i32,
    pub email: String,
    pub full_name: String,
}
"#;

const DOCUMENTED_AFTER: &str = r#"
use dbkit_runtime::{PgEnum, Table};

#[derive(PgEnum)]
#[dbkit(name = "role")]
pub enum Role {
    Guest,
    Member,
    #[dbkit(rename = "in-review")]
    InReview,
    Admin,
}

#[derive(Table)]
#[dbkit(table = "orgs")]
pub struct Org {
    #[dbkit(primary_key, serial)]
    pub id: i32,
    pub name: String,
}

/// People who can sign in.
#[derive(Table)]
#[dbkit(table = "users")]
#[dbkit(unique(columns(org_id, email)))]
#[dbkit(index(columns(created_at)))]
#[dbkit(index(name = "users_lower_email_idx", expr = "lower(email)", unique))]
#[dbkit(index(columns(org_id), where = "deleted_at IS NULL", method = "btree"))]
#[dbkit(check(name = "users_age_check", expr = "age >= 0"))]
pub struct User {
    #[dbkit(primary_key, identity = "always")]
    pub id: i64,
    #[dbkit(references = "orgs.id", on_delete = "cascade")]
    pub org_id: i32,
    /// Login address.
    pub email: String,
    pub name: Option<String>,
    #[dbkit(default = "0")]
    pub age: i32,
    #[dbkit(sql_type = "varchar(320)", unique)]
    pub handle: Option<String>,
    #[dbkit(default = "now()")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    #[dbkit(default = "'member'")]
    pub role: Role,
    #[dbkit(column = "display_name", renamed_from = "full_name")]
    pub display: String,
    #[dbkit(generated = "lower(email)")]
    pub email_lower: String,
    #[dbkit(skip)]
    pub cached: Vec<String>,
}
"#;

#[tokio::test]
async fn the_documented_user_schema_round_trips() {
    check_round_trip(DOCUMENTED_BEFORE, DOCUMENTED_AFTER).await;
}

#[tokio::test]
async fn a_migration_outside_a_transaction_keeps_comments_of_several_paragraphs() {
    let a = r#"
        #[derive(PgEnum)]
        pub enum Mood { Happy }

        #[derive(Table)]
        pub struct People {
            pub mood: Mood,
        }
    "#;
    // The new label is used by a default in the same migration, so the
    // migration runs statement by statement.
    let b = r#"
        /// How someone feels.
        ///
        /// A second paragraph.
        #[derive(PgEnum)]
        pub enum Mood { Happy, Sad }

        /// People.
        ///
        ///
        /// More about people.
        #[derive(Table)]
        pub struct People {
            /// A mood.
            ///
            /// Sad by default.
            #[dbkit(default = "'sad'")]
            pub mood: Mood,
        }
    "#;
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
