//! Hand-written round trips for every feature of the schema DSL: schema A is
//! created on a fresh database, migrated to schema B, and the introspected
//! database must equal B (and diff against B to nothing).

use dbkit_core::model::ForeignKeyAction::{Cascade, NoAction, Restrict, SetDefault, SetNull};
use dbkit_core::model::Identity::{Always, ByDefault};
use dbkit_core::model::Schema;
use dbkit_tests::builders::*;
use dbkit_tests::round_trip;

/// Runs the round trip A → B, then B → A back again, and drops the
/// databases.
async fn check(first: Schema, second: Schema) {
    for (from, to) in [(&first, &second), (&second, &first)] {
        match round_trip(from, to).await {
            Ok(trip) => trip.database.drop_now().await.expect("drop database"),
            Err(report) => panic!("{report}"),
        }
    }
}

/// Runs the round trip A → B only (B → A needs hints of its own or is not
/// applicable).
async fn check_one_way(first: Schema, second: Schema) {
    match round_trip(&first, &second).await {
        Ok(trip) => trip.database.drop_now().await.expect("drop database"),
        Err(report) => panic!("{report}"),
    }
}

fn empty() -> Schema {
    Schema::default()
}

#[tokio::test]
async fn enums_created_with_the_columns_that_use_them_and_dropped() {
    let b = schema(
        vec![enum_of("mood", &["happy", "sad"]), enum_of("app.order state", &["it's", "in-review", "a b"])],
        vec![table(
            "people",
            vec![
                column("mood", enum_type("mood")).default("'happy'"),
                column("state", enum_type("app.order state")).nullable(),
                column("moods", array_of(enum_type("mood"))).default("'{}'"),
            ],
        )],
    );
    check(empty(), b).await;
}

#[tokio::test]
async fn enum_values_added_first_in_the_middle_and_last_and_used_at_once() {
    let a = schema(
        vec![enum_of("mood", &["happy", "sad"])],
        vec![table("people", vec![column("mood", enum_type("mood")).default("'happy'")])],
    );
    let b = schema(
        vec![enum_of("mood", &["calm", "happy", "meh", "sad", "angry"])],
        vec![table("people", vec![column("mood", enum_type("mood")).default("'angry'")])],
    );
    check(a, b).await;
}

#[tokio::test]
async fn enum_values_removed_recreate_the_type_keeping_columns_defaults_and_comment() {
    let a = schema(
        vec![commented_enum("status", &["draft", "in-review", "published"], "Where a post is.")],
        vec![table(
            "posts",
            vec![
                column("status", enum_type("status")).default("'draft'"),
                column("history", array_of(enum_type("status"))).nullable(),
            ],
        )],
    );
    let b = schema(
        vec![commented_enum("status", &["draft", "published"], "Where a post is.")],
        vec![table(
            "posts",
            vec![
                column("status", enum_type("status")).default("'draft'"),
                column("history", array_of(enum_type("status"))).nullable(),
            ],
        )],
    );
    check_one_way(a, b).await;
}

#[tokio::test]
async fn tables_created_and_dropped_in_several_schemas_with_names_that_need_quotes() {
    let b = schema(
        vec![enum_of("Order.Priority", &["low", "high"])],
        vec![
            table(
                "Order.user name",
                vec![
                    column("id", builtin("bigint")).identity(Always),
                    column("select", builtin("text")).nullable(),
                    column("Order", enum_type("Order.Priority")).default("'low'"),
                ],
            )
            .primary_key(&["id"])
            .comment("It's quoted."),
            table("app.events", vec![column("at", builtin("timestamptz")).default("CURRENT_TIMESTAMP")]),
            table("plain", vec![column("n", builtin("int"))]),
        ],
    );
    check(empty(), b).await;
}

#[tokio::test]
async fn columns_added_dropped_retyped_and_their_nullability_and_defaults_changed() {
    let a = schema(
        vec![],
        vec![table(
            "items",
            vec![
                column("id", builtin("integer")),
                column("count", builtin("integer")).default("0"),
                column("code", builtin("varchar(40)")).nullable(),
                column("price", builtin("numeric(10,2)")).default("'1.50'"),
                column("note", builtin("text")).nullable(),
                column("created_at", builtin("timestamp with time zone")).default("now()"),
                column("gone", builtin("boolean")).default("true"),
            ],
        )],
    );
    let b = schema(
        vec![],
        vec![table(
            "items",
            vec![
                column("id", builtin("bigint")),
                column("count", builtin("bigint")).default("-1"),
                column("code", builtin("text")),
                column("price", builtin("numeric")).nullable(),
                column("note", builtin("varchar(200)")).nullable().default("'it''s'"),
                column("created_at", builtin("timestamp with time zone")).nullable(),
                column("tags", array_of(builtin("text"))).default("'{}'"),
                column("data", builtin("jsonb")).default("'{}'::jsonb"),
                column("flag", builtin("bool")).nullable(),
            ],
        )],
    );
    check(a, b).await;
}

#[tokio::test]
async fn identity_columns_of_both_kinds_added_switched_and_removed() {
    let a = schema(
        vec![],
        vec![
            table("accounts", vec![column("id", builtin("bigint")).identity(ByDefault), column("n", builtin("integer"))])
                .primary_key(&["id"]),
            table("payments", vec![column("id", builtin("integer"))]),
        ],
    );
    let b = schema(
        vec![],
        vec![
            table("accounts", vec![column("id", builtin("bigint")).identity(Always), column("n", builtin("integer")).identity(ByDefault)])
                .primary_key(&["id"]),
            table("payments", vec![column("id", builtin("integer")).identity(ByDefault)]),
        ],
    );
    check(a, b).await;
}

#[tokio::test]
async fn serial_columns_of_every_width() {
    let b = schema(
        vec![],
        vec![table(
            "counters",
            vec![
                column("id", builtin("integer")).serial(),
                column("big", builtin("bigint")).serial(),
                column("small", builtin("smallint")).serial(),
            ],
        )
        .primary_key(&["id"])],
    );
    check(empty(), b).await;
}

#[tokio::test]
async fn generated_columns_added_and_their_expressions_changed() {
    let a = schema(
        vec![],
        vec![table(
            "users",
            vec![
                column("email", builtin("text")),
                column("age", builtin("integer")),
                column("email_lower", builtin("text")).generated("lower(email)"),
            ],
        )],
    );
    let b = schema(
        vec![],
        vec![table(
            "users",
            vec![
                column("email", builtin("text")),
                column("age", builtin("integer")),
                column("email_lower", builtin("text")).generated("upper(\"email\")"),
                column("next_age", builtin("integer")).nullable().generated("age + 1"),
            ],
        )],
    );
    check(a, b).await;
}

#[tokio::test]
async fn primary_keys_single_and_composite_added_changed_and_dropped() {
    let a = schema(
        vec![],
        vec![
            table("orders", vec![column("id", builtin("bigint")), column("region", builtin("text"))]).primary_key(&["id"]),
            table("line_items", vec![column("order_id", builtin("bigint")), column("position", builtin("integer"))]),
            table("tags", vec![column("label", builtin("text"))]).primary_key(&["label"]),
        ],
    );
    let b = schema(
        vec![],
        vec![
            table("orders", vec![column("id", builtin("bigint")), column("region", builtin("text"))])
                .primary_key(&["region", "id"]),
            table("line_items", vec![column("order_id", builtin("bigint")), column("position", builtin("integer"))])
                .primary_key(&["order_id", "position"]),
            table("tags", vec![column("label", builtin("text"))]),
        ],
    );
    check(a, b).await;
}

#[tokio::test]
async fn foreign_keys_with_every_action_composite_and_across_schemas() {
    let referenced = || {
        vec![
            table("users", vec![column("id", builtin("bigint")), column("org", builtin("integer"))])
                .primary_key(&["id"])
                .unique("users_org_id_key", &["org", "id"]),
            table("app.orgs", vec![column("id", builtin("integer"))]).primary_key(&["id"]),
        ]
    };
    let mut a_tables = referenced();
    a_tables.push(table(
        "posts",
        vec![
            column("author", builtin("bigint")).nullable(),
            column("editor", builtin("bigint")).nullable(),
            column("org", builtin("integer")).nullable(),
        ],
    ));
    let a = schema(vec![], a_tables);
    let mut b_tables = referenced();
    b_tables.push(
        table(
            "posts",
            vec![
                column("author", builtin("bigint")).nullable(),
                column("editor", builtin("bigint")).nullable().default("0"),
                column("org", builtin("integer")).nullable(),
            ],
        )
        .foreign_key("posts_author_fkey", &["author"], "users", &["id"], Cascade, NoAction)
        .foreign_key("posts_editor_fkey", &["editor"], "users", &["id"], SetDefault, Cascade)
        .foreign_key("posts_org_fkey", &["org"], "app.orgs", &["id"], SetNull, Restrict)
        .foreign_key("posts_org_author_fkey", &["org", "author"], "users", &["org", "id"], Restrict, SetNull),
    );
    let b = schema(vec![], b_tables);
    check(a, b).await;
}

#[tokio::test]
async fn unique_and_check_constraints_added_changed_and_dropped() {
    let a = schema(
        vec![],
        vec![table(
            "users",
            vec![column("email", builtin("text")), column("org", builtin("integer")), column("age", builtin("integer"))],
        )
        .unique("users_email_key", &["email"])
        .check("users_age_check", "age >= 0")],
    );
    let b = schema(
        vec![],
        vec![table(
            "users",
            vec![column("email", builtin("text")), column("org", builtin("integer")), column("age", builtin("integer"))],
        )
        .unique("users_org_email_key", &["org", "email"])
        .check("users_age_check", "age >= 0 AND age < 200")
        .check("users_email_check", "email LIKE '%@%' OR email IN ('root', 'admin')")
        .check("users_org_check", "org BETWEEN 1 AND 1000 AND NOT org = 13")],
    );
    check(a, b).await;
}

#[tokio::test]
async fn indexes_on_columns_and_expressions_unique_partial_and_by_method() {
    let columns = || {
        vec![
            column("email", builtin("text")),
            column("org", builtin("integer")),
            column("data", builtin("jsonb")).nullable(),
            column("deleted_at", builtin("timestamptz")).nullable(),
        ]
    };
    let a = schema(
        vec![],
        vec![table("users", columns()).index(index_on("users_org_idx", &["org"])).index(index_on("users_email_idx", &["email"]))],
    );
    let b = schema(
        vec![],
        vec![table("users", columns())
            .index(index_on("users_org_idx", &["org", "email"]).predicate("deleted_at IS NULL"))
            .index(index_on_expression("users_lower_email_idx", "lower(email)").unique())
            .index(index_on_expression("users_org_plus_idx", "(org + 1), lower(email)"))
            .index(index_on("users_email_hash_idx", &["email"]).method("hash"))
            .index(index_on("users_data_idx", &["data"]).method("gin"))
            .index(index_on("users_org_active_idx", &["org"]).unique().predicate("deleted_at IS NULL AND org > 0"))],
    );
    check(a, b).await;
}

#[tokio::test]
async fn comments_on_enums_tables_and_columns_set_changed_and_removed() {
    let a = schema(
        vec![enum_of("mood", &["ok"])],
        vec![table("users", vec![column("email", builtin("text")), column("mood", enum_type("mood"))])],
    );
    let b = schema(
        vec![commented_enum("mood", &["ok"], "Ünïcode ✓")],
        vec![table(
            "users",
            vec![column("email", builtin("text")).comment("Login address; it's unique."), column("mood", enum_type("mood"))],
        )
        .comment("People who can sign in.")],
    );
    check(a, b).await;
}

#[tokio::test]
async fn tables_renamed_and_moved_by_hint() {
    let a = schema(
        vec![],
        vec![
            table("users", vec![column("id", builtin("bigint")), column("email", builtin("text"))])
                .primary_key(&["id"])
                .unique("users_email_key", &["email"])
                .index(index_on("users_email_idx", &["email"])),
            table("notes", vec![column("body", builtin("text"))]),
        ],
    );
    let b = schema(
        vec![],
        vec![
            table("accounts", vec![column("id", builtin("bigint")), column("email", builtin("text"))])
                .primary_key(&["id"])
                .unique("accounts_email_key", &["email"])
                .index(index_on("accounts_email_idx", &["email"]))
                .renamed_from("users"),
            table("app.notes", vec![column("body", builtin("text"))]).renamed_from("public.notes"),
        ],
    );
    check_one_way(a, b).await;
}

#[tokio::test]
async fn rows_survive_table_and_column_renames() {
    let a = schema(
        vec![],
        vec![table("users", vec![column("id", builtin("bigint")), column("full_name", builtin("text"))]).primary_key(&["id"])],
    );
    let b = schema(
        vec![],
        vec![table(
            "people",
            vec![column("id", builtin("bigint")), column("display name", builtin("text")).renamed_from("full_name")],
        )
        .primary_key(&["id"])
        .renamed_from("users")],
    );
    let database = dbkit_tests::TestDatabase::create("renames").await.expect("database");
    let first = dbkit_tests::migration_between(&Schema::default(), &a).expect("first migration");
    database.apply(&first).await.expect("apply first");
    sqlx::query("INSERT INTO users (id, full_name) VALUES (1, 'Ada'), (2, 'Grace')")
        .execute(&database.pool)
        .await
        .expect("insert rows");
    let second = dbkit_tests::migration_between(&a, &b).expect("second migration");
    assert!(!second.sql.contains("DROP"), "a rename must not drop anything:\n{}", second.sql);
    database.apply(&second).await.expect("apply second");
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, \"display name\" FROM people ORDER BY id")
        .fetch_all(&database.pool)
        .await
        .expect("read rows");
    assert_eq!(rows, vec![(1, "Ada".to_string()), (2, "Grace".to_string())]);
    let introspected = database.introspect().await.expect("introspect");
    let found = dbkit_tests::differences(&b, &introspected, true);
    assert!(found.is_empty(), "{}", dbkit_core::compare::format_differences(&found));
    database.drop_now().await.expect("drop database");
}
