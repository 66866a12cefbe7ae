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
//!   are errors naming both places.
//!
//! Declarations are considered in source order (file, line, column), so the
//! result and the errors do not depend on the order files were parsed in.

use crate::model::{
    BaseType, Column, ColumnType, Enum, ForeignKey, IndexKey, QualifiedName, Schema,
    SourceLocation, Table,
};
use crate::parse::{
    ColumnDeclaration, Declaration, DeclaredType, EnumDeclaration, ForeignKeyDeclaration,
    SchemaError, SourcePlace, TableDeclaration, closest_match,
};
use std::collections::HashMap;

/// The schema the declarations make up, or every error found, sorted by
/// location.
pub fn resolve_schema(declarations: Vec<Declaration>) -> Result<Schema, Vec<SchemaError>> {
    let mut declarations = declarations;
    declarations
        .sort_by(|a, b| location_key(&a.place().location).cmp(&location_key(&b.place().location)));
    let mut errors = Vec::new();
    let mut tables: Vec<TableDeclaration> = Vec::new();
    let mut enums: Vec<EnumDeclaration> = Vec::new();
    for declaration in declarations {
        match declaration {
            Declaration::Table(table) => tables.push(table),
            Declaration::Enum(enum_declaration) => enums.push(enum_declaration),
        }
    }

    let mut enums_by_name: HashMap<QualifiedName, &EnumDeclaration> = HashMap::new();
    let mut kept_enums: Vec<&EnumDeclaration> = Vec::new();
    for enum_declaration in &enums {
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
        kept_enums.push(enum_declaration);
    }
    let mut tables_by_name: HashMap<QualifiedName, &TableDeclaration> = HashMap::new();
    let mut kept_tables: Vec<&TableDeclaration> = Vec::new();
    for table in &tables {
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
        kept_tables.push(table);
    }
    let mut enums_by_rust_name: HashMap<&str, Vec<&EnumDeclaration>> = HashMap::new();
    for enum_declaration in &kept_enums {
        enums_by_rust_name
            .entry(enum_declaration.rust_name.as_str())
            .or_default()
            .push(enum_declaration);
    }
    let context = Context {
        tables_by_name: &tables_by_name,
        enums_by_name: &enums_by_name,
        enums_by_rust_name,
    };

    let mut schema = Schema::default();
    for enum_declaration in &kept_enums {
        if enum_declaration.name.schema != "public" {
            schema.schemas.push(enum_declaration.name.schema.clone());
        }
        schema.enums.push(Enum {
            name: enum_declaration.name.clone(),
            values: enum_declaration.values.clone(),
            comment: enum_declaration.comment.clone(),
            source: Some(enum_declaration.place.location.clone()),
        });
    }
    for table in &kept_tables {
        if table.name.schema != "public" {
            schema.schemas.push(table.name.schema.clone());
        }
        let columns: Vec<Column> = table
            .columns
            .iter()
            .filter_map(|column| context.resolve_column(table, column, &mut errors))
            .collect();
        let foreign_keys: Vec<ForeignKey> = table
            .foreign_keys
            .iter()
            .filter_map(|foreign_key| context.resolve_foreign_key(table, foreign_key, &mut errors))
            .collect();
        schema.tables.push(Table {
            name: table.name.clone(),
            columns,
            primary_key: table.primary_key.clone(),
            foreign_keys,
            uniques: table.uniques.clone(),
            checks: table.checks.clone(),
            indexes: table.indexes.clone(),
            comment: table.comment.clone(),
            renamed_from: table.renamed_from.clone(),
            source: Some(table.place.location.clone()),
        });
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| location_key(&a.location).cmp(&location_key(&b.location)));
        return Err(errors);
    }
    schema.canonicalize();
    Ok(schema)
}

fn location_key(location: &SourceLocation) -> (&str, usize, usize) {
    (location.file.as_str(), location.line, location.column)
}

/// Everything the workspace declares, by the names fields use.
struct Context<'a> {
    tables_by_name: &'a HashMap<QualifiedName, &'a TableDeclaration>,
    enums_by_name: &'a HashMap<QualifiedName, &'a EnumDeclaration>,
    enums_by_rust_name: HashMap<&'a str, Vec<&'a EnumDeclaration>>,
}

impl Context<'_> {
    /// The column with its type resolved, or `None` after pushing an error.
    fn resolve_column(
        &self,
        table: &TableDeclaration,
        column: &ColumnDeclaration,
        errors: &mut Vec<SchemaError>,
    ) -> Option<Column> {
        match self.resolve_column_type(table, column) {
            Ok(ty) => Some(Column {
                name: column.name.clone(),
                ty,
                nullable: column.nullable,
                default: column.default.clone(),
                identity: column.identity,
                serial: column.serial,
                generated: column.generated.clone(),
                comment: column.comment.clone(),
                renamed_from: column.renamed_from.clone(),
                source: Some(column.place.location.clone()),
            }),
            Err(error) => {
                errors.push(*error);
                None
            }
        }
    }

    fn resolve_column_type(
        &self,
        table: &TableDeclaration,
        column: &ColumnDeclaration,
    ) -> Result<ColumnType, Box<SchemaError>> {
        let ty = match &column.ty {
            DeclaredType::Mapped(ty) => ty.clone(),
            DeclaredType::SqlType(ty) => self
                .enum_named_by_sql_type(table, ty)
                .unwrap_or_else(|| ty.clone()),
            DeclaredType::EnumCandidate {
                rust_name,
                array_dims,
            } => {
                let candidates = self
                    .enums_by_rust_name
                    .get(rust_name.as_str())
                    .map_or(&[][..], Vec::as_slice);
                match candidates {
                    [] => {
                        return Err(Box::new(unmapped_type_error(&column.type_place, rust_name)));
                    }
                    [only] => ColumnType {
                        base: BaseType::Enum(only.name.clone()),
                        array_dims: *array_dims,
                    },
                    several @ [first, ..] => {
                        let names: Vec<String> =
                            several.iter().map(|e| format!("`{}`", e.name)).collect();
                        let mut error = SchemaError::at(
                            &column.type_place,
                            format!("ambiguous enum name `{rust_name}`"),
                        )
                        .with_label(format!("{} enums are called `{rust_name}`", several.len()))
                        .with_help(format!(
                            "say which one with `sql_type`, e.g. `sql_type = \"{}\"` (one of {})",
                            qualified_sql_name(&first.name),
                            names.join(", ")
                        ));
                        for candidate in several {
                            error = error.with_related(
                                candidate.place.location.clone(),
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
    /// naming a declared enum: in the given schema, else the table's, else
    /// `public`.
    fn enum_named_by_sql_type(
        &self,
        table: &TableDeclaration,
        ty: &ColumnType,
    ) -> Option<ColumnType> {
        let BaseType::Builtin(text) = &ty.base else {
            return None;
        };
        let candidates = match text.split_once('.') {
            Some((schema, name)) => vec![QualifiedName::new(schema, name)],
            None => vec![
                QualifiedName::new(table.name.schema.clone(), text.clone()),
                QualifiedName::new("public", text.clone()),
            ],
        };
        let found = candidates
            .into_iter()
            .find_map(|name| self.enums_by_name.get(&name))?;
        Some(ColumnType {
            base: BaseType::Enum(found.name.clone()),
            array_dims: ty.array_dims,
        })
    }

    /// The foreign key with its target resolved, or `None` after pushing an
    /// error.
    fn resolve_foreign_key(
        &self,
        table: &TableDeclaration,
        foreign_key: &ForeignKeyDeclaration,
        errors: &mut Vec<SchemaError>,
    ) -> Option<ForeignKey> {
        match self.check_foreign_key(table, foreign_key) {
            Ok(foreign_key) => Some(foreign_key),
            Err(error) => {
                errors.push(*error);
                None
            }
        }
    }

    fn check_foreign_key(
        &self,
        table: &TableDeclaration,
        foreign_key: &ForeignKeyDeclaration,
    ) -> Result<ForeignKey, Box<SchemaError>> {
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
        Ok(ForeignKey {
            name: foreign_key.name.clone(),
            columns: foreign_key.columns.clone(),
            references: target_name,
            referenced_columns: target.columns.clone(),
            on_delete: foreign_key.on_delete,
            on_update: foreign_key.on_update,
            source: Some(foreign_key.place.location.clone()),
        })
    }
}

fn unmapped_type_error(place: &SourcePlace, rust_name: &str) -> SchemaError {
    SchemaError::at(
        place,
        format!("the type `{rust_name}` has no PostgreSQL mapping"),
    )
    .with_label("not a mapped type nor a `PgEnum` of the workspace")
    .with_help("add `sql_type = \"...\"` or derive `PgEnum` for it")
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
