//! `#[derive(CompositeType)]`: a struct with named fields and its `#[dbkit(...)]` attributes → a [`CompositeTypeDeclaration`].
//!
//! Fields map to attribute types as a table's fields map to column types
//! (the same table, `sql_type` to override it, a Rust name outside the
//! table for an enum, a domain or another composite type). PostgreSQL keeps
//! no `NOT NULL` on an attribute, so `Option<T>` and `T` are the same type.

use super::attribute::{AttributeItem, dbkit_attribute_items};
use super::declaration::DeclaredType;
use super::diagnostic::{Diagnostic, place_of_span};
use super::source_file::item_is_test_only;
use super::suggestion::closest_match;
use super::table::{check_identifier, token_range, type_range};
use super::type_declaration::{AttributeDeclaration, CompositeTypeDeclaration};
use super::type_item::{known_items, qualified_name, reject_generics};
use crate::naming;
use crate::types::{self, RustTypeMapping};
use proc_macro2::Span;

/// Attributes a `CompositeType` struct takes.
pub(crate) const COMPOSITE_ATTRIBUTES: &[&str] = &["name", "schema"];
/// Attributes a field of a `CompositeType` takes.
pub(crate) const COMPOSITE_FIELD_ATTRIBUTES: &[&str] = &["rename", "sql_type", "skip"];

/// Parses the input of `#[derive(CompositeType)]`.
pub fn parse_composite_derive(
    input: &syn::DeriveInput,
) -> Result<CompositeTypeDeclaration, Vec<Diagnostic>> {
    parse_composite(input, "")
}

pub(crate) fn parse_composite(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<CompositeTypeDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(fields),
            ..
        }) => fields,
        _ => {
            return Err(vec![
                Diagnostic::new(
                    input.ident.span(),
                    "`CompositeType` can only be derived for a struct with named fields",
                )
                .with_help(
                    "write `pub struct Address { pub street: String }`: one field per attribute",
                ),
            ]);
        }
    };
    reject_generics(input, "CompositeType", &mut diagnostics);
    let items = known_items(
        &input.attrs,
        COMPOSITE_ATTRIBUTES,
        &[],
        "CompositeType",
        &mut diagnostics,
    );
    let name = qualified_name(&items, &input.ident, "type name", &mut diagnostics);
    let mut attributes: Vec<(AttributeDeclaration, Span)> = Vec::new();
    for field in &fields.named {
        if item_is_test_only(&field.attrs) {
            continue;
        }
        let Some((attribute, span)) = parse_field(field, file, &mut diagnostics) else {
            continue;
        };
        if let Some((_, first)) = attributes
            .iter()
            .find(|(other, _)| other.name == attribute.name)
        {
            diagnostics.push(
                Diagnostic::new(
                    span,
                    format!("two fields are the attribute `{}`", attribute.name),
                )
                .with_help("give one of them another name with `#[dbkit(rename = \"...\")]`")
                .with_related(*first, "the other one"),
            );
            continue;
        }
        attributes.push((attribute, span));
    }
    if attributes.is_empty() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                input.ident.span(),
                "a `CompositeType` needs at least one field",
            )
            .with_label("no fields")
            .with_help("add a field for each attribute of the type"),
        );
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(CompositeTypeDeclaration {
        rust_name: naming::strip_raw_prefix(&input.ident.to_string()).to_string(),
        name,
        attributes: attributes
            .into_iter()
            .map(|(attribute, _)| attribute)
            .collect(),
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}

/// One field, with the span of its name; `None` when skipped or wrong.
fn parse_field(
    field: &syn::Field,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(AttributeDeclaration, Span)> {
    let ident = field.ident.as_ref()?;
    let (items, attribute_diagnostics) = dbkit_attribute_items(&field.attrs);
    let errors_before = diagnostics.len();
    diagnostics.extend(attribute_diagnostics);
    let mut rename = None;
    let mut sql_type = None;
    let mut skip = false;
    for item in &items {
        if let Err(diagnostic) = read_field_attribute(item, &mut rename, &mut sql_type, &mut skip) {
            diagnostics.push(diagnostic);
        }
    }
    if skip {
        return None;
    }
    let name = match rename {
        Some((value, span)) => {
            check_identifier(&value, span, "attribute name", diagnostics);
            value
        }
        None => {
            let value = naming::strip_raw_prefix(&ident.to_string()).to_string();
            check_identifier(&value, ident.span(), "attribute name", diagnostics);
            value
        }
    };
    let (type_start, type_end) = type_range(&field.ty, ident.span());
    let (ty, type_place) = match sql_type {
        Some((value, span)) => {
            if value.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::new(span, "`sql_type` is empty")
                        .with_help("write a PostgreSQL type: `sql_type = \"varchar(20)\"`"),
                );
            }
            (
                DeclaredType::SqlType(types::parse_sql_type(&value)),
                place_of_span(span, span, file),
            )
        }
        None => match types::map_rust_type(&field.ty).mapping {
            RustTypeMapping::Builtin(ty) => (
                DeclaredType::Mapped(ty),
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
                    place_of_span(start, end, file),
                )
            }
            RustTypeMapping::Unmappable { written, ty } => {
                let (start, end) = token_range(ty, type_start);
                diagnostics.push(
                    Diagnostic::spanning(start, end, format!("the type `{written}` has no PostgreSQL mapping"))
                        .with_label("no PostgreSQL type for this")
                        .with_help("add `sql_type = \"...\"` to the field with the PostgreSQL type of the attribute"),
                );
                return None;
            }
        },
    };
    if diagnostics.len() > errors_before {
        return None;
    }
    Some((
        AttributeDeclaration {
            field_name: naming::strip_raw_prefix(&ident.to_string()).to_string(),
            name,
            ty,
            type_place,
        },
        ident.span(),
    ))
}

fn read_field_attribute(
    item: &AttributeItem,
    rename: &mut Option<(String, Span)>,
    sql_type: &mut Option<(String, Span)>,
    skip: &mut bool,
) -> Result<(), Diagnostic> {
    item.expect_named()?;
    let duplicate = || {
        item.diagnostic(format!("duplicate attribute `{}`", item.name))
            .with_help(format!("remove one of the two `{}`", item.name))
    };
    match item.name.as_str() {
        "rename" if rename.is_some() => Err(duplicate()),
        "rename" => item.expect_string().map(|value| *rename = Some(value)),
        "sql_type" if sql_type.is_some() => Err(duplicate()),
        "sql_type" => item.expect_string().map(|value| *sql_type = Some(value)),
        "skip" => item.expect_flag().map(|()| *skip = true),
        other => {
            let diagnostic = item
                .diagnostic(format!("unknown attribute `{other}`"))
                .with_label("not a dbkit composite type field attribute");
            Err(match closest_match(other, COMPOSITE_FIELD_ATTRIBUTES) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(
                    "a field of a `CompositeType` takes `rename`, `sql_type` and `skip`",
                ),
            })
        }
    }
}
