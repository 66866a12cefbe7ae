//! Which tables, columns and enums were renamed: from `renamed_from` hints,
//! `--rename` arguments and answers given on a terminal, never guessed.
//!
//! **Matching.** Each object of the old schema is matched with at most one
//! object of the new: the one a rename names, else the one of the same
//! name that no rename names. A rename applies when its old name is in the
//! old schema, its new name in the new one, and no earlier rename took
//! either (`--rename` arguments and answers come first, then the hints of
//! the code). An old name may be reused in the same migration: chains
//! (`a` → `b`, `b` → `c`), swaps and longer cycles are renames like any
//! other, which the planner orders, going through a temporary name where a
//! cycle needs one.
//!
//! **Leftover hints.** A `renamed_from` stays in the code after its
//! migration. A hint, or a chain of hints (`a` → `b` → … → `z`), whose
//! first old name is still a name of the new schema and whose last new
//! name was already one of the old says nothing new: it is ignored, and
//! its objects keep their names. A cycle of hints cannot be told from a
//! leftover one, so it is applied again by every run until its hints are
//! removed; [`MatchedRenames::hinted_cycles`] names such cycles for the CLI
//! to say so.
//!
//! **Displaced objects.** An old object whose name a rename takes, and that
//! no rename moves elsewhere, matches nothing: it is dropped, or, when a new
//! object matches nothing either, it is part of an [`Ambiguity`]. The
//! differ sees it under a placeholder name (`…_dbkit_old`), so that its
//! name is free for the rename. A displaced table is dropped before the
//! renames; a displaced column or enum holds its placeholder until the
//! drops at the end.
//!
//! **Ambiguities.** Old tables (or columns of one table) that match nothing
//! while new ones match nothing are reported for the user to settle, with a
//! suggested pairing that never involves an object a rename already names.
//! Enums are not reported: a new enum is created, its columns converted
//! through `text`, the old one dropped, and no value is lost.

use super::lookup;
use super::temporary::{DISPLACED, names_in_schema, temporary_name};
use crate::model::{QualifiedName, Schema, Table};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What the caller tells the differ beyond the two schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Renames given on the command line (`--rename OLD=NEW`) or answered
    /// on a terminal, on top of the `renamed_from` hints of the new schema
    /// (and before them, where both name the same object).
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
    /// An enum type renamed, moved to another schema, or both.
    Enum {
        from: QualifiedName,
        to: QualifiedName,
    },
}

/// Tables (or columns of one table) disappeared while others appeared, and
/// nothing says whether that is a rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ambiguity {
    Tables {
        dropped: Vec<QualifiedName>,
        created: Vec<QualifiedName>,
        /// A pairing to show as an example: the first disappeared and the
        /// first appeared table that no rename (applied or not) names;
        /// `None` when every one is named by one.
        suggestion: Option<(QualifiedName, QualifiedName)>,
    },
    Columns {
        table: QualifiedName,
        dropped: Vec<String>,
        created: Vec<String>,
        /// As for tables.
        suggestion: Option<(String, String)>,
    },
}

impl fmt::Display for Ambiguity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ambiguity::Tables {
                dropped,
                created,
                suggestion,
            } => {
                write!(
                    f,
                    "table(s) {} disappeared and {} appeared: if a table was renamed, ",
                    join_names(dropped),
                    join_names(created)
                )?;
                match suggestion {
                    Some((from, to)) => write!(
                        f,
                        "add `#[dbkit(renamed_from = \"{}\")]` to its struct or pass \
                         `--rename {from}={to}`",
                        from.name
                    )?,
                    None => write!(
                        f,
                        "add `#[dbkit(renamed_from = \"…\")]` to the struct that replaces it or \
                         pass `--rename OLD=NEW`"
                    )?,
                }
                write!(f, "; otherwise confirm that they are dropped and created")
            }
            Ambiguity::Columns {
                table,
                dropped,
                created,
                suggestion,
            } => {
                write!(
                    f,
                    "in table {table}, column(s) {} disappeared and {} appeared: if a column was \
                     renamed, ",
                    join_names(dropped),
                    join_names(created)
                )?;
                match suggestion {
                    Some((from, to)) => write!(
                        f,
                        "add `#[dbkit(renamed_from = \"{from}\")]` to its field or pass \
                         `--rename {table}.{from}={to}`"
                    )?,
                    None => write!(
                        f,
                        "add `#[dbkit(renamed_from = \"…\")]` to the field that replaces it or \
                         pass `--rename {table}.OLD=NEW`"
                    )?,
                }
                write!(f, "; otherwise confirm that they are dropped and added")
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

/// The renames that apply between two schemas, as pairs of names (old
/// name, new name): what [`diff`](super::diff) does with them, for a
/// caller that needs to match the objects of both schemas the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchedRenames {
    /// Sorted by old name.
    pub tables: Vec<(QualifiedName, QualifiedName)>,
    /// By the table's name in the new schema; in the order declared.
    pub columns: BTreeMap<QualifiedName, Vec<(String, String)>>,
    /// Sorted by old name.
    pub enums: Vec<(QualifiedName, QualifiedName)>,
    /// Cycles of renames (swaps and longer) that only `renamed_from` hints
    /// declare: the next run finds the same hints and the same names, and
    /// applies the cycle again, until the hints are removed.
    pub hinted_cycles: Vec<Vec<Rename>>,
}

/// The renames [`diff`](super::diff) applies between `old` and `new` under
/// `options`, whether or not tables or columns are also ambiguous.
pub fn matched_renames(old: &Schema, new: &Schema, options: &DiffOptions) -> MatchedRenames {
    let old = super::plan::canonical(old);
    let new = super::plan::canonical(new);
    settle_renames(&old, &new, options).matched
}

/// The renames the differ applies, checked against both schemas. Besides
/// the matched renames, each displaced object is renamed to its placeholder
/// (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Renames {
    /// `(old name, new name)`, sorted.
    pub tables: Vec<(QualifiedName, QualifiedName)>,
    /// Displaced tables: `(old name, placeholder)`, sorted.
    pub displaced_tables: Vec<(QualifiedName, QualifiedName)>,
    /// By the table's name in the new schema: `(old column, new column)`.
    pub columns: BTreeMap<QualifiedName, Vec<(String, String)>>,
    /// `(old name, new name)`, sorted.
    pub enums: Vec<(QualifiedName, QualifiedName)>,
}

impl Renames {
    /// The table's name in the old schema.
    pub fn old_table_name(&self, new_name: &QualifiedName) -> QualifiedName {
        self.tables
            .iter()
            .chain(&self.displaced_tables)
            .find(|(_, to)| to == new_name)
            .map(|(from, _)| from.clone())
            .unwrap_or_else(|| new_name.clone())
    }

    /// The table's name in the new schema (a displaced table's placeholder).
    pub fn new_table_name(&self, old_name: &QualifiedName) -> QualifiedName {
        self.tables
            .iter()
            .chain(&self.displaced_tables)
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

    /// Whether nothing is renamed.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.displaced_tables.is_empty()
            && self.columns.is_empty()
            && self.enums.is_empty()
    }

    /// Whether `name` (a name of the differ's view of the old schema) is the
    /// placeholder of a displaced table.
    pub fn is_displaced_table(&self, name: &QualifiedName) -> bool {
        self.displaced_tables
            .iter()
            .any(|(_, placeholder)| placeholder == name)
    }
}

/// Resolves a `renamed_from` hint of a table or enum named `name`: `old`
/// in the same schema when `exists` there, else `schema.old`.
fn resolve_hint(
    hint: &str,
    name: &QualifiedName,
    exists: impl Fn(&QualifiedName) -> bool,
) -> QualifiedName {
    let same_schema = QualifiedName::new(name.schema.clone(), hint);
    if exists(&same_schema) {
        return same_schema;
    }
    match hint.split_once('.') {
        Some((schema, name)) => QualifiedName::new(schema, name),
        None => same_schema,
    }
}

/// Resolves a table's `renamed_from` hint: `old` in the table's own schema,
/// or `schema.old`.
pub(crate) fn resolve_table_hint(hint: &str, table: &QualifiedName, old: &Schema) -> QualifiedName {
    resolve_hint(hint, table, |name| old.table(name).is_some())
}

/// Who asserted a rename. A `renamed_from` hint stays in the code after its
/// migration, so one that says nothing new is taken for a leftover; a
/// `--rename` or an answer is meant for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Hint,
    Explicit,
}

/// How the names of one kind of object (tables, the columns of a table,
/// enums) of the old schema match those of the new.
#[derive(Debug)]
struct NameMatch<N> {
    /// `(old, new, origin)`, in the order asserted.
    accepted: Vec<(N, N, Origin)>,
    /// Old names nothing matches, in the old schema's order.
    unmatched_old: Vec<N>,
    /// New names nothing matches, in the new schema's order.
    unmatched_new: Vec<N>,
}

impl<N: Ord + Copy> NameMatch<N> {
    /// The new name of the old object `old`, when a rename moves it.
    fn new_name_of(&self, old: N) -> Option<N> {
        self.accepted
            .iter()
            .find(|(from, _, _)| *from == old)
            .map(|(_, to, _)| *to)
    }

    /// The old name of the object the new one `new` continues, by a rename
    /// or by its own name.
    fn old_name_of(&self, new: N, in_old: impl Fn(N) -> bool) -> Option<N> {
        if let Some((from, _, _)) = self.accepted.iter().find(|(_, to, _)| *to == new) {
            return Some(*from);
        }
        let renamed_away = self.new_name_of(new).is_some();
        (in_old(new) && !renamed_away).then_some(new)
    }

    /// Old objects whose name a rename takes and that nothing moves
    /// elsewhere.
    fn displaced(&self, in_new: impl Fn(N) -> bool) -> Vec<N> {
        self.unmatched_old
            .iter()
            .copied()
            .filter(|name| in_new(*name))
            .collect()
    }

    /// The cycles of accepted renames that only hints assert.
    fn hinted_cycles(&self) -> Vec<Vec<(N, N)>> {
        let next: BTreeMap<N, (N, Origin)> = self
            .accepted
            .iter()
            .map(|&(from, to, origin)| (from, (to, origin)))
            .collect();
        let mut cycles = Vec::new();
        let mut seen: BTreeSet<N> = BTreeSet::new();
        for &(start, _, _) in &self.accepted {
            if seen.contains(&start) {
                continue;
            }
            let mut cycle = Vec::new();
            let mut only_hints = true;
            let mut current = start;
            let closed = loop {
                let Some(&(to, origin)) = next.get(&current) else {
                    break false;
                };
                if !seen.insert(current) {
                    break current == start;
                }
                only_hints &= origin == Origin::Hint;
                cycle.push((current, to));
                current = to;
            };
            if closed && only_hints {
                cycles.push(cycle);
            }
        }
        cycles
    }
}

/// Matches the names of one kind of object. `candidates` are the asserted
/// renames `(old, new, origin)`, explicit ones first, each with its old
/// name in the old schema and its new name in the new one.
fn match_names<N: Ord + Copy>(
    old_names: &[N],
    new_names: &[N],
    in_old: impl Fn(N) -> bool,
    in_new: impl Fn(N) -> bool,
    candidates: &[(N, N, Origin)],
) -> NameMatch<N> {
    let mut accepted: Vec<(N, N, Origin)> = Vec::new();
    let mut taken_from: BTreeSet<N> = BTreeSet::new();
    let mut taken_to: BTreeSet<N> = BTreeSet::new();
    for &(from, to, origin) in candidates {
        if from != to && !taken_from.contains(&from) && !taken_to.contains(&to) {
            taken_from.insert(from);
            taken_to.insert(to);
            accepted.push((from, to, origin));
        }
    }
    // Leftover hints: a chain of hints (`a` → `b` → … → `z`) whose first
    // old name is still a name of the new schema and whose last new name
    // was already one of the old says nothing. Under their own names, all
    // its objects match.
    let next: BTreeMap<N, (N, Origin)> = accepted
        .iter()
        .map(|&(from, to, origin)| (from, (to, origin)))
        .collect();
    let mut leftover: BTreeSet<N> = BTreeSet::new();
    for &(head, _, _) in &accepted {
        if taken_to.contains(&head) {
            continue;
        }
        let mut chain = Vec::new();
        let mut tail = head;
        let mut only_hints = true;
        while let Some(&(to, origin)) = next.get(&tail) {
            only_hints &= origin == Origin::Hint;
            chain.push(tail);
            tail = to;
        }
        if only_hints && in_new(head) && in_old(tail) {
            leftover.extend(chain);
        }
    }
    accepted.retain(|(from, _, _)| !leftover.contains(from));
    let sources: BTreeSet<N> = accepted.iter().map(|(from, _, _)| *from).collect();
    let targets: BTreeSet<N> = accepted.iter().map(|(_, to, _)| *to).collect();
    let unmatched_old = old_names
        .iter()
        .copied()
        .filter(|name| !sources.contains(name) && (targets.contains(name) || !in_new(*name)))
        .collect();
    let unmatched_new = new_names
        .iter()
        .copied()
        .filter(|name| !targets.contains(name) && (sources.contains(name) || !in_old(*name)))
        .collect();
    NameMatch {
        accepted,
        unmatched_old,
        unmatched_new,
    }
}

/// The first pairing of a disappeared and an appeared object that no
/// asserted rename names (`claimed_old`, `claimed_new`), applied or not.
fn suggested_pairing<N: Ord + Clone>(
    dropped: &[N],
    created: &[N],
    claimed_old: &BTreeSet<N>,
    claimed_new: &BTreeSet<N>,
) -> Option<(N, N)> {
    let from = dropped.iter().find(|name| !claimed_old.contains(*name))?;
    let to = created.iter().find(|name| !claimed_new.contains(*name))?;
    Some((from.clone(), to.clone()))
}

/// How the tables of two canonical schemas match, and the names any
/// asserted rename names (applied or not).
struct TableMatch<'a> {
    tables: NameMatch<&'a QualifiedName>,
    claimed_old: BTreeSet<&'a QualifiedName>,
    claimed_new: BTreeSet<&'a QualifiedName>,
}

fn match_tables<'a>(old: &'a Schema, new: &'a Schema, options: &DiffOptions) -> TableMatch<'a> {
    let mut claimed_old: BTreeSet<&QualifiedName> = BTreeSet::new();
    let mut claimed_new: BTreeSet<&QualifiedName> = BTreeSet::new();
    let mut candidates: Vec<(&QualifiedName, &QualifiedName, Origin)> = Vec::new();
    for rename in &options.renames {
        if let Rename::Table { from, to } = rename
            && let (Some(from), Some(to)) = (lookup::table(old, from), lookup::table(new, to))
        {
            claimed_old.insert(&from.name);
            claimed_new.insert(&to.name);
            candidates.push((&from.name, &to.name, Origin::Explicit));
        }
    }
    for table in &new.tables {
        let Some(hint) = &table.renamed_from else {
            continue;
        };
        claimed_new.insert(&table.name);
        if let Some(from) = lookup::table(old, &resolve_table_hint(hint, &table.name, old)) {
            claimed_old.insert(&from.name);
            candidates.push((&from.name, &table.name, Origin::Hint));
        }
    }
    let old_names: Vec<&QualifiedName> = old.tables.iter().map(|table| &table.name).collect();
    let new_names: Vec<&QualifiedName> = new.tables.iter().map(|table| &table.name).collect();
    let tables = match_names(
        &old_names,
        &new_names,
        |name| lookup::table(old, name).is_some(),
        |name| lookup::table(new, name).is_some(),
        &candidates,
    );
    TableMatch {
        tables,
        claimed_old,
        claimed_new,
    }
}

/// Everything settled about renames between two canonical schemas.
#[derive(Debug, Default)]
pub(crate) struct Settled {
    pub renames: Renames,
    pub ambiguities: Vec<Ambiguity>,
    pub matched: MatchedRenames,
}

/// Matches the tables and columns of `old` and `new` (both canonical)
/// through the hints and options, or reports what only the user can decide.
pub(crate) fn match_renames(
    old: &Schema,
    new: &Schema,
    options: &DiffOptions,
) -> Result<Renames, Vec<Ambiguity>> {
    let settled = settle_renames(old, new, options);
    if settled.ambiguities.is_empty() || options.assume_drop_and_create {
        Ok(settled.renames)
    } else {
        Err(settled.ambiguities)
    }
}

/// Matches the tables, columns and enums of `old` and `new` (both
/// canonical), gives displaced objects their placeholders, and lists the
/// ambiguities.
pub(crate) fn settle_renames(old: &Schema, new: &Schema, options: &DiffOptions) -> Settled {
    let mut settled = Settled::default();
    // Placeholders are free in both schemas and among one another.
    let mut taken_in_schema: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut placeholder = |name: &QualifiedName| {
        let taken = taken_in_schema
            .entry(name.schema.clone())
            .or_insert_with(|| names_in_schema(&[old, new], &name.schema));
        QualifiedName::new(
            name.schema.clone(),
            temporary_name(&name.name, DISPLACED, taken),
        )
    };

    // Tables.
    let in_old = |name: &QualifiedName| lookup::table(old, name).is_some();
    let in_new = |name: &QualifiedName| lookup::table(new, name).is_some();
    let TableMatch {
        tables,
        claimed_old,
        claimed_new,
    } = match_tables(old, new, options);
    let schemas: BTreeSet<&String> = tables
        .unmatched_old
        .iter()
        .map(|name| &name.schema)
        .collect();
    for schema in schemas {
        let in_schema = |names: &[&QualifiedName]| -> Vec<QualifiedName> {
            names
                .iter()
                .filter(|name| &name.schema == schema)
                .map(|name| (*name).clone())
                .collect()
        };
        // Partitions are named for the values they hold: never a rename.
        let mut dropped = in_schema(&tables.unmatched_old);
        dropped.retain(|name| !super::partitions::is_partition(old, name));
        let mut created = in_schema(&tables.unmatched_new);
        created.retain(|name| !super::partitions::is_partition(new, name));
        if !dropped.is_empty() && !created.is_empty() {
            let claimed_old: BTreeSet<QualifiedName> =
                claimed_old.iter().map(|name| (*name).clone()).collect();
            let claimed_new: BTreeSet<QualifiedName> =
                claimed_new.iter().map(|name| (*name).clone()).collect();
            let suggestion = suggested_pairing(&dropped, &created, &claimed_old, &claimed_new);
            settled.ambiguities.push(Ambiguity::Tables {
                dropped,
                created,
                suggestion,
            });
        }
    }
    for &(from, to, _) in &tables.accepted {
        settled.renames.tables.push((from.clone(), to.clone()));
    }
    settled.renames.tables.sort();
    settled.matched.tables = settled.renames.tables.clone();
    for displaced in tables.displaced(in_new) {
        settled
            .renames
            .displaced_tables
            .push((displaced.clone(), placeholder(displaced)));
    }
    settled.renames.displaced_tables.sort();
    for cycle in tables.hinted_cycles() {
        let cycle = cycle
            .into_iter()
            .map(|(from, to)| Rename::Table {
                from: from.clone(),
                to: to.clone(),
            })
            .collect();
        settled.matched.hinted_cycles.push(cycle);
    }

    // Columns of the tables both schemas have.
    for new_table in &new.tables {
        let Some(old_table) = tables
            .old_name_of(&new_table.name, in_old)
            .and_then(|old_name| lookup::table(old, old_name))
        else {
            continue;
        };
        settle_column_renames(old_table, new_table, options, &mut settled);
    }

    // Enums.
    let in_old = |name: &QualifiedName| lookup::enum_type(old, name).is_some();
    let in_new = |name: &QualifiedName| lookup::enum_type(new, name).is_some();
    let mut candidates: Vec<(&QualifiedName, &QualifiedName, Origin)> = Vec::new();
    for rename in &options.renames {
        if let Rename::Enum { from, to } = rename
            && let (Some(from), Some(to)) =
                (lookup::enum_type(old, from), lookup::enum_type(new, to))
        {
            candidates.push((&from.name, &to.name, Origin::Explicit));
        }
    }
    for new_enum in &new.enums {
        let Some(hint) = &new_enum.renamed_from else {
            continue;
        };
        let from = resolve_hint(hint, &new_enum.name, |name| in_old(name));
        if let Some(from) = lookup::enum_type(old, &from) {
            candidates.push((&from.name, &new_enum.name, Origin::Hint));
        }
    }
    if !candidates.is_empty() {
        let old_names: Vec<&QualifiedName> = old.enums.iter().map(|e| &e.name).collect();
        let new_names: Vec<&QualifiedName> = new.enums.iter().map(|e| &e.name).collect();
        let enums = match_names(&old_names, &new_names, in_old, in_new, &candidates);
        for &(from, to, _) in &enums.accepted {
            settled.renames.enums.push((from.clone(), to.clone()));
        }
        settled.matched.enums = settled.renames.enums.clone();
        settled.matched.enums.sort();
        for displaced in enums.displaced(in_new) {
            settled
                .renames
                .enums
                .push((displaced.clone(), placeholder(displaced)));
        }
        settled.renames.enums.sort();
        for cycle in enums.hinted_cycles() {
            let cycle = cycle
                .into_iter()
                .map(|(from, to)| Rename::Enum {
                    from: from.clone(),
                    to: to.clone(),
                })
                .collect();
            settled.matched.hinted_cycles.push(cycle);
        }
    }
    settled
}

/// The column renames of one table that both schemas have, its displaced
/// columns and its ambiguity, into `settled`.
fn settle_column_renames(
    old_table: &Table,
    new_table: &Table,
    options: &DiffOptions,
    settled: &mut Settled,
) {
    let in_old = |name: &str| old_table.column(name).is_some();
    let in_new = |name: &str| new_table.column(name).is_some();
    let mut claimed_old: BTreeSet<String> = BTreeSet::new();
    let mut claimed_new: BTreeSet<String> = BTreeSet::new();
    let mut candidates: Vec<(&str, &str, Origin)> = Vec::new();
    for rename in &options.renames {
        if let Rename::Column { table, from, to } = rename
            && table == &new_table.name
            && let (Some(from), Some(to)) = (old_table.column(from), new_table.column(to))
        {
            claimed_old.insert(from.name.clone());
            claimed_new.insert(to.name.clone());
            candidates.push((&from.name, &to.name, Origin::Explicit));
        }
    }
    for column in &new_table.columns {
        let Some(hint) = &column.renamed_from else {
            continue;
        };
        claimed_new.insert(column.name.clone());
        if let Some(from) = old_table.column(hint) {
            claimed_old.insert(from.name.clone());
            candidates.push((&from.name, &column.name, Origin::Hint));
        }
    }
    let old_names: Vec<&str> = old_table.columns.iter().map(|c| c.name.as_str()).collect();
    let new_names: Vec<&str> = new_table.columns.iter().map(|c| c.name.as_str()).collect();
    let columns = match_names(&old_names, &new_names, in_old, in_new, &candidates);
    if !columns.unmatched_old.is_empty() && !columns.unmatched_new.is_empty() {
        let dropped: Vec<String> = columns
            .unmatched_old
            .iter()
            .map(|n| n.to_string())
            .collect();
        let created: Vec<String> = columns
            .unmatched_new
            .iter()
            .map(|n| n.to_string())
            .collect();
        let suggestion = suggested_pairing(&dropped, &created, &claimed_old, &claimed_new);
        settled.ambiguities.push(Ambiguity::Columns {
            table: new_table.name.clone(),
            dropped,
            created,
            suggestion,
        });
    }
    if columns.accepted.is_empty() {
        return;
    }
    let accepted: Vec<(String, String)> = columns
        .accepted
        .iter()
        .map(|(from, to, _)| (from.to_string(), to.to_string()))
        .collect();
    settled
        .matched
        .columns
        .insert(new_table.name.clone(), accepted.clone());
    let mut renames = accepted;
    let displaced = columns.displaced(in_new);
    if !displaced.is_empty() {
        let mut taken: BTreeSet<String> = old_names
            .iter()
            .chain(&new_names)
            .map(|name| name.to_string())
            .collect();
        for column in displaced {
            let placeholder = temporary_name(column, DISPLACED, &mut taken);
            renames.push((column.to_string(), placeholder));
        }
    }
    settled
        .renames
        .columns
        .insert(new_table.name.clone(), renames);
    for cycle in columns.hinted_cycles() {
        let cycle = cycle
            .into_iter()
            .map(|(from, to)| Rename::Column {
                table: new_table.name.clone(),
                from: from.to_string(),
                to: to.to_string(),
            })
            .collect();
        settled.matched.hinted_cycles.push(cycle);
    }
}

/// Interprets the CLI's `--rename OLD=NEW`: `table=new_table`,
/// `schema.table=schema.new_table`, `table.column=new_column`,
/// `table.column=table.new_column` or `schema.table.column=…`; enum types
/// as tables (`user_role=role`, `user_role=app.role`). A table rename when
/// OLD names a table of `old` and NEW a table of `new`, else an enum
/// rename when OLD names an enum of `old` and NEW one of `new` (a table
/// and a type cannot share a name in one schema); otherwise a column
/// rename.
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
        } else if let Some(from) = find_enum(old, &left_parts) {
            let to = match right_parts.as_slice() {
                [name] => QualifiedName::new(from.schema.clone(), *name),
                [schema, name] => QualifiedName::new(*schema, *name),
                _ => QualifiedName::new(from.schema.clone(), right),
            };
            if new.enum_type(&to).is_some() {
                return Ok(Rename::Enum { from, to });
            }
            if left_parts.len() == 1 {
                return Err(format!(
                    "enum type `{to}` was not found in the code's schema (the new name of `{from}`)"
                ));
            }
        } else if left_parts.len() == 1 {
            return Err(format!(
                "no table or enum type `{left}` was found in the last snapshot"
            ));
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
    find_named(
        schema.tables.iter().map(|table| &table.name),
        |name| schema.table(name).is_some(),
        parts,
    )
}

/// An enum type, found as [`find_table`] finds a table.
fn find_enum(schema: &Schema, parts: &[&str]) -> Option<QualifiedName> {
    find_named(
        schema.enums.iter().map(|enum_type| &enum_type.name),
        |name| schema.enum_type(name).is_some(),
        parts,
    )
}

/// `name` (in `public`, else in the one schema that has it) or
/// `schema.name` among `names`.
fn find_named<'a>(
    names: impl Iterator<Item = &'a QualifiedName>,
    exists: impl Fn(&QualifiedName) -> bool,
    parts: &[&str],
) -> Option<QualifiedName> {
    match parts {
        [name] => {
            let public = QualifiedName::new("public", *name);
            if exists(&public) {
                return Some(public);
            }
            let mut matches = names.filter(|candidate| candidate.name == *name);
            let first = matches.next()?;
            match matches.next() {
                None => Some(first.clone()),
                Some(_) => None,
            }
        }
        [schema_name, name] => {
            let qualified = QualifiedName::new(*schema_name, *name);
            exists(&qualified).then_some(qualified)
        }
        _ => None,
    }
}

/// The name a table of `old` has in `new`, as the differ matches tables
/// through the code's hints (leftover ones ignored).
fn new_name_of_table(
    old_name: &QualifiedName,
    old: &Schema,
    new: &Schema,
) -> Option<QualifiedName> {
    let old = super::plan::canonical(old);
    let new = super::plan::canonical(new);
    let matched = match_tables(&old, &new, &DiffOptions::default()).tables;
    if let Some(renamed) = matched.new_name_of(old_name) {
        return Some(renamed.clone());
    }
    // A table whose name a rename takes has no counterpart.
    let displaced = matched.accepted.iter().any(|(_, to, _)| *to == old_name);
    (!displaced && lookup::table(&new, old_name).is_some()).then(|| old_name.clone())
}
