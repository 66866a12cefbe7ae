//! `#[derive(View)]`: a struct whose fields are a view's row type, and its
//! `#[dbkit(...)]` attributes → a [`ViewDeclaration`].
//!
//! The struct names the view (`view = "..."`, or `materialized_view =
//! "..."`; the struct's name in snake_case when neither is given), its
//! `schema` and its `query`. A materialized view may be created
//! `with_no_data` and carry indexes, written like a table's
//! (`index(columns(day), unique)`). A field takes `column = "..."` (the
//! query's column, when it is not the field's name), `sql_type = "..."`
//! and `skip`. The query's text is kept as written: what it means is
//! PostgreSQL's to say, when the migration runs and when `check` replays
//! it.

use super::attribute::{AttributeItem, dbkit_attribute_items, doc_comment};
use super::declaration::{DeclaredType, ViewColumnDeclaration, ViewDeclaration};
use super::diagnostic::{Diagnostic, place_of_span};
use super::source_file::item_is_test_only;
use super::suggestion::closest_match;
use super::table::{
    IndexKeySpec, SeenAttributes, check_identifier, read_struct_index, token_range, type_range,
    unknown_attribute,
};
use crate::model::{Index, IndexKey, QualifiedName};
use crate::naming;
use crate::types::{self, RustTypeMapping};
use proc_macro2::Span;
use std::collections::BTreeSet;

/// Attributes a `View` struct takes.
pub(crate) const VIEW_ATTRIBUTES: &[&str] = &[
    "view",
    "materialized_view",
    "schema",
    "query",
    "with_no_data",
    "index",
];

/// Attributes a field of a `View` struct takes.
pub(crate) const VIEW_FIELD_ATTRIBUTES: &[&str] = &["column", "sql_type", "skip"];

/// Parses the input of `#[derive(View)]`.
///
/// Locations in the result have an empty file name; the derive macro only
/// needs the diagnostics and the names.
pub fn parse_view_derive(input: &syn::DeriveInput) -> Result<ViewDeclaration, Vec<Diagnostic>> {
    parse_view(input, "")
}

/// What the struct's attributes say, each with the span of its value.
#[derive(Default)]
struct ViewAttributes {
    view: Option<(String, Span)>,
    materialized_view: Option<(String, Span)>,
    schema: Option<(String, Span)>,
    query: Option<(String, Span)>,
    with_no_data: Option<Span>,
    indexes: Vec<(super::table::IndexSpec, Span)>,
}

pub(crate) fn parse_view(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<ViewDeclaration, Vec<Diagnostic>> {
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(named),
            ..
        }) => named,
        _ => {
            return Err(vec![
                Diagnostic::new(
                    input.ident.span(),
                    "`View` can only be derived for a struct with named fields",
                )
                .with_help("name the fields, one per column of the view: `struct Totals { day: chrono::NaiveDate, total: i64 }`"),
            ]);
        }
    };
    let mut diagnostics = Vec::new();
    if !input.generics.params.is_empty() {
        let (start, end) = token_range(&input.generics, input.ident.span());
        diagnostics.push(
            Diagnostic::spanning(start, end, "a `View` struct cannot have generic parameters")
                .with_help("remove the generic parameters: each column needs one PostgreSQL type"),
        );
    }
    let attributes = read_view_attributes(&input.attrs, &mut diagnostics);
    let rust_name = naming::strip_raw_prefix(&input.ident.to_string()).to_string();

    let materialized = attributes.materialized_view.is_some();
    let view_name = match (&attributes.view, &attributes.materialized_view) {
        (Some((_, first)), Some((_, second))) => {
            diagnostics.push(
                Diagnostic::new(*second, "`view` and `materialized_view` are both given")
                    .with_help("keep one: `view = \"...\"` for a view, `materialized_view = \"...\"` for a materialized view")
                    .with_related(*first, "`view` is here"),
            );
            None
        }
        (Some((name, span)), None) | (None, Some((name, span))) => {
            check_relation_name(name, *span, &mut diagnostics);
            Some(name.clone())
        }
        (None, None) => {
            let name = naming::snake_case(&rust_name);
            check_identifier(&name, input.ident.span(), "view name", &mut diagnostics);
            Some(name)
        }
    };
    let schema_name = match &attributes.schema {
        Some((value, span)) => {
            check_identifier(value, *span, "schema name", &mut diagnostics);
            value.clone()
        }
        None => "public".to_string(),
    };
    let query = match &attributes.query {
        Some((query, span)) if query.trim().trim_end_matches(';').trim().is_empty() => {
            diagnostics.push(
                Diagnostic::new(*span, "the view's `query` is empty")
                    .with_help("write the SELECT: `query = \"SELECT id, email FROM users\"`"),
            );
            String::new()
        }
        Some((query, span)) => {
            if crate::sql_split::split_sql_statements(query).len() > 1 {
                diagnostics.push(
                    Diagnostic::new(*span, "the view's `query` holds more than one statement")
                        .with_label("a `;` ends the SELECT before the text does")
                        .with_help(
                            "write one SELECT (or VALUES, or WITH … SELECT), without `;` inside",
                        ),
                );
            }
            query.clone()
        }
        None => {
            diagnostics.push(
                Diagnostic::new(input.ident.span(), "a `View` needs a `query`")
                    .with_label("no `query` on this struct")
                    .with_help(
                        "write the SELECT: `#[dbkit(view = \"...\", query = \"SELECT ...\")]`",
                    ),
            );
            String::new()
        }
    };
    if let Some(span) = attributes.with_no_data
        && !materialized
    {
        diagnostics.push(
            Diagnostic::new(span, "`with_no_data` is for a materialized view")
                .with_help("a view holds no rows; write `materialized_view = \"...\"` instead of `view`, or remove `with_no_data`"),
        );
    }
    if let (Some((_, span)), false) = (attributes.indexes.first(), materialized) {
        diagnostics.push(
            Diagnostic::new(*span, "only a materialized view can have indexes")
                .with_help("write `materialized_view = \"...\"` instead of `view`, or index the tables the view reads"),
        );
    }

    let columns = parse_view_fields(fields, file, &mut diagnostics);
    let indexes = match &view_name {
        Some(view_name) if materialized => {
            view_indexes(view_name, &attributes.indexes, &columns, &mut diagnostics)
        }
        _ => Vec::new(),
    };
    let comment = doc_comment(&input.attrs).unwrap_or_else(|diagnostic| {
        diagnostics.push(diagnostic);
        None
    });
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(ViewDeclaration {
        rust_name,
        name: QualifiedName::new(schema_name, view_name.unwrap_or_default()),
        materialized,
        query,
        with_no_data: attributes.with_no_data.is_some(),
        columns: columns.into_iter().map(|(column, _)| column).collect(),
        indexes,
        comment,
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}

fn check_relation_name(name: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) {
    if name.contains('.') {
        diagnostics.push(
            Diagnostic::new(span, format!("the view name `{name}` contains `.`")).with_help(
                "give the schema separately: `#[dbkit(schema = \"shop\", view = \"totals\")]`",
            ),
        );
    }
    check_identifier(name, span, "view name", diagnostics);
}

fn read_view_attributes(
    attributes: &[syn::Attribute],
    diagnostics: &mut Vec<Diagnostic>,
) -> ViewAttributes {
    let (items, attribute_diagnostics) = dbkit_attribute_items(attributes);
    diagnostics.extend(attribute_diagnostics);
    let mut result = ViewAttributes::default();
    let mut seen = SeenAttributes::default();
    for item in &items {
        if let Err(diagnostic) = item.expect_named() {
            diagnostics.push(diagnostic);
            continue;
        }
        if item.name != "index"
            && VIEW_ATTRIBUTES.contains(&item.name.as_str())
            && !seen.first_time(item, diagnostics)
        {
            continue;
        }
        let outcome: Result<(), Diagnostic> = match item.name.as_str() {
            "view" => item.expect_string().map(|value| result.view = Some(value)),
            "materialized_view" => item
                .expect_string()
                .map(|value| result.materialized_view = Some(value)),
            "schema" => item
                .expect_string()
                .map(|value| result.schema = Some(value)),
            "query" => item.expect_string().map(|value| result.query = Some(value)),
            "with_no_data" => item
                .expect_flag()
                .map(|()| result.with_no_data = Some(item.name_span)),
            "index" => read_struct_index(item, diagnostics).map(|index| {
                result
                    .indexes
                    .extend(index.map(|index| (index, item.name_span)));
            }),
            "table" => Err(item
                .diagnostic("`table` is not a `View` attribute")
                .with_label("not a dbkit view attribute")
                .with_help("name the view with `view = \"...\"` or `materialized_view = \"...\"`")),
            _ => Err(unknown_attribute(item, "view", VIEW_ATTRIBUTES)),
        };
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
        }
    }
    result
}

/// The fields that are columns, each with the span of its name.
fn parse_view_fields(
    fields: &syn::FieldsNamed,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(ViewColumnDeclaration, Span)> {
    let mut columns: Vec<(ViewColumnDeclaration, Span)> = Vec::new();
    for field in &fields.named {
        if item_is_test_only(&field.attrs) {
            continue;
        }
        let Some(ident) = &field.ident else {
            continue;
        };
        let Some(column) = parse_view_field(field, ident, file, diagnostics) else {
            continue;
        };
        if let Some((_, first)) = columns.iter().find(|(other, _)| other.name == column.name) {
            diagnostics.push(
                Diagnostic::new(ident.span(), format!("duplicate column `{}`", column.name))
                    .with_help(
                        "give one of the fields another name with `#[dbkit(column = \"...\")]`",
                    )
                    .with_related(*first, format!("`{}` first declared here", column.name)),
            );
            continue;
        }
        columns.push((column, ident.span()));
    }
    columns
}

/// One field; `None` when it is skipped or unusable.
fn parse_view_field(
    field: &syn::Field,
    ident: &syn::Ident,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ViewColumnDeclaration> {
    let field_name = naming::strip_raw_prefix(&ident.to_string()).to_string();
    let (items, attribute_diagnostics) = dbkit_attribute_items(&field.attrs);
    let errors_before = diagnostics.len();
    diagnostics.extend(attribute_diagnostics);
    let mut seen = SeenAttributes::default();
    let mut column: Option<(String, Span)> = None;
    let mut sql_type: Option<(String, Span)> = None;
    let mut skip = false;
    for item in &items {
        if let Err(diagnostic) = item.expect_named() {
            diagnostics.push(diagnostic);
            continue;
        }
        if VIEW_FIELD_ATTRIBUTES.contains(&item.name.as_str())
            && !seen.first_time(item, diagnostics)
        {
            continue;
        }
        let outcome = match item.name.as_str() {
            "column" => item.expect_string().map(|value| column = Some(value)),
            "sql_type" => item.expect_string().map(|value| sql_type = Some(value)),
            "skip" => item.expect_flag().map(|()| skip = true),
            name if super::table::FIELD_ATTRIBUTES.contains(&name) => Err(table_only(item)),
            _ => Err(unknown_attribute(item, "view field", VIEW_FIELD_ATTRIBUTES)),
        };
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
        }
    }
    if skip || diagnostics.len() > errors_before {
        return None;
    }
    let name = match &column {
        Some((name, span)) => {
            check_identifier(name, *span, "column name", diagnostics);
            name.clone()
        }
        None => {
            check_identifier(&field_name, ident.span(), "column name", diagnostics);
            field_name.clone()
        }
    };
    let (type_start, type_end) = type_range(&field.ty, ident.span());
    let (ty, type_place) = match &sql_type {
        Some((text, span)) => {
            if text.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::new(*span, "`sql_type` is empty")
                        .with_help("write a PostgreSQL type: `sql_type = \"numeric(12,2)\"`"),
                );
                return None;
            }
            (
                DeclaredType::SqlType(types::parse_sql_type(text)),
                place_of_span(*span, *span, file),
            )
        }
        None => match types::map_rust_type(&field.ty).mapping {
            RustTypeMapping::Builtin(ty) => (
                DeclaredType::Mapped(ty),
                place_of_span(type_start, type_end, file),
            ),
            RustTypeMapping::EnumCandidate {
                name: rust_name,
                array_dims,
                ty,
            } => {
                let (start, end) = token_range(ty, type_start);
                (
                    DeclaredType::EnumCandidate {
                        rust_name,
                        array_dims,
                    },
                    place_of_span(start, end, file),
                )
            }
            RustTypeMapping::Unmappable { written, ty } => {
                let (start, end) = token_range(ty, type_start);
                diagnostics.push(
                    Diagnostic::spanning(start, end, format!("the type `{written}` has no PostgreSQL mapping"))
                        .with_label("no PostgreSQL type for this")
                        .with_help("add `sql_type = \"...\"` to the field with the PostgreSQL type of the query's column"),
                );
                return None;
            }
        },
    };
    if diagnostics.len() > errors_before {
        return None;
    }
    Some(ViewColumnDeclaration {
        field_name,
        name,
        ty,
        type_place,
    })
}

/// A field attribute of tables that means nothing on a view's field.
fn table_only(item: &AttributeItem) -> Diagnostic {
    item.diagnostic(format!("`{}` is not an attribute of a view's field", item.name))
        .with_label("a table's field attribute")
        .with_help("a view's columns are what its query makes them; a view's field takes `column`, `sql_type` and `skip`")
}

/// The materialized view's indexes, named like a table's when no name is
/// given.
fn view_indexes(
    view_name: &str,
    specs: &[(super::table::IndexSpec, Span)],
    columns: &[(ViewColumnDeclaration, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Index> {
    let mut taken: BTreeSet<String> = specs
        .iter()
        .filter_map(|(spec, _)| spec.name.as_ref().map(|name| name.value.clone()))
        .collect();
    for (spec, _) in specs {
        if let Some(name) = &spec.name {
            check_identifier(&name.value, name.span, "name", diagnostics);
        }
    }
    let mut indexes = Vec::new();
    for (spec, _) in specs {
        let key = match &spec.key {
            IndexKeySpec::Columns(names) => {
                let Some(resolved) = index_columns(names, columns, diagnostics) else {
                    continue;
                };
                IndexKey::Columns(resolved)
            }
            IndexKeySpec::Expression(expression) => IndexKey::Expression(expression.clone()),
        };
        let name = match &spec.name {
            Some(name) => name.value.clone(),
            None => {
                let middle = match &key {
                    IndexKey::Columns(columns) => naming::columns_name_part(columns),
                    IndexKey::Expression(expression) => naming::expression_name_part(expression),
                };
                let name = naming::choose_unused_name(view_name, Some(&middle), "idx", |name| {
                    taken.contains(name)
                });
                taken.insert(name.clone());
                name
            }
        };
        indexes.push(
            Index::new(name, key)
                .with_unique(spec.unique)
                .with_method(spec.method.clone())
                .with_predicate(spec.predicate.clone()),
        );
    }
    indexes
}

/// The column names an index's `columns(...)` means: a field's name or
/// its column's.
fn index_columns(
    names: &[(String, Span)],
    columns: &[(ViewColumnDeclaration, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<String>> {
    let mut resolved = Vec::with_capacity(names.len());
    for (name, span) in names {
        let found = columns
            .iter()
            .find(|(column, _)| &column.field_name == name || &column.name == name);
        match found {
            Some((column, _)) => resolved.push(column.name.clone()),
            None => {
                let known: Vec<&str> = columns.iter().map(|(c, _)| c.name.as_str()).collect();
                let diagnostic = Diagnostic::new(*span, format!("unknown column `{name}`"))
                    .with_label("no field of this view has this name");
                diagnostics.push(match closest_match(name, &known) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None => diagnostic
                        .with_help(format!("the view's columns are: {}", known.join(", "))),
                });
                return None;
            }
        }
    }
    Some(resolved)
}
