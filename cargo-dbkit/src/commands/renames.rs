//! Renames settled between the schema a command starts from (the newest
//! snapshot for `generate`, the live database for `push`) and the code:
//! `--rename` arguments parsed, tables and columns that disappeared while
//! others appeared asked about on a terminal, or reported as an error that
//! points at where the new ones are declared; and a warning for cycles of
//! renames that only `renamed_from` hints declare, which every run applies
//! again until the hints are removed.

use crate::output::diagnostics::{Diagnostic, SourceSpan};
use crate::output::errors::CliError;
use crate::output::terminal::{Output, ask_choice, is_interactive};
use crate::workspace::schema_loading::CodeSchema;
use dbkit_core::diff::{
    Ambiguity, Change, DiffOptions, Rename, matched_renames, parse_rename_argument,
};
use dbkit_core::model::{QualifiedName, Schema};

/// What the code is compared with, which decides the words of the
/// questions and errors and the command they tell to re-run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameSource {
    /// `cargo dbkit generate`: the newest snapshot of the migrations.
    Snapshot,
    /// `cargo dbkit push`: the live database.
    Database,
}

impl RenameSource {
    /// The subcommand to re-run on a terminal.
    fn command(self) -> &'static str {
        match self {
            RenameSource::Snapshot => "generate",
            RenameSource::Database => "push",
        }
    }

    /// What is said of one table or column that is not in the code.
    fn one_gone(self) -> &'static str {
        match self {
            RenameSource::Snapshot => "is gone from the code",
            RenameSource::Database => "is in the database but not in the code",
        }
    }

    /// `` `a` disappeared and `b` appeared ``, for lists of names.
    fn gone_and_new(self, dropped: &str, created: &str) -> String {
        match self {
            RenameSource::Snapshot => format!("{dropped} disappeared and {created} appeared"),
            RenameSource::Database => {
                format!("{dropped} are in the database but not in the code, and {created} are new")
            }
        }
    }
}

/// The `--rename` arguments, read against the old schema and the code;
/// every invalid one is reported.
pub fn parse_renames(
    arguments: &[String],
    old: &Schema,
    new: &Schema,
) -> Result<Vec<Rename>, CliError> {
    let mut renames = Vec::new();
    let mut diagnostics = Vec::new();
    for argument in arguments {
        match parse_rename_argument(argument, old, new) {
            Ok(rename) => renames.push(rename),
            Err(reason) => diagnostics.push(
                Diagnostic::error(format!("invalid `--rename {argument}`: {reason}"))
                    .with_help("use `--rename old_table=new_table`, `--rename table.old_column=new_column` or `--rename old_enum=new_enum` (prefix a table or enum with its schema outside `public`)"),
            ),
        }
    }
    if diagnostics.is_empty() {
        Ok(renames)
    } else {
        Err(CliError::Diagnostics(diagnostics))
    }
}

/// A table or column that disappeared or appeared; as an answer given on
/// the terminal, one confirmed dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Table(QualifiedName),
    Column(QualifiedName, String),
}

/// The changes `diff(renames, assume_drop_and_create)` gives. When tables
/// or columns disappear while others appear, asks on a terminal (then diffs
/// again with the answers) or stops with an error. Also tells whether any
/// question was answered (answers are no input a later run repeats).
pub fn settle_renames(
    code: &CodeSchema,
    mut renames: Vec<Rename>,
    source: RenameSource,
    output: Output,
    mut diff: impl FnMut(&[Rename], bool) -> Result<Vec<Change>, Vec<Ambiguity>>,
) -> Result<(Vec<Change>, bool), CliError> {
    let mut confirmed_drops: Vec<Item> = Vec::new();
    let mut answered = false;
    // Each round answers at least one new question, and there are finitely many.
    loop {
        let ambiguities = match diff(&renames, false) {
            Ok(changes) => return Ok((changes, answered)),
            Err(ambiguities) => ambiguities,
        };
        let open: Vec<Ambiguity> = ambiguities
            .into_iter()
            .filter(|ambiguity| {
                !items(ambiguity)
                    .0
                    .iter()
                    .all(|item| confirmed_drops.contains(item))
            })
            .collect();
        if open.is_empty() {
            return diff(&renames, true)
                .map(|changes| (changes, true))
                .map_err(|remaining| ambiguity_error(&remaining, code, source));
        }
        if !is_interactive() {
            return Err(ambiguity_error(&open, code, source));
        }
        for ambiguity in &open {
            ask_about_ambiguity(
                ambiguity,
                code,
                source,
                &mut renames,
                &mut confirmed_drops,
                output,
            )?;
        }
        answered = true;
    }
}

/// What disappeared and what appeared in one ambiguity.
fn items(ambiguity: &Ambiguity) -> (Vec<Item>, Vec<Item>) {
    match ambiguity {
        Ambiguity::Tables {
            dropped, created, ..
        } => (
            dropped.iter().cloned().map(Item::Table).collect(),
            created.iter().cloned().map(Item::Table).collect(),
        ),
        Ambiguity::Columns {
            table,
            dropped,
            created,
            ..
        } => {
            let column = |name: &String| Item::Column(table.clone(), name.clone());
            (
                dropped.iter().map(column).collect(),
                created.iter().map(column).collect(),
            )
        }
    }
}

/// Asks, for each disappeared item not yet confirmed dropped, whether it
/// was renamed to one of the appeared items still free, or dropped.
fn ask_about_ambiguity(
    ambiguity: &Ambiguity,
    code: &CodeSchema,
    source: RenameSource,
    renames: &mut Vec<Rename>,
    confirmed_drops: &mut Vec<Item>,
    output: Output,
) -> Result<(), CliError> {
    let unanswered = |error: std::io::Error| {
        CliError::Diagnostics(vec![Diagnostic::error(format!(
            "could not read the answer: {error}"
        ))])
    };
    let (dropped, mut still_free) = items(ambiguity);
    for old in dropped {
        if confirmed_drops.contains(&old) {
            continue;
        }
        let mut choices: Vec<String> = still_free
            .iter()
            .map(|new| format!("renamed to `{}`", item_name(new)))
            .collect();
        let gone = source.one_gone();
        let question = match &old {
            Item::Table(name) => {
                choices.push(format!("dropped: `{name}` and its data are deleted"));
                format!("table `{name}` {gone}. Was it renamed?")
            }
            Item::Column(table, column) => {
                choices.push(format!("dropped: the values of `{column}` are deleted"));
                format!("column `{column}` of table `{table}` {gone}. Was it renamed?")
            }
        };
        match ask_choice(&question, &choices).map_err(unanswered)? {
            Some(index) if index < still_free.len() => {
                let new = still_free.remove(index);
                let rename = match (&old, new) {
                    (Item::Table(from), Item::Table(to)) => {
                        output.line(&format!("  renaming `{from}` to `{to}`"));
                        Rename::Table {
                            from: from.clone(),
                            to,
                        }
                    }
                    (Item::Column(_, from), Item::Column(table, to)) => {
                        output.line(&format!("  renaming `{table}`.`{from}` to `{to}`"));
                        Rename::Column {
                            table,
                            from: from.clone(),
                            to,
                        }
                    }
                    _ => continue,
                };
                renames.push(rename);
            }
            Some(_) => confirmed_drops.push(old),
            None => {
                return Err(ambiguity_error(
                    std::slice::from_ref(ambiguity),
                    code,
                    source,
                ));
            }
        }
    }
    Ok(())
}

/// A table's name as listed among choices; a column's own name.
fn item_name(item: &Item) -> String {
    match item {
        Item::Table(name) => name.to_string(),
        Item::Column(_, column) => column.clone(),
    }
}

/// `users` for `public.users`, `catalog.products` otherwise: what `--rename` accepts.
fn short_table_name(name: &QualifiedName) -> String {
    if name.schema == "public" {
        name.name.clone()
    } else {
        name.to_string()
    }
}

fn backticked<T: std::fmt::Display>(names: &[T]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The error for tables or columns that may have been renamed, pointing at
/// where the new ones are declared.
pub fn ambiguity_error(
    ambiguities: &[Ambiguity],
    code: &CodeSchema,
    source: RenameSource,
) -> CliError {
    let new = &code.schema;
    let command = source.command();
    let diagnostics: Vec<Diagnostic> = ambiguities
        .iter()
        .map(|ambiguity| match ambiguity {
            Ambiguity::Tables {
                dropped,
                created,
                suggestion,
            } => {
                let mut diagnostic = Diagnostic::error(format!(
                    "table(s) {}: renamed, or dropped and created?",
                    source.gone_and_new(&backticked(dropped), &backticked(created))
                ));
                diagnostic = match suggestion {
                    Some((from, to)) => diagnostic.with_help(format!(
                        "if it was renamed, add `#[dbkit(renamed_from = \"{}\")]` to the struct, or pass `--rename {}={}`",
                        from.name,
                        short_table_name(from),
                        short_table_name(to)
                    )),
                    None => diagnostic.with_help(
                        "if one was renamed, add `#[dbkit(renamed_from = \"old_name\")]` to the struct that replaces it, or pass `--rename old_name=new_name`",
                    ),
                };
                diagnostic = diagnostic.with_help(format!("to drop and create instead, run `cargo dbkit {command}` on a terminal and answer its question"));
                let shown = suggestion
                    .as_ref()
                    .map(|(_, to)| to)
                    .or_else(|| created.first());
                if let Some(source) = shown
                    .and_then(|name| new.table(name))
                    .and_then(|table| table.source.clone())
                {
                    diagnostic = diagnostic.with_span(SourceSpan {
                        file: source.file,
                        line: source.line,
                        column: source.column,
                        length: 1,
                        label: Some("declared here".to_string()),
                    });
                }
                diagnostic
            }
            Ambiguity::Columns {
                table,
                dropped,
                created,
                suggestion,
            } => {
                let mut diagnostic = Diagnostic::error(format!(
                    "in table `{table}`, column(s) {}: renamed, or dropped and added?",
                    source.gone_and_new(&backticked(dropped), &backticked(created))
                ));
                diagnostic = match suggestion {
                    Some((from, to)) => diagnostic.with_help(format!(
                        "if it was renamed, add `#[dbkit(renamed_from = \"{from}\")]` to the field, or pass `--rename {}.{from}={to}`",
                        short_table_name(table)
                    )),
                    None => diagnostic.with_help(format!(
                        "if one was renamed, add `#[dbkit(renamed_from = \"old_name\")]` to the field that replaces it, or pass `--rename {}.old_name=new_name`",
                        short_table_name(table)
                    )),
                };
                diagnostic = diagnostic.with_help(format!("to drop and add instead, run `cargo dbkit {command}` on a terminal and answer its question"));
                let shown = suggestion
                    .as_ref()
                    .map(|(_, to)| to)
                    .or_else(|| created.first());
                let source = shown.and_then(|to| {
                    new.table(table)
                        .and_then(|found| found.column(to))
                        .and_then(|column| column.source.clone())
                        .map(|source| (to, source))
                });
                if let Some((to, source)) = source {
                    diagnostic = diagnostic.with_span(SourceSpan {
                        file: source.file,
                        line: source.line,
                        column: source.column,
                        length: to.chars().count().max(1),
                        label: Some(format!("`{to}` is new here")),
                    });
                }
                diagnostic
            }
        })
        .collect();
    let sources = code.source_texts(&diagnostics);
    CliError::Schema {
        diagnostics,
        sources,
    }
}

/// Warns about each cycle of renames (a swap, or longer) that only
/// `renamed_from` hints declare between `old` and `new`: the next run finds
/// the same hints and the same names, so it cannot tell the cycle was
/// applied, and applies it again until the hints are removed. `renames`
/// are the `--rename` arguments, which are never part of such a cycle.
pub fn warn_about_hinted_cycles(
    old: &Schema,
    new: &Schema,
    renames: &[Rename],
    source: RenameSource,
    output: Output,
) {
    let hinted = |hint: Option<&String>| hint.is_some();
    let has_hints = new.enums.iter().any(|e| hinted(e.renamed_from.as_ref()))
        || new.tables.iter().any(|table| {
            hinted(table.renamed_from.as_ref())
                || table
                    .columns
                    .iter()
                    .any(|c| hinted(c.renamed_from.as_ref()))
        });
    if !has_hints {
        return;
    }
    let options = DiffOptions {
        renames: renames.to_vec(),
        assume_drop_and_create: true,
    };
    let again = match source {
        RenameSource::Snapshot => "every `cargo dbkit generate` writes it again",
        RenameSource::Database => "every `cargo dbkit push` applies it again",
    };
    for cycle in matched_renames(old, new, &options).hinted_cycles {
        output.warning(&format!(
            "the `renamed_from` hints on {} declare a cycle of renames ({}): the next run finds the same names and hints, so {again} until those hints are removed; remove them once this one is done",
            cycle_members(&cycle),
            cycle_path(&cycle)
        ));
    }
}

/// The new names of a cycle's members, as the hints are found in the code.
fn cycle_members(cycle: &[Rename]) -> String {
    let names: Vec<String> = cycle
        .iter()
        .map(|rename| match rename {
            Rename::Table { to, .. } => format!("table `{}`", short_table_name(to)),
            Rename::Enum { to, .. } => format!("enum `{}`", short_table_name(to)),
            Rename::Column { table, to, .. } => {
                format!("column `{}`.`{to}`", short_table_name(table))
            }
        })
        .collect();
    names.join(", ")
}

/// `a → b → a`.
fn cycle_path(cycle: &[Rename]) -> String {
    let mut path: Vec<String> = cycle
        .iter()
        .map(|rename| match rename {
            Rename::Table { from, .. } | Rename::Enum { from, .. } => short_table_name(from),
            Rename::Column { from, .. } => from.clone(),
        })
        .collect();
    if let Some(first) = path.first().cloned() {
        path.push(first);
    }
    path.join(" → ")
}
