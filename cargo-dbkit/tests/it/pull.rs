//! `cargo dbkit pull` end to end: three hand-written databases (a shop, a
//! multi-tenant SaaS, a blog; `tests/fixtures/pull/*.sql`) are adopted by a
//! fixture workspace with the real binary, and each must round-trip: the
//! pulled code compiles (`cargo check`), `generate --check` agrees with the
//! baseline, the baseline applied to a fresh database by `migrate` gives the
//! original's schema, and the original database has the baseline applied
//! (`status`, `migrate`). Two public sample schemas (pagila, Chinook) and
//! a database holding every other kind of object the generic reader reads
//! (`tests/fixtures/pull/other_kinds.sql`) are adopted whole: nothing named
//! as left out, and a database migrated with the baseline dumps as the
//! original does. The refusals write nothing.
//!
//! The nested `cargo check` builds in one target directory under
//! `CARGO_TARGET_TMPDIR`, kept between runs, so only the first run compiles
//! dbkit-runtime and its dependencies; the workspace's `Cargo.lock` is
//! copied into the fixture so those are the versions already downloaded.

use crate::common::{
    Project, Run, copy_fixture, empty_database, execute, history_rows, introspected,
    repository_root,
};
use dbkit_runtime::testing::TestDb;
use std::path::Path;
use std::process::Command;

const FIXTURE: &str = "pull/workspace";
const OUT: &str = "crates/app/src/schema";

fn fixture_sql(name: &str) -> String {
    let path = repository_root()
        .join("tests/fixtures/pull")
        .join(format!("{name}.sql"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The database's schema as the introspector reads it, without the history table.
fn schema_of(database: &TestDb) -> dbkit_core::model::Schema {
    let mut schema = introspected(database);
    dbkit_introspect::remove_migration_history(&mut schema);
    schema
}

fn pull(project: &Project, url: &str, out: &str) -> Run {
    project.run_without_environment_url(&["pull", "--database-url", url, "--out", out])
}

/// `cargo check` of the fixture workspace in the shared target directory.
fn cargo_check(project: &Project) {
    let lock = std::fs::read_to_string(repository_root().join("Cargo.lock")).expect("Cargo.lock");
    std::fs::write(project.root.join("Cargo.lock"), lock).expect("write Cargo.lock");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pull-fixtures");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .arg("check")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(project.root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("start cargo check");
    assert!(
        output.status.success(),
        "cargo check of the pulled code failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every file of the pulled module folder, in name order, each under a
/// line with its name.
fn pulled_code(project: &Project) -> String {
    let mut files = Vec::new();
    crate::common::list_files(&project.path(OUT), "", &mut files);
    files.sort();
    files
        .iter()
        .map(|file| format!("==> {file} <==\n{}", project.read(&format!("{OUT}/{file}"))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole round trip of one fixture database; returns the project and
/// pull's output.
fn round_trip(name: &str) -> (Project, Run) {
    round_trip_of(name, &fixture_sql(name)).0
}

/// The text of a file of `tests/fixtures/corpus`.
fn corpus_sql(path: &str) -> String {
    let path = repository_root().join("tests/fixtures/corpus").join(path);
    let sql = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    // A dump empties the session's search_path; the pooled session that
    // loads it is used again by the test.
    format!("{sql}\nRESET ALL;\n")
}

/// The round trip of a database made by `sql`; returns the project, pull's
/// output and the original database.
fn round_trip_of(name: &str, sql: &str) -> ((Project, Run), TestDb) {
    let original = empty_database(&format!("pull_{name}"));
    execute(&original, sql);
    let before = schema_of(&original);

    let project = copy_fixture(FIXTURE);
    let run = pull(&project, original.url(), OUT);
    assert_eq!(run.code, 0, "pull of {name}\n{run:#?}");
    assert!(
        run.stderr
            .contains("add `mod schema;` to crates/app/src/lib.rs"),
        "{}",
        run.stderr
    );
    assert!(project.path("migrations/V1__baseline.sql").is_file());
    assert!(project.path("migrations/meta/V1__baseline.json").is_file());

    project.write(
        "crates/app/src/lib.rs",
        &format!("{}pub mod schema;\n", project.read("crates/app/src/lib.rs")),
    );
    cargo_check(&project);

    let check = project.run(&["generate", "--check"]);
    assert_eq!(
        check.code, 0,
        "generate --check after pulling {name}\n{check:#?}"
    );

    let fresh = empty_database(&format!("pull_{name}_fresh"));
    let migrate = project.run_without_environment_url(&["migrate", "--database-url", fresh.url()]);
    assert_eq!(migrate.code, 0, "{migrate:#?}");
    let differences = dbkit_core::compare::schema_differences(&before, &schema_of(&fresh));
    assert!(
        differences.is_empty(),
        "the baseline applied to a fresh database differs from {name}:\n{}",
        dbkit_core::compare::format_differences(&differences)
    );

    let status = project.run_without_environment_url(&["status", "--database-url", original.url()]);
    assert_eq!(status.code, 0, "{status:#?}");
    assert!(status.stdout.contains("V1__baseline"), "{status:#?}");
    assert!(status.stdout.contains("1 applied"), "{status:#?}");
    let again = project.run_without_environment_url(&["migrate", "--database-url", original.url()]);
    assert_eq!(again.code, 0, "{again:#?}");
    assert!(again.stderr.contains("nothing to apply"), "{again:#?}");
    assert_eq!(history_rows(&original), history_rows(&fresh));
    // Pulling changed nothing in the database but its history.
    let differences = dbkit_core::compare::schema_differences(&before, &schema_of(&original));
    assert!(differences.is_empty(), "{differences:?}");
    ((project, run), original)
}

/// Right after pull, what it left out or carried is no drift.
fn assert_no_drift(project: &Project, database: &TestDb) {
    let check = project.run_without_environment_url(&[
        "check",
        "--database-url",
        database.url(),
        "--color",
        "never",
    ]);
    assert_eq!(check.code, 0, "{check:#?}");
    assert!(!check.stderr.contains("[drift-"), "{}", check.stderr);
}

/// A public sample schema is adopted whole: pull names nothing as left
/// out or carried, and a fresh database migrated with the baseline dumps
/// (`pg_dump --schema-only`) exactly as the original does.
fn public_schema_round_trips(name: &str, sql: &str) -> Project {
    let ((project, run), original) = round_trip_of(name, sql);
    for word in ["left out", "carried"] {
        assert!(
            !run.stderr.contains(word),
            "pull of {name}:\n{}",
            run.stderr
        );
    }
    let fresh = empty_database(&format!("pull_{name}_dumped"));
    let migrate = project.run_without_environment_url(&["migrate", "--database-url", fresh.url()]);
    assert_eq!(migrate.code, 0, "{migrate:#?}");
    let (expected, found) = (schema_dump(&original), schema_dump(&fresh));
    let missing: Vec<&String> = expected.iter().filter(|e| !found.contains(e)).collect();
    let unexpected: Vec<&String> = found.iter().filter(|e| !expected.contains(e)).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "the dump of a database migrated with the baseline differs from {name}'s\n\
         --- only in {name} ---\n{missing:#?}\n--- only in the migrated one ---\n{unexpected:#?}"
    );
    assert_no_drift(&project, &original);
    project
}

/// The entries of `pg_dump --schema-only` of the database, without owners,
/// privileges, comments, the migration history and the dump's own lines
/// (its `public` schema entry, its random `\restrict` key), sorted.
fn schema_dump(database: &TestDb) -> Vec<String> {
    let output = Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "--exclude-table=*.refinery_schema_history",
            "--dbname",
            database.url(),
        ])
        .output()
        .expect("start pg_dump");
    assert!(
        output.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut entries: Vec<String> = text
        .split("\n--\n-- Name: ")
        .skip(1)
        .filter(|entry| !entry.starts_with("public; Type: SCHEMA;"))
        .map(|entry| {
            entry
                .lines()
                .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
                .filter(|line| !line.starts_with("-- PostgreSQL database dump complete"))
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string()
        })
        .collect();
    entries.sort();
    entries
}

/// pagila, with its domains, sequences no column owns, functions, an
/// aggregate, views, a materialized view, a partitioned table and its
/// partitions, and triggers: all declared in the code, in their typed
/// forms (domains as newtypes, views, functions, triggers on their tables,
/// partitions) and, for the aggregate, as a generic object.
#[test]
fn pagila_is_adopted_whole() {
    let project = public_schema_round_trips("pagila", &corpus_sql("pagila/pagila-schema.sql"));
    let code = pulled_code(&project);
    for declared in [
        "kind = \"aggregate\",\n    identity = \"public.group_concat(pg_catalog.text)\"",
        "#[derive(Debug, Clone, Domain)]",
        "pub struct Year(pub i32);",
        "pub release_year: Option<super::public::Year>,",
        "materialized_view = \"rental_by_category\"",
        "function = \"last_updated\"",
        "name = \"last_updated\"",
        "partition_of = \"payment\"",
    ] {
        assert!(code.contains(declared), "`{declared}` in\n{code}");
    }
}

/// Operators, operator families and classes (one used by an index, so
/// created before the tables), text search configurations, dictionaries,
/// parsers and templates, a conversion, a foreign-data wrapper, a server, a
/// user mapping, a foreign table and publications: all declared in the
/// code as generic objects, each created after what it uses.
#[test]
fn every_other_kind_of_object_is_adopted_whole() {
    let project = public_schema_round_trips("other_kinds", &fixture_sql("other_kinds"));
    let code = pulled_code(&project);
    for kind in [
        "operator",
        "operator family",
        "operator class",
        "text search configuration",
        "text search dictionary",
        "text search parser",
        "text search template",
        "conversion",
        "foreign-data wrapper",
        "server",
        "user mapping",
        "foreign table",
        "publication",
    ] {
        let declared = format!("kind = \"{kind}\"");
        assert!(code.contains(&declared), "`{declared}` in\n{code}");
    }
    // The operators a class uses are named, as their symbols are no names.
    assert!(
        code.contains("\"public.<<<(public.score,public.score)\""),
        "{code}"
    );
}

/// Options the DSL cannot say are named by pull and, as not compared, by
/// check: none changes meaning silently.
#[test]
fn options_the_dsl_cannot_say_are_named_by_pull_and_check() {
    let ((project, run), original) = round_trip_of("options", &fixture_sql("options"));
    let named = [
        "constraint account_email_key on public.account: NULLS NOT DISTINCT is left out",
        "constraint account_email_check on public.account: NO INHERIT is left out",
        "constraint account_team_fkey on public.account: MATCH FULL is left out",
        "constraint account_backup_team_fkey on public.account: the column list of ON DELETE SET NULL / SET DEFAULT is left out",
        "identity column public.account.id: START WITH 1000 INCREMENT BY 10",
        "index account_team_idx on public.account: its comment is left out",
        "constraint account_email_key on public.account: its comment is left out",
        "sequence public.bill_id_seq: owned by public.invoice.id but not named invoice_id_seq",
    ];
    for text in named {
        assert!(
            run.stderr.contains(text),
            "pull names `{text}`\n{}",
            run.stderr
        );
    }
    // Storage parameters are part of the DSL now: pulled, not named.
    assert!(!run.stderr.contains("storage parameters"), "{}", run.stderr);
    assert!(
        pulled_code(&project).contains("with = \"fillfactor=70\""),
        "{}",
        pulled_code(&project)
    );
    let check = project.run_without_environment_url(&[
        "check",
        "--database-url",
        original.url(),
        "--color",
        "never",
    ]);
    assert_eq!(check.code, 0, "{check:#?}");
    assert!(
        !check.stderr.contains("[drift-difference]"),
        "{}",
        check.stderr
    );
    for text in named {
        assert!(
            check
                .stderr
                .contains(&format!("[drift-not-compared] {text}")),
            "check names `{text}`\n{}",
            check.stderr
        );
    }
}

/// A folder of migrations written without dbkit: `check` says so once
/// (it said "has no snapshot" as an error for every file), and `pull
/// --from-migrations` adopts it: the schema code and the newest migration's
/// snapshot from a replay, after which `generate` continues from there.
#[test]
fn a_folder_of_hand_written_migrations_is_adopted() {
    let project = copy_fixture(FIXTURE);
    let migrations = [
        (
            "V1__create_books.sql",
            "CREATE TABLE book (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    title text NOT NULL\n);\n",
        ),
        (
            "V2__add_published_on.sql",
            "SET lock_timeout = '2s';\nALTER TABLE book ADD COLUMN published_on date;\n",
        ),
        (
            "V3__backfill.sql",
            "UPDATE book SET published_on = '2000-01-01' WHERE published_on IS NULL AND id < 100;\n",
        ),
        (
            "V4__touch_function.sql",
            "CREATE FUNCTION book_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM book $$;\n",
        ),
    ];
    for (name, sql) in migrations {
        project.write(&format!("migrations/{name}"), sql);
    }
    let check = project.run(&["check", "--color", "never"]);
    assert_eq!(check.code, 0, "{check:#?}");
    assert!(check.stderr.contains("[no-snapshots]"), "{}", check.stderr);
    assert!(
        !check.stderr.contains("[missing-snapshot]"),
        "{}",
        check.stderr
    );

    let run = project.run(&["pull", "--from-migrations", "--out", OUT]);
    assert_eq!(run.code, 0, "{run:#?}");
    // The migrations' function is declared in the code, not left out.
    assert!(!run.stderr.contains("left out"), "{}", run.stderr);
    let code = pulled_code(&project);
    assert!(
        code.contains("#[derive(Function)]") && code.contains("function = \"book_count\""),
        "{code}"
    );
    assert!(
        project
            .path("migrations/meta/V4__touch_function.json")
            .is_file()
    );
    let mut written: Vec<String> = migrations
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    written.push("meta/V4__touch_function.json".to_string());
    assert_eq!(
        project.migration_files(),
        written,
        "no migration is written"
    );
    project.write(
        "crates/app/src/lib.rs",
        &format!("{}pub mod schema;\n", project.read("crates/app/src/lib.rs")),
    );
    cargo_check(&project);
    let check = project.run(&["generate", "--check"]);
    assert_eq!(check.code, 0, "{check:#?}");
    let check = project.run(&["check", "--color", "never"]);
    assert_eq!(check.code, 0, "{check:#?}");
    assert!(!check.stderr.contains("snapshot"), "{}", check.stderr);

    // The next change is generated on top of V4.
    let module = pulled_code(&project);
    let file = module
        .split("==> ")
        .find(|part| part.contains("pub title: String,"))
        .and_then(|part| part.split(" <==").next())
        .expect("the book table's file");
    let path = format!("{OUT}/{file}");
    project.edit(
        &path,
        "pub title: String,",
        "pub title: String,\n    pub subtitle: Option<String>,",
    );
    let generate = project.run(&["generate", "--name", "add_subtitle"]);
    assert_eq!(generate.code, 0, "{generate:#?}");
    let sql = project.read("migrations/V5__add_subtitle.sql");
    assert!(sql.contains("ADD COLUMN \"subtitle\" text"), "{sql}");
    assert!(!sql.contains("CREATE TABLE"), "{sql}");
}

/// Adopting a folder that has snapshots already is refused.
#[test]
fn a_folder_with_snapshots_is_not_adopted_again() {
    let project = copy_fixture(FIXTURE);
    project.write(
        "migrations/V1__a.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\n",
    );
    project.write("migrations/meta/V1__a.json", "{}");
    let run = project.run(&["pull", "--from-migrations", "--out", OUT]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("already has snapshots"),
        "{}",
        run.stderr
    );
}

#[test]
fn chinook_is_adopted_whole() {
    public_schema_round_trips("chinook", &corpus_sql("chinook/chinook-serial.sql"));
}

/// Extensions (a type, an operator class, a default's function) and a
/// function of the database's own: declared in the code as extensions and
/// a `#[derive(Function)]`, created before the table whose default calls it; nested domains and a sequence no column owns are code,
/// created by the baseline before the tables; the indexes with an
/// extension's operator class, a descending key and `INCLUDE` columns are
/// code of their tables; the baseline applies.
#[test]
fn what_the_tables_need_from_extensions_domains_and_functions_is_declared() {
    let ((project, run), original) = round_trip_of("extensions", &fixture_sql("extensions"));
    let baseline = project.read("migrations/V1__baseline.sql");
    for statement in [
        "CREATE EXTENSION IF NOT EXISTS \"pg_trgm\" WITH SCHEMA \"extensions\";",
        "CREATE EXTENSION IF NOT EXISTS \"ltree\";",
        "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";",
        "CREATE SEQUENCE \"public\".\"document_numbers\" AS bigint INCREMENT BY 1",
        "CREATE FUNCTION \"public\".\"next_code\"()",
        "CREATE DOMAIN \"public\".\"small_positive\" AS positive_int",
        "CREATE INDEX \"document_body_trgm\" ON \"public\".\"document\" USING gin (\"body\" \"extensions\".\"gin_trgm_ops\");",
        "CREATE INDEX \"document_number_desc\" ON \"public\".\"document\" (\"number\" DESC);",
        "INCLUDE (\"path\");",
        "CREATE SCHEMA IF NOT EXISTS \"reports\";",
    ] {
        assert!(baseline.contains(statement), "`{statement}` in\n{baseline}");
    }
    // Domains, domains over domains and arrays of them are code, and their
    // columns are of their newtypes.
    let code = pulled_code(&project);
    for field in [
        "pub rank: Option<SmallPositive>,",
        "pub ranks: Option<Vec<PositiveInt>>,",
        "pub struct PositiveInt(pub i32);",
        "pub struct DocumentNumbers;",
    ] {
        assert!(code.contains(field), "`{field}` in\n{code}");
    }
    for word in ["left out", "carried"] {
        assert!(!run.stderr.contains(word), "{}", run.stderr);
    }
    assert!(
        code.contains("opclass = \"extensions.gin_trgm_ops\""),
        "{code}"
    );
    assert_no_drift(&project, &original);
}

#[test]
fn a_shop_round_trips() {
    let (project, run) = round_trip("shop");
    // Its view, trigger and function are generic objects of the code.
    for word in ["left out", "carried"] {
        assert!(!run.stderr.contains(word), "{}", run.stderr);
    }
    insta::assert_snapshot!("pulled_shop", pulled_code(&project));
}

#[test]
fn a_multi_tenant_saas_round_trips() {
    let (project, _) = round_trip("saas");
    let code = pulled_code(&project);
    for sql_type in ["cidr", "macaddr", "interval", "tsvector"] {
        assert!(
            code.contains(&format!("sql_type = \"{sql_type}\"")),
            "`{sql_type}` has no Rust mapping and is declared with sql_type\n{code}"
        );
    }
}

#[test]
fn a_blog_round_trips() {
    round_trip("blog");
}

/// Row-level security and policies become code, with no warning about
/// them, and the baseline made from that code creates them again.
#[test]
fn row_level_security_and_policies_round_trip_without_a_warning() {
    let ((project, run), original) =
        round_trip_of("row_level_security", &fixture_sql("row_level_security"));
    assert!(
        !run.stderr.contains("warning"),
        "nothing is left out:\n{}",
        run.stderr
    );
    let code = pulled_code(&project);
    for written in [
        "#[dbkit(row_level_security)]",
        "#[dbkit(row_level_security, force_row_level_security)]",
        "name = \"readers_read\"",
        "for = \"select\"",
        "to(\"Pull Auditor\", dbkit_pull_reader)",
        "restrictive",
    ] {
        assert!(code.contains(written), "`{written}` is written\n{code}");
    }
    insta::assert_snapshot!(code);
    assert_no_drift(&project, &original);
}

/// A partitioned database is pulled whole: partitioned tables with their
/// key, partitions as unit structs with their bounds (sub-partitions
/// too), keys, indexes and foreign keys on the parents only. No partition
/// and none of the copies PostgreSQL attaches to them (they were named as
/// "a partition of public.payment_pkey") is named as left out; a
/// partition's own index is.
#[test]
fn a_partitioned_database_round_trips() {
    let sql = "CREATE TABLE payment (id int, paid_on date, PRIMARY KEY (id, paid_on)) PARTITION BY RANGE (paid_on);\n\
         CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');\n\
         CREATE TABLE payment_other PARTITION OF payment DEFAULT;\n\
         CREATE INDEX payment_paid_on ON payment (paid_on DESC);\n\
         CREATE TABLE refund (id int PRIMARY KEY, payment_id int NOT NULL, paid_on date NOT NULL,\n\
             FOREIGN KEY (payment_id, paid_on) REFERENCES payment);\n\
         CREATE TABLE sale (region text NOT NULL, sold_on date NOT NULL, amount int) PARTITION BY LIST (region);\n\
         CREATE INDEX sale_amount_idx ON sale (amount);\n\
         CREATE TABLE sale_eu PARTITION OF sale FOR VALUES IN ('de', 'fr') PARTITION BY RANGE (sold_on);\n\
         CREATE TABLE sale_eu_any PARTITION OF sale_eu DEFAULT;\n\
         CREATE INDEX sale_eu_any_region ON sale_eu_any (region);\n\
         CREATE TABLE bucket (id bigint PRIMARY KEY) PARTITION BY HASH (id);\n\
         CREATE TABLE bucket_0 PARTITION OF bucket FOR VALUES WITH (MODULUS 2, REMAINDER 0);\n\
         CREATE TABLE bucket_1 PARTITION OF bucket FOR VALUES WITH (MODULUS 2, REMAINDER 1);\n\
         COMMENT ON TABLE bucket_1 IS 'The odd half.';";
    let ((project, run), original) = round_trip_of("partitions", sql);
    let left_out: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.contains("left out of the code"))
        .collect();
    // A partition's own index is no part of the partition's struct: it is
    // carried as a generic object.
    assert_eq!(left_out, Vec::<&str>::new(), "{}", run.stderr);
    assert!(
        !run.stderr.contains("payment_2022") && !run.stderr.contains("partitioned table"),
        "{}",
        run.stderr
    );
    let code = pulled_code(&project);
    for expected in [
        "#[dbkit(partition_by = \"RANGE (paid_on)\")]",
        "#[dbkit(\n    table = \"payment_2022\",\n    partition_of = \"payment\",\n    bounds = \"FOR VALUES FROM ('2022-01-01') TO ('2023-01-01')\"\n)]\npub struct Payment2022;",
        "partition_of = \"sale\",\n    bounds = \"FOR VALUES IN ('de', 'fr')\",\n    partition_by = \"RANGE (sold_on)\"",
        "bounds = \"FOR VALUES WITH (modulus 2, remainder 1)\"",
        "identity = \"public.sale_eu_any_region\"",
        "/// The odd half.",
    ] {
        assert!(code.contains(expected), "{expected}\n{code}");
    }
    assert_no_drift(&project, &original);
}

// ---------------------------------------------------------------------------
// Refusals: exit 2, nothing written, nothing recorded.

/// A database with the blog's schema, a fixture copy, and pull's run
/// after `prepare`; asserts exit 2 and that nothing was written or recorded.
fn refused(name: &str, prepare: impl FnOnce(&Project), out: &str) -> Run {
    let database = empty_database(&format!("pull_refused_{name}"));
    execute(&database, &fixture_sql("blog"));
    let project = copy_fixture(FIXTURE);
    prepare(&project);
    let mut before = Vec::new();
    crate::common::list_files(&project.root, "", &mut before);
    before.sort();
    let run = pull(&project, database.url(), out);
    assert_eq!(run.code, 2, "{run:#?}");
    let mut after = Vec::new();
    crate::common::list_files(&project.root, "", &mut after);
    after.sort();
    assert_eq!(
        before, after,
        "pull wrote files although it refused\n{run:#?}"
    );
    assert_eq!(
        history_rows(&database),
        Vec::new(),
        "pull recorded a baseline"
    );
    run
}

#[test]
fn a_workspace_with_migrations_is_refused() {
    let run = refused(
        "migrations",
        |project| project.write("migrations/V1__init.sql", "CREATE TABLE t (id integer);\n"),
        OUT,
    );
    assert!(run.stderr.contains("is not empty"), "{}", run.stderr);
    assert!(
        run.stderr.contains("adopts a database once"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("postgres://"), "{}", run.stderr);
}

#[test]
fn a_folder_outside_the_schema_crates_is_refused() {
    let run = refused("outside", |_| {}, "db/schema");
    assert!(
        run.stderr
            .contains("is not a module folder inside a crate that depends on dbkit-runtime"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`app` holds its sources in"),
        "{}",
        run.stderr
    );
}

#[test]
fn files_pull_did_not_write_are_not_overwritten() {
    let run = refused(
        "foreign",
        |project| project.write(&format!("{OUT}/mod.rs"), "//! Mine.\npub mod users;\n"),
        OUT,
    );
    assert!(
        run.stderr.contains("not written by `cargo dbkit pull`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_holding_a_file_pull_did_not_write_is_refused_without_a_mod_rs() {
    let run = refused(
        "foreign_without_mod",
        |project| {
            project.write(&format!("{OUT}/helpers.rs"), "pub fn helper() {}\n");
            project.write(&format!("{OUT}/notes.txt"), "mine\n");
        },
        OUT,
    );
    assert!(
        run.stderr
            .contains("crates/app/src/schema/helpers.rs, crates/app/src/schema/notes.txt"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("not written by `cargo dbkit pull`"),
        "{}",
        run.stderr
    );
    // A folder inside it is a module pull would not declare either.
    let run = refused(
        "foreign_folder",
        |project| project.write(&format!("{OUT}/extra/mod.rs"), "//! Mine.\n"),
        OUT,
    );
    assert!(
        run.stderr.contains("crates/app/src/schema/extra/"),
        "{}",
        run.stderr
    );
}

#[test]
fn schema_globs_that_miss_the_folder_are_refused_with_the_fix() {
    let run = refused(
        "globs",
        |project| {
            project.write(
                "Cargo.toml",
                &format!(
                    "{}\n[workspace.metadata.dbkit]\nschema = [\"crates/*/src/**/*_schema.rs\"]\n",
                    project.read("Cargo.toml")
                ),
            )
        },
        OUT,
    );
    assert!(run.stderr.contains("does not match"), "{}", run.stderr);
    assert!(
        run.stderr.contains("\"crates/app/src/schema/*.rs\""),
        "{}",
        run.stderr
    );
}

#[test]
fn without_rustfmt_the_modules_are_written_unformatted() {
    let database = empty_database("pull_no_rustfmt");
    execute(&database, &fixture_sql("blog"));
    let project = copy_fixture(FIXTURE);
    let mut command = crate::common::binary_command(
        &project.root.join("Cargo.toml"),
        &project.root,
        &["pull", "--database-url", database.url(), "--out", OUT],
    );
    command
        .env_remove("DATABASE_URL")
        .env("RUSTFMT", "/nonexistent/rustfmt");
    let run = crate::common::finish(&mut command);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr.contains("warning: rustfmt is not installed"),
        "{}",
        run.stderr
    );
    assert!(
        project
            .read(&format!("{OUT}/public.rs"))
            .contains("pub struct Posts")
    );
}
