//! What the derives of sequences, domains and composite types share: the
//! reading of their `#[dbkit(...)]` lists (unknown attributes with a
//! did-you-mean, repeated ones), of `name` and `schema`, and of integers.

use super::attribute::{
    AttributeItem, AttributeValue, dbkit_attribute_items, string_literal_value,
};
use super::diagnostic::Diagnostic;
use super::suggestion::closest_match;
use super::table::{check_identifier, token_range};
use crate::model::QualifiedName;
use crate::naming;
use proc_macro2::Span;

/// The entries of the item's `#[dbkit(...)]` attributes that are in
/// `known`, each once unless it is in `repeatable`; the others are
/// reported. `derive` names the derive in messages (`Sequence`).
pub(crate) fn known_items(
    attributes: &[syn::Attribute],
    known: &[&str],
    repeatable: &[&str],
    derive: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<AttributeItem> {
    let (items, attribute_diagnostics) = dbkit_attribute_items(attributes);
    diagnostics.extend(attribute_diagnostics);
    let mut kept: Vec<AttributeItem> = Vec::new();
    for item in items {
        if let Err(diagnostic) = item.expect_named() {
            diagnostics.push(diagnostic);
            continue;
        }
        if !known.contains(&item.name.as_str()) {
            let diagnostic = item
                .diagnostic(format!("unknown attribute `{}`", item.name))
                .with_label(format!("not a `{derive}` attribute"));
            diagnostics.push(match closest_match(&item.name, known) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(format!("a `{derive}` takes: {}", known.join(", "))),
            });
            continue;
        }
        if !repeatable.contains(&item.name.as_str())
            && let Some(first) = kept.iter().find(|first| first.name == item.name)
        {
            diagnostics.push(
                item.diagnostic(format!("duplicate attribute `{}`", item.name))
                    .with_label("given again here")
                    .with_help(format!("remove one of the two `{}`", item.name))
                    .with_related(first.name_span, format!("`{}` first given here", item.name)),
            );
            continue;
        }
        kept.push(item);
    }
    kept
}

/// The entry called `name`, if given.
pub(crate) fn find<'a>(items: &'a [AttributeItem], name: &str) -> Option<&'a AttributeItem> {
    items.iter().find(|item| item.name == name)
}

/// The value of `name = "..."`, if given; a wrong value is reported.
pub(crate) fn optional_string(
    items: &[AttributeItem],
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(String, Span)> {
    let item = find(items, name)?;
    item.expect_string()
        .map_err(|diagnostic| diagnostics.push(diagnostic))
        .ok()
}

/// Whether the flag `name` is given; a value on it is reported.
pub(crate) fn flag(items: &[AttributeItem], name: &str, diagnostics: &mut Vec<Diagnostic>) -> bool {
    match find(items, name) {
        Some(item) => match item.expect_flag() {
            Ok(()) => true,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                false
            }
        },
        None => false,
    }
}

/// The qualified name from `name` and `schema`, the name defaulting to the
/// Rust name in snake_case and the schema to `public`.
pub(crate) fn qualified_name(
    items: &[AttributeItem],
    ident: &syn::Ident,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> QualifiedName {
    let name = match optional_string(items, "name", diagnostics) {
        Some((value, span)) => {
            check_identifier(&value, span, what, diagnostics);
            value
        }
        None => {
            let value = naming::snake_case(naming::strip_raw_prefix(&ident.to_string()));
            check_identifier(&value, ident.span(), what, diagnostics);
            value
        }
    };
    let schema = match optional_string(items, "schema", diagnostics) {
        Some((value, span)) => {
            check_identifier(&value, span, "schema name", diagnostics);
            value
        }
        None => "public".to_string(),
    };
    QualifiedName::new(schema, name)
}

/// An error unless the item has no generic parameters.
pub(crate) fn reject_generics(
    input: &syn::DeriveInput,
    derive: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if !input.generics.params.is_empty() {
        let (start, end) = token_range(&input.generics, input.ident.span());
        diagnostics.push(
            Diagnostic::spanning(
                start,
                end,
                format!("a `{derive}` cannot have generic parameters"),
            )
            .with_help("remove the generic parameters: the PostgreSQL type is one type"),
        );
    }
}

/// The value of `name = 5`, `name = -5` or `name = "5"`.
pub(crate) fn expect_integer(item: &AttributeItem) -> Result<(i64, Span), Diagnostic> {
    let name = &item.name;
    let invalid = |written: &str| {
        item.value_diagnostic(format!(
            "expected an integer for `{name}`, found `{written}`"
        ))
        .with_label("expected an integer")
        .with_help(format!(
            "write a whole number between {} and {}: `{name} = 100`",
            i64::MIN,
            i64::MAX
        ))
    };
    let (text, span) = match &item.value {
        AttributeValue::Literal(literal) => match string_literal_value(literal) {
            Some(value) => (value, literal.span()),
            None => (literal.to_string(), literal.span()),
        },
        AttributeValue::Tokens { text, start, .. } => (text.replace(' ', ""), *start),
        AttributeValue::Flag => {
            return Err(item
                .diagnostic(format!("`{name}` needs a value"))
                .with_help(format!("write `{name} = 100`")));
        }
        AttributeValue::List(_) => {
            return Err(item
                .diagnostic(format!("`{name}` takes a value, not a list"))
                .with_help(format!("write `{name} = 100`")));
        }
    };
    let digits = text.trim().replace('_', "");
    let digits = ["i64", "i32", "i16", "u32", "u64"]
        .iter()
        .find_map(|suffix| digits.strip_suffix(suffix))
        .map_or(digits.clone(), str::to_string);
    match digits.parse::<i64>() {
        Ok(value) => Ok((value, span)),
        Err(_) => Err(invalid(&text)),
    }
}
