//! Lookups by name in the differ's schemas, which are canonical: tables and
//! enums sorted by qualified name (see [`Schema::canonicalize`]), so a
//! lookup is a binary search instead of a scan.
//!
//! The differ canonicalises both schemas before it starts, and every change
//! it applies to its working schema keeps `tables` and `enums` sorted
//! (`CreateTable`, `CreateEnum` and `RenameTable` sort again; drops keep
//! the order), so these lookups stay exact for the whole diff.
//!
//! Maps keyed by names hash with [`NameHasher`] rather than SipHash: the
//! names are the user's own, so there is no attacker to randomise against,
//! and the maps are never iterated in an order that shows.

use crate::model::{Column, Enum, Keyed, QualifiedName, Schema, Table};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A fast, deterministic hasher for short keys: each eight bytes are mixed
/// into the state by a rotation, an exclusive or and a multiplication by an
/// odd constant, which leaves the high bits (those a hash table looks at
/// first) depending on every byte.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct NameHasher(u64);

impl NameHasher {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(Self::MULTIPLIER);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` hashing with [`NameHasher`].
pub(crate) type NameMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;
/// A `HashSet` hashing with [`NameHasher`].
pub(crate) type NameSet<K> = HashSet<K, BuildHasherDefault<NameHasher>>;

/// The index of the first table named `name` in tables sorted by name.
pub(crate) fn sorted_table_index(tables: &[Table], name: &QualifiedName) -> Option<usize> {
    let index = tables.partition_point(|table| table.name < *name);
    tables
        .get(index)
        .filter(|table| table.name == *name)
        .map(|_| index)
}

/// Finds tables by name in sorted tables for names asked in increasing
/// order, as a merge would: where the previous one was found and just
/// after are tried before a binary search. Gives the index
/// [`sorted_table_index`] gives, whatever the order of the names.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TableCursor {
    next: usize,
}

impl TableCursor {
    pub(crate) fn index(&mut self, tables: &[Table], name: &QualifiedName) -> Option<usize> {
        let is_first_of_name = |index: usize| {
            tables.get(index).is_some_and(|table| table.name == *name)
                && (index == 0
                    || tables
                        .get(index - 1)
                        .is_some_and(|table| table.name != *name))
        };
        let guesses = [self.next, self.next.wrapping_sub(1)];
        let found = match guesses.into_iter().find(|&index| is_first_of_name(index)) {
            Some(index) => Some(index),
            None => sorted_table_index(tables, name),
        };
        if let Some(index) = found {
            self.next = index + 1;
        }
        found
    }

    /// The table named `name`, see [`TableCursor::index`].
    pub(crate) fn table<'a>(
        &mut self,
        tables: &'a [Table],
        name: &QualifiedName,
    ) -> Option<&'a Table> {
        self.index(tables, name).and_then(|index| tables.get(index))
    }
}

/// The table named `name` of a canonical schema.
pub(crate) fn table<'a>(schema: &'a Schema, name: &QualifiedName) -> Option<&'a Table> {
    sorted_table_index(&schema.tables, name).and_then(|index| schema.tables.get(index))
}

/// The enum named `name` of a canonical schema.
pub(crate) fn enum_type<'a>(schema: &'a Schema, name: &QualifiedName) -> Option<&'a Enum> {
    let index = schema
        .enums
        .partition_point(|enum_type| enum_type.name < *name);
    schema
        .enums
        .get(index)
        .filter(|enum_type| enum_type.name == *name)
}

/// Whether a table's column names are all different, which lets
/// [`column_at`] trust a position.
pub(crate) fn has_distinct_column_names(table: &Table) -> bool {
    let mut names: NameSet<&str> = NameSet::default();
    names.reserve(table.columns.len());
    table
        .columns
        .iter()
        .all(|column| names.insert(column.name.as_str()))
}

/// The first column of `table` named `name`, as [`Table::column`] finds
/// it, looked for at `position` first when the table's names are
/// `distinct`: where it usually is when two versions of a table are
/// compared column by column.
pub(crate) fn column_at<'t>(
    table: &'t Table,
    name: &str,
    position: usize,
    distinct: bool,
) -> Option<&'t Column> {
    match table.columns.get(position) {
        Some(column) if distinct && column.name == name => Some(column),
        _ => table.column(name),
    }
}

/// Whether `schema` is already in the order [`Schema::canonicalize`] gives.
pub(crate) fn is_canonical(schema: &Schema) -> bool {
    schema.schemas.is_sorted_by(|a, b| a < b)
        && schema.enums.is_sorted_by(|a, b| a.name <= b.name)
        && schema.tables.is_sorted_by(|a, b| a.name <= b.name)
        && schema.extensions.is_sorted_by(|a, b| a.name <= b.name)
        && schema.views.is_sorted_by_key(Keyed::key)
        && schema.functions.is_sorted_by_key(Keyed::key)
        && schema.triggers.is_sorted_by_key(Keyed::key)
        && schema.policies.is_sorted_by_key(Keyed::key)
        && schema.objects.is_sorted_by_key(Keyed::key)
        && schema.tables.iter().all(|table| {
            table.foreign_keys.is_sorted_by(|a, b| a.name <= b.name)
                && table.uniques.is_sorted_by(|a, b| a.name <= b.name)
                && table.checks.is_sorted_by(|a, b| a.name <= b.name)
                && table.indexes.is_sorted_by(|a, b| a.name <= b.name)
                && table.exclusions.is_sorted_by(|a, b| a.name <= b.name)
        })
}
