//! `cargo dbkit pull`'s code generation over random schemas compiles with
//! rustc: the modules pull writes for each random schema become the module
//! folder `case_<n>/` of one generated crate that depends on the
//! repository's dbkit-runtime, and one `cargo check` builds them all. No
//! database is needed: pull's code generation runs on the schema value.
//!
//! The nested `cargo check` builds in the target directory of
//! `cargo-dbkit/tests/it/pull.rs` (`pull-fixtures` under `CARGO_TARGET_TMPDIR`,
//! which is the workspace's `target/tmp` for every package), kept between
//! runs, so dbkit-runtime and its dependencies are compiled once for both;
//! the workspace's `Cargo.lock` is copied into the crate so those are the
//! versions already downloaded.

use cargo_dbkit::{ModuleFiles, module_files, without_empty_schemas};
use dbkit_core::test_support::strategies::arbitrary_schema;
use dbkit_tests::proptest_config;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The number of random schemas; `PROPTEST_CASES` changes it.
const CASES: u32 = 48;

fn repository_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// The pulled modules of `CASES` random schemas, each with the case's listing.
fn random_cases() -> Vec<(ModuleFiles, String)> {
    let config = proptest_config(CASES, 0);
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let strategy = arbitrary_schema();
    (0..cases)
        .map(|_| {
            let mut schema = strategy
                .new_tree(&mut runner)
                .expect("a random schema")
                .current();
            without_empty_schemas(&mut schema);
            let modules = module_files(&schema, Default::default());
            let listing = modules
                .files
                .iter()
                .map(|file| format!("==> {} <==\n{}\n", file.file_name, file.source))
                .collect();
            (modules, listing)
        })
        .collect()
}

fn write(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create directory");
    }
    std::fs::write(path, contents).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
}

/// A crate at `root` holding every case as module `case_<n>`.
fn write_crate(root: &Path, cases: &[(ModuleFiles, String)]) {
    let runtime = repository_root().join("dbkit-runtime");
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[workspace]\n\n[package]\nname = \"pulled-cases\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\ndbkit-runtime = {{ path = {:?} }}\n",
            runtime.display().to_string()
        ),
    );
    let lock = std::fs::read_to_string(repository_root().join("Cargo.lock")).expect("Cargo.lock");
    write(&root.join("Cargo.lock"), &lock);
    let mut lib =
        String::from("//! The pulled modules of random schemas, one module per case.\n\n");
    for (index, (modules, _)) in cases.iter().enumerate() {
        lib.push_str(&format!("pub mod case_{index};\n"));
        for file in &modules.files {
            write(
                &root.join(format!("src/case_{index}/{}", file.file_name)),
                &file.source,
            );
        }
    }
    write(&root.join("src/lib.rs"), &lib);
}

/// The cases whose files the compiler's output names, in order.
fn failing_cases(stderr: &str) -> Vec<usize> {
    let mut cases: Vec<usize> = stderr
        .split("src/case_")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    cases.sort_unstable();
    cases.dedup();
    cases
}

#[test]
fn pulled_code_of_random_schemas_compiles() {
    let cases = random_cases();
    let project = tempfile::tempdir().expect("temporary directory");
    write_crate(project.path(), &cases);

    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pull-fixtures");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .arg("check")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("start cargo check");
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let sources: String = failing_cases(&stderr)
            .into_iter()
            .filter_map(|index| cases.get(index).map(|case| (index, &case.1)))
            .map(|(index, listing)| format!("--- case_{index} ---\n{listing}"))
            .collect();
        panic!(
            "cargo check of the pulled code of {} random schemas failed ({}):\n{stderr}\n{sources}",
            cases.len(),
            output.status
        );
    }
}
