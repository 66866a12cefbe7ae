//! Repository chores of dbkit, run as `cargo xtask <task>` (an alias in
//! `.cargo/config.toml`).
//!
//! - `cargo xtask bench`: the `cargo dbkit generate` benchmark of
//!   BENCHMARKS.md on a synthetic workspace of 50 crates × 20 tables, with
//!   500 views, 500 functions and 1,000 triggers.
//! - `cargo xtask bench-migrate`: the migration engine applying 500 small
//!   migrations, against `psql -f` and sqlx-cli (BENCHMARKS.md).
//! - `cargo xtask bench-migrate-large`: one 200 MB data migration, against
//!   `psql -1 -f` and `psql -f`, and the statement splitter alone.
//! - `cargo xtask bench-testdb`: a fresh database with 100 migrations per
//!   test, `TestDb` against `#[sqlx::test]`'s way, and cold starts.
//! - `cargo xtask bench-introspect`: the introspector reading a database
//!   of 1,000 realistic tables, 500 views, 500 functions and 1,000 triggers.
//! - `cargo xtask lint-corpus`: the lint's findings per rule on the real
//!   SQL of `tests/fixtures/corpus`.
//! - `cargo xtask postgres-image`: a PostgreSQL image from Debian's
//!   packages, for machines with Docker and no image registry.

mod bench_generate;
mod bench_introspect;
mod bench_migrate;
mod bench_migrate_large;
mod bench_testdb;
mod lint_corpus;
mod measure;
mod postgres_image;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  bench [--runs N] [--keep DIR] [--binary PATH] [--tables-only]
                                  measure `cargo dbkit generate` on a synthetic
                                  workspace of 50 crates x 20 tables, 500 views,
                                  500 functions and 1,000 triggers (BENCHMARKS.md)
  bench-migrate [--runs N] [--startup-runs N] [--keep DIR]
                                  measure applying 500 migrations with dbkit, psql
                                  and sqlx-cli, and a start-up with nothing pending
  bench-migrate-large [--megabytes N] [--runs N]
                                  measure applying one 200 MB data migration with
                                  dbkit and psql, and splitting it into statements
  lint-corpus                     count the lint's findings per rule on tests/fixtures/corpus
  bench-testdb [--tests N] [--sqlx-tests N] [--clones N] [--starts N] [--test-body-ms MS]
                                  measure a fresh migrated database per test (TestDb
                                  against #[sqlx::test]'s way) and server cold starts
  bench-introspect [--runs N] [--warmup N] [--tables N] [--views N] [--functions N]
                   [--triggers N] [--connections N]
                                  measure introspecting a database of 1,000 tables,
                                  500 views, 500 functions and 1,000 triggers
                                  (what pull, push and check read)
  postgres-image [--tag NAME:TAG] [--force]
                                  build a PostgreSQL image from Debian's packages
                                  (debootstrap + docker import) for the docker provider
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => bench_generate::run(&args[1..]),
        Some("bench-migrate") => bench_migrate::run(&args[1..]),
        Some("bench-migrate-large") => bench_migrate_large::run(&args[1..]),
        Some("bench-testdb") => bench_testdb::run(&args[1..]),
        Some("bench-introspect") => bench_introspect::run(&args[1..]),
        Some("postgres-image") => postgres_image::run(&args[1..]),
        Some("lint-corpus") => lint_corpus::run(&args[1..]),
        Some("-h" | "--help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n\n{USAGE}"),
    }
}

/// The root of the dbkit repository (the parent of `xtask/`).
fn repository_root() -> std::path::PathBuf {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Builds xtask in release mode and runs `task` there with the same
/// arguments: `measured` (the engine, the introspector) runs in-process, so
/// a debug build would measure the wrong thing.
fn rerun_in_release(task: &str, measured: &str, args: &[String]) -> Result<()> {
    eprintln!("building xtask in release mode: {measured} is measured in-process");
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "run",
                "--release",
                "--quiet",
                "--package",
                "xtask",
                "--",
                task,
            ])
            .args(args)
            .current_dir(repository_root())
            .status()
            .context("failed to run cargo run --release")?;
    if !status.success() {
        bail!("the release build of `cargo xtask {task}` failed ({status})");
    }
    Ok(())
}
