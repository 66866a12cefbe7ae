//! Writing the files: names, attributes and items of every table and enum, put together.

use super::column_types::{EnumPlace, FieldType, Import, field_type, use_lines};
use super::constraints::{Placement, place_constraints};
use super::defaults::simplify_default;
use super::grouping::{FileKind, FilePlan, plan_files};
use super::identifiers::{
    NameAllocator, RESERVED_TYPE_NAMES, is_keyword, is_plain_snake, is_usable_identifier,
    snake_case_identifier, upper_camel_case, written_identifier,
};
use super::layout::{
    AttributePlace, Meta, comment_as_read_back, doc_text, write_dbkit_attribute, write_doc_comment,
};
use super::options::{
    deferral_words, exclusion_meta, key_columns_meta, not_valid_word, storage_meta,
};
use super::policies::{policy_attributes, row_security_flags};
use super::unexpressed::Unexpressed;
use super::{CodegenOptions, GeneratedFile, GeneratedModules};
use crate::compare::canonical_column_type;
use crate::model::{
    BaseType, Column, Enum, ForeignKey, ForeignKeyAction, Identity, Index, IndexKey, QualifiedName,
    Schema, Table,
};
use crate::naming;
use crate::types::{is_integer_type, parse_sql_type};
use std::collections::{BTreeMap, BTreeSet};

mod type_code;

const PUBLIC: &str = "public";

mod functions;
mod views;

/// An enum as it is written: its Rust name and its variants with labels.
#[derive(Debug)]
struct WrittenEnum {
    rust_name: String,
    module: String,
    labels: Vec<String>,
}

/// Everything the files are written from.
struct Context<'a> {
    schema: &'a Schema,
    type_relatives: &'a BTreeMap<String, String>,
    enums: BTreeMap<QualifiedName, WrittenEnum>,
    /// Where each domain, composite type and sequence is written.
    user_types: BTreeMap<QualifiedName, EnumPlace>,
    table_names: BTreeMap<QualifiedName, String>,
    unexpressed: Vec<Unexpressed>,
}

pub(crate) fn generate(schema: &Schema, options: &CodegenOptions) -> GeneratedModules {
    let plans = plan_files(schema, options);
    let mut context = Context {
        schema,
        type_relatives: &options.type_relatives,
        enums: BTreeMap::new(),
        user_types: BTreeMap::new(),
        table_names: BTreeMap::new(),
        unexpressed: Vec::new(),
    };
    report_empty_schemas(&mut context);
    name_types(&mut context, &plans);
    let mut files = Vec::with_capacity(plans.len() + 1);
    for plan in &plans {
        let source = write_file(&mut context, plan);
        files.push(GeneratedFile {
            file_name: format!("{}.rs", plan.module_name),
            module_name: plan.module_name.clone(),
            source,
        });
    }
    let views_module = (1..)
        .map(|n| match n {
            1 => views::VIEWS_MODULE.to_string(),
            n => format!("{}_{n}", views::VIEWS_MODULE),
        })
        .find(|name| files.iter().all(|file| &file.module_name != name))
        .unwrap_or_default();
    if let Some(source) = views::write_views_file(&mut context, &views_module) {
        files.push(GeneratedFile {
            file_name: format!("{views_module}.rs"),
            module_name: views_module,
            source,
        });
        files.sort_by(|a, b| a.module_name.cmp(&b.module_name));
    }
    let functions_module = (1..)
        .map(|n| match n {
            1 => functions::FUNCTIONS_MODULE.to_string(),
            n => format!("{}_{n}", functions::FUNCTIONS_MODULE),
        })
        .find(|name| files.iter().all(|file| &file.module_name != name))
        .unwrap_or_default();
    if let Some(source) = functions::write_functions_file(&mut context) {
        files.push(GeneratedFile {
            file_name: format!("{functions_module}.rs"),
            module_name: functions_module,
            source,
        });
        files.sort_by(|a, b| a.module_name.cmp(&b.module_name));
    }
    let taken: Vec<String> = files.iter().map(|file| file.module_name.clone()).collect();
    if let Some(file) = super::sql_objects::sql_objects_file(schema, &taken) {
        files.push(file);
        files.sort_by(|a, b| a.module_name.cmp(&b.module_name));
    }
    let mut mod_rs = String::from(
        "//! Schema modules written by `cargo dbkit pull` from the database; they may be edited freely.\n",
    );
    if !files.is_empty() {
        mod_rs.push('\n');
    }
    for file in &files {
        mod_rs.push_str(&format!("pub mod {};\n", file.module_name));
    }
    GeneratedModules {
        files,
        mod_rs,
        unexpressed: context.unexpressed,
    }
}

fn report_empty_schemas(context: &mut Context<'_>) {
    let mut used: BTreeSet<&str> = context
        .schema
        .tables
        .iter()
        .map(|table| table.name.schema.as_str())
        .chain(
            context
                .schema
                .enums
                .iter()
                .map(|enum_type| enum_type.name.schema.as_str()),
        )
        .chain(
            context
                .schema
                .sequences
                .iter()
                .map(|sequence| sequence.name.schema.as_str()),
        )
        .chain(
            context
                .schema
                .domains
                .iter()
                .map(|domain| domain.name.schema.as_str()),
        )
        .chain(
            context
                .schema
                .composite_types
                .iter()
                .map(|composite| composite.name.schema.as_str()),
        )
        .chain(
            context
                .schema
                .views
                .iter()
                .map(|view| view.name.schema.as_str()),
        )
        .chain(
            context
                .schema
                .functions
                .iter()
                .map(|function| function.name.schema.as_str()),
        )
        .collect();
    // A schema of extensions or generic objects is declared through them.
    used.extend(super::sql_objects::schemas_used(context.schema));
    let empty: BTreeSet<&String> = context
        .schema
        .schemas
        .iter()
        .filter(|name| name.as_str() != PUBLIC && !used.contains(name.as_str()))
        .collect();
    for name in empty {
        context.unexpressed.push(Unexpressed::EmptySchema {
            schema: name.clone(),
        });
    }
}

/// Rust names of every enum and table, unique across the files: `public`
/// first, enums before tables, each in name order.
fn name_types(context: &mut Context<'_>, plans: &[FilePlan]) {
    let mut module_of_enum: BTreeMap<usize, &str> = BTreeMap::new();
    for plan in plans {
        for index in &plan.enums {
            module_of_enum.insert(*index, &plan.module_name);
        }
    }
    let mut allocator = NameAllocator::with_reserved(RESERVED_TYPE_NAMES);
    let public_first = |schema: &str| (schema != PUBLIC, schema.to_string());
    let mut enum_order: Vec<usize> = (0..context.schema.enums.len()).collect();
    enum_order.sort_by_key(|index| {
        context
            .schema
            .enums
            .get(*index)
            .map(|e| (public_first(&e.name.schema), e.name.name.clone()))
    });
    for index in enum_order {
        let Some(enum_type) = context.schema.enums.get(index) else {
            continue;
        };
        let mut labels = Vec::new();
        for label in &enum_type.values {
            if label.is_empty() {
                context.unexpressed.push(Unexpressed::EnumLabel {
                    enum_name: enum_type.name.clone(),
                    label: label.clone(),
                });
            } else {
                labels.push(label.clone());
            }
        }
        if labels.is_empty() {
            context.unexpressed.push(Unexpressed::Enum {
                name: enum_type.name.clone(),
            });
            continue;
        }
        let rust_name = allocator.allocate(&type_name_candidates(&enum_type.name, "Enum"), "");
        let module = module_of_enum.get(&index).copied().unwrap_or_default();
        context.enums.insert(
            enum_type.name.clone(),
            WrittenEnum {
                rust_name,
                module: module.to_string(),
                labels,
            },
        );
    }
    let mut table_order: Vec<&Table> = context.schema.tables.iter().collect();
    table_order.sort_by_key(|table| (public_first(&table.name.schema), table.name.name.clone()));
    for table in table_order {
        let rust_name = allocator.allocate(&type_name_candidates(&table.name, "Table"), "");
        context.table_names.insert(table.name.clone(), rust_name);
    }
    type_code::name_user_types(context, plans, &mut allocator);
}

/// `Users`, then `AppUsers` for a table of schema `app`.
fn type_name_candidates(name: &QualifiedName, fallback: &str) -> Vec<String> {
    let plain = upper_camel_case(&name.name, fallback);
    let mut candidates = vec![plain.clone()];
    if name.schema != PUBLIC {
        candidates.push(format!(
            "{}{plain}",
            upper_camel_case(&name.schema, "Schema")
        ));
    }
    candidates
}

fn write_file(context: &mut Context<'_>, plan: &FilePlan) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut imports: BTreeSet<Import> = BTreeSet::new();
    let mut derives: Vec<&str> = Vec::new();
    for index in &plan.enums {
        let Some(enum_type) = context.schema.enums.get(*index) else {
            continue;
        };
        if let Some(item) = write_enum(context, enum_type) {
            items.push(item);
            if !derives.contains(&"PgEnum") {
                derives.push("PgEnum");
            }
        }
    }
    for index in &plan.tables {
        let Some(table) = context.schema.tables.get(*index) else {
            continue;
        };
        items.push(write_table(context, table, &plan.module_name, &mut imports));
        if !derives.contains(&"Table") {
            derives.push("Table");
        }
    }
    items.extend(type_code::write_user_types(
        context,
        plan,
        &mut imports,
        &mut derives,
    ));
    let mut out = format!(
        "//! Written by `cargo dbkit pull` from database schema `{}`; it may be edited freely.\n",
        doc_text(&plan.schema)
    );
    match &plan.kind {
        FileKind::WholeSchema => {}
        FileKind::Group { anchor } => out.push_str(&format!(
            "//!\n//! The tables connected to `{}` by foreign keys.\n",
            doc_text(anchor)
        )),
        FileKind::Ungrouped => out.push_str(
            "//!\n//! The tables no foreign key connects to another table, and the enums that\n//! several groups of tables use.\n",
        ),
    }
    let uses = use_lines(&imports, &derives);
    if !uses.is_empty() {
        out.push('\n');
        for line in uses {
            out.push_str(&line);
            out.push('\n');
        }
    }
    for item in items {
        out.push('\n');
        out.push_str(&item);
    }
    out
}

fn write_enum(context: &mut Context<'_>, enum_type: &Enum) -> Option<String> {
    let written = context.enums.get(&enum_type.name)?;
    let mut out = String::new();
    if let Some(comment) = &enum_type.comment {
        write_comment(
            &mut out,
            0,
            comment,
            format!("enum `{}`", enum_type.name),
            &mut context.unexpressed,
        );
    }
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]\n");
    let mut attributes = Vec::new();
    if naming::snake_case(&written.rust_name) != enum_type.name.name {
        attributes.push(Meta::text("name", enum_type.name.name.clone()));
    }
    if enum_type.name.schema != PUBLIC {
        attributes.push(Meta::text("schema", enum_type.name.schema.clone()));
    }
    if !attributes.is_empty() {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &attributes);
    }
    out.push_str(&format!("pub enum {} {{\n", written.rust_name));
    let mut variants = NameAllocator::with_reserved(&["Self"]);
    for label in &written.labels {
        let variant = variants.allocate(&[upper_camel_case(label, "V")], "");
        if naming::snake_case(&variant) != *label {
            write_dbkit_attribute(
                &mut out,
                AttributePlace::Variant,
                &[Meta::text("rename", label.clone())],
            );
        }
        out.push_str(&format!("    {variant},\n"));
    }
    out.push_str("}\n");
    Some(out)
}

fn write_comment(
    out: &mut String,
    indent: usize,
    comment: &str,
    object: String,
    unexpressed: &mut Vec<Unexpressed>,
) {
    if comment_as_read_back(comment).as_deref() != Some(comment) && !comment.is_empty() {
        unexpressed.push(Unexpressed::Comment { object });
    }
    write_doc_comment(out, indent, comment);
}

/// Whether `references` can name this (see `is_plain_name` of the parser).
fn is_plain_reference_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= naming::MAX_IDENTIFIER_BYTES
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '.' | '(' | ')' | ','))
}

/// The table part of `references` (`users`, `app.users`), or why the key
/// cannot be written.
fn reference_table(schema: &Schema, table: &Table, key: &ForeignKey) -> Result<String, String> {
    let Some(target) = schema.table(&key.references) else {
        return Err(format!(
            "it references `{}`, which is not in the schema",
            key.references
        ));
    };
    let columns_exist = key
        .referenced_columns
        .iter()
        .all(|column| target.column(column).is_some())
        && key
            .columns
            .iter()
            .all(|column| table.column(column).is_some());
    if !columns_exist || key.columns.len() != key.referenced_columns.len() {
        return Err("its columns do not match the tables' columns".to_string());
    }
    let same_set = |columns: &[String]| {
        columns.len() == key.referenced_columns.len()
            && columns
                .iter()
                .all(|column| key.referenced_columns.contains(column))
    };
    let unique_target = target
        .primary_key
        .as_ref()
        .is_some_and(|primary| same_set(&primary.columns))
        || target
            .uniques
            .iter()
            .any(|unique| same_set(&unique.columns))
        || target.indexes.iter().any(|index| {
            index.unique
                && index.predicate.is_none()
                && matches!(&index.key, IndexKey::Columns(columns) if same_set(columns))
        });
    if !unique_target {
        return Err(format!(
            "the referenced columns are not the primary key or a unique key of `{}`",
            key.references
        ));
    }
    let same_name_in_own_schema = schema
        .table(&QualifiedName::new(
            table.name.schema.clone(),
            key.references.name.clone(),
        ))
        .is_some();
    let qualified = !(key.references.schema == table.name.schema
        || (key.references.schema == PUBLIC && !same_name_in_own_schema));
    let mut names: Vec<&str> = vec![key.references.name.as_str()];
    if qualified {
        names.push(&key.references.schema);
    }
    names.extend(key.referenced_columns.iter().map(String::as_str));
    if let Some(bad) = names.iter().find(|name| !is_plain_reference_name(name)) {
        return Err(format!(
            "`references` cannot name `{bad}` (it names tables and columns without quotes, so no spaces, quotes, dots, parentheses or commas)"
        ));
    }
    Ok(if qualified {
        key.references.to_string()
    } else {
        key.references.name.clone()
    })
}

fn action_text(action: ForeignKeyAction) -> Option<&'static str> {
    match action {
        ForeignKeyAction::NoAction => None,
        ForeignKeyAction::Restrict => Some("restrict"),
        ForeignKeyAction::Cascade => Some("cascade"),
        ForeignKeyAction::SetNull => Some("set null"),
        ForeignKeyAction::SetDefault => Some("set default"),
    }
}

/// A column name inside `columns(...)`: bare when it is a plain
/// identifier, else a string.
fn column_word(name: &str) -> Meta {
    Meta::word(column_text(name))
}

fn column_text(name: &str) -> String {
    if is_plain_snake(name) && !is_keyword(name) {
        name.to_string()
    } else {
        super::layout::string_literal(name)
    }
}

fn columns_meta(columns: &[String]) -> Meta {
    Meta::List("columns", columns.iter().map(|c| column_word(c)).collect())
}

fn write_table(
    context: &mut Context<'_>,
    table: &Table,
    module: &str,
    imports: &mut BTreeSet<Import>,
) -> String {
    let schema = context.schema;
    // Foreign keys and indexes the DSL can write.
    let mut foreign_keys: Vec<(&ForeignKey, String)> = Vec::new();
    for key in &table.foreign_keys {
        match reference_table(schema, table, key) {
            Ok(target) => foreign_keys.push((key, target)),
            Err(reason) => context.unexpressed.push(Unexpressed::ForeignKey {
                table: table.name.clone(),
                name: key.name.clone(),
                reason,
            }),
        }
    }
    let constraint_names: BTreeSet<&str> = table
        .primary_key
        .iter()
        .map(|key| key.name.as_str())
        .chain(table.uniques.iter().map(|unique| unique.name.as_str()))
        .chain(table.checks.iter().map(|check| check.name.as_str()))
        .chain(
            table
                .exclusions
                .iter()
                .map(|exclusion| exclusion.name.as_str()),
        )
        .chain(foreign_keys.iter().map(|(key, _)| key.name.as_str()))
        .collect();
    let mut indexes: Vec<&Index> = Vec::new();
    for index in &table.indexes {
        if constraint_names.contains(index.name.as_str()) {
            context.unexpressed.push(Unexpressed::Index {
                table: table.name.clone(),
                name: index.name.clone(),
            });
        } else {
            indexes.push(index);
        }
    }
    let key_refs: Vec<&ForeignKey> = foreign_keys.iter().map(|(key, _)| *key).collect();
    let targets: BTreeMap<&str, &str> = foreign_keys
        .iter()
        .map(|(key, target)| (key.name.as_str(), target.as_str()))
        .collect();
    let placement = place_constraints(table, &key_refs, &indexes);

    let rust_name = context
        .table_names
        .get(&table.name)
        .cloned()
        .unwrap_or_else(|| upper_camel_case(&table.name.name, "Table"));
    let mut out = String::new();
    if let Some(comment) = &table.comment {
        write_comment(
            &mut out,
            0,
            comment,
            format!("table `{}`", table.name),
            &mut context.unexpressed,
        );
    }
    out.push_str("#[derive(Debug, Clone, Table)]\n");
    let mut naming_attributes = Vec::new();
    if naming::snake_case(&rust_name) != table.name.name {
        naming_attributes.push(Meta::text("table", table.name.name.clone()));
    }
    if table.name.schema != PUBLIC {
        naming_attributes.push(Meta::text("schema", table.name.schema.clone()));
    }
    naming_attributes.extend(storage_meta(&table.storage_parameters));
    naming_attributes.extend(partition_attributes(schema, table));
    if !naming_attributes.is_empty() {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &naming_attributes);
    }
    for attribute in struct_attributes(table, &placement, &targets) {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &[attribute]);
    }
    let flags = row_security_flags(table);
    if !flags.is_empty() {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &flags);
    }
    for attribute in policy_attributes(schema, table) {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &[attribute]);
    }
    for attribute in functions::trigger_attributes(schema, table) {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &[attribute]);
    }
    if table.partition_of.is_some() {
        // A partition has its parent's columns.
        out.push_str(&format!("pub struct {rust_name};\n"));
        return out;
    }
    out.push_str(&format!("pub struct {rust_name} {{\n"));
    let field_names = field_names(table);
    for (column, field_name) in table.columns.iter().zip(field_names) {
        write_field(
            context,
            &mut out,
            table,
            column,
            &field_name,
            &placement,
            &targets,
            module,
            imports,
        );
    }
    out.push_str("}\n");
    out
}

/// `partition_by`, and `partition_of` with `bounds`: the parent by its
/// name alone when `partition_of` finds it that way (in the partition's
/// schema, then `public`), as `references` does.
fn partition_attributes(schema: &Schema, table: &Table) -> Vec<Meta> {
    let mut attributes = Vec::new();
    if let Some(partition_of) = &table.partition_of {
        let parent = &partition_of.parent;
        let same_name_in_own_schema = schema
            .table(&QualifiedName::new(
                table.name.schema.clone(),
                parent.name.clone(),
            ))
            .is_some();
        let qualified = !(parent.schema == table.name.schema
            || (parent.schema == PUBLIC && !same_name_in_own_schema));
        let written = if qualified {
            parent.to_string()
        } else {
            parent.name.clone()
        };
        attributes.push(Meta::text("partition_of", written));
        attributes.push(Meta::text("bounds", partition_of.bounds.clone()));
    }
    if let Some(partition_by) = &table.partition_by {
        attributes.push(Meta::text("partition_by", partition_by.clone()));
    }
    attributes
}

fn struct_attributes(
    table: &Table,
    placement: &Placement<'_>,
    targets: &BTreeMap<&str, &str>,
) -> Vec<Meta> {
    let mut attributes = Vec::new();
    let named = |name: Option<&str>, rest: Vec<Meta>| {
        let mut items: Vec<Meta> = name
            .map(|name| Meta::text("name", name.to_string()))
            .into_iter()
            .collect();
        items.extend(rest);
        items
    };
    if let Some((columns, name)) = placement.struct_primary_key {
        let mut rest = vec![columns_meta(columns)];
        if let Some(key) = &table.primary_key {
            rest.extend(deferral_words(key.deferrable));
        }
        attributes.push(Meta::List("primary_key", named(name, rest)));
    }
    for (unique, name) in &placement.struct_uniques {
        let mut rest = vec![columns_meta(&unique.columns)];
        rest.extend(deferral_words(unique.deferrable));
        attributes.push(Meta::List("unique", named(*name, rest)));
    }
    for (index, name) in &placement.struct_indexes {
        let mut rest = vec![match &index.key {
            IndexKey::Columns(columns) => {
                key_columns_meta(columns, &index.key_options, column_text)
            }
            IndexKey::Expression(expression) => Meta::text("expr", expression.clone()),
        }];
        if !index.include.is_empty() {
            rest.push(Meta::List(
                "include",
                index.include.iter().map(|c| column_word(c)).collect(),
            ));
        }
        rest.extend(storage_meta(&index.storage_parameters));
        if index.unique {
            rest.push(Meta::word("unique"));
        }
        let method = index.method.trim().to_lowercase();
        if !method.is_empty() && method != "btree" {
            rest.push(Meta::text("method", method));
        }
        if let Some(predicate) = &index.predicate {
            rest.push(Meta::text("where", predicate.clone()));
        }
        attributes.push(Meta::List("index", named(*name, rest)));
    }
    for check in &table.checks {
        attributes.push(Meta::List(
            "check",
            [
                Meta::text("name", check.name.clone()),
                Meta::text("expr", check.expr.clone()),
            ]
            .into_iter()
            .chain(not_valid_word(check.not_valid))
            .collect(),
        ));
    }
    for (key, name) in &placement.struct_foreign_keys {
        let target = targets.get(key.name.as_str()).copied().unwrap_or_default();
        let mut rest = vec![
            columns_meta(&key.columns),
            Meta::text(
                "references",
                format!("{target}({})", key.referenced_columns.join(", ")),
            ),
        ];
        if let Some(action) = action_text(key.on_delete) {
            rest.push(Meta::text("on_delete", action));
        }
        if let Some(action) = action_text(key.on_update) {
            rest.push(Meta::text("on_update", action));
        }
        rest.extend(deferral_words(key.deferrable));
        rest.extend(not_valid_word(key.not_valid));
        attributes.push(Meta::List("foreign_key", named(*name, rest)));
    }
    for exclusion in &table.exclusions {
        attributes.push(exclusion_meta(exclusion));
    }
    attributes
}

/// Field names (without `r#`), one per column: the column's own name when
/// it is a plain snake_case identifier, else a snake_case spelling made
/// unique.
fn field_names(table: &Table) -> Vec<String> {
    let mut allocator = NameAllocator::default();
    for column in &table.columns {
        if is_usable_identifier(&column.name) {
            allocator.reserve(&column.name);
        }
    }
    table
        .columns
        .iter()
        .map(|column| {
            if is_usable_identifier(&column.name) {
                return column.name.clone();
            }
            let mut candidate = snake_case_identifier(&column.name, "column");
            if !is_usable_identifier(&candidate) {
                candidate.push('_');
            }
            allocator.allocate(&[candidate], "_")
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn write_field(
    context: &mut Context<'_>,
    out: &mut String,
    table: &Table,
    column: &Column,
    field_name: &str,
    placement: &Placement<'_>,
    targets: &BTreeMap<&str, &str>,
    module: &str,
    imports: &mut BTreeSet<Import>,
) {
    let in_primary_key = table
        .primary_key
        .as_ref()
        .is_some_and(|key| key.columns.contains(&column.name));
    let integer = is_integer_type(&canonical_column_type(&column.ty));
    let (identity, serial) = if integer {
        (column.identity, column.serial && column.identity.is_none())
    } else {
        if column.identity.is_some() || column.serial {
            context.unexpressed.push(Unexpressed::Generator {
                table: table.name.clone(),
                column: column.name.clone(),
            });
        }
        (None, false)
    };
    let nullable = column.nullable && !in_primary_key && identity.is_none() && !serial;

    let enums = &context.enums;
    let user_types = &context.user_types;
    let enum_place = |name: &QualifiedName| {
        enums
            .get(name)
            .map(|written| EnumPlace {
                module: written.module.clone(),
                rust_name: written.rust_name.clone(),
            })
            .or_else(|| user_types.get(name).cloned())
    };
    let names_enum = |text: &str| {
        let BaseType::Builtin(canonical) = parse_sql_type(text).base else {
            return false;
        };
        let candidates = match canonical.split_once('.') {
            Some((schema, name)) => vec![QualifiedName::new(schema, name)],
            None => vec![
                QualifiedName::new(table.name.schema.clone(), canonical.clone()),
                QualifiedName::new(PUBLIC, canonical.clone()),
            ],
        };
        candidates
            .iter()
            .any(|name| enums.contains_key(name) || user_types.contains_key(name))
    };
    let mut problem = None;
    let FieldType {
        rust,
        sql_type,
        imports: needed,
    } = field_type(
        &column.ty,
        nullable,
        module,
        &enum_place,
        &names_enum,
        context.type_relatives,
        &mut problem,
    );
    imports.extend(needed);
    if let Some(reason) = problem {
        context.unexpressed.push(Unexpressed::ColumnType {
            table: table.name.clone(),
            column: column.name.clone(),
            reason,
        });
    }

    let mut attributes = Vec::new();
    if field_name != column.name {
        attributes.push(Meta::text("column", column.name.clone()));
    }
    if let Some(sql_type) = sql_type {
        attributes.push(Meta::text("sql_type", sql_type));
    }
    if let Some(collation) = &column.collation {
        attributes.push(Meta::text("collate", collation.clone()));
    }
    if placement.field_primary_key == Some(column.name.as_str()) {
        attributes.push(Meta::word("primary_key"));
    }
    match identity {
        Some(Identity::ByDefault) => attributes.push(Meta::word("identity")),
        Some(Identity::Always) => attributes.push(Meta::text("identity", "always")),
        None if serial => attributes.push(Meta::word("serial")),
        None => {}
    }
    if placement.field_uniques.contains(column.name.as_str()) {
        attributes.push(Meta::word("unique"));
    }
    if placement.field_indexes.contains(column.name.as_str()) {
        attributes.push(Meta::word("index"));
    }
    if let Some((_, key)) = placement
        .field_foreign_keys
        .iter()
        .find(|(name, _)| *name == column.name)
    {
        let target = targets.get(key.name.as_str()).copied().unwrap_or_default();
        let referenced = key.referenced_columns.first().cloned().unwrap_or_default();
        attributes.push(Meta::text("references", format!("{target}.{referenced}")));
        if let Some(action) = action_text(key.on_delete) {
            attributes.push(Meta::text("on_delete", action));
        }
        if let Some(action) = action_text(key.on_update) {
            attributes.push(Meta::text("on_update", action));
        }
    }
    let generated = column
        .generated
        .as_ref()
        .filter(|expression| !expression.trim().is_empty());
    if let Some(default) = &column.default
        && identity.is_none()
        && !serial
        && generated.is_none()
        && !default.trim().is_empty()
    {
        attributes.push(Meta::text("default", simplify_default(default, &column.ty)));
    }
    if let Some(expression) = generated {
        attributes.push(Meta::text("generated", expression.clone()));
    }

    if let Some(comment) = &column.comment {
        write_comment(
            out,
            4,
            comment,
            format!("column `{}` of `{}`", column.name, table.name),
            &mut context.unexpressed,
        );
    }
    if !attributes.is_empty() {
        write_dbkit_attribute(out, AttributePlace::Field, &attributes);
    }
    out.push_str(&format!(
        "    pub {}: {rust},\n",
        written_identifier(field_name)
    ));
}
