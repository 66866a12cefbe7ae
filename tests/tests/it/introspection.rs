//! The introspector on schemas written by hand in SQL: it reads the same
//! model that the DSL declares, for one table or a thousand. How fast it
//! reads them is measured by `cargo xtask bench-introspect`, not here.

use dbkit_core::model::ForeignKeyAction::{Cascade, NoAction, SetNull};
use dbkit_core::model::Identity::{Always, ByDefault};
use dbkit_core::model::IndexKey;
use dbkit_core::test_support::builders::*;
use dbkit_tests::TestDatabase;

#[tokio::test]
async fn a_schema_written_by_hand_introspects_as_the_declared_model() {
    let database = TestDatabase::create("introspection")
        .await
        .expect("database");
    sqlx::raw_sql(
        r#"
        CREATE SCHEMA app;
        CREATE TYPE app.role AS ENUM ('member', 'admin', 'it''s');
        COMMENT ON TYPE app.role IS 'What someone may do.';
        CREATE TABLE orgs (id serial PRIMARY KEY, name varchar(80) NOT NULL UNIQUE);
        CREATE TABLE app.users (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            org_id integer NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
            email text NOT NULL,
            age int CHECK (age >= 0),
            role app.role NOT NULL DEFAULT 'member',
            roles app.role[] NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            email_lower text GENERATED ALWAYS AS (lower(email)) STORED,
            "Nick Name" varchar(40),
            CONSTRAINT users_org_email_key UNIQUE (org_id, email)
        );
        COMMENT ON TABLE app.users IS 'People who can sign in.';
        COMMENT ON COLUMN app.users.email IS 'Login address.';
        CREATE TABLE app.sessions (
            user_id bigint REFERENCES app.users (id) ON DELETE SET NULL,
            token uuid NOT NULL DEFAULT gen_random_uuid(),
            data jsonb
        );
        CREATE INDEX users_lower_email_idx ON app.users (lower(email));
        CREATE UNIQUE INDEX users_org_live_idx ON app.users (org_id, created_at) WHERE age IS NOT NULL;
        CREATE INDEX sessions_data_idx ON app.sessions USING gin (data);
        CREATE INDEX sessions_token_idx ON app.sessions USING hash (token);
        "#,
    )
    .execute(&database.pool)
    .await
    .expect("create the schema by hand");
    let introspected = database.introspect().await.expect("introspect");
    let expected = schema(
        &["app"],
        vec![commented_enum(
            "app.role",
            &["member", "admin", "it's"],
            "What someone may do.",
        )],
        vec![
            table(
                "orgs",
                vec![
                    column("id", builtin("integer")).serial(),
                    column("name", builtin("varchar(80)")),
                ],
            )
            .primary_key(&["id"])
            .unique("orgs_name_key", &["name"]),
            table(
                "app.users",
                vec![
                    column("id", builtin("bigint")).identity(Always),
                    column("org_id", builtin("integer")),
                    column("email", builtin("text")).comment("Login address."),
                    column("age", builtin("integer")).nullable(),
                    column("role", enum_type("app.role")).default("'member'"),
                    column("roles", array_of(enum_type("app.role"))).default("'{}'"),
                    column("created_at", builtin("timestamp with time zone")).default("now()"),
                    column("email_lower", builtin("text"))
                        .nullable()
                        .generated("lower(email)"),
                    column("Nick Name", builtin("character varying(40)")).nullable(),
                ],
            )
            .primary_key(&["id"])
            .foreign_key(
                "users_org_id_fkey",
                &["org_id"],
                "orgs",
                &["id"],
                Cascade,
                NoAction,
            )
            .unique("users_org_email_key", &["org_id", "email"])
            .check("users_age_check", "age >= 0")
            .index(expression_index("users_lower_email_idx", "lower(email)"))
            .index(
                index("users_org_live_idx", &["org_id", "created_at"])
                    .unique()
                    .predicate("age IS NOT NULL"),
            )
            .comment("People who can sign in."),
            table(
                "app.sessions",
                vec![
                    column("user_id", builtin("bigint")).nullable(),
                    column("token", builtin("uuid")).default("gen_random_uuid()"),
                    column("data", builtin("jsonb")).nullable(),
                ],
            )
            .foreign_key(
                "sessions_user_id_fkey",
                &["user_id"],
                "app.users",
                &["id"],
                SetNull,
                NoAction,
            )
            .index(index("sessions_data_idx", &["data"]).method("gin"))
            .index(index("sessions_token_idx", &["token"]).method("hash")),
        ],
    );
    let found = dbkit_tests::differences(&expected, &introspected, true);
    assert!(
        found.is_empty(),
        "{}",
        dbkit_core::compare::format_differences(&found)
    );
    // The raw introspection keeps PostgreSQL's own spellings.
    let users = introspected
        .tables
        .iter()
        .find(|t| t.name == name("app.users"))
        .expect("app.users");
    assert_eq!(users.checks[0].expr, "(age >= 0)");
    assert_eq!(
        users.columns[4].default.as_deref(),
        Some("'member'::app.role")
    );
    database.drop_now().await.expect("drop database");
}

#[tokio::test]
async fn introspection_is_limited_to_the_schemas_asked_for() {
    let database = TestDatabase::create("introspection_filter")
        .await
        .expect("database");
    sqlx::raw_sql("CREATE SCHEMA app; CREATE TABLE app.a (x int); CREATE TABLE b (y int);")
        .execute(&database.pool)
        .await
        .expect("create tables");
    let only_app = dbkit_introspect::introspect(&database.pool, Some(&["app".to_string()]))
        .await
        .expect("introspect");
    let names: Vec<String> = only_app.tables.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(names, vec!["app.a".to_string()]);
    assert_eq!(only_app.schemas, vec!["app".to_string()]);
    database.drop_now().await.expect("drop database");
}

#[tokio::test]
async fn a_thousand_tables_introspect_as_declared() {
    let database = TestDatabase::create("introspection_many")
        .await
        .expect("database");
    let mut sql = String::from("CREATE TYPE mood AS ENUM ('a', 'b');\n");
    for n in 0..1000 {
        sql.push_str(&format!(
            "CREATE TABLE t{n} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, \
             mood mood DEFAULT 'a', parent bigint REFERENCES t{n} (id) CHECK (parent <> id), created_at timestamptz DEFAULT now());\n\
             CREATE INDEX t{n}_lower_name_idx ON t{n} (lower(name));\n"
        ));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&database.pool)
        .await
        .expect("create tables");
    let introspected = database.introspect().await.expect("introspect");
    let expected = schema(
        &[],
        vec![enum_named("mood", &["a", "b"])],
        (0..1000)
            .map(|n| {
                let table_name = format!("t{n}");
                table(
                    &table_name,
                    vec![
                        column("id", builtin("bigint")).identity(ByDefault),
                        column("name", builtin("text")),
                        column("mood", enum_type("mood")).nullable().default("'a'"),
                        column("parent", builtin("bigint")).nullable(),
                        column("created_at", builtin("timestamp with time zone"))
                            .nullable()
                            .default("now()"),
                    ],
                )
                .primary_key(&["id"])
                .unique(&format!("{table_name}_name_key"), &["name"])
                .foreign_key(
                    &format!("{table_name}_parent_fkey"),
                    &["parent"],
                    &table_name,
                    &["id"],
                    NoAction,
                    NoAction,
                )
                .check(&format!("{table_name}_check"), "parent <> id")
                .index(expression_index(
                    &format!("{table_name}_lower_name_idx"),
                    "lower(name)",
                ))
            })
            .collect(),
    );
    let found = dbkit_tests::differences(&expected, &introspected, true);
    assert!(
        found.is_empty(),
        "{}",
        dbkit_core::compare::format_differences(&found)
    );
    database.drop_now().await.expect("drop database");
}

#[tokio::test]
async fn keys_keep_their_order_across_schemas_and_many_indexes_are_read() {
    let database = TestDatabase::create("introspection_keys")
        .await
        .expect("database");
    let mut sql = String::from(
        r#"
        CREATE SCHEMA ledger;
        CREATE TABLE ledger.accounts (
            dropped int,
            region text NOT NULL,
            number int NOT NULL,
            CONSTRAINT accounts_pkey PRIMARY KEY (number, region)
        );
        ALTER TABLE ledger.accounts DROP COLUMN dropped;
        CREATE TABLE entries (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            account_region text NOT NULL,
            account_number int NOT NULL,
            amount numeric(12, 2) NOT NULL DEFAULT 0,
            memo text,
            posted_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT entries_account_fkey FOREIGN KEY (account_number, account_region)
                REFERENCES ledger.accounts (number, region) ON DELETE CASCADE,
            CONSTRAINT entries_memo_amount_key UNIQUE (memo, amount)
        );
        CREATE INDEX entries_posted_amount_idx ON entries (posted_at, amount) INCLUDE (memo);
        CREATE INDEX entries_region_lower_memo_idx ON entries (account_region, lower(memo))
            WHERE amount > 0;
        "#,
    );
    for n in 0..16 {
        sql.push_str(&format!(
            "CREATE INDEX entries_amount_{n:02}_idx ON entries (amount, id) WHERE id > {n};\n"
        ));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&database.pool)
        .await
        .expect("create the tables");

    let everything = database.introspect().await.expect("introspect");
    let accounts = everything
        .table(&name("ledger.accounts"))
        .expect("ledger.accounts");
    let primary_key = accounts.primary_key.as_ref().expect("primary key");
    assert_eq!(primary_key.columns, ["number", "region"]);
    let column_names: Vec<&str> = accounts.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(column_names, ["region", "number"]);

    // Asked for `public` only, the foreign key still names the columns it
    // references in the schema left out.
    let only_public = dbkit_introspect::introspect(&database.pool, Some(&["public".into()]))
        .await
        .expect("introspect public");
    assert_eq!(only_public.tables.len(), 1);
    for schema in [&everything, &only_public] {
        let entries = schema.table(&name("entries")).expect("entries");
        let foreign_key = &entries.foreign_keys[0];
        assert_eq!(foreign_key.columns, ["account_number", "account_region"]);
        assert_eq!(foreign_key.references, name("ledger.accounts"));
        assert_eq!(foreign_key.referenced_columns, ["number", "region"]);
        assert_eq!(foreign_key.on_delete, Cascade);
        assert_eq!(entries.uniques[0].columns, ["memo", "amount"]);
        assert_eq!(entries.indexes.len(), 18);
        let index = |index_name: &str| {
            entries
                .indexes
                .iter()
                .find(|index| index.name == index_name)
                .unwrap_or_else(|| panic!("index {index_name}"))
        };
        // The INCLUDE columns are read apart from the key.
        let covering = index("entries_posted_amount_idx");
        assert_eq!(
            covering.key,
            IndexKey::Columns(vec!["posted_at".into(), "amount".into()])
        );
        assert_eq!(covering.include, ["memo"]);
        let mixed = index("entries_region_lower_memo_idx");
        assert_eq!(
            mixed.key,
            IndexKey::Expression("account_region, lower(memo)".into())
        );
        assert!(mixed.predicate.is_some());
        for n in 0..16 {
            let partial = index(&format!("entries_amount_{n:02}_idx"));
            assert_eq!(
                partial.key,
                IndexKey::Columns(vec!["amount".into(), "id".into()])
            );
            assert_eq!(partial.predicate.as_deref(), Some(&*format!("(id > {n})")));
        }
    }
    database.drop_now().await.expect("drop database");
}
