//! `trigger(...)` on a `Table` struct → a [`TriggerDeclaration`].
//!
//! ```text
//! trigger(name = "users_touch", before, update, for_each = "row",
//!         function = "app.touch_updated_at", when = "OLD.* IS DISTINCT FROM NEW.*",
//!         columns(email), args("x"))
//! ```
//!
//! The timing is one flag (`before`, `after`), the events are flags
//! (`insert`, `update`, `delete`, `truncate`); `columns` makes `update` an
//! `UPDATE OF`. Whether the function exists is the resolver's question: it
//! may be declared in another file.

use super::attribute::{AttributeItem, AttributeValue};
use super::declaration::TriggerDeclaration;
use super::diagnostic::{Diagnostic, place_of_span};
use super::suggestion::closest_match;
use super::table::check_identifier;
use crate::model::{QualifiedName, Trigger, TriggerEvent, TriggerTiming};
use proc_macro2::Span;

/// What `trigger(...)` takes.
pub(crate) const TRIGGER_ENTRIES: &[&str] = &[
    "name", "before", "after", "insert", "update", "delete", "truncate", "for_each", "function",
    "when", "columns", "args",
];

const EXAMPLE: &str = "trigger(name = \"users_touch\", before, update, for_each = \"row\", function = \"app.touch_updated_at\")";

/// A `trigger(...)` read, before its columns are checked against the
/// table's.
pub(crate) struct TriggerSpec {
    trigger: Trigger,
    function_schema: Option<String>,
    columns: Vec<(String, Span)>,
    name_span: Span,
    item_start: Span,
    item_end: Span,
    function_span: Span,
}

pub(crate) fn read_trigger(item: &AttributeItem) -> Result<TriggerSpec, Diagnostic> {
    let entries = item.expect_list(EXAMPLE)?;
    let mut name: Option<(String, Span)> = None;
    let mut timing: Option<(TriggerTiming, Span)> = None;
    let mut events: Vec<TriggerEvent> = Vec::new();
    let mut for_each_row: Option<bool> = None;
    let mut function: Option<(String, Span)> = None;
    let mut when: Option<String> = None;
    let mut columns: Vec<(String, Span)> = Vec::new();
    let mut arguments: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for entry in entries {
        entry.expect_named()?;
        let known = TRIGGER_ENTRIES.iter().find(|known| **known == entry.name);
        let Some(known) = known else {
            let diagnostic = entry
                .diagnostic(format!("unknown argument `{}` of `trigger`", entry.name))
                .with_label("not an argument of `trigger`");
            return Err(match closest_match(&entry.name, TRIGGER_ENTRIES) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => {
                    diagnostic.with_help(format!("`trigger` takes: {}", TRIGGER_ENTRIES.join(", ")))
                }
            });
        };
        if seen.contains(known) {
            return Err(entry
                .diagnostic(format!("`{}` is given twice", entry.name))
                .with_help(format!("remove one of the two `{}`", entry.name)));
        }
        seen.push(known);
        match entry.name.as_str() {
            "name" => name = Some(entry.expect_string()?),
            "before" | "after" => {
                entry.expect_flag()?;
                if timing.is_some() {
                    return Err(entry
                        .diagnostic("a trigger fires either `before` or `after`")
                        .with_help("keep one of the two"));
                }
                let value = if entry.name == "before" {
                    TriggerTiming::Before
                } else {
                    TriggerTiming::After
                };
                timing = Some((value, entry.name_span));
            }
            "insert" | "update" | "delete" | "truncate" => {
                entry.expect_flag()?;
                let event = TriggerEvent::ALL
                    .into_iter()
                    .find(|event| event.word() == entry.name)
                    .unwrap_or(TriggerEvent::Insert);
                events.push(event);
            }
            "for_each" => {
                let (value, span) = entry.expect_string()?;
                for_each_row = Some(match value.to_lowercase().as_str() {
                    "row" => true,
                    "statement" => false,
                    _ => {
                        return Err(Diagnostic::new(span, format!("unknown level `{value}`"))
                            .with_help(
                                "write `for_each = \"row\"` or `for_each = \"statement\"`",
                            ));
                    }
                });
            }
            "function" => function = Some(entry.expect_string()?),
            "when" => {
                let (value, span) = entry.expect_string()?;
                if value.trim().is_empty() {
                    return Err(
                        Diagnostic::new(span, "the `when` condition is empty").with_help(
                            "write a condition: `when = \"OLD.* IS DISTINCT FROM NEW.*\"`",
                        ),
                    );
                }
                when = Some(value);
            }
            "columns" => columns = entry.expect_column_names()?,
            _ => {
                for argument in entry.expect_list("args(\"x\", \"y\")")? {
                    if !argument.quoted || !matches!(argument.value, AttributeValue::Flag) {
                        return Err(argument
                            .diagnostic("a trigger's argument is a string")
                            .with_help("write `args(\"x\", \"y\")`"));
                    }
                    arguments.push(argument.name.clone());
                }
            }
        }
    }
    let Some((name, name_span)) = name else {
        return Err(item
            .diagnostic("`trigger` needs a `name`")
            .with_help(format!("write `{EXAMPLE}`")));
    };
    let Some((timing, _)) = timing else {
        return Err(item
            .diagnostic("`trigger` needs `before` or `after`")
            .with_help(format!("write `{EXAMPLE}`")));
    };
    if events.is_empty() {
        return Err(item
            .diagnostic("`trigger` needs an event: `insert`, `update`, `delete` or `truncate`")
            .with_help(format!("write `{EXAMPLE}`")));
    }
    let Some((function_text, function_span)) = function else {
        return Err(item
            .diagnostic("`trigger` needs a `function`")
            .with_help(format!("write `{EXAMPLE}`")));
    };
    let Some((function_schema, function_name)) = split_function_name(&function_text) else {
        return Err(Diagnostic::new(
            function_span,
            format!("malformed function name `{function_text}`"),
        )
        .with_help(
            "write `function = \"touch_updated_at\"` or `function = \"app.touch_updated_at\"`",
        ));
    };
    let for_each_row = for_each_row.unwrap_or(false);
    if !columns.is_empty() && !events.contains(&TriggerEvent::Update) {
        return Err(item
            .diagnostic("`columns` is for `update` triggers")
            .with_help(
                "add `update`, or remove `columns`: they make the trigger `UPDATE OF` them",
            ));
    }
    if for_each_row && events.contains(&TriggerEvent::Truncate) {
        return Err(item
            .diagnostic("a `truncate` trigger fires for each statement")
            .with_help("write `for_each = \"statement\"` (the default), or leave `truncate` out"));
    }
    let trigger = Trigger {
        columns: columns.iter().map(|(column, _)| column.clone()).collect(),
        for_each_row,
        when,
        arguments,
        ..Trigger::new(
            name,
            QualifiedName::new("", ""),
            timing,
            events,
            QualifiedName::new(function_schema.clone().unwrap_or_default(), function_name),
        )
    };
    Ok(TriggerSpec {
        trigger,
        function_schema,
        columns,
        name_span,
        item_start: item.name_span,
        item_end: item.end_span,
        function_span,
    })
}

/// `app.touch` → (`app`, `touch`); `touch` → (none, `touch`).
fn split_function_name(text: &str) -> Option<(Option<String>, String)> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    // A name may hold spaces (`"stamp fn"`, as `#[derive(Function)]` and
    // pull write it), not begin or end with one.
    let valid = |part: &&str| !part.is_empty() && part.trim() == *part;
    match parts.as_slice() {
        [name] if valid(name) => Some((None, (*name).to_string())),
        [schema, name] if valid(schema) && valid(name) => {
            Some((Some((*schema).to_string()), (*name).to_string()))
        }
        _ => None,
    }
}

/// The table's check of column names: the names, or `None` after
/// reporting unknown or repeated ones.
pub(crate) type ResolveColumns<'a> =
    dyn Fn(&[(String, Span)], &mut Vec<Diagnostic>) -> Option<Vec<String>> + 'a;

/// The triggers of table `table`, their columns checked by `resolve_columns`
/// (the table's column check) and their names once each.
pub(crate) fn finish_triggers(
    specs: Vec<TriggerSpec>,
    table: &QualifiedName,
    file: &str,
    resolve_columns: &ResolveColumns<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<TriggerDeclaration> {
    let mut declarations: Vec<TriggerDeclaration> = Vec::new();
    let mut names: Vec<(String, Span)> = Vec::new();
    for spec in specs {
        check_identifier(
            &spec.trigger.name,
            spec.name_span,
            "trigger name",
            diagnostics,
        );
        if let Some((_, first)) = names.iter().find(|(name, _)| *name == spec.trigger.name) {
            diagnostics.push(
                Diagnostic::new(
                    spec.name_span,
                    format!(
                        "the trigger `{}` is declared twice on `{table}`",
                        spec.trigger.name
                    ),
                )
                .with_help("give one of them another name")
                .with_related(*first, "first declared here"),
            );
            continue;
        }
        names.push((spec.trigger.name.clone(), spec.name_span));
        if !spec.columns.is_empty() && resolve_columns(&spec.columns, diagnostics).is_none() {
            continue;
        }
        declarations.push(TriggerDeclaration {
            trigger: Trigger {
                table: table.clone(),
                ..spec.trigger
            },
            function_schema: spec.function_schema,
            place: place_of_span(spec.item_start, spec.item_end, file),
            function_place: place_of_span(spec.function_span, spec.function_span, file),
        });
    }
    declarations
}
