//! The order of a migration's steps, so that each applies on the database
//! the previous ones left.
//!
//! The differ keeps the schema the steps so far produce (`current`) and
//! emits each step against it, in these phases:
//!
//! 1. create schemas, then extensions; drop the objects defined by SQL
//!    (views, functions, triggers, policies, generic objects) that go, that
//!    change and cannot be replaced in place, or that depend on what the
//!    tables' steps disturb (the `objects` module decides which and orders
//!    them, dependents first);
//! 2. rename and move enums, then create enums, add enum labels (`ADD VALUE
//!    … BEFORE/AFTER`); then create and change sequences, domains (a
//!    domain whose base type changes is recreated, its columns converted)
//!    and composite types (`type_phases`);
//! 3. drop the foreign keys that change, whose table or columns go, whose
//!    columns change type, or whose referenced key is dropped; also those
//!    that tie dropped tables in a cycle, and those onto displaced tables;
//! 4. drop the other constraints and indexes that change or go; then the
//!    displaced tables (whose names renames take);
//! 5. recreate enums that lost or reordered labels (after 3–4, because the
//!    column conversions need the constraints over them gone);
//! 6. rename and move tables, then rename the constraints and indexes whose
//!    definition is unchanged but whose name is not;
//!    Then drop the partitions that go and detach those whose bound or
//!    parent changes (the `partitions` module), so that new partitions
//!    may take their values;
//! 7. create the functions that tables' expressions may call and that use
//!    no table or view; create tables, with columns, primary key, unique and
//!    check constraints (`NOT VALID` checks wait for 9: `CREATE TABLE`
//!    validates its checks whatever they say) and storage parameters,
//!    partitioned tables before their partitions; then attach the detached
//!    partitions with their new bounds;
//! 8. per table: rename columns, alter columns (a collation after the
//!    type, which a type change resets), add columns (a generated
//!    column whose expression changes is dropped and added here);
//! 9. set and reset tables' storage parameters; add primary keys, unique
//!    and check constraints, validate checks no longer `NOT VALID`; drop
//!    and add the exclusion constraints that change (after 8, which gives
//!    their columns their new names and types);
//! 10. create indexes (before foreign keys: a unique index can be the key a
//!     foreign key references), set and reset the storage parameters of
//!     kept ones;
//! 11. add foreign keys, once every referenced table and key exists; alter
//!     when kept ones are checked (`ALTER CONSTRAINT … DEFERRABLE`) and
//!     validate those no longer `NOT VALID`; then enable, disable or force
//!     row-level security (`row_security`); then create and replace the
//!     objects defined by SQL, each after what it uses;
//! 12. set comments on enums, tables and columns;
//! 13. drop columns;
//! 14. drop tables, referencing tables before the tables they reference;
//! 15. drop composite types, domains and sequences (`type_phases`), then
//!     the functions old tables' expressions used, then extensions, enums
//!     and schemas.
//!
//! **Renames that reuse names.** The renames of one kind (enums, tables,
//! the columns of a table, constraints and indexes) are meant to happen at
//! once, as the `renames` module matches them, so a rename may take a name
//! another one gives up. [`order_renames`] makes each wait until its new
//! name is free and breaks cycles (swaps and longer) with a temporary name
//! (`…_dbkit_tmp`, free in both schemas, within 63 bytes). Index names
//! are unique in a PostgreSQL schema, so the renames of constraints and
//! indexes are ordered across its tables; a table moved to another schema
//! takes its indexes there, so those whose names are in use there are
//! renamed to temporary names before the move; and the indexes of tables
//! dropped at the end are renamed out of the way of the names the new
//! schema gives. Expressions are compared as text, so one that names a
//! column whose name now stands for another column is dropped and added
//! again.

use super::apply::{apply_change_to_sorted, column_uses_enum};
use super::change::{Change, EnumColumnUse, EnumValuePosition};
use super::lookup::{self, NameMap, NameSet, TableCursor, is_canonical};
use super::objects::plan_objects;
use super::partitions;
use super::renames::{Ambiguity, DiffOptions, Renames, match_renames};
use super::row_security::row_security_steps;
use super::temporary::{ON_THE_WAY, names_in_schema, temporary_name};
use crate::model::{
    BaseType, Check, Column, Enum, ForeignKey, Index, IndexKey, QualifiedName, Schema, Table,
};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

mod type_phases;

/// PostgreSQL truncates identifiers longer than this many bytes.
const IDENTIFIER_MAX_BYTES: usize = 63;

/// The changes that turn `old` into `new`, in an order PostgreSQL accepts,
/// or the disappear-and-appear cases that only the user can settle.
pub fn diff(
    old: &Schema,
    new: &Schema,
    options: &DiffOptions,
) -> Result<Vec<Change>, Vec<Ambiguity>> {
    diff_owned(old.clone(), new, options).map_err(|(ambiguities, _)| ambiguities)
}

/// [`diff`] taking the old schema as the working copy the steps are applied
/// to, instead of copying it: for a caller that has no further use for it.
/// With the ambiguities comes the old schema back (in canonical order), for
/// the next attempt.
pub fn diff_owned(
    old: Schema,
    new: &Schema,
    options: &DiffOptions,
) -> Result<Vec<Change>, (Vec<Ambiguity>, Schema)> {
    // The new schema is only read, and copied only when it is not canonical
    // yet.
    let mut old = old;
    old.canonicalize();
    let new = canonical(new);
    match match_renames(&old, &new, options) {
        Ok(renames) => Ok(plan_changes(old, &new, &renames)),
        Err(ambiguities) => Err((ambiguities, old)),
    }
}

pub(crate) fn canonical(schema: &Schema) -> Cow<'_, Schema> {
    if is_canonical(schema) {
        Cow::Borrowed(schema)
    } else {
        let mut schema = schema.clone();
        schema.canonicalize();
        Cow::Owned(schema)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ColumnStatus {
    /// Kept as it is, or altered in ways that leave dependents in place.
    Stable,
    /// Its type changes (or its enum is recreated).
    TypeChanged,
    /// Dropped and added again (a generated column's expression changes).
    Recreated,
    Dropped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum ItemKind {
    PrimaryKey,
    Unique,
    Check,
    Index,
    ForeignKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    Keep,
    Rename(String),
    Drop,
}

/// What happens to one constraint or index of the old schema. `table` is
/// the table's name after renames.
#[derive(Debug, Clone)]
struct ItemFate {
    table: QualifiedName,
    kind: ItemKind,
    name: String,
    fate: Fate,
}

/// Everything decided before the first step is emitted.
#[derive(Debug, Default)]
struct Analysis {
    recreated_enums: BTreeSet<QualifiedName>,
    /// Generated columns recreated because a column they use changes type
    /// (by table and column name after renames).
    recreated_columns: BTreeMap<QualifiedName, BTreeSet<String>>,
    fates: Vec<ItemFate>,
    /// Old names of dropped tables, in the order to drop them.
    table_drop_order: Vec<QualifiedName>,
}

/// The working schema and the steps so far. `current` and `new` are
/// canonical throughout (see the `lookup` module), so tables and enums are
/// found by binary search.
#[derive(Debug)]
struct Planner<'a> {
    current: Schema,
    new: &'a Schema,
    renames: &'a Renames,
    changes: Vec<Change>,
}

impl Planner<'_> {
    fn push(&mut self, change: Change) {
        apply_change_to_sorted(&mut self.current, &change);
        self.changes.push(change);
    }

    fn push_all(&mut self, changes: Vec<Change>) {
        for change in changes {
            self.push(change);
        }
    }

    fn current_table(&self, name: &QualifiedName) -> Option<&Table> {
        lookup::table(&self.current, name)
    }

    /// The index of the current table `name`, as [`lookup::sorted_table_index`]
    /// finds it: `guess` when it still is that index (steps on a table's
    /// columns leave the tables in place), searched for otherwise.
    fn current_table_index(&self, name: &QualifiedName, guess: Option<usize>) -> Option<usize> {
        let tables = &self.current.tables;
        let still_first = |index: usize| {
            tables.get(index).is_some_and(|table| table.name == *name)
                && (index == 0
                    || tables
                        .get(index - 1)
                        .is_some_and(|table| table.name != *name))
        };
        match guess {
            Some(index) if still_first(index) => Some(index),
            _ => lookup::sorted_table_index(tables, name),
        }
    }

    /// Whether the current table at `table_index` has distinct column names.
    fn current_columns_are_distinct(&self, table_index: Option<usize>) -> bool {
        table_index
            .and_then(|index| self.current.tables.get(index))
            .is_some_and(lookup::has_distinct_column_names)
    }

    /// The column `column` of the current table at `table_index`, looked
    /// for at `position` first (see [`lookup::column_at`]).
    fn current_column(
        &self,
        table_index: Option<usize>,
        column: &str,
        position: usize,
        distinct: bool,
    ) -> Option<&Column> {
        table_index
            .and_then(|index| self.current.tables.get(index))
            .and_then(|table| lookup::column_at(table, column, position, distinct))
    }
}

fn plan_changes(old: Schema, new: &Schema, renames: &Renames) -> Vec<Change> {
    let analysis = analyse(&old, new, renames);
    let mut planner = Planner {
        current: old,
        new,
        renames,
        changes: Vec::new(),
    };
    let objects = plan_objects(&planner.current, new, renames, &analysis.recreated_enums);
    create_schemas(&mut planner);
    planner.push_all(objects.extensions_created);
    planner.push_all(objects.drops);
    rename_enums(&mut planner);
    create_and_extend_enums(&mut planner, &analysis);
    type_phases::create_and_alter_types(&mut planner);
    drop_changed_items(&mut planner, &analysis, true);
    drop_changed_items(&mut planner, &analysis, false);
    drop_displaced_tables(&mut planner, &analysis);
    recreate_enums(&mut planner, &analysis);
    rename_tables_and_items(&mut planner, &analysis);
    drop_and_detach_partitions(&mut planner);
    planner.push_all(objects.early_creates);
    create_tables(&mut planner);
    attach_partitions(&mut planner);
    alter_tables(&mut planner, &analysis);
    set_table_storage(&mut planner);
    add_keys_and_checks(&mut planner);
    reconcile_exclusions(&mut planner);
    create_indexes(&mut planner);
    add_foreign_keys(&mut planner);
    let row_security = row_security_steps(&planner.current, new);
    planner.push_all(row_security);
    planner.push_all(objects.creates);
    set_comments(&mut planner);
    drop_columns(&mut planner);
    drop_tables(&mut planner, &analysis);
    type_phases::drop_types(&mut planner);
    planner.push_all(objects.late_drops);
    planner.push_all(objects.extensions_dropped);
    drop_enums_and_schemas(&mut planner);
    planner.changes
}

/// The old schema as the new names see it: every rename of `renames`
/// applied at once (chains, cycles and displaced objects included), as
/// after the migration's renames; the old schema itself when nothing is
/// renamed. Names written inside expressions are left as they are.
fn renamed_view<'a>(old: &'a Schema, renames: &Renames) -> Cow<'a, Schema> {
    if renames.is_empty() {
        return Cow::Borrowed(old);
    }
    let enum_names: BTreeMap<&QualifiedName, &QualifiedName> =
        renames.enums.iter().map(|(from, to)| (from, to)).collect();
    let table_names: BTreeMap<&QualifiedName, &QualifiedName> = renames
        .tables
        .iter()
        .chain(&renames.displaced_tables)
        .map(|(from, to)| (from, to))
        .collect();
    let rename = |names: &BTreeMap<&QualifiedName, &QualifiedName>, name: &mut QualifiedName| {
        if let Some(to) = names.get(name) {
            *name = (*to).clone();
        }
    };
    let mut view = old.clone();
    for enum_type in &mut view.enums {
        rename(&enum_names, &mut enum_type.name);
    }
    for table in &mut view.tables {
        rename(&table_names, &mut table.name);
        for column in &mut table.columns {
            if let BaseType::Enum(name) = &mut column.ty.base {
                rename(&enum_names, name);
            }
        }
        for foreign_key in &mut table.foreign_keys {
            rename(&table_names, &mut foreign_key.references);
        }
        if let Some(partition_of) = &mut table.partition_of {
            rename(&table_names, &mut partition_of.parent);
        }
    }
    let column_names = |table: &QualifiedName| -> Option<BTreeMap<&str, &str>> {
        let columns = renames.columns.get(table)?;
        Some(
            columns
                .iter()
                .map(|(from, to)| (from.as_str(), to.as_str()))
                .collect(),
        )
    };
    let rename_columns = |names: &BTreeMap<&str, &str>, columns: &mut [String]| {
        for column in columns {
            if let Some(to) = names.get(column.as_str()) {
                *column = (*to).to_string();
            }
        }
    };
    for table in &mut view.tables {
        if let Some(names) = column_names(&table.name) {
            for column in &mut table.columns {
                if let Some(to) = names.get(column.name.as_str()) {
                    column.name = (*to).to_string();
                }
            }
            if let Some(key) = &mut table.primary_key {
                rename_columns(&names, &mut key.columns);
            }
            for unique in &mut table.uniques {
                rename_columns(&names, &mut unique.columns);
            }
            for foreign_key in &mut table.foreign_keys {
                rename_columns(&names, &mut foreign_key.columns);
            }
            for index in &mut table.indexes {
                if let IndexKey::Columns(columns) = &mut index.key {
                    rename_columns(&names, columns);
                }
            }
        }
        for foreign_key in &mut table.foreign_keys {
            if let Some(names) = column_names(&foreign_key.references) {
                rename_columns(&names, &mut foreign_key.referenced_columns);
            }
        }
    }
    view.enums.sort_by(|a, b| a.name.cmp(&b.name));
    view.tables.sort_by(|a, b| a.name.cmp(&b.name));
    Cow::Owned(view)
}

/// Whether `column` appears in `expression`, quoted or as a bare word;
/// errs on the side of yes.
fn expression_mentions(expression: &str, column: &str) -> bool {
    let quoted = format!("\"{}\"", column.replace('"', "\"\""));
    if expression.contains(&quoted) {
        return true;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    expression.match_indices(column).any(|(start, _)| {
        let before = expression[..start].chars().next_back();
        let after = expression[start + column.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The old names of the columns of `table` (its name after renames)
/// renamed away while a column of the new table has the name: an
/// expression written with such a name means the old column in the old
/// schema and another one in the new, even when its text is the same.
fn shifted_column_names<'r>(
    renames: &'r Renames,
    table: &QualifiedName,
    new_table: Option<&Table>,
) -> Vec<&'r str> {
    let (Some(columns), Some(new_table)) = (renames.columns.get(table), new_table) else {
        return Vec::new();
    };
    columns
        .iter()
        .filter(|(from, _)| new_table.column(from).is_some())
        .map(|(from, _)| from.as_str())
        .collect()
}

/// Whether `expression` mentions any of `columns` (see [`expression_mentions`]).
fn mentions_any(expression: &str, columns: &[&str]) -> bool {
    columns
        .iter()
        .any(|column| expression_mentions(expression, column))
}

fn column_must_be_recreated(current: &Column, target: &Column) -> bool {
    target.generated.is_some() && (current.generated != target.generated || current.ty != target.ty)
}

/// The status of each column of the renamed view, by table and column name.
type ColumnStatuses<'a> = NameMap<(&'a QualifiedName, &'a str), ColumnStatus>;

fn analyse(old: &Schema, new: &Schema, renames: &Renames) -> Analysis {
    let view = renamed_view(old, renames);
    let view: &Schema = &view;
    let mut analysis = Analysis::default();
    for new_enum in &new.enums {
        if let Some(old_enum) = lookup::enum_type(view, &new_enum.name)
            && old_enum.values != new_enum.values
            && enum_additions(&old_enum.values, &new_enum.values).is_none()
        {
            analysis.recreated_enums.insert(new_enum.name.clone());
        }
    }
    let column_count = view.tables.iter().map(|table| table.columns.len()).sum();
    let mut column_statuses: ColumnStatuses<'_> =
        ColumnStatuses::with_capacity_and_hasher(column_count, Default::default());
    let mut new_tables = TableCursor::default();
    for table in &view.tables {
        let new_table = new_tables.table(&new.tables, &table.name);
        let distinct = new_table.is_some_and(lookup::has_distinct_column_names);
        for (position, column) in table.columns.iter().enumerate() {
            let target = new_table.and_then(|new_table| {
                lookup::column_at(new_table, &column.name, position, distinct)
            });
            let status = match target {
                None => ColumnStatus::Dropped,
                Some(target) if column_must_be_recreated(column, target) => ColumnStatus::Recreated,
                Some(target) if column.ty != target.ty => ColumnStatus::TypeChanged,
                Some(_)
                    if analysis
                        .recreated_enums
                        .iter()
                        .any(|name| column_uses_enum(column, name)) =>
                {
                    ColumnStatus::TypeChanged
                }
                Some(_) => ColumnStatus::Stable,
            };
            column_statuses.insert((&table.name, column.name.as_str()), status);
        }
        // PostgreSQL cannot change the type of a column a generated column
        // uses: such generated columns are dropped and added again. So are
        // those whose expression names a column whose name now stands for
        // another one.
        let shifted = shifted_column_names(renames, &table.name, new_table);
        for column in &table.columns {
            let Some(expression) = &column.generated else {
                continue;
            };
            let key = (&table.name, column.name.as_str());
            let over_changed_type = table.columns.iter().any(|source| {
                column_statuses.get(&(&table.name, source.name.as_str()))
                    == Some(&ColumnStatus::TypeChanged)
                    && expression_mentions(expression, &source.name)
            });
            let over_shifted = mentions_any(expression, &shifted);
            if (over_changed_type || over_shifted)
                && column_statuses.get(&key) != Some(&ColumnStatus::Dropped)
            {
                column_statuses.insert(key, ColumnStatus::Recreated);
                analysis
                    .recreated_columns
                    .entry(table.name.clone())
                    .or_default()
                    .insert(column.name.clone());
            }
        }
    }
    let status = |table: &QualifiedName, column: &str| {
        column_statuses
            .get(&(table, column))
            .copied()
            .unwrap_or(ColumnStatus::Dropped)
    };
    let mut fates = Vec::new();
    let mut new_tables = TableCursor::default();
    for table in &view.tables {
        let Some(new_table) = new_tables.table(&new.tables, &table.name) else {
            continue;
        };
        let expressions_unstable = table.columns.iter().any(|column| {
            matches!(
                status(&table.name, &column.name),
                ColumnStatus::TypeChanged | ColumnStatus::Recreated
            )
        });
        let shifted = shifted_column_names(renames, &table.name, Some(new_table));
        let expression_stays =
            |expression: &str| !expressions_unstable && !mentions_any(expression, &shifted);
        let columns_stay = |columns: &[String]| {
            columns.iter().all(|column| {
                matches!(
                    status(&table.name, column),
                    ColumnStatus::Stable | ColumnStatus::TypeChanged
                )
            })
        };
        let old_keys: Vec<_> = table.primary_key.iter().collect();
        let new_keys: Vec<_> = new_table.primary_key.iter().collect();
        decide_fates(
            &mut fates,
            &table.name,
            ItemKind::PrimaryKey,
            &old_keys,
            &new_keys,
            |key| &key.name,
            |a, b| same_columns_definition(&a.columns, &b.columns) && a.deferrable == b.deferrable,
            |key| columns_stay(&key.columns),
        );
        let old_uniques: Vec<_> = table.uniques.iter().collect();
        let new_uniques: Vec<_> = new_table.uniques.iter().collect();
        decide_fates(
            &mut fates,
            &table.name,
            ItemKind::Unique,
            &old_uniques,
            &new_uniques,
            |unique| &unique.name,
            |a, b| same_columns_definition(&a.columns, &b.columns) && a.deferrable == b.deferrable,
            |unique| columns_stay(&unique.columns),
        );
        let old_checks: Vec<_> = table.checks.iter().collect();
        let new_checks: Vec<_> = new_table.checks.iter().collect();
        decide_fates(
            &mut fates,
            &table.name,
            ItemKind::Check,
            &old_checks,
            &new_checks,
            |check| &check.name,
            check_can_become,
            |check| expression_stays(&check.expr),
        );
        let old_indexes: Vec<_> = table.indexes.iter().collect();
        let new_indexes: Vec<_> = new_table.indexes.iter().collect();
        decide_fates(
            &mut fates,
            &table.name,
            ItemKind::Index,
            &old_indexes,
            &new_indexes,
            |index| &index.name,
            same_index_definition,
            |index| {
                let columns_ok = match &index.key {
                    IndexKey::Columns(columns) => columns_stay(columns),
                    IndexKey::Expression(expression) => expression_stays(expression),
                };
                columns_ok && index.predicate.as_deref().is_none_or(expression_stays)
            },
        );
    }
    let dropped_tables: BTreeSet<QualifiedName> = view
        .tables
        .iter()
        .filter(|table| lookup::table(new, &table.name).is_none())
        .map(|table| table.name.clone())
        .collect();
    let (table_drop_order, cycle_foreign_keys) = order_table_drops(view, &dropped_tables);
    // The keys and indexes dropped so far, for the foreign keys that rely on them.
    let dropped_items: DroppedItems<'_> = fates
        .iter()
        .filter(|fate| fate.fate == Fate::Drop)
        .map(|fate| (&fate.table, fate.kind, fate.name.as_str()))
        .collect();
    let foreign_key_stays = |foreign_key: &ForeignKey| {
        let target = &foreign_key.references;
        if dropped_tables.contains(target) {
            return true;
        }
        if lookup::table(view, target).is_none() {
            return false;
        }
        let referenced_stay = foreign_key
            .referenced_columns
            .iter()
            .all(|column| status(target, column) == ColumnStatus::Stable);
        referenced_stay && referenced_key_stays(view, foreign_key, &dropped_items)
    };
    let mut foreign_key_fates = Vec::new();
    let mut new_tables = TableCursor::default();
    for table in &view.tables {
        let old_keys: Vec<_> = table.foreign_keys.iter().collect();
        match new_tables.table(&new.tables, &table.name) {
            Some(new_table) => {
                let new_keys: Vec<_> = new_table.foreign_keys.iter().collect();
                decide_fates(
                    &mut foreign_key_fates,
                    &table.name,
                    ItemKind::ForeignKey,
                    &old_keys,
                    &new_keys,
                    |key| &key.name,
                    foreign_key_can_become,
                    |key| {
                        key.columns
                            .iter()
                            .all(|column| status(&table.name, column) == ColumnStatus::Stable)
                            && foreign_key_stays(key)
                    },
                );
            }
            None => {
                for foreign_key in old_keys {
                    let in_cycle = cycle_foreign_keys
                        .contains(&(table.name.clone(), foreign_key.name.clone()));
                    // A displaced table goes before the others.
                    let onto_displaced = renames.is_displaced_table(&foreign_key.references);
                    if in_cycle || onto_displaced || !foreign_key_stays(foreign_key) {
                        foreign_key_fates.push(ItemFate {
                            table: table.name.clone(),
                            kind: ItemKind::ForeignKey,
                            name: foreign_key.name.clone(),
                            fate: Fate::Drop,
                        });
                    }
                }
            }
        }
    }
    fates.extend(foreign_key_fates);
    analysis.fates = fates;
    analysis.table_drop_order = table_drop_order;
    analysis
}

/// Constraints and indexes the analysis drops: table (after renames), kind
/// and name.
type DroppedItems<'a> = NameSet<(&'a QualifiedName, ItemKind, &'a str)>;

/// Keeps items whose name and definition are unchanged, renames those whose
/// definition reappears under another name, drops the rest.
#[allow(clippy::too_many_arguments)]
fn decide_fates<T>(
    fates: &mut Vec<ItemFate>,
    table: &QualifiedName,
    kind: ItemKind,
    old_items: &[&T],
    new_items: &[&T],
    name_of: impl Fn(&T) -> &String,
    same_definition: impl Fn(&T, &T) -> bool,
    stays: impl Fn(&T) -> bool,
) {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut decided: BTreeMap<String, Fate> = BTreeMap::new();
    for old_item in old_items {
        let name = name_of(old_item);
        if decided.contains_key(name) {
            continue;
        }
        if !stays(old_item) {
            decided.insert(name.clone(), Fate::Drop);
            continue;
        }
        let kept = new_items
            .iter()
            .any(|new_item| name_of(new_item) == name && same_definition(old_item, new_item));
        if kept && taken.insert(name.clone()) {
            decided.insert(name.clone(), Fate::Keep);
        }
    }
    for old_item in old_items {
        let name = name_of(old_item);
        if decided.contains_key(name) {
            continue;
        }
        let old_names: BTreeSet<&String> = old_items.iter().map(|item| name_of(item)).collect();
        let partner = new_items.iter().find(|new_item| {
            let new_name = name_of(new_item);
            let kept_by_its_owner =
                old_names.contains(new_name) && decided.get(new_name) == Some(&Fate::Keep);
            !taken.contains(new_name) && !kept_by_its_owner && same_definition(old_item, new_item)
        });
        let fate = match partner {
            Some(new_item) => {
                taken.insert(name_of(new_item).clone());
                Fate::Rename(name_of(new_item).clone())
            }
            None => Fate::Drop,
        };
        decided.insert(name.clone(), fate);
    }
    for (name, fate) in decided {
        fates.push(ItemFate {
            table: table.clone(),
            kind,
            name,
            fate,
        });
    }
}

fn same_columns_definition(a: &[String], b: &[String]) -> bool {
    a == b
}

/// Whether two indexes are built the same way; their storage parameters
/// are set in place (`ALTER INDEX … SET`).
fn same_index_definition(a: &Index, b: &Index) -> bool {
    a.key == b.key
        && a.unique == b.unique
        && a.method == b.method
        && a.predicate == b.predicate
        && a.key_options == b.key_options
        && a.include == b.include
}

fn same_foreign_key_definition(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.references == b.references
        && a.referenced_columns == b.referenced_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
}

/// Whether foreign key `old` becomes `new` in place: when they differ only
/// in when they are checked (`ALTER CONSTRAINT`) or in `new` being valid
/// where `old` is not (`VALIDATE CONSTRAINT`). A valid key cannot be made
/// `NOT VALID` again: it is dropped and added.
fn foreign_key_can_become(old: &ForeignKey, new: &ForeignKey) -> bool {
    same_foreign_key_definition(old, new) && (old.not_valid || !new.not_valid)
}

/// Whether check `old` becomes `new` in place (`VALIDATE CONSTRAINT`), as
/// for a foreign key.
fn check_can_become(old: &Check, new: &Check) -> bool {
    old.expr == new.expr && (old.not_valid || !new.not_valid)
}

/// The steps that turn constraint `name`, kept, from `NOT VALID` into valid.
fn validation(
    table: &QualifiedName,
    name: &str,
    old_not_valid: bool,
    new_not_valid: bool,
) -> Option<Change> {
    (old_not_valid && !new_not_valid).then(|| Change::ValidateConstraint {
        table: table.clone(),
        name: name.to_string(),
    })
}

/// Whether the keys a foreign key relies on (primary key, unique
/// constraints and unique indexes over the referenced columns) all stay.
fn referenced_key_stays(
    view: &Schema,
    foreign_key: &ForeignKey,
    dropped_items: &DroppedItems<'_>,
) -> bool {
    let Some(table) = lookup::table(view, &foreign_key.references) else {
        return false;
    };
    let wanted: BTreeSet<&String> = foreign_key.referenced_columns.iter().collect();
    let matches = |columns: &[String]| columns.iter().collect::<BTreeSet<_>>() == wanted;
    let mut keys: Vec<(ItemKind, &String)> = Vec::new();
    if let Some(primary_key) = &table.primary_key
        && matches(&primary_key.columns)
    {
        keys.push((ItemKind::PrimaryKey, &primary_key.name));
    }
    for unique in &table.uniques {
        if matches(&unique.columns) {
            keys.push((ItemKind::Unique, &unique.name));
        }
    }
    for index in &table.indexes {
        if let IndexKey::Columns(columns) = &index.key
            && index.unique
            && index.predicate.is_none()
            && matches(columns)
        {
            keys.push((ItemKind::Index, &index.name));
        }
    }
    keys.iter()
        .all(|(kind, name)| !dropped_items.contains(&(&table.name, *kind, name.as_str())))
}

/// Dropped tables ordered so that a table is dropped before the tables it
/// references; the foreign keys that tie the rest in a cycle are returned
/// to be dropped first.
fn order_table_drops(
    view: &Schema,
    dropped: &BTreeSet<QualifiedName>,
) -> (Vec<QualifiedName>, BTreeSet<(QualifiedName, String)>) {
    let mut remaining: Vec<QualifiedName> = dropped.iter().cloned().collect();
    let mut order = Vec::new();
    let mut cycle_foreign_keys = BTreeSet::new();
    while !remaining.is_empty() {
        let referenced_by_other =
            |candidate: &QualifiedName, cycle: &BTreeSet<(QualifiedName, String)>| {
                remaining.iter().any(|other| {
                    other != candidate
                        && lookup::table(view, other).is_some_and(|table| {
                            table.foreign_keys.iter().any(|key| {
                                &key.references == candidate
                                    && !cycle.contains(&(other.clone(), key.name.clone()))
                            })
                        })
                })
            };
        let next = remaining
            .iter()
            .position(|candidate| !referenced_by_other(candidate, &cycle_foreign_keys));
        match next {
            Some(index) => order.push(remaining.remove(index)),
            None => {
                for name in &remaining {
                    if let Some(table) = lookup::table(view, name) {
                        for key in &table.foreign_keys {
                            if &key.references != name && remaining.contains(&key.references) {
                                cycle_foreign_keys.insert((name.clone(), key.name.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    (order, cycle_foreign_keys)
}

/// The `ADD VALUE` steps that turn `old` labels into `new` ones, when `new`
/// only inserts labels; `None` when labels are removed or reordered.
pub(crate) fn enum_additions(
    old: &[String],
    new: &[String],
) -> Option<Vec<(String, EnumValuePosition)>> {
    let distinct = |values: &[String]| values.iter().collect::<BTreeSet<_>>().len() == values.len();
    if !distinct(old) || !distinct(new) {
        return None;
    }
    let kept: Vec<&String> = new.iter().filter(|value| old.contains(value)).collect();
    if kept.len() != old.len() || kept.iter().zip(old).any(|(a, b)| *a != b) {
        return None;
    }
    let mut current: Vec<String> = old.to_vec();
    let mut additions = Vec::new();
    for (index, value) in new.iter().enumerate() {
        if current.contains(value) {
            continue;
        }
        let position = match index.checked_sub(1).and_then(|previous| new.get(previous)) {
            Some(previous) if current.last() == Some(previous) => EnumValuePosition::End,
            Some(previous) => EnumValuePosition::After(previous.clone()),
            None => match new.iter().skip(1).find(|next| current.contains(next)) {
                Some(next) => EnumValuePosition::Before(next.clone()),
                None => EnumValuePosition::End,
            },
        };
        let insert_at = match &position {
            EnumValuePosition::End => current.len(),
            EnumValuePosition::Before(label) => {
                current.iter().position(|v| v == label).unwrap_or(0)
            }
            EnumValuePosition::After(label) => current
                .iter()
                .position(|v| v == label)
                .map_or(current.len(), |i| i + 1),
        };
        current.insert(insert_at, value.clone());
        additions.push((value.clone(), position));
    }
    Some(additions)
}

fn strip_column(column: &Column) -> Column {
    Column {
        comment: None,
        renamed_from: None,
        source: None,
        ..column.clone()
    }
}

/// The part of a table `CREATE TABLE` makes: no foreign keys, indexes or
/// comments.
/// `NOT VALID` checks are added by a later step: PostgreSQL validates the
/// checks of `CREATE TABLE` whatever they say.
fn table_for_create(table: &Table) -> Table {
    Table {
        columns: table.columns.iter().map(strip_column).collect(),
        primary_key: table.primary_key.clone(),
        uniques: table.uniques.clone(),
        checks: table
            .checks
            .iter()
            .filter(|check| !check.not_valid)
            .cloned()
            .collect(),
        storage_parameters: table.storage_parameters.clone(),
        partition_by: table.partition_by.clone(),
        partition_of: table.partition_of.clone(),
        ..Table::new(table.name.clone())
    }
}

fn strip_foreign_key(foreign_key: &ForeignKey) -> ForeignKey {
    ForeignKey {
        source: None,
        ..foreign_key.clone()
    }
}

fn create_schemas(planner: &mut Planner<'_>) {
    let missing: Vec<String> = planner
        .new
        .schemas
        .iter()
        .filter(|name| !planner.current.schemas.contains(name))
        .cloned()
        .collect();
    for name in missing {
        planner.push(Change::CreateSchema { name });
    }
}

fn create_and_extend_enums(planner: &mut Planner<'_>, analysis: &Analysis) {
    let new = planner.new;
    for new_enum in &new.enums {
        match lookup::enum_type(&planner.current, &new_enum.name) {
            None => planner.push(Change::CreateEnum {
                enum_type: Enum {
                    comment: None,
                    renamed_from: None,
                    source: None,
                    ..new_enum.clone()
                },
            }),
            Some(old_enum) => {
                if analysis.recreated_enums.contains(&new_enum.name) {
                    continue;
                }
                let additions =
                    enum_additions(&old_enum.values, &new_enum.values).unwrap_or_default();
                for (value, position) in additions {
                    planner.push(Change::AddEnumValue {
                        name: new_enum.name.clone(),
                        value,
                        position,
                    });
                }
            }
        }
    }
}

/// Phase 3 (`foreign_keys`) or 4 (everything else): drops what the analysis
/// decided to drop, under the tables' current (old) names.
fn drop_changed_items(planner: &mut Planner<'_>, analysis: &Analysis, foreign_keys: bool) {
    for item in &analysis.fates {
        if item.fate != Fate::Drop || (item.kind == ItemKind::ForeignKey) != foreign_keys {
            continue;
        }
        let table = planner.renames.old_table_name(&item.table);
        let name = item.name.clone();
        let change = match item.kind {
            ItemKind::PrimaryKey => Change::DropPrimaryKey { table, name },
            ItemKind::Unique => Change::DropUnique { table, name },
            ItemKind::Check => Change::DropCheck { table, name },
            ItemKind::Index => Change::DropIndex { table, name },
            ItemKind::ForeignKey => Change::DropForeignKey { table, name },
        };
        planner.push(change);
    }
}

/// Phase 4's end: the displaced tables (see the `renames` module) are
/// dropped under their old names, before the renames that take those
/// names: dropped at the end, their indexes and sequences could clash with
/// those of a table moved into their schema. Nothing refers to them any
/// more: the foreign keys onto them went in phase 3.
fn drop_displaced_tables(planner: &mut Planner<'_>, analysis: &Analysis) {
    let renames = planner.renames;
    for name in &analysis.table_drop_order {
        if renames.is_displaced_table(name) {
            planner.push(Change::DropTable {
                name: renames.old_table_name(name),
            });
        }
    }
}

/// A name for the old type during a recreate, free in its schema.
fn temporary_enum_name(name: &QualifiedName, planner: &Planner<'_>) -> QualifiedName {
    let mut stem = name.name.clone();
    while stem.len() > IDENTIFIER_MAX_BYTES - 8 {
        stem.pop();
    }
    let taken = |candidate: &QualifiedName| {
        lookup::enum_type(&planner.current, candidate).is_some()
            || lookup::enum_type(planner.new, candidate).is_some()
            || lookup::table(&planner.current, candidate).is_some()
            || lookup::table(planner.new, candidate).is_some()
    };
    let mut counter = 1u32;
    loop {
        let suffix = if counter == 1 {
            "_old".to_string()
        } else {
            format!("_old{counter}")
        };
        let candidate = QualifiedName::new(name.schema.clone(), format!("{stem}{suffix}"));
        if !taken(&candidate) || counter > 1000 {
            return candidate;
        }
        counter += 1;
    }
}

fn recreate_enums(planner: &mut Planner<'_>, analysis: &Analysis) {
    for name in &analysis.recreated_enums {
        let (Some(old_enum), Some(new_enum)) = (
            lookup::enum_type(&planner.current, name),
            lookup::enum_type(planner.new, name),
        ) else {
            continue;
        };
        let old_values = old_enum.values.clone();
        let new_values = new_enum.values.clone();
        let mut columns = Vec::new();
        for table in &planner.current.tables {
            for column in table
                .columns
                .iter()
                .filter(|column| column_uses_enum(column, name))
            {
                let new_table_name = planner.renames.new_table_name(&table.name);
                let new_column_name = planner
                    .renames
                    .new_column_name(&new_table_name, &column.name);
                let restored_default = lookup::table(planner.new, &new_table_name)
                    .and_then(|new_table| new_table.column(&new_column_name))
                    .filter(|target| target.ty == column.ty && target.generated.is_none())
                    .and_then(|target| target.default.clone());
                columns.push(EnumColumnUse {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    array_dims: column.ty.array_dims,
                    dropped_default: column.default.clone(),
                    restored_default,
                });
            }
        }
        let temporary_name = temporary_enum_name(name, planner);
        planner.push(Change::RecreateEnum {
            name: name.clone(),
            old_values,
            new_values,
            temporary_name,
            columns,
        });
    }
}

/// Orders renames meant to happen at once so that each finds its new name
/// free. A rename holds the names `holds` gives (its old name, in each
/// namespace it lives in) and waits while a name `wants` gives (its new
/// name, likewise) is held by another. Of those ready, the first in
/// `pending`'s order goes first. When every one waits (a cycle), the first
/// rename's holder goes through a temporary name: `detour` splits it into a
/// rename to the temporary name and one from it. A temporary name is held
/// but wanted by none, so each detour ends a wait for good and the loop
/// ends, whatever the input. Near-linear: each rename's names are looked up
/// in maps, not compared with every other rename.
fn order_renames<R, K: Ord + Clone>(
    pending: Vec<R>,
    holds: impl Fn(&R) -> Vec<K>,
    wants: impl Fn(&R) -> Vec<K>,
    mut detour: impl FnMut(R) -> (R, R),
) -> Vec<R> {
    let mut slots: Vec<Option<R>> = pending.into_iter().map(Some).collect();
    // Who holds each name, and who waits for it.
    let mut holders: BTreeMap<K, BTreeSet<usize>> = BTreeMap::new();
    let mut waiters: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (index, rename) in slots.iter().enumerate() {
        let Some(rename) = rename else { continue };
        for name in holds(rename) {
            holders.entry(name).or_default().insert(index);
        }
        for name in wants(rename) {
            waiters.entry(name).or_default().push(index);
        }
    }
    let blocked = |holders: &BTreeMap<K, BTreeSet<usize>>, index: usize, rename: &R| {
        wants(rename).into_iter().find(|name| {
            holders
                .get(name)
                .is_some_and(|held| held.iter().any(|&holder| holder != index))
        })
    };
    let mut ready: BTreeSet<usize> = slots
        .iter()
        .enumerate()
        .filter_map(|(index, rename)| {
            let rename = rename.as_ref()?;
            blocked(&holders, index, rename).is_none().then_some(index)
        })
        .collect();
    let mut steps = Vec::with_capacity(slots.len());
    // Takes `index`'s names from the holders and tells who waited for them.
    let release = |holders: &mut BTreeMap<K, BTreeSet<usize>>,
                   released: Vec<K>,
                   index: usize,
                   slots: &[Option<R>],
                   ready: &mut BTreeSet<usize>| {
        for name in released {
            if let Some(held) = holders.get_mut(&name) {
                held.remove(&index);
            }
            for &waiter in waiters.get(&name).into_iter().flatten() {
                if let Some(rename) = slots.get(waiter).and_then(Option::as_ref)
                    && blocked(holders, waiter, rename).is_none()
                {
                    ready.insert(waiter);
                }
            }
        }
    };
    loop {
        if let Some(index) = ready.pop_first() {
            let Some(rename) = slots.get_mut(index).and_then(Option::take) else {
                continue;
            };
            let released = holds(&rename);
            steps.push(rename);
            release(&mut holders, released, index, &slots, &mut ready);
            continue;
        }
        // Every one waits: a cycle.
        let Some((first, name)) = slots.iter().enumerate().find_map(|(index, rename)| {
            let rename = rename.as_ref()?;
            Some((index, blocked(&holders, index, rename)?))
        }) else {
            break;
        };
        let holder = holders
            .get(&name)
            .and_then(|held| held.iter().copied().find(|&holder| holder != first))
            .unwrap_or(first);
        let Some(rename) = slots.get_mut(holder).and_then(Option::take) else {
            break;
        };
        let released = holds(&rename);
        let (to_temporary, from_temporary) = detour(rename);
        steps.push(to_temporary);
        for held in holds(&from_temporary) {
            holders.entry(held).or_default().insert(holder);
        }
        if let Some(slot) = slots.get_mut(holder) {
            *slot = Some(from_temporary);
        }
        release(&mut holders, released, holder, &slots, &mut ready);
        if let Some(rename) = slots.get(holder).and_then(Option::as_ref)
            && blocked(&holders, holder, rename).is_none()
        {
            ready.insert(holder);
        }
    }
    steps
}

/// The names taken in each PostgreSQL schema, for temporary names: those
/// of the working and the target schema (see [`names_in_schema`]), the
/// new names of the renames, and the temporary names handed out.
struct TakenNames<'a> {
    current: &'a Schema,
    new: &'a Schema,
    renames: &'a Renames,
    by_schema: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> TakenNames<'a> {
    fn new(current: &'a Schema, new: &'a Schema, renames: &'a Renames) -> Self {
        TakenNames {
            current,
            new,
            renames,
            by_schema: BTreeMap::new(),
        }
    }

    /// A temporary name for `stem`, free in the PostgreSQL schema `schema`.
    fn fresh(&mut self, schema: &str, stem: &str) -> String {
        let taken = self.in_schema(schema);
        temporary_name(stem, ON_THE_WAY, taken)
    }

    /// A temporary name for `stem`, free in both schemas.
    fn fresh_in_both(&mut self, first: &str, second: &str, stem: &str) -> String {
        let mut taken = self.in_schema(first).clone();
        taken.extend(self.in_schema(second).iter().cloned());
        let name = temporary_name(stem, ON_THE_WAY, &mut taken);
        self.in_schema(first).insert(name.clone());
        self.in_schema(second).insert(name.clone());
        name
    }

    fn in_schema(&mut self, schema: &str) -> &mut BTreeSet<String> {
        let (current, new, renames) = (self.current, self.new, self.renames);
        self.by_schema.entry(schema.to_string()).or_insert_with(|| {
            let mut names = names_in_schema(&[current, new], schema);
            let targets = renames.tables.iter().chain(&renames.enums);
            names.extend(
                targets
                    .filter(|(_, to)| to.schema == schema)
                    .map(|(_, to)| to.name.clone()),
            );
            names
        })
    }
}

/// Orders renames of tables (or of enums, whose names follow the same
/// rules) meant to happen at once. A rename that also moves is written
/// `RENAME TO`, then `SET SCHEMA`, so it holds its new name in its old
/// schema for a moment: where that name is in use (`in_use`) or is the new
/// name of another rename, it goes to a temporary name in its new schema
/// first (free in both schemas, so both statements find it free), and to
/// its own name in its turn. A cycle goes through such a temporary name
/// too.
fn order_qualified_renames(
    pending: &[(QualifiedName, QualifiedName)],
    in_use: impl Fn(&QualifiedName) -> bool,
    taken: &mut TakenNames<'_>,
) -> Vec<(QualifiedName, QualifiedName)> {
    let targets: BTreeSet<&QualifiedName> = pending.iter().map(|(_, to)| to).collect();
    let mut through_temporary = |from: &QualifiedName, to: &QualifiedName| {
        let temporary = taken.fresh_in_both(&from.schema, &to.schema, &from.name);
        QualifiedName::new(to.schema.clone(), temporary)
    };
    let mut steps = Vec::new();
    let mut ordered = Vec::with_capacity(pending.len());
    for (from, to) in pending {
        let halfway = QualifiedName::new(from.schema.clone(), to.name.clone());
        let blocked_halfway = from.schema != to.schema
            && from.name != to.name
            && (in_use(&halfway) || targets.contains(&halfway));
        if blocked_halfway {
            let temporary = through_temporary(from, to);
            steps.push((from.clone(), temporary.clone()));
            ordered.push((temporary, to.clone()));
        } else {
            ordered.push((from.clone(), to.clone()));
        }
    }
    steps.extend(order_renames(
        ordered,
        |(from, _)| vec![from.clone()],
        |(_, to)| vec![to.clone()],
        |(from, to)| {
            let temporary = through_temporary(&from, &to);
            ((from, temporary.clone()), (temporary, to))
        },
    ));
    steps
}

/// Phase 2's start: enums renamed and moved, so that the later steps of
/// the phase find them under their new names.
fn rename_enums(planner: &mut Planner<'_>) {
    let renames = planner.renames;
    if renames.enums.is_empty() {
        return;
    }
    let steps = {
        let current = &planner.current;
        let mut taken = TakenNames::new(current, planner.new, renames);
        order_qualified_renames(
            &renames.enums,
            |name| {
                lookup::enum_type(current, name).is_some() || lookup::table(current, name).is_some()
            },
            &mut taken,
        )
    };
    for (from, to) in steps {
        planner.push(Change::RenameEnum { from, to });
    }
}

/// A name in one of the namespaces of constraints and indexes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ItemName {
    /// In a PostgreSQL schema, among tables and indexes.
    Relation(String, String),
    /// On a table, among its constraints.
    Constraint(QualifiedName, String),
}

/// A constraint or index renamed: `table` is its table's current name.
#[derive(Debug, Clone)]
struct ItemRename {
    table: QualifiedName,
    kind: ItemKind,
    from: String,
    to: String,
}

impl ItemRename {
    /// Whether its name is a relation's (an index, or the index behind a
    /// primary key or unique constraint), unique in its PostgreSQL schema.
    fn names_a_relation(&self) -> bool {
        matches!(
            self.kind,
            ItemKind::PrimaryKey | ItemKind::Unique | ItemKind::Index
        )
    }

    /// Whether its name is a constraint's, unique on its table.
    fn names_a_constraint(&self) -> bool {
        self.kind != ItemKind::Index
    }

    /// The names `name` takes, in the namespaces the item lives in: a
    /// relation name is unique in its PostgreSQL schema, a constraint name
    /// on its table.
    fn names(&self, name: &str) -> Vec<ItemName> {
        let mut names = Vec::with_capacity(2);
        if self.names_a_relation() {
            names.push(ItemName::Relation(
                self.table.schema.clone(),
                name.to_string(),
            ));
        }
        if self.names_a_constraint() {
            names.push(ItemName::Constraint(self.table.clone(), name.to_string()));
        }
        names
    }

    fn holds(&self) -> Vec<ItemName> {
        self.names(&self.from)
    }

    fn wants(&self) -> Vec<ItemName> {
        self.names(&self.to)
    }

    fn into_change(self) -> Change {
        let ItemRename {
            table,
            kind,
            from,
            to,
        } = self;
        if kind == ItemKind::Index {
            Change::RenameIndex { table, from, to }
        } else {
            Change::RenameConstraint { table, from, to }
        }
    }
}

/// The names of the relations of the PostgreSQL schema `pg_schema`:
/// tables, and the indexes of their indexes, primary keys and unique
/// constraints.
fn relation_names(schema: &Schema, pg_schema: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for table in schema.tables.iter().filter(|t| t.name.schema == pg_schema) {
        names.insert(table.name.name.clone());
        names.extend(relation_items(table).map(|(_, name)| name.clone()));
    }
    names
}

/// A table's constraints and indexes whose names are relation names.
fn relation_items(table: &Table) -> impl Iterator<Item = (ItemKind, &String)> {
    table
        .primary_key
        .iter()
        .map(|key| (ItemKind::PrimaryKey, &key.name))
        .chain(
            table
                .uniques
                .iter()
                .map(|unique| (ItemKind::Unique, &unique.name)),
        )
        .chain(
            table
                .indexes
                .iter()
                .map(|index| (ItemKind::Index, &index.name)),
        )
}

/// Phase 6: tables renamed and moved, then the constraints and indexes
/// whose definition stays under another name.
///
/// A table moved to another schema takes its indexes there: those whose
/// name is in use in that schema are renamed to a temporary name first,
/// and to their own name (or their new one) with the others. The indexes
/// (and keys) of tables dropped at the end are renamed to temporary names
/// where the new schema wants their names.
fn rename_tables_and_items(planner: &mut Planner<'_>, analysis: &Analysis) {
    let renames = planner.renames;
    let steps = {
        let current = &planner.current;
        let mut taken = TakenNames::new(current, planner.new, renames);
        order_qualified_renames(
            &renames.tables,
            |name| lookup::table(current, name).is_some(),
            &mut taken,
        )
    };
    // Where each table is going, by its current name.
    let mut destinations: BTreeMap<QualifiedName, QualifiedName> =
        renames.tables.iter().cloned().collect();
    // Items of moved tables renamed out of the way, by the table's new name
    // and the item's name: their temporary names.
    let mut moved_aside: BTreeMap<(QualifiedName, String), String> = BTreeMap::new();
    for (from, to) in steps {
        let destination = destinations.remove(&from).unwrap_or_else(|| to.clone());
        if from.schema != to.schema {
            let in_use = relation_names(&planner.current, &to.schema);
            let in_the_way: Vec<(ItemKind, String)> = planner
                .current_table(&from)
                .map(|table| {
                    relation_items(table)
                        .filter(|(_, name)| in_use.contains(*name))
                        .map(|(kind, name)| (kind, name.clone()))
                        .collect()
                })
                .unwrap_or_default();
            for (kind, name) in in_the_way {
                let temporary = TakenNames::new(&planner.current, planner.new, renames)
                    .fresh_in_both(&from.schema, &to.schema, &name);
                let aside = ItemRename {
                    table: from.clone(),
                    kind,
                    from: name.clone(),
                    to: temporary.clone(),
                };
                planner.push(aside.into_change());
                moved_aside.insert((destination.clone(), name), temporary);
            }
        }
        destinations.insert(to.clone(), destination);
        planner.push(Change::RenameTable { from, to });
    }

    let mut pending: Vec<ItemRename> = Vec::new();
    let mut taken = TakenNames::new(&planner.current, planner.new, renames);
    let mut wanted: BTreeSet<(&str, &str)> = BTreeSet::new();
    for table in &planner.new.tables {
        let schema = table.name.schema.as_str();
        wanted.extend(relation_items(table).map(|(_, name)| (schema, name.as_str())));
    }
    for table in &planner.current.tables {
        if lookup::table(planner.new, &table.name).is_some() {
            continue;
        }
        for (kind, name) in relation_items(table) {
            if wanted.contains(&(table.name.schema.as_str(), name.as_str())) {
                pending.push(ItemRename {
                    table: table.name.clone(),
                    kind,
                    from: name.clone(),
                    to: taken.fresh(&table.name.schema, name),
                });
            }
        }
    }
    let mut by_table: BTreeMap<&QualifiedName, Vec<ItemRename>> = BTreeMap::new();
    for item in &analysis.fates {
        let aside = moved_aside.remove(&(item.table.clone(), item.name.clone()));
        let (from, to) = match (&item.fate, aside) {
            (Fate::Rename(to), aside) => (aside.unwrap_or_else(|| item.name.clone()), to.clone()),
            (Fate::Keep, Some(aside)) => (aside, item.name.clone()),
            _ => continue,
        };
        by_table.entry(&item.table).or_default().push(ItemRename {
            table: item.table.clone(),
            kind: item.kind,
            from,
            to,
        });
    }
    pending.extend(by_table.into_values().flatten());
    let steps = order_renames(pending, ItemRename::holds, ItemRename::wants, |item| {
        let temporary = taken.fresh(&item.table.schema, &item.from);
        let to_temporary = ItemRename {
            to: temporary.clone(),
            ..item.clone()
        };
        let from_temporary = ItemRename {
            from: temporary,
            ..item
        };
        (to_temporary, from_temporary)
    });
    for step in steps {
        planner.push(step.into_change());
    }
}

/// Partitions that go are dropped, and those whose bound or parent
/// changes detached, before tables are created (see the `partitions`
/// module).
fn drop_and_detach_partitions(planner: &mut Planner<'_>) {
    let dropped = partitions::dropped_partitions(&planner.current, planner.new);
    planner.push_all(dropped);
    let detached = partitions::detached_partitions(&planner.current, planner.new);
    planner.push_all(detached);
}

fn attach_partitions(planner: &mut Planner<'_>) {
    let attached = partitions::attached_partitions(&planner.current, planner.new);
    planner.push_all(attached);
}

fn create_tables(planner: &mut Planner<'_>) {
    let missing: Vec<Table> = planner
        .new
        .tables
        .iter()
        .filter(|table| planner.current_table(&table.name).is_none())
        .map(table_for_create)
        .collect();
    for table in partitions::creation_order(missing, planner.new) {
        planner.push(Change::CreateTable { table });
    }
}

fn alter_tables(planner: &mut Planner<'_>, analysis: &Analysis) {
    let new = planner.new;
    let renames = planner.renames;
    let mut next_index = None;
    for new_table in &new.tables {
        let name = &new_table.name;
        // Both schemas are sorted: the table is usually just after the
        // previous one.
        let mut table_index = planner.current_table_index(name, next_index);
        let Some(index) = table_index else {
            continue;
        };
        next_index = Some(index + 1);
        if let Some(column_renames) = renames.columns.get(name) {
            for (from, to) in order_column_renames(planner, index, new_table, column_renames) {
                planner.push(Change::RenameColumn {
                    table: name.clone(),
                    from,
                    to,
                });
            }
        }
        let forced = analysis.recreated_columns.get(name);
        let mut recreated = BTreeSet::new();
        // Altering a column changes neither its name nor its place.
        let distinct = planner.current_columns_are_distinct(table_index);
        for (position, target) in new_table.columns.iter().enumerate() {
            table_index = planner.current_table_index(name, table_index);
            let Some(current) =
                planner.current_column(table_index, &target.name, position, distinct)
            else {
                continue;
            };
            let forced = forced.is_some_and(|columns| columns.contains(&target.name));
            if forced || column_must_be_recreated(current, target) {
                recreated.insert(target.name.as_str());
            } else {
                // Each step changes this column only: compute them all
                // against it, then apply them.
                let mut changes = Vec::new();
                alter_column(&mut changes, name, current, target);
                planner.push_all(changes);
            }
        }
        for (position, target) in new_table.columns.iter().enumerate() {
            table_index = planner.current_table_index(name, table_index);
            // A column dropped and added again keeps its name and moves
            // (then its position is wrong and it is searched for); a column
            // added has a name the table lacked: the names stay distinct.
            let current = planner
                .current_column(table_index, &target.name, position, distinct)
                .map(|column| column.generated.is_some());
            match current {
                Some(generated) if recreated.contains(target.name.as_str()) => {
                    planner.push(Change::DropColumn {
                        table: name.clone(),
                        column: target.name.clone(),
                        generated,
                    });
                    planner.push(Change::AddColumn {
                        table: name.clone(),
                        column: strip_column(target),
                    });
                }
                Some(_) => {}
                None => planner.push(Change::AddColumn {
                    table: name.clone(),
                    column: strip_column(target),
                }),
            }
        }
    }
}

/// The column renames of the current table at `table_index` (the table
/// `new_table` of the target schema), in an order that finds each new name
/// free, cycles going through a temporary name free in both versions of the
/// table.
fn order_column_renames(
    planner: &Planner<'_>,
    table_index: usize,
    new_table: &Table,
    column_renames: &[(String, String)],
) -> Vec<(String, String)> {
    let mut taken: BTreeSet<String> = new_table
        .columns
        .iter()
        .map(|column| column.name.clone())
        .chain(column_renames.iter().map(|(_, to)| to.clone()))
        .collect();
    if let Some(current) = planner.current.tables.get(table_index) {
        taken.extend(current.columns.iter().map(|column| column.name.clone()));
    }
    order_renames(
        column_renames.to_vec(),
        |(from, _)| vec![from.clone()],
        |(_, to)| vec![to.clone()],
        |(from, to)| {
            let temporary = temporary_name(&from, ON_THE_WAY, &mut taken);
            ((from, temporary.clone()), (temporary, to))
        },
    )
}

/// The steps that turn column `current` into `target` in place, in the
/// order PostgreSQL needs: expressions, identity and serial defaults go
/// before the type changes; NOT NULL comes before a new identity.
fn alter_column(
    changes: &mut Vec<Change>,
    table: &QualifiedName,
    current: &Column,
    target: &Column,
) {
    let column = current.name.clone();
    let mut default = current.default.clone();
    if current.generated.is_some() && target.generated.is_none() {
        changes.push(Change::DropGeneratedExpression {
            table: table.clone(),
            column: column.clone(),
        });
    }
    if current.identity.is_some() && target.identity.is_none() {
        changes.push(Change::DropIdentity {
            table: table.clone(),
            column: column.clone(),
        });
    }
    if current.serial && !target.serial {
        changes.push(Change::DropSerial {
            table: table.clone(),
            column: column.clone(),
        });
        default = None;
    }
    let type_changes = current.ty != target.ty;
    if default.is_some() && (type_changes || target.default.is_none()) {
        changes.push(Change::DropDefault {
            table: table.clone(),
            column: column.clone(),
        });
        default = None;
    }
    if type_changes {
        changes.push(Change::AlterColumnType {
            table: table.clone(),
            column: column.clone(),
            from: current.ty.clone(),
            to: target.ty.clone(),
        });
    }
    // A type change sets the collation to the new type's own.
    if current.collation != target.collation || (type_changes && target.collation.is_some()) {
        changes.push(Change::AlterColumnCollation {
            table: table.clone(),
            column: column.clone(),
            ty: target.ty.clone(),
            collation: target.collation.clone(),
        });
    }
    if let Some(target_default) = &target.default
        && default.as_ref() != Some(target_default)
    {
        changes.push(Change::SetDefault {
            table: table.clone(),
            column: column.clone(),
            default: target_default.clone(),
        });
    }
    if current.nullable && !target.nullable {
        changes.push(Change::SetNotNull {
            table: table.clone(),
            column: column.clone(),
        });
    } else if !current.nullable && target.nullable {
        changes.push(Change::DropNotNull {
            table: table.clone(),
            column: column.clone(),
        });
    }
    match (current.identity, target.identity) {
        (None, Some(identity)) => {
            changes.push(Change::AddIdentity {
                table: table.clone(),
                column: column.clone(),
                identity,
            });
        }
        (Some(old), Some(new)) if old != new => {
            changes.push(Change::SetIdentityKind {
                table: table.clone(),
                column: column.clone(),
                identity: new,
            });
        }
        _ => {}
    }
    if !current.serial && target.serial {
        changes.push(Change::AddSerial {
            table: table.clone(),
            column,
            ty: target.ty.clone(),
        });
    }
}

/// The items of `current` that no item of `new` matches (to drop) and the
/// items of `new` that no item of `current` matches (to add), each in its
/// list's order; `same` says whether two items are the same object.
fn unmatched<'a, T>(
    current: &'a [T],
    new: &'a [T],
    same: impl Fn(&T, &T) -> bool,
) -> (Vec<&'a T>, Vec<&'a T>) {
    let dropped = current
        .iter()
        .filter(|item| !new.iter().any(|other| same(other, item)))
        .collect();
    let added = new
        .iter()
        .filter(|item| !current.iter().any(|other| same(other, item)))
        .collect();
    (dropped, added)
}

/// Pushes, for each table of the new schema that the current one holds,
/// the changes `reconcile(name, current, new)` returns.
fn reconcile_tables(
    planner: &mut Planner<'_>,
    reconcile: impl Fn(&QualifiedName, &Table, &Table) -> Vec<Change>,
) {
    let new = planner.new;
    let mut current_tables = TableCursor::default();
    for new_table in &new.tables {
        let name = &new_table.name;
        let Some(current) = current_tables.table(&planner.current.tables, name) else {
            continue;
        };
        let changes = reconcile(name, current, new_table);
        planner.push_all(changes);
    }
}

/// Adds what `target` has and `current` lacks (and, as a safety net, drops
/// what the earlier phases left behind).
fn add_keys_and_checks(planner: &mut Planner<'_>) {
    reconcile_tables(planner, |name, current, new_table| {
        let (dropped_keys, added_keys) = unmatched(
            current.primary_key.as_slice(),
            new_table.primary_key.as_slice(),
            |a, b| a.name == b.name && same_columns_definition(&a.columns, &b.columns),
        );
        let (dropped_uniques, added_uniques) =
            unmatched(&current.uniques, &new_table.uniques, |a, b| a == b);
        let (dropped_checks, added_checks) =
            unmatched_one_way(&current.checks, &new_table.checks, |old, new| {
                old.name == new.name && check_can_become(old, new)
            });
        let mut changes = Vec::new();
        changes.extend(
            dropped_keys
                .into_iter()
                .map(|primary_key| Change::DropPrimaryKey {
                    table: name.clone(),
                    name: primary_key.name.clone(),
                }),
        );
        changes.extend(
            added_keys
                .into_iter()
                .map(|primary_key| Change::AddPrimaryKey {
                    table: name.clone(),
                    primary_key: primary_key.clone(),
                }),
        );
        changes.extend(
            dropped_uniques
                .into_iter()
                .map(|unique| Change::DropUnique {
                    table: name.clone(),
                    name: unique.name.clone(),
                }),
        );
        changes.extend(dropped_checks.into_iter().map(|check| Change::DropCheck {
            table: name.clone(),
            name: check.name.clone(),
        }));
        changes.extend(added_uniques.into_iter().map(|unique| Change::AddUnique {
            table: name.clone(),
            unique: unique.clone(),
        }));
        changes.extend(added_checks.into_iter().map(|check| Change::AddCheck {
            table: name.clone(),
            check: check.clone(),
        }));
        for check in &new_table.checks {
            if let Some(old) = current
                .checks
                .iter()
                .find(|old| old.name == check.name && check_can_become(old, check))
            {
                changes.extend(validation(
                    name,
                    &check.name,
                    old.not_valid,
                    check.not_valid,
                ));
            }
        }
        changes
    });
}

/// [`unmatched`] for a relation `kept(old, new)` that need not be
/// symmetric: old items no new one keeps, new items no old one becomes.
fn unmatched_one_way<'a, T>(
    current: &'a [T],
    new: &'a [T],
    kept: impl Fn(&T, &T) -> bool,
) -> (Vec<&'a T>, Vec<&'a T>) {
    let dropped = current
        .iter()
        .filter(|old| !new.iter().any(|item| kept(old, item)))
        .collect();
    let added = new
        .iter()
        .filter(|item| !current.iter().any(|old| kept(old, item)))
        .collect();
    (dropped, added)
}

/// Storage parameters of tables the migration keeps: `SET` what is new or
/// changed, `RESET` what is gone.
fn set_table_storage(planner: &mut Planner<'_>) {
    reconcile_tables(planner, |name, current, new_table| {
        storage_change(&current.storage_parameters, &new_table.storage_parameters)
            .map(|(set, reset)| Change::SetTableStorage {
                table: name.clone(),
                set,
                reset,
            })
            .into_iter()
            .collect()
    });
}

/// The parameters to set and the ones to reset to turn `current` into
/// `new`, or `None` when they are the same.
fn storage_change(current: &[String], new: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    if current == new {
        return None;
    }
    let set: Vec<String> = new
        .iter()
        .filter(|parameter| !current.contains(parameter))
        .cloned()
        .collect();
    let reset: Vec<String> = current
        .iter()
        .filter(|parameter| {
            let name = crate::model::storage_parameter_name(parameter);
            !new.iter()
                .any(|other| crate::model::storage_parameter_name(other) == name)
        })
        .cloned()
        .collect();
    Some((set, reset))
}

/// Exclusion constraints: those that change are dropped and added again
/// (PostgreSQL cannot alter one), after the columns they are over have
/// their new names and types.
fn reconcile_exclusions(planner: &mut Planner<'_>) {
    reconcile_tables(planner, |name, current, new_table| {
        let (dropped, added) = unmatched(&current.exclusions, &new_table.exclusions, |a, b| a == b);
        let drops = dropped.into_iter().map(|exclusion| Change::DropExclusion {
            table: name.clone(),
            name: exclusion.name.clone(),
        });
        let adds = added.into_iter().map(|exclusion| Change::AddExclusion {
            table: name.clone(),
            exclusion: exclusion.clone(),
        });
        drops.chain(adds).collect()
    });
}

fn create_indexes(planner: &mut Planner<'_>) {
    reconcile_tables(planner, |name, current, new_table| {
        let (dropped, added) = unmatched(&current.indexes, &new_table.indexes, |a, b| {
            a.name == b.name && same_index_definition(a, b)
        });
        let drops = dropped.into_iter().map(|index| Change::DropIndex {
            table: name.clone(),
            name: index.name.clone(),
        });
        let creates = added.into_iter().map(|index| Change::CreateIndex {
            table: name.clone(),
            index: index.clone(),
        });
        let storage = new_table.indexes.iter().filter_map(|index| {
            let kept = current
                .indexes
                .iter()
                .find(|old| old.name == index.name && same_index_definition(old, index))?;
            let (set, reset) = storage_change(&kept.storage_parameters, &index.storage_parameters)?;
            Some(Change::SetIndexStorage {
                table: name.clone(),
                name: index.name.clone(),
                set,
                reset,
            })
        });
        drops.chain(creates).chain(storage).collect()
    });
}

fn add_foreign_keys(planner: &mut Planner<'_>) {
    reconcile_tables(planner, |name, current, new_table| {
        let (dropped, added) = unmatched_one_way(
            &current.foreign_keys,
            &new_table.foreign_keys,
            |old, new| old.name == new.name && foreign_key_can_become(old, new),
        );
        let mut altered = Vec::new();
        for foreign_key in &new_table.foreign_keys {
            let Some(old) = current.foreign_keys.iter().find(|old| {
                old.name == foreign_key.name && foreign_key_can_become(old, foreign_key)
            }) else {
                continue;
            };
            if old.deferrable != foreign_key.deferrable {
                altered.push(Change::AlterForeignKeyDeferral {
                    table: name.clone(),
                    name: foreign_key.name.clone(),
                    deferrable: foreign_key.deferrable,
                });
            }
            altered.extend(validation(
                name,
                &foreign_key.name,
                old.not_valid,
                foreign_key.not_valid,
            ));
        }
        let drops = dropped
            .into_iter()
            .map(|foreign_key| Change::DropForeignKey {
                table: name.clone(),
                name: foreign_key.name.clone(),
            });
        let adds = added.into_iter().map(|foreign_key| Change::AddForeignKey {
            table: name.clone(),
            foreign_key: strip_foreign_key(foreign_key),
        });
        drops.chain(adds).chain(altered).collect()
    });
}

fn set_comments(planner: &mut Planner<'_>) {
    let new = planner.new;
    for new_enum in &new.enums {
        let changed = lookup::enum_type(&planner.current, &new_enum.name)
            .is_some_and(|current| current.comment != new_enum.comment);
        if changed {
            planner.push(Change::SetEnumComment {
                name: new_enum.name.clone(),
                comment: new_enum.comment.clone(),
            });
        }
    }
    let mut current_tables = TableCursor::default();
    for new_table in &new.tables {
        let name = &new_table.name;
        let Some(current) = current_tables.table(&planner.current.tables, name) else {
            continue;
        };
        let mut changes = Vec::new();
        if current.comment != new_table.comment {
            changes.push(Change::SetTableComment {
                table: name.clone(),
                comment: new_table.comment.clone(),
            });
        }
        let distinct = lookup::has_distinct_column_names(current);
        for (position, column) in new_table.columns.iter().enumerate() {
            if let Some(current_column) =
                lookup::column_at(current, &column.name, position, distinct)
                && current_column.comment != column.comment
            {
                changes.push(Change::SetColumnComment {
                    table: name.clone(),
                    column: column.name.clone(),
                    comment: column.comment.clone(),
                });
            }
        }
        planner.push_all(changes);
    }
}

fn drop_columns(planner: &mut Planner<'_>) {
    let new = planner.new;
    let mut current_tables = TableCursor::default();
    for new_table in &new.tables {
        let Some(current) = current_tables.table(&planner.current.tables, &new_table.name) else {
            continue;
        };
        // Generated columns first: they may depend on the others.
        let distinct = lookup::has_distinct_column_names(new_table);
        let mut dropped: Vec<&Column> = current
            .columns
            .iter()
            .enumerate()
            .filter(|(position, column)| {
                lookup::column_at(new_table, &column.name, *position, distinct).is_none()
            })
            .map(|(_, column)| column)
            .collect();
        dropped.sort_by_key(|column| column.generated.is_none());
        let changes: Vec<Change> = dropped
            .into_iter()
            .map(|column| Change::DropColumn {
                table: new_table.name.clone(),
                column: column.name.clone(),
                generated: column.generated.is_some(),
            })
            .collect();
        planner.push_all(changes);
    }
}

fn drop_tables(planner: &mut Planner<'_>, analysis: &Analysis) {
    let mut order = analysis.table_drop_order.clone();
    // Anything an earlier phase could not foresee still goes, last.
    for table in &planner.current.tables {
        if lookup::table(planner.new, &table.name).is_none() && !order.contains(&table.name) {
            order.push(table.name.clone());
        }
    }
    for name in order {
        if planner.current_table(&name).is_some() && lookup::table(planner.new, &name).is_none() {
            let partitions = partitions::dropped_with(&planner.current, planner.new, &name);
            planner.push_all(partitions);
            planner.push(Change::DropTable { name });
        }
    }
}

fn drop_enums_and_schemas(planner: &mut Planner<'_>) {
    let dropped_enums: Vec<Enum> = planner
        .current
        .enums
        .iter()
        .filter(|old_enum| lookup::enum_type(planner.new, &old_enum.name).is_none())
        .cloned()
        .collect();
    for old_enum in dropped_enums {
        planner.push(Change::DropEnum {
            name: old_enum.name,
            values: old_enum.values,
        });
    }
    let dropped_schemas: Vec<String> = planner
        .current
        .schemas
        .iter()
        .filter(|name| !planner.new.schemas.contains(name))
        .cloned()
        .collect();
    for name in dropped_schemas {
        planner.push(Change::DropSchema { name });
    }
}

#[cfg(test)]
mod tests {
    use super::order_renames;
    use std::collections::BTreeMap;

    /// Orders the renames `(from, to)` of numbered names, temporary names
    /// numbered from `fresh` on, and checks each step finds its new name
    /// free and every name ends where it was meant to.
    fn check_order(renames: &[(u32, u32)], names: &[u32], fresh: u32) {
        let mut next = fresh;
        let steps = order_renames(
            renames.to_vec(),
            |(from, _)| vec![*from],
            |(_, to)| vec![*to],
            |(from, to)| {
                next += 1;
                ((from, next), (next, to))
            },
        );
        // The original name of the object each name holds now.
        let mut held: BTreeMap<u32, u32> = names.iter().map(|name| (*name, *name)).collect();
        for (from, to) in steps {
            let original = held.remove(&from);
            assert!(original.is_some(), "{from} is not there");
            assert!(!held.contains_key(&to), "{to} is taken");
            held.extend(original.map(|original| (to, original)));
        }
        let wanted: BTreeMap<u32, u32> = renames.iter().copied().collect();
        for (place, original) in held {
            assert_eq!(wanted.get(&original).copied().unwrap_or(original), place);
        }
    }

    #[test]
    fn chains_and_cycles_of_any_length_are_ordered_in_near_linear_time() {
        const COUNT: u32 = 20_000;
        let names: Vec<u32> = (0..COUNT).collect();
        // One cycle through every name.
        let cycle: Vec<(u32, u32)> = (0..COUNT).map(|n| (n, (n + 1) % COUNT)).collect();
        check_order(&cycle, &names, COUNT);
        // One chain: n → n + 1, the last onto a free name.
        let chain: Vec<(u32, u32)> = (0..COUNT).map(|n| (n, n + 1)).collect();
        check_order(
            &chain,
            &(0..=COUNT).collect::<Vec<_>>()[..COUNT as usize],
            COUNT + 1,
        );
        // Permutations made of many small cycles and fixed points.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..50 {
            let mut permutation: Vec<u32> = (0..200).collect();
            for index in (1..permutation.len()).rev() {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let other = (state >> 33) as usize % (index + 1);
                permutation.swap(index, other);
            }
            let renames: Vec<(u32, u32)> = permutation
                .iter()
                .enumerate()
                .filter(|(from, to)| *from as u32 != **to)
                .map(|(from, to)| (from as u32, *to))
                .collect();
            check_order(&renames, &(0..200).collect::<Vec<_>>(), 1_000);
        }
    }
}
