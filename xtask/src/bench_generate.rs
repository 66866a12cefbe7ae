//! `cargo xtask bench`: measures `cargo dbkit generate` on a synthetic
//! workspace of 50 crates with 20 tables each (1,000 tables), 10 views and
//! 10 functions each (500 of both) and a trigger on every table (1,000),
//! for (a) no change, (b) one column added to 20 tables and (c) one
//! function's body changed.
//!
//! Each table has an identity `id`, 13 columns mixing text, integer,
//! boolean and timestamptz (most with defaults), `created_at`, one index
//! and a `BEFORE UPDATE` trigger calling one of its crate's five PL/pgSQL
//! trigger functions; the other five functions are SQL functions reading
//! a table, and each view selects from one table. `--tables-only` leaves
//! the views, functions and triggers out (the workspace of the figures
//! taken before they existed).
//! The release binary is run directly, the way `cargo dbkit` runs it, so the
//! figures include `cargo metadata --no-deps`. In (b) the changed file
//! differs before every run (by a comment), so that each run has one file
//! to parse, as after an edit. `--binary PATH` measures another build of
//! `cargo-dbkit` (an older version, for figures taken back to back).

use crate::measure::{RunCost, run_measured, summarize};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CRATES: usize = 50;
const TABLES_PER_CRATE: usize = 20;
const VIEWS_PER_CRATE: usize = 10;
/// Half of them trigger functions, half SQL functions.
const FUNCTIONS_PER_CRATE: usize = 10;
const TRIGGER_FUNCTIONS_PER_CRATE: usize = FUNCTIONS_PER_CRATE / 2;
const DEFAULT_RUNS: usize = 30;

struct Options {
    runs: usize,
    keep: Option<PathBuf>,
    /// A `cargo-dbkit` binary to measure instead of this tree's release
    /// build (another version, for figures taken back to back).
    binary: Option<PathBuf>,
    /// Views, functions and triggers besides the tables.
    objects: bool,
}

/// What the changed crate's file says in a measured run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// As first written.
    None,
    /// A column added to each of its 20 tables.
    Column,
    /// The body of its first trigger function changed.
    FunctionBody,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        runs: DEFAULT_RUNS,
        keep: None,
        binary: None,
        objects: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let value = args.next().context("--runs needs a number")?;
                options.runs = value.parse().context("--runs needs a number")?;
            }
            "--keep" => {
                let value = args.next().context("--keep needs a directory")?;
                options.keep = Some(PathBuf::from(value));
            }
            "--binary" => {
                let value = args.next().context("--binary needs a path")?;
                options.binary = Some(PathBuf::from(value));
            }
            "--tables-only" => options.objects = false,
            other => bail!("unknown option `{other}` for `cargo xtask bench`"),
        }
    }
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(options)
}

pub fn run(args: &[String]) -> Result<()> {
    let options = parse_options(args)?;
    let root = crate::repository_root();
    let binary = match &options.binary {
        Some(binary) => binary.clone(),
        None => build_release_binary(&root)?,
    };

    let temporary = tempfile::Builder::new().prefix("dbkit-bench-").tempdir()?;
    let workspace = match &options.keep {
        Some(dir) => {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
            dir.clone()
        }
        None => temporary.path().to_path_buf(),
    };
    let source_bytes =
        write_synthetic_workspace(&workspace, &root.join("dbkit-runtime"), options.objects)?;
    let objects = if options.objects {
        format!(
            ", {} views, {} functions, {} triggers",
            CRATES * VIEWS_PER_CRATE,
            CRATES * FUNCTIONS_PER_CRATE,
            CRATES * TABLES_PER_CRATE
        )
    } else {
        String::new()
    };
    eprintln!(
        "synthetic workspace: {CRATES} crates, {} tables{objects}, {:.2} MB of source in {}",
        CRATES * TABLES_PER_CRATE,
        source_bytes as f64 / 1e6,
        workspace.display()
    );

    let manifest = workspace.join("Cargo.toml");
    let generate = |binary: &Path| {
        let mut command = Command::new(binary);
        command
            .args(["dbkit", "generate", "--manifest-path"])
            .arg(&manifest)
            .current_dir(&workspace)
            .env_remove("DBKIT_LOG")
            // The synthetic workspace keeps its own target directory (and
            // dbkit's caches in it), as a user's workspace does.
            .env_remove("CARGO_TARGET_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };

    // The initial migration (not measured).
    run_measured(&mut generate(&binary), &[0]).context("initial generate failed")?;
    let migrations = workspace.join("migrations");
    let initial_files = list_migration_files(&migrations)?;
    if initial_files.is_empty() {
        bail!(
            "the initial generate wrote no migration in {}",
            migrations.display()
        );
    }

    let mut no_change = Vec::new();
    for index in 0..options.runs + 3 {
        let cost = run_measured(&mut generate(&binary), &[0])?;
        if index >= 3 {
            no_change.push(cost);
        }
        if list_migration_files(&migrations)? != initial_files {
            bail!("`generate` with no change wrote a migration");
        }
    }

    let changed_crate = workspace.join("crates/c00/src/schema.rs");
    let original = std::fs::read_to_string(&changed_crate)?;
    let mut changes = vec![(Change::Column, "(b) one column added to 20 tables")];
    if options.objects {
        changes.push((Change::FunctionBody, "(c) one function's body changed"));
    }
    let mut changed_runs = Vec::new();
    for (change, label) in changes {
        let mut costs = Vec::new();
        for index in 0..options.runs + 3 {
            // Each run sees the file changed since the run before (a comment
            // differs), as after an edit: dbkit's caches cannot answer for it.
            let changed = format!(
                "{}// edit {index}\n",
                render_crate_schema(0, change, options.objects)
            );
            std::fs::write(&changed_crate, changed)?;
            let cost = run_measured(&mut generate(&binary), &[0])?;
            let written = remove_new_migration_files(&migrations, &initial_files)?;
            if written != 2 {
                bail!("`generate` for {label} wrote {written} files, expected 2");
            }
            if index >= 3 {
                costs.push(cost);
            }
        }
        changed_runs.push((label, costs));
    }
    std::fs::write(&changed_crate, original)?;

    let mut cases = vec![("(a) no change", &no_change)];
    cases.extend(changed_runs.iter().map(|(label, costs)| (*label, costs)));
    print_report(&cases);
    Ok(())
}

fn build_release_binary(root: &Path) -> Result<PathBuf> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--quiet",
            "--package",
            "cargo-dbkit",
            "--bin",
            "cargo-dbkit",
        ])
        .current_dir(root)
        .status()
        .context("failed to run cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p cargo-dbkit failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release/cargo-dbkit"))
}

fn print_report(cases: &[(&str, &Vec<RunCost>)]) {
    println!("| case | runs | median | p95 | min | peak RSS |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, costs) in cases {
        let summary = summarize(costs);
        println!(
            "| {name} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MB |",
            summary.runs,
            summary.median.as_secs_f64() * 1e3,
            summary.p95.as_secs_f64() * 1e3,
            summary.min.as_secs_f64() * 1e3,
            summary.max_peak_rss_kib as f64 / 1024.0,
        );
    }
}

fn list_migration_files(migrations: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for directory in [migrations.to_path_buf(), migrations.join("meta")] {
        if !directory.exists() {
            continue;
        }
        for entry in std::fs::read_dir(&directory)? {
            let path = entry?.path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Removes the files a measured run added, returning how many there were.
fn remove_new_migration_files(migrations: &Path, initial: &[PathBuf]) -> Result<usize> {
    let mut removed = 0;
    for path in list_migration_files(migrations)? {
        if !initial.contains(&path) {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Writes the workspace and returns the number of bytes of Rust source.
fn write_synthetic_workspace(workspace: &Path, runtime: &Path, objects: bool) -> Result<usize> {
    std::fs::create_dir_all(workspace)?;
    std::fs::write(
        workspace.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n",
    )?;
    let mut bytes = 0;
    for crate_index in 0..CRATES {
        let directory = workspace.join(format!("crates/c{crate_index:02}/src"));
        std::fs::create_dir_all(&directory)?;
        std::fs::write(
            directory
                .parent()
                .map(|p| p.join("Cargo.toml"))
                .unwrap_or_default(),
            format!(
                "[package]\nname = \"c{crate_index:02}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\ndbkit-runtime = {{ path = {:?} }}\n",
                runtime.display().to_string()
            ),
        )?;
        let lib = "//! A synthetic crate of the generate benchmark.\n\npub mod schema;\n";
        let schema = render_crate_schema(crate_index, Change::None, objects);
        bytes += lib.len() + schema.len();
        std::fs::write(directory.join("lib.rs"), lib)?;
        std::fs::write(directory.join("schema.rs"), schema)?;
    }
    Ok(bytes)
}

fn render_crate_schema(crate_index: usize, change: Change, objects: bool) -> String {
    let mut out = String::from(if objects {
        "//! Tables, views, functions and triggers of a synthetic crate.\n\n\
         use dbkit_runtime::{Function, Table, View};\n\
         use dbkit_runtime::sqlx::types::chrono::{DateTime, Utc};\n"
    } else {
        "//! Tables of a synthetic crate.\n\n\
         use dbkit_runtime::Table;\n\
         use dbkit_runtime::sqlx::types::chrono::{DateTime, Utc};\n"
    });
    for table_index in 0..TABLES_PER_CRATE {
        render_table(
            &mut out,
            crate_index,
            table_index,
            change == Change::Column,
            objects,
        );
    }
    if objects {
        for view_index in 0..VIEWS_PER_CRATE {
            render_view(&mut out, crate_index, view_index);
        }
        for function_index in 0..FUNCTIONS_PER_CRATE {
            let changed = change == Change::FunctionBody && function_index == 0;
            render_function(&mut out, crate_index, function_index, changed);
        }
    }
    out
}

fn render_table(
    out: &mut String,
    crate_index: usize,
    table_index: usize,
    extra: bool,
    trigger: bool,
) {
    let name = format!("c{crate_index:02}_t{table_index:02}");
    let trigger = if trigger {
        let function = table_index % TRIGGER_FUNCTIONS_PER_CRATE;
        format!(
            "\n#[dbkit(trigger(name = \"{name}_touch\", before, update, for_each = \"row\",\n        \
             function = \"c{crate_index:02}_touch_{function}\", when = \"OLD.* IS DISTINCT FROM NEW.*\"))]"
        )
    } else {
        String::new()
    };
    let _ = write!(
        out,
        r#"
/// Synthetic table {table_index} of crate {crate_index}: a record with a
/// title, counters, flags and timestamps.
#[derive(Debug, Clone, Table)]
#[dbkit(table = "{name}")]
#[dbkit(index(columns(created_at)))]{trigger}
pub struct C{crate_index:02}T{table_index:02} {{
    #[dbkit(primary_key, identity)]
    pub id: i64,
    /// Short human-readable title.
    #[dbkit(default = "''")]
    pub title: String,
    /// Longer free-form description, optional.
    pub description: Option<String>,
    /// External reference code.
    pub code: String,
    /// How many items this record counts.
    #[dbkit(default = "0")]
    pub quantity: i32,
    /// Position in listings.
    pub position: Option<i32>,
    /// Running total in cents.
    #[dbkit(default = "0")]
    pub total_cents: i64,
    /// Whether the record is live.
    #[dbkit(default = "true")]
    pub active: bool,
    /// Whether the record is archived.
    #[dbkit(default = "false")]
    pub archived: bool,
    /// Set by reviewers.
    pub flagged: Option<bool>,
    /// Last change.
    #[dbkit(default = "now()")]
    pub updated_at: DateTime<Utc>,
    /// Soft deletion.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Last time someone looked at it.
    pub seen_at: Option<DateTime<Utc>>,
    /// Relevance score.
    #[dbkit(default = "1")]
    pub score: i32,
    #[dbkit(default = "now()")]
    pub created_at: DateTime<Utc>,
"#
    );
    if extra {
        out.push_str(
            "    /// Added by the benchmark's change.\n    pub extra_note: Option<String>,\n",
        );
    }
    out.push_str("}\n");
}

/// View `view_index` of a crate: the live rows of one of its tables.
fn render_view(out: &mut String, crate_index: usize, view_index: usize) {
    let table = format!("c{crate_index:02}_t{:02}", view_index * 2);
    let _ = write!(
        out,
        r#"
/// Live rows of {table}, for listings.
#[derive(View)]
#[dbkit(view = "c{crate_index:02}_v{view_index:02}", query = r"
    SELECT id, title, total_cents, updated_at
    FROM {table}
    WHERE active AND NOT archived AND deleted_at IS NULL")]
pub struct C{crate_index:02}V{view_index:02} {{
    pub id: i64,
    pub title: String,
    pub total_cents: i64,
    pub updated_at: DateTime<Utc>,
}}
"#
    );
}

/// Function `function_index` of a crate: the first half trigger functions
/// in PL/pgSQL (the tables' triggers call them), the others SQL functions
/// reading a table. `changed` changes the body, as an edit would.
fn render_function(out: &mut String, crate_index: usize, function_index: usize, changed: bool) {
    if function_index < TRIGGER_FUNCTIONS_PER_CRATE {
        let now = if changed {
            "clock_timestamp()"
        } else {
            "now()"
        };
        let _ = write!(
            out,
            r#"
/// Sets updated_at on the tables of crate {crate_index}.
#[derive(Function)]
#[dbkit(function = "c{crate_index:02}_touch_{function_index}", returns = "trigger", language = "plpgsql", body = r"
BEGIN
    NEW.updated_at := {now};
    RETURN NEW;
END")]
pub struct C{crate_index:02}Touch{function_index};
"#
        );
    } else {
        let table = format!("c{crate_index:02}_t{:02}", function_index * 2);
        let _ = write!(
            out,
            r#"
/// The running total of one row of {table}.
#[derive(Function)]
#[dbkit(function = "c{crate_index:02}_total_{function_index}", args("record_id bigint"), returns = "bigint",
        language = "sql", stable, body = "SELECT total_cents FROM {table} WHERE id = record_id")]
pub struct C{crate_index:02}Total{function_index};
"#
        );
    }
}
