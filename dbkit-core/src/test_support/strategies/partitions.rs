//! A random partitioned table with partitions: a range, list or hash key
//! on an integer column, a primary key that holds it (PostgreSQL requires
//! a key of a partitioned table to hold the partition key), an index, and
//! partitions of bounds that do not overlap, a default one and a
//! sub-partitioned one among them.

use super::{COMMENTS, Choices, TABLE_NAMES, available_schemas, fresh_name, taken_relation_names};
use crate::model::{Column, ColumnType, Index, IndexKey, PrimaryKey, QualifiedName, Schema, Table};

/// Adds, about one time in three, a partitioned table and its partitions.
pub(super) fn add_random_partitioned_table(schema: &mut Schema, choices: &mut Choices) {
    if !choices.chance(35) {
        return;
    }
    let schema_names = available_schemas(schema);
    let Some(schema_name) = choices.pick(&schema_names).cloned() else {
        return;
    };
    let mut taken = taken_relation_names(&[schema], &schema_name);
    let Some(stem) = choices.pick(TABLE_NAMES) else {
        return;
    };
    let parent_name = QualifiedName::new(schema_name.clone(), fresh_name(stem, &taken));
    taken.insert(parent_name.name.clone());
    let strategy = choices.below(3);
    let key = Column::new("id", ColumnType::builtin("bigint"));
    let mut columns = vec![key];
    if choices.chance(60) {
        columns.push(Column::new("note", ColumnType::builtin("text")).with_nullable(true));
    }
    let partition_by = match strategy {
        0 => "RANGE (id)",
        1 => "LIST (id)",
        _ => "HASH (id)",
    };
    let mut parent = Table {
        columns,
        primary_key: choices.chance(60).then(|| {
            PrimaryKey::new(
                fresh_name(&format!("{}_pkey", parent_name.name), &taken),
                vec!["id".to_string()],
            )
        }),
        ..Table::new(parent_name.clone()).with_partition_by(partition_by)
    };
    if let Some(key) = &parent.primary_key {
        taken.insert(key.name.clone());
    }
    if choices.chance(50) {
        let name = fresh_name(&format!("{}_id_idx", parent_name.name), &taken);
        taken.insert(name.clone());
        parent
            .indexes
            .push(Index::new(name, IndexKey::Columns(vec!["id".to_string()])));
    }
    schema.tables.push(parent);

    let count = 1 + choices.below(3);
    for number in 0..count {
        let bounds = match strategy {
            0 if number == 2 => "DEFAULT".to_string(),
            0 => format!(
                "FOR VALUES FROM ({}) TO ({})",
                number * 100,
                number * 100 + 100
            ),
            1 if number == 2 => "DEFAULT".to_string(),
            1 => format!("FOR VALUES IN ({}, {})", number * 2, number * 2 + 1),
            _ => format!("FOR VALUES WITH (MODULUS {count}, REMAINDER {number})"),
        };
        let name = QualifiedName::new(
            schema_name.clone(),
            fresh_name(&format!("{}_{number}", parent_name.name), &taken),
        );
        taken.insert(name.name.clone());
        let mut partition = Table::new(name.clone()).with_partition_of(parent_name.clone(), bounds);
        if choices.chance(20) {
            partition.comment = choices.pick(COMMENTS).map(|comment| comment.to_string());
        }
        // A partition holding a range of its own, partitioned by hash.
        if number == 0 && choices.chance(30) {
            partition = partition.with_partition_by("HASH (id)");
            let sub = QualifiedName::new(
                schema_name.clone(),
                fresh_name(&format!("{}_sub", name.name), &taken),
            );
            taken.insert(sub.name.clone());
            schema.tables.push(
                Table::new(sub).with_partition_of(name, "FOR VALUES WITH (MODULUS 1, REMAINDER 0)"),
            );
        }
        schema.tables.push(partition);
    }
    schema.canonicalize();
}
