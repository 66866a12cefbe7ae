//! `cargo xtask bench-introspect`: how long the introspector
//! (`dbkit_introspect::introspect`, what `pull`, `push` and `check
//! --replay`/`--database-url` call) takes to read a database of 1,000
//! realistic tables with 500 views, 500 functions and 1,000 triggers.
//!
//! The database is a `TestDb` of no migrations on the server the test
//! providers pick (`DBKIT_TEST_PROVIDER`), filled once per run by SQL this
//! benchmark writes, applied in one transaction. Each measured run opens a
//! new pool (timed apart: connection setup) and introspects it (timed:
//! the figure of BENCHMARKS.md), after warm-up runs that are not counted.
//! Every run's schema must equal the first one's, and the first one must
//! have the shape the SQL declares.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::measure::{load_average, milliseconds, percentile};
use anyhow::{Context, Result, bail};
use dbkit_core::model::{IndexKey, Schema};
use dbkit_introspect::introspect;
use dbkit_runtime::sqlx;
use dbkit_runtime::sqlx::postgres::PgPoolOptions;
use dbkit_runtime::testing::{TestDb, no_migrations};

const USAGE: &str = "\
usage: cargo xtask bench-introspect [--runs N] [--warmup N] [--tables N] [--views N]
                                    [--functions N] [--triggers N] [--connections N] [--sql FILE]

  --runs N          measured introspections (default 30)
  --warmup N        introspections before them, not counted (default 3)
  --tables N        tables in the database (default 1000)
  --views N         views over them (default 500)
  --functions N     functions, half trigger functions in PL/pgSQL, half SQL
                    functions reading a table (default 500)
  --triggers N      triggers on the tables, each calling one of the trigger
                    functions (default 1000; needs --functions of at least 2)
  --connections N   the pool's maximum size (default 4)
  --sql FILE        only write the database's SQL to FILE (to profile the
                    catalog queries by hand, e.g. with psql's EXPLAIN ANALYZE)

The server is the test providers' (DBKIT_TEST_PROVIDER=local|docker).
";

#[derive(Debug)]
struct Options {
    runs: usize,
    warmup: usize,
    tables: usize,
    objects: Objects,
    connections: u32,
    sql_file: Option<std::path::PathBuf>,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        runs: 30,
        warmup: 3,
        tables: 1000,
        objects: Objects {
            views: 500,
            functions: 500,
            triggers: 1000,
        },
        connections: 4,
        sql_file: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => options.runs = value()?.parse().context("--runs needs a number")?,
            "--warmup" => options.warmup = value()?.parse().context("--warmup needs a number")?,
            "--tables" => options.tables = value()?.parse().context("--tables needs a number")?,
            "--views" => {
                options.objects.views = value()?.parse().context("--views needs a number")?
            }
            "--functions" => {
                options.objects.functions =
                    value()?.parse().context("--functions needs a number")?;
            }
            "--triggers" => {
                options.objects.triggers = value()?.parse().context("--triggers needs a number")?;
            }
            "--connections" => {
                options.connections = value()?.parse().context("--connections needs a number")?;
            }
            "--sql" => options.sql_file = Some(value()?.into()),
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    if options.runs == 0 || options.tables < 2 || options.connections == 0 {
        bail!("--runs and --connections need at least 1, --tables at least 2");
    }
    if options.objects.triggers > 0 && options.objects.functions < 2 {
        bail!("--triggers needs --functions of at least 2 (half of them are trigger functions)");
    }
    Ok(options)
}

pub fn run(args: &[String]) -> Result<()> {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        print!("{USAGE}");
        return Ok(());
    }
    let options = parse_options(args)?;
    if let Some(file) = &options.sql_file {
        std::fs::write(file, database_sql(options.tables, &options.objects))
            .with_context(|| format!("failed to write {}", file.display()))?;
        return Ok(());
    }
    if cfg!(debug_assertions) {
        return crate::rerun_in_release("bench-introspect", "the introspector", args);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(measure(&options))
}

async fn measure(options: &Options) -> Result<()> {
    let started = Instant::now();
    let database = TestDb::new(no_migrations()?)
        .await
        .context("get an empty database from the test providers")?;
    let server_ready = started.elapsed();
    let sql = database_sql(options.tables, &options.objects);
    let started = Instant::now();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("BEGIN;\n{sql}COMMIT;\n")))
        .execute(database.pool())
        .await
        .context("create the tables")?;
    sqlx::raw_sql("ANALYZE")
        .execute(database.pool())
        .await
        .context("analyze")?;
    let built = started.elapsed();
    eprintln!(
        "database `{}` on the `{}` provider: server and empty database {:.0} ms, \
         {} tables, {} views, {} functions and {} triggers created in {:.0} ms ({} KB of SQL)",
        database.name(),
        database.provider(),
        server_ready.as_secs_f64() * 1e3,
        options.tables,
        options.objects.views,
        options.objects.functions,
        options.objects.triggers,
        built.as_secs_f64() * 1e3,
        sql.len() / 1000,
    );

    let load_before = load_average()?;
    let mut connects = Vec::new();
    let mut introspections = Vec::new();
    let mut peak_rss_growth_kib = 0;
    let mut first: Option<Schema> = None;
    let mut client_cpu = Duration::ZERO;
    for round in 0..options.warmup + options.runs {
        reset_peak_rss();
        let rss_before = peak_rss_kib();
        let started = Instant::now();
        let pool = PgPoolOptions::new()
            .max_connections(options.connections)
            .connect(database.url())
            .await
            .context("connect")?;
        let connected = started.elapsed();
        let cpu_before = process_cpu_time()?;
        let started = Instant::now();
        let schema = introspect(&pool, None).await.context("introspect")?;
        let introspected = started.elapsed();
        let cpu_used = process_cpu_time()?.saturating_sub(cpu_before);
        pool.close().await;
        let rss_growth = peak_rss_kib().saturating_sub(rss_before);
        match &first {
            None => {
                check_shape(&schema, options.tables, &options.objects)?;
                first = Some(schema);
            }
            Some(first) if *first != schema => bail!("run {round} read a different schema"),
            Some(_) => {}
        }
        // Every round counts for memory: the first, before the allocator
        // holds freed memory to reuse, grows the most.
        peak_rss_growth_kib = peak_rss_growth_kib.max(rss_growth);
        if round >= options.warmup {
            connects.push(connected);
            introspections.push(introspected);
            client_cpu += cpu_used;
        }
    }
    let load_after = load_average()?;

    let mut report = String::new();
    let _ = writeln!(
        report,
        "\nintrospecting {} tables, `{}` provider, pool of up to {} connections \
         (load average {load_before} before, {load_after} after)\n",
        options.tables,
        database.provider(),
        options.connections,
    );
    let _ = writeln!(report, "| what | runs | median | p95 | min | max |");
    let _ = writeln!(report, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (label, durations) in [
        ("`introspect`", &introspections),
        ("connection (pool, first connection)", &connects),
    ] {
        let _ = writeln!(
            report,
            "| {label} | {} | {} | {} | {} | {} |",
            durations.len(),
            milliseconds(percentile(durations, 0.5)),
            milliseconds(percentile(durations, 0.95)),
            milliseconds(percentile(durations, 0.0)),
            milliseconds(percentile(durations, 1.0)),
        );
    }
    let _ = writeln!(
        report,
        "\nCPU time of this process per `introspect` (mean of the measured runs; decoding the \
         rows and building the schema): {}",
        milliseconds(client_cpu / u32::try_from(options.runs).unwrap_or(u32::MAX))
    );
    let _ = writeln!(
        report,
        "peak RSS growth of this process over a run (pool, rows, schema; largest of all runs): \
         {:.1} MB",
        peak_rss_growth_kib as f64 / 1024.0
    );
    print!("{report}");
    drop(database);
    Ok(())
}

/// The enums of the database: one in `public`, one in `billing`.
const ENUMS: &str = "\
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'Invoices and payments.';
CREATE TYPE status AS ENUM ('draft', 'active', 'archived');
COMMENT ON TYPE status IS 'Where a record is in its life.';
CREATE TYPE billing.currency AS ENUM ('eur', 'usd', 'gbp', 'chf');
";

/// The schema of table `n`: every tenth one in `billing`, the others in
/// `public`.
fn table_schema(n: usize) -> &'static str {
    if n % 10 == 9 { "billing" } else { "public" }
}

fn table_name(n: usize) -> String {
    format!("{}.record_{n:04}", table_schema(n))
}

/// How many objects defined by SQL the database holds besides its tables.
#[derive(Debug, Clone, Copy)]
struct Objects {
    views: usize,
    functions: usize,
    triggers: usize,
}

/// Views over the tables, functions (half trigger functions, half SQL
/// functions reading a table) and triggers calling the trigger functions.
fn objects_sql(tables: usize, objects: &Objects) -> String {
    let mut sql = String::new();
    for n in 0..objects.views {
        let table = table_name(n % tables);
        let _ = writeln!(
            sql,
            "CREATE VIEW public.bench_view_{n:04} AS SELECT id, code, title, amount FROM {table} WHERE status <> 'archived';"
        );
    }
    let trigger_functions = objects.functions.div_ceil(2);
    for n in 0..objects.functions {
        if n < trigger_functions {
            let _ = writeln!(
                sql,
                "CREATE FUNCTION public.bench_touch_{n:04}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND\n$$;"
            );
        } else {
            let table = table_name(n % tables);
            let _ = writeln!(
                sql,
                "CREATE FUNCTION public.bench_amount_{n:04}(record_id bigint) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT amount FROM {table} WHERE id = record_id $$;"
            );
        }
    }
    for n in 0..objects.triggers {
        let table = table_name(n % tables);
        let function = n % trigger_functions.max(1);
        let _ = writeln!(
            sql,
            "CREATE TRIGGER bench_touch_{n:04} BEFORE UPDATE ON {table} FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION public.bench_touch_{function:04}();"
        );
    }
    sql
}

/// The SQL of the database: its tables, then the views, functions and
/// triggers over them.
fn database_sql(tables: usize, objects: &Objects) -> String {
    let mut sql = tables_sql(tables);
    sql.push_str(&objects_sql(tables, objects));
    sql
}

/// The SQL of the tables: `tables` tables of 11 columns (an identity or
/// `bigserial` key, text, `varchar(n)`, `numeric(p,s)`, an enum, an array,
/// `jsonb`, booleans and timestamps; nullable or not, defaults), a primary
/// key, one or two foreign keys to earlier tables, a unique constraint, a
/// check constraint, two indexes (one partial, every third on an
/// expression), a comment on the table and on two columns.
fn tables_sql(tables: usize) -> String {
    let mut sql = String::from(ENUMS);
    for n in 0..tables {
        let name = table_name(n);
        let short = format!("record_{n:04}");
        let key = if n % 5 == 0 {
            "id bigserial PRIMARY KEY"
        } else {
            "id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        };
        let parent = if n == 0 {
            String::from("parent_id bigint")
        } else {
            format!(
                "parent_id bigint REFERENCES {} (id) ON DELETE CASCADE",
                table_name(n - 1)
            )
        };
        let owner = if n % 2 == 0 && n > 0 {
            format!(
                ",\n    owner_id bigint REFERENCES {} (id) ON DELETE SET NULL ON UPDATE CASCADE",
                table_name(n / 2)
            )
        } else {
            String::new()
        };
        let currency = if table_schema(n) == "billing" {
            "billing.currency NOT NULL DEFAULT 'eur'"
        } else {
            "char(3) NOT NULL DEFAULT 'EUR'"
        };
        let _ = write!(
            sql,
            "CREATE TABLE {name} (
    {key},
    {parent}{owner},
    code varchar(32) NOT NULL,
    title text NOT NULL,
    status status NOT NULL DEFAULT 'draft',
    amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    currency {currency},
    tags text[] NOT NULL DEFAULT '{{}}',
    details jsonb,
    is_visible boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT {short}_code_key UNIQUE (code, parent_id)
);
COMMENT ON TABLE {name} IS 'Record kind {n}.';
COMMENT ON COLUMN {name}.code IS 'Shown to people; unique per parent.';
COMMENT ON COLUMN {name}.amount IS 'In the currency''s minor unit.';
CREATE INDEX {short}_created_at_idx ON {name} (created_at DESC) WHERE status <> 'archived';
"
        );
        if n % 3 == 0 {
            let _ = writeln!(
                sql,
                "CREATE INDEX {short}_lower_title_idx ON {name} (lower(title));"
            );
        } else {
            let _ = writeln!(
                sql,
                "CREATE INDEX {short}_parent_id_idx ON {name} (parent_id, status);"
            );
        }
    }
    sql
}

/// Checks that the schema read has what [`database_sql`] made.
fn check_shape(schema: &Schema, tables: usize, objects: &Objects) -> Result<()> {
    if schema.tables.len() != tables {
        bail!("read {} tables, expected {tables}", schema.tables.len());
    }
    // Read by a typed reader, or as generic objects of that kind.
    let generic = |kind: &str| schema.objects.iter().filter(|o| o.kind == kind).count();
    let read = [
        ("views", schema.views.len() + generic("view"), objects.views),
        (
            "functions",
            schema.functions.len() + generic("function"),
            objects.functions,
        ),
        (
            "triggers",
            schema.triggers.len() + generic("trigger"),
            objects.triggers,
        ),
    ];
    for (what, read, wanted) in read {
        if read != wanted {
            bail!("read {read} {what}, expected {wanted}");
        }
    }
    if schema.enums.len() != 2 || schema.schemas != ["billing"] {
        bail!(
            "read {} enums and schemas {:?}, expected 2 and [billing]",
            schema.enums.len(),
            schema.schemas
        );
    }
    let count = |f: &dyn Fn(&dbkit_core::model::Table) -> usize| -> usize {
        schema.tables.iter().map(f).sum()
    };
    let columns = count(&|table| table.columns.len());
    let foreign_keys = count(&|table| table.foreign_keys.len());
    let indexes = count(&|table| table.indexes.len());
    let partial = count(&|table| {
        table
            .indexes
            .iter()
            .filter(|index| index.predicate.is_some())
            .count()
    });
    let on_expressions = count(&|table| {
        table
            .indexes
            .iter()
            .filter(|index| matches!(index.key, IndexKey::Expression(_)))
            .count()
    });
    let serials = count(&|table| table.columns.iter().filter(|column| column.serial).count());
    let identities = count(&|table| {
        table
            .columns
            .iter()
            .filter(|column| column.identity.is_some())
            .count()
    });
    let keyed = count(&|table| usize::from(table.primary_key.is_some()));
    let commented = count(&|table| {
        usize::from(table.comment.is_some())
            + table
                .columns
                .iter()
                .filter(|column| column.comment.is_some())
                .count()
    });
    let with_owner = (1..tables).filter(|n| n % 2 == 0).count();
    let expected = [
        ("columns", columns, tables * 12 + with_owner),
        ("foreign keys", foreign_keys, tables - 1 + with_owner),
        ("indexes", indexes, 2 * tables),
        ("partial indexes", partial, tables),
        ("indexes on expressions", on_expressions, tables.div_ceil(3)),
        ("serial columns", serials, tables.div_ceil(5)),
        ("identity columns", identities, tables - tables.div_ceil(5)),
        ("primary keys", keyed, tables),
        ("comments", commented, 3 * tables),
    ];
    for (what, read, wanted) in expected {
        if read != wanted {
            bail!("read {read} {what}, expected {wanted}");
        }
    }
    Ok(())
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS (Linux 4.0+;
/// a no-op elsewhere, where the growth then reads as 0).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `VmHWM` of `/proc/self/status`, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// User and system CPU time of this process so far, all threads (fields
/// 14 and 15 of `/proc/self/stat`, in clock ticks of 10 ms).
fn process_cpu_time() -> Result<Duration> {
    let stat =
        std::fs::read_to_string("/proc/self/stat").context("failed to read /proc/self/stat")?;
    // The command name (field 2) may hold spaces; the fields after it are
    // counted from its closing parenthesis.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| -> Result<u64> {
        fields
            .get(index)
            .context("/proc/self/stat has too few fields")?
            .parse()
            .context("/proc/self/stat has a field that is not a number")
    };
    // Field 3 (state) is the first after the name: utime is field 14.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}
