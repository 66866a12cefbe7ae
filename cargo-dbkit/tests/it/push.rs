//! `cargo dbkit push`, end to end: the real binary over a temporary copy of
//! `tests/fixtures/replay` (whose code equals its newest snapshot), against
//! databases of the test providers (`TestDb`), empty or with the fixture's
//! migrations applied. Every run's output is checked for the password of
//! the URL, which carries one even where the server does not ask for it.

use crate::common::{
    Project, Run, copy_package_fixture, empty_database, execute, fingerprint, finish, introspected,
    migrated_database, texts,
};
use dbkit_core::compare::{canonical_schema, format_differences, schema_differences};
use dbkit_core::model::Schema;
use dbkit_runtime::testing::TestDb;
use std::path::Path;

const PASSWORD: &str = "push-secret-7d1e";

/// A temporary copy of `cargo-dbkit/tests/fixtures/replay`.
fn replay_project() -> Project {
    copy_package_fixture("replay")
}

/// What the push cases do with their copy of the fixture.
impl Project {
    fn run_in(manifest: &Path, arguments: &[&str], url: &str) -> Run {
        let directory = manifest.parent().expect("manifest folder");
        let mut command = crate::common::binary_command(manifest, directory, arguments);
        command
            .env_remove("DATABASE_URL")
            .arg("--database-url")
            .arg(url);
        let run = finish(&mut command);
        assert_no_password(&run, url);
        run
    }

    fn push(&self, url: &str, arguments: &[&str], expected_code: i32) -> Run {
        let mut all = vec!["push"];
        all.extend_from_slice(arguments);
        let run = Project::run_in(&self.root.join("Cargo.toml"), &all, url);
        assert_eq!(
            run.code, expected_code,
            "exit code of push {arguments:?}\n{run:#?}"
        );
        run
    }

    /// Replaces `from` by `to` in the fixture's schema code.
    fn edit_schema(&self, from: &str, to: &str) {
        self.edit("crates/app/src/app_schema.rs", from, to);
    }

    /// The schema of the newest snapshot, which the unedited code equals.
    fn snapshot_schema(&self) -> Schema {
        let text = std::fs::read_to_string(
            self.root
                .join("migrations/meta/V2__add_bio_and_archived.json"),
        )
        .expect("read snapshot");
        dbkit_core::snapshot::Snapshot::from_json(&text)
            .expect("snapshot")
            .schema
    }
}

/// No secret of `url`, nor the password it may have been given, is in the output.
fn assert_no_password(run: &Run, url: &str) {
    crate::common::assert_no_password(run, url);
    assert!(
        !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
        "the password appears in the output\n{run:#?}"
    );
}

/// The database's URL with a password in it (servers that trust the
/// connection ignore it).
fn url_with_password(database: &TestDb) -> String {
    let url = database.url();
    if crate::common::password_of(url).is_some() {
        return url.to_string();
    }
    match url.split_once("://").and_then(|(scheme, rest)| {
        let (user, host) = rest.split_once('@')?;
        Some(format!("{scheme}://{user}:{PASSWORD}@{host}"))
    }) {
        Some(with_password) => with_password,
        None => url.to_string(),
    }
}

/// Canonical, column order aside, without the history table.
fn comparable(schema: &Schema) -> Schema {
    let mut canonical = canonical_schema(schema);
    canonical
        .tables
        .retain(|table| table.name.name != "refinery_schema_history");
    for table in &mut canonical.tables {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    canonical
}

/// Rows in every table of the fixture.
const ROWS: &str = "\
INSERT INTO orgs (name) VALUES ('Acme'), ('Globex');
INSERT INTO app.users (org_id, email, name, age, role, bio) VALUES
  (1, 'ada@acme.test', 'Ada', 36, 'admin', 'first'),
  (2, 'bob@globex.test', NULL, 41, 'member', 'second');
INSERT INTO posts (author_id, title, status, tags, views) VALUES
  (1, 'Hello', 'published', ARRAY['a','b'], 3),
  (2, 'Draft', 'draft', ARRAY[]::text[], 0);";

/// The rows as text, to compare before and after.
fn row_texts(database: &TestDb) -> Vec<String> {
    let mut all = texts(database, "SELECT id || ' ' || name FROM orgs ORDER BY id");
    all.extend(texts(
        database,
        "SELECT id || ' ' || org_id || ' ' || email || ' ' || coalesce(name, '-') || ' ' || age || ' ' || role || ' ' || coalesce(bio, '-') FROM app.users ORDER BY id",
    ));
    all.extend(texts(
        database,
        "SELECT id || ' ' || coalesce(author_id::text, '-') || ' ' || title || ' ' || status || ' ' || array_to_string(tags, ',') || ' ' || views FROM posts ORDER BY id",
    ));
    all
}

// ---------------------------------------------------------------------------

#[test]
fn a_push_to_an_empty_database_creates_the_schema_and_a_second_finds_nothing() {
    let project = replay_project();
    let database = empty_database("push_empty");
    let url = url_with_password(&database);
    let run = project.push(&url, &[], 0);
    assert!(run.stderr.contains("Pushing"), "{}", run.stderr);
    assert!(run.stderr.contains("Finished"), "{}", run.stderr);
    let found = schema_differences(
        &comparable(&project.snapshot_schema()),
        &comparable(&introspected(&database)),
    );
    assert!(found.is_empty(), "{}", format_differences(&found));
    let before = fingerprint(&database);
    let again = project.push(&url, &[], 0);
    assert!(again.stderr.contains("nothing to push"), "{}", again.stderr);
    assert_eq!(fingerprint(&database), before);
}

#[test]
fn a_database_migrated_from_the_same_code_has_nothing_to_push() {
    let project = replay_project();
    let database = empty_database("push_migrated");
    let url = url_with_password(&database);
    let migrate = Project::run_in(&project.root.join("Cargo.toml"), &["migrate"], &url);
    assert_eq!(migrate.code, 0, "{migrate:#?}");
    let before = fingerprint(&database);
    let run = project.push(&url, &[], 0);
    assert!(run.stderr.contains("nothing to push"), "{}", run.stderr);
    assert_eq!(
        fingerprint(&database),
        before,
        "the history and schema are untouched"
    );
}

#[test]
fn the_repositorys_example_migrated_has_nothing_to_push() {
    let database = empty_database("push_shop");
    let url = url_with_password(&database);
    let manifest = crate::common::repository_root().join("Cargo.toml");
    let migrate = Project::run_in(&manifest, &["migrate"], &url);
    assert_eq!(migrate.code, 0, "{migrate:#?}");
    let before = fingerprint(&database);
    let run = Project::run_in(&manifest, &["push"], &url);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("nothing to push"), "{}", run.stderr);
    assert_eq!(fingerprint(&database), before);
}

#[test]
fn additive_changes_keep_every_row() {
    let project = replay_project();
    let database = migrated_database("push_additive");
    execute(&database, ROWS);
    let rows_before = row_texts(&database);
    // A new enum label, a nullable column, a column with a default, an
    // index and a table.
    project.edit_schema("    Archived,\n}", "    Archived,\n    Deleted,\n}");
    project.edit_schema(
        "    pub name: String,\n}",
        "    pub name: String,\n    pub website: Option<String>,\n    #[dbkit(default = \"'EU'\")]\n    pub region: String,\n}",
    );
    project.edit_schema(
        "#[dbkit(index(columns(tags), method = \"gin\"))]",
        "#[dbkit(index(columns(tags), method = \"gin\"))]\n#[dbkit(index(columns(title)))]",
    );
    project.edit_schema(
        "/// What members write.",
        "/// Labels.\n#[derive(Table)]\n#[dbkit(table = \"labels\")]\npub struct Label {\n    #[dbkit(primary_key, identity)]\n    pub id: i64,\n    pub text: String,\n}\n\n/// What members write.",
    );
    let url = url_with_password(&database);
    let run = project.push(&url, &[], 0);
    assert!(run.stderr.contains("Finished"), "{}", run.stderr);
    assert_eq!(row_texts(&database), rows_before, "rows changed");
    assert_eq!(
        texts(
            &database,
            "SELECT region || '/' || coalesce(website, '-') FROM orgs ORDER BY id"
        ),
        ["EU/-", "EU/-"]
    );
    assert_eq!(
        texts(
            &database,
            "SELECT unnest(enum_range(NULL::post_status))::text"
        ),
        ["draft", "published", "in-review", "archived", "deleted"]
    );
    assert_eq!(
        texts(
            &database,
            "SELECT indexname::text FROM pg_indexes WHERE indexname = 'posts_title_idx'"
        ),
        ["posts_title_idx"]
    );
    assert_eq!(texts(&database, "SELECT count(*)::text FROM labels"), ["0"]);
    let again = project.push(&url, &[], 0);
    assert!(again.stderr.contains("nothing to push"), "{}", again.stderr);
}

#[test]
fn dropping_a_column_with_data_needs_force_without_a_terminal() {
    let project = replay_project();
    let database = migrated_database("push_destructive");
    execute(&database, ROWS);
    let rows_before = row_texts(&database);
    let before = fingerprint(&database);
    project.edit_schema(
        "    /// What members say about themselves.\n    pub bio: Option<String>,\n",
        "",
    );
    let url = url_with_password(&database);
    let refused = project.push(&url, &[], 1);
    assert!(
        refused
            .stderr
            .contains("drops column \"app\".\"users\".\"bio\""),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("nothing was applied"),
        "{}",
        refused.stderr
    );
    assert_eq!(fingerprint(&database), before);
    assert_eq!(row_texts(&database), rows_before);

    project.push(&url, &["--force"], 0);
    assert_eq!(
        texts(
            &database,
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = 'app' AND table_name = 'users' AND column_name = 'bio'"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        texts(&database, "SELECT count(*)::text FROM app.users"),
        ["2"]
    );
}

#[test]
fn a_dry_run_prints_the_sql_and_changes_nothing() {
    let project = replay_project();
    let database = migrated_database("push_dry_run");
    project.edit_schema(
        "    pub name: String,\n}",
        "    pub name: String,\n    pub website: Option<String>,\n}",
    );
    project.edit_schema(
        "    /// What members say about themselves.\n    pub bio: Option<String>,\n",
        "",
    );
    let before = fingerprint(&database);
    let url = url_with_password(&database);
    let run = project.push(&url, &["--dry-run"], 0);
    assert!(
        run.stdout
            .contains("ALTER TABLE \"public\".\"orgs\" ADD COLUMN \"website\" text;"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("DROP COLUMN \"bio\""), "{}", run.stdout);
    assert!(run.stdout.contains("BEGIN;") && run.stdout.contains("COMMIT;"));
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(fingerprint(&database), before);
}

#[test]
fn a_failing_statement_rolls_the_whole_push_back() {
    let project = replay_project();
    let database = migrated_database("push_failure");
    execute(&database, ROWS);
    let before = fingerprint(&database);
    // A new table (applied first) and a NOT NULL column without a default
    // on a table with rows (refused by PostgreSQL).
    project.edit_schema(
        "/// What members write.",
        "/// Labels.\n#[derive(Table)]\n#[dbkit(table = \"labels\")]\npub struct Label {\n    #[dbkit(primary_key, identity)]\n    pub id: i64,\n}\n\n/// What members write.",
    );
    project.edit_schema(
        "    pub name: String,\n}",
        "    pub name: String,\n    pub country: String,\n}",
    );
    let url = url_with_password(&database);
    let run = project.push(&url, &[], 2);
    assert!(run.stderr.contains("SQLSTATE 23502"), "{}", run.stderr);
    assert!(
        run.stderr.contains("ADD COLUMN \"country\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the database is unchanged"),
        "{}",
        run.stderr
    );
    assert_eq!(fingerprint(&database), before);
}

#[test]
fn a_rename_keeps_the_columns_data() {
    let project = replay_project();
    let database = migrated_database("push_rename");
    execute(&database, ROWS);
    project.edit_schema("    pub title: String,", "    pub headline: String,");
    let url = url_with_password(&database);
    let ambiguous = project.push(&url, &[], 2);
    assert!(
        ambiguous.stderr.contains("--rename posts.title=headline"),
        "{}",
        ambiguous.stderr
    );
    project.push(&url, &["--rename", "posts.title=headline"], 0);
    assert_eq!(
        texts(&database, "SELECT headline FROM posts ORDER BY id"),
        ["Hello", "Draft"]
    );
    let again = project.push(&url, &[], 0);
    assert!(again.stderr.contains("nothing to push"), "{}", again.stderr);
}

#[test]
fn a_backslash_in_a_doc_comment_cannot_end_its_literal_when_strings_are_not_standard() {
    let project = replay_project();
    let database = migrated_database("push_nonstandard_strings");
    execute(
        &database,
        &format!(
            "ALTER DATABASE {} SET standard_conforming_strings = off; CREATE TABLE victim2 (id int);",
            dbkit_core::diff::quote_identifier(database.name())
        ),
    );
    // victim2 is in the code too, so that the push leaves it alone.
    let comment = r"a\'; DROP TABLE victim2; --";
    project.edit_schema(
        "/// Organisations.",
        &format!(
            "#[derive(Table)]\n#[dbkit(table = \"victim2\")]\npub struct Victim {{\n    pub id: Option<i32>,\n}}\n\n/// {comment}"
        ),
    );
    let url = url_with_password(&database);
    let run = project.push(&url, &[], 0);
    assert_eq!(
        texts(
            &database,
            "SELECT coalesce(to_regclass('victim2')::text, 'dropped')"
        ),
        ["victim2"]
    );
    assert_eq!(
        texts(
            &database,
            "SELECT obj_description('public.orgs'::regclass, 'pg_class')"
        ),
        [comment]
    );
    // The server warns about every plain literal with a backslash when
    // standard_conforming_strings is off: dbkit writes none, in the SQL
    // it pushes nor in the queries that read the database.
    assert!(!run.stderr.contains("nonstandard use of"), "{run:#?}");
    let again = project.push(&url, &[], 0);
    assert!(again.stderr.contains("nothing to push"), "{again:#?}");
}

#[test]
fn narrowing_a_varchar_refuses_values_that_do_not_fit_instead_of_cutting_them() {
    let project = replay_project();
    let database = migrated_database("push_narrowing");
    project.edit_schema(
        "/// What members write.",
        "#[derive(Table)]\n#[dbkit(table = \"codes\")]\npub struct Code {\n    #[dbkit(primary_key)]\n    pub id: i32,\n    #[dbkit(sql_type = \"varchar(20)\")]\n    pub code: String,\n}\n\n/// What members write.",
    );
    let url = url_with_password(&database);
    project.push(&url, &[], 0);
    execute(
        &database,
        "INSERT INTO codes SELECT i, 'code-' || lpad(i::text, 10, '0') FROM generate_series(1, 1000) i",
    );
    let codes = || texts(&database, "SELECT code::text FROM codes ORDER BY id");
    let code_type = || {
        texts(
            &database,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'codes'::regclass AND attname = 'code'",
        )
    };
    let long_codes = codes();
    assert_eq!(long_codes.len(), 1000);
    project.edit_schema("sql_type = \"varchar(20)\"", "sql_type = \"varchar(10)\"");

    let refused = project.push(&url, &["--force"], 2);
    assert!(refused.stderr.contains("SQLSTATE 22001"), "{refused:#?}");
    assert!(
        refused.stderr.contains("the database is unchanged"),
        "{refused:#?}"
    );
    assert_eq!(codes(), long_codes);
    assert_eq!(code_type(), ["character varying(20)"]);

    execute(&database, "UPDATE codes SET code = 'c-' || id");
    let short_codes = codes();
    project.push(&url, &["--force"], 0);
    assert_eq!(codes(), short_codes);
    assert_eq!(code_type(), ["character varying(10)"]);

    // Widening again rewrites nothing: the table keeps its file.
    let file = || {
        texts(
            &database,
            "SELECT relfilenode::text FROM pg_class WHERE oid = 'codes'::regclass",
        )
    };
    let file_before = file();
    project.edit_schema("sql_type = \"varchar(10)\"", "sql_type = \"varchar(30)\"");
    project.push(&url, &[], 0);
    assert_eq!(code_type(), ["character varying(30)"]);
    assert_eq!(file(), file_before);
    assert_eq!(codes(), short_codes);
}

#[test]
fn a_chain_of_renames_keeps_every_value_where_the_code_says() {
    let project = replay_project();
    let database = migrated_database("push_chain");
    execute(&database, ROWS);
    // In app.users, name becomes nickname and bio takes the name `name`;
    // posts becomes posts_archive and a new posts table takes its name.
    project.edit_schema(
        "    pub name: Option<String>,\n",
        "    #[dbkit(renamed_from = \"name\")]\n    pub nickname: Option<String>,\n",
    );
    project.edit_schema(
        "    /// What members say about themselves.\n    pub bio: Option<String>,\n",
        "    #[dbkit(renamed_from = \"bio\")]\n    pub name: Option<String>,\n",
    );
    project.edit_schema(
        "#[dbkit(table = \"posts\")]",
        "#[dbkit(table = \"posts_archive\", renamed_from = \"posts\")]",
    );
    project.edit_schema(
        "/// What members write.",
        "/// New posts.\n#[derive(Table)]\n#[dbkit(table = \"posts\")]\npub struct NewPost {\n    #[dbkit(primary_key)]\n    pub id: i64,\n    pub body: String,\n}\n\n/// What members write.",
    );
    let url = url_with_password(&database);
    let dry_run = project.push(&url, &["--dry-run"], 0);
    let position = |text: &str| {
        dry_run
            .stdout
            .find(text)
            .unwrap_or_else(|| panic!("{text} in {}", dry_run.stdout))
    };
    assert!(
        position("RENAME COLUMN \"name\" TO \"nickname\"")
            < position("RENAME COLUMN \"bio\" TO \"name\""),
        "{}",
        dry_run.stdout
    );
    assert!(
        position("\"posts\" RENAME TO \"posts_archive\"")
            < position("CREATE TABLE \"public\".\"posts\""),
        "{}",
        dry_run.stdout
    );
    assert!(!dry_run.stdout.contains("DROP"), "{}", dry_run.stdout);

    project.push(&url, &[], 0);
    assert_eq!(
        texts(
            &database,
            "SELECT email || ' ' || coalesce(nickname, '-') || ' ' || coalesce(name, '-') FROM app.users ORDER BY id"
        ),
        ["ada@acme.test Ada first", "bob@globex.test - second"]
    );
    assert_eq!(
        texts(&database, "SELECT title FROM posts_archive ORDER BY id"),
        ["Hello", "Draft"]
    );
    assert_eq!(texts(&database, "SELECT count(*)::text FROM posts"), ["0"]);
    // The hints left in the code change nothing on the next push.
    let again = project.push(&url, &[], 0);
    assert!(again.stderr.contains("nothing to push"), "{}", again.stderr);
}

/// Views pushed to an empty database come back printed PostgreSQL's way;
/// a second push compares them through the same server and finds nothing,
/// and a view whose query changes in the code is pushed again.
#[test]
fn pushed_views_are_not_pushed_again_until_their_query_changes() {
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
    let database = empty_database("push_views");
    let url = url_with_password(&database);
    project.push(&url, &[], 0);
    let before = fingerprint(&database);
    let again = project.push(&url, &[], 0);
    assert!(again.stderr.contains("nothing to push"), "{}", again.stderr);
    assert_eq!(fingerprint(&database), before);

    project.edit_schema("WHERE members > 10", "WHERE members > 20");
    let changed = project.push(&url, &["--force"], 0);
    assert!(changed.stderr.contains("big_orgs"), "{}", changed.stderr);
    let after = project.push(&url, &[], 0);
    assert!(after.stderr.contains("nothing to push"), "{}", after.stderr);
}

/// A policy naming a role the server lacks stops the push at the policy in
/// the code, nothing applied; `--create-roles` creates the role `NOLOGIN`
/// in the push, and a second push finds nothing (the live policy reads as
/// the code's).
#[test]
fn a_policy_naming_a_missing_role_needs_create_roles() {
    // Roles belong to the whole server: a name of this process's own.
    let role = format!("dbkit_push_role_{}", std::process::id());
    let project = replay_project();
    project.edit_schema(
        "#[dbkit(table = \"orgs\")]",
        &format!(
            "#[dbkit(table = \"orgs\", row_level_security)]\n\
             #[dbkit(policy(name = \"members_read\", for = \"select\", to({role}), using = \"name <> ''\"))]"
        ),
    );
    let database = empty_database("push_missing_role");
    let url = url_with_password(&database);

    let refused = project.push(&url, &[], 2);
    assert!(
        refused.stderr.contains(&format!(
            "the role `{role}` named by policy `members_read` on `public.orgs` does not exist"
        )) && refused.stderr.contains("crates/app/src/app_schema.rs:")
            && refused.stderr.contains("--create-roles"),
        "{}",
        refused.stderr
    );
    assert!(
        introspected(&database).tables.is_empty(),
        "nothing is applied"
    );

    let created = project.push(&url, &["--create-roles"], 0);
    assert!(created.stderr.contains(&role), "{}", created.stderr);
    let live = introspected(&database);
    let policy = live
        .policies
        .iter()
        .find(|policy| policy.name == "members_read")
        .expect("the policy is pushed");
    assert_eq!(policy.roles, [role.clone()]);
    assert!(
        live.table(&dbkit_core::model::QualifiedName::new("public", "orgs"))
            .is_some_and(|table| table.row_level_security)
    );
    let again = project.push(&url, &[], 0);
    assert!(again.stderr.contains("nothing to push"), "{}", again.stderr);
}
