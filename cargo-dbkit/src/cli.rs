//! Command-line definitions of `cargo dbkit` (clap derive), with help that teaches the everyday loop.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
the last migration and writes the next migration under `migrations/`.";

const DBKIT_AFTER_LONG_HELP: &str = "\
The everyday loop:
  1. edit a schema struct
  2. cargo dbkit generate           write migrations/V<n>__<name>.sql and its snapshot
  3. review the SQL, commit both

Examples:
  cargo dbkit generate                          the next migration, named after its changes
  cargo dbkit generate --name add_user_email    choose the name
  cargo dbkit generate --rename users.name=full_name
                                                a column rename, not drop + add
  cargo dbkit generate --custom --name backfill_emails
                                                an empty migration for hand-written SQL
  cargo dbkit generate --check                  in CI: exit 1 when code and migrations disagree

Exit status: 0 success, 1 a finding (`--check`), 2 an error.
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
asks for `--rename old=new` or `renamed_from = \"old\"` in the code.";

const GENERATE_AFTER_LONG_HELP: &str = "\
Examples:
  cargo dbkit generate
  cargo dbkit generate --name add_order_notes
  cargo dbkit generate --rename users=accounts --rename accounts.name=display_name
  cargo dbkit generate --custom --name backfill_prices
  cargo dbkit generate --check      (CI: exit 1 when the code has changes without a migration)";

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
    /// Treat a disappeared table or column as renamed: `old=new` for a table
    /// (`schema.old=new` outside `public`), `table.old=new` for a column
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
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
        let Command::Generate(generate) = args.command;
        assert_eq!(generate.name.as_deref(), Some("x"));
        assert_eq!(generate.rename, vec!["a=b".to_string()]);
        assert_eq!(args.global.verbose, 1);
    }
}
