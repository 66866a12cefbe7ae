//! Lookups by name in the differ's schemas, which are canonical: tables and
//! enums sorted by qualified name (see [`Schema::canonicalize`]), so a
//! lookup is a binary search instead of a scan.
//!
//! The differ canonicalises both schemas before it starts, and every change
//! it applies to its working schema keeps `tables` and `enums` sorted
//! (`CreateTable`, `CreateEnum` and `RenameTable` sort again; drops keep
//! the order), so these lookups stay exact for the whole diff.

use crate::model::{Enum, QualifiedName, Schema, Table};

/// The index of the first table named `name` in tables sorted by name.
pub(crate) fn sorted_table_index(tables: &[Table], name: &QualifiedName) -> Option<usize> {
    let index = tables.partition_point(|table| table.name < *name);
    tables
        .get(index)
        .filter(|table| table.name == *name)
        .map(|_| index)
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

/// Whether `schema` is already in the order [`Schema::canonicalize`] gives.
pub(crate) fn is_canonical(schema: &Schema) -> bool {
    schema.schemas.is_sorted_by(|a, b| a < b)
        && schema.enums.is_sorted_by(|a, b| a.name <= b.name)
        && schema.tables.is_sorted_by(|a, b| a.name <= b.name)
        && schema.tables.iter().all(|table| {
            table.foreign_keys.is_sorted_by(|a, b| a.name <= b.name)
                && table.uniques.is_sorted_by(|a, b| a.name <= b.name)
                && table.checks.is_sorted_by(|a, b| a.name <= b.name)
                && table.indexes.is_sorted_by(|a, b| a.name <= b.name)
        })
}
