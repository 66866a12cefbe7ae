//! `#[derive(Extension)]`: a unit struct that asks for a PostgreSQL
//! extension → an [`ExtensionDeclaration`]. The extension is created
//! (`CREATE EXTENSION IF NOT EXISTS`) before anything else of the migration
//! that first needs it; its own types and functions are never declared.

use super::declaration::ExtensionDeclaration;
use super::diagnostic::{Diagnostic, place_of_span};
use super::sql_object::{check_marker_struct, set_string, unknown_attribute};
use super::table::check_identifier;
use crate::naming;

/// Attributes an `Extension` struct takes.
pub(crate) const EXTENSION_ATTRIBUTES: &[&str] = &["name", "schema"];

/// Parses the input of `#[derive(Extension)]`.
pub fn parse_extension_derive(
    input: &syn::DeriveInput,
) -> Result<ExtensionDeclaration, Vec<Diagnostic>> {
    parse_extension(input, "")
}

pub(crate) fn parse_extension(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<ExtensionDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    check_marker_struct(input, "Extension", &mut diagnostics)?;
    let (items, attribute_diagnostics) = super::attribute::dbkit_attribute_items(&input.attrs);
    diagnostics.extend(attribute_diagnostics);
    let mut name = None;
    let mut schema = None;
    for item in &items {
        let outcome = item.expect_named().and_then(|()| match item.name.as_str() {
            "name" => set_string(item, &mut name),
            "schema" => set_string(item, &mut schema),
            other => Err(unknown_attribute(
                item,
                other,
                "Extension",
                EXTENSION_ATTRIBUTES,
                "an `Extension` takes `name` and `schema`",
            )),
        });
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
        }
    }
    let rust_name = naming::strip_raw_prefix(&input.ident.to_string()).to_string();
    let extension_name = match &name {
        Some((value, span)) => {
            check_identifier(value, *span, "extension name", &mut diagnostics);
            value.clone()
        }
        None => {
            let value = naming::snake_case(&rust_name);
            check_identifier(
                &value,
                input.ident.span(),
                "extension name",
                &mut diagnostics,
            );
            value
        }
    };
    if let Some((value, span)) = &schema {
        check_identifier(value, *span, "schema name", &mut diagnostics);
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(ExtensionDeclaration {
        rust_name,
        name: extension_name,
        schema: schema.map(|(value, _)| value),
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}
