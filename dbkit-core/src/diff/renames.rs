//! Which tables and columns were renamed: from `renamed_from` hints and
//! `--rename` arguments, never guessed.

use super::lookup;
use crate::model::{QualifiedName, Schema, Table};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What the caller tells the differ beyond the two schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Renames given on the command line (`--rename OLD=NEW`), on top of the
    /// `renamed_from` hints of the new schema.
    pub renames: Vec<Rename>,
    /// Treat every table or column that disappeared while another appeared
    /// as a drop and a create instead of reporting an [`Ambiguity`].
    pub assume_drop_and_create: bool,
}

/// A rename the user asserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    /// A table renamed, moved to another schema, or both.
    Table {
        from: QualifiedName,
        to: QualifiedName,
    },
    /// A column renamed; `table` is the table's name in the new schema.
    Column {
        table: QualifiedName,
        from: String,
        to: String,
    },
}

/// Tables (or columns of one table) disappeared while others appeared, and
/// nothing says whether that is a rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ambiguity {
    Tables {
        dropped: Vec<QualifiedName>,
        created: Vec<QualifiedName>,
    },
    Columns {
        table: QualifiedName,
        dropped: Vec<String>,
        created: Vec<String>,
    },
}

impl fmt::Display for Ambiguity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ambiguity::Tables { dropped, created } => {
                let example_from = dropped.first().map(ToString::to_string).unwrap_or_default();
                let example_to = created.first().map(ToString::to_string).unwrap_or_default();
                let example_hint = dropped
                    .first()
                    .map(|name| name.name.clone())
                    .unwrap_or_default();
                write!(
                    f,
                    "table(s) {} disappeared and {} appeared: if a table was renamed, add \
                     `#[dbkit(renamed_from = \"{example_hint}\")]` to its struct or pass \
                     `--rename {example_from}={example_to}`; otherwise confirm that they are \
                     dropped and created",
                    join_names(dropped),
                    join_names(created)
                )
            }
            Ambiguity::Columns {
                table,
                dropped,
                created,
            } => {
                let example_from = dropped.first().cloned().unwrap_or_default();
                let example_to = created.first().cloned().unwrap_or_default();
                write!(
                    f,
                    "in table {table}, column(s) {} disappeared and {} appeared: if a column was \
                     renamed, add `#[dbkit(renamed_from = \"{example_from}\")]` to its field or \
                     pass `--rename {table}.{example_from}={example_to}`; otherwise confirm that \
                     they are dropped and added",
                    join_names(dropped),
                    join_names(created)
                )
            }
        }
    }
}

fn join_names<T: fmt::Display>(names: &[T]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The renames the differ applies, checked against both schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Renames {
    /// `(old name, new name)`, sorted.
    pub tables: Vec<(QualifiedName, QualifiedName)>,
    /// By the table's name in the new schema: `(old column, new column)`.
    pub columns: BTreeMap<QualifiedName, Vec<(String, String)>>,
}

impl Renames {
    /// The table's name in the old schema.
    pub fn old_table_name(&self, new_name: &QualifiedName) -> QualifiedName {
        self.tables
            .iter()
            .find(|(_, to)| to == new_name)
            .map(|(from, _)| from.clone())
            .unwrap_or_else(|| new_name.clone())
    }

    /// The table's name in the new schema.
    pub fn new_table_name(&self, old_name: &QualifiedName) -> QualifiedName {
        self.tables
            .iter()
            .find(|(from, _)| from == old_name)
            .map(|(_, to)| to.clone())
            .unwrap_or_else(|| old_name.clone())
    }

    /// The column's name in the new schema (`table` is the new table name).
    pub fn new_column_name(&self, table: &QualifiedName, old_column: &str) -> String {
        self.columns
            .get(table)
            .and_then(|renames| renames.iter().find(|(from, _)| from == old_column))
            .map(|(_, to)| to.clone())
            .unwrap_or_else(|| old_column.to_string())
    }
}

/// Resolves a table's `renamed_from` hint: `old` in the table's own schema,
/// or `schema.old`.
pub(crate) fn resolve_table_hint(hint: &str, table: &QualifiedName, old: &Schema) -> QualifiedName {
    let same_schema = QualifiedName::new(table.schema.clone(), hint);
    if old.table(&same_schema).is_some() {
        return same_schema;
    }
    match hint.split_once('.') {
        Some((schema, name)) => QualifiedName::new(schema, name),
        None => same_schema,
    }
}

/// Matches the tables and columns of `old` and `new` (both canonical)
/// through the hints and options, or reports what only the user can decide.
pub(crate) fn match_renames(
    old: &Schema,
    new: &Schema,
    options: &DiffOptions,
) -> Result<Renames, Vec<Ambiguity>> {
    let mut table_candidates: Vec<(QualifiedName, QualifiedName)> = Vec::new();
    for table in &new.tables {
        if let Some(hint) = &table.renamed_from {
            table_candidates.push((
                resolve_table_hint(hint, &table.name, old),
                table.name.clone(),
            ));
        }
    }
    for rename in &options.renames {
        if let Rename::Table { from, to } = rename {
            table_candidates.push((from.clone(), to.clone()));
        }
    }
    let mut renames = Renames::default();
    let mut used_from = BTreeSet::new();
    let mut used_to = BTreeSet::new();
    for (from, to) in table_candidates {
        let applies = lookup::table(old, &from).is_some()
            && lookup::table(new, &to).is_some()
            && lookup::table(new, &from).is_none()
            && lookup::table(old, &to).is_none()
            && !used_from.contains(&from)
            && !used_to.contains(&to);
        if applies {
            used_from.insert(from.clone());
            used_to.insert(to.clone());
            renames.tables.push((from, to));
        }
    }
    renames.tables.sort();

    let mut ambiguities = Vec::new();
    let dropped: Vec<&QualifiedName> = old
        .tables
        .iter()
        .map(|table| &table.name)
        .filter(|name| lookup::table(new, name).is_none() && !used_from.contains(*name))
        .collect();
    let created: Vec<&QualifiedName> = new
        .tables
        .iter()
        .map(|table| &table.name)
        .filter(|name| lookup::table(old, name).is_none() && !used_to.contains(*name))
        .collect();
    let schemas: BTreeSet<&String> = dropped.iter().map(|name| &name.schema).collect();
    for schema in schemas {
        let dropped_here: Vec<QualifiedName> = dropped
            .iter()
            .filter(|name| &name.schema == schema)
            .map(|name| (*name).clone())
            .collect();
        let created_here: Vec<QualifiedName> = created
            .iter()
            .filter(|name| &name.schema == schema)
            .map(|name| (*name).clone())
            .collect();
        if !created_here.is_empty() {
            ambiguities.push(Ambiguity::Tables {
                dropped: dropped_here,
                created: created_here,
            });
        }
    }

    for new_table in &new.tables {
        let old_name = renames.old_table_name(&new_table.name);
        let Some(old_table) = lookup::table(old, &old_name) else {
            continue;
        };
        let column_renames = match_column_renames(old_table, new_table, options);
        let renamed_from: BTreeSet<&String> = column_renames.iter().map(|(from, _)| from).collect();
        let renamed_to: BTreeSet<&String> = column_renames.iter().map(|(_, to)| to).collect();
        let dropped: Vec<String> = old_table
            .columns
            .iter()
            .map(|column| &column.name)
            .filter(|name| new_table.column(name).is_none() && !renamed_from.contains(name))
            .cloned()
            .collect();
        let created: Vec<String> = new_table
            .columns
            .iter()
            .map(|column| &column.name)
            .filter(|name| old_table.column(name).is_none() && !renamed_to.contains(name))
            .cloned()
            .collect();
        if !dropped.is_empty() && !created.is_empty() {
            ambiguities.push(Ambiguity::Columns {
                table: new_table.name.clone(),
                dropped,
                created,
            });
        }
        if !column_renames.is_empty() {
            renames
                .columns
                .insert(new_table.name.clone(), column_renames);
        }
    }
    if ambiguities.is_empty() || options.assume_drop_and_create {
        Ok(renames)
    } else {
        Err(ambiguities)
    }
}

fn match_column_renames(
    old_table: &Table,
    new_table: &Table,
    options: &DiffOptions,
) -> Vec<(String, String)> {
    let mut candidates: Vec<(String, String)> = new_table
        .columns
        .iter()
        .filter_map(|column| Some((column.renamed_from.clone()?, column.name.clone())))
        .collect();
    for rename in &options.renames {
        if let Rename::Column { table, from, to } = rename
            && table == &new_table.name
        {
            candidates.push((from.clone(), to.clone()));
        }
    }
    let mut accepted: Vec<(String, String)> = Vec::new();
    for (from, to) in candidates {
        let applies = old_table.column(&from).is_some()
            && new_table.column(&to).is_some()
            && new_table.column(&from).is_none()
            && old_table.column(&to).is_none()
            && !accepted.iter().any(|(f, t)| f == &from || t == &to);
        if applies {
            accepted.push((from, to));
        }
    }
    accepted
}

/// Interprets the CLI's `--rename OLD=NEW`: `table=new_table`,
/// `schema.table=schema.new_table`, `table.column=new_column`,
/// `table.column=table.new_column` or `schema.table.column=…`. A table
/// rename when OLD names a table of `old` and NEW a table of `new`;
/// otherwise a column rename.
pub fn parse_rename_argument(arg: &str, old: &Schema, new: &Schema) -> Result<Rename, String> {
    let Some((left, right)) = arg.split_once('=') else {
        return Err(format!("`{arg}` is not of the form OLD=NEW"));
    };
    let (left, right) = (left.trim(), right.trim());
    if left.is_empty() || right.is_empty() {
        return Err(format!("`{arg}` is not of the form OLD=NEW"));
    }
    let left_parts: Vec<&str> = left.split('.').collect();
    let right_parts: Vec<&str> = right.split('.').collect();

    if left_parts.len() <= 2 && right_parts.len() <= 2 {
        if let Some(from) = find_table(old, &left_parts) {
            let to = match right_parts.as_slice() {
                [name] => QualifiedName::new(from.schema.clone(), *name),
                [schema, name] => QualifiedName::new(*schema, *name),
                _ => QualifiedName::new(from.schema.clone(), right),
            };
            if new.table(&to).is_some() {
                return Ok(Rename::Table { from, to });
            }
            if left_parts.len() == 1 {
                return Err(format!(
                    "table `{to}` was not found in the code's schema (the new name of `{from}`)"
                ));
            }
        } else if left_parts.len() == 1 {
            return Err(format!("table `{left}` was not found in the last snapshot"));
        }
    }

    let (table_parts, from_column) = match left_parts.split_last() {
        Some((column, table_parts)) if !table_parts.is_empty() => (table_parts, *column),
        _ => {
            return Err(format!(
                "`{left}` names neither a table nor a table's column"
            ));
        }
    };
    let Some(old_table) = find_table(old, table_parts) else {
        return Err(format!(
            "table `{}` was not found in the last snapshot",
            table_parts.join(".")
        ));
    };
    if old
        .table(&old_table)
        .and_then(|table| table.column(from_column))
        .is_none()
    {
        return Err(format!(
            "column `{from_column}` was not found in table `{old_table}` of the last snapshot"
        ));
    }
    let (new_table, to_column) = match right_parts.split_last() {
        Some((column, [])) => (new_name_of_table(&old_table, old, new), *column),
        Some((column, table_parts)) => (find_table(new, table_parts), *column),
        None => (None, right),
    };
    let Some(new_table) = new_table else {
        return Err(format!(
            "the table of `{right}` was not found in the code's schema"
        ));
    };
    if new
        .table(&new_table)
        .and_then(|table| table.column(to_column))
        .is_none()
    {
        return Err(format!(
            "column `{to_column}` was not found in table `{new_table}` of the code's schema"
        ));
    }
    Ok(Rename::Column {
        table: new_table,
        from: from_column.to_string(),
        to: to_column.to_string(),
    })
}

/// `name` or `schema.name`; a bare name is looked up in every schema,
/// `public` first.
fn find_table(schema: &Schema, parts: &[&str]) -> Option<QualifiedName> {
    match parts {
        [name] => {
            let public = QualifiedName::new("public", *name);
            if schema.table(&public).is_some() {
                return Some(public);
            }
            let mut matches = schema
                .tables
                .iter()
                .filter(|table| table.name.name == *name);
            let first = matches.next()?;
            match matches.next() {
                None => Some(first.name.clone()),
                Some(_) => None,
            }
        }
        [schema_name, name] => {
            let qualified = QualifiedName::new(*schema_name, *name);
            schema.table(&qualified).map(|_| qualified)
        }
        _ => None,
    }
}

/// The name a table of `old` has in `new`: the same, or the table whose
/// `renamed_from` hint points at it.
fn new_name_of_table(
    old_name: &QualifiedName,
    old: &Schema,
    new: &Schema,
) -> Option<QualifiedName> {
    if new.table(old_name).is_some() {
        return Some(old_name.clone());
    }
    new.tables
        .iter()
        .find(|table| {
            table
                .renamed_from
                .as_deref()
                .is_some_and(|hint| &resolve_table_hint(hint, &table.name, old) == old_name)
        })
        .map(|table| table.name.clone())
}
