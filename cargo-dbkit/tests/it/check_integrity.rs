//! `cargo dbkit check`'s integrity findings and `generate --rebase`, on
//! folders made the way users make them: the real binary generates
//! migrations on copies of `tests/fixtures/check/base` ("branches"), and
//! the files are merged, renamed or edited as a merge or a person would.
//! No snapshot id is ever written by hand.

use crate::common::{
    Run, binary_command, copy_directory, finish, list_files, rewrite_runtime_paths,
};
use std::path::{Path, PathBuf};

const SCHEMA: &str = "app/src/shop_schema.rs";

/// A temporary copy of a workspace made from the base fixture.
struct Workspace {
    _directory: tempfile::TempDir,
    root: PathBuf,
}

impl Workspace {
    /// The base fixture, no migration yet.
    fn base() -> Workspace {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/base");
        Workspace::copy_of(&from)
    }

    fn copy_of(from: &Path) -> Workspace {
        let directory = tempfile::tempdir().expect("temporary folder");
        let root = directory.path().join("shop");
        copy_directory(from, &root);
        rewrite_runtime_paths(&root);
        Workspace {
            _directory: directory,
            root,
        }
    }

    /// Another workspace with the same files: a branch.
    fn branch(&self) -> Workspace {
        Workspace::copy_of(&self.root)
    }

    fn run(&self, arguments: &[&str]) -> Run {
        finish(&mut binary_command(
            &self.root.join("Cargo.toml"),
            &self.root,
            arguments,
        ))
    }

    /// Runs `cargo dbkit <arguments>`, asserting the exit code.
    fn expect(&self, arguments: &[&str], code: i32) -> Run {
        let run = self.run(arguments);
        assert_eq!(run.code, code, "exit code of {arguments:?}\n{run:#?}");
        run
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("read {relative}: {e}"))
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {relative}: {e}"));
    }

    fn edit(&self, relative: &str, from: &str, to: &str) {
        let text = self.read(relative);
        assert!(text.contains(from), "{relative} does not contain {from:?}");
        self.write(relative, &text.replacen(from, to, 1));
    }

    fn remove(&self, relative: &str) {
        std::fs::remove_file(self.path(relative)).unwrap_or_else(|e| panic!("rm {relative}: {e}"));
    }

    /// Copies a migration's two files from another workspace, under
    /// another stem if given (a renumbered migration).
    fn take_migration(&self, from: &Workspace, stem: &str, as_stem: &str) {
        for (folder, extension) in [("migrations", "sql"), ("migrations/meta", "json")] {
            let text = from.read(&format!("{folder}/{stem}.{extension}"));
            self.write(&format!("{folder}/{as_stem}.{extension}"), &text);
        }
    }

    fn migration_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        list_files(&self.path("migrations"), "", &mut files);
        files.sort();
        files
    }

    /// `check`'s human output, with the exit code asserted.
    fn check(&self, code: i32) -> String {
        let run = self.expect(&["check", "--color", "never"], code);
        run.stderr
    }
}

/// Adds `name` to the users.
fn add_user_name(workspace: &Workspace) {
    workspace.edit(
        SCHEMA,
        "    pub email: String,\n",
        "    pub email: String,\n    pub name: Option<String>,\n",
    );
}

/// Adds `note` to the orders.
fn add_order_note(workspace: &Workspace) {
    workspace.edit(
        SCHEMA,
        "    pub user_id: i64,\n",
        "    pub user_id: i64,\n    pub note: Option<String>,\n",
    );
}

/// The base fixture with its first migration.
fn with_initial_migration() -> Workspace {
    let workspace = Workspace::base();
    workspace.expect(&["generate", "--name", "initial"], 0);
    workspace
}

/// Two branches that each generated a V2 on top of V1, merged: the code
/// holds both changes, the folder both migrations, the second as
/// `as_stem` (`V2__add_order_note` as the branch wrote it, or renumbered).
fn merged_branches(as_stem: &str) -> Workspace {
    let main = with_initial_migration();
    let feature = main.branch();
    add_user_name(&main);
    main.expect(&["generate", "--name", "add_user_name"], 0);
    add_order_note(&feature);
    feature.expect(&["generate", "--name", "add_order_note"], 0);
    add_order_note(&main);
    main.take_migration(&feature, "V2__add_order_note", as_stem);
    main
}

/// `generate --check` and `check` both agree with the folder.
fn assert_folder_is_sound(workspace: &Workspace) {
    let stderr = workspace.check(0);
    assert!(stderr.contains("no findings"), "{stderr}");
    workspace.expect(&["generate", "--check"], 0);
}

// ---------------------------------------------------------------------------
// What check finds.

#[test]
fn a_sound_folder_has_no_findings() {
    let workspace = with_initial_migration();
    add_user_name(&workspace);
    workspace.expect(&["generate", "--name", "add_user_name"], 0);
    workspace.expect(&["generate", "--custom", "--name", "backfill"], 0);
    assert_folder_is_sound(&workspace);
}

#[test]
fn a_deleted_migration_leaves_a_gap_and_a_broken_chain() {
    let workspace = with_initial_migration();
    add_user_name(&workspace);
    workspace.expect(&["generate", "--name", "add_user_name"], 0);
    add_order_note(&workspace);
    workspace.expect(&["generate", "--name", "add_order_note"], 0);
    workspace.remove("migrations/V2__add_user_name.sql");
    workspace.remove("migrations/meta/V2__add_user_name.json");
    let stderr = workspace.check(1);
    assert!(stderr.contains("[version-gap]"), "{stderr}");
    assert!(stderr.contains("[snapshot-parent-mismatch]"), "{stderr}");
    insta::assert_snapshot!("gap_and_broken_chain", stderr);
}

/// What `migrate` refuses, `check` reports: links that leave the folder,
/// and files that are not UTF-8 (with the line of the first bad byte).
#[cfg(unix)]
#[test]
fn links_leaving_the_folder_and_files_not_in_utf8_are_errors() {
    let workspace = with_initial_migration();
    workspace.expect(&["generate", "--custom", "--name", "backfill"], 0);
    workspace.expect(&["generate", "--custom", "--name", "latin1"], 0);
    let linked = workspace.path("migrations/V2__backfill.sql");
    let outside = workspace.path("outside.sql");
    std::fs::rename(&linked, &outside).expect("move");
    std::os::unix::fs::symlink(&outside, &linked).expect("link");
    std::fs::write(
        workspace.path("migrations/V3__latin1.sql"),
        b"-- fine\n-- caf\xe9\nSELECT 1;\n",
    )
    .expect("write");
    let stderr = workspace.check(1);
    assert!(stderr.contains("[bad-symbolic-link]"), "{stderr}");
    assert!(
        stderr.contains("`V2__backfill.sql` points outside the migration folder"),
        "{stderr}"
    );
    assert!(stderr.contains("[migration-not-utf8]"), "{stderr}");
    assert!(stderr.contains("V3__latin1.sql:2:7"), "{stderr}");
}

#[test]
fn two_migrations_of_one_version_are_named_both() {
    let workspace = with_initial_migration();
    add_user_name(&workspace);
    workspace.expect(&["generate", "--name", "add_user_name"], 0);
    workspace.write(
        "migrations/V2__backfill.sql",
        "UPDATE \"public\".\"users\" SET \"name\" = \"email\";\n",
    );
    let stderr = workspace.check(1);
    assert!(
        stderr.contains("V2__add_user_name and V2__backfill"),
        "{stderr}"
    );
    insta::assert_snapshot!("duplicate_version", stderr);
}

#[test]
fn a_snapshot_edited_by_hand_is_an_error() {
    let workspace = with_initial_migration();
    add_user_name(&workspace);
    workspace.expect(&["generate", "--name", "add_user_name"], 0);
    workspace.edit(
        "migrations/meta/V2__add_user_name.json",
        "\"name\": \"name\"",
        "\"name\": \"full_name\"",
    );
    let stderr = workspace.check(1);
    insta::assert_snapshot!("snapshot_edited", stderr);
}

#[test]
fn a_branch_conflict_of_one_version_is_an_error_that_names_both() {
    let workspace = merged_branches("V2__add_order_note");
    let stderr = workspace.check(1);
    insta::assert_snapshot!("branch_conflict_same_version", stderr);

    let run = workspace.expect(&["check", "--format", "json"], 1);
    insta::assert_snapshot!("branch_conflict_same_version_json", run.stdout);
}

#[test]
fn a_branch_conflict_hidden_by_renumbering_is_found() {
    let workspace = merged_branches("V3__add_order_note");
    let stderr = workspace.check(1);
    assert!(stderr.contains("[branch-conflict]"), "{stderr}");
    assert!(
        stderr.contains("cargo dbkit generate --rebase V3__add_order_note"),
        "{stderr}"
    );
    insta::assert_snapshot!("branch_conflict_renumbered", stderr);
}

#[test]
fn generate_stops_on_a_branch_conflict_and_points_at_rebase() {
    for stem in ["V2__add_order_note", "V3__add_order_note"] {
        let workspace = merged_branches(stem);
        let before = workspace.migration_files();
        let run = workspace.expect(&["generate"], 2);
        assert!(run.stderr.contains("branch conflict"), "{}", run.stderr);
        assert!(run.stderr.contains("--rebase"), "{}", run.stderr);
        assert_eq!(workspace.migration_files(), before, "nothing written");
    }
}

// ---------------------------------------------------------------------------
// generate --rebase.

#[test]
fn rebase_of_one_version_needs_the_migration_named() {
    let workspace = merged_branches("V2__add_order_note");
    let before = workspace.migration_files();
    let run = workspace.expect(&["generate", "--rebase"], 2);
    assert!(
        run.stderr.contains("--rebase V2__add_order_note")
            && run.stderr.contains("--rebase V2__add_user_name"),
        "{}",
        run.stderr
    );
    assert_eq!(workspace.migration_files(), before, "nothing changed");
    let run = workspace.expect(&["generate", "--rebase", "V9__nothing"], 2);
    assert!(run.stderr.contains("V9__nothing"), "{}", run.stderr);
}

#[test]
fn rebase_generates_the_named_migration_again_on_top_of_the_other() {
    let workspace = merged_branches("V2__add_order_note");
    let run = workspace.expect(
        &["generate", "--rebase", "migrations/V2__add_order_note.sql"],
        0,
    );
    assert!(run.stderr.contains("must be reset"), "{}", run.stderr);
    assert_eq!(
        workspace.migration_files(),
        [
            "V1__initial.sql",
            "V2__add_user_name.sql",
            "V3__add_order_note.sql",
            "meta/V1__initial.json",
            "meta/V2__add_user_name.json",
            "meta/V3__add_order_note.json",
        ]
    );
    insta::assert_snapshot!(
        "rebased_same_version_sql",
        workspace.read("migrations/V3__add_order_note.sql")
    );
    assert_folder_is_sound(&workspace);
    assert!(
        workspace
            .path("target/dbkit/rebased/V2__add_order_note.sql")
            .exists(),
        "the deleted files are kept"
    );
    let run = workspace.expect(&["generate", "--rebase"], 0);
    assert!(run.stderr.contains("nothing to rebase"), "{}", run.stderr);
}

#[test]
fn rebase_moves_the_newer_of_a_renumbered_conflict_under_its_version() {
    let workspace = merged_branches("V3__add_order_note");
    workspace.expect(&["generate", "--rebase"], 0);
    assert_eq!(
        workspace.migration_files(),
        [
            "V1__initial.sql",
            "V2__add_user_name.sql",
            "V3__add_order_note.sql",
            "meta/V1__initial.json",
            "meta/V2__add_user_name.json",
            "meta/V3__add_order_note.json",
        ]
    );
    insta::assert_snapshot!(
        "rebased_renumbered_sql",
        workspace.read("migrations/V3__add_order_note.sql")
    );
    assert_folder_is_sound(&workspace);
}

#[test]
fn rebase_refuses_to_lose_hand_written_sql_unless_forced() {
    let workspace = merged_branches("V3__add_order_note");
    let hand_written = format!(
        "{}\nUPDATE \"public\".\"orders\" SET \"note\" = 'imported';\n",
        workspace.read("migrations/V3__add_order_note.sql")
    );
    workspace.write("migrations/V3__add_order_note.sql", &hand_written);
    let run = workspace.expect(&["generate", "--rebase"], 2);
    assert!(run.stderr.contains("edited by hand"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        workspace.read("migrations/V3__add_order_note.sql"),
        hand_written,
        "untouched"
    );

    workspace.expect(&["generate", "--rebase", "--force"], 0);
    assert_eq!(
        workspace.read("target/dbkit/rebased/V3__add_order_note.sql"),
        hand_written,
        "the edit is kept aside"
    );
    assert_folder_is_sound(&workspace);
}

#[test]
fn rebase_moves_a_custom_migration_with_its_sql() {
    let main = with_initial_migration();
    let feature = main.branch();
    add_user_name(&main);
    main.expect(&["generate", "--name", "add_user_name"], 0);
    feature.expect(&["generate", "--custom", "--name", "backfill"], 0);
    let sql = format!(
        "{}UPDATE \"public\".\"users\" SET \"email\" = lower(\"email\");\n",
        feature.read("migrations/V2__backfill.sql")
    );
    feature.write("migrations/V2__backfill.sql", &sql);
    main.take_migration(&feature, "V2__backfill", "V2__backfill");
    main.check(1);
    main.expect(&["generate", "--rebase", "V2__backfill"], 0);
    assert_eq!(main.read("migrations/V3__backfill.sql"), sql);
    assert_folder_is_sound(&main);
}

#[test]
fn rebase_takes_renames() {
    let main = with_initial_migration();
    let feature = main.branch();
    add_user_name(&main);
    main.expect(&["generate", "--name", "add_user_name"], 0);
    let rename = |workspace: &Workspace| {
        workspace.edit(SCHEMA, "pub user_id: i64", "pub customer_id: i64");
    };
    rename(&feature);
    feature.expect(
        &[
            "generate",
            "--name",
            "rename_user_id",
            "--rename",
            "orders.user_id=customer_id",
        ],
        0,
    );
    rename(&main);
    main.take_migration(&feature, "V2__rename_user_id", "V3__rename_user_id");
    // Without the rename, the differ cannot tell a rename from a drop.
    main.expect(&["generate", "--rebase"], 2);
    main.expect(
        &[
            "generate",
            "--rebase",
            "--rename",
            "orders.user_id=customer_id",
        ],
        0,
    );
    let sql = main.read("migrations/V3__rename_user_id.sql");
    assert!(
        sql.contains("RENAME COLUMN \"user_id\" TO \"customer_id\""),
        "{sql}"
    );
    assert_folder_is_sound(&main);
}

#[test]
fn an_interrupted_rebase_is_explained_by_check() {
    let workspace = merged_branches("V2__add_order_note");
    let old_snapshot = workspace.read("migrations/meta/V2__add_order_note.json");
    workspace.expect(&["generate", "--rebase", "V2__add_order_note"], 0);
    // What a crash between the removal of the old SQL file and of its
    // snapshot leaves.
    workspace.write("migrations/meta/V2__add_order_note.json", &old_snapshot);
    let stderr = workspace.check(0);
    assert!(stderr.contains("[orphan-snapshot]"), "{stderr}");
    assert!(
        stderr.contains("interrupted `cargo dbkit generate --rebase`"),
        "{stderr}"
    );
}
