//! Functions and triggers in canonical form, and their differences.
//!
//! Types take `format_type` spelling, argument defaults and `WHEN`
//! conditions are expressions (PostgreSQL prints `'x'::text` for `'x'`,
//! `(old.* IS DISTINCT FROM new.*)` for `OLD.* IS DISTINCT FROM NEW.*`),
//! setting values are their list elements (`search_path` comes back with
//! elements quoted where they need it) and bodies are compared by tokens.
//! A SQL-standard body (`BEGIN ATOMIC … END`) is stored parsed and printed
//! back in PostgreSQL's words (columns qualified, casts and aliases added),
//! so only its form is compared: that the function has one. `generate`
//! still compares it with the previous snapshot's by tokens.

use super::expression::normalize_expression;
use super::{DifferenceChange, Object, compare_field, compare_named};
use crate::model::{
    Function, Schema, Trigger, canonical_returns, is_atomic_body, setting_elements,
};
use crate::sql_tokens::normalize_sql;
use crate::types::canonical_type;
use std::collections::BTreeMap;

/// What stands for every SQL-standard body.
const ATOMIC_BODY: &str = "BEGIN ATOMIC ... END";

pub(super) fn canonicalize_function(function: &mut Function) {
    function.source = None;
    function.language = function.language.to_lowercase();
    function.returns = function.returns.as_deref().map(canonical_returns);
    for argument in &mut function.arguments {
        argument.ty = canonical_type(&argument.ty);
        argument.default = argument.default.as_deref().map(normalize_expression);
    }
    function.body = if is_atomic_body(&function.body) {
        ATOMIC_BODY.to_string()
    } else {
        normalize_sql(&function.body)
    };
    for setting in &mut function.settings {
        setting.name = setting.name.to_lowercase();
        setting.value = setting_elements(&setting.value).join(", ");
    }
    if function.comment.as_deref().is_some_and(str::is_empty) {
        function.comment = None;
    }
}

pub(super) fn canonicalize_trigger(trigger: &mut Trigger) {
    trigger.source = None;
    trigger.events.sort();
    trigger.events.dedup();
    trigger.when = trigger.when.as_deref().map(normalize_condition);
}

/// A condition as an expression, without the parentheses that enclose it
/// whole (`old.*`, which the expression reader does not take, leaves the
/// parentheses PostgreSQL prints around it).
fn normalize_condition(text: &str) -> String {
    let mut normalized = normalize_expression(text);
    // Each pass removes a pair of parentheses, so this ends.
    while let Some(inner) = enclosed(&normalized) {
        normalized = inner.to_string();
    }
    normalized
}

/// `inner` when `text` is `(inner)` with one pair of parentheses around
/// all of it.
fn enclosed(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for character in inner.chars() {
        match quote {
            Some(open) if character == open => quote = None,
            Some(_) => {}
            None => match character {
                '\'' | '"' => quote = Some(character),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth < 0 {
                        return None;
                    }
                }
                _ => {}
            },
        }
    }
    (depth == 0).then_some(inner)
}

/// `app.order_total(bigint, boolean)`.
fn function_name(function: &Function) -> String {
    format!(
        "{}({})",
        function.name,
        function.signature_types().join(", ")
    )
}

pub(super) fn compare_functions(
    differences: &mut Vec<super::Difference>,
    expected: &Schema,
    actual: &Schema,
) {
    let by_name = |schema: &Schema| -> BTreeMap<String, Function> {
        schema
            .functions
            .iter()
            .map(|f| (function_name(f), f.clone()))
            .collect()
    };
    compare_named(
        differences,
        "function",
        &by_name(expected),
        &by_name(actual),
        |differences, object, expected, actual| {
            compare_function(differences, object, expected, actual)
        },
    );
    let triggers = |schema: &Schema| -> BTreeMap<String, Trigger> {
        schema
            .triggers
            .iter()
            .map(|t| (format!("{}.{}", t.table, t.name), t.clone()))
            .collect()
    };
    compare_named(
        differences,
        "trigger",
        &triggers(expected),
        &triggers(actual),
        |differences, object, expected, actual| {
            compare_field(
                differences,
                object,
                "timing",
                &expected.timing,
                &actual.timing,
            );
            compare_field(
                differences,
                object,
                "events",
                &expected.events,
                &actual.events,
            );
            compare_field(
                differences,
                object,
                "columns",
                &expected.columns,
                &actual.columns,
            );
            compare_field(
                differences,
                object,
                "for each row",
                &expected.for_each_row,
                &actual.for_each_row,
            );
            compare_field(differences, object, "when", &expected.when, &actual.when);
            compare_field(
                differences,
                object,
                "function",
                &expected.function,
                &actual.function,
            );
            compare_field(
                differences,
                object,
                "arguments",
                &expected.arguments,
                &actual.arguments,
            );
        },
    );
}

fn compare_function(
    differences: &mut Vec<super::Difference>,
    object: &Object,
    expected: &Function,
    actual: &Function,
) {
    if expected.procedure != actual.procedure {
        differences.push(object.difference(DifferenceChange::Field {
            field: "kind",
            expected: expected.kind_keyword().to_lowercase(),
            found: actual.kind_keyword().to_lowercase(),
        }));
    }
    compare_field(
        differences,
        object,
        "arguments",
        &expected.arguments,
        &actual.arguments,
    );
    compare_field(
        differences,
        object,
        "returns",
        &expected.returns,
        &actual.returns,
    );
    compare_field(
        differences,
        object,
        "language",
        &expected.language,
        &actual.language,
    );
    compare_field(differences, object, "body", &expected.body, &actual.body);
    compare_field(
        differences,
        object,
        "volatility",
        &expected.volatility,
        &actual.volatility,
    );
    compare_field(
        differences,
        object,
        "strict",
        &expected.strict,
        &actual.strict,
    );
    compare_field(
        differences,
        object,
        "security definer",
        &expected.security_definer,
        &actual.security_definer,
    );
    compare_field(
        differences,
        object,
        "parallel",
        &expected.parallel,
        &actual.parallel,
    );
    compare_field(
        differences,
        object,
        "settings",
        &expected.settings,
        &actual.settings,
    );
    compare_field(
        differences,
        object,
        "comment",
        &expected.comment,
        &actual.comment,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Argument, QualifiedName, TriggerEvent, TriggerTiming};

    #[test]
    fn declared_and_printed_functions_and_triggers_become_equal() {
        let mut declared = Function::new(
            QualifiedName::new("app", "total"),
            Some("numeric".into()),
            "SQL",
            "\n  SELECT 1 -- one\n",
        );
        declared.arguments = vec![Argument {
            default: Some("'x'".into()),
            ..Argument::new(Some("label".into()), "varchar")
        }];
        declared.settings = vec![crate::model::FunctionSetting {
            name: "search_path".into(),
            value: "app, pg_temp".into(),
        }];
        let mut printed = declared.clone();
        printed.language = "sql".into();
        printed.body = "select 1".into();
        printed.arguments[0].ty = "character varying".into();
        printed.arguments[0].default = Some("'x'::character varying".into());
        printed.settings[0].value = "app, \"pg_temp\"".into();
        canonicalize_function(&mut declared);
        canonicalize_function(&mut printed);
        assert_eq!(declared, printed);

        let mut trigger = Trigger {
            when: Some("OLD.* IS DISTINCT FROM NEW.*".into()),
            ..Trigger::new(
                "t",
                QualifiedName::new("public", "users"),
                TriggerTiming::Before,
                vec![TriggerEvent::Update],
                QualifiedName::new("app", "touch"),
            )
        };
        let mut read = trigger.clone();
        read.when = Some("(old.* IS DISTINCT FROM new.*)".into());
        canonicalize_trigger(&mut trigger);
        canonicalize_trigger(&mut read);
        assert_eq!(trigger, read);
        assert_eq!(
            normalize_condition("(a) = (b)"),
            normalize_condition("a = b")
        );
        assert_eq!(normalize_condition("((x))"), "x");
    }
}
