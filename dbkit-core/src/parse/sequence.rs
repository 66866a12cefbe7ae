//! `#[derive(Sequence)]`: a unit struct and its `#[dbkit(...)]` attributes → a [`SequenceDeclaration`].
//!
//! The options PostgreSQL fills in are filled in here the way it does
//! (bounds of the type in the direction of `increment`, the start at the
//! bound counted from), so that the model holds every value and compares
//! equal with what the catalog says; what PostgreSQL would refuse (a zero
//! increment, a start outside the bounds) is refused here, on its span.

use super::attribute::AttributeItem;
use super::diagnostic::{Diagnostic, place_of_span};
use super::suggestion::closest_match;
use super::type_declaration::SequenceDeclaration;
use super::type_item::{
    expect_integer, find, flag, known_items, optional_string, qualified_name, reject_generics,
};
use crate::model::{Sequence, sequence_type_range};
use crate::naming;
use proc_macro2::Span;

/// Attributes a `Sequence` takes.
pub(crate) const SEQUENCE_ATTRIBUTES: &[&str] = &[
    "name",
    "schema",
    "as",
    "start",
    "increment",
    "min_value",
    "max_value",
    "cache",
    "cycle",
];

/// The types a sequence can count in.
const SEQUENCE_TYPES: &[&str] = &["smallint", "integer", "bigint"];

/// Parses the input of `#[derive(Sequence)]`.
pub fn parse_sequence_derive(
    input: &syn::DeriveInput,
) -> Result<SequenceDeclaration, Vec<Diagnostic>> {
    parse_sequence(input, "")
}

pub(crate) fn parse_sequence(
    input: &syn::DeriveInput,
    file: &str,
) -> Result<SequenceDeclaration, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    match &input.data {
        syn::Data::Struct(data) if matches!(data.fields, syn::Fields::Unit) => {}
        _ => {
            return Err(vec![
                Diagnostic::new(
                    input.ident.span(),
                    "`Sequence` can only be derived for a unit struct",
                )
                .with_help(format!(
                    "write `pub struct {};`: a sequence has no fields",
                    input.ident
                )),
            ]);
        }
    }
    reject_generics(input, "Sequence", &mut diagnostics);
    let items = known_items(
        &input.attrs,
        SEQUENCE_ATTRIBUTES,
        &[],
        "Sequence",
        &mut diagnostics,
    );
    let name = qualified_name(&items, &input.ident, "sequence name", &mut diagnostics);
    let data_type = match optional_string(&items, "as", &mut diagnostics) {
        Some((value, span)) => match sequence_type(&value) {
            Some(data_type) => data_type.to_string(),
            None => {
                let diagnostic = Diagnostic::new(span, format!("`{value}` is not a sequence type"))
                    .with_label("not smallint, integer or bigint");
                diagnostics.push(match closest_match(&value, SEQUENCE_TYPES) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None => diagnostic
                        .with_help("a sequence counts in `smallint`, `integer` or `bigint`"),
                });
                "bigint".to_string()
            }
        },
        None => "bigint".to_string(),
    };
    let mut integer = |name: &str| -> Option<(i64, Span)> {
        let item: &AttributeItem = find(&items, name)?;
        expect_integer(item)
            .map_err(|diagnostic| diagnostics.push(diagnostic))
            .ok()
    };
    let increment = integer("increment");
    let min_value = integer("min_value");
    let max_value = integer("max_value");
    let start = integer("start");
    let cache = integer("cache");
    let cycle = flag(&items, "cycle", &mut diagnostics);

    let increment_value = match increment {
        Some((0, span)) => {
            diagnostics.push(
                Diagnostic::new(span, "the increment of a sequence cannot be 0")
                    .with_help("count up with a positive `increment`, or down with a negative one"),
            );
            1
        }
        Some((value, _)) => value,
        None => 1,
    };
    let sequence = Sequence::with_defaults(
        name.clone(),
        &data_type,
        increment_value,
        min_value.map(|(value, _)| value),
        max_value.map(|(value, _)| value),
        start.map(|(value, _)| value),
    );
    let (type_min, type_max) = sequence_type_range(&data_type).unwrap_or((i64::MIN, i64::MAX));
    for (given, value, what) in [
        (min_value, sequence.min_value, "min_value"),
        (max_value, sequence.max_value, "max_value"),
    ] {
        if let Some((_, span)) = given
            && !(type_min..=type_max).contains(&value)
        {
            diagnostics.push(
                Diagnostic::new(
                    span,
                    format!("`{what}` {value} is out of the range of `{data_type}`"),
                )
                .with_help(format!(
                    "write a value between {type_min} and {type_max}, or a wider `as`"
                )),
            );
        }
    }
    if sequence.min_value >= sequence.max_value {
        let span = min_value
            .or(max_value)
            .map_or(input.ident.span(), |(_, span)| span);
        diagnostics.push(
            Diagnostic::new(
                span,
                format!(
                    "`min_value` ({}) must be less than `max_value` ({})",
                    sequence.min_value, sequence.max_value
                ),
            )
            .with_help(
                "give the sequence room to count: a lower `min_value` or a higher `max_value`",
            ),
        );
    } else if !(sequence.min_value..=sequence.max_value).contains(&sequence.start) {
        let span = start
            .or(min_value)
            .or(max_value)
            .map_or(input.ident.span(), |(_, span)| span);
        diagnostics.push(
            Diagnostic::new(
                span,
                format!(
                    "`start` ({}) is outside `min_value` ({}) to `max_value` ({})",
                    sequence.start, sequence.min_value, sequence.max_value
                ),
            )
            .with_help("start at a value between the bounds"),
        );
    }
    let cache = match cache {
        Some((value, span)) if value < 1 => {
            diagnostics.push(
                Diagnostic::new(span, format!("`cache` must be at least 1, not {value}"))
                    .with_help("write `cache = 1` (no cache) or more"),
            );
            1
        }
        Some((value, _)) => value,
        None => 1,
    };
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    Ok(SequenceDeclaration {
        rust_name: naming::strip_raw_prefix(&input.ident.to_string()).to_string(),
        name,
        data_type,
        start: sequence.start,
        increment: sequence.increment,
        min_value: sequence.min_value,
        max_value: sequence.max_value,
        cycle,
        cache,
        place: place_of_span(input.ident.span(), input.ident.span(), file),
    })
}

/// The canonical name of a sequence type as written (`int8`, `bigint`, …).
fn sequence_type(written: &str) -> Option<&'static str> {
    match written.trim().to_lowercase().as_str() {
        "smallint" | "int2" => Some("smallint"),
        "integer" | "int" | "int4" => Some("integer"),
        "bigint" | "int8" => Some("bigint"),
        _ => None,
    }
}
