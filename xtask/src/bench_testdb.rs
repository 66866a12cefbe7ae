//! `cargo xtask bench-testdb`: what a fresh migrated database costs a test,
//! with `TestDb` (a clone of a template, taken from the pool of clones made
//! ahead of demand) and the way `#[sqlx::test]` does it (a plain
//! `CREATE DATABASE`, then sqlx's migrator runs every migration in it), on
//! the same server and the same 100 migrations; then `CREATE DATABASE …
//! TEMPLATE` with each `STRATEGY`, and the cold start of each provider's
//! server.
//!
//! The server is the one `TestDb` picks (`DBKIT_TEST_PROVIDER`, else
//! automatic); the sqlx side connects to that same server.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::measure::percentile;
use anyhow::{Context, Result, bail};
use dbkit_runtime::Migrations;
use dbkit_runtime::sqlx::{self, Connection};
use dbkit_runtime::testing::{TestDb, docker, local};

const MIGRATIONS: usize = 100;

#[derive(Debug)]
struct Options {
    tests: usize,
    sqlx_tests: usize,
    clones: usize,
    starts: usize,
    /// What each test does besides getting its database, in milliseconds
    /// of `pg_sleep` (0: tests back to back, the worst case for the pool).
    test_body_ms: usize,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        tests: 100,
        sqlx_tests: 20,
        clones: 20,
        starts: 5,
        test_body_ms: 0,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = |name: &str, args: &mut std::slice::Iter<'_, String>| -> Result<usize> {
            args.next()
                .with_context(|| format!("{name} needs a number"))?
                .parse()
                .with_context(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--tests" => options.tests = value(arg, &mut args)?,
            "--sqlx-tests" => options.sqlx_tests = value(arg, &mut args)?,
            "--clones" => options.clones = value(arg, &mut args)?,
            "--starts" => options.starts = value(arg, &mut args)?,
            "--test-body-ms" => options.test_body_ms = value(arg, &mut args)?,
            other => bail!("unknown option `{other}`"),
        }
    }
    if options.tests < 2 || options.sqlx_tests < 2 {
        bail!("--tests and --sqlx-tests need at least 2 (the first is reported apart)");
    }
    Ok(options)
}

pub fn run(args: &[String]) -> Result<()> {
    let options = parse_options(args)?;
    let folder = tempfile::tempdir()?;
    write_migrations(folder.path())?;
    let migrations: &'static Migrations = Box::leak(Box::new(
        Migrations::from_directory(folder.path().join("dbkit"))
            .context("read the generated migrations")?,
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(measure_databases(&options, migrations, folder.path()))?;
    measure_cold_starts(&options, &runtime)?;
    Ok(())
}

/// `CREATE TABLE` with a unique column and an index, one per migration, in
/// refinery's naming for dbkit and sqlx's for its migrator.
fn write_migrations(folder: &Path) -> Result<()> {
    let dbkit = folder.join("dbkit");
    let sqlx = folder.join("sqlx");
    std::fs::create_dir_all(&dbkit)?;
    std::fs::create_dir_all(&sqlx)?;
    for version in 1..=MIGRATIONS {
        let sql = format!(
            "CREATE TABLE table_{version} (\n    id bigserial PRIMARY KEY,\n    \
             name text NOT NULL UNIQUE,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n\
             CREATE INDEX table_{version}_created_at_idx ON table_{version} (created_at);\n"
        );
        std::fs::write(
            dbkit.join(format!("V{version}__create_table_{version}.sql")),
            &sql,
        )?;
        std::fs::write(
            sqlx.join(format!("{version}_create_table_{version}.sql")),
            &sql,
        )?;
    }
    Ok(())
}

async fn measure_databases(
    options: &Options,
    migrations: &'static Migrations,
    folder: &Path,
) -> Result<()> {
    println!(
        "{MIGRATIONS} migrations (a table with a unique column and an index each); {} TestDb tests \
         (body: {} ms), {} sqlx tests",
        options.tests, options.test_body_ms, options.sqlx_tests
    );
    // TestDb: each test makes its database, runs a query, and drops it.
    let mut creations = Vec::new();
    let mut teardowns = Vec::new();
    let mut admin_url = None;
    let mut provider = None;
    for _ in 0..options.tests {
        let started = Instant::now();
        let db = TestDb::new(migrations).await.context("TestDb::new")?;
        sqlx::query("SELECT 1").execute(db.pool()).await?;
        creations.push(started.elapsed());
        if options.test_body_ms > 0 {
            sqlx::query("SELECT pg_sleep($1)")
                .bind(options.test_body_ms as f64 / 1000.0)
                .execute(db.pool())
                .await?;
        }
        admin_url.get_or_insert_with(|| admin_url_of(db.url()));
        provider.get_or_insert(db.provider());
        let started = Instant::now();
        drop(db);
        teardowns.push(started.elapsed());
    }
    let admin_url = admin_url.context("no test ran")?;
    let provider = provider.context("no test ran")?;
    println!("server: the `{provider}` provider");
    report("TestDb::new (first: server, template)", &creations[..1]);
    report("TestDb::new, after the first", &creations[1..]);
    report("TestDb drop (DROP DATABASE … WITH (FORCE))", &teardowns);

    // What #[sqlx::test] does for each test: a plain database, then every
    // migration through sqlx's migrator.
    let migrator = sqlx::migrate::Migrator::new(folder.join("sqlx")).await?;
    let mut sqlx_creations = Vec::new();
    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
    for test in 0..options.sqlx_tests {
        let name = format!("bench_sqlx_test_{}_{test}", std::process::id());
        let started = Instant::now();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
        let pool = sqlx::PgPool::connect(&database_url(&admin_url, &name)).await?;
        migrator.run(&pool).await?;
        sqlx::query("SELECT 1").execute(&pool).await?;
        sqlx_creations.push(started.elapsed());
        pool.close().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await?;
    }
    report("#[sqlx::test]'s way (first)", &sqlx_creations[..1]);
    report("#[sqlx::test]'s way, after the first", &sqlx_creations[1..]);
    let ours = percentile(&creations[1..], 0.5);
    let theirs = percentile(&sqlx_creations[1..], 0.5);
    println!(
        "median ratio: {:.0}x less per test with TestDb",
        theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9)
    );

    // The clone itself, by strategy, from a template of the same migrations.
    let template = format!("bench_template_{}", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {template}")))
        .execute(&mut admin)
        .await?;
    migrations
        .run(&database_url(&admin_url, &template))
        .await
        .context("migrate the strategy template")?;
    let mut by_strategy: Vec<(&str, Vec<Duration>)> =
        vec![("WAL_LOG", Vec::new()), ("FILE_COPY", Vec::new())];
    for clone in 0..options.clones {
        for (strategy, durations) in &mut by_strategy {
            let name = format!("{template}_{}_{clone}", strategy.to_lowercase());
            let started = Instant::now();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {name} TEMPLATE {template} STRATEGY {strategy}"
            )))
            .execute(&mut admin)
            .await?;
            durations.push(started.elapsed());
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
                .execute(&mut admin)
                .await?;
        }
    }
    for (strategy, durations) in &by_strategy {
        report(
            &format!("CREATE DATABASE … TEMPLATE … STRATEGY {strategy}"),
            durations,
        );
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {template} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    admin.close().await?;
    Ok(())
}

fn measure_cold_starts(options: &Options, runtime: &tokio::runtime::Runtime) -> Result<()> {
    let mut local_starts = Vec::new();
    for _ in 0..options.starts {
        let started = Instant::now();
        let cluster = local::start_detached().context("start a local cluster")?;
        local_starts.push(started.elapsed());
        std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(cluster.stop_command())
            .status()?;
    }
    report("cold start, local (initdb + postgres)", &local_starts);
    let docker_options = docker::DockerOptions::from_env();
    if !docker::docker_available() || !docker::image_present(&docker_options.image) {
        println!(
            "cold start, docker: skipped (no daemon, or no image `{}`; set DBKIT_POSTGRES_IMAGE)",
            docker_options.image
        );
        return Ok(());
    }
    let mut docker_starts = Vec::new();
    for _ in 0..options.starts {
        let started = Instant::now();
        let server = runtime
            .block_on(docker::DockerServer::start(&docker_options))
            .context("start a container")?;
        docker_starts.push(started.elapsed());
        docker::remove_container(server.container_id())?;
    }
    report(
        &format!("cold start, docker ({})", docker_options.image),
        &docker_starts,
    );
    Ok(())
}

/// The URL of database `postgres` on the server of `url`.
fn admin_url_of(url: &str) -> String {
    database_url(url, "postgres")
}

fn database_url(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(end);
    let query = after.find('?').map_or("", |start| &after[start..]);
    format!("{scheme}://{authority}/{name}{query}")
}

fn report(label: &str, durations: &[Duration]) {
    let milliseconds = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "{label:<55} n={:<4} median {:>8.1} ms   p95 {:>8.1} ms   max {:>8.1} ms",
        durations.len(),
        milliseconds(percentile(durations, 0.5)),
        milliseconds(percentile(durations, 0.95)),
        milliseconds(durations.iter().max().copied().unwrap_or_default()),
    );
}
