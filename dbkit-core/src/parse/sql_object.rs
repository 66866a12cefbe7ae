//! `#[derive(SqlObject)]`: a unit struct that stands for one object defined
//! by its SQL (an aggregate, an operator, a cast, a rule…) → a
//! [`SqlObjectDeclaration`]; and the reading both it and
//! `#[derive(Extension)]` share: a struct without fields whose
//! `#[dbkit(...)]` attributes are all there is to it.
//!
//! The object's kind and identity are what `pg_identify_object` prints for
//! it (`aggregate`, `public.group_concat(text)`), so that the one written in
//! code and the one read from a database have the same key; its
//! definition is the SQL that creates it, which generate writes as it is.

use super::attribute::{AttributeItem, AttributeValue, dbkit_attribute_items};
use super::declaration::SqlObjectDeclaration;
use super::diagnostic::{Diagnostic, place_of_span};
use super::suggestion::closest_match;
use super::table::token_range;
use crate::naming;
use proc_macro2::Span;

/// Attributes a `SqlObject` struct takes.
pub(crate) const SQL_OBJECT_ATTRIBUTES: &[&str] =
    &["kind", "identity", "definition", "drop", "depends_on"];

/// Parses the input of `#[derive(SqlObject)]`.
///
/// Locations in the result have an empty file name; the derive macro only
/// needs the diagnostics and the names.
pub fn parse_sql_object_derive(
    input: &syn::DeriveInput,
) -> Result<SqlObjectDeclaration, Vec<Diagnostic>> {
    parse_sql_object(input, "")
}

pub(crate) fn parse_sql_object(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<SqlObjectDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    check_marker_struct(input, "SqlObject", &mut diagnostics)?;
    let (items, attribute_diagnostics) = dbkit_attribute_items(&input.attrs);
    if !attribute_diagnostics.is_empty() {
        // What a malformed attribute held is unknown: no "needs" errors.
        diagnostics.extend(attribute_diagnostics);
        return Err(diagnostics);
    }
    let mut kind = None;
    let mut identity = None;
    let mut definition = None;
    let mut drop = None;
    let mut depends_on: Option<Vec<String>> = None;
    for item in &items {
        let outcome = item.expect_named().and_then(|()| match item.name.as_str() {
            "kind" => set_string(item, &mut kind),
            "identity" => set_string(item, &mut identity),
            "definition" => set_string(item, &mut definition),
            "drop" => set_string(item, &mut drop),
            "depends_on" if depends_on.is_some() => Err(duplicate(item)),
            "depends_on" => read_string_list(item).map(|names| depends_on = Some(names)),
            other => Err(unknown_attribute(
                item,
                other,
                "SqlObject",
                SQL_OBJECT_ATTRIBUTES,
                "a `SqlObject` takes `kind`, `identity`, `definition`, `drop` and `depends_on(...)`",
            )),
        });
        if let Err(diagnostic) = outcome {
            diagnostics.push(diagnostic);
        }
    }
    let ident = input.ident.span();
    let mut required = |value: Option<(String, Span)>, name: &str, example: &str| match value {
        Some((text, span)) if text.trim().is_empty() => {
            diagnostics.push(
                Diagnostic::new(span, format!("`{name}` is empty"))
                    .with_help(format!("write `{name} = {example}`")),
            );
            None
        }
        Some((text, _)) => Some(text),
        None => {
            diagnostics.push(
                Diagnostic::new(ident, format!("a `SqlObject` needs `{name}`"))
                    .with_label(format!("no `{name}`"))
                    .with_help(format!("add `#[dbkit({name} = {example})]`")),
            );
            None
        }
    };
    let kind = required(kind, "kind", "\"aggregate\"");
    let identity = required(identity, "identity", "\"public.group_concat(text)\"");
    let definition = required(definition, "definition", "r#\"CREATE AGGREGATE …\"#");
    if let Some((text, span)) = &drop
        && text.trim().is_empty()
    {
        diagnostics.push(
            Diagnostic::new(*span, "`drop` is empty")
                .with_help("leave `drop` out to drop the object with `DROP <kind> <identity>`"),
        );
    }
    let (Some(kind), Some(identity), Some(definition)) = (kind, identity, definition) else {
        return Err(diagnostics);
    };
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(SqlObjectDeclaration {
        rust_name: naming::strip_raw_prefix(&input.ident.to_string()).to_string(),
        kind: kind.trim().to_lowercase(),
        identity: identity.trim().to_string(),
        definition,
        drop: drop.map(|(text, _)| text),
        depends_on: depends_on.unwrap_or_default(),
        place: place_of_span(ident, ident, file),
    })
}

/// An error unless the item is a struct without fields or generics: the
/// derives of objects defined by attributes alone.
pub(crate) fn check_marker_struct(
    input: &syn::DeriveInput,
    derive: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(), Vec<Diagnostic>> {
    let fields = match &input.data {
        syn::Data::Struct(data) => &data.fields,
        syn::Data::Enum(data) => {
            return Err(vec![
                Diagnostic::spanning(
                    data.enum_token.span,
                    input.ident.span(),
                    format!("`{derive}` can only be derived for a struct"),
                )
                .with_help(format!("write `pub struct {};`", input.ident)),
            ]);
        }
        syn::Data::Union(data) => {
            return Err(vec![
                Diagnostic::spanning(
                    data.union_token.span,
                    input.ident.span(),
                    format!("`{derive}` can only be derived for a struct"),
                )
                .with_help(format!("write `pub struct {};`", input.ident)),
            ]);
        }
    };
    if !fields.is_empty() {
        let (start, end) = token_range(fields, input.ident.span());
        diagnostics.push(
            Diagnostic::spanning(start, end, format!("a `{derive}` struct has no fields"))
                .with_label("everything about it is in `#[dbkit(...)]`")
                .with_help(format!("write `pub struct {};`", input.ident)),
        );
    }
    if !input.generics.params.is_empty() {
        let (start, end) = token_range(&input.generics, input.ident.span());
        diagnostics.push(
            Diagnostic::spanning(
                start,
                end,
                format!("a `{derive}` cannot have generic parameters"),
            )
            .with_help("remove the generic parameters"),
        );
    }
    Ok(())
}

/// `name = "..."` into an empty slot.
pub(crate) fn set_string(
    item: &AttributeItem,
    slot: &mut Option<(String, Span)>,
) -> Result<(), Diagnostic> {
    if slot.is_some() {
        return Err(duplicate(item));
    }
    *slot = Some(item.expect_string()?);
    Ok(())
}

fn duplicate(item: &AttributeItem) -> Diagnostic {
    item.diagnostic(format!("duplicate attribute `{}`", item.name))
        .with_help(format!("remove one of the two `{}`", item.name))
}

/// `depends_on("public.f(text)", users)`: strings or plain names.
fn read_string_list(item: &AttributeItem) -> Result<Vec<String>, Diagnostic> {
    let entries = item.expect_list("depends_on(\"public._group_concat(text, text)\")")?;
    entries
        .iter()
        .map(|entry| match &entry.value {
            AttributeValue::Flag if !entry.name.trim().is_empty() => Ok(entry.name.clone()),
            _ => Err(entry
                .diagnostic("expected the name of what the object uses")
                .with_help(
                    "list names or identities in quotes: `depends_on(\"public._group_concat(text, text)\", \"users\")`",
                )),
        })
        .collect()
}

/// `unknown attribute`, with the closest known one.
pub(crate) fn unknown_attribute(
    item: &AttributeItem,
    name: &str,
    derive: &str,
    known: &[&str],
    takes: &str,
) -> Diagnostic {
    let diagnostic = item
        .diagnostic(format!("unknown attribute `{name}`"))
        .with_label(format!("not a `{derive}` attribute"));
    match closest_match(name, known) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None => diagnostic.with_help(takes.to_string()),
    }
}
