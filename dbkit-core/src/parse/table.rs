//! `#[derive(Table)]`: a struct with named fields and its `#[dbkit(...)]` attributes → a [`TableDeclaration`].

use super::attribute::{AttributeItem, AttributeValue, dbkit_attribute_items, doc_comment};
use super::declaration::{
    ColumnDeclaration, DeclaredType, ForeignKeyDeclaration, PartitionDeclaration,
    PolicyDeclaration, ReferenceTarget, SourcePlace, TableDeclaration,
};
use super::diagnostic::{Diagnostic, place_of_span};
use super::partition;
use super::policy::read_struct_policy;
use super::source_file::item_is_test_only;
use super::suggestion::closest_match;
use super::trigger::{TriggerSpec, finish_triggers, read_trigger};
use crate::model::{
    Check, Deferral, Exclusion, ForeignKeyAction, Identity, Index, IndexKey, KeyOptions,
    PrimaryKey, QualifiedName, Unique,
};
use crate::naming;
use crate::types::{self, RustTypeMapping};
use proc_macro2::Span;
use quote::ToTokens;
use std::collections::BTreeSet;

mod options;

/// Attributes a field takes.
pub(crate) const FIELD_ATTRIBUTES: &[&str] = &[
    "primary_key",
    "identity",
    "serial",
    "unique",
    "index",
    "references",
    "on_delete",
    "on_update",
    "default",
    "sql_type",
    "generated",
    "column",
    "renamed_from",
    "collate",
    "skip",
];

/// Attributes a `Table` struct takes.
pub(crate) const STRUCT_ATTRIBUTES: &[&str] = &[
    "table",
    "schema",
    "renamed_from",
    "primary_key",
    "unique",
    "index",
    "check",
    "foreign_key",
    "exclude",
    "with",
    "trigger",
    "row_level_security",
    "force_row_level_security",
    "policy",
    "partition_by",
    "partition_of",
    "bounds",
];

const FOREIGN_KEY_ACTIONS: &[&str] = &[
    "cascade",
    "restrict",
    "set null",
    "set default",
    "no action",
];

/// Parses the input of `#[derive(Table)]`.
///
/// Locations in the result have an empty file name; the derive macro only
/// needs the diagnostics and the names.
pub fn parse_table_derive(input: &syn::DeriveInput) -> Result<TableDeclaration, Vec<Diagnostic>> {
    parse_table(input, "")
}

/// A value from an attribute, with the span of its value.
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
    /// The whole attribute entry (name to value).
    pub(super) item_start: Span,
    pub(super) item_end: Span,
}

fn spanned<T>(value: T, span: Span, item: &AttributeItem) -> Spanned<T> {
    Spanned {
        value,
        span,
        item_start: item.name_span,
        item_end: item.end_span,
    }
}

/// Keeps the first occurrence of each attribute and reports the others.
#[derive(Default)]
pub(crate) struct SeenAttributes {
    seen: Vec<(String, Span)>,
}

impl SeenAttributes {
    /// `false` (and a diagnostic) when `item` repeats an attribute.
    pub(crate) fn first_time(
        &mut self,
        item: &AttributeItem,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
        if let Some((_, first_span)) = self.seen.iter().find(|(name, _)| *name == item.name) {
            diagnostics.push(
                item.diagnostic(format!("duplicate attribute `{}`", item.name))
                    .with_label("given again here")
                    .with_help(format!("remove one of the two `{}`", item.name))
                    .with_related(*first_span, format!("`{}` first given here", item.name)),
            );
            return false;
        }
        self.seen.push((item.name.clone(), item.name_span));
        true
    }
}

/// The attributes of one field.
#[derive(Default)]
struct FieldAttributes {
    primary_key: Option<Spanned<()>>,
    identity: Option<Spanned<Identity>>,
    serial: Option<Spanned<()>>,
    unique: Option<Spanned<()>>,
    index: Option<Spanned<()>>,
    references: Option<Spanned<String>>,
    on_delete: Option<Spanned<ForeignKeyAction>>,
    on_update: Option<Spanned<ForeignKeyAction>>,
    default: Option<Spanned<String>>,
    sql_type: Option<Spanned<String>>,
    generated: Option<Spanned<String>>,
    column: Option<Spanned<String>>,
    renamed_from: Option<Spanned<String>>,
    collate: Option<Spanned<String>>,
    skip: Option<Spanned<()>>,
}

impl FieldAttributes {
    /// The attributes given, by name, for conflict messages.
    fn given(&self) -> Vec<(&'static str, Span, Span)> {
        let mut given = Vec::new();
        let mut add = |name: &'static str, start: Option<(Span, Span)>| {
            if let Some((start, end)) = start {
                given.push((name, start, end));
            }
        };
        fn range<T>(value: &Option<Spanned<T>>) -> Option<(Span, Span)> {
            value
                .as_ref()
                .map(|value| (value.item_start, value.item_end))
        }
        add("primary_key", range(&self.primary_key));
        add("identity", range(&self.identity));
        add("serial", range(&self.serial));
        add("unique", range(&self.unique));
        add("index", range(&self.index));
        add("references", range(&self.references));
        add("on_delete", range(&self.on_delete));
        add("on_update", range(&self.on_update));
        add("default", range(&self.default));
        add("sql_type", range(&self.sql_type));
        add("generated", range(&self.generated));
        add("column", range(&self.column));
        add("renamed_from", range(&self.renamed_from));
        add("collate", range(&self.collate));
        given
    }
}

/// A struct-level `unique(...)`.
struct UniqueSpec {
    columns: Vec<(String, Span)>,
    name: Option<Spanned<String>>,
    deferrable: Deferral,
}

/// A struct-level `index(...)`.
pub(crate) struct IndexSpec {
    pub(crate) key: IndexKeySpec,
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) unique: bool,
    pub(crate) method: String,
    pub(crate) predicate: Option<String>,
    /// One per key column of a column index.
    pub(crate) key_options: Vec<KeyOptions>,
    pub(crate) include: Vec<(String, Span)>,
    pub(crate) storage_parameters: Vec<String>,
}

pub(crate) enum IndexKeySpec {
    Columns(Vec<(String, Span)>),
    Expression(String),
}

/// A struct-level `foreign_key(...)`.
struct ForeignKeySpec {
    columns: Vec<(String, Span)>,
    references: Spanned<String>,
    target: ReferenceTarget,
    on_delete: ForeignKeyAction,
    on_update: ForeignKeyAction,
    name: Option<Spanned<String>>,
    deferrable: Deferral,
    not_valid: bool,
}

/// A struct-level `primary_key(...)`.
struct StructPrimaryKey {
    columns: Vec<(String, Span)>,
    name: Option<Spanned<String>>,
    deferrable: Deferral,
    span: Span,
}

/// An index before its default name is chosen.
struct PendingIndex {
    key: IndexKey,
    name: Option<Spanned<String>>,
    unique: bool,
    method: String,
    predicate: Option<String>,
    key_options: Vec<KeyOptions>,
    include: Vec<String>,
    storage_parameters: Vec<String>,
}

/// A foreign key before its default name is chosen.
struct PendingForeignKey {
    columns: Vec<String>,
    target: ReferenceTarget,
    on_delete: ForeignKeyAction,
    on_update: ForeignKeyAction,
    name: Option<Spanned<String>>,
    deferrable: Deferral,
    not_valid: bool,
    place: SourcePlace,
}

/// The attributes of the struct.
#[derive(Default)]
struct StructAttributes {
    table: Option<Spanned<String>>,
    schema: Option<Spanned<String>>,
    renamed_from: Option<Spanned<String>>,
    primary_key: Option<StructPrimaryKey>,
    uniques: Vec<UniqueSpec>,
    indexes: Vec<IndexSpec>,
    /// Name, expression and `not_valid`.
    checks: Vec<(Spanned<String>, String, bool)>,
    foreign_keys: Vec<ForeignKeySpec>,
    exclusions: Vec<(Spanned<String>, Exclusion)>,
    storage_parameters: Option<Vec<String>>,
    triggers: Vec<TriggerSpec>,
    row_level_security: bool,
    force_row_level_security: bool,
    policies: Vec<PolicyDeclaration>,
    partition_by: Option<Spanned<String>>,
    partition_of: Option<Spanned<String>>,
    bounds: Option<Spanned<String>>,
}

/// A field that became a column, with what the table-level checks need.
struct ParsedField {
    column: ColumnDeclaration,
    ident_span: Span,
    attributes: FieldAttributes,
}

pub(crate) fn parse_table(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<TableDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    // A partition declares no columns, so it may be a unit struct.
    let no_fields = syn::punctuated::Punctuated::new();
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(named),
            ..
        }) => &named.named,
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Unit,
            ..
        }) if declares_partition(&input.attrs) => &no_fields,
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Unnamed(_),
            ..
        }) => {
            return Err(vec![
                Diagnostic::new(
                    input.ident.span(),
                    "`Table` cannot be derived for a tuple struct",
                )
                .with_label("tuple struct")
                .with_help("name the fields, one per column: `struct User { id: i64 }`"),
            ]);
        }
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Unit,
            ..
        }) => {
            return Err(vec![
                Diagnostic::new(
                    input.ident.span(),
                    "`Table` cannot be derived for a unit struct",
                )
                .with_label("unit struct")
                .with_help("add named fields, one per column: `struct User { id: i64 }`"),
            ]);
        }
        syn::Data::Enum(data) => {
            return Err(vec![
                Diagnostic::spanning(
                    data.enum_token.span,
                    input.ident.span(),
                    "`Table` can only be derived for a struct",
                )
                .with_help("derive `PgEnum` for an enum that is a PostgreSQL enum type"),
            ]);
        }
        syn::Data::Union(data) => {
            return Err(vec![
                Diagnostic::spanning(
                    data.union_token.span,
                    input.ident.span(),
                    "`Table` can only be derived for a struct",
                )
                .with_help("use a struct with named fields, one per column"),
            ]);
        }
    };
    if !input.generics.params.is_empty() {
        let (start, end) = token_range(&input.generics, input.ident.span());
        diagnostics.push(
            Diagnostic::spanning(
                start,
                end,
                "a `Table` struct cannot have generic parameters",
            )
            .with_help("remove the generic parameters: each column needs one PostgreSQL type"),
        );
    }

    let mut struct_attributes = read_struct_attributes(&input.attrs, file, &mut diagnostics);
    let rust_name = naming::strip_raw_prefix(&input.ident.to_string()).to_string();
    let table_name = match &struct_attributes.table {
        Some(table) => {
            if table.value.contains('.') {
                diagnostics.push(
                    Diagnostic::new(table.span, format!("the table name `{}` contains `.`", table.value))
                        .with_help("give the schema separately: `#[dbkit(schema = \"blog\", table = \"posts\")]`"),
                );
            }
            check_identifier(&table.value, table.span, "table name", &mut diagnostics);
            table.value.clone()
        }
        None => {
            let name = naming::snake_case(&rust_name);
            check_identifier(&name, input.ident.span(), "table name", &mut diagnostics);
            name
        }
    };
    let schema_name = match &struct_attributes.schema {
        Some(schema) => {
            check_identifier(&schema.value, schema.span, "schema name", &mut diagnostics);
            schema.value.clone()
        }
        None => "public".to_string(),
    };
    if let Some(renamed_from) = &struct_attributes.renamed_from {
        check_nonempty(
            &renamed_from.value,
            renamed_from.span,
            "renamed_from",
            &mut diagnostics,
        );
    }

    let mut parsed_fields: Vec<ParsedField> = Vec::with_capacity(fields.len());
    let mut skipped_fields: Vec<String> = Vec::new();
    let mut broken_fields: Vec<String> = Vec::new();
    for field in fields {
        // `#[cfg(test)]` fields are not there in the builds that matter.
        if item_is_test_only(&field.attrs) {
            continue;
        }
        let skipped_before = skipped_fields.len();
        let parsed = parse_field(field, file, &mut skipped_fields, &mut diagnostics);
        if parsed.is_none()
            && skipped_fields.len() == skipped_before
            && let Some(ident) = &field.ident
        {
            broken_fields.push(naming::strip_raw_prefix(&ident.to_string()).to_string());
        }
        if let Some(parsed) = parsed {
            if let Some(first) = parsed_fields
                .iter()
                .find(|other| other.column.name == parsed.column.name)
            {
                diagnostics.push(
                    Diagnostic::new(
                        parsed.ident_span,
                        format!("duplicate column `{}`", parsed.column.name),
                    )
                    .with_label("this field's column")
                    .with_help(
                        "give one of the fields another name with `#[dbkit(column = \"...\")]`",
                    )
                    .with_related(
                        first.ident_span,
                        format!("`{}` first declared here", parsed.column.name),
                    ),
                );
                continue;
            }
            parsed_fields.push(parsed);
        }
    }
    let columns_context = ColumnsContext {
        table: &table_name,
        fields: &parsed_fields,
        skipped: &skipped_fields,
        broken: &broken_fields,
    };

    // Primary key: one field's `primary_key` or the struct's `primary_key(columns(...))`.
    let field_keys: Vec<&ParsedField> = parsed_fields
        .iter()
        .filter(|field| field.attributes.primary_key.is_some())
        .collect();
    let mut primary_key_columns: Option<Vec<String>> = None;
    let mut primary_key_name: Option<Spanned<String>> = None;
    let mut primary_key_deferrable = Deferral::NotDeferrable;
    if let Some(StructPrimaryKey {
        columns,
        name,
        deferrable,
        span: struct_span,
    }) = &struct_attributes.primary_key
    {
        for field in &field_keys {
            if let Some(key) = &field.attributes.primary_key {
                diagnostics.push(
                    Diagnostic::spanning(key.item_start, key.item_end, "`primary_key` is given on both the struct and a field")
                        .with_help("keep one: list every key column in the struct's `primary_key(columns(...))`, or remove it there")
                        .with_related(*struct_span, "the struct's `primary_key` is here"),
                );
            }
        }
        if let Some(resolved) = columns_context.resolve(columns, &mut diagnostics) {
            for (column, (_, span)) in resolved.iter().zip(columns) {
                if parsed_fields
                    .iter()
                    .any(|field| &field.column.name == column && field.column.nullable)
                {
                    diagnostics.push(
                        Diagnostic::new(
                            *span,
                            format!("the primary key column `{column}` is an `Option`"),
                        )
                        .with_help(
                            "remove `Option<…>` from its field: primary key columns are NOT NULL",
                        ),
                    );
                }
            }
            primary_key_columns = Some(resolved);
        }
        primary_key_name = name.clone();
        primary_key_deferrable = *deferrable;
    } else if let Some((first, others)) = field_keys.split_first() {
        for other in others {
            if let Some(key) = &other.attributes.primary_key {
                diagnostics.push(
                    Diagnostic::spanning(key.item_start, key.item_end, "`primary_key` is given on more than one field")
                        .with_help(format!(
                            "for a composite key, put `#[dbkit(primary_key(columns({}, {})))]` on the struct instead",
                            first.column.name, other.column.name
                        ))
                        .with_related(first.ident_span, "first `primary_key` here"),
                );
            }
        }
        primary_key_columns = Some(vec![first.column.name.clone()]);
    }

    // Unique constraints, indexes and foreign keys of fields, then of the struct.
    let mut uniques: Vec<(Vec<String>, Option<Spanned<String>>, Deferral)> = Vec::new();
    let mut indexes: Vec<PendingIndex> = Vec::new();
    let mut foreign_keys: Vec<PendingForeignKey> = Vec::new();
    for field in &parsed_fields {
        let column = field.column.name.clone();
        if field.attributes.unique.is_some() {
            uniques.push((vec![column.clone()], None, Deferral::NotDeferrable));
        }
        if field.attributes.index.is_some() {
            indexes.push(PendingIndex {
                key: IndexKey::Columns(vec![column.clone()]),
                name: None,
                unique: false,
                method: "btree".to_string(),
                predicate: None,
                key_options: Vec::new(),
                include: Vec::new(),
                storage_parameters: Vec::new(),
            });
        }
        if let Some(references) = &field.attributes.references {
            match parse_column_reference(&references.value) {
                Some(target) => foreign_keys.push(PendingForeignKey {
                    columns: vec![column.clone()],
                    target,
                    on_delete: field.attributes.on_delete.as_ref().map_or(ForeignKeyAction::NoAction, |a| a.value),
                    on_update: field.attributes.on_update.as_ref().map_or(ForeignKeyAction::NoAction, |a| a.value),
                    name: None,
                    deferrable: Deferral::NotDeferrable,
                    not_valid: false,
                    place: place_of_span(references.span, references.span, file),
                }),
                None => diagnostics.push(
                    Diagnostic::new(references.span, format!("malformed `references = \"{}\"`", references.value))
                        .with_label("expected `table.column` or `schema.table.column`")
                        .with_help("name the referenced column: `references = \"users.id\"` or `references = \"auth.users.id\"`"),
                ),
            }
        }
    }
    for unique in &struct_attributes.uniques {
        if let Some(columns) = columns_context.resolve(&unique.columns, &mut diagnostics) {
            uniques.push((columns, unique.name.clone(), unique.deferrable));
        }
    }
    for index in &struct_attributes.indexes {
        let key = match &index.key {
            IndexKeySpec::Columns(columns) => {
                match columns_context.resolve(columns, &mut diagnostics) {
                    Some(columns) => IndexKey::Columns(columns),
                    None => continue,
                }
            }
            IndexKeySpec::Expression(expression) => IndexKey::Expression(expression.clone()),
        };
        let include = if index.include.is_empty() {
            Vec::new()
        } else {
            match columns_context.resolve(&index.include, &mut diagnostics) {
                Some(include) => include,
                None => continue,
            }
        };
        indexes.push(PendingIndex {
            key,
            name: index.name.clone(),
            unique: index.unique,
            method: index.method.clone(),
            predicate: index.predicate.clone(),
            key_options: index.key_options.clone(),
            include,
            storage_parameters: index.storage_parameters.clone(),
        });
    }
    for foreign_key in &struct_attributes.foreign_keys {
        if let Some(columns) = columns_context.resolve(&foreign_key.columns, &mut diagnostics) {
            foreign_keys.push(PendingForeignKey {
                columns,
                target: foreign_key.target.clone(),
                on_delete: foreign_key.on_delete,
                on_update: foreign_key.on_update,
                name: foreign_key.name.clone(),
                deferrable: foreign_key.deferrable,
                not_valid: foreign_key.not_valid,
                place: place_of_span(
                    foreign_key.references.span,
                    foreign_key.references.span,
                    file,
                ),
            });
        }
    }

    // Names: the explicit ones first, then PostgreSQL's defaults around them.
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let explicit_names = primary_key_name
        .iter()
        .chain(uniques.iter().filter_map(|(_, name, _)| name.as_ref()))
        .chain(indexes.iter().filter_map(|index| index.name.as_ref()))
        .chain(struct_attributes.checks.iter().map(|(name, _, _)| name))
        .chain(struct_attributes.exclusions.iter().map(|(name, _)| name))
        .chain(
            foreign_keys
                .iter()
                .filter_map(|foreign_key| foreign_key.name.as_ref()),
        );
    let mut first_use: Vec<(String, Span)> = Vec::new();
    for name in explicit_names {
        check_identifier(&name.value, name.span, "name", &mut diagnostics);
        if let Some((_, first_span)) = first_use.iter().find(|(used, _)| *used == name.value) {
            diagnostics.push(
                Diagnostic::new(
                    name.span,
                    format!(
                        "the name `{}` is used twice in table `{table_name}`",
                        name.value
                    ),
                )
                .with_help("constraints and indexes of a table need different names")
                .with_related(*first_span, "first used here"),
            );
        }
        first_use.push((name.value.clone(), name.span));
        taken.insert(name.value.clone());
    }
    let mut choose =
        |explicit: &Option<Spanned<String>>, middle: Option<String>, label: &str| -> String {
            if let Some(name) = explicit {
                return name.value.clone();
            }
            let name =
                naming::choose_unused_name(&table_name, middle.as_deref(), label, |candidate| {
                    taken.contains(candidate)
                });
            taken.insert(name.clone());
            name
        };
    let primary_key = primary_key_columns.map(|columns| {
        PrimaryKey::new(choose(&primary_key_name, None, "pkey"), columns)
            .with_deferrable(primary_key_deferrable)
    });
    let uniques: Vec<Unique> = uniques
        .into_iter()
        .map(|(columns, name, deferrable)| {
            Unique::new(
                choose(&name, Some(naming::columns_name_part(&columns)), "key"),
                columns,
            )
            .with_deferrable(deferrable)
        })
        .collect();
    let foreign_keys: Vec<ForeignKeyDeclaration> = foreign_keys
        .into_iter()
        .map(|foreign_key| ForeignKeyDeclaration {
            name: choose(
                &foreign_key.name,
                Some(naming::columns_name_part(&foreign_key.columns)),
                "fkey",
            ),
            columns: foreign_key.columns,
            target: foreign_key.target,
            on_delete: foreign_key.on_delete,
            on_update: foreign_key.on_update,
            deferrable: foreign_key.deferrable,
            not_valid: foreign_key.not_valid,
            place: foreign_key.place,
        })
        .collect();
    let indexes: Vec<Index> = indexes
        .into_iter()
        .map(|index| {
            let middle = match &index.key {
                IndexKey::Columns(columns) => naming::columns_name_part(columns),
                IndexKey::Expression(expression) => naming::expression_name_part(expression),
            };
            Index::new(choose(&index.name, Some(middle), "idx"), index.key)
                .with_unique(index.unique)
                .with_method(index.method)
                .with_predicate(index.predicate)
                .with_key_options(index.key_options)
                .with_include(index.include)
                .with_storage_parameters(index.storage_parameters)
        })
        .collect();
    let checks: Vec<Check> = struct_attributes
        .checks
        .iter()
        .map(|(name, expr, not_valid)| {
            Check::new(name.value.clone(), expr.clone()).with_not_valid(*not_valid)
        })
        .collect();
    let comment = doc_comment(&input.attrs).unwrap_or_else(|diagnostic| {
        diagnostics.push(diagnostic);
        None
    });
    let name = QualifiedName::new(schema_name, table_name.clone());
    let triggers = finish_triggers(
        std::mem::take(&mut struct_attributes.triggers),
        &name,
        file,
        &|columns, diagnostics| columns_context.resolve(columns, diagnostics),
        &mut diagnostics,
    );
    let (partition_by, partition_of) =
        read_partitioning(&struct_attributes, fields, file, &mut diagnostics);

    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(TableDeclaration {
        rust_name,
        name,
        comment,
        renamed_from: struct_attributes.renamed_from.map(|renamed| renamed.value),
        columns: parsed_fields
            .into_iter()
            .map(|field| field.column)
            .collect(),
        primary_key,
        uniques,
        checks,
        indexes,
        foreign_keys,
        exclusions: struct_attributes
            .exclusions
            .into_iter()
            .map(|(_, exclusion)| exclusion)
            .collect(),
        storage_parameters: struct_attributes.storage_parameters.unwrap_or_default(),
        triggers,
        row_level_security: struct_attributes.row_level_security,
        force_row_level_security: struct_attributes.force_row_level_security,
        policies: struct_attributes.policies,
        partition_by,
        partition_of,
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}

/// Whether the struct's attributes hold `partition_of` (read before the
/// fields, which a partition does not have).
fn declares_partition(attributes: &[syn::Attribute]) -> bool {
    dbkit_attribute_items(attributes)
        .0
        .iter()
        .any(|item| item.name == "partition_of")
}

/// `partition_by`, and `partition_of` with its `bounds`: a partition has
/// its parent's columns, keys, checks, indexes and foreign keys, so it may
/// declare none of them.
fn read_partitioning(
    attributes: &StructAttributes,
    fields: &syn::punctuated::Punctuated<syn::Field, syn::token::Comma>,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<String>, Option<PartitionDeclaration>) {
    let partition_by = attributes.partition_by.as_ref().and_then(|partition_by| {
        partition::read_partition_by(&partition_by.value, partition_by.span)
            .map_err(|diagnostic| diagnostics.push(diagnostic))
            .ok()
    });
    let Some(partition_of) = &attributes.partition_of else {
        if let Some(bounds) = &attributes.bounds {
            diagnostics.push(
                Diagnostic::spanning(bounds.item_start, bounds.item_end, "`bounds` is given without `partition_of`")
                    .with_help("name the partitioned table this partition belongs to: `#[dbkit(partition_of = \"events\", bounds = \"...\")]`"),
            );
        }
        return (partition_by, None);
    };
    let parent = partition::read_partition_of(&partition_of.value, partition_of.span)
        .map_err(|diagnostic| diagnostics.push(diagnostic))
        .ok();
    let bounds = match &attributes.bounds {
        Some(bounds) => partition::read_bounds(&bounds.value, bounds.span)
            .map_err(|diagnostic| diagnostics.push(diagnostic))
            .ok(),
        None => {
            diagnostics.push(
                Diagnostic::spanning(partition_of.item_start, partition_of.item_end, "a partition needs its `bounds`")
                    .with_help("add the values it holds: `bounds = \"FOR VALUES FROM (…) TO (…)\"`, `\"FOR VALUES IN (…)\"`, `\"FOR VALUES WITH (MODULUS 4, REMAINDER 0)\"` or `\"DEFAULT\"`"),
            );
            None
        }
    };
    if let Some(field) = fields.iter().find(|field| !item_is_test_only(&field.attrs)) {
        let span = field
            .ident
            .as_ref()
            .map_or(partition_of.span, syn::Ident::span);
        diagnostics.push(
            Diagnostic::new(span, "a partition declares no columns")
                .with_label("a field of a partition")
                .with_help("remove the fields: a partition has the columns of the table it is a partition of (`struct Events2026;`)")
                .with_related(partition_of.span, "`partition_of` is given here"),
        );
    }
    let declared_on_parent = [
        (
            "primary_key",
            attributes.primary_key.as_ref().map(|key| key.span),
        ),
        (
            "unique",
            attributes.uniques.first().map(|unique| {
                unique
                    .columns
                    .first()
                    .map_or(partition_of.span, |column| column.1)
            }),
        ),
        (
            "index",
            attributes.indexes.first().map(|index| {
                index
                    .name
                    .as_ref()
                    .map_or(partition_of.span, |name| name.span)
            }),
        ),
        ("check", attributes.checks.first().map(|check| check.0.span)),
        (
            "foreign_key",
            attributes
                .foreign_keys
                .first()
                .map(|foreign_key| foreign_key.references.span),
        ),
    ];
    for (attribute, span) in declared_on_parent {
        if let Some(span) = span {
            diagnostics.push(
                Diagnostic::new(span, format!("a partition cannot declare `{attribute}`"))
                    .with_help(format!("declare it on the partitioned table `{}`: PostgreSQL gives every partition a copy", partition_of.value)),
            );
        }
    }
    let (Some((schema, table)), Some(bounds)) = (parent, bounds) else {
        return (partition_by, None);
    };
    let partition = PartitionDeclaration {
        parent: ReferenceTarget {
            schema,
            table,
            columns: Vec::new(),
        },
        bounds,
        place: place_of_span(partition_of.span, partition_of.span, file),
    };
    (partition_by, Some(partition))
}

/// The first and last token spans of a type, without printing plain paths
/// (`chrono::DateTime<Utc>`) to tokens.
pub(crate) fn type_range(ty: &syn::Type, fallback: Span) -> (Span, Span) {
    if let syn::Type::Path(path) = ty
        && path.qself.is_none()
        && let (Some(first), Some(last)) = (path.path.segments.first(), path.path.segments.last())
    {
        let start = path
            .path
            .leading_colon
            .map_or(first.ident.span(), |colon| colon.spans[0]);
        match &last.arguments {
            syn::PathArguments::None => return (start, last.ident.span()),
            syn::PathArguments::AngleBracketed(arguments) => {
                return (start, arguments.gt_token.span);
            }
            syn::PathArguments::Parenthesized(_) => {}
        }
    }
    token_range(ty, fallback)
}

/// The first and last token spans of some syntax, or `fallback` for none.
pub(crate) fn token_range(tokens: &impl ToTokens, fallback: Span) -> (Span, Span) {
    let stream = tokens.to_token_stream();
    let mut iterator = stream.into_iter();
    let first = iterator.next().map_or(fallback, |token| token.span());
    let last = iterator.last().map_or(first, |token| token.span());
    (first, last)
}

pub(crate) fn check_nonempty(
    value: &str,
    span: Span,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    if value.trim().is_empty() {
        diagnostics.push(
            Diagnostic::new(span, format!("`{what}` is empty"))
                .with_help(format!("write a value for `{what}`")),
        );
        return false;
    }
    true
}

/// A name PostgreSQL keeps as written: not empty, at most 63 bytes.
pub(crate) fn check_identifier(
    value: &str,
    span: Span,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if value.is_empty() {
        diagnostics.push(
            Diagnostic::new(span, format!("the {what} is empty"))
                .with_help(format!("write a {what}")),
        );
    } else if value.len() > naming::MAX_IDENTIFIER_BYTES {
        diagnostics.push(
            Diagnostic::new(
                span,
                format!(
                    "the {what} `{value}` is longer than {} bytes",
                    naming::MAX_IDENTIFIER_BYTES
                ),
            )
            .with_help(format!(
                "PostgreSQL would cut it to `{}`; choose a shorter name",
                naming::truncate_identifier(value)
            )),
        );
    }
}

pub(crate) fn unknown_attribute(item: &AttributeItem, place: &str, known: &[&str]) -> Diagnostic {
    let diagnostic = item
        .diagnostic(format!("unknown attribute `{}`", item.name))
        .with_label(format!("not a dbkit {place} attribute"));
    match closest_match(&item.name, known) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None => diagnostic.with_help(format!(
            "dbkit {place} attributes are: {}",
            known.join(", ")
        )),
    }
}

fn read_struct_attributes(
    attributes: &[syn::Attribute],
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> StructAttributes {
    let (items, attribute_diagnostics) = dbkit_attribute_items(attributes);
    diagnostics.extend(attribute_diagnostics);
    let mut result = StructAttributes::default();
    let mut seen = SeenAttributes::default();
    for item in &items {
        if let Err(diagnostic) = item.expect_named() {
            diagnostics.push(diagnostic);
            continue;
        }
        let outcome: Result<(), Diagnostic> = match item.name.as_str() {
            "table" | "schema" | "renamed_from" | "partition_by" | "partition_of" | "bounds" => {
                if !seen.first_time(item, diagnostics) {
                    continue;
                }
                item.expect_string().map(|(value, span)| {
                    let value = spanned(value, span, item);
                    match item.name.as_str() {
                        "table" => result.table = Some(value),
                        "schema" => result.schema = Some(value),
                        "partition_by" => result.partition_by = Some(value),
                        "partition_of" => result.partition_of = Some(value),
                        "bounds" => result.bounds = Some(value),
                        _ => result.renamed_from = Some(value),
                    }
                })
            }
            "primary_key" => {
                if !seen.first_time(item, diagnostics) {
                    continue;
                }
                read_struct_primary_key(item, diagnostics).map(|key| result.primary_key = key)
            }
            "unique" => {
                read_struct_unique(item, diagnostics).map(|unique| result.uniques.extend(unique))
            }
            "index" => {
                read_struct_index(item, diagnostics).map(|index| result.indexes.extend(index))
            }
            "check" => {
                read_struct_check(item, diagnostics).map(|check| result.checks.extend(check))
            }
            "foreign_key" => read_struct_foreign_key(item, diagnostics)
                .map(|foreign_key| result.foreign_keys.extend(foreign_key)),
            "exclude" => options::read_exclusion(item, diagnostics)
                .map(|exclusion| result.exclusions.extend(exclusion)),
            "with" => {
                if !seen.first_time(item, diagnostics) {
                    continue;
                }
                options::read_storage_parameters(item)
                    .map(|parameters| result.storage_parameters = Some(parameters))
            }
            "trigger" => read_trigger(item).map(|trigger| result.triggers.push(trigger)),
            "row_level_security" | "force_row_level_security" => {
                if !seen.first_time(item, diagnostics) {
                    continue;
                }
                item.expect_flag().map(|()| {
                    if item.name == "row_level_security" {
                        result.row_level_security = true;
                    } else {
                        result.force_row_level_security = true;
                    }
                })
            }
            "policy" => read_struct_policy(item, file, diagnostics).map(|policy| {
                if let Some(policy) = policy {
                    if result
                        .policies
                        .iter()
                        .any(|other| other.name == policy.name)
                    {
                        diagnostics.push(
                            item.diagnostic(format!(
                                "the policy `{}` is declared twice",
                                policy.name
                            ))
                            .with_help("policies of a table need different names"),
                        );
                    } else {
                        result.policies.push(policy);
                    }
                }
            }),
            name if FIELD_ATTRIBUTES.contains(&name) => Err(item
                .diagnostic(format!("`{name}` is a field attribute"))
                .with_label("not a dbkit struct attribute")
                .with_help(format!("put `#[dbkit({name})]` on the field it is about"))),
            _ => Err(unknown_attribute(item, "struct", STRUCT_ATTRIBUTES)),
        };
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
        }
    }
    result
}

/// The entries of a struct-level list attribute, with unknown and repeated
/// entries reported.
pub(super) fn list_entries<'a>(
    item: &'a AttributeItem,
    allowed: &[&str],
    example: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<&'a AttributeItem>, Diagnostic> {
    let entries = item.expect_list(example)?;
    let mut seen = SeenAttributes::default();
    let mut kept = Vec::new();
    for entry in entries {
        if let Err(diagnostic) = entry.expect_named() {
            diagnostics.push(diagnostic);
            continue;
        }
        if !allowed.contains(&entry.name.as_str()) {
            let diagnostic = entry
                .diagnostic(format!(
                    "unknown argument `{}` of `{}`",
                    entry.name, item.name
                ))
                .with_label(format!("not an argument of `{}`", item.name));
            let diagnostic = match closest_match(&entry.name, allowed) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => {
                    diagnostic.with_help(format!("`{}` takes: {}", item.name, allowed.join(", ")))
                }
            };
            diagnostics.push(diagnostic);
            continue;
        }
        if seen.first_time(entry, diagnostics) {
            kept.push(entry);
        }
    }
    Ok(kept)
}

pub(super) fn find_entry<'a>(
    entries: &[&'a AttributeItem],
    name: &str,
) -> Option<&'a AttributeItem> {
    entries.iter().find(|entry| entry.name == name).copied()
}

pub(super) fn optional_string(
    entries: &[&AttributeItem],
    name: &str,
) -> Result<Option<Spanned<String>>, Diagnostic> {
    match find_entry(entries, name) {
        Some(entry) => entry
            .expect_string()
            .map(|(value, span)| Some(spanned(value, span, entry))),
        None => Ok(None),
    }
}

fn required_columns(
    item: &AttributeItem,
    entries: &[&AttributeItem],
    example: &str,
) -> Result<Vec<(String, Span)>, Diagnostic> {
    match find_entry(entries, "columns") {
        Some(entry) => entry.expect_column_names(),
        None => Err(item
            .diagnostic(format!("`{}` needs `columns(...)`", item.name))
            .with_help(format!("write `{example}`"))),
    }
}

fn read_struct_primary_key(
    item: &AttributeItem,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<StructPrimaryKey>, Diagnostic> {
    let example = "primary_key(columns(a, b))";
    if matches!(item.value, AttributeValue::Flag) {
        return Err(item
            .diagnostic("on a struct, `primary_key` needs its columns")
            .with_help("write `#[dbkit(primary_key(columns(a, b)))]`, or put `#[dbkit(primary_key)]` on the key's field"));
    }
    let entries = list_entries(
        item,
        &["columns", "name", "deferrable", "initially_deferred"],
        example,
        diagnostics,
    )?;
    let columns = required_columns(item, &entries, example)?;
    let name = optional_string(&entries, "name")?;
    Ok(Some(StructPrimaryKey {
        columns,
        name,
        deferrable: options::read_deferral(&entries)?,
        span: item.name_span,
    }))
}

fn read_struct_unique(
    item: &AttributeItem,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<UniqueSpec>, Diagnostic> {
    let example = "unique(columns(a, b))";
    if matches!(item.value, AttributeValue::Flag) {
        return Err(item
            .diagnostic("on a struct, `unique` needs its columns")
            .with_help(
                "write `#[dbkit(unique(columns(a, b)))]`, or put `#[dbkit(unique)]` on the field",
            ));
    }
    let entries = list_entries(
        item,
        &["columns", "name", "deferrable", "initially_deferred"],
        example,
        diagnostics,
    )?;
    let columns = required_columns(item, &entries, example)?;
    let name = optional_string(&entries, "name")?;
    Ok(Some(UniqueSpec {
        columns,
        name,
        deferrable: options::read_deferral(&entries)?,
    }))
}

pub(crate) fn read_struct_index(
    item: &AttributeItem,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<IndexSpec>, Diagnostic> {
    let example = "index(columns(a, b))";
    if matches!(item.value, AttributeValue::Flag) {
        return Err(item
            .diagnostic("on a struct, `index` needs `columns(...)` or `expr`")
            .with_help(
                "write `#[dbkit(index(columns(a, b)))]`, or put `#[dbkit(index)]` on the field",
            ));
    }
    let entries = list_entries(
        item,
        &[
            "columns", "expr", "name", "unique", "method", "where", "include", "with",
        ],
        example,
        diagnostics,
    )?;
    let mut key_options = Vec::new();
    let key = match (
        find_entry(&entries, "columns"),
        find_entry(&entries, "expr"),
    ) {
        (Some(columns), None) => {
            let key_columns = options::read_key_columns(columns)?;
            key_options = key_columns
                .iter()
                .map(|column| column.options.clone())
                .collect();
            IndexKeySpec::Columns(
                key_columns
                    .into_iter()
                    .map(|column| (column.name, column.span))
                    .collect(),
            )
        }
        (None, Some(expr)) => {
            let (expression, span) = expr.expect_string()?;
            if expression.trim().is_empty() {
                return Err(Diagnostic::new(span, "the index expression is empty")
                    .with_help("write the key expression: `expr = \"lower(email)\"`"));
            }
            IndexKeySpec::Expression(expression)
        }
        (Some(columns), Some(expr)) => {
            return Err(Diagnostic::spanning(
                columns.name_span,
                expr.end_span,
                "an index takes `columns(...)` or `expr`, not both",
            )
            .with_help("keep one: `index(columns(a, b))` or `index(expr = \"lower(email)\")`"));
        }
        (None, None) => {
            return Err(item
                .diagnostic("an index needs `columns(...)` or `expr`")
                .with_help("write `index(columns(a, b))` or `index(expr = \"lower(email)\")`"));
        }
    };
    let unique = match find_entry(&entries, "unique") {
        Some(entry) => {
            entry.expect_flag()?;
            true
        }
        None => false,
    };
    let method = match optional_string(&entries, "method")? {
        Some(method) => options::read_access_method(&method.value, method.span)?,
        None => "btree".to_string(),
    };
    let include = match find_entry(&entries, "include") {
        Some(include) => include.expect_column_names()?,
        None => Vec::new(),
    };
    let storage_parameters = match find_entry(&entries, "with") {
        Some(with) => options::read_storage_parameters(with)?,
        None => Vec::new(),
    };
    let predicate = match optional_string(&entries, "where")? {
        Some(predicate) => {
            if predicate.value.trim().is_empty() {
                return Err(
                    Diagnostic::new(predicate.span, "the index's `where` is empty").with_help(
                        "write the predicate: `where = \"deleted_at IS NULL\"`, or remove `where`",
                    ),
                );
            }
            Some(predicate.value)
        }
        None => None,
    };
    let name = optional_string(&entries, "name")?;
    Ok(Some(IndexSpec {
        key,
        name,
        unique,
        method,
        predicate,
        key_options,
        include,
        storage_parameters,
    }))
}

fn read_struct_check(
    item: &AttributeItem,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<(Spanned<String>, String, bool)>, Diagnostic> {
    let example = "check(name = \"users_age_check\", expr = \"age >= 0\")";
    let entries = list_entries(item, &["name", "expr", "not_valid"], example, diagnostics)?;
    let Some(name) = optional_string(&entries, "name")? else {
        return Err(item
            .diagnostic("`check` needs a `name`")
            .with_help(format!("name the constraint: `{example}`")));
    };
    let Some(expr) = optional_string(&entries, "expr")? else {
        return Err(item
            .diagnostic("`check` needs an `expr`")
            .with_help(format!("write `{example}`")));
    };
    if expr.value.trim().is_empty() {
        return Err(Diagnostic::new(expr.span, "the check expression is empty")
            .with_help(format!("write `{example}`")));
    }
    let not_valid = options::flag(&entries, "not_valid")?;
    Ok(Some((name, expr.value, not_valid)))
}

fn read_struct_foreign_key(
    item: &AttributeItem,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<ForeignKeySpec>, Diagnostic> {
    let example = "foreign_key(columns(a, b), references = \"table(x, y)\")";
    let entries = list_entries(
        item,
        &[
            "columns",
            "references",
            "on_delete",
            "on_update",
            "name",
            "deferrable",
            "initially_deferred",
            "not_valid",
        ],
        example,
        diagnostics,
    )?;
    let columns = required_columns(item, &entries, example)?;
    let Some(references) = optional_string(&entries, "references")? else {
        return Err(item
            .diagnostic("`foreign_key` needs `references`")
            .with_help(format!("write `{example}`")));
    };
    let Some(target) = parse_table_reference(&references.value) else {
        return Err(Diagnostic::new(
            references.span,
            format!("malformed `references = \"{}\"`", references.value),
        )
        .with_label("expected `table(x, y)` or `schema.table(x, y)`")
        .with_help("name the referenced table and columns: `references = \"orders(id, line)\"`"));
    };
    if target.columns.len() != columns.len() {
        return Err(Diagnostic::new(
            references.span,
            format!(
                "the foreign key has {} column{} but references {}",
                columns.len(),
                if columns.len() == 1 { "" } else { "s" },
                target.columns.len()
            ),
        )
        .with_help("list as many referenced columns as `columns(...)` has, in the same order"));
    }
    let on_delete = match find_entry(&entries, "on_delete") {
        Some(entry) => read_action(entry)?,
        None => ForeignKeyAction::NoAction,
    };
    let on_update = match find_entry(&entries, "on_update") {
        Some(entry) => read_action(entry)?,
        None => ForeignKeyAction::NoAction,
    };
    let name = optional_string(&entries, "name")?;
    Ok(Some(ForeignKeySpec {
        columns,
        references,
        target,
        on_delete,
        on_update,
        name,
        deferrable: options::read_deferral(&entries)?,
        not_valid: options::flag(&entries, "not_valid")?,
    }))
}

fn read_action(item: &AttributeItem) -> Result<ForeignKeyAction, Diagnostic> {
    let (value, span) = item.expect_string()?;
    let normalized = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match normalized.as_str() {
        "cascade" => Ok(ForeignKeyAction::Cascade),
        "restrict" => Ok(ForeignKeyAction::Restrict),
        "set null" => Ok(ForeignKeyAction::SetNull),
        "set default" => Ok(ForeignKeyAction::SetDefault),
        "no action" => Ok(ForeignKeyAction::NoAction),
        _ => {
            let diagnostic =
                Diagnostic::new(span, format!("unknown `{}` action `{value}`", item.name))
                    .with_label("not a foreign key action");
            Err(match closest_match(&normalized, FOREIGN_KEY_ACTIONS) {
                Some(suggestion) => diagnostic.with_help(format!(
                    "did you mean `{suggestion}`? the actions are: {}",
                    FOREIGN_KEY_ACTIONS.join(", ")
                )),
                None => diagnostic
                    .with_help(format!("write one of: {}", FOREIGN_KEY_ACTIONS.join(", "))),
            })
        }
    }
}

/// `table.column` or `schema.table.column`.
pub(crate) fn parse_column_reference(text: &str) -> Option<ReferenceTarget> {
    let parts: Vec<&str> = text.split('.').map(str::trim).collect();
    if parts.iter().any(|part| !is_plain_name(part)) {
        return None;
    }
    match parts.as_slice() {
        [table, column] => Some(ReferenceTarget {
            schema: None,
            table: table.to_string(),
            columns: vec![column.to_string()],
        }),
        [schema, table, column] => Some(ReferenceTarget {
            schema: Some(schema.to_string()),
            table: table.to_string(),
            columns: vec![column.to_string()],
        }),
        _ => None,
    }
}

/// `table(x, y)` or `schema.table(x, y)`.
pub(crate) fn parse_table_reference(text: &str) -> Option<ReferenceTarget> {
    let text = text.trim();
    let open = text.find('(')?;
    let inside = text.strip_suffix(')')?.get(open + 1..)?;
    let path: Vec<&str> = text.get(..open)?.split('.').map(str::trim).collect();
    let columns: Vec<String> = inside
        .split(',')
        .map(|column| column.trim().to_string())
        .collect();
    if path.iter().any(|part| !is_plain_name(part))
        || columns.iter().any(|column| !is_plain_name(column))
    {
        return None;
    }
    match path.as_slice() {
        [table] => Some(ReferenceTarget {
            schema: None,
            table: table.to_string(),
            columns,
        }),
        [schema, table] => Some(ReferenceTarget {
            schema: Some(schema.to_string()),
            table: table.to_string(),
            columns,
        }),
        _ => None,
    }
}

/// A name inside `references`: not empty, at most 63 bytes, no spaces,
/// quotes, dots or parentheses.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= naming::MAX_IDENTIFIER_BYTES
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '.' | '(' | ')' | ','))
}

/// Reads one field; `None` when it is skipped or unusable.
fn parse_field(
    field: &syn::Field,
    file: &str,
    skipped_fields: &mut Vec<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ParsedField> {
    let ident = field.ident.as_ref()?;
    let field_name = naming::strip_raw_prefix(&ident.to_string()).to_string();
    let errors_before = diagnostics.len();
    let attributes = read_field_attributes(&field.attrs, diagnostics);

    if let Some(skip) = &attributes.skip {
        for (name, start, end) in attributes.given() {
            diagnostics.push(
                Diagnostic::spanning(
                    start,
                    end,
                    format!("`skip` cannot be combined with `{name}`"),
                )
                .with_help(format!(
                    "a skipped field is not a column: remove `{name}`, or remove `skip`"
                ))
                .with_related(skip.item_start, "`skip` is here"),
            );
        }
        skipped_fields.push(field_name);
        return None;
    }

    let column_name = match &attributes.column {
        Some(column) => {
            check_identifier(&column.value, column.span, "column name", diagnostics);
            column.value.clone()
        }
        None => {
            check_identifier(&field_name, ident.span(), "column name", diagnostics);
            field_name.clone()
        }
    };

    let (type_start, type_end) = type_range(&field.ty, ident.span());
    let (declared_type, nullable, type_place) = match &attributes.sql_type {
        Some(sql_type) => {
            if sql_type.value.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::new(sql_type.span, "`sql_type` is empty")
                        .with_help("write a PostgreSQL type: `sql_type = \"varchar(320)\"`"),
                );
            }
            (
                DeclaredType::SqlType(types::parse_sql_type(&sql_type.value)),
                types::is_option(&field.ty),
                place_of_span(sql_type.span, sql_type.span, file),
            )
        }
        None => {
            let mapped = types::map_rust_type(&field.ty);
            match mapped.mapping {
                RustTypeMapping::Builtin(column_type) => (
                    DeclaredType::Mapped(column_type),
                    mapped.nullable,
                    place_of_span(type_start, type_end, file),
                ),
                RustTypeMapping::EnumCandidate {
                    name,
                    array_dims,
                    ty,
                } => {
                    let (start, end) = token_range(ty, type_start);
                    (
                        DeclaredType::EnumCandidate {
                            rust_name: name,
                            array_dims,
                        },
                        mapped.nullable,
                        place_of_span(start, end, file),
                    )
                }
                RustTypeMapping::Unmappable { written, ty } => {
                    let (start, end) = token_range(ty, type_start);
                    diagnostics.push(
                        Diagnostic::spanning(start, end, format!("the type `{written}` has no PostgreSQL mapping"))
                            .with_label("no PostgreSQL type for this")
                            .with_help("add `sql_type = \"...\"` to the field with the PostgreSQL type of the column"),
                    );
                    return None;
                }
            }
        }
    };

    let is_integer = match &declared_type {
        DeclaredType::Mapped(column_type) | DeclaredType::SqlType(column_type) => {
            types::is_integer_type(column_type)
        }
        DeclaredType::EnumCandidate { .. } => false,
    };
    let type_text = match &declared_type {
        DeclaredType::Mapped(column_type) | DeclaredType::SqlType(column_type) => {
            match &column_type.base {
                crate::model::BaseType::Builtin(base) => {
                    format!(
                        "{base}{}",
                        if column_type.array_dims > 0 { "[]" } else { "" }
                    )
                }
                crate::model::BaseType::Enum(name)
                | crate::model::BaseType::Domain(name)
                | crate::model::BaseType::Composite(name) => name.to_string(),
            }
        }
        DeclaredType::EnumCandidate { rust_name, .. } => format!("an enum (`{rust_name}`)"),
    };
    check_field_conflicts(
        &attributes,
        &column_name,
        nullable,
        is_integer,
        &type_text,
        diagnostics,
    );

    for (value, what) in [
        (&attributes.default, "default"),
        (&attributes.generated, "generated"),
    ] {
        if let Some(value) = value {
            check_nonempty(&value.value, value.span, what, diagnostics);
        }
    }
    if let Some(renamed_from) = &attributes.renamed_from {
        check_identifier(
            &renamed_from.value,
            renamed_from.span,
            "previous column name",
            diagnostics,
        );
    }
    let comment = doc_comment(&field.attrs).unwrap_or_else(|diagnostic| {
        diagnostics.push(diagnostic);
        None
    });
    if diagnostics.len() > errors_before {
        return None;
    }
    let column = ColumnDeclaration {
        field_name,
        name: column_name,
        ty: declared_type,
        nullable,
        default: attributes.default.as_ref().map(|value| value.value.clone()),
        identity: attributes.identity.as_ref().map(|value| value.value),
        serial: attributes.serial.is_some(),
        generated: attributes
            .generated
            .as_ref()
            .map(|value| value.value.clone()),
        collation: attributes.collate.as_ref().map(|value| value.value.clone()),
        comment,
        renamed_from: attributes
            .renamed_from
            .as_ref()
            .map(|value| value.value.clone()),
        place: place_of_span(ident.span(), ident.span(), file),
        type_place,
    };
    Some(ParsedField {
        column,
        ident_span: ident.span(),
        attributes,
    })
}

/// Attribute combinations PostgreSQL refuses or that cannot mean anything.
fn check_field_conflicts(
    attributes: &FieldAttributes,
    column: &str,
    nullable: bool,
    is_integer: bool,
    type_text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let conflict = |first: &str, second: &str, start: Span, end: Span, help: &str| {
        Diagnostic::spanning(
            start,
            end,
            format!("`{second}` cannot be combined with `{first}`"),
        )
        .with_help(help.to_string())
    };
    if let (Some(_), Some(serial)) = (&attributes.identity, &attributes.serial) {
        diagnostics.push(conflict(
            "identity",
            "serial",
            serial.item_start,
            serial.item_end,
            "keep one: `identity` (the SQL-standard way, preferred) or `serial`",
        ));
    }
    if let Some(generated) = &attributes.generated {
        for (name, present) in [
            ("default", attributes.default.is_some()),
            ("identity", attributes.identity.is_some()),
            ("serial", attributes.serial.is_some()),
        ] {
            if present {
                diagnostics.push(conflict(
                    name,
                    "generated",
                    generated.item_start,
                    generated.item_end,
                    &format!("a generated column is computed from `generated`; remove `{name}` or `generated`"),
                ));
            }
        }
    }
    if let Some(default) = &attributes.default {
        for (name, present) in [
            ("identity", attributes.identity.is_some()),
            ("serial", attributes.serial.is_some()),
        ] {
            if present {
                diagnostics.push(conflict(
                    name,
                    "default",
                    default.item_start,
                    default.item_end,
                    &format!("`{name}` already gives the column its values; remove `default`"),
                ));
            }
        }
    }
    for (name, range) in [
        (
            "identity",
            attributes
                .identity
                .as_ref()
                .map(|v| (v.item_start, v.item_end)),
        ),
        (
            "serial",
            attributes
                .serial
                .as_ref()
                .map(|v| (v.item_start, v.item_end)),
        ),
    ] {
        let Some((start, end)) = range else { continue };
        if !is_integer {
            diagnostics.push(
                Diagnostic::spanning(
                    start,
                    end,
                    format!(
                        "`{name}` needs an integer column, but `{column}` is {}",
                        article(type_text)
                    ),
                )
                .with_help(format!(
                    "make the field `i16`, `i32` or `i64`, or remove `{name}`"
                )),
            );
        } else if nullable {
            diagnostics.push(
                Diagnostic::spanning(
                    start,
                    end,
                    format!("an `{name}` column cannot be an `Option`"),
                )
                .with_help(format!(
                    "remove `Option<…>`: PostgreSQL makes `{name}` columns NOT NULL"
                )),
            );
        }
    }
    if let Some(primary_key) = &attributes.primary_key
        && nullable
    {
        diagnostics.push(
            Diagnostic::spanning(
                primary_key.item_start,
                primary_key.item_end,
                "a primary key column cannot be an `Option`",
            )
            .with_help("remove `Option<…>` from the field: primary key columns are NOT NULL"),
        );
    }
    if attributes.references.is_none() {
        for action in [&attributes.on_delete, &attributes.on_update]
            .into_iter()
            .flatten()
        {
            diagnostics.push(
                Diagnostic::spanning(
                    action.item_start,
                    action.item_end,
                    "a foreign key action needs `references`",
                )
                .with_help(
                    "add `references = \"table.column\"` to the field, or remove the action",
                ),
            );
        }
    }
}

/// `text` → `` `text` ``; `an enum (…)` stays.
fn article(type_text: &str) -> String {
    if type_text.starts_with("an enum") {
        type_text.to_string()
    } else {
        format!("`{type_text}`")
    }
}

fn read_field_attributes(
    attributes: &[syn::Attribute],
    diagnostics: &mut Vec<Diagnostic>,
) -> FieldAttributes {
    let (items, attribute_diagnostics) = dbkit_attribute_items(attributes);
    diagnostics.extend(attribute_diagnostics);
    let mut result = FieldAttributes::default();
    let mut seen = SeenAttributes::default();
    for item in &items {
        if let Err(diagnostic) = item.expect_named() {
            diagnostics.push(diagnostic);
            continue;
        }
        let is_known = FIELD_ATTRIBUTES.contains(&item.name.as_str());
        if is_known && !seen.first_time(item, diagnostics) {
            continue;
        }
        let flag = |item: &AttributeItem| {
            item.expect_flag()
                .map(|()| spanned((), item.name_span, item))
        };
        let string = |item: &AttributeItem| {
            item.expect_string()
                .map(|(value, span)| spanned(value, span, item))
        };
        let outcome: Result<(), Diagnostic> = match item.name.as_str() {
            "primary_key" => match &item.value {
                AttributeValue::List(_) => Err(item
                    .diagnostic("on a field, `primary_key` takes no arguments")
                    .with_help("write `#[dbkit(primary_key)]`; a composite key goes on the struct: `#[dbkit(primary_key(columns(a, b)))]`")),
                _ => flag(item).map(|value| result.primary_key = Some(value)),
            },
            "identity" => read_identity(item).map(|value| result.identity = Some(value)),
            "serial" => flag(item).map(|value| result.serial = Some(value)),
            "unique" => match &item.value {
                AttributeValue::List(_) => Err(item
                    .diagnostic("on a field, `unique` takes no arguments")
                    .with_help("write `#[dbkit(unique)]`; a unique constraint over several columns goes on the struct: `#[dbkit(unique(columns(a, b)))]`")),
                _ => flag(item).map(|value| result.unique = Some(value)),
            },
            "index" => match &item.value {
                AttributeValue::List(_) => Err(item
                    .diagnostic("on a field, `index` takes no arguments")
                    .with_help("write `#[dbkit(index)]`; other indexes go on the struct: `#[dbkit(index(columns(a, b), ...))]`")),
                _ => flag(item).map(|value| result.index = Some(value)),
            },
            "skip" => flag(item).map(|value| result.skip = Some(value)),
            "references" => string(item).map(|value| result.references = Some(value)),
            "on_delete" => read_action(item).map(|action| result.on_delete = Some(spanned(action, item.name_span, item))),
            "on_update" => read_action(item).map(|action| result.on_update = Some(spanned(action, item.name_span, item))),
            "default" => string(item).map(|value| result.default = Some(value)),
            "sql_type" => string(item).map(|value| result.sql_type = Some(value)),
            "generated" => string(item).map(|value| result.generated = Some(value)),
            "column" => string(item).map(|value| result.column = Some(value)),
            "renamed_from" => string(item).map(|value| result.renamed_from = Some(value)),
            "collate" => options::read_field_collation(item).map(|value| result.collate = Some(value)),
            name if STRUCT_ATTRIBUTES.contains(&name) || name == "foreign_key" => Err(item
                .diagnostic(format!("`{name}` is a struct attribute"))
                .with_label("not a dbkit field attribute")
                .with_help(format!("put `#[dbkit({name}(...))]` above the struct"))),
            _ => Err(unknown_attribute(item, "field", FIELD_ATTRIBUTES)),
        };
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
        }
    }
    result
}

fn read_identity(item: &AttributeItem) -> Result<Spanned<Identity>, Diagnostic> {
    match &item.value {
        AttributeValue::Flag => Ok(spanned(Identity::ByDefault, item.name_span, item)),
        _ => {
            let (value, span) = item.expect_string()?;
            let normalized = value
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            match normalized.as_str() {
                "always" => Ok(spanned(Identity::Always, span, item)),
                "by default" => Ok(spanned(Identity::ByDefault, span, item)),
                _ => {
                    let diagnostic =
                        Diagnostic::new(span, format!("unknown identity kind `{value}`"));
                    Err(match closest_match(&normalized, &["always", "by default"]) {
                        Some(suggestion) => diagnostic.with_help(format!(
                            "did you mean `{suggestion}`? write `identity` (BY DEFAULT) or `identity = \"always\"`"
                        )),
                        None => diagnostic.with_help("write `identity` (BY DEFAULT) or `identity = \"always\"`"),
                    })
                }
            }
        }
    }
}

/// What `columns(...)` names may refer to.
struct ColumnsContext<'a> {
    table: &'a str,
    fields: &'a [ParsedField],
    skipped: &'a [String],
    /// Fields already reported as wrong: naming them again is no news.
    broken: &'a [String],
}

impl ColumnsContext<'_> {
    /// The column names, or `None` after reporting unknown or repeated ones.
    fn resolve(
        &self,
        names: &[(String, Span)],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Vec<String>> {
        let mut resolved = Vec::new();
        let mut failed = false;
        for (name, span) in names {
            if resolved.contains(name) {
                diagnostics.push(
                    Diagnostic::new(*span, format!("the column `{name}` is listed twice"))
                        .with_help("list each column once"),
                );
                failed = true;
                continue;
            }
            if self.fields.iter().any(|field| &field.column.name == name) {
                resolved.push(name.clone());
                continue;
            }
            failed = true;
            if self.broken.contains(name) {
                continue;
            }
            let diagnostic = Diagnostic::new(
                *span,
                format!("unknown column `{name}` in table `{}`", self.table),
            )
            .with_label("no such column");
            let help = if let Some(field) = self
                .fields
                .iter()
                .find(|field| &field.column.field_name == name)
            {
                format!(
                    "the field `{name}` is the column `{}`; write `{}`",
                    field.column.name, field.column.name
                )
            } else if self.skipped.contains(name) {
                format!("the field `{name}` has `skip`, so it is not a column")
            } else {
                let columns: Vec<&str> = self
                    .fields
                    .iter()
                    .map(|field| field.column.name.as_str())
                    .collect();
                match closest_match(name, &columns) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!(
                        "the columns of `{}` are: {}",
                        self.table,
                        columns.join(", ")
                    ),
                }
            };
            diagnostics.push(diagnostic.with_help(help));
        }
        if failed { None } else { Some(resolved) }
    }
}
