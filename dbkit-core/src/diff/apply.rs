//! Applies changes to a schema model, as the database would apply their SQL.
//!
//! The differ uses it to keep track of the state each step runs on, and
//! tests use it to check that `apply_changes(a, diff(a, b))` is `b`. A step
//! that names something absent changes nothing: it never panics.

use super::change::{Change, EnumValuePosition};
use super::lookup::sorted_table_index;
use super::user_types::{apply_composite_change, apply_domain_change, apply_sequence_change};
use crate::model::{
    BaseType, Column, IndexKey, PartitionOf, QualifiedName, Schema, Table, sort_storage_parameters,
    storage_parameter_name,
};

/// The schema left by running `changes` on `schema`, canonicalised.
pub fn apply_changes(schema: &Schema, changes: &[Change]) -> Schema {
    let mut result = schema.clone();
    for change in changes {
        apply_change(&mut result, change);
    }
    result.canonicalize();
    result
}

/// Applies one change in place.
pub fn apply_change(schema: &mut Schema, change: &Change) {
    apply(schema, change, TableOrder::Any);
}

/// Applies one change in place to a schema whose tables are sorted by name
/// (a canonical one, as the differ keeps its working schema); it stays so.
pub(crate) fn apply_change_to_sorted(schema: &mut Schema, change: &Change) {
    apply(schema, change, TableOrder::Sorted);
}

/// What a lookup of a table by name may assume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableOrder {
    /// Sorted by name: a binary search finds the table.
    Sorted,
    /// Any order: a scan.
    Any,
}

fn apply(schema: &mut Schema, change: &Change, order: TableOrder) {
    match change {
        Change::CreateExtension { extension } => {
            schema
                .extensions
                .retain(|existing| existing.name != extension.name);
            schema.extensions.push(extension.clone());
            schema.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropExtension { name } => schema.extensions.retain(|e| &e.name != name),
        Change::CreateObject { object } | Change::ReplaceObject { new: object, .. } => {
            schema.insert_sql_object(object.clone())
        }
        Change::DropObject { object } => schema.remove_sql_object(&object.key()),
        Change::Sequence(change) => apply_sequence_change(schema, change),
        Change::Domain(change) => apply_domain_change(schema, change),
        Change::Composite(change) => apply_composite_change(schema, change),
        Change::CreateSchema { name } => {
            if !schema.schemas.contains(name) {
                schema.schemas.push(name.clone());
                schema.schemas.sort();
            }
        }
        Change::DropSchema { name } => schema.schemas.retain(|existing| existing != name),
        Change::CreateEnum { enum_type } => {
            schema
                .enums
                .retain(|existing| existing.name != enum_type.name);
            schema.enums.push(enum_type.clone());
            schema.enums.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropEnum { name, .. } => schema.enums.retain(|existing| &existing.name != name),
        Change::AddEnumValue {
            name,
            value,
            position,
        } => {
            if let Some(enum_type) = schema.enums.iter_mut().find(|e| &e.name == name) {
                if enum_type.values.contains(value) {
                    return;
                }
                let index = match position {
                    EnumValuePosition::End => None,
                    EnumValuePosition::Before(label) => enum_type
                        .values
                        .iter()
                        .position(|existing| existing == label),
                    EnumValuePosition::After(label) => enum_type
                        .values
                        .iter()
                        .position(|existing| existing == label)
                        .map(|index| index + 1),
                };
                let index = index.unwrap_or(enum_type.values.len());
                enum_type.values.insert(index, value.clone());
            }
        }
        Change::RenameEnum { from, to } => rename_enum(schema, from, to),
        Change::RecreateEnum {
            name,
            new_values,
            columns,
            ..
        } => {
            if let Some(enum_type) = schema.enums.iter_mut().find(|e| &e.name == name) {
                enum_type.values = new_values.clone();
                // The type is created anew: its comment stays on the old one.
                enum_type.comment = None;
            }
            for use_ in columns {
                if let Some(column) = find_column_mut(schema, order, &use_.table, &use_.column) {
                    column.default = use_.restored_default.clone();
                }
            }
        }
        Change::SetEnumComment { name, comment } => {
            if let Some(enum_type) = schema.enums.iter_mut().find(|e| &e.name == name) {
                enum_type.comment = comment.clone();
            }
        }
        Change::CreateTable { table } => {
            schema.tables.retain(|existing| existing.name != table.name);
            schema.tables.push(table.clone());
            schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropTable { name } => schema.tables.retain(|existing| &existing.name != name),
        Change::RenameTable { from, to } => rename_table(schema, order, from, to),
        Change::DetachPartition { partition, .. } => {
            if let Some(table) = find_table_mut(schema, order, partition) {
                table.partition_of = None;
            }
        }
        Change::AttachPartition {
            parent,
            partition,
            bounds,
        } => {
            if let Some(table) = find_table_mut(schema, order, partition) {
                table.partition_of = Some(PartitionOf::new(parent.clone(), bounds.clone()));
            }
        }
        Change::SetTableComment { table, comment } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.comment = comment.clone();
            }
        }
        Change::SetRowLevelSecurity { table, enabled } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.row_level_security = *enabled;
            }
        }
        Change::SetForceRowLevelSecurity { table, forced } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.force_row_level_security = *forced;
            }
        }
        Change::AddColumn { table, column } => {
            if let Some(table) = find_table_mut(schema, order, table)
                && table.column(&column.name).is_none()
            {
                table.columns.push(column.clone());
            }
        }
        Change::DropColumn { table, column, .. } => drop_column(schema, order, table, column),
        Change::RenameColumn { table, from, to } => rename_column(schema, order, table, from, to),
        Change::AlterColumnType {
            table, column, to, ..
        } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.ty = to.clone();
            }
        }
        Change::SetNotNull { table, column } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.nullable = false;
            }
        }
        Change::DropNotNull { table, column } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.nullable = true;
            }
        }
        Change::SetDefault {
            table,
            column,
            default,
        } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.default = Some(default.clone());
            }
        }
        Change::DropDefault { table, column } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.default = None;
            }
        }
        Change::AddIdentity {
            table,
            column,
            identity,
        }
        | Change::SetIdentityKind {
            table,
            column,
            identity,
        } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.identity = Some(*identity);
            }
        }
        Change::DropIdentity { table, column } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.identity = None;
            }
        }
        Change::AddSerial { table, column, .. } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.serial = true;
                column.default = None;
            }
        }
        Change::DropSerial { table, column } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.serial = false;
                column.default = None;
            }
        }
        Change::DropGeneratedExpression { table, column } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.generated = None;
            }
        }
        Change::SetColumnComment {
            table,
            column,
            comment,
        } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.comment = comment.clone();
            }
        }
        Change::AddPrimaryKey { table, primary_key } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.primary_key = Some(primary_key.clone());
            }
        }
        Change::DropPrimaryKey { table, name } => {
            if let Some(table) = find_table_mut(schema, order, table)
                && table
                    .primary_key
                    .as_ref()
                    .is_some_and(|key| &key.name == name)
            {
                table.primary_key = None;
            }
        }
        Change::AddForeignKey { table, foreign_key } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table
                    .foreign_keys
                    .retain(|existing| existing.name != foreign_key.name);
                table.foreign_keys.push(foreign_key.clone());
                table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        Change::DropForeignKey { table, name } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.foreign_keys.retain(|existing| &existing.name != name);
            }
        }
        Change::AddUnique { table, unique } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table
                    .uniques
                    .retain(|existing| existing.name != unique.name);
                table.uniques.push(unique.clone());
                table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        Change::DropUnique { table, name } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.uniques.retain(|existing| &existing.name != name);
            }
        }
        Change::AddCheck { table, check } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.checks.retain(|existing| existing.name != check.name);
                table.checks.push(check.clone());
                table.checks.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        Change::DropCheck { table, name } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.checks.retain(|existing| &existing.name != name);
            }
        }
        Change::RenameConstraint { table, from, to } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                rename_constraint(table, from, to);
            }
        }
        Change::CreateIndex { table, index } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.indexes.retain(|existing| existing.name != index.name);
                table.indexes.push(index.clone());
                table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        Change::DropIndex { table, name } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.indexes.retain(|existing| &existing.name != name);
            }
        }
        Change::RenameIndex { table, from, to } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                for index in &mut table.indexes {
                    if &index.name == from {
                        index.name = to.clone();
                    }
                }
                table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        Change::SetTableStorage { table, set, reset } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                set_storage(&mut table.storage_parameters, set, reset);
            }
        }
        Change::SetIndexStorage {
            table,
            name,
            set,
            reset,
        } => {
            if let Some(table) = find_table_mut(schema, order, table)
                && let Some(index) = table.indexes.iter_mut().find(|index| &index.name == name)
            {
                set_storage(&mut index.storage_parameters, set, reset);
            }
        }
        Change::AlterColumnCollation {
            table,
            column,
            collation,
            ..
        } => {
            if let Some(column) = find_column_mut(schema, order, table, column) {
                column.collation = collation.clone();
            }
        }
        Change::AddExclusion { table, exclusion } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table
                    .exclusions
                    .retain(|existing| existing.name != exclusion.name);
                table.exclusions.push(exclusion.clone());
                table.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        Change::DropExclusion { table, name } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                table.exclusions.retain(|existing| &existing.name != name);
            }
        }
        Change::ValidateConstraint { table, name } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                for foreign_key in &mut table.foreign_keys {
                    if &foreign_key.name == name {
                        foreign_key.not_valid = false;
                    }
                }
                for check in &mut table.checks {
                    if &check.name == name {
                        check.not_valid = false;
                    }
                }
            }
        }
        Change::AlterForeignKeyDeferral {
            table,
            name,
            deferrable,
        } => {
            if let Some(table) = find_table_mut(schema, order, table) {
                for foreign_key in &mut table.foreign_keys {
                    if &foreign_key.name == name {
                        foreign_key.deferrable = *deferrable;
                    }
                }
            }
        }
    }
}

/// Storage parameters after `SET (set)` and `RESET (reset)`, sorted by name.
fn set_storage(parameters: &mut Vec<String>, set: &[String], reset: &[String]) {
    parameters.retain(|parameter| {
        let name = storage_parameter_name(parameter);
        !reset
            .iter()
            .any(|reset| storage_parameter_name(reset) == name)
            && !set.iter().any(|set| storage_parameter_name(set) == name)
    });
    parameters.extend(set.iter().cloned());
    sort_storage_parameters(parameters);
}

/// The index of the (first) table named `name`.
fn find_table_index(schema: &Schema, order: TableOrder, name: &QualifiedName) -> Option<usize> {
    match order {
        TableOrder::Sorted => sorted_table_index(&schema.tables, name),
        TableOrder::Any => schema.tables.iter().position(|table| &table.name == name),
    }
}

fn find_table_mut<'a>(
    schema: &'a mut Schema,
    order: TableOrder,
    name: &QualifiedName,
) -> Option<&'a mut Table> {
    let index = find_table_index(schema, order, name)?;
    schema.tables.get_mut(index)
}

fn find_column_mut<'a>(
    schema: &'a mut Schema,
    order: TableOrder,
    table: &QualifiedName,
    column: &str,
) -> Option<&'a mut Column> {
    find_table_mut(schema, order, table)?
        .columns
        .iter_mut()
        .find(|existing| existing.name == column)
}

fn rename_table(schema: &mut Schema, order: TableOrder, from: &QualifiedName, to: &QualifiedName) {
    if find_table_index(schema, order, to).is_some() {
        return;
    }
    let Some(table) = find_table_mut(schema, order, from) else {
        return;
    };
    table.name = to.clone();
    for table in &mut schema.tables {
        for foreign_key in &mut table.foreign_keys {
            if &foreign_key.references == from {
                foreign_key.references = to.clone();
            }
        }
        if let Some(partition_of) = &mut table.partition_of
            && &partition_of.parent == from
        {
            partition_of.parent = to.clone();
        }
    }
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Renames an enum type and the types of the columns that hold it.
fn rename_enum(schema: &mut Schema, from: &QualifiedName, to: &QualifiedName) {
    if schema.enums.iter().any(|existing| &existing.name == to) {
        return;
    }
    let Some(enum_type) = schema
        .enums
        .iter_mut()
        .find(|existing| &existing.name == from)
    else {
        return;
    };
    enum_type.name = to.clone();
    schema.enums.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut schema.tables {
        for column in &mut table.columns {
            if let BaseType::Enum(name) = &mut column.ty.base
                && name == from
            {
                *name = to.clone();
            }
        }
    }
}

fn rename_in(columns: &mut [String], from: &str, to: &str) {
    for column in columns {
        if column == from {
            *column = to.to_string();
        }
    }
}

fn rename_column(
    schema: &mut Schema,
    order: TableOrder,
    table_name: &QualifiedName,
    from: &str,
    to: &str,
) {
    let Some(table) = find_table_mut(schema, order, table_name) else {
        return;
    };
    if table.column(to).is_some() {
        return;
    }
    let Some(column) = table.columns.iter_mut().find(|column| column.name == from) else {
        return;
    };
    column.name = to.to_string();
    if let Some(primary_key) = &mut table.primary_key {
        rename_in(&mut primary_key.columns, from, to);
    }
    for unique in &mut table.uniques {
        rename_in(&mut unique.columns, from, to);
    }
    for foreign_key in &mut table.foreign_keys {
        rename_in(&mut foreign_key.columns, from, to);
    }
    for index in &mut table.indexes {
        if let IndexKey::Columns(columns) = &mut index.key {
            rename_in(columns, from, to);
        }
        rename_in(&mut index.include, from, to);
    }
    for table in &mut schema.tables {
        for foreign_key in &mut table.foreign_keys {
            if &foreign_key.references == table_name {
                rename_in(&mut foreign_key.referenced_columns, from, to);
            }
        }
    }
}

/// Drops a column and, as PostgreSQL does, the constraints and column
/// indexes of its table that involve it.
fn drop_column(schema: &mut Schema, order: TableOrder, table_name: &QualifiedName, column: &str) {
    let Some(table) = find_table_mut(schema, order, table_name) else {
        return;
    };
    let involves = |columns: &[String]| columns.iter().any(|existing| existing == column);
    table.columns.retain(|existing| existing.name != column);
    if table
        .primary_key
        .as_ref()
        .is_some_and(|key| involves(&key.columns))
    {
        table.primary_key = None;
    }
    table.uniques.retain(|unique| !involves(&unique.columns));
    table
        .foreign_keys
        .retain(|foreign_key| !involves(&foreign_key.columns));
    table.indexes.retain(|index| {
        !involves(&index.include)
            && match &index.key {
                IndexKey::Columns(columns) => !involves(columns),
                IndexKey::Expression(_) => true,
            }
    });
}

fn rename_constraint(table: &mut Table, from: &str, to: &str) {
    if let Some(primary_key) = &mut table.primary_key
        && primary_key.name == from
    {
        primary_key.name = to.to_string();
        return;
    }
    if let Some(unique) = table.uniques.iter_mut().find(|unique| unique.name == from) {
        unique.name = to.to_string();
        table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        return;
    }
    if let Some(check) = table.checks.iter_mut().find(|check| check.name == from) {
        check.name = to.to_string();
        table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        return;
    }
    if let Some(foreign_key) = table.foreign_keys.iter_mut().find(|key| key.name == from) {
        foreign_key.name = to.to_string();
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// Whether a column's type is the enum `name` (or an array of it).
pub(crate) fn column_uses_enum(column: &Column, name: &QualifiedName) -> bool {
    matches!(&column.ty.base, BaseType::Enum(enum_name) if enum_name == name)
}
