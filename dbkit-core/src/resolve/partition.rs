//! Which table a partition belongs to: `partition_of = "events"` names a
//! table of the workspace that is partitioned (`partition_by`), found the
//! way `references` finds one (the partition's schema, then `public`), and
//! no chain of partitions leads back to where it started.

use super::qualified_sql_name;
use crate::model::QualifiedName;
use crate::parse::{PartitionDeclaration, SchemaError, TableDeclaration, closest_match};
use std::collections::HashMap;

/// The partitioned table `partition` names, checked.
pub(super) fn resolve_parent(
    tables_by_name: &HashMap<QualifiedName, &TableDeclaration>,
    table: &TableDeclaration,
    partition: &PartitionDeclaration,
) -> Result<QualifiedName, Box<SchemaError>> {
    let target = &partition.parent;
    let parent_name = match &target.schema {
        Some(schema) => QualifiedName::new(schema.clone(), target.table.clone()),
        None => {
            let same_schema = QualifiedName::new(table.name.schema.clone(), target.table.clone());
            if tables_by_name.contains_key(&same_schema) {
                same_schema
            } else {
                QualifiedName::new("public", target.table.clone())
            }
        }
    };
    let Some(parent) = tables_by_name.get(&parent_name) else {
        let known: Vec<String> = tables_by_name
            .values()
            .filter(|candidate| candidate.partition_by.is_some())
            .map(|candidate| qualified_sql_name(&candidate.name))
            .collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let written = match &target.schema {
            Some(schema) => format!("{schema}.{}", target.table),
            None => target.table.clone(),
        };
        let error = SchemaError::at(
            &partition.place,
            format!("`partition_of` names an unknown table `{parent_name}`"),
        )
        .with_label("no table of this name in the workspace");
        return Err(Box::new(match closest_match(&written, &known) {
            Some(suggestion) => error.with_help(format!("did you mean `{suggestion}`?")),
            None => error.with_help(
                "declare the partitioned table with `#[derive(Table)]` and `partition_by`, or fix the name",
            ),
        }));
    };
    if parent.name == table.name {
        return Err(Box::new(
            SchemaError::at(
                &partition.place,
                format!("the table `{parent_name}` is declared a partition of itself"),
            )
            .with_help("name the partitioned table this partition belongs to"),
        ));
    }
    if parent.partition_by.is_none() {
        return Err(Box::new(SchemaError::at(
            &partition.place,
            format!("`partition_of` names `{parent_name}`, which is not partitioned"),
        )
        .with_label("a plain table has no partitions")
        .with_related(
            parent.place.location.clone(),
            format!("`{parent_name}` is declared here"),
        )
        .with_help(format!(
            "add `partition_by = \"RANGE (…)\"` (or LIST, HASH) to `{}`, or name a partitioned table",
            parent.rust_name
        ))));
    }
    Ok(parent_name)
}

/// An error for each chain of `partition_of` that comes back to a table it
/// went through (each reported once, at the first table of the cycle in
/// source order).
pub(super) fn cycles(
    tables: &[TableDeclaration],
    parents: &[Option<QualifiedName>],
) -> Vec<SchemaError> {
    let parent_of: HashMap<&QualifiedName, &QualifiedName> = tables
        .iter()
        .zip(parents)
        .filter_map(|(table, parent)| parent.as_ref().map(|parent| (&table.name, parent)))
        .collect();
    let mut reported: Vec<&QualifiedName> = Vec::new();
    let mut errors = Vec::new();
    for table in tables {
        let (Some(partition), Some(_)) = (&table.partition_of, parent_of.get(&table.name)) else {
            continue;
        };
        let mut path = vec![&table.name];
        let mut current = &table.name;
        while let Some(parent) = parent_of.get(current) {
            if *parent == &table.name {
                if !path.iter().any(|name| reported.contains(name)) {
                    let chain: Vec<String> = path
                        .iter()
                        .chain([&&table.name])
                        .map(|name| format!("`{name}`"))
                        .collect();
                    errors.push(
                        SchemaError::at(
                            &partition.place,
                            format!("the partitions {} form a cycle", chain.join(" → ")),
                        )
                        .with_help(
                            "a chain of `partition_of` must end at a table that is not a partition",
                        ),
                    );
                }
                reported.extend(path.iter().copied());
                break;
            }
            if path.contains(parent) {
                break;
            }
            path.push(*parent);
            current = *parent;
        }
    }
    errors
}
