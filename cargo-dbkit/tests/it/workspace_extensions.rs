//! Extensions listed in `[workspace.metadata.dbkit] extensions`: generate
//! creates them as it creates those the code declares, one listed there and
//! declared in the code must agree on its schema, and a malformed entry is
//! refused with the place in Cargo.toml and what to write.

use crate::common::*;

/// The multi-crate fixture with `lines` added under `[workspace.metadata.dbkit]`.
fn project_with_settings(lines: &str) -> Project {
    let project = copy_fixture("multi_crate");
    let manifest = project.read("Cargo.toml");
    project.write(
        "Cargo.toml",
        &format!("{manifest}\n[workspace.metadata.dbkit]\n{lines}\n"),
    );
    project
}

/// The 1-based line of Cargo.toml that contains `text`.
fn manifest_line(project: &Project, text: &str) -> usize {
    let manifest = project.read("Cargo.toml");
    match manifest.lines().position(|line| line.contains(text)) {
        Some(index) => index + 1,
        None => panic!("Cargo.toml has no line with {text:?}"),
    }
}

const EXTENSION_FILE: &str = "crates/accounts/src/extensions.rs";

fn declare_in_code(project: &Project, attributes: &str) {
    project.write(
        EXTENSION_FILE,
        &format!(
            "use dbkit_runtime::Extension;\n\n#[derive(Extension)]\n#[dbkit({attributes})]\npub struct Citext;\n"
        ),
    );
}

#[test]
fn generate_creates_the_extensions_cargo_toml_lists_first_and_drops_one_removed() {
    let project = project_with_settings(
        "extensions = [\"citext\", { name = \"pgcrypto\", schema = \"public\" }]",
    );
    project.generate(&["--name", "initial"], 0);
    let sql = project.read("migrations/V1__initial.sql");
    let statements: Vec<&str> = sql
        .lines()
        .filter(|line| !line.starts_with("--") && !line.starts_with("SET ") && !line.is_empty())
        .collect();
    assert_eq!(
        statements.get(..2),
        Some(
            &[
                "CREATE EXTENSION IF NOT EXISTS \"citext\";",
                "CREATE EXTENSION IF NOT EXISTS \"pgcrypto\" WITH SCHEMA \"public\";",
            ][..]
        ),
        "{sql}"
    );
    assert!(sql.contains("\"users\""), "{sql}");

    // The snapshot holds them: nothing more to generate.
    let run = project.generate(&[], 0);
    assert_eq!(project.migration_files().len(), 2, "{run:#?}");

    // Removed from the list, with no code declaring it: dropped.
    project.edit("Cargo.toml", "extensions = [\"citext\", ", "extensions = [");
    project.generate(&["--name", "no_citext"], 0);
    let sql = project.read("migrations/V2__no_citext.sql");
    assert!(sql.contains("DROP EXTENSION"), "{sql}");
    assert!(sql.contains("\"citext\""), "{sql}");
    assert!(!sql.contains("pgcrypto"), "{sql}");
}

#[test]
fn an_extension_listed_and_declared_with_one_schema_is_created_once() {
    let project =
        project_with_settings("extensions = [{ name = \"citext\", schema = \"public\" }]");
    declare_in_code(&project, "name = \"citext\"");
    project.generate(&["--name", "initial"], 0);
    let sql = project.read("migrations/V1__initial.sql");
    assert_eq!(sql.matches("CREATE EXTENSION").count(), 1, "{sql}");
}

#[test]
fn an_extension_listed_and_declared_with_two_schemas_is_an_error_naming_both_places() {
    let project = project_with_settings("extensions = [\"pgcrypto\", \"citext\"]");
    declare_in_code(&project, "name = \"citext\", schema = \"extensions\"");
    let run = project.generate(&["--name", "initial"], 2);
    let listed = manifest_line(&project, "extensions = [");
    assert!(
        run.stderr.contains(
            "the extension `citext` has no schema in Cargo.toml and schema `extensions` in the code"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("{EXTENSION_FILE}:5:")),
        "names the struct: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("Cargo.toml:{listed}:")),
        "names the entry: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!project.path("migrations").exists());
}

#[test]
fn a_malformed_entry_is_an_error_naming_cargo_toml_and_what_to_write() {
    for (entries, says, line_of) in [
        (
            "extensions = [\"citext\",\n  { nam = \"pgcrypto\" }]",
            "entry 2 has an unknown key `nam`",
            "extensions = [",
        ),
        (
            "extensions = [\"citext\",\n  { schema = \"public\" }]",
            "entry 2 has no `name` string",
            "extensions = [",
        ),
        (
            "extensions = [\"citext\",\n  { name = \"pgcrypto\", schema = 7 }]",
            "the `schema` of `pgcrypto` must be a schema's name",
            "\"pgcrypto\"",
        ),
        (
            "extensions = \"citext\"",
            "`extensions` must be a list",
            "extensions =",
        ),
        (
            "extensions = [\"citext\", 3]",
            "entry 2 is 3",
            "extensions =",
        ),
        (
            "extensions = [\"citext\",\n \"citext\"]",
            "`citext` is listed twice",
            "extensions =",
        ),
    ] {
        let project = project_with_settings(entries);
        let run = project.generate(&["--name", "initial"], 2);
        let line = manifest_line(&project, line_of);
        assert!(run.stderr.contains(says), "{entries}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("Cargo.toml:{line}:")),
            "{entries}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(
                "write `extensions = [\"pgcrypto\", { name = \"citext\", schema = \"public\" }]`"
            ),
            "{entries}: {}",
            run.stderr
        );
        assert!(!project.path("migrations").exists());
    }
}
