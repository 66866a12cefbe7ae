//! Where each key, constraint and index of a table is written, and whether it needs its name.
//!
//! The parser names what is written without a name the way PostgreSQL
//! does, in a fixed order: every explicit name is taken first, then the
//! primary key, the unique constraints, the foreign keys and the indexes
//! each get the default name (`<table>_<columns>_key`…) with a number added
//! while it is taken, field attributes (in field order) before struct
//! attributes (in attribute order). [`place_constraints`] starts from
//! writing every name as a default and replays that naming; each item
//! whose replayed name is not its real one is given its name explicitly,
//! and the replay runs again until every name comes out right. Named items,
//! items over several columns and items with options (deferrable, `NOT
//! VALID`, index key options, `INCLUDE`, storage parameters), which only
//! the struct's attributes can say, go on the struct; the others go on
//! their field.

use crate::model::{ForeignKey, Index, IndexKey, Table, Unique};
use crate::naming;
use std::collections::BTreeSet;

/// Where the keys, constraints and indexes of one table are written.
#[derive(Debug, Default)]
pub(crate) struct Placement<'a> {
    /// The column with `primary_key`.
    pub field_primary_key: Option<&'a str>,
    /// `primary_key(columns(...))`, named when the flag is set.
    pub struct_primary_key: Option<(&'a [String], Option<&'a str>)>,
    /// Columns with `unique`.
    pub field_uniques: BTreeSet<&'a str>,
    pub struct_uniques: Vec<(&'a Unique, Option<&'a str>)>,
    /// Columns with `index`.
    pub field_indexes: BTreeSet<&'a str>,
    pub struct_indexes: Vec<(&'a Index, Option<&'a str>)>,
    /// Columns with `references`, and their key.
    pub field_foreign_keys: Vec<(&'a str, &'a ForeignKey)>,
    pub struct_foreign_keys: Vec<(&'a ForeignKey, Option<&'a str>)>,
}

/// Which items are written with their name.
#[derive(Debug, Clone)]
struct Explicit {
    primary_key: bool,
    uniques: Vec<bool>,
    foreign_keys: Vec<bool>,
    indexes: Vec<bool>,
}

/// Where the table's keys go (see the module documentation). Only the
/// `foreign_keys` and `indexes` given are written (the caller leaves out
/// those the DSL cannot express).
pub(crate) fn place_constraints<'a>(
    table: &'a Table,
    foreign_keys: &[&'a ForeignKey],
    indexes: &[&'a Index],
) -> Placement<'a> {
    let mut explicit = Explicit {
        primary_key: false,
        uniques: vec![false; table.uniques.len()],
        foreign_keys: vec![false; foreign_keys.len()],
        indexes: vec![false; indexes.len()],
    };
    // Each round names at least one more item, so this ends.
    loop {
        let layout = lay_out(table, foreign_keys, indexes, &explicit);
        let wrong = replay_names(table, foreign_keys, indexes, &explicit, &layout);
        if wrong.is_empty() {
            return placement(table, foreign_keys, indexes, &explicit, &layout);
        }
        for item in wrong {
            let slot = match item {
                Item::PrimaryKey => Some(&mut explicit.primary_key),
                Item::Unique(index) => explicit.uniques.get_mut(index),
                Item::ForeignKey(index) => explicit.foreign_keys.get_mut(index),
                Item::Index(index) => explicit.indexes.get_mut(index),
            };
            if let Some(slot) = slot {
                *slot = true;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    PrimaryKey,
    Unique(usize),
    ForeignKey(usize),
    Index(usize),
}

/// Which items are field attributes, each list in the order the parser
/// names them (field attributes in field order, then struct attributes).
#[derive(Debug, Default)]
struct Layout {
    primary_key_on_field: bool,
    uniques: Vec<(usize, bool)>,
    foreign_keys: Vec<(usize, bool)>,
    indexes: Vec<(usize, bool)>,
}

fn column_position(table: &Table, column: &str) -> usize {
    table
        .columns
        .iter()
        .position(|candidate| candidate.name == column)
        .unwrap_or(usize::MAX)
}

/// The single column of a list, if it has one.
fn single(columns: &[String]) -> Option<&str> {
    match columns {
        [only] => Some(only.as_str()),
        _ => None,
    }
}

fn is_plain_btree(index: &Index) -> bool {
    let method = index.method.trim().to_lowercase();
    !index.unique
        && (method.is_empty() || method == "btree")
        && index.predicate.is_none()
        && index.key_options.iter().all(|options| options.is_default())
        && index.include.is_empty()
        && index.storage_parameters.is_empty()
}

fn lay_out(
    table: &Table,
    foreign_keys: &[&ForeignKey],
    indexes: &[&Index],
    explicit: &Explicit,
) -> Layout {
    let mut layout = Layout {
        primary_key_on_field: table.primary_key.as_ref().is_some_and(|key| {
            !explicit.primary_key
                && single(&key.columns).is_some()
                && key.deferrable.is_not_deferrable()
        }),
        ..Layout::default()
    };
    // (field position or MAX for the struct, item) in the order they are named.
    fn order(mut items: Vec<(usize, usize, bool)>) -> Vec<(usize, bool)> {
        items.sort_by_key(|(position, index, _)| (*position, *index));
        items
            .into_iter()
            .map(|(_, index, on_field)| (index, on_field))
            .collect()
    }
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let uniques = table
        .uniques
        .iter()
        .enumerate()
        .map(|(index, unique)| {
            let named = explicit.uniques.get(index).copied().unwrap_or(true)
                || !unique.deferrable.is_not_deferrable();
            match single(&unique.columns) {
                Some(column) if !named && used.insert(column) => {
                    (column_position(table, column), index, true)
                }
                _ => (usize::MAX, index, false),
            }
        })
        .collect();
    layout.uniques = order(uniques);
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let keys = foreign_keys
        .iter()
        .enumerate()
        .map(|(index, key)| {
            let named = explicit.foreign_keys.get(index).copied().unwrap_or(true)
                || !key.deferrable.is_not_deferrable()
                || key.not_valid;
            match single(&key.columns) {
                Some(column) if !named && used.insert(column) => {
                    (column_position(table, column), index, true)
                }
                _ => (usize::MAX, index, false),
            }
        })
        .collect();
    layout.foreign_keys = order(keys);
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let index_items = indexes
        .iter()
        .enumerate()
        .map(|(position, index)| {
            let named = explicit.indexes.get(position).copied().unwrap_or(true);
            let column = match &index.key {
                IndexKey::Columns(columns) if is_plain_btree(index) => single(columns),
                _ => None,
            };
            match column {
                Some(column) if !named && used.insert(column) => {
                    (column_position(table, column), position, true)
                }
                _ => (usize::MAX, position, false),
            }
        })
        .collect();
    layout.indexes = order(index_items);
    layout
}

/// The items whose default name, as the parser would choose it, is not
/// their name.
fn replay_names(
    table: &Table,
    foreign_keys: &[&ForeignKey],
    indexes: &[&Index],
    explicit: &Explicit,
    layout: &Layout,
) -> Vec<Item> {
    let table_name = table.name.name.as_str();
    let is_explicit = |flags: &[bool], index: usize| flags.get(index).copied().unwrap_or(true);
    let mut taken: BTreeSet<String> = BTreeSet::new();
    if let Some(key) = &table.primary_key
        && explicit.primary_key
    {
        taken.insert(key.name.clone());
    }
    for (index, unique) in table.uniques.iter().enumerate() {
        if is_explicit(&explicit.uniques, index) {
            taken.insert(unique.name.clone());
        }
    }
    for (position, index) in indexes.iter().enumerate() {
        if is_explicit(&explicit.indexes, position) {
            taken.insert(index.name.clone());
        }
    }
    for check in &table.checks {
        taken.insert(check.name.clone());
    }
    for exclusion in &table.exclusions {
        taken.insert(exclusion.name.clone());
    }
    for (index, key) in foreign_keys.iter().enumerate() {
        if is_explicit(&explicit.foreign_keys, index) {
            taken.insert(key.name.clone());
        }
    }
    let mut wrong = Vec::new();
    let mut choose = |middle: Option<String>, label: &str, actual: &str, item: Item| {
        let name = naming::choose_unused_name(table_name, middle.as_deref(), label, |candidate| {
            taken.contains(candidate)
        });
        if name != actual {
            wrong.push(item);
        }
        taken.insert(name);
    };
    if let Some(key) = &table.primary_key
        && !explicit.primary_key
    {
        choose(None, "pkey", &key.name, Item::PrimaryKey);
    }
    for &(index, _) in &layout.uniques {
        if let Some(unique) = table.uniques.get(index)
            && !is_explicit(&explicit.uniques, index)
        {
            let middle = naming::columns_name_part(&unique.columns);
            choose(Some(middle), "key", &unique.name, Item::Unique(index));
        }
    }
    for &(index, _) in &layout.foreign_keys {
        if let Some(key) = foreign_keys.get(index)
            && !is_explicit(&explicit.foreign_keys, index)
        {
            let middle = naming::columns_name_part(&key.columns);
            choose(Some(middle), "fkey", &key.name, Item::ForeignKey(index));
        }
    }
    for &(position, _) in &layout.indexes {
        if let Some(index) = indexes.get(position)
            && !is_explicit(&explicit.indexes, position)
        {
            let middle = match &index.key {
                IndexKey::Columns(columns) => naming::columns_name_part(columns),
                IndexKey::Expression(expression) => naming::expression_name_part(expression),
            };
            choose(Some(middle), "idx", &index.name, Item::Index(position));
        }
    }
    wrong
}

fn placement<'a>(
    table: &'a Table,
    foreign_keys: &[&'a ForeignKey],
    indexes: &[&'a Index],
    explicit: &Explicit,
    layout: &Layout,
) -> Placement<'a> {
    let mut placement = Placement::default();
    if let Some(key) = &table.primary_key {
        if layout.primary_key_on_field {
            placement.field_primary_key = single(&key.columns);
        } else {
            let name = explicit.primary_key.then_some(key.name.as_str());
            placement.struct_primary_key = Some((&key.columns, name));
        }
    }
    // Struct attributes are written in the model's order, which is the
    // order `layout` replayed them in.
    for &(index, on_field) in &layout.uniques {
        let Some(unique) = table.uniques.get(index) else {
            continue;
        };
        match (on_field, single(&unique.columns)) {
            (true, Some(column)) => {
                placement.field_uniques.insert(column);
            }
            _ => {
                let named = explicit.uniques.get(index).copied().unwrap_or(true);
                placement
                    .struct_uniques
                    .push((unique, named.then_some(unique.name.as_str())));
            }
        }
    }
    for &(index, on_field) in &layout.foreign_keys {
        let Some(key) = foreign_keys.get(index) else {
            continue;
        };
        match (on_field, single(&key.columns)) {
            (true, Some(column)) => placement.field_foreign_keys.push((column, key)),
            _ => {
                let named = explicit.foreign_keys.get(index).copied().unwrap_or(true);
                placement
                    .struct_foreign_keys
                    .push((key, named.then_some(key.name.as_str())));
            }
        }
    }
    for &(position, on_field) in &layout.indexes {
        let Some(index) = indexes.get(position) else {
            continue;
        };
        let column = match &index.key {
            IndexKey::Columns(columns) => single(columns),
            IndexKey::Expression(_) => None,
        };
        match (on_field, column) {
            (true, Some(column)) => {
                placement.field_indexes.insert(column);
            }
            _ => {
                let named = explicit.indexes.get(position).copied().unwrap_or(true);
                placement
                    .struct_indexes
                    .push((index, named.then_some(index.name.as_str())));
            }
        }
    }
    placement
}
