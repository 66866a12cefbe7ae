//! Command-line definitions of `cargo dbkit` (clap derive), with help that teaches the everyday loop.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Cargo runs an external subcommand `cargo-dbkit` with `dbkit` as its first
/// argument, so the top level is an enum with a single `dbkit` variant.
#[derive(Debug, Parser)]
#[command(bin_name = "cargo", version, styles = help_styles())]
pub enum Cli {
    #[command(name = "dbkit", version, long_about = DBKIT_LONG_ABOUT, after_long_help = DBKIT_AFTER_LONG_HELP)]
    /// PostgreSQL schemas as Rust structs; migrations generated from them.
    Dbkit(DbkitArgs),
}

const DBKIT_LONG_ABOUT: &str = "\
PostgreSQL schemas as Rust structs; migrations generated from them.

The schema lives in `#[derive(Table)]` and `#[derive(PgEnum)]` items in the
workspace crates that depend on dbkit-runtime. `cargo dbkit generate` reads
those files (no compilation, no database), compares them with the snapshot of
the last migration and writes the next migration under `migrations/`.
`cargo dbkit migrate` applies the pending migrations to a database, with the
engine a release binary uses at start-up, and `cargo dbkit status` shows where
each migration stands in one. `cargo dbkit check` reviews the migrations
(integrity, unsafe SQL, a replay on a throwaway server, drift of a database);
`cargo dbkit pull` adopts an existing database and `cargo dbkit push` syncs a
development database with the code directly.";

const DBKIT_AFTER_LONG_HELP: &str = "\
The everyday loop:
  1. edit a schema struct
  2. cargo dbkit generate           write migrations/V<n>__<name>.sql and its snapshot
  3. review the SQL, commit both
  4. cargo dbkit migrate            apply it to DATABASE_URL (from --database-url,
                                    --env-file, the environment or .env)

Examples:
  cargo dbkit generate                          the next migration, named after its changes
  cargo dbkit generate --name add_user_email    choose the name
  cargo dbkit generate --rename users.name=full_name
                                                a column rename, not drop + add
  cargo dbkit generate --custom --name backfill_emails
                                                an empty migration for hand-written SQL
  cargo dbkit generate --check                  in CI: exit 1 when code and migrations disagree
  cargo dbkit migrate --backup backups/         dump the database, then apply what is pending
  cargo dbkit status                            exit 1 when anything is pending, changed or unknown
  cargo dbkit check --replay                    in CI: integrity, lint, replay on a throwaway server

Exit status: 0 success, 1 a finding (`--check`, `status`, `check`), 2 an error.
Logs: DBKIT_LOG=debug (a tracing filter) writes them to stderr.";

/// The arguments after `cargo dbkit`.
#[derive(Debug, Args)]
pub struct DbkitArgs {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalOptions {
    /// Path to the Cargo.toml of the workspace (default: found from the current directory)
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Say more (-vv for debug logs)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Print only warnings and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to colour the output
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal (and NO_COLOR is not set)
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the next migration from the changes in the schema code
    #[command(long_about = GENERATE_LONG_ABOUT, after_long_help = GENERATE_AFTER_LONG_HELP)]
    Generate(GenerateArgs),
    /// Apply the pending migrations to a database
    #[command(long_about = MIGRATE_LONG_ABOUT, after_long_help = MIGRATE_AFTER_LONG_HELP)]
    Migrate(MigrateArgs),
    /// Show which migrations a database has applied, and which are pending, changed or unknown
    #[command(long_about = STATUS_LONG_ABOUT, after_long_help = STATUS_AFTER_LONG_HELP)]
    Status(StatusArgs),
    /// Check the migrations: folder integrity, unsafe SQL, a replay, drift of a database
    #[command(long_about = CHECK_LONG_ABOUT, after_long_help = CHECK_AFTER_LONG_HELP)]
    Check(CheckArgs),
    /// Write schema modules and a baseline migration from an existing database
    #[command(long_about = PULL_LONG_ABOUT, after_long_help = PULL_AFTER_LONG_HELP)]
    Pull(PullArgs),
    /// Make a database match the code directly, without a migration (prototyping)
    #[command(long_about = PUSH_LONG_ABOUT, after_long_help = PUSH_AFTER_LONG_HELP)]
    Push(PushArgs),
}

const GENERATE_LONG_ABOUT: &str = "\
Write the next migration from the changes in the schema code.

Reads the schema items of the workspace, compares them with the latest snapshot
in `migrations/meta/` and writes `migrations/V<n>__<name>.sql` with the SQL
that takes a database from the last migration to the code, plus its snapshot
`migrations/meta/V<n>__<name>.json`. No database is needed. When nothing
changed, nothing is written.

Drops, type narrowing and new NOT NULL columns without a default are listed as
warnings here and as comments at the top of the SQL file: review it before
committing.

When a table or column disappears and another appears, dbkit cannot tell a
rename from a drop and an add. On a terminal it asks; otherwise it stops and
asks for `--rename old=new` or `renamed_from = \"old\"` in the code.

When two branches each ran `generate` on top of the same migration and were
merged (a branch conflict, which `cargo dbkit check` reports), `generate`
stops; `--rebase` settles it without editing snapshots by hand: it deletes
the newer of the two migrations (the higher version; name it when both have
the same, `--rebase V3__add_orders`) and generates it again, under its name
and the next free version, on top of the other branch's newest snapshot,
from the code (which after the merge holds both branches' changes). A
migration written with `--custom` is moved as it is. When the SQL of the
migration to delete was edited by hand (it differs from what dbkit renders
for it), it stops, unless `--force`; the deleted files are kept in
`<target>/dbkit/rebased/` either way. A database that applied the deleted
migration must be reset, as after a rebased git commit.";

const GENERATE_AFTER_LONG_HELP: &str = "\
Examples:
  cargo dbkit generate
  cargo dbkit generate --name add_order_notes
  cargo dbkit generate --rename users=accounts --rename accounts.name=display_name
  cargo dbkit generate --custom --name backfill_prices
  cargo dbkit generate --check      (CI: exit 1 when the code has changes without a migration)
  cargo dbkit generate --rebase     (after a merge: generate the newer of two conflicting migrations again)
  cargo dbkit generate --rebase V3__add_orders --rename orders.sum=total";

/// `cargo dbkit generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Name of the migration (default: derived from its changes)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Write nothing; exit 1 when the code and the migrations disagree
    #[arg(long, conflicts_with_all = ["custom", "name"])]
    pub check: bool,
    /// Write an empty migration for hand-written SQL (data fixes), even without changes
    #[arg(long)]
    pub custom: bool,
    /// Treat a disappeared table, column or enum as renamed: `old=new` for a
    /// table or enum (`schema.old=new` outside `public`), `table.old=new` for a
    /// column
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Settle a branch conflict: delete MIGRATION (default: the newer of the
    /// two) and generate it again on top of the other branch
    #[arg(long, value_name = "MIGRATION", num_args = 0..=1, conflicts_with_all = ["check", "custom", "name"])]
    pub rebase: Option<Option<String>>,
    /// With --rebase: generate the migration again even if its SQL was edited by hand
    #[arg(long, requires = "rebase")]
    pub force: bool,
}

/// Where `migrate` and `status` find the database, for both long helps.
macro_rules! database_help {
    () => {
        "\
The database is the first of:
  1. --database-url URL
  2. DATABASE_URL in the file named by --env-file (it wins over the environment)
  3. the environment variable DATABASE_URL
  4. DATABASE_URL in `.env` at the workspace root (the environment wins over it)
Every user of the machine can read a command line with `ps` (and the shell
keeps it in its history): a URL with a password belongs in the file of
--env-file, in `.env` or in DATABASE_URL, not in --database-url.
A password in the URL never appears in the output, logs and errors included.

Connecting and authenticating may take --connect-timeout SECONDS, else the
URL's connect_timeout (0 or absent: the default), else 10 s: a server that
accepts the connection and never answers ends the command (exit 2)."
    };
}

const MIGRATE_LONG_ABOUT: &str = "\
Apply the pending migrations of the workspace's migrations folder to a database.

This is the engine a release binary runs at start-up (`Migrations::run`), fed
from the folder instead of the binary: a PostgreSQL advisory lock so that
concurrent runners apply each migration once, the history in refinery's
`refinery_schema_history`, each migration in its own transaction (or outside
one when its first line is `-- dbkit:no-transaction`). Before anything is
applied, the history is checked: an applied file that changed or disappeared,
or a new file older than the newest applied one, stops the run.

Prints one line per applied migration with its duration, and a progress bar
on a terminal when there are many.";

const MIGRATE_AFTER_LONG_HELP: &str = concat!(
    "\
Examples:
  cargo dbkit migrate                              apply everything pending
  cargo dbkit migrate --dry-run                    print the SQL that would run; change nothing
  cargo dbkit migrate --target 12                  apply up to and including V12
  cargo dbkit migrate --env-file .env.test         the DATABASE_URL of .env.test
  cargo dbkit migrate --backup backups/            pg_dump first; no migration if the dump fails
  cargo dbkit migrate --lock-wait 60               give up if another run holds the lock for a minute
  cargo dbkit migrate --lock-retries 10            try a migration 10 times if its locks time out

`--backup DIR` runs `pg_dump --format=custom` into DIR/<database>-<UTC time>.dump
(`-2`, `-3`… when that name is taken; restore with `pg_restore`), passing the
connection through PG* environment variables, never its arguments. It runs
under the migration lock, only when something is pending: of two runs at
once, the one that migrates dumps. DBKIT_PG_DUMP names the pg_dump to use
(default: pg_dump on PATH).

While another session holds the migration lock, migrate says every 10 s
which one (its pid and application_name); with --lock-wait SECONDS it gives
up after that long (exit 2). dbkit's own sessions are named `cargo dbkit
migrate` (or the URL's application_name).

A migration that fails on a lock timeout (SQLSTATE 55P03, raised when a lock
is not granted within its `SET lock_timeout`) and left nothing (it ran in a
transaction, which was rolled back, or outside one and failed before any
statement but a SET) is tried again, 5 times in all by default
(--lock-retries N; 0 or 1 disables), pausing 0.5 s, then twice as long each
time up to 10 s; each retry is printed. Any other error stops at once.

Migrations the database has applied that are newer than every file of the
folder (a newer release applied them) are a warning, not an error; older
unknown ones stop the run.

Exit status: 0 applied or nothing to apply, 2 an error (nothing after the
failed migration is applied; the migrations before it stay).

",
    database_help!()
);

const STATUS_LONG_ABOUT: &str = "\
Show where each migration stands in a database, reading its
`refinery_schema_history` (without taking the lock or writing anything):

  applied       applied, and the file is as it was applied
  pending       not applied yet; `cargo dbkit migrate` applies it
  changed       applied, but the file changed since (its checksum differs)
  unknown       applied, but no file has its version (deleted, from another branch,
                or from a newer release when it is newer than every file)
  out of order  not applied, but older than the newest applied one (migrate refuses it)";

const STATUS_AFTER_LONG_HELP: &str = concat!(
    "\
Examples:
  cargo dbkit status
  cargo dbkit status --env-file .env.staging
  cargo dbkit status --quiet && echo up to date      (in a deploy script)

Exit status: 0 every migration applied and unchanged, 1 anything pending,
changed, unknown or out of order, 2 an error (e.g. the database is unreachable).

",
    database_help!()
);

/// Which database a command uses, and how long connecting may take.
#[derive(Debug, Args)]
pub struct DatabaseOptions {
    /// The database URL (default: DATABASE_URL from --env-file, the environment or .env); other
    /// users see it in `ps`, so put a password in --env-file or DATABASE_URL instead
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Read DATABASE_URL from FILE, over the environment's, instead of the workspace's .env
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Give up when connecting and authenticating take longer than this
    /// (default: the URL's connect_timeout, else 10)
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub connect_timeout: Option<Duration>,
}

/// `cargo dbkit migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseOptions,
    /// Print the SQL of the pending migrations and apply nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Apply the pending migrations up to and including this version (`12` or `V12`)
    #[arg(long, value_name = "VERSION", value_parser = parse_target_version)]
    pub target: Option<i32>,
    /// Dump the database with pg_dump into this folder first; do not migrate if the dump fails
    #[arg(long, value_name = "DIR", conflicts_with = "dry_run")]
    pub backup: Option<PathBuf>,
    /// Give up when another session holds the migration lock for longer than
    /// this (default: wait as long as it takes)
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, conflicts_with = "dry_run")]
    pub lock_wait: Option<Duration>,
    /// Try a migration that fails on a lock timeout (SQLSTATE 55P03) this many times in all,
    /// pausing 0.5 s, 1 s, 2 s… between tries (default 5; 0 or 1: no retry)
    #[arg(long, value_name = "N", conflicts_with = "dry_run")]
    pub lock_retries: Option<u32>,
    /// Create the roles the pending migrations' policies name and the server lacks, NOLOGIN
    /// (development databases; roles belong to the whole server)
    #[arg(long, conflicts_with = "dry_run")]
    pub create_roles: bool,
}

/// `cargo dbkit status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub database: DatabaseOptions,
}

const CHECK_LONG_ABOUT: &str = "\
Check the migrations the way a reviewer would, without a database by default.

Always:
  integrity  versions in order without gaps or duplicates, each snapshot's
             parent the previous snapshot, and no two migrations generated
             from the same parent (two branches that each ran `generate`;
             `cargo dbkit generate --rebase` fixes that)
  lint       each migration's SQL, parsed, against rules about the locks a
             statement takes on an existing table and the code it breaks
             (CREATE INDEX without CONCURRENTLY, SET NOT NULL, a foreign key
             without NOT VALID, a rewriting type change, a drop, a rename…)

With --replay, every migration is applied from scratch to a disposable
PostgreSQL (the providers of the tests: DBKIT_TEST_DATABASE_URL, Docker, or
the machine's initdb), the result is introspected and compared, object by
object, with the latest snapshot: a hand edit that changed the schema, or a
snapshot edited by hand, shows up there. Edits that only change data pass.

With --database-url (or --env-file), a live database is compared, read-only,
with the snapshot of the newest migration it has applied: objects added,
missing or changed outside the migrations. Every user of the machine can read
a command line with `ps`: a URL with a password belongs in the DATABASE_URL of
a file named by --env-file (e.g. .env.staging), not in --database-url.

Lint settings live in the workspace's Cargo.toml:

  [workspace.metadata.dbkit.lint]
  require-lock-timeout = \"off\"        # error, warning or off, per rule id
  since = 12                             # lint V12 and later only

and a finding is silenced by a comment on the line above the statement:

  -- dbkit:allow(create-index-non-concurrently)
  CREATE INDEX ...";

const CHECK_AFTER_LONG_HELP: &str = "\
Examples:
  cargo dbkit check                              integrity and lint
  cargo dbkit check --replay                     also apply everything to a throwaway server
  cargo dbkit check --database-url $STAGING_URL  also compare staging with the snapshot
  cargo dbkit check --format json                for tools: one JSON document on stdout

In GitHub Actions (GITHUB_ACTIONS=true) findings are also printed as
annotations (`::error file=…,line=…::…`), so they show on the pull request.

Exit status: 0 no error-level finding (warnings are printed), 1 a finding at
level error, 2 an error (an unreadable folder, a migration that fails in the
replay, an unreachable database).";

/// `cargo dbkit check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Apply every migration to a disposable PostgreSQL and compare the result with the snapshot
    #[arg(long)]
    pub replay: bool,
    /// Compare this database, read-only, with the snapshot of what it applied (drift); other
    /// users see it in `ps`, so put a password in the DATABASE_URL of --env-file instead
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Like --database-url, with the DATABASE_URL of FILE (e.g. .env.staging)
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// With --database-url or --env-file: give up when connecting and
    /// authenticating take longer than this (default: the URL's
    /// connect_timeout, else 10)
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub connect_timeout: Option<Duration>,
    /// How to print the findings
    #[arg(long, value_enum, default_value_t = crate::commands::check::report::Format::Human, value_name = "FORMAT")]
    pub format: crate::commands::check::report::Format,
}

const PULL_LONG_ABOUT: &str = "\
Adopt an existing database: read its schema and write Rust schema modules for
it, plus a baseline migration that the database records as already applied.

The modules (one file per PostgreSQL schema or group of related tables,
formatted by rustfmt, doc comments from the database's comments) go into
--out DIR, a module folder inside a member crate that depends on
dbkit-runtime, with a `mod.rs`; add `mod <folder>;` to the crate. Types with
no Rust mapping are declared with `sql_type`. The baseline
`migrations/V1__baseline.sql` and its snapshot describe the whole schema, and
a row in the database's `refinery_schema_history` marks it applied, so
`cargo dbkit migrate` never re-creates what exists; a fresh database (tests,
a new environment) gets everything from it.

With --from-migrations, pull adopts a folder of migrations written without
dbkit (by hand, or with sqlx or diesel, renamed `V<n>__<name>.sql`) instead:
it replays them on a disposable PostgreSQL (as `check --replay` does), writes
the modules of the schema they lead to, and writes the snapshot of the
newest migration, so that `generate` continues from there. No database is
read and no migration is written.";

const PULL_AFTER_LONG_HELP: &str = concat!(
    "\
Examples:
  cargo dbkit pull --out crates/app/src/schema
  cargo dbkit pull --env-file .env.production --out crates/app/src/schema
  cargo dbkit pull --from-migrations --out crates/app/src/schema

Exit status: 0 written, 2 an error (nothing is written then).

",
    database_help!()
);

const PUSH_LONG_ABOUT: &str = "\
Make a development database match the schema code directly, without writing
a migration: for prototyping, before the schema settles into migrations.

The live database is read, compared with the code, and the difference applied
in one transaction where PostgreSQL allows it. Steps that lose data (dropping
a table, a column, an enum value; narrowing a type) are listed first and,
on a terminal, need a yes; without a terminal they are refused unless
--force. push never truncates a table. Renames are settled as in generate
(a question on a terminal, --rename or `renamed_from` otherwise).";

const PUSH_AFTER_LONG_HELP: &str = concat!(
    "\
Examples:
  cargo dbkit push                       apply the code's schema to DATABASE_URL
  cargo dbkit push --dry-run             print the SQL; change nothing
  cargo dbkit push --force               also apply destructive steps without asking
  cargo dbkit push --rename users.name=full_name

Exit status: 0 applied (or nothing to do), 1 destructive steps refused,
2 an error (nothing is applied then).

",
    database_help!()
);

/// `cargo dbkit pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub database: DatabaseOptions,
    /// Adopt the migrations folder instead of a database: replay its
    /// (hand-written) migrations on a disposable PostgreSQL and write the
    /// modules of the result and the snapshot of the newest migration
    #[arg(long, conflicts_with_all = ["database_url", "env_file"])]
    pub from_migrations: bool,
    /// The module folder to write the schema modules into (inside a member crate)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `cargo dbkit push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub database: DatabaseOptions,
    /// Print the SQL that would run; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Apply destructive steps without asking
    #[arg(long)]
    pub force: bool,
    /// Treat a disappeared table, column or enum as renamed (as in generate)
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Create the roles the code's policies name and the server lacks, NOLOGIN
    /// (development databases; roles belong to the whole server)
    #[arg(long, conflicts_with = "dry_run")]
    pub create_roles: bool,
}

/// `10` or `2.5` seconds.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("`{text}` is not a number of seconds; expected e.g. `10` or `2.5`"))
}

/// `12`, `V12` or a file name `V12__name.sql`.
fn parse_target_version(text: &str) -> Result<i32, String> {
    let digits = text.strip_prefix(['V', 'v']).unwrap_or(text);
    let digits = digits
        .split_once("__")
        .map_or(digits, |(version, _)| version);
    digits
        .parse::<i32>()
        .ok()
        .filter(|version| *version >= 0)
        .ok_or_else(|| format!("`{text}` is not a migration version; expected e.g. `12` or `V12`"))
}

fn help_styles() -> clap::builder::Styles {
    use anstyle::{AnsiColor, Effects};
    clap::builder::Styles::styled()
        .header(AnsiColor::Green.on_default().effects(Effects::BOLD))
        .usage(AnsiColor::Green.on_default().effects(Effects::BOLD))
        .literal(AnsiColor::Cyan.on_default().effects(Effects::BOLD))
        .placeholder(AnsiColor::Cyan.on_default())
        .error(AnsiColor::Red.on_default().effects(Effects::BOLD))
        .valid(AnsiColor::Cyan.on_default().effects(Effects::BOLD))
        .invalid(AnsiColor::Yellow.on_default().effects(Effects::BOLD))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_cargo_style_invocation() {
        let cli = Cli::try_parse_from([
            "cargo-dbkit",
            "dbkit",
            "generate",
            "--name",
            "x",
            "--rename",
            "a=b",
            "-v",
        ]);
        let Ok(Cli::Dbkit(args)) = cli else {
            panic!("did not parse: {cli:?}")
        };
        let Command::Generate(generate) = args.command else {
            panic!("not generate: {:?}", args.command)
        };
        assert_eq!(generate.name.as_deref(), Some("x"));
        assert_eq!(generate.rename, vec!["a=b".to_string()]);
        assert_eq!(args.global.verbose, 1);
    }

    #[test]
    fn rebase_takes_an_optional_migration() {
        let parse = |arguments: &[&str]| {
            let mut all = vec!["cargo-dbkit", "dbkit", "generate"];
            all.extend_from_slice(arguments);
            match Cli::try_parse_from(all) {
                Ok(Cli::Dbkit(DbkitArgs {
                    command: Command::Generate(generate),
                    ..
                })) => Ok((generate.rebase, generate.force)),
                Ok(other) => panic!("not generate: {other:?}"),
                Err(error) => Err(error.kind()),
            }
        };
        assert_eq!(parse(&["--rebase"]), Ok((Some(None), false)));
        assert_eq!(
            parse(&["--rebase", "V3__b", "--force"]),
            Ok((Some(Some("V3__b".to_string())), true))
        );
        assert_eq!(parse(&[]), Ok((None, false)));
        assert!(parse(&["--force"]).is_err());
        assert!(parse(&["--rebase", "--check"]).is_err());
    }

    #[test]
    fn parses_migrate_options() {
        let cli = Cli::try_parse_from([
            "cargo-dbkit",
            "dbkit",
            "migrate",
            "--target",
            "V12",
            "--env-file",
            ".env.test",
            "--backup",
            "backups",
        ]);
        let Ok(Cli::Dbkit(args)) = cli else {
            panic!("did not parse: {cli:?}")
        };
        let Command::Migrate(migrate) = args.command else {
            panic!("not migrate: {:?}", args.command)
        };
        assert_eq!(migrate.target, Some(12));
        assert_eq!(migrate.database.env_file, Some(PathBuf::from(".env.test")));
        assert_eq!(migrate.backup, Some(PathBuf::from("backups")));
        assert!(!migrate.dry_run);
    }

    #[test]
    fn target_versions() {
        assert_eq!(parse_target_version("7"), Ok(7));
        assert_eq!(parse_target_version("V7"), Ok(7));
        assert_eq!(parse_target_version("V7__add_x.sql"), Ok(7));
        assert!(parse_target_version("seven").is_err());
        assert!(parse_target_version("-1").is_err());
        let dry_backup = Cli::try_parse_from([
            "cargo-dbkit",
            "dbkit",
            "migrate",
            "--dry-run",
            "--backup",
            "b",
        ]);
        assert!(dry_backup.is_err());
    }
}
