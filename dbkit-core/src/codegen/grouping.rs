//! Which file each table and enum goes into, and the files' module names.

use super::CodegenOptions;
use super::identifiers::{NameAllocator, is_keyword, snake_case_identifier};
use crate::model::{BaseType, Schema};
use std::collections::{BTreeMap, BTreeSet};

/// What a file holds, for its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Every table and enum of a schema.
    WholeSchema,
    /// Tables of `public` connected by foreign keys, named after `anchor`.
    Group { anchor: String },
    /// What `public` holds outside the groups.
    Ungrouped,
}

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilePlan {
    pub module_name: String,
    pub schema: String,
    pub kind: FileKind,
    /// Indexes into `Schema::tables`, in that (name) order.
    pub tables: Vec<usize>,
    /// Indexes into `Schema::enums`, in that (name) order.
    pub enums: Vec<usize>,
}

const PUBLIC: &str = "public";

/// The files of `schema` (see the documentation of [`super`]), sorted by
/// module name.
pub(crate) fn plan_files(schema: &Schema, options: &CodegenOptions) -> Vec<FilePlan> {
    let mut by_schema: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (index, table) in schema.tables.iter().enumerate() {
        by_schema
            .entry(table.name.schema.as_str())
            .or_default()
            .0
            .push(index);
    }
    for (index, enum_type) in schema.enums.iter().enumerate() {
        by_schema
            .entry(enum_type.name.schema.as_str())
            .or_default()
            .1
            .push(index);
    }
    // Sequences, domains and composite types go into their schema's file.
    let user_type_schemas: BTreeSet<&str> = schema
        .sequences
        .iter()
        .map(|sequence| sequence.name.schema.as_str())
        .chain(
            schema
                .domains
                .iter()
                .map(|domain| domain.name.schema.as_str()),
        )
        .chain(
            schema
                .composite_types
                .iter()
                .map(|composite| composite.name.schema.as_str()),
        )
        .collect();
    for name in &user_type_schemas {
        by_schema.entry(name).or_default();
    }
    let mut modules = NameAllocator::with_reserved(&["mod"]);
    let mut plans = Vec::new();
    let mut public = match by_schema.remove(PUBLIC) {
        Some((tables, enums)) => plan_public(schema, tables, enums, options),
        None => Vec::new(),
    };
    if user_type_schemas.contains(PUBLIC)
        && public
            .iter()
            .all(|(kind, _, _)| matches!(kind, FileKind::Group { .. }))
    {
        public.insert(0, (FileKind::Ungrouped, Vec::new(), Vec::new()));
    }
    // Names: `public`'s own file first, then the schemas, then the groups.
    let (groups, whole): (Vec<_>, Vec<_>) = public
        .into_iter()
        .partition(|(kind, _, _)| matches!(kind, FileKind::Group { .. }));
    for (kind, tables, enums) in whole {
        plans.push(FilePlan {
            module_name: module_name(PUBLIC, "schema", &mut modules),
            schema: PUBLIC.to_string(),
            kind,
            tables,
            enums,
        });
    }
    let mut schema_plans = Vec::new();
    for (schema_name, (tables, enums)) in by_schema {
        schema_plans.push(FilePlan {
            module_name: module_name(schema_name, "schema", &mut modules),
            schema: schema_name.to_string(),
            kind: FileKind::WholeSchema,
            tables,
            enums,
        });
    }
    for (kind, tables, enums) in groups {
        let anchor = match &kind {
            FileKind::Group { anchor } => anchor.clone(),
            _ => PUBLIC.to_string(),
        };
        plans.push(FilePlan {
            module_name: module_name(&anchor, "tables", &mut modules),
            schema: PUBLIC.to_string(),
            kind,
            tables,
            enums,
        });
    }
    plans.extend(schema_plans);
    plans.sort_by(|a, b| a.module_name.cmp(&b.module_name));
    plans
}

fn module_name(name: &str, suffix: &str, modules: &mut NameAllocator) -> String {
    let mut candidate = snake_case_identifier(name, suffix);
    if is_keyword(&candidate) {
        candidate = format!("{candidate}_{suffix}");
    }
    modules.allocate(&[candidate], "_")
}

fn plan_public(
    schema: &Schema,
    tables: Vec<usize>,
    enums: Vec<usize>,
    options: &CodegenOptions,
) -> Vec<(FileKind, Vec<usize>, Vec<usize>)> {
    if tables.len() <= options.max_tables_per_public_file {
        return vec![(FileKind::WholeSchema, tables, enums)];
    }
    // Connected components of the foreign keys between tables of `public`.
    let position: BTreeMap<usize, usize> = tables
        .iter()
        .enumerate()
        .map(|(position, index)| (*index, position))
        .collect();
    let mut parent: Vec<usize> = (0..tables.len()).collect();
    // For each table, the tables whose foreign keys point at it.
    let mut referencing: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); tables.len()];
    for (position_of_table, &index) in tables.iter().enumerate() {
        let Some(table) = schema.tables.get(index) else {
            continue;
        };
        for foreign_key in &table.foreign_keys {
            if foreign_key.references == table.name {
                continue;
            }
            let Some(target) = schema
                .tables
                .iter()
                .position(|other| other.name == foreign_key.references)
                .and_then(|target| position.get(&target))
            else {
                continue;
            };
            if let Some(sources) = referencing.get_mut(*target) {
                sources.insert(position_of_table);
            }
            let a = root(&mut parent, position_of_table);
            let b = root(&mut parent, *target);
            if a != b {
                let (low, high) = (a.min(b), a.max(b));
                if let Some(slot) = parent.get_mut(high) {
                    *slot = low;
                }
            }
        }
    }
    let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for position_of_table in 0..tables.len() {
        let component = root(&mut parent, position_of_table);
        components
            .entry(component)
            .or_default()
            .push(position_of_table);
    }
    let mut ungrouped_tables = Vec::new();
    // (anchor name, tables) of each group.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for members in components.into_values() {
        let indexes: Vec<usize> = members
            .iter()
            .filter_map(|position_of_table| tables.get(*position_of_table).copied())
            .collect();
        if members.len() < 2 {
            ungrouped_tables.extend(indexes);
            continue;
        }
        let anchor = members
            .iter()
            .filter_map(|position_of_table| {
                let index = tables.get(*position_of_table)?;
                let name = &schema.tables.get(*index)?.name.name;
                let count = dependents(&referencing, *position_of_table);
                Some((std::cmp::Reverse(count), name.clone()))
            })
            .min()
            .map(|(_, name)| name)
            .unwrap_or_default();
        groups.push((anchor, indexes));
    }
    groups.sort();
    // Each enum goes to the one group that uses it, else to the rest.
    let mut ungrouped_enums = Vec::new();
    let mut group_enums: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for enum_index in enums {
        let Some(enum_type) = schema.enums.get(enum_index) else {
            continue;
        };
        let users: BTreeSet<usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, (_, members))| {
                members.iter().any(|index| {
                    schema.tables.get(*index).is_some_and(|table| {
                        table.columns.iter().any(|column| {
                            matches!(&column.ty.base, BaseType::Enum(name) if *name == enum_type.name)
                        })
                    })
                })
            })
            .map(|(group, _)| group)
            .collect();
        let used_ungrouped = ungrouped_tables.iter().any(|index| {
            schema.tables.get(*index).is_some_and(|table| {
                table.columns.iter().any(|column| {
                    matches!(&column.ty.base, BaseType::Enum(name) if *name == enum_type.name)
                })
            })
        });
        match (users.iter().next(), users.len(), used_ungrouped) {
            (Some(group), 1, false) => {
                if let Some(list) = group_enums.get_mut(*group) {
                    list.push(enum_index);
                }
            }
            _ => ungrouped_enums.push(enum_index),
        }
    }
    let mut plans = Vec::new();
    if !ungrouped_tables.is_empty() || !ungrouped_enums.is_empty() {
        ungrouped_tables.sort_unstable();
        plans.push((FileKind::Ungrouped, ungrouped_tables, ungrouped_enums));
    }
    for ((anchor, mut members), mut enums) in groups.into_iter().zip(group_enums) {
        members.sort_unstable();
        enums.sort_unstable();
        plans.push((FileKind::Group { anchor }, members, enums));
    }
    plans
}

/// How many tables reach `table` by following foreign keys.
fn dependents(referencing: &[BTreeSet<usize>], table: usize) -> usize {
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut queue = vec![table];
    while let Some(next) = queue.pop() {
        for source in referencing.get(next).into_iter().flatten() {
            if *source != table && seen.insert(*source) {
                queue.push(*source);
            }
        }
    }
    seen.len()
}

fn root(parent: &mut [usize], mut node: usize) -> usize {
    while let Some(&next) = parent.get(node) {
        if next == node {
            break;
        }
        let grandparent = parent.get(next).copied().unwrap_or(next);
        if let Some(slot) = parent.get_mut(node) {
            *slot = grandparent;
        }
        node = next;
    }
    node
}
