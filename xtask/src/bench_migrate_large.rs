//! `cargo xtask bench-migrate-large`: one large data migration (200 MB of
//! `INSERT`s by default) applied by dbkit's engine, against psql applying
//! the same file in one transaction (`psql -1 -f`, the same work as dbkit's
//! one transaction per migration) and in autocommit (`psql -f`); and the
//! statement splitter alone on 1 MB, 2 MB and the whole file, to show that
//! its cost grows with the size and no faster.
//!
//! dbkit is measured in this process from reading the folder
//! (`Migrations::from_directory`, which checksums the file) to the return
//! of `Migrations::run`; psql as a process. Each run gets a fresh database
//! on a throwaway server, created and dropped outside the measurement.

use crate::bench_migrate::{checkpoint, find_program};
use crate::measure::{RunCost, load_average, run_measured};
use anyhow::{Context, Result, anyhow, bail};
use dbkit_core::sql_split::sql_statements;
use dbkit_runtime::Migrations;
use dbkit_runtime::sqlx::{self, Connection};
use dbkit_runtime::testing::LocalServer;
use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEFAULT_MEGABYTES: usize = 200;
const DEFAULT_RUNS: usize = 1;

const USAGE: &str = "\
usage: cargo xtask bench-migrate-large [--megabytes N] [--runs N]

  --megabytes N   size of the data migration (default 200)
  --runs N        measured runs of each tool (default 1; each takes minutes)
";

struct Options {
    megabytes: usize,
    runs: usize,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        megabytes: DEFAULT_MEGABYTES,
        runs: DEFAULT_RUNS,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize> {
            args.next()
                .and_then(|value| value.parse().ok())
                .with_context(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--megabytes" => options.megabytes = number("--megabytes")?,
            "--runs" => options.runs = number("--runs")?,
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    if options.megabytes == 0 || options.runs == 0 {
        bail!("--megabytes and --runs must be at least 1");
    }
    Ok(options)
}

/// The data migration: a table, then `INSERT`s of one row each (with
/// semicolons and quotes inside their strings, and a comment every 10,000
/// rows) until the text is `bytes` long. Returns the text and its rows.
fn data_migration(bytes: usize) -> (String, u64) {
    let mut sql = String::with_capacity(bytes + 256);
    sql.push_str(
        "-- A data migration of the size teams load reference data with.\n\
         CREATE TABLE bench_data (id bigint PRIMARY KEY, name text NOT NULL, note text);\n",
    );
    let mut rows = 0u64;
    while sql.len() < bytes {
        rows += 1;
        if rows.is_multiple_of(10_000) {
            let _ = writeln!(sql, "-- rows from {rows}; the next block");
        }
        let _ = writeln!(
            sql,
            "INSERT INTO bench_data VALUES ({rows}, 'name {rows}', 'it''s; row {rows}');"
        );
    }
    (sql, rows)
}

pub fn run(args: &[String]) -> Result<()> {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        print!("{USAGE}");
        return Ok(());
    }
    let options = parse_options(args)?;
    if cfg!(debug_assertions) {
        return crate::rerun_in_release("bench-migrate-large", "the engine", args);
    }
    let psql = find_program("psql").context("psql is needed for the comparison")?;
    let folder = tempfile::Builder::new()
        .prefix("dbkit-bench-migrate-large-")
        .tempdir()?;
    let migrations_folder = folder.path().join("migrations");
    std::fs::create_dir(&migrations_folder)?;
    let (sql, rows) = data_migration(options.megabytes * 1_000_000);
    let file = migrations_folder.join("V1__load_data.sql");
    std::fs::write(&file, &sql)?;
    let statements = sql_statements(&sql).count();
    eprintln!("{} bytes, {statements} statements, {rows} rows", sql.len());

    let mut report = String::new();
    let _ = writeln!(
        report,
        "\nsplitting into statements (in memory, best of 3)\n"
    );
    let _ = writeln!(report, "| text | statements | time | MB/s |");
    let _ = writeln!(report, "| --- | ---: | ---: | ---: |");
    for size in [1_000_000, 2_000_000, sql.len()] {
        let text = &sql[..sql[..size].rfind('\n').map_or(size, |end| end + 1)];
        let mut best = Duration::MAX;
        let mut count = 0;
        for _ in 0..3 {
            let started = Instant::now();
            count = sql_statements(text).count();
            best = best.min(started.elapsed());
        }
        let _ = writeln!(
            report,
            "| {:.0} MB | {count} | {:.1} ms | {:.0} |",
            text.len() as f64 / 1e6,
            best.as_secs_f64() * 1e3,
            text.len() as f64 / 1e6 / best.as_secs_f64()
        );
    }
    drop(sql);

    eprintln!("starting a throwaway PostgreSQL server");
    let server = LocalServer::start().map_err(|error| anyhow!("{error}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let load_before = load_average()?;
    let tools: [(&str, Option<&[&str]>); 3] = [
        ("dbkit (`from_directory` + `run`)", None),
        ("`psql -1 -f` (one transaction)", Some(&["-1"])),
        ("`psql -f` (one commit per statement)", Some(&[])),
    ];
    let mut costs: Vec<Vec<RunCost>> = vec![Vec::new(); tools.len()];
    for round in 1..=options.runs {
        for (index, (label, psql_options)) in tools.iter().enumerate() {
            eprintln!("round {round} of {}: {label}", options.runs);
            let (name, url) = runtime
                .block_on(server.create_unique_database("bench_large"))
                .map_err(|error| anyhow!("{error}"))?;
            runtime.block_on(checkpoint(&server))?;
            let cost = match psql_options {
                None => {
                    let started = Instant::now();
                    let report = runtime
                        .block_on(Migrations::from_directory(&migrations_folder)?.run(&url))?;
                    if report.applied.len() != 1 {
                        bail!("dbkit applied {} migrations", report.applied.len());
                    }
                    RunCost {
                        wall: started.elapsed(),
                        peak_rss_kib: 0,
                    }
                }
                Some(extra) => run_measured(
                    Command::new(&psql)
                        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
                        .args(*extra)
                        .arg("-f")
                        .arg(&file)
                        .args(["-d", &url])
                        .stdout(Stdio::null()),
                    &[0],
                )?,
            };
            let loaded = runtime.block_on(count_rows(&url))?;
            if loaded != rows {
                bail!("after {label}: {loaded} rows, {rows} expected");
            }
            runtime
                .block_on(server.drop_database(&name))
                .map_err(|error| anyhow!("{error}"))?;
            eprintln!("  {:.1} s", cost.wall.as_secs_f64());
            costs[index].push(cost);
        }
    }
    let load_after = load_average()?;
    let median = |costs: &[RunCost]| {
        let mut walls: Vec<Duration> = costs.iter().map(|cost| cost.wall).collect();
        walls.sort();
        walls[walls.len() / 2]
    };
    let reference = median(&costs[1]).as_secs_f64();
    let _ = writeln!(
        report,
        "\napplying one {} MB migration ({statements} statements; load average {load_before} before, {load_after} after)\n",
        options.megabytes
    );
    let _ = writeln!(report, "| tool | runs | median | median / `psql -1 -f` |");
    let _ = writeln!(report, "| --- | ---: | ---: | ---: |");
    for ((label, _), tool_costs) in tools.iter().zip(&costs) {
        let wall = median(tool_costs).as_secs_f64();
        let _ = writeln!(
            report,
            "| {label} | {} | {wall:.1} s | {:.2}× |",
            tool_costs.len(),
            wall / reference
        );
    }
    print!("{report}");
    Ok(())
}

async fn count_rows(url: &str) -> Result<u64> {
    let mut connection = sqlx::PgConnection::connect(url).await?;
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM bench_data")
        .fetch_one(&mut connection)
        .await?;
    connection.close().await?;
    Ok(u64::try_from(count)?)
}
