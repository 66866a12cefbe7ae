//! Partitions added, dropped, given new bounds and moved on tables that
//! hold rows: the rows of the partitions that stay stay, and a new bound
//! that rows do not fit fails the migration with nothing changed.

use dbkit_core::model::Schema;
use dbkit_tests::source::schema_from_valid_rust;
use dbkit_tests::{TestDatabase, differences, migration_between, stored_as_snapshot};

/// The sources of the one-way fixture case these tests add rows to.
macro_rules! case {
    ($file:literal) => {
        include_str!(concat!(
            "../../fixtures/round_trips/one_way/partitions_added_dropped_given_new_bounds_and_moved_to_another_parent/",
            $file
        ))
    };
}

/// A database holding `before`'s schema and `rows`.
async fn database_with_rows(before: &Schema, rows: &str) -> TestDatabase {
    let database = TestDatabase::create("partitions").await.expect("database");
    let create = migration_between(&Schema::default(), before).expect("first migration");
    database
        .apply(&create)
        .await
        .expect("apply the first migration");
    sqlx::raw_sql(sqlx::AssertSqlSafe(rows.to_string()))
        .execute(&database.pool)
        .await
        .expect("insert rows");
    database
}

async fn texts(database: &TestDatabase, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&database.pool)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

const ROWS: &str = "INSERT INTO measurements (id, value) VALUES (5, 0.5), (150, 1.5), (250, 2.5);";

/// Every row is where its table's bound puts it.
const PLACES: &str = "SELECT tableoid::regclass::text || ' ' || id FROM measurements \
                      UNION ALL SELECT tableoid::regclass::text || ' ' || id FROM archive ORDER BY 1";

#[tokio::test]
async fn rows_of_partitions_that_stay_are_kept_and_follow_a_partition_to_its_new_parent() {
    let before = schema_from_valid_rust(case!("before.rs"));
    let after = schema_from_valid_rust(case!("after.rs"));
    let database = database_with_rows(&before, ROWS).await;
    assert_eq!(
        texts(&database, PLACES).await,
        [
            "measurements_high 250",
            "measurements_low 5",
            "measurements_middle 150"
        ]
    );
    let migration =
        migration_between(&stored_as_snapshot(&before).expect("snapshot"), &after).expect("diff");
    let sql = &migration.sql;
    for expected in [
        "DROP TABLE \"public\".\"measurements_middle\";",
        "ALTER TABLE \"public\".\"measurements\" DETACH PARTITION \"public\".\"measurements_low\";",
        "ALTER TABLE \"public\".\"measurements\" ATTACH PARTITION \"public\".\"measurements_low\" FOR VALUES FROM (0) TO (200);",
        "ALTER TABLE \"public\".\"archive\" ATTACH PARTITION \"public\".\"measurements_high\" FOR VALUES FROM (200) TO (300);",
    ] {
        assert!(sql.contains(expected), "{expected}\n{sql}");
    }
    assert!(
        migration
            .warnings
            .iter()
            .any(|warning| warning.contains("measurements_middle")),
        "{:?}",
        migration.warnings
    );
    database
        .apply(&migration)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    // The middle partition's row went with it; the others are where the
    // new bounds and parents put them.
    assert_eq!(
        texts(&database, PLACES).await,
        ["measurements_high 250", "measurements_low 5"]
    );
    let introspected = database.introspect().await.expect("introspect");
    let found = differences(&after, &introspected, false);
    assert!(
        found.is_empty(),
        "{}{sql}",
        dbkit_core::compare::format_differences(&found)
    );
    // Rows inserted now go to the new partitions.
    sqlx::raw_sql(
        "INSERT INTO measurements (id, value) VALUES (150, 1.5), (350, 3.5), (1000, 10);",
    )
    .execute(&database.pool)
    .await
    .expect("insert into the new partitions");
    assert_eq!(
        texts(&database, PLACES).await,
        [
            "measurements_high 250",
            "measurements_low 150",
            "measurements_low 5",
            "measurements_next 350",
            "measurements_other 1000",
        ]
    );
    database.drop_now().await.expect("drop the database");
}

#[tokio::test]
async fn a_new_bound_that_rows_do_not_fit_fails_the_migration_and_changes_nothing() {
    let before = schema_from_valid_rust(case!("before.rs"));
    let narrower = case!("before.rs").replace(
        "FOR VALUES FROM (0) TO (100)",
        "FOR VALUES FROM (10) TO (100)",
    );
    let after = schema_from_valid_rust(&narrower);
    let database = database_with_rows(&before, ROWS).await;
    let migration =
        migration_between(&stored_as_snapshot(&before).expect("snapshot"), &after).expect("diff");
    assert!(migration.warnings.is_empty(), "{:?}", migration.warnings);
    let mut connection = database.pool.acquire().await.expect("a connection");
    let outcome = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "BEGIN;\n{}\nCOMMIT;",
        migration.sql
    )))
    .execute(&mut *connection)
    .await;
    let error = outcome
        .expect_err("the row 5 does not fit FROM (10)")
        .to_string();
    assert!(error.contains("partition constraint"), "{error}");
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut *connection)
        .await
        .expect("rollback");
    drop(connection);
    assert_eq!(
        texts(&database, PLACES).await,
        [
            "measurements_high 250",
            "measurements_low 5",
            "measurements_middle 150"
        ]
    );
    let introspected = database.introspect().await.expect("introspect");
    assert!(differences(&before, &introspected, false).is_empty());
    database.drop_now().await.expect("drop the database");
}
