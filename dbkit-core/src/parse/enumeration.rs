//! `#[derive(PgEnum)]`: a fieldless enum and its `#[dbkit(...)]` attributes → an [`EnumDeclaration`].

use super::attribute::{AttributeItem, dbkit_attribute_items, doc_comment};
use super::declaration::EnumDeclaration;
use super::diagnostic::{Diagnostic, place_of_span};
use super::source_file::item_is_test_only;
use super::suggestion::closest_match;
use super::table::{STRUCT_ATTRIBUTES, check_identifier, check_nonempty, token_range};
use crate::model::QualifiedName;
use crate::naming;
use proc_macro2::Span;

/// Attributes a `PgEnum` enum takes.
const ENUM_ATTRIBUTES: &[&str] = &["name", "schema", "renamed_from"];
/// Attributes a variant takes.
const VARIANT_ATTRIBUTES: &[&str] = &["rename"];

/// Parses the input of `#[derive(PgEnum)]`.
///
/// Locations in the result have an empty file name; the derive macro only
/// needs the diagnostics and the names.
pub fn parse_enum_derive(input: &syn::DeriveInput) -> Result<EnumDeclaration, Vec<Diagnostic>> {
    parse_enum(input, "")
}

pub(crate) fn parse_enum(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<EnumDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let data = match &input.data {
        syn::Data::Enum(data) => data,
        syn::Data::Struct(data) => {
            return Err(vec![
                Diagnostic::spanning(
                    data.struct_token.span,
                    input.ident.span(),
                    "`PgEnum` can only be derived for an enum",
                )
                .with_help("derive `Table` for a struct that is a table"),
            ]);
        }
        syn::Data::Union(data) => {
            return Err(vec![
                Diagnostic::spanning(
                    data.union_token.span,
                    input.ident.span(),
                    "`PgEnum` can only be derived for an enum",
                )
                .with_help("use an enum whose variants are the labels of the PostgreSQL enum"),
            ]);
        }
    };
    if !input.generics.params.is_empty() {
        let (start, end) = token_range(&input.generics, input.ident.span());
        diagnostics.push(
            Diagnostic::spanning(start, end, "a `PgEnum` cannot have generic parameters")
                .with_help(
                    "remove the generic parameters: a PostgreSQL enum is a plain list of labels",
                ),
        );
    }
    let rust_name = naming::strip_raw_prefix(&input.ident.to_string()).to_string();

    let (items, attribute_diagnostics) = dbkit_attribute_items(&input.attrs);
    diagnostics.extend(attribute_diagnostics);
    let mut attributes = EnumAttributes::default();
    for item in &items {
        match read_enum_attribute(item, &mut attributes) {
            Ok(()) => {}
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    let EnumAttributes {
        name,
        schema,
        renamed_from,
    } = attributes;
    let type_name = match &name {
        Some((value, span)) => {
            check_identifier(value, *span, "enum name", &mut diagnostics);
            value.clone()
        }
        None => {
            let value = naming::snake_case(&rust_name);
            check_identifier(&value, input.ident.span(), "enum name", &mut diagnostics);
            value
        }
    };
    let schema_name = match &schema {
        Some((value, span)) => {
            check_identifier(value, *span, "schema name", &mut diagnostics);
            value.clone()
        }
        None => "public".to_string(),
    };
    if let Some((value, span)) = &renamed_from {
        check_nonempty(value, *span, "renamed_from", &mut diagnostics);
    }

    if data.variants.is_empty() {
        diagnostics.push(
            Diagnostic::new(input.ident.span(), "a `PgEnum` needs at least one variant")
                .with_label("no variants")
                .with_help("add a variant for each label of the PostgreSQL enum"),
        );
    }
    let mut values: Vec<(String, Span)> = Vec::new();
    for variant in &data.variants {
        if item_is_test_only(&variant.attrs) {
            continue;
        }
        if !matches!(variant.fields, syn::Fields::Unit) {
            let (start, end) = token_range(&variant.fields, variant.ident.span());
            diagnostics.push(
                Diagnostic::spanning(
                    start,
                    end,
                    format!("the variant `{}` has fields", variant.ident),
                )
                .with_label("a PostgreSQL enum label cannot carry data")
                .with_help("remove the fields: every variant of a `PgEnum` is a plain label"),
            );
            continue;
        }
        let Some((label, span)) = variant_label(variant, &mut diagnostics) else {
            continue;
        };
        if label.is_empty() {
            diagnostics.push(
                Diagnostic::new(span, "the enum label is empty")
                    .with_help("write a label: `rename = \"in-review\"`"),
            );
            continue;
        }
        if label.len() > naming::MAX_IDENTIFIER_BYTES {
            diagnostics.push(
                Diagnostic::new(span, format!(
                    "the enum label `{label}` is longer than {} bytes",
                    naming::MAX_IDENTIFIER_BYTES
                ))
                    .with_help("PostgreSQL refuses longer labels; choose a shorter one with `rename = \"...\"`"),
            );
            continue;
        }
        if let Some((_, first_span)) = values.iter().find(|(value, _)| *value == label) {
            diagnostics.push(
                Diagnostic::new(span, format!("duplicate enum label `{label}`"))
                    .with_help(
                        "give one of the variants another label with `#[dbkit(rename = \"...\")]`",
                    )
                    .with_related(*first_span, format!("`{label}` first used here")),
            );
            continue;
        }
        values.push((label, span));
    }
    let comment = doc_comment(&input.attrs).unwrap_or_else(|diagnostic| {
        diagnostics.push(diagnostic);
        None
    });

    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(EnumDeclaration {
        rust_name,
        name: QualifiedName::new(schema_name, type_name),
        values: values.into_iter().map(|(value, _)| value).collect(),
        comment,
        renamed_from: renamed_from.map(|(value, _)| value),
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}

/// The attributes written on a `PgEnum`, each with where its value is.
#[derive(Default)]
struct EnumAttributes {
    name: Option<(String, Span)>,
    schema: Option<(String, Span)>,
    renamed_from: Option<(String, Span)>,
}

fn read_enum_attribute(
    item: &AttributeItem,
    attributes: &mut EnumAttributes,
) -> Result<(), Diagnostic> {
    item.expect_named()?;
    let slot = match item.name.as_str() {
        "name" => &mut attributes.name,
        "schema" => &mut attributes.schema,
        "renamed_from" => &mut attributes.renamed_from,
        other if STRUCT_ATTRIBUTES.contains(&other) || other == "rename" => {
            let help = if other == "rename" {
                "`rename` goes on a variant; on the enum, `name = \"...\"` sets the type's name"
                    .to_string()
            } else {
                format!(
                    "a `PgEnum` takes `name`, `schema` and `renamed_from`; `{other}` belongs on a `#[derive(Table)]` struct"
                )
            };
            return Err(item
                .diagnostic(format!("`{other}` is not a `PgEnum` attribute"))
                .with_label("not a dbkit enum attribute")
                .with_help(help));
        }
        other => {
            let diagnostic = item
                .diagnostic(format!("unknown attribute `{other}`"))
                .with_label("not a dbkit enum attribute");
            return Err(match closest_match(other, ENUM_ATTRIBUTES) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => {
                    diagnostic.with_help("a `PgEnum` takes `name`, `schema` and `renamed_from`")
                }
            });
        }
    };
    if slot.is_some() {
        return Err(item
            .diagnostic(format!("duplicate attribute `{}`", item.name))
            .with_help(format!("remove one of the two `{}`", item.name)));
    }
    *slot = Some(item.expect_string()?);
    Ok(())
}

/// The variant's label and the span to blame for it.
fn variant_label(
    variant: &syn::Variant,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(String, Span)> {
    let (items, attribute_diagnostics) = dbkit_attribute_items(&variant.attrs);
    let had_errors = !attribute_diagnostics.is_empty();
    diagnostics.extend(attribute_diagnostics);
    let mut rename: Option<(String, Span)> = None;
    let mut failed = had_errors;
    for item in &items {
        let outcome = item.expect_named().and_then(|()| match item.name.as_str() {
            "rename" if rename.is_some() => Err(item
                .diagnostic("duplicate attribute `rename`")
                .with_help("remove one of the two `rename`")),
            "rename" => item.expect_string().map(|value| rename = Some(value)),
            other => {
                let diagnostic = item
                    .diagnostic(format!("unknown attribute `{other}`"))
                    .with_label("not a dbkit variant attribute");
                Err(match closest_match(other, VARIANT_ATTRIBUTES) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None => diagnostic.with_help("a variant takes only `rename = \"...\"`"),
                })
            }
        });
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
            failed = true;
        }
    }
    if failed {
        return None;
    }
    Some(rename.unwrap_or_else(|| {
        let ident = variant.ident.to_string();
        (naming::snake_case(&ident), variant.ident.span())
    }))
}
