//! Partitioned tables and their partitions in a migration.
//!
//! A partition is a table whose columns, keys, checks, indexes and foreign
//! keys are its parent's: PostgreSQL creates them on the partition when it
//! is created or attached and changes them with the parent's, so the
//! differ steps only on the parent and, for the partitions themselves, only
//! creates, drops, detaches and attaches:
//!
//! - a new partition is `CREATE TABLE … PARTITION OF parent bounds`, after
//!   its parent (tables are created parents first);
//! - a partition that goes is detached, then dropped, before any table is
//!   created, so that a new partition may take over its values. `DROP
//!   TABLE` alone is refused while a foreign key references the
//!   partitioned table (PostgreSQL ties the key to each partition);
//!   `DETACH` checks instead that no row references the partition's rows.
//!   The partitions of a partitioned table that goes too are dropped just
//!   before it, after the tables that reference it;
//! - a partition whose bound or parent changes is detached, before any
//!   table is created, and attached again with its new bound once every
//!   table exists. PostgreSQL has no way to change a bound in place; this
//!   keeps the rows, and `ATTACH` checks them against the new bound (and
//!   the default partition against it), so a migration whose rows do not
//!   fit fails and rolls back instead of losing or misplacing any.
//!
//! What cannot be done in place is refused before the differ runs
//! ([`partitioning_refusals`]): changing a table's `PARTITION BY` (or
//! adding or removing one), and turning a table into a partition or a
//! partition into a table. The rows would have to move into a new table,
//! which is a hand-written migration (`generate --custom`).
//!
//! A dropped partition and a new one are never taken for a rename of each
//! other: partitions are named for the values they hold, so another name
//! is another partition.

use super::change::Change;
use super::plan::canonical;
use super::renames::{DiffOptions, matched_renames};
use crate::compare::canonical_partition_by;
use crate::model::{QualifiedName, Schema, Table};
use std::fmt;

/// Whether `name` is a partition in `schema`.
pub(crate) fn is_partition(schema: &Schema, name: &QualifiedName) -> bool {
    super::lookup::table(schema, name).is_some_and(|table| table.partition_of.is_some())
}

/// How many partitions up `table` is from a table that is none (0 for a
/// table that is not a partition), in `schema`; bounded by the number of
/// tables, so a cycle in a schema read from elsewhere ends.
fn depth(schema: &Schema, table: &Table) -> usize {
    let mut depth = 0;
    let mut current = table;
    while let Some(partition_of) = &current.partition_of {
        let Some(parent) = super::lookup::table(schema, &partition_of.parent) else {
            return depth + 1;
        };
        depth += 1;
        if depth > schema.tables.len() {
            break;
        }
        current = parent;
    }
    depth
}

/// `tables` (to be created) with every parent before its partitions.
pub(super) fn creation_order(mut tables: Vec<Table>, new: &Schema) -> Vec<Table> {
    tables.sort_by_cached_key(|table| depth(new, table));
    tables
}

/// The partitions of `current` that `new` does not have, of parents that
/// stay, deepest first: each detached, then dropped. (Those of a parent
/// that goes too are dropped just before it, by [`dropped_with`], once the
/// tables referencing it are gone.)
pub(super) fn dropped_partitions(current: &Schema, new: &Schema) -> Vec<Change> {
    let mut dropped: Vec<&Table> = current
        .tables
        .iter()
        .filter(|table| {
            table.partition_of.as_ref().is_some_and(|partition_of| {
                super::lookup::table(new, &partition_of.parent).is_some()
            }) && super::lookup::table(new, &table.name).is_none()
        })
        .collect();
    dropped.sort_by_cached_key(|table| std::cmp::Reverse(depth(current, table)));
    let mut changes = Vec::new();
    for table in dropped {
        if let Some(partition_of) = &table.partition_of {
            changes.push(Change::DetachPartition {
                parent: partition_of.parent.clone(),
                partition: table.name.clone(),
            });
        }
        changes.push(Change::DropTable {
            name: table.name.clone(),
        });
    }
    changes
}

/// The partitions of `parent` (and theirs) in `current` that `new` does
/// not have, deepest first, dropped before `parent` is.
pub(super) fn dropped_with(current: &Schema, new: &Schema, parent: &QualifiedName) -> Vec<Change> {
    let mut dropped: Vec<(usize, QualifiedName)> = Vec::new();
    let mut parents = vec![(0, parent.clone())];
    while let Some((level, parent)) = parents.pop() {
        for table in &current.tables {
            if table
                .partition_of
                .as_ref()
                .is_some_and(|partition_of| partition_of.parent == parent)
                && super::lookup::table(new, &table.name).is_none()
                && !dropped.iter().any(|(_, name)| name == &table.name)
                && dropped.len() <= current.tables.len()
            {
                dropped.push((level + 1, table.name.clone()));
                parents.push((level + 1, table.name.clone()));
            }
        }
    }
    dropped.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
    dropped
        .into_iter()
        .map(|(_, name)| Change::DropTable { name })
        .collect()
}

/// The partitions of both `current` and `new` whose parent or bound
/// changes: detached from their current parent.
pub(super) fn detached_partitions(current: &Schema, new: &Schema) -> Vec<Change> {
    moved_partitions(current, new)
        .map(|(table, _)| Change::DetachPartition {
            parent: table
                .partition_of
                .as_ref()
                .map(|partition_of| partition_of.parent.clone())
                .unwrap_or_else(|| table.name.clone()),
            partition: table.name.clone(),
        })
        .collect()
}

/// The partitions of `new` that `current` has as tables of their own (just
/// detached): attached with their new bound.
pub(super) fn attached_partitions(current: &Schema, new: &Schema) -> Vec<Change> {
    let mut attached: Vec<&Table> = new
        .tables
        .iter()
        .filter(|table| {
            table.partition_of.is_some()
                && super::lookup::table(current, &table.name).is_some_and(|current| {
                    current.partition_of.is_none() && current.columns.is_empty()
                })
        })
        .collect();
    attached.sort_by_cached_key(|table| depth(new, table));
    attached
        .into_iter()
        .filter_map(|table| {
            let partition_of = table.partition_of.as_ref()?;
            Some(Change::AttachPartition {
                parent: partition_of.parent.clone(),
                partition: table.name.clone(),
                bounds: partition_of.bounds.clone(),
            })
        })
        .collect()
}

fn moved_partitions<'a>(
    current: &'a Schema,
    new: &'a Schema,
) -> impl Iterator<Item = (&'a Table, &'a Table)> {
    current.tables.iter().filter_map(|table| {
        let new_table = super::lookup::table(new, &table.name)?;
        match (&table.partition_of, &new_table.partition_of) {
            (Some(old), Some(new)) if old != new => Some((table, new_table)),
            _ => None,
        }
    })
}

/// A change of partitioning that no migration step makes in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitioningRefusal {
    /// `PARTITION BY` added, removed or changed on a table that stays.
    PartitionBy {
        table: QualifiedName,
        old: Option<String>,
        new: Option<String>,
    },
    /// A table becomes a partition (`parent` set) or a partition a table of
    /// its own (`parent` none).
    PartitionOf {
        table: QualifiedName,
        parent: Option<QualifiedName>,
    },
}

impl PartitioningRefusal {
    /// The table the refusal is about, by its name in the code.
    pub fn table(&self) -> &QualifiedName {
        match self {
            PartitioningRefusal::PartitionBy { table, .. }
            | PartitioningRefusal::PartitionOf { table, .. } => table,
        }
    }

    /// What to do instead, one sentence.
    pub fn help(&self) -> String {
        let table = self.table();
        format!(
            "declare the new layout as a new table of another name and generate it, copy the rows \
             in a `cargo dbkit generate --custom` migration (INSERT INTO … SELECT … FROM {table}), \
             then remove the old struct and rename the new table to `{name}` \
             (`table = \"{name}\", renamed_from = \"<its other name>\"`)",
            name = table.name
        )
    }
}

impl fmt::Display for PartitioningRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let none = |text: &Option<String>| {
            text.as_ref()
                .map_or_else(|| "none".to_string(), |text| format!("`{text}`"))
        };
        match self {
            PartitioningRefusal::PartitionBy { table, old, new } => write!(
                f,
                "the partitioning of table {table} changes from {} to {}, which PostgreSQL cannot do in place: the rows would have to move to a new table",
                none(old),
                none(new)
            ),
            PartitioningRefusal::PartitionOf {
                table,
                parent: Some(parent),
            } => write!(
                f,
                "table {table} becomes a partition of {parent}, which dbkit does not do in place: its columns, keys and indexes would have to be replaced by its parent's"
            ),
            PartitioningRefusal::PartitionOf {
                table,
                parent: None,
            } => write!(
                f,
                "partition {table} becomes a table of its own, which dbkit does not do in place: it would keep copies of its parent's columns, keys and indexes that the code does not declare"
            ),
        }
    }
}

/// The changes of partitioning between `old` and `new` that the differ
/// cannot make, for the tables it keeps (matched through renames as the
/// differ matches them under `options`).
pub fn partitioning_refusals(
    old: &Schema,
    new: &Schema,
    options: &DiffOptions,
) -> Vec<PartitioningRefusal> {
    let old = canonical(old);
    let new = canonical(new);
    let renames = matched_renames(&old, &new, options);
    let mut refusals = Vec::new();
    for new_table in &new.tables {
        let old_name = renames
            .tables
            .iter()
            .find(|(_, to)| to == &new_table.name)
            .map_or(&new_table.name, |(from, _)| from);
        let Some(old_table) = super::lookup::table(&old, old_name) else {
            continue;
        };
        let key = |table: &Table| table.partition_by.as_deref().map(canonical_partition_by);
        if key(old_table) != key(new_table) {
            refusals.push(PartitioningRefusal::PartitionBy {
                table: new_table.name.clone(),
                old: old_table.partition_by.clone(),
                new: new_table.partition_by.clone(),
            });
        }
        if old_table.partition_of.is_some() != new_table.partition_of.is_some() {
            refusals.push(PartitioningRefusal::PartitionOf {
                table: new_table.name.clone(),
                parent: new_table
                    .partition_of
                    .as_ref()
                    .map(|partition_of| partition_of.parent.clone()),
            });
        }
    }
    refusals
}
