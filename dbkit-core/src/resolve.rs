//! Turns the declarations of a whole workspace into one checked schema model.
//!
//! What no single item can know is decided here, with every declaration of
//! the workspace in view:
//!
//! - a field type that is not in the mapping table must name exactly one
//!   `PgEnum` (by the enum's Rust name); a `sql_type` that names a declared
//!   enum by its SQL name (`post_status` or `blog.post_status`) becomes that
//!   enum;
//! - `references = "table.column"` without a schema points at the table of
//!   that name in the referencing table's own schema if there is one, and in
//!   `public` otherwise; the referenced table and columns must exist and be
//!   the primary key or a unique constraint, as PostgreSQL requires;
//! - two tables or two enums with the same qualified name, or an enum and a
//!   table sharing one (PostgreSQL gives every table a type of its name),
//!   are errors naming both places;
//! - a trigger's function must be declared when it is in one of the
//!   workspace's schemas (`resolve/functions.rs`).
//!
//! - two `Extension`s with one name, or two `SqlObject`s with one kind and
//!   identity, are errors naming both places.
//!
//! Declarations are considered in source order (file, line, column), so the
//! result and the errors do not depend on the order files were parsed in.

use crate::model::{
    BaseType, Column, ColumnType, Enum, Extension, ForeignKey, IndexKey, Policy, QualifiedName,
    Schema, SourceLocation, SqlObject, Table,
};
use crate::parse::{
    ColumnDeclaration, Declaration, DeclaredType, EnumDeclaration, ExtensionDeclaration,
    ForeignKeyDeclaration, FunctionDeclaration, SchemaError, SourcePlace, SqlObjectDeclaration,
    TableDeclaration, ViewDeclaration, closest_match,
};
use std::collections::{BTreeSet, HashMap};
use user_types::{NamedType, UserTypeDeclarations};

mod functions;
mod user_types;

mod views;

mod partition;

/// The schema the declarations make up, or every error found, sorted by
/// location.
pub fn resolve_schema(declarations: Vec<Declaration>) -> Result<Schema, Vec<SchemaError>> {
    let mut declarations = declarations;
    declarations
        .sort_by(|a, b| location_key(&a.place().location).cmp(&location_key(&b.place().location)));
    let mut errors = Vec::new();
    let mut tables: Vec<TableDeclaration> = Vec::new();
    let mut enums: Vec<EnumDeclaration> = Vec::new();
    let mut extensions: Vec<ExtensionDeclaration> = Vec::new();
    let mut objects: Vec<SqlObjectDeclaration> = Vec::new();
    let mut user_type_declarations = UserTypeDeclarations::default();
    let mut views: Vec<ViewDeclaration> = Vec::new();
    let mut function_declarations: Vec<FunctionDeclaration> = Vec::new();
    for declaration in declarations {
        match declaration {
            Declaration::Table(table) => tables.push(table),
            Declaration::Enum(enum_declaration) => enums.push(enum_declaration),
            Declaration::Extension(extension) => extensions.push(extension),
            Declaration::SqlObject(object) => objects.push(object),
            Declaration::View(view) => views.push(view),
            Declaration::Function(function) => function_declarations.push(function),
            other => user_type_declarations.push(other),
        }
    }
    let (extensions, objects) = resolve_sql_objects(extensions, objects, &mut errors);
    let user_schemas: BTreeSet<String> = std::iter::once("public".to_string())
        .chain(tables.iter().map(|table| table.name.schema.clone()))
        .chain(enums.iter().map(|e| e.name.schema.clone()))
        .chain(
            function_declarations
                .iter()
                .map(|f| f.function.name.schema.clone()),
        )
        .collect();
    let functions = functions::resolve_functions(function_declarations, &mut errors);
    let mut triggers = Vec::new();
    for table in &mut tables {
        let declared = std::mem::take(&mut table.triggers);
        triggers.extend(functions::resolve_triggers(
            declared,
            &functions,
            &user_schemas,
            &mut errors,
        ));
    }
    let type_kept: user_types::Kept;
    let composite_attribute_types: Vec<Vec<ColumnType>>;

    let mut enum_kept = vec![false; enums.len()];
    let mut table_kept = vec![false; tables.len()];
    // What needs the whole workspace in view, computed over borrowed
    // declarations; the model is then built by moving them.
    let mut column_types: Vec<Vec<ColumnType>> = Vec::with_capacity(tables.len());
    let mut foreign_key_targets: Vec<Vec<QualifiedName>> = Vec::with_capacity(tables.len());
    let view_column_types: Vec<Option<Vec<ColumnType>>>;
    let mut partition_parents: Vec<Option<QualifiedName>> = Vec::with_capacity(tables.len());
    {
        let mut enums_by_name: HashMap<QualifiedName, &EnumDeclaration> = HashMap::new();
        for (index, enum_declaration) in enums.iter().enumerate() {
            if let Some(first) = enums_by_name.get(&enum_declaration.name) {
                errors.push(
                    SchemaError::at(&enum_declaration.place, format!("the enum `{}` is declared twice", enum_declaration.name))
                        .with_label("declared again here")
                        .with_related(first.place.location.clone(), "first declared here")
                        .with_help("give one of them another name with `#[dbkit(name = \"...\")]` or another `schema`"),
                );
                continue;
            }
            enums_by_name.insert(enum_declaration.name.clone(), enum_declaration);
            enum_kept[index] = true;
        }
        let mut tables_by_name: HashMap<QualifiedName, &TableDeclaration> = HashMap::new();
        for (index, table) in tables.iter().enumerate() {
            if let Some(first) = tables_by_name.get(&table.name) {
                errors.push(
                    SchemaError::at(&table.place, format!("the table `{}` is declared twice", table.name))
                        .with_label("declared again here")
                        .with_related(first.place.location.clone(), "first declared here")
                        .with_help("give one of them another name with `#[dbkit(table = \"...\")]` or another `schema`"),
                );
                continue;
            }
            if let Some(enum_declaration) = enums_by_name.get(&table.name) {
                errors.push(
                    SchemaError::at(&table.place, format!("the table `{}` has the name of an enum", table.name))
                        .with_label("a table of this name")
                        .with_related(enum_declaration.place.location.clone(), "the enum is declared here")
                        .with_help("PostgreSQL gives every table a type of the same name: rename the table or the enum"),
                );
                continue;
            }
            tables_by_name.insert(table.name.clone(), table);
            table_kept[index] = true;
        }
        let mut named_types: Vec<(&str, NamedType)> = enums
            .iter()
            .zip(&enum_kept)
            .filter(|(_, kept)| **kept)
            .map(|(enum_declaration, _)| {
                (
                    enum_declaration.rust_name.as_str(),
                    NamedType {
                        name: enum_declaration.name.clone(),
                        base: BaseType::Enum(enum_declaration.name.clone()),
                        place: enum_declaration.place.location.clone(),
                    },
                )
            })
            .collect();
        type_kept = user_types::check_names(
            &user_type_declarations,
            &enums_by_name,
            &tables_by_name,
            &mut errors,
        );
        named_types.extend(user_types::named_types(&user_type_declarations, &type_kept));
        let mut types_by_rust_name: HashMap<&str, Vec<NamedType>> = HashMap::new();
        let mut types_by_sql_name: HashMap<QualifiedName, BaseType> = HashMap::new();
        for (rust_name, named_type) in named_types {
            types_by_sql_name.insert(named_type.name.clone(), named_type.base.clone());
            types_by_rust_name
                .entry(rust_name)
                .or_default()
                .push(named_type);
        }
        let context = Context {
            tables_by_name: &tables_by_name,
            enums_by_name: &enums_by_name,
            types_by_rust_name,
            types_by_sql_name,
        };
        composite_attribute_types = user_types::resolve_attribute_types(
            &context,
            &user_type_declarations,
            &type_kept,
            &mut errors,
        );
        for (table, kept) in tables.iter().zip(&table_kept) {
            if !*kept {
                column_types.push(Vec::new());
                foreign_key_targets.push(Vec::new());
                partition_parents.push(None);
                continue;
            }
            partition_parents.push(match context.resolve_partition_parent(table) {
                Ok(parent) => parent,
                Err(error) => {
                    errors.push(*error);
                    None
                }
            });
            let mut types = Vec::with_capacity(table.columns.len());
            for column in &table.columns {
                match context.resolve_column_type(table, column) {
                    Ok(ty) => types.push(ty),
                    Err(error) => errors.push(*error),
                }
            }
            let mut targets = Vec::with_capacity(table.foreign_keys.len());
            for foreign_key in &table.foreign_keys {
                match context.resolve_foreign_key_target(table, foreign_key) {
                    Ok(target) => targets.push(target),
                    Err(error) => errors.push(*error),
                }
            }
            column_types.push(types);
            foreign_key_targets.push(targets);
        }
        view_column_types = views::resolve_view_types(&views, &context, &mut errors);
        errors.extend(partition::cycles(&tables, &partition_parents));
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| location_key(&a.location).cmp(&location_key(&b.location)));
        return Err(errors);
    }

    let mut schema = Schema::default();
    for (enum_declaration, kept) in enums.into_iter().zip(enum_kept) {
        if !kept {
            continue;
        }
        if enum_declaration.name.schema != "public" {
            schema.schemas.push(enum_declaration.name.schema.clone());
        }
        schema.enums.push(Enum {
            comment: enum_declaration.comment,
            renamed_from: enum_declaration.renamed_from,
            source: Some(enum_declaration.place.location),
            ..Enum::new(enum_declaration.name, enum_declaration.values)
        });
    }
    let resolved = tables
        .into_iter()
        .zip(table_kept)
        .zip(column_types.into_iter().zip(foreign_key_targets))
        .zip(partition_parents);
    for (((table, kept), (types, targets)), parent) in resolved {
        if !kept {
            continue;
        }
        if table.name.schema != "public" {
            schema.schemas.push(table.name.schema.clone());
        }
        schema.policies.extend(table_policies(&table));
        let bounds = table
            .partition_of
            .as_ref()
            .map(|partition| partition.bounds.clone());
        let partition_by = table.partition_by.clone();
        let mut built = build_table(table, types, targets);
        built.partition_by = partition_by;
        if let (Some(parent), Some(bounds)) = (parent, bounds) {
            built = built.with_partition_of(parent, bounds);
        }
        schema.tables.push(built);
    }
    // `WITH SCHEMA` needs the schema: the migration creates it, as it
    // creates a table's (not one of PostgreSQL's own).
    schema
        .schemas
        .extend(extensions.iter().filter_map(extension_user_schema));
    schema.extensions = extensions;
    schema.objects = objects;
    user_types::build(
        &mut schema,
        user_type_declarations,
        &type_kept,
        composite_attribute_types,
    );
    for (view, types) in views.into_iter().zip(view_column_types) {
        if let Some(types) = types {
            if view.name.schema != "public" {
                schema.schemas.push(view.name.schema.clone());
            }
            schema.views.push(views::build_view(view, types));
        }
    }
    for function in &functions {
        if function.name.schema != "public" {
            schema.schemas.push(function.name.schema.clone());
        }
    }
    schema.functions = functions;
    schema.triggers = triggers;
    schema.canonicalize();
    Ok(schema)
}

/// The schema an extension goes into, when it is one the migrations
/// create: neither `public` nor one of PostgreSQL's own.
pub fn extension_user_schema(extension: &Extension) -> Option<String> {
    let schema = extension.schema.as_deref()?;
    let builtin = schema == "public" || schema == "information_schema" || schema.starts_with("pg_");
    (!builtin).then(|| schema.to_string())
}

/// The model table, moving the declaration's parts into it.
fn build_table(
    table: TableDeclaration,
    types: Vec<ColumnType>,
    targets: Vec<QualifiedName>,
) -> Table {
    let columns = table
        .columns
        .into_iter()
        .zip(types)
        .map(|(column, ty)| Column {
            nullable: column.nullable,
            default: column.default,
            identity: column.identity,
            serial: column.serial,
            generated: column.generated,
            collation: column.collation,
            comment: column.comment,
            renamed_from: column.renamed_from,
            source: Some(column.place.location),
            ..Column::new(column.name, ty)
        })
        .collect();
    let foreign_keys = table
        .foreign_keys
        .into_iter()
        .zip(targets)
        .map(|(foreign_key, references)| ForeignKey {
            source: Some(foreign_key.place.location),
            ..ForeignKey::new(
                foreign_key.name,
                foreign_key.columns,
                references,
                foreign_key.target.columns,
            )
            .with_actions(foreign_key.on_delete, foreign_key.on_update)
            .with_deferrable(foreign_key.deferrable)
            .with_not_valid(foreign_key.not_valid)
        })
        .collect();
    Table {
        columns,
        primary_key: table.primary_key,
        foreign_keys,
        uniques: table.uniques,
        checks: table.checks,
        indexes: table.indexes,
        exclusions: table.exclusions,
        storage_parameters: table.storage_parameters,
        comment: table.comment,
        row_level_security: table.row_level_security,
        force_row_level_security: table.force_row_level_security,
        renamed_from: table.renamed_from,
        source: Some(table.place.location),
        ..Table::new(table.name)
    }
}

/// The policies a table declares, on that table.
fn table_policies(table: &TableDeclaration) -> impl Iterator<Item = Policy> + '_ {
    table.policies.iter().map(|policy| Policy {
        command: policy.command,
        restrictive: policy.restrictive,
        roles: policy.roles.clone(),
        using: policy.using.clone(),
        with_check: policy.with_check.clone(),
        source: Some(policy.place.location.clone()),
        ..Policy::new(policy.name.clone(), table.name.clone())
    })
}

fn location_key(location: &SourceLocation) -> (&str, usize, usize) {
    (location.file.as_str(), location.line, location.column)
}

/// Everything the workspace declares, by the names fields use.
struct Context<'a> {
    tables_by_name: &'a HashMap<QualifiedName, &'a TableDeclaration>,
    /// The enums by their SQL names, for the names a view may not take.
    enums_by_name: &'a HashMap<QualifiedName, &'a EnumDeclaration>,
    /// Enums, domains and composite types by their Rust names.
    types_by_rust_name: HashMap<&'a str, Vec<NamedType>>,
    /// The same by their SQL names.
    types_by_sql_name: HashMap<QualifiedName, BaseType>,
}

impl Context<'_> {
    fn resolve_column_type(
        &self,
        table: &TableDeclaration,
        column: &ColumnDeclaration,
    ) -> Result<ColumnType, Box<SchemaError>> {
        self.resolve_declared_type(&table.name.schema, &column.ty, &column.type_place)
    }

    /// The type of a column or of a composite type's attribute declared in
    /// `schema`.
    fn resolve_declared_type(
        &self,
        schema: &str,
        declared: &DeclaredType,
        type_place: &SourcePlace,
    ) -> Result<ColumnType, Box<SchemaError>> {
        let ty = match declared {
            DeclaredType::Mapped(ty) => ty.clone(),
            DeclaredType::SqlType(ty) => self
                .type_named_by_sql_type(schema, ty)
                .unwrap_or_else(|| ty.clone()),
            DeclaredType::EnumCandidate {
                rust_name,
                array_dims,
            } => {
                let candidates = self
                    .types_by_rust_name
                    .get(rust_name.as_str())
                    .map_or(&[][..], Vec::as_slice);
                match candidates {
                    [] => {
                        return Err(Box::new(unmapped_type_error(type_place, rust_name)));
                    }
                    [only] => ColumnType {
                        base: only.base.clone(),
                        array_dims: *array_dims,
                    },
                    several @ [first, ..] => {
                        let names: Vec<String> =
                            several.iter().map(|e| format!("`{}`", e.name)).collect();
                        let what = if several
                            .iter()
                            .all(|candidate| matches!(candidate.base, BaseType::Enum(_)))
                        {
                            "enum"
                        } else {
                            "type"
                        };
                        let mut error = SchemaError::at(
                            type_place,
                            format!("ambiguous {what} name `{rust_name}`"),
                        )
                        .with_label(format!(
                            "{} {what}s are called `{rust_name}`",
                            several.len()
                        ))
                        .with_help(format!(
                            "say which one with `sql_type`, e.g. `sql_type = \"{}\"` (one of {})",
                            qualified_sql_name(&first.name),
                            names.join(", ")
                        ));
                        for candidate in several {
                            error = error.with_related(
                                candidate.place.clone(),
                                format!("`{rust_name}` is declared here as `{}`", candidate.name),
                            );
                        }
                        return Err(Box::new(error));
                    }
                }
            }
        };
        Ok(ty)
    }

    /// `sql_type = "post_status"` (or `"blog.post_status"`, `"post_status[]"`)
    /// naming a declared enum, domain or composite type: in the given
    /// schema, else the declaring item's, else `public`.
    fn type_named_by_sql_type(&self, schema: &str, ty: &ColumnType) -> Option<ColumnType> {
        let BaseType::Builtin(text) = &ty.base else {
            return None;
        };
        let candidates = match text.split_once('.') {
            Some((schema, name)) => vec![QualifiedName::new(schema, name)],
            None => vec![
                QualifiedName::new(schema, text.clone()),
                QualifiedName::new("public", text.clone()),
            ],
        };
        let found = candidates
            .into_iter()
            .find_map(|name| self.types_by_sql_name.get(&name))?;
        Some(ColumnType {
            base: found.clone(),
            array_dims: ty.array_dims,
        })
    }

    /// The partitioned table a partition's `partition_of` names, checked.
    fn resolve_partition_parent(
        &self,
        table: &TableDeclaration,
    ) -> Result<Option<QualifiedName>, Box<SchemaError>> {
        match &table.partition_of {
            Some(partition) => {
                partition::resolve_parent(self.tables_by_name, table, partition).map(Some)
            }
            None => Ok(None),
        }
    }

    /// The table a foreign key points at, checked.
    fn resolve_foreign_key_target(
        &self,
        table: &TableDeclaration,
        foreign_key: &ForeignKeyDeclaration,
    ) -> Result<QualifiedName, Box<SchemaError>> {
        let target = &foreign_key.target;
        let target_name = match &target.schema {
            Some(schema) => QualifiedName::new(schema.clone(), target.table.clone()),
            None => {
                let same_schema =
                    QualifiedName::new(table.name.schema.clone(), target.table.clone());
                if self.tables_by_name.contains_key(&same_schema) {
                    same_schema
                } else {
                    QualifiedName::new("public", target.table.clone())
                }
            }
        };
        let Some(referenced) = self.tables_by_name.get(&target_name) else {
            let known: Vec<String> = self.tables_by_name.keys().map(qualified_sql_name).collect();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            let written = match &target.schema {
                Some(schema) => format!("{schema}.{}", target.table),
                None => target.table.clone(),
            };
            let error = SchemaError::at(
                &foreign_key.place,
                format!("`references` names an unknown table `{target_name}`"),
            )
            .with_label("no table of this name in the workspace");
            return Err(Box::new(match closest_match(&written, &known) {
                Some(suggestion) => error.with_help(format!("did you mean `{suggestion}`?")),
                None => {
                    error.with_help("declare the table with `#[derive(Table)]`, or fix the name")
                }
            }));
        };
        for column in &target.columns {
            if !referenced
                .columns
                .iter()
                .any(|candidate| &candidate.name == column)
            {
                let known: Vec<&str> = referenced.columns.iter().map(|c| c.name.as_str()).collect();
                let error = SchemaError::at(
                    &foreign_key.place,
                    format!("`references` names an unknown column `{column}` of `{target_name}`"),
                )
                .with_label("no column of this name in that table")
                .with_related(
                    referenced.place.location.clone(),
                    format!("`{target_name}` is declared here"),
                );
                return Err(Box::new(match closest_match(column, &known) {
                    Some(suggestion) => error.with_help(format!("did you mean `{suggestion}`?")),
                    None => error.with_help(format!(
                        "the columns of `{target_name}` are: {}",
                        known.join(", ")
                    )),
                }));
            }
        }
        if target.columns.len() != foreign_key.columns.len() {
            return Err(Box::new(
                SchemaError::at(
                    &foreign_key.place,
                    format!(
                        "the foreign key has {} columns but references {}",
                        foreign_key.columns.len(),
                        target.columns.len()
                    ),
                )
                .with_help("list as many referenced columns as the key has, in the same order"),
            ));
        }
        if !is_unique_key(referenced, &target.columns) {
            return Err(Box::new(SchemaError::at(
                &foreign_key.place,
                format!("`{target_name}({})` is not a primary key or unique", target.columns.join(", ")),
            )
            .with_label("PostgreSQL refuses a foreign key to these columns")
            .with_related(referenced.place.location.clone(), format!("`{target_name}` is declared here"))
            .with_help("reference the primary key, or make the referenced columns unique (`#[dbkit(unique)]` on the field or `unique(columns(...))` on the struct)")));
        }
        Ok(target_name)
    }
}

fn unmapped_type_error(place: &SourcePlace, rust_name: &str) -> SchemaError {
    SchemaError::at(
        place,
        format!("the type `{rust_name}` has no PostgreSQL mapping"),
    )
    .with_label("not a mapped type nor a `PgEnum`, `Domain` or `CompositeType` of the workspace")
    .with_help("add `sql_type = \"...\"` or derive `PgEnum`, `Domain` or `CompositeType` for it")
}

/// `public.users` is written `users`.
fn qualified_sql_name(name: &QualifiedName) -> String {
    if name.schema == "public" {
        name.name.clone()
    } else {
        name.to_string()
    }
}

/// Whether the columns are, as a set, the primary key, a unique constraint
/// or a unique index on plain columns without a predicate.
fn is_unique_key(table: &TableDeclaration, columns: &[String]) -> bool {
    let same_set = |key: &[String]| {
        key.len() == columns.len() && key.iter().all(|column| columns.contains(column))
    };
    table
        .primary_key
        .as_ref()
        .is_some_and(|key| same_set(&key.columns))
        || table.uniques.iter().any(|unique| same_set(&unique.columns))
        || table.indexes.iter().any(|index| {
            index.unique
                && index.predicate.is_none()
                && matches!(&index.key, IndexKey::Columns(key) if same_set(key))
        })
}

/// The extensions and generic objects, each declared once (the first of
/// two with one key is kept, the second is an error).
fn resolve_sql_objects(
    extensions: Vec<ExtensionDeclaration>,
    objects: Vec<SqlObjectDeclaration>,
    errors: &mut Vec<SchemaError>,
) -> (Vec<Extension>, Vec<SqlObject>) {
    let mut extension_places: HashMap<String, SourcePlace> = HashMap::new();
    let mut resolved_extensions = Vec::new();
    for declaration in extensions {
        if let Some(first) = extension_places.get(&declaration.name) {
            errors.push(
                SchemaError::at(
                    &declaration.place,
                    format!("the extension `{}` is declared twice", declaration.name),
                )
                .with_label("declared again here")
                .with_related(first.location.clone(), "first declared here")
                .with_help("remove one of the two declarations"),
            );
            continue;
        }
        extension_places.insert(declaration.name.clone(), declaration.place.clone());
        resolved_extensions.push(Extension {
            schema: declaration.schema,
            source: Some(declaration.place.location),
            ..Extension::new(declaration.name)
        });
    }
    let mut object_places: HashMap<(String, String), SourcePlace> = HashMap::new();
    let mut resolved_objects = Vec::new();
    for declaration in objects {
        let key = (declaration.kind.clone(), declaration.identity.clone());
        if let Some(first) = object_places.get(&key) {
            errors.push(
                SchemaError::at(
                    &declaration.place,
                    format!(
                        "the {} `{}` is declared twice",
                        declaration.kind, declaration.identity
                    ),
                )
                .with_label("declared again here")
                .with_related(first.location.clone(), "first declared here")
                .with_help("remove one of the two declarations"),
            );
            continue;
        }
        object_places.insert(key, declaration.place.clone());
        resolved_objects.push(SqlObject {
            kind: declaration.kind,
            identity: declaration.identity,
            definition: declaration.definition,
            drop: declaration.drop,
            depends_on: declaration.depends_on,
            source: Some(declaration.place.location),
        });
    }
    (resolved_extensions, resolved_objects)
}
