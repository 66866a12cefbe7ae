//! `cargo xtask bench-migrate`: applying 500 small migrations (a table or an
//! index each) to an empty database with dbkit's engine, against `psql -f`
//! of the same SQL and `sqlx migrate run` (sqlx-cli) of the same files, and
//! the cost of a start-up with nothing pending.
//!
//! A throwaway PostgreSQL server is started for the whole run (the test
//! server of `dbkit-runtime`, so its settings: fsync off). Every measured
//! run gets a fresh database, created and dropped outside the measurement.
//! dbkit is measured in this process, from the call of `Migrations::run` to
//! its return (connecting included), so the task runs itself as a release
//! build; psql and sqlx-cli are measured as processes, start-up included.
//! The tools take turns within each round, so that they share the load of
//! the machine.

use crate::measure::{RunCost, Summary, load_average, milliseconds, run_measured, summarize};
use anyhow::{Context, Result, anyhow, bail};
use dbkit_runtime::Migrations;
use dbkit_runtime::sqlx::{self, Connection};
use dbkit_runtime::testing::LocalServer;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// How many migrations are applied: half create a table, half index one.
const MIGRATIONS: usize = 500;
const DEFAULT_RUNS: usize = 15;
const DEFAULT_STARTUP_RUNS: usize = 50;

const USAGE: &str = "\
usage: cargo xtask bench-migrate [--runs N] [--startup-runs N] [--keep DIR]

  --runs N           measured runs of each tool applying all migrations (default 15)
  --startup-runs N   measured start-ups with nothing pending (default 50)
  --keep DIR         write the migrations to DIR and leave them there
";

struct Options {
    runs: usize,
    startup_runs: usize,
    keep: Option<PathBuf>,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        runs: DEFAULT_RUNS,
        startup_runs: DEFAULT_STARTUP_RUNS,
        keep: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize> {
            let value = args
                .next()
                .with_context(|| format!("{name} needs a number"))?;
            value
                .parse()
                .with_context(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--runs" => options.runs = number("--runs")?,
            "--startup-runs" => options.startup_runs = number("--startup-runs")?,
            "--keep" => {
                let value = args.next().context("--keep needs a directory")?;
                options.keep = Some(PathBuf::from(value));
            }
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    if options.runs == 0 || options.startup_runs == 0 {
        bail!("--runs and --startup-runs must be at least 1");
    }
    Ok(options)
}

/// The ways of applying the migrations that are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Dbkit,
    Psql,
    SqlxCli,
}

impl Tool {
    fn label(self) -> &'static str {
        match self {
            Tool::Dbkit => "dbkit (`Migrations::run`)",
            Tool::Psql => "`psql -f` (one commit per statement)",
            Tool::SqlxCli => "`sqlx migrate run`",
        }
    }
}

/// The generated files: one folder per naming, and all the SQL in one file.
struct Files {
    dbkit: PathBuf,
    sqlx: PathBuf,
    all_sql: PathBuf,
}

/// The programs the comparison runs.
struct Programs {
    psql: PathBuf,
    sqlx: Option<PathBuf>,
}

pub fn run(args: &[String]) -> Result<()> {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        print!("{USAGE}");
        return Ok(());
    }
    let options = parse_options(args)?;
    if cfg!(debug_assertions) {
        return crate::rerun_in_release("bench-migrate", "the engine", args);
    }
    let programs = Programs {
        psql: find_program("psql").context("psql is needed for the comparison")?,
        sqlx: find_program("sqlx").or_else(|| find_installed_by_cargo_install("sqlx")),
    };
    if programs.sqlx.is_none() {
        eprintln!(
            "note: sqlx-cli not found; install it with `cargo install sqlx-cli --no-default-features --features postgres,rustls --locked` to compare with it"
        );
    }

    let temporary = tempfile::Builder::new()
        .prefix("dbkit-bench-migrate-")
        .tempdir()?;
    let folder = match &options.keep {
        Some(dir) => {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
            dir.clone()
        }
        None => temporary.path().to_path_buf(),
    };
    let files = write_migration_files(&folder)?;
    let migrations = Migrations::from_directory(&files.dbkit)?;

    eprintln!("starting a throwaway PostgreSQL server");
    let server = LocalServer::start().map_err(|error| anyhow!("{error}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let load_before = load_average()?;

    let mut tools = vec![Tool::Dbkit, Tool::Psql];
    if programs.sqlx.is_some() {
        tools.push(Tool::SqlxCli);
    }
    let mut costs: Vec<(Tool, Vec<RunCost>)> =
        tools.iter().map(|&tool| (tool, Vec::new())).collect();
    // Round 0 warms up the server and the file cache and is not counted.
    for round in 0..=options.runs {
        eprintln!("round {round} of {}", options.runs);
        let mut order = tools.clone();
        order.rotate_left(round % tools.len());
        for tool in order {
            let cost = runtime.block_on(measure_one_apply(
                &server,
                tool,
                &migrations,
                &files,
                &programs,
            ))?;
            if round > 0
                && let Some((_, tool_costs)) =
                    costs.iter_mut().find(|(measured, _)| *measured == tool)
            {
                tool_costs.push(cost);
            }
        }
    }

    let startup = runtime.block_on(measure_startups(
        &server,
        &migrations,
        &files,
        &programs,
        options.startup_runs,
    ))?;
    let load_after = load_average()?;
    print_report(
        &costs,
        &startup,
        options.startup_runs,
        &load_before,
        &load_after,
    );
    Ok(())
}

pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|directory| directory.join(name))
        .find(|candidate| candidate.is_file())
}

/// `cargo install`'s copy of `name`, for when its folder is not on `PATH`.
fn find_installed_by_cargo_install(name: &str) -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))?;
    let candidate = cargo_home.join("bin").join(name);
    candidate.is_file().then_some(candidate)
}

/// The SQL of migration `version` (1-based) and its name: odd versions
/// create a table, even ones index the table created just before.
fn migration(version: usize) -> (String, String) {
    let table = version.div_ceil(2);
    if version % 2 == 1 {
        (
            format!("create_bench_{table}"),
            format!(
                "CREATE TABLE bench_{table} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n"
            ),
        )
    } else {
        (
            format!("index_bench_{table}_name"),
            format!("CREATE INDEX bench_{table}_name ON bench_{table} (name);\n"),
        )
    }
}

fn write_migration_files(folder: &Path) -> Result<Files> {
    let files = Files {
        dbkit: folder.join("dbkit"),
        sqlx: folder.join("sqlx"),
        all_sql: folder.join("all.sql"),
    };
    std::fs::create_dir_all(&files.dbkit)?;
    std::fs::create_dir_all(&files.sqlx)?;
    let mut all_sql = String::new();
    for version in 1..=MIGRATIONS {
        let (name, sql) = migration(version);
        std::fs::write(files.dbkit.join(format!("V{version}__{name}.sql")), &sql)?;
        std::fs::write(files.sqlx.join(format!("{version}_{name}.sql")), &sql)?;
        all_sql.push_str(&sql);
    }
    std::fs::write(&files.all_sql, all_sql)?;
    Ok(files)
}

/// Applies all migrations with `tool` to a fresh database, checks the
/// result and drops the database; returns the measured cost.
async fn measure_one_apply(
    server: &LocalServer,
    tool: Tool,
    migrations: &Migrations,
    files: &Files,
    programs: &Programs,
) -> Result<RunCost> {
    let (name, url) = server
        .create_unique_database("bench_migrate")
        .await
        .map_err(|error| anyhow!("{error}"))?;
    checkpoint(server).await?;
    let cost = match tool {
        Tool::Dbkit => {
            let started = Instant::now();
            let report = migrations.run(&url).await?;
            let wall = started.elapsed();
            if report.applied.len() != MIGRATIONS {
                bail!("dbkit applied {} migrations", report.applied.len());
            }
            RunCost {
                wall,
                peak_rss_kib: 0,
            }
        }
        Tool::Psql => run_measured(
            Command::new(&programs.psql)
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
                .arg(&files.all_sql)
                .args(["-d", &url])
                .stdout(Stdio::null()),
            &[0],
        )?,
        Tool::SqlxCli => run_measured(
            sqlx_migrate_run(programs, &files.sqlx, &url)?.stdout(Stdio::null()),
            &[0],
        )?,
    };
    check_applied(&url, tool).await?;
    server
        .drop_database(&name)
        .await
        .map_err(|error| anyhow!("{error}"))?;
    Ok(cost)
}

/// Writes out what creating and dropping databases left in the server's
/// buffers, so that the next measured run does not pay for it.
pub(crate) async fn checkpoint(server: &LocalServer) -> Result<()> {
    let mut connection = sqlx::PgConnection::connect(&server.admin_url()).await?;
    sqlx::raw_sql("CHECKPOINT").execute(&mut connection).await?;
    connection.close().await?;
    Ok(())
}

fn sqlx_migrate_run(programs: &Programs, source: &Path, url: &str) -> Result<Command> {
    let sqlx = programs
        .sqlx
        .as_ref()
        .context("sqlx-cli is not installed")?;
    let mut command = Command::new(sqlx);
    command
        .args(["migrate", "run", "--source"])
        .arg(source)
        .args(["--database-url", url]);
    Ok(command)
}

/// Fails unless the database holds every table and index of the migrations.
async fn check_applied(url: &str, tool: Tool) -> Result<()> {
    let mut connection = sqlx::PgConnection::connect(url).await?;
    let (tables, indexes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bench\\_%'), \
                (SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'bench\\_%\\_name')",
    )
    .fetch_one(&mut connection)
    .await?;
    connection.close().await?;
    let expected = i64::try_from(MIGRATIONS / 2)?;
    if tables != expected || indexes != expected {
        bail!(
            "after {}: {tables} tables and {indexes} indexes, {expected} of each expected",
            tool.label()
        );
    }
    Ok(())
}

/// Start-ups with nothing pending on a database where everything is
/// applied: dbkit's `run` alone (connect, lock, read and check the history,
/// unlock), `run` after reading the folder (as `cargo dbkit migrate` does;
/// an embedded folder is checksummed at each start in the same way), and
/// `sqlx migrate run` for comparison.
async fn measure_startups(
    server: &LocalServer,
    migrations: &Migrations,
    files: &Files,
    programs: &Programs,
    runs: usize,
) -> Result<Vec<(&'static str, Vec<RunCost>)>> {
    let (name, url) = server
        .create_unique_database("bench_migrate_startup")
        .await
        .map_err(|error| anyhow!("{error}"))?;
    migrations.run(&url).await?;
    let mut run_alone = Vec::new();
    let mut read_and_run = Vec::new();
    // Run 0 of each is a warm-up.
    for run in 0..=runs {
        let started = Instant::now();
        let report = migrations.run(&url).await?;
        let alone = started.elapsed();
        let started = Instant::now();
        let report_after_read = Migrations::from_directory(&files.dbkit)?.run(&url).await?;
        let with_read = started.elapsed();
        if !report.applied.is_empty() || !report_after_read.applied.is_empty() {
            bail!("a start-up with nothing pending applied migrations");
        }
        if run > 0 {
            run_alone.push(RunCost {
                wall: alone,
                peak_rss_kib: 0,
            });
            read_and_run.push(RunCost {
                wall: with_read,
                peak_rss_kib: 0,
            });
        }
    }
    let mut results = vec![
        ("dbkit `run`", run_alone),
        ("dbkit `from_directory` + `run`", read_and_run),
    ];
    server
        .drop_database(&name)
        .await
        .map_err(|error| anyhow!("{error}"))?;

    if programs.sqlx.is_some() {
        let (name, url) = server
            .create_unique_database("bench_migrate_startup_sqlx")
            .await
            .map_err(|error| anyhow!("{error}"))?;
        let mut sqlx_costs = Vec::new();
        // Run 0 applies everything and is not counted.
        for run in 0..=runs {
            let cost = run_measured(
                sqlx_migrate_run(programs, &files.sqlx, &url)?.stdout(Stdio::null()),
                &[0],
            )?;
            if run > 0 {
                sqlx_costs.push(cost);
            }
        }
        results.push(("`sqlx migrate run` (a process)", sqlx_costs));
        server
            .drop_database(&name)
            .await
            .map_err(|error| anyhow!("{error}"))?;
    }
    Ok(results)
}

fn print_report(
    applies: &[(Tool, Vec<RunCost>)],
    startups: &[(&str, Vec<RunCost>)],
    startup_runs: usize,
    load_before: &str,
    load_after: &str,
) {
    let summaries: Vec<(Tool, Summary)> = applies
        .iter()
        .map(|(tool, costs)| (*tool, summarize(costs)))
        .collect();
    let psql_median = summaries
        .iter()
        .find(|(tool, _)| *tool == Tool::Psql)
        .map(|(_, summary)| summary.median.as_secs_f64());
    let mut report = String::new();
    let _ = writeln!(
        report,
        "\napplying {MIGRATIONS} migrations to an empty database (load average {load_before} before, {load_after} after)\n"
    );
    let _ = writeln!(
        report,
        "| tool | runs | median | p95 | min | median / psql |"
    );
    let _ = writeln!(report, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (tool, summary) in &summaries {
        let ratio = psql_median
            .filter(|psql| *psql > 0.0)
            .map(|psql| format!("{:.2}×", summary.median.as_secs_f64() / psql))
            .unwrap_or_default();
        let _ = writeln!(
            report,
            "| {} | {} | {} | {} | {} | {ratio} |",
            tool.label(),
            summary.runs,
            milliseconds(summary.median),
            milliseconds(summary.p95),
            milliseconds(summary.min),
        );
    }
    let _ = writeln!(
        report,
        "\nstart-up with nothing pending, {MIGRATIONS} applied ({startup_runs} runs)\n"
    );
    let _ = writeln!(report, "| what | median | p95 | min |");
    let _ = writeln!(report, "| --- | ---: | ---: | ---: |");
    for (label, costs) in startups {
        let summary = summarize(costs);
        let _ = writeln!(
            report,
            "| {label} | {} | {} | {} |",
            milliseconds(summary.median),
            milliseconds(summary.p95),
            milliseconds(summary.min),
        );
    }
    print!("{report}");
}
