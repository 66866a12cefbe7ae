//! Drives the real `cargo-dbkit` binary over temporary copies of the fixture
//! workspaces in `tests/fixtures/` (and over this repository itself).

use crate::common::*;
use std::path::Path;
use std::process::Command;

const ACCOUNTS_SCHEMA: &str = "crates/accounts/src/account_schema.rs";
const BILLING_SCHEMA: &str = "crates/billing/src/main.rs";

/// The multi-crate fixture with its first migration written.
fn multi_crate_with_first_migration() -> Project {
    let project = copy_fixture("multi_crate");
    project.generate(&["--name", "initial"], 0);
    project
}

// ---------------------------------------------------------------------------
// The everyday loop on a workspace whose schema is spread over three crates.

#[test]
fn first_generate_writes_v1_and_its_snapshot() {
    let project = copy_fixture("multi_crate");
    let run = project.generate(&[], 0);
    let files = project.migration_files();
    assert_eq!(files.len(), 2, "{files:?}");
    let sql_file = files
        .iter()
        .find(|f| f.ends_with(".sql"))
        .expect("an SQL file")
        .clone();
    assert!(sql_file.starts_with("V1__"), "{sql_file}");
    let snapshot_file = format!("meta/{}", sql_file.replace(".sql", ".json"));
    assert!(files.contains(&snapshot_file), "{files:?}");
    assert!(
        run.stderr.contains(&format!("migrations/{sql_file}")),
        "{}",
        run.stderr
    );
    let sql = project.read(&format!("migrations/{sql_file}"));
    // Tables from two crates and the enum from a third; never the test-only items.
    assert!(sql.contains("CREATE TYPE \"public\".\"plan\""), "{sql}");
    assert!(sql.contains("CREATE TABLE \"public\".\"users\""), "{sql}");
    assert!(
        sql.contains("CREATE TABLE \"public\".\"invoices\""),
        "{sql}"
    );
    assert!(
        !sql.contains("scratch_table") && !sql.contains("test_only_table"),
        "{sql}"
    );
    insta::assert_snapshot!("multi_crate_v1_sql", sql);
    insta::assert_snapshot!("multi_crate_v1_output", project.redact(&run.stderr));
}

#[test]
fn second_generate_says_no_changes_and_writes_nothing() {
    let project = multi_crate_with_first_migration();
    let before = project.migration_files();
    let run = project.generate(&[], 0);
    assert!(run.stderr.contains("no changes"), "{}", run.stderr);
    assert_eq!(project.migration_files(), before);
}

#[test]
fn a_change_writes_v2_with_its_sql() {
    let project = multi_crate_with_first_migration();
    project.edit(ACCOUNTS_SCHEMA, "    pub name: Option<String>,\n", "    pub name: Option<String>,\n    #[dbkit(default = \"now()\")]\n    pub created_at: chrono::DateTime<chrono::Utc>,\n");
    project.edit(
        ACCOUNTS_SCHEMA,
        "    #[dbkit(unique)]\n    pub email: String,\n",
        "    pub email: String,\n",
    );
    let run = project.generate(&[], 0);
    let files = project.migration_files();
    let v2 = files
        .iter()
        .find(|f| f.starts_with("V2__") && f.ends_with(".sql"))
        .expect("V2 written")
        .clone();
    insta::assert_snapshot!(
        "multi_crate_v2_sql",
        project.read(&format!("migrations/{v2}"))
    );
    insta::assert_snapshot!("multi_crate_v2_output", project.redact(&run.stderr));
    // The new snapshot's parent is V1's snapshot.
    let v1_json = files
        .iter()
        .find(|f| f.starts_with("meta/V1__"))
        .expect("V1 snapshot");
    let v2_json = files
        .iter()
        .find(|f| f.starts_with("meta/V2__"))
        .expect("V2 snapshot");
    let v1: serde_json::Value =
        serde_json::from_str(&project.read(&format!("migrations/{v1_json}"))).expect("json");
    let v2: serde_json::Value =
        serde_json::from_str(&project.read(&format!("migrations/{v2_json}"))).expect("json");
    assert_eq!(v2["parent"], v1["id"]);
    project.generate(&[], 0);
    assert_eq!(
        project.migration_files(),
        files,
        "a third run changes nothing"
    );
}

#[test]
fn destructive_changes_are_warned_about_and_commented_in_the_file() {
    let project = multi_crate_with_first_migration();
    project.edit(ACCOUNTS_SCHEMA, "    pub name: Option<String>,\n", "");
    let run = project.generate(&["--name", "drop_user_name"], 0);
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains("\"name\""), "{}", run.stderr);
    let sql = project.read("migrations/V2__drop_user_name.sql");
    let header: String = sql
        .lines()
        .take_while(|line| line.starts_with("--") || line.is_empty())
        .collect();
    assert!(header.contains("\"name\""), "{sql}");
}

#[test]
fn check_exits_0_when_code_and_migrations_agree_and_1_when_not() {
    let project = copy_fixture("multi_crate");
    let run = project.generate(&["--check"], 1);
    assert!(
        project.migration_files().is_empty(),
        "--check writes nothing"
    );
    insta::assert_snapshot!("check_without_migrations", project.redact(&run.stderr));

    project.generate(&[], 0);
    project.generate(&["--check"], 0);

    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub name: Option<String>,\n",
        "    pub name: Option<String>,\n    pub nickname: Option<String>,\n",
    );
    let before = project.migration_files();
    let run = project.generate(&["--check"], 1);
    assert_eq!(project.migration_files(), before);
    insta::assert_snapshot!("check_with_a_change", project.redact(&run.stderr));
}

#[test]
fn check_flags_a_migration_without_snapshot() {
    let project = multi_crate_with_first_migration();
    project.write(
        "migrations/V2__fix_data.sql",
        "UPDATE users SET name = 'x';\n",
    );
    let run = project.generate(&["--check"], 1);
    assert!(run.stderr.contains("V2__fix_data.sql"), "{}", run.stderr);
    assert!(run.stderr.contains("--custom"), "{}", run.stderr);
}

#[test]
fn custom_writes_an_empty_migration_that_check_accepts() {
    let project = multi_crate_with_first_migration();
    let run = project.generate(&["--custom", "--name", "Backfill user names!"], 0);
    assert!(
        run.stderr.contains("V2__backfill_user_names.sql"),
        "{}",
        run.stderr
    );
    let sql = project.read("migrations/V2__backfill_user_names.sql");
    assert!(
        sql.lines()
            .all(|line| line.is_empty() || line.starts_with("--")),
        "only comments: {sql}"
    );
    let v1: serde_json::Value =
        serde_json::from_str(&project.read("migrations/meta/V1__initial.json")).expect("json");
    let v2: serde_json::Value =
        serde_json::from_str(&project.read("migrations/meta/V2__backfill_user_names.json"))
            .expect("json");
    assert_eq!(
        v1["schema"], v2["schema"],
        "a custom migration keeps the schema"
    );
    assert_eq!(v2["parent"], v1["id"]);
    // Hand-written SQL goes into the file; the code still agrees with the migrations.
    project.write(
        "migrations/V2__backfill_user_names.sql",
        &format!("{sql}UPDATE users SET name = email WHERE name IS NULL;\n"),
    );
    project.generate(&["--check"], 0);
    let run = project.generate(&[], 0);
    assert!(run.stderr.contains("no changes"), "{}", run.stderr);
}

#[test]
fn name_is_sanitised_into_the_file_name() {
    let project = copy_fixture("multi_crate");
    project.generate(&["--name", "Create Users & Invoices"], 0);
    let files = project.migration_files();
    assert!(
        files.contains(&"V1__create_users_invoices.sql".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"meta/V1__create_users_invoices.json".to_string()),
        "{files:?}"
    );
}

#[test]
fn an_ambiguous_rename_without_a_terminal_stops_with_exit_2() {
    let project = multi_crate_with_first_migration();
    project.edit(
        ACCOUNTS_SCHEMA,
        "pub name: Option<String>",
        "pub full_name: Option<String>",
    );
    let before = project.migration_files();
    let run = project.generate(&[], 2);
    assert_eq!(project.migration_files(), before, "nothing written");
    assert!(run.stderr.contains("renamed_from"), "{}", run.stderr);
    assert!(run.stderr.contains("--rename"), "{}", run.stderr);
    insta::assert_snapshot!("ambiguous_rename", project.redact(&run.stderr));
}

/// On a terminal (`script` gives the binary one), generate asks and uses the answer.
#[cfg(target_os = "linux")]
#[test]
fn an_ambiguous_rename_on_a_terminal_is_asked_about() {
    let project = multi_crate_with_first_migration();
    project.edit(
        ACCOUNTS_SCHEMA,
        "pub name: Option<String>",
        "pub full_name: Option<String>",
    );
    let command_line = format!(
        "'{}' dbkit generate --name renamed --manifest-path '{}'",
        env!("CARGO_BIN_EXE_cargo-dbkit"),
        project.root.join("Cargo.toml").display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command_line, "/dev/null"])
        .current_dir(&project.root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs the binary on a pseudo-terminal");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    if let Some(stdin) = child.stdin.as_mut() {
        std::io::Write::write_all(stdin, b"1\n").expect("answer");
    }
    let output = child.wait_with_output().expect("script finishes");
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(transcript.contains("Was it renamed?"), "{transcript}");
    let sql = project.read("migrations/V2__renamed.sql");
    assert!(
        sql.contains("RENAME COLUMN \"name\" TO \"full_name\""),
        "{sql}"
    );
}

#[test]
fn rename_option_turns_drop_and_add_into_a_rename() {
    let project = multi_crate_with_first_migration();
    project.edit(
        ACCOUNTS_SCHEMA,
        "pub name: Option<String>",
        "pub full_name: Option<String>",
    );
    project.generate(
        &["--rename", "users.name=full_name", "--name", "rename_name"],
        0,
    );
    let sql = project.read("migrations/V2__rename_name.sql");
    assert!(
        sql.contains("RENAME COLUMN \"name\" TO \"full_name\""),
        "{sql}"
    );
    assert!(!sql.contains("DROP COLUMN"), "{sql}");
    project.generate(&["--check"], 0);
}

#[test]
fn renamed_from_in_the_code_needs_no_option() {
    let project = multi_crate_with_first_migration();
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub name: Option<String>",
        "    #[dbkit(renamed_from = \"name\")]\n    pub full_name: Option<String>",
    );
    project.generate(&["--name", "rename_name"], 0);
    let sql = project.read("migrations/V2__rename_name.sql");
    assert!(
        sql.contains("RENAME COLUMN \"name\" TO \"full_name\""),
        "{sql}"
    );
}

/// The multi-crate fixture with a second users table, `users_v2`
/// (columns `email` and `email_v2`), migrated: V1 and V2 written.
fn with_users_v2() -> Project {
    let project = multi_crate_with_first_migration();
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[cfg(test)]",
        "/// The next version of users.\n#[derive(Table)]\n#[dbkit(table = \"users_v2\")]\npub struct UserV2 {\n    #[dbkit(primary_key)]\n    pub id: i64,\n    pub email: String,\n    pub email_v2: Option<String>,\n}\n\n#[cfg(test)]",
    );
    project.generate(&["--name", "add_users_v2"], 0);
    project
}

/// The statements of a migration file, without its comments.
fn statements_of(sql: &str) -> Vec<&str> {
    sql.split("\n\n")
        .map(str::trim)
        .filter(|block| !block.is_empty() && !block.starts_with("--"))
        .collect()
}

#[test]
fn a_chain_of_renames_in_the_code_moves_each_table_and_column_once() {
    // users becomes users_old and users_v2 takes its name; in users_v2,
    // email becomes email_old and email_v2 takes its name.
    let project = with_users_v2();
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users\")]",
        "#[dbkit(table = \"users_old\", renamed_from = \"users\")]",
    );
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users_v2\")]",
        "#[dbkit(table = \"users\", renamed_from = \"users_v2\")]",
    );
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub email: String,\n    pub email_v2: Option<String>,",
        "    #[dbkit(renamed_from = \"email\")]\n    pub email_old: String,\n    #[dbkit(renamed_from = \"email_v2\")]\n    pub email: Option<String>,",
    );
    // Invoices keep pointing at the same table, under its new name.
    project.edit(BILLING_SCHEMA, "\"users.id\"", "\"users_old.id\"");
    let run = project.generate(&["--name", "chain"], 0);
    assert!(!run.stderr.contains("cycle"), "{}", run.stderr);
    let sql = project.read("migrations/V3__chain.sql");
    assert_eq!(
        statements_of(&sql),
        [
            "ALTER TABLE \"public\".\"users\" RENAME TO \"users_old\";",
            "ALTER TABLE \"public\".\"users_v2\" RENAME TO \"users\";",
            "ALTER TABLE \"public\".\"users_old\" RENAME CONSTRAINT \"users_pkey\" TO \"users_old_pkey\";",
            "ALTER TABLE \"public\".\"users\" RENAME CONSTRAINT \"users_v2_pkey\" TO \"users_pkey\";",
            "ALTER TABLE \"public\".\"users_old\" RENAME CONSTRAINT \"users_email_key\" TO \"users_old_email_key\";",
            "ALTER TABLE \"public\".\"users\" RENAME COLUMN \"email\" TO \"email_old\";",
            "ALTER TABLE \"public\".\"users\" RENAME COLUMN \"email_v2\" TO \"email\";",
        ],
        "{sql}"
    );
    // The hints left in the code change nothing on the next run.
    let again = project.generate(&[], 0);
    assert!(again.stderr.contains("no changes"), "{}", again.stderr);
    project.generate(&["--check"], 0);
}

#[test]
fn a_chain_of_renames_on_the_command_line_writes_the_same_migration() {
    let project = with_users_v2();
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users\")]",
        "#[dbkit(table = \"users_old\")]",
    );
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users_v2\")]",
        "#[dbkit(table = \"users\")]",
    );
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub email: String,\n    pub email_v2: Option<String>,",
        "    pub email_old: String,\n    pub email: Option<String>,",
    );
    project.edit(BILLING_SCHEMA, "\"users.id\"", "\"users_old.id\"");
    // Without renames it is ambiguous, and the suggestion pairs nothing a
    // rename would name.
    let ambiguous = project.generate(&[], 2);
    assert!(
        ambiguous
            .stderr
            .contains("renamed, or dropped and created?"),
        "{}",
        ambiguous.stderr
    );
    project.generate(
        &[
            "--rename",
            "users=users_old",
            "--rename",
            "users_v2=users",
            "--rename",
            "users_v2.email=users.email_old",
            "--rename",
            "users_v2.email_v2=users.email",
            "--name",
            "chain",
        ],
        0,
    );
    let sql = project.read("migrations/V3__chain.sql");
    assert!(
        !sql.contains("DROP") && !sql.contains("CREATE") && !sql.contains("ADD"),
        "{sql}"
    );
    let position = |text: &str| sql.find(text).unwrap_or_else(|| panic!("{text} in {sql}"));
    assert!(
        position("RENAME TO \"users_old\"") < position("\"users_v2\" RENAME TO \"users\""),
        "{sql}"
    );
    assert!(
        position("RENAME COLUMN \"email\" TO \"email_old\"")
            < position("RENAME COLUMN \"email_v2\" TO \"email\""),
        "{sql}"
    );
}

#[test]
fn a_partly_declared_chain_suggests_only_the_undeclared_rename() {
    // users → users_old is declared; that users_v2 became users is not.
    let project = with_users_v2();
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users\")]",
        "#[dbkit(table = \"users_old\", renamed_from = \"users\")]",
    );
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users_v2\")]",
        "#[dbkit(table = \"users\")]",
    );
    let run = project.generate(&[], 2);
    assert!(
        run.stderr
            .contains("`public.users_v2` disappeared and `public.users` appeared"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`#[dbkit(renamed_from = \"users_v2\")]` to the struct, or pass `--rename users_v2=users`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("users_old"), "{}", run.stderr);
}

/// On a terminal, the question about a partly declared chain offers only
/// the table the declared rename leaves free, and the answer completes it.
#[cfg(target_os = "linux")]
#[test]
fn a_partly_declared_chain_is_completed_on_a_terminal() {
    let project = with_users_v2();
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users\")]",
        "#[dbkit(table = \"users_old\", renamed_from = \"users\")]",
    );
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users_v2\")]",
        "#[dbkit(table = \"users\")]",
    );
    project.edit(BILLING_SCHEMA, "\"users.id\"", "\"users_old.id\"");
    let command_line = format!(
        "'{}' dbkit generate --name chain --manifest-path '{}'",
        env!("CARGO_BIN_EXE_cargo-dbkit"),
        project.root.join("Cargo.toml").display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command_line, "/dev/null"])
        .current_dir(&project.root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs the binary on a pseudo-terminal");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    if let Some(stdin) = child.stdin.as_mut() {
        std::io::Write::write_all(stdin, b"1\n").expect("answer");
    }
    let output = child.wait_with_output().expect("script finishes");
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(
        transcript.contains("table `public.users_v2` is gone from the code. Was it renamed?"),
        "{transcript}"
    );
    assert!(
        !transcript.contains("renamed to `public.users_old`"),
        "{transcript}"
    );
    let sql = project.read("migrations/V3__chain.sql");
    assert_eq!(
        statements_of(&sql)[..2],
        [
            "ALTER TABLE \"public\".\"users\" RENAME TO \"users_old\";",
            "ALTER TABLE \"public\".\"users_v2\" RENAME TO \"users\";",
        ],
        "{sql}"
    );
    assert!(!sql.contains("DROP") && !sql.contains("CREATE"), "{sql}");
}

#[test]
fn a_swap_declared_by_hints_is_written_with_a_warning_to_remove_them() {
    let project = with_users_v2();
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users\")]",
        "#[dbkit(table = \"users_v2\", renamed_from = \"users\")]",
    );
    project.edit(
        ACCOUNTS_SCHEMA,
        "#[dbkit(table = \"users_v2\")]\npub struct UserV2",
        "#[dbkit(table = \"users\", renamed_from = \"users_v2\")]\npub struct UserV2",
    );
    project.edit(BILLING_SCHEMA, "\"users.id\"", "\"users_v2.id\"");
    let run = project.generate(&["--name", "swap"], 0);
    assert!(
        run.stderr
            .contains("declare a cycle of renames (users → users_v2 → users)")
            || run
                .stderr
                .contains("declare a cycle of renames (users_v2 → users → users_v2)"),
        "{}",
        run.stderr
    );
    let sql = project.read("migrations/V3__swap.sql");
    assert!(sql.contains("_dbkit_tmp\";"), "{sql}");
    assert!(!sql.contains("DROP") && !sql.contains("CREATE"), "{sql}");
}

#[test]
fn an_enum_renamed_in_the_code_is_renamed_in_place() {
    let project = multi_crate_with_first_migration();
    project.edit(
        "crates/kinds/src/lib.rs",
        "#[dbkit(name = \"plan\")]",
        "#[dbkit(name = \"tier\", renamed_from = \"plan\")]",
    );
    project.generate(&["--name", "rename_plan"], 0);
    let sql = project.read("migrations/V2__rename_plan.sql");
    assert_eq!(
        statements_of(&sql),
        ["ALTER TYPE \"public\".\"plan\" RENAME TO \"tier\";"],
        "{sql}"
    );
    project.generate(&["--check"], 0);
}

#[test]
fn a_bad_rename_argument_is_an_error() {
    let project = multi_crate_with_first_migration();
    let run = project.generate(&["--rename", "no-equals-sign"], 2);
    assert!(run.stderr.contains("no-equals-sign"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// Bad input: exit 2, the file and line, and what to do.

fn bad_input(fixture: &str) -> String {
    let project = copy_fixture(fixture);
    let run = project.generate(&[], 2);
    assert!(
        project.migration_files().is_empty(),
        "nothing written for {fixture}"
    );
    assert!(
        run.stderr.contains("error: aborting due to"),
        "{}",
        run.stderr
    );
    project.redact(&run.stderr)
}

#[test]
fn unknown_attribute_suggests_the_right_one() {
    let stderr = bad_input("bad_unknown_attribute");
    assert!(stderr.contains("app/src/lib.rs:7:"), "{stderr}");
    assert!(stderr.contains("primary_key"), "{stderr}");
    insta::assert_snapshot!("bad_unknown_attribute", stderr);
}

#[test]
fn unmappable_type_asks_for_sql_type() {
    let stderr = bad_input("bad_unmappable_type");
    assert!(stderr.contains("app/src/lib.rs:11:"), "{stderr}");
    assert!(stderr.contains("sql_type"), "{stderr}");
    insta::assert_snapshot!("bad_unmappable_type", stderr);
}

#[test]
fn dangling_references_are_reported_where_written() {
    let stderr = bad_input("bad_dangling_reference");
    assert!(stderr.contains("app/src/lib.rs:17:"), "{stderr}");
    assert!(stderr.contains("app/src/lib.rs:19:"), "{stderr}");
    insta::assert_snapshot!("bad_dangling_reference", stderr);
}

#[test]
fn duplicate_tables_across_crates_name_both_places() {
    let stderr = bad_input("bad_duplicate_tables");
    assert!(stderr.contains("alpha/src/lib.rs:"), "{stderr}");
    assert!(stderr.contains("beta/src/lib.rs:"), "{stderr}");
    insta::assert_snapshot!("bad_duplicate_tables", stderr);
}

#[test]
fn ambiguous_enum_names_ask_for_sql_type() {
    let stderr = bad_input("bad_ambiguous_enum");
    assert!(stderr.contains("alpha/src/lib.rs:16:"), "{stderr}");
    assert!(stderr.contains("sql_type"), "{stderr}");
    insta::assert_snapshot!("bad_ambiguous_enum", stderr);
}

#[test]
fn unparsable_rust_in_a_schema_crate_is_an_error() {
    let stderr = bad_input("bad_unparsable");
    assert!(stderr.contains("app/src/broken_schema.rs:9:"), "{stderr}");
    insta::assert_snapshot!("bad_unparsable", stderr);
}

#[test]
fn a_broken_workspace_manifest_is_an_error() {
    let project = copy_fixture("multi_crate");
    project.write("Cargo.toml", "[workspace\n");
    let run = project.generate(&[], 2);
    assert!(run.stderr.contains("cargo metadata"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// The migrations folder.

#[test]
fn bad_migration_file_names_are_errors_that_say_what_to_do() {
    let project = multi_crate_with_first_migration();
    project.write("migrations/V2_missing_underscore.sql", "SELECT 1;\n");
    project.write("migrations/meta/notes.json", "{}\n");
    let run = project.generate(&[], 2);
    insta::assert_snapshot!("bad_migration_file_names", project.redact(&run.stderr));
}

#[test]
fn an_unreadable_snapshot_is_an_error_naming_the_file() {
    let project = multi_crate_with_first_migration();
    project.write("migrations/meta/V1__initial.json", "{ this is not json");
    let run = project.generate(&[], 2);
    assert!(
        run.stderr.contains("migrations/meta/V1__initial.json"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
}

#[test]
fn a_snapshot_without_its_sql_file_is_ignored_and_replaced() {
    let project = multi_crate_with_first_migration();
    // What an interrupted run leaves: a snapshot and a temporary file, no SQL file.
    let v1 = project.read("migrations/meta/V1__initial.json");
    project.write("migrations/meta/V2__interrupted.json", &v1);
    project.write("migrations/.dbkit-tmp-leftover", "CREATE TA");
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub name: Option<String>,\n",
        "    pub name: Option<String>,\n    pub nickname: Option<String>,\n",
    );
    let run = project.generate(&["--check"], 1);
    assert!(
        run.stderr.contains("V2__interrupted.json"),
        "{}",
        run.stderr
    );
    let run = project.generate(&["--name", "add_nickname"], 0);
    assert!(
        run.stderr.contains("V2__interrupted.json"),
        "warned about: {}",
        run.stderr
    );
    assert_eq!(
        project.migration_files(),
        [
            "V1__initial.sql",
            "V2__add_nickname.sql",
            "meta/V1__initial.json",
            "meta/V2__add_nickname.json"
        ]
    );
}

#[test]
fn the_migrations_folder_can_be_configured() {
    let project = copy_fixture("multi_crate");
    let manifest = project.read("Cargo.toml");
    project.write("Cargo.toml", &format!("{manifest}\n[workspace.metadata.dbkit]\nmigrations = \"db/migrations\"\nschema = [\"crates/accounts/**\", \"crates/kinds/**\"]\n"));
    project.generate(&["--name", "initial"], 0);
    let sql = project.read("db/migrations/V1__initial.sql");
    assert!(sql.contains("\"users\""), "{sql}");
    assert!(
        !sql.contains("\"invoices\""),
        "the globs leave the billing crate out: {sql}"
    );
    assert!(
        project
            .read("db/migrations/meta/V1__initial.json")
            .contains("\"users\"")
    );
}

/// Runs generate with a zero file-size limit, so that writing a file fails
/// (`ignore_signal`: with EFBIG) or kills the process mid-write (SIGXFSZ).
fn generate_with_no_file_space(project: &Project, ignore_signal: bool, arguments: &[&str]) -> Run {
    let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("{trap}ulimit -f 0; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_cargo-dbkit"))
        .args(["dbkit", "generate"])
        .args(arguments)
        .arg("--manifest-path")
        .arg(project.root.join("Cargo.toml"))
        .current_dir(&project.root)
        .env_remove("DBKIT_LOG");
    finish(&mut command)
}

fn permissions_are_enforced(directory: &Path) -> bool {
    let probe = directory.join("probe");
    let enforced = std::fs::write(&probe, "x").is_err();
    let _ = std::fs::remove_file(probe);
    enforced
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_or_a_failing_write_leaves_no_partial_file() {
    use std::os::unix::fs::PermissionsExt;
    let project = multi_crate_with_first_migration();
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub name: Option<String>,\n",
        "    pub name: Option<String>,\n    pub nickname: Option<String>,\n",
    );
    let before = project.migration_files();
    let migrations = project.path("migrations");
    let meta = project.path("migrations/meta");
    for folder in [&migrations, &meta] {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    }
    let run = if permissions_are_enforced(&migrations) {
        project.generate(&[], 2)
    } else {
        // Running as root, where permissions do not stop writes: make the write itself fail.
        for folder in [&migrations, &meta] {
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        generate_with_no_file_space(&project, true, &[])
    };
    for folder in [&migrations, &meta] {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(
        project.migration_files(),
        before,
        "no partial or temporary file"
    );
    project.generate(&[], 0);
    project.generate(&["--check"], 0);
}

#[cfg(unix)]
#[test]
fn a_run_killed_while_writing_leaves_no_migration_and_the_next_run_recovers() {
    let project = multi_crate_with_first_migration();
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub name: Option<String>,\n",
        "    pub name: Option<String>,\n    pub nickname: Option<String>,\n",
    );
    let run = generate_with_no_file_space(&project, false, &["--name", "add_nickname"]);
    assert_ne!(run.code, 0, "{run:#?}");
    let files = project.migration_files();
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("V2__") || f.starts_with("meta/V2__")),
        "{files:?}"
    );
    project.generate(&["--name", "add_nickname"], 0);
    assert_eq!(
        project.migration_files(),
        [
            "V1__initial.sql",
            "V2__add_nickname.sql",
            "meta/V1__initial.json",
            "meta/V2__add_nickname.json"
        ]
    );
}

// ---------------------------------------------------------------------------
// Options and this repository.

#[test]
fn help_teaches_the_everyday_loop() {
    let run = finish(Command::new(env!("CARGO_BIN_EXE_cargo-dbkit")).args(["dbkit", "--help"]));
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("cargo dbkit generate --check"),
        "{}",
        run.stdout
    );
    let run = finish(
        Command::new(env!("CARGO_BIN_EXE_cargo-dbkit")).args(["dbkit", "generate", "--help"]),
    );
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("--rename"), "{}", run.stdout);
}

#[test]
fn a_usage_error_exits_2() {
    let run = finish(Command::new(env!("CARGO_BIN_EXE_cargo-dbkit")).args([
        "dbkit",
        "generate",
        "--no-such-option",
    ]));
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn quiet_prints_nothing_on_success() {
    let project = copy_fixture("multi_crate");
    let run = project.generate(&["--quiet"], 0);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, "");
}

#[test]
fn this_repository_agrees_with_its_migrations() {
    let root = repository_root();
    let run = finish(&mut binary_command(
        &root.join("Cargo.toml"),
        &root,
        &["generate", "--check"],
    ));
    assert_eq!(
        run.code, 0,
        "`cargo dbkit generate --check` on this repository:\n{run:#?}"
    );
}
