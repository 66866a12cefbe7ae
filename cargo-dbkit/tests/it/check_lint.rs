//! `cargo dbkit check`'s lint as a user meets it: the real binary over a
//! fixture workspace whose second migration is written by hand, each
//! output format, the settings in Cargo.toml, silencing comments, and the
//! findings `generate` prints for the migration it just wrote. (The rules
//! themselves are tested one by one in `dbkit-core/tests/it/lint.rs`; their
//! claims about PostgreSQL are checked on a server in `lint_claims`.)

use crate::common::*;

const ACCOUNTS_SCHEMA: &str = "crates/accounts/src/account_schema.rs";
const HAND_WRITTEN: &str = "migrations/V2__index_user_names.sql";

/// The multi-crate fixture with V1 generated and a custom V2, written by
/// hand, that indexes an existing table without CONCURRENTLY (line 3).
fn project_with_unsafe_index() -> Project {
    let project = copy_fixture("multi_crate");
    let run = project.run(&["generate", "--name", "initial"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let run = project.run(&["generate", "--custom", "--name", "index_user_names"]);
    assert_eq!(run.code, 0, "{run:#?}");
    project.write(
        HAND_WRITTEN,
        "-- Speeds up the search by name.\n\
         SET lock_timeout = '5s'; SET statement_timeout = '5min';\n\
         CREATE INDEX \"users_name_idx\" ON \"public\".\"users\" (\"name\");\n",
    );
    project
}

fn set_lint_settings(project: &Project, settings: &str) {
    let manifest = project.read("Cargo.toml");
    project.write(
        "Cargo.toml",
        &format!("{manifest}\n[workspace.metadata.dbkit.lint]\n{settings}\n"),
    );
}

#[test]
fn an_unsafe_statement_is_an_error_with_file_line_why_and_fix() {
    let project = project_with_unsafe_index();
    let run = project.run(&["check", "--color", "never"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.stdout, "", "human output goes to stderr");
    insta::assert_snapshot!(project.redact(&run.stderr));
}

#[test]
fn json_lists_each_finding_with_rule_and_place() {
    let project = project_with_unsafe_index();
    let run = project.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let findings = document["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{document:#}");
    assert_eq!(findings[0]["rule"], "create-index-non-concurrently");
    assert_eq!(findings[0]["kind"], "lint");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["file"], HAND_WRITTEN);
    assert_eq!(findings[0]["line"], 3);
    assert_eq!(document["summary"]["errors"], 1);
}

#[test]
fn github_actions_get_annotations_on_stdout() {
    let project = project_with_unsafe_index();
    let run = finish(
        binary_command(
            &project.root.join("Cargo.toml"),
            &project.root,
            &["check", "--color", "never"],
        )
        .env("GITHUB_ACTIONS", "true"),
    );
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stdout.starts_with(&format!(
            "::error file={HAND_WRITTEN},line=3,col=1,title=dbkit create-index-non-concurrently::"
        )),
        "{run:#?}"
    );
    assert_eq!(run.stdout.lines().count(), 1, "one line per finding");
    assert!(
        run.stderr
            .contains("error: [create-index-non-concurrently]")
    );

    let explicit = project.run(&["check", "--format", "github"]);
    assert_eq!(explicit.stdout, run.stdout);
}

#[test]
fn a_comment_on_the_line_above_silences_the_finding() {
    let project = project_with_unsafe_index();
    project.edit(
        HAND_WRITTEN,
        "CREATE INDEX",
        "-- dbkit:allow(create-index-non-concurrently) the table is tiny\nCREATE INDEX",
    );
    let run = project.run(&["check"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("no findings"), "{run:#?}");
}

#[test]
fn cargo_toml_sets_severities_and_where_the_lint_starts() {
    let project = project_with_unsafe_index();
    set_lint_settings(&project, "create-index-non-concurrently = \"warning\"");
    let run = project.run(&["check", "--color", "never"]);
    assert_eq!(run.code, 0, "a warning alone passes: {run:#?}");
    assert!(
        run.stderr
            .contains("warning: [create-index-non-concurrently]"),
        "{run:#?}"
    );

    let project = project_with_unsafe_index();
    set_lint_settings(&project, "create-index-non-concurrently = \"off\"");
    let run = project.run(&["check"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(!run.stderr.contains("create-index"), "{run:#?}");

    let project = project_with_unsafe_index();
    set_lint_settings(&project, "since = 3");
    let run = project.run(&["check"]);
    assert_eq!(run.code, 0, "V2 is before `since`: {run:#?}");
}

#[test]
fn a_bad_setting_is_an_error_that_names_it() {
    let project = project_with_unsafe_index();
    set_lint_settings(&project, "create-index-concurrently = \"error\"");
    let run = project.run(&["check", "--color", "never"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains("unknown lint rule `create-index-concurrently`"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("Cargo.toml"), "{run:#?}");

    let project = project_with_unsafe_index();
    set_lint_settings(&project, "setting-not-null = \"fatal\"");
    let run = project.run(&["check", "--color", "never"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("`setting-not-null`"), "{run:#?}");
}

#[test]
fn generate_prints_the_findings_of_the_migration_it_wrote() {
    let project = copy_fixture("multi_crate");
    assert_eq!(project.run(&["generate", "--name", "initial"]).code, 0);
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub name: Option<String>,",
        "    #[dbkit(index)]\n    pub name: Option<String>,",
    );
    let run = project.run(&["generate", "--name", "index_names", "--color", "never"]);
    assert_eq!(run.code, 0, "findings do not fail generate: {run:#?}");
    assert!(
        run.stderr.contains("[create-index-non-concurrently]")
            && run.stderr.contains("V2__index_names.sql:"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("dbkit:allow"), "{run:#?}");
    let check = project.run(&["check"]);
    assert_eq!(check.code, 1, "check fails on it: {check:#?}");
}

#[test]
fn a_clean_folder_passes() {
    let project = copy_fixture("multi_crate");
    assert_eq!(project.run(&["generate", "--name", "initial"]).code, 0);
    let run = project.run(&["check", "--color", "never"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr.contains("Checked migrations/: no findings"),
        "{run:#?}"
    );
}

#[test]
fn a_type_change_is_judged_from_the_snapshot_before_its_migration() {
    let project = copy_fixture("multi_crate");
    assert_eq!(project.run(&["generate", "--name", "initial"]).code, 0);
    // text to varchar(100) checks every value: a rewrite.
    project.edit(
        ACCOUNTS_SCHEMA,
        "    pub name: Option<String>,",
        "    #[dbkit(sql_type = \"varchar(100)\")]\n    pub name: Option<String>,",
    );
    let run = project.run(&["generate", "--name", "limit_names", "--color", "never"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr.contains("[changing-column-type]") && run.stderr.contains("from text"),
        "{run:#?}"
    );
    // varchar(100) to varchar(200) only widens: the snapshot of V2 says
    // what the column was, and neither generate nor check report it.
    project.edit(ACCOUNTS_SCHEMA, "varchar(100)", "varchar(200)");
    let run = project.run(&["generate", "--name", "widen_names", "--color", "never"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr.contains("V3__widen_names.sql")
            && !run.stderr.contains("[changing-column-type]"),
        "{run:#?}"
    );
    let check = project.run(&["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&check.stdout).expect("JSON on stdout");
    let type_changes: Vec<&str> = document["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|finding| finding["rule"] == "changing-column-type")
        .map(|finding| finding["file"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        type_changes,
        ["migrations/V2__limit_names.sql"],
        "{document:#}"
    );
}
