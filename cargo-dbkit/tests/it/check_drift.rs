//! `cargo dbkit check --database-url`: drift of a live database from its
//! migrations, end to end. Each case gets a database of its own with the
//! migrations of `tests/fixtures/replay` applied (a `TestDb` clone of a
//! template the migration engine built), changes one object out of band,
//! and runs the real binary over a temporary copy of the fixture. Every
//! kind of object the DSL declares is changed in some case; each change
//! must be reported naming the object, and the database must be exactly as
//! it was after the check (which only reads).

use crate::common::{
    Project, Run, assert_no_password, copy_package_fixture, empty_database, execute, fingerprint,
    migrated_database, runtime,
};

/// A temporary copy of `cargo-dbkit/tests/fixtures/replay`.
fn replay_project() -> Project {
    copy_package_fixture("replay")
}

/// What the drift cases do with their copy of the fixture.
impl Project {
    /// `check --database-url <url>`, asserting the exit code.
    fn check(&self, url: &str, expected_code: i32) -> Run {
        let run = self.run_without_environment_url(&["check", "--database-url", url]);
        assert_eq!(run.code, expected_code, "exit code of check\n{run:#?}");
        assert_no_password(&run, url);
        run
    }

    fn remove(&self, relative: &str) {
        std::fs::remove_file(self.root.join(relative))
            .unwrap_or_else(|error| panic!("remove {relative}: {error}"));
    }
}

/// Changes the database out of band with `sql`, checks it, and expects a
/// finding for each of `expected` (texts of the output), nothing more than
/// `count` drift findings, and the database untouched by the check.
/// Returns the output, its URL replaced by `[URL]`.
fn drift_case(name: &str, sql: &str, expected: &[&str], count: usize) -> String {
    let project = replay_project();
    let database = migrated_database(name);
    execute(&database, sql);
    let before = fingerprint(&database);
    let run = project.check(database.url(), 1);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "expected `{text}` in\n{}",
            run.stderr
        );
    }
    assert_eq!(
        run.stderr.matches("error: [drift-difference]").count(),
        count,
        "{}",
        run.stderr
    );
    assert_eq!(
        fingerprint(&database),
        before,
        "the check changed the database"
    );
    run.stderr.replace(
        dbkit_runtime::migrate::DatabaseUrl::new(database.url()).redacted(),
        "[URL]",
    )
}

// ---------------------------------------------------------------------------
// A clean database, the history, and the read-only sessions

#[test]
fn a_database_migrated_by_cargo_dbkit_migrate_has_no_drift() {
    let project = replay_project();
    let database = empty_database("drift_migrated");
    let url = database.url().to_string();
    let migrate = project.run_without_environment_url(&["migrate", "--database-url", &url]);
    assert_eq!(migrate.code, 0, "{migrate:#?}");
    let before = fingerprint(&database);
    let run = project.check(&url, 0);
    assert!(run.stderr.contains("no drift"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the snapshot of V2__add_bio_and_archived"),
        "{}",
        run.stderr
    );
    assert_eq!(fingerprint(&database), before);
}

#[test]
fn json_output_has_no_finding_for_a_clean_database() {
    let project = replay_project();
    let database = migrated_database("drift_json");
    let run = project.run_without_environment_url(&[
        "check",
        "--database-url",
        database.url(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(document["summary"]["errors"], 0, "{document}");
    assert_no_password(&run, database.url());
}

#[test]
fn pending_migrations_are_a_warning_and_the_applied_snapshot_is_the_baseline() {
    let project = replay_project();
    let database = empty_database("drift_pending");
    let url = database.url().to_string();
    let migrate =
        project.run_without_environment_url(&["migrate", "--database-url", &url, "--target", "1"]);
    assert_eq!(migrate.code, 0, "{migrate:#?}");
    let run = project.check(&url, 0);
    assert!(
        run.stderr.contains(
                "warning: [drift-pending-migrations] 1 migration of migrations/ is not applied to the database yet: V2__add_bio_and_archived"
            ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the snapshot of V1__initial"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no drift"), "{}", run.stderr);
}

#[test]
fn a_migration_the_folder_lacks_is_a_finding_and_its_changes_are_drift() {
    let project = replay_project();
    project.remove("migrations/V2__add_bio_and_archived.sql");
    project.remove("migrations/meta/V2__add_bio_and_archived.json");
    let database = migrated_database("drift_unknown");
    let run = project.check(database.url(), 1);
    assert!(
        run.stderr.contains(
            "error: [drift-unknown-migration] the database has applied V2__add_bio_and_archived"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("column `app.users.bio` exists in the database but not in the migrations"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_applied_migration_changed_since_is_a_finding() {
    let project = replay_project();
    let path = project.root.join("migrations/V1__initial.sql");
    let sql = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, format!("{sql}\n-- reviewed\n")).expect("write");
    let database = migrated_database("drift_changed");
    let run = project.check(database.url(), 1);
    assert!(
        run.stderr
            .contains("error: [drift-changed-migration] V1__initial was applied"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("migrations/V1__initial.sql"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_database_that_applied_nothing_is_compared_with_an_empty_schema_and_not_written() {
    let project = replay_project();
    let database = empty_database("drift_no_history");
    let before = fingerprint(&database);
    let run = project.check(database.url(), 0);
    assert!(
        run.stderr.contains("warning: [drift-no-history]"),
        "{}",
        run.stderr
    );
    // `status` reads the history without creating its table.
    assert_eq!(fingerprint(&database), before);
    assert!(!before.contains("refinery_schema_history"), "{before}");
}

#[test]
fn the_check_sessions_refuse_writes() {
    let database = empty_database("drift_read_only");
    let url = database.url().to_string();
    runtime().block_on(async {
        // The engine's connection (`status`).
        let (client, connection) = tokio_postgres::connect(
            cargo_dbkit::read_only_url(&url.as_str().into()).connection_string(),
            tokio_postgres::NoTls,
        )
        .await
        .expect("connect");
        tokio::spawn(connection);
        let error = client
            .batch_execute("CREATE TABLE written (id int)")
            .await
            .expect_err("a write in a read-only session");
        assert_eq!(
            error.code().map(|code| code.code()),
            Some("25006"),
            "{error}"
        );
        // The introspector's.
        let options =
            cargo_dbkit::read_only_connect_options(&url.as_str().into(), "cargo dbkit check")
                .expect("options");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(dbkit_introspect::INTROSPECTION_CONNECTIONS)
            .connect_with(options)
            .await
            .expect("connect");
        let error = sqlx::raw_sql(sqlx::AssertSqlSafe("CREATE TABLE written (id int)"))
            .execute(&pool)
            .await
            .expect_err("a write in a read-only session");
        assert!(
            error
                .as_database_error()
                .and_then(|error| error.code())
                .is_some_and(|code| code == "25006"),
            "{error}"
        );
        let read_only: String = sqlx::query_scalar("SHOW default_transaction_read_only")
            .fetch_one(&pool)
            .await
            .expect("show");
        assert_eq!(read_only, "on");
        pool.close().await;
    });
}

#[test]
fn an_unreachable_database_is_an_error_without_its_password() {
    let project = replay_project();
    let url = "postgres://someone:s3cr3t-pass@127.0.0.1:1/nowhere";
    let run = project.run_without_environment_url(&["check", "--database-url", url]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(!run.stderr.contains("s3cr3t-pass"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// One out-of-band change per kind of object

#[test]
fn an_extra_table() {
    drift_case(
        "drift_extra_table",
        "CREATE TABLE public.audit (id bigint PRIMARY KEY, note text)",
        &["table `public.audit` exists in the database but not in the migrations"],
        1,
    );
}

#[test]
fn a_dropped_table() {
    drift_case(
        "drift_dropped_table",
        "DROP TABLE public.posts",
        &["table `public.posts` is in the migrations but missing from the database"],
        1,
    );
}

#[test]
fn an_extra_column() {
    let output = drift_case(
        "drift_extra_column",
        "ALTER TABLE app.users ADD COLUMN nickname text",
        &["column `app.users.nickname` exists in the database but not in the migrations"],
        1,
    );
    insta::assert_snapshot!("drift_extra_column", output);
}

#[test]
fn a_dropped_column() {
    drift_case(
        "drift_dropped_column",
        "ALTER TABLE public.posts DROP COLUMN title",
        &["column `public.posts.title` is in the migrations but missing from the database"],
        1,
    );
}

#[test]
fn a_retyped_column() {
    drift_case(
        "drift_retyped_column",
        "ALTER TABLE public.orgs ALTER COLUMN name TYPE varchar(120)",
        &[
            "column `public.orgs.name` differs: type is `character varying(120)` in the database, `character varying(80)` in the migrations",
        ],
        1,
    );
}

#[test]
fn a_column_made_not_null() {
    drift_case(
        "drift_not_null",
        "ALTER TABLE app.users ALTER COLUMN name SET NOT NULL",
        &[
            "column `app.users.name` differs: nullable is NOT NULL in the database, nullable in the migrations",
        ],
        1,
    );
}

#[test]
fn a_changed_default() {
    drift_case(
        "drift_default",
        "ALTER TABLE public.posts ALTER COLUMN views SET DEFAULT 1",
        &[
            "column `public.posts.views` differs: default is `1` in the database, `0` in the migrations",
        ],
        1,
    );
}

#[test]
fn a_changed_identity() {
    drift_case(
        "drift_identity",
        "ALTER TABLE public.posts ALTER COLUMN id SET GENERATED ALWAYS",
        &[
            "column `public.posts.id` differs: identity is `GENERATED ALWAYS AS IDENTITY` in the database, `GENERATED BY DEFAULT AS IDENTITY` in the migrations",
        ],
        1,
    );
}

#[test]
fn a_serial_column_that_lost_its_sequence_default() {
    drift_case(
        "drift_serial",
        "ALTER TABLE public.orgs ALTER COLUMN id DROP DEFAULT",
        &[
            "column `public.orgs.id` differs: serial is not serial in the database, serial in the migrations",
        ],
        1,
    );
}

#[test]
fn a_changed_generated_column() {
    drift_case(
        "drift_generated",
        "ALTER TABLE app.users DROP COLUMN email_lower;
         ALTER TABLE app.users ADD COLUMN email_lower text GENERATED ALWAYS AS (upper(email)) STORED NOT NULL",
        &[
            "column `app.users.email_lower` differs: generated is `upper(email)` in the database, `lower(email)` in the migrations",
        ],
        1,
    );
}

#[test]
fn a_dropped_primary_key() {
    drift_case(
        "drift_primary_key",
        "ALTER TABLE public.posts DROP CONSTRAINT posts_pkey",
        &["primary key `public.posts_pkey` is in the migrations but missing from the database"],
        1,
    );
}

#[test]
fn a_dropped_foreign_key() {
    drift_case(
        "drift_foreign_key",
        "ALTER TABLE public.posts DROP CONSTRAINT posts_author_id_fkey",
        &[
            "foreign key `public.posts_author_id_fkey` is in the migrations but missing from the database",
        ],
        1,
    );
}

#[test]
fn a_foreign_key_with_another_on_delete_action() {
    drift_case(
        "drift_on_delete",
        "ALTER TABLE app.users DROP CONSTRAINT users_org_id_fkey,
             ADD CONSTRAINT users_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.orgs (id) ON DELETE RESTRICT",
        &[
            "foreign key `app.users_org_id_fkey` differs: on delete is `RESTRICT` in the database, `CASCADE` in the migrations",
        ],
        1,
    );
}

#[test]
fn an_extra_unique_constraint() {
    drift_case(
        "drift_unique",
        "ALTER TABLE public.posts ADD CONSTRAINT posts_title_key UNIQUE (title)",
        &[
            "unique constraint `public.posts_title_key` exists in the database but not in the migrations",
        ],
        1,
    );
}

#[test]
fn a_changed_check_constraint() {
    drift_case(
        "drift_check",
        "ALTER TABLE app.users DROP CONSTRAINT users_age_check,
             ADD CONSTRAINT users_age_check CHECK (age >= 18)",
        &[
            "check constraint `app.users_age_check` differs: expression is `(age >= 18)` in the database, `(age >= 0)` in the migrations",
        ],
        1,
    );
}

#[test]
fn an_extra_index() {
    drift_case(
        "drift_index",
        "CREATE INDEX posts_title_idx ON public.posts (title)",
        &["index `public.posts_title_idx` exists in the database but not in the migrations"],
        1,
    );
}

#[test]
fn a_partial_index_with_another_predicate() {
    drift_case(
        "drift_partial_index",
        "DROP INDEX app.users_live_org_idx;
         CREATE INDEX users_live_org_idx ON app.users (org_id) WHERE deleted_at IS NOT NULL",
        &[
            "index `app.users_live_org_idx` differs: predicate is `(deleted_at is not null)` in the database, `(deleted_at is null)` in the migrations",
        ],
        1,
    );
}

#[test]
fn an_expression_index_on_another_expression() {
    drift_case(
        "drift_expression_index",
        "DROP INDEX app.users_lower_email_idx;
         CREATE UNIQUE INDEX users_lower_email_idx ON app.users (upper(email))",
        &[
            "index `app.users_lower_email_idx` differs: key is `(upper(email))` in the database, `(lower(email))` in the migrations",
        ],
        1,
    );
}

#[test]
fn an_index_with_another_method() {
    drift_case(
        "drift_index_method",
        "DROP INDEX public.posts_views_idx;
         CREATE INDEX posts_views_idx ON public.posts USING hash (views)",
        &[
            "index `public.posts_views_idx` differs: method is `hash` in the database, `btree` in the migrations",
        ],
        1,
    );
}

#[test]
fn an_enum_value_added() {
    drift_case(
        "drift_enum_value",
        "ALTER TYPE public.post_status ADD VALUE 'hidden'",
        &[
            "enum `public.post_status` differs: labels is `(draft, published, in-review, archived, hidden)` in the database, `(draft, published, in-review, archived)` in the migrations",
        ],
        1,
    );
}

#[test]
fn an_extra_enum() {
    drift_case(
        "drift_extra_enum",
        "CREATE TYPE public.mood AS ENUM ('happy', 'sad')",
        &["enum `public.mood` exists in the database but not in the migrations"],
        1,
    );
}

#[test]
fn an_extra_schema() {
    drift_case(
        "drift_schema",
        "CREATE SCHEMA reporting",
        &["schema `reporting` exists in the database but not in the migrations"],
        1,
    );
}

#[test]
fn changed_comments_on_a_table_a_column_and_an_enum() {
    drift_case(
        "drift_comments",
        "COMMENT ON TABLE public.orgs IS 'Companies.';
         COMMENT ON COLUMN app.users.email IS NULL;
         COMMENT ON TYPE app.role IS 'Who may do what.'",
        &[
            "table `public.orgs` differs: comment is `Companies.` in the database, `Organisations.` in the migrations",
            "column `app.users.email` differs: comment is no comment in the database, `Login address.` in the migrations",
            "enum `app.role` differs: comment is `Who may do what.` in the database, `What a member may do.` in the migrations",
        ],
        3,
    );
}

/// A view and a materialized view migrated by `cargo dbkit migrate` are no
/// drift: the snapshot's queries, as written in the code, are printed by
/// the checked database itself in a transaction rolled back, which leaves
/// the database as it was. A view changed by hand afterwards is drift.
#[test]
fn views_migrated_by_cargo_dbkit_migrate_have_no_drift_and_a_view_changed_by_hand_has() {
    let project = replay_project();
    let schema_file = project.root.join("crates/app/src/app_schema.rs");
    let schema = std::fs::read_to_string(&schema_file).expect("schema");
    let views = r#"
/// Members per organisation.
#[derive(dbkit_runtime::View)]
#[dbkit(view = "org_sizes", query = "
    select o.id, count(u.id) as members -- members only
    from orgs o left join app.users u on u.org_id = o.id
    group by o.id")]
pub struct OrgSize {
    pub id: i32,
    pub members: i64,
}

#[derive(dbkit_runtime::View)]
#[dbkit(materialized_view = "big_orgs", query = "SELECT id FROM org_sizes WHERE members > 10")]
#[dbkit(index(columns(id), unique))]
pub struct BigOrg {
    pub id: i32,
}
"#;
    std::fs::write(&schema_file, format!("{schema}{views}")).expect("write");
    let generate = project.run_without_environment_url(&["generate", "--name", "org_sizes"]);
    assert_eq!(generate.code, 0, "{generate:#?}");
    let database = empty_database("drift_views");
    let url = database.url().to_string();
    let migrate = project.run_without_environment_url(&["migrate", "--database-url", &url]);
    assert_eq!(migrate.code, 0, "{migrate:#?}");
    let before = fingerprint(&database);
    let run = project.check(&url, 0);
    assert!(run.stderr.contains("no drift"), "{}", run.stderr);
    assert_eq!(
        fingerprint(&database),
        before,
        "the check changed the database"
    );

    execute(
        &database,
        "CREATE OR REPLACE VIEW public.org_sizes AS \
         SELECT o.id, count(u.id) AS members FROM orgs o JOIN app.users u ON u.org_id = o.id GROUP BY o.id",
    );
    let run = project.check(&url, 1);
    assert!(
        run.stderr.contains("view `public.org_sizes`"),
        "{}",
        run.stderr
    );
}
