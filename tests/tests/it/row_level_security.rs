//! Row-level security on a real server beyond the fixture round trips: a
//! policy over a column that is renamed keeps the rows and its meaning, and
//! a test database creates the roles its migrations' policies name.

use dbkit_core::diff::diff;
use dbkit_runtime::Migrations;
use dbkit_runtime::migrate::Migration;
use dbkit_runtime::testing::TestDb;
use dbkit_tests::source::schema_from_valid_rust;
use dbkit_tests::{
    TestDatabase, canonical_ignoring_column_order, diff_options, differences, migration_between,
    stored_as_snapshot,
};
use std::sync::LazyLock;

/// The source `path` of `tests/fixtures/round_trips/checked/`.
macro_rules! source {
    ($path:literal) => {
        include_str!(concat!("../../fixtures/round_trips/checked/", $path))
    };
}

/// The titles the role `dbkit_rls_app_user` sees as user `user_id`, in one
/// transaction that takes the role and is rolled back.
async fn titles_seen_by(database: &TestDatabase, user_id: i64) -> Vec<String> {
    let mut transaction = database.pool.begin().await.expect("begin");
    for statement in [
        "SET LOCAL ROLE dbkit_rls_app_user".to_string(),
        format!("SET LOCAL app.user_id = '{user_id}'"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut *transaction)
            .await
            .expect("take the role");
    }
    let titles = sqlx::query_scalar("SELECT title FROM documents ORDER BY id")
        .fetch_all(&mut *transaction)
        .await
        .expect("read as the role");
    transaction.rollback().await.expect("rollback");
    titles
}

#[tokio::test]
async fn a_policy_on_a_renamed_column_keeps_its_rows_and_its_meaning() {
    let first = schema_from_valid_rust(source!(
        "a_policy_on_a_renamed_column_keeps_its_rows_and_its_meaning/before.rs"
    ));
    let second = schema_from_valid_rust(source!(
        "a_policy_on_a_renamed_column_keeps_its_rows_and_its_meaning/after.rs"
    ));
    let database = TestDatabase::create("rls_renamed_column")
        .await
        .expect("database");
    let create = migration_between(&Default::default(), &first).expect("first migration");
    database
        .apply(&create)
        .await
        .expect("apply the first migration");
    sqlx::raw_sql(
        "INSERT INTO documents VALUES (1, 1, 'mine'), (2, 2, 'theirs');
         GRANT SELECT ON documents TO dbkit_rls_app_user;",
    )
    .execute(&database.pool)
    .await
    .expect("rows and a grant");
    assert_eq!(titles_seen_by(&database, 1).await, ["mine"]);

    let migration = migration_between(&stored_as_snapshot(&first).expect("snapshot"), &second)
        .expect("second migration");
    assert!(
        migration
            .sql
            .contains("RENAME COLUMN \"owner_id\" TO \"author_id\"")
            && !migration.sql.contains("DROP COLUMN"),
        "the column is renamed, not dropped:\n{}",
        migration.sql
    );
    database
        .apply(&migration)
        .await
        .unwrap_or_else(|error| panic!("{error}\n{}", migration.sql));

    let rows: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT id, author_id, title FROM documents ORDER BY id")
            .fetch_all(&database.pool)
            .await
            .expect("rows");
    assert_eq!(
        rows,
        [(1, 1, "mine".to_string()), (2, 2, "theirs".to_string())]
    );
    assert_eq!(titles_seen_by(&database, 2).await, ["theirs"]);

    let introspected = database.introspect().await.expect("introspect");
    let found = differences(&second, &introspected, false);
    assert!(
        found.is_empty(),
        "{}{}",
        dbkit_core::compare::format_differences(&found),
        migration.sql
    );
    // What generate would write next against this database: nothing.
    let leftover = diff(
        &canonical_ignoring_column_order(&second),
        &canonical_ignoring_column_order(&introspected),
        &diff_options(),
    )
    .expect("no ambiguity");
    assert!(leftover.is_empty(), "{leftover:#?}");
    database.drop_now().await.expect("drop the database");
}

/// Migrations whose policy names a role of this process's own.
static MIGRATIONS_WITH_A_ROLE: LazyLock<(String, Migrations)> = LazyLock::new(|| {
    let role = format!("dbkit_test_db_role_{}", std::process::id());
    let sql = format!(
        "CREATE TABLE notes (id bigint PRIMARY KEY);\n\
         ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n\
         CREATE POLICY readers ON notes FOR SELECT TO \"{role}\" USING (true);\n"
    );
    let migration = Migration::from_file("V1__notes.sql", sql)
        .expect("a migration file name")
        .expect("a migration");
    let migrations = Migrations::from_migrations(vec![migration]).expect("migrations");
    (role, migrations)
});

#[tokio::test]
async fn a_test_database_creates_the_roles_its_migrations_policies_name() {
    let (role, migrations) = &*MIGRATIONS_WITH_A_ROLE;
    let database = TestDb::builder(migrations)
        .test_name("rls_test_db_roles")
        .build()
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let (roles, can_log_in): (i64, bool) =
        sqlx::query_as("SELECT count(*), bool_or(rolcanlogin) FROM pg_roles WHERE rolname = $1")
            .bind(role)
            .fetch_one(database.pool())
            .await
            .expect("roles");
    assert_eq!((roles, can_log_in), (1, false));
    let policies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_policies WHERE policyname = 'readers' AND $1 = ANY (roles)",
    )
    .bind(role)
    .fetch_one(database.pool())
    .await
    .expect("policies");
    assert_eq!(policies, 1);
}
