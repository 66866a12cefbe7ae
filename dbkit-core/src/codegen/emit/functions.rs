//! Functions and procedures written as `#[derive(Function)]` unit structs,
//! all in one file (`functions.rs`): a function may use tables and types of
//! several schemas, so no schema's file is more its home than another's.
//! Triggers are attributes of their table's struct ([`trigger_attributes`]).
//!
//! Everything is written as the catalog keeps it: arguments as
//! `pg_get_function_arguments` prints them, the result in canonical
//! spelling, the body as written between the dollar quotes (in a raw
//! string) or, for a SQL-standard body, as PostgreSQL prints it back.

use super::super::identifiers::{NameAllocator, RESERVED_TYPE_NAMES, upper_camel_case};
use super::super::layout::{
    AttributePlace, Meta, needs_escape, raw_string, string_literal, write_dbkit_attribute,
    write_text_attribute,
};
use super::{Context, PUBLIC, column_word, write_comment};
use crate::model::{Function, Parallel, Schema, Table, Trigger, TriggerTiming, Volatility};

/// The module the functions file is declared under.
pub(super) const FUNCTIONS_MODULE: &str = "functions";

/// The text of the functions file, or `None` when there are no functions.
pub(super) fn write_functions_file(context: &mut Context<'_>) -> Option<String> {
    if context.schema.functions.is_empty() {
        return None;
    }
    let mut names = NameAllocator::with_reserved(RESERVED_TYPE_NAMES);
    names.allocate(&["Function".to_string()], "");
    let mut out = String::from(
        "//! Written by `cargo dbkit pull` from the database's functions and procedures; it may be\n//! edited freely.\n\nuse dbkit_runtime::Function;\n",
    );
    for function in &context.schema.functions {
        let mut candidates = vec![upper_camel_case(&function.name.name, "Function")];
        if function.name.schema != PUBLIC {
            candidates.push(format!(
                "{}{}",
                upper_camel_case(&function.name.schema, "Schema"),
                candidates[0]
            ));
        }
        let rust_name = names.allocate(&candidates, "");
        out.push('\n');
        if let Some(comment) = &function.comment {
            write_comment(
                &mut out,
                0,
                comment,
                format!("function `{}`", function.name),
                &mut context.unexpressed,
            );
        }
        out.push_str("#[derive(Function)]\n");
        write_dbkit_attribute(
            &mut out,
            AttributePlace::Item,
            &function_attributes(function),
        );
        write_body_attribute(&mut out, &function.body);
        out.push_str(&format!("pub struct {rust_name};\n"));
    }
    Some(out)
}

fn function_attributes(function: &Function) -> Vec<Meta> {
    let kind = if function.procedure {
        "procedure"
    } else {
        "function"
    };
    let mut items = vec![Meta::text(kind, function.name.name.clone())];
    if function.name.schema != PUBLIC {
        items.push(Meta::text("schema", function.name.schema.clone()));
    }
    if !function.arguments.is_empty() {
        items.push(Meta::List(
            "args",
            function
                .arguments
                .iter()
                .map(|argument| Meta::word(string_literal(&argument.to_sql())))
                .collect(),
        ));
    }
    if let Some(returns) = &function.returns {
        items.push(Meta::text("returns", returns.clone()));
    }
    items.push(Meta::text("language", function.language.clone()));
    match function.volatility {
        Volatility::Volatile => {}
        Volatility::Stable => items.push(Meta::word("stable")),
        Volatility::Immutable => items.push(Meta::word("immutable")),
    }
    if function.strict {
        items.push(Meta::word("strict"));
    }
    if function.security_definer {
        items.push(Meta::word("security_definer"));
    }
    if function.parallel != Parallel::Unsafe {
        items.push(Meta::text("parallel", function.parallel.word()));
    }
    if !function.settings.is_empty() {
        items.push(Meta::List(
            "set",
            function
                .settings
                .iter()
                .map(|setting| {
                    Meta::word(format!(
                        "{} = {}",
                        setting.name,
                        string_literal(&setting.value)
                    ))
                })
                .collect(),
        ));
    }
    items
}

/// `#[dbkit(body = r#"…"#)]`: a raw string unless the body holds a
/// character only an escape can write (then an ordinary string literal).
fn write_body_attribute(out: &mut String, body: &str) {
    let literal = if body
        .chars()
        .any(|c| c != '\n' && c != '\t' && needs_escape(c))
    {
        string_literal(body)
    } else {
        raw_string(body)
    };
    write_text_attribute(out, "body", &literal);
}

/// The triggers of `table`, one `trigger(...)` attribute each, by name.
pub(super) fn trigger_attributes(schema: &Schema, table: &Table) -> Vec<Meta> {
    schema
        .triggers
        .iter()
        .filter(|trigger| trigger.table == table.name)
        .map(|trigger| Meta::List("trigger", trigger_items(trigger)))
        .collect()
}

fn trigger_items(trigger: &Trigger) -> Vec<Meta> {
    let mut items = vec![Meta::text("name", trigger.name.clone())];
    items.push(Meta::word(match trigger.timing {
        TriggerTiming::Before => "before",
        // Only views have INSTEAD OF triggers, which the generic reader
        // keeps; a table's trigger is BEFORE or AFTER.
        TriggerTiming::After | TriggerTiming::InsteadOf => "after",
    }));
    for event in &trigger.events {
        items.push(Meta::word(event.word()));
    }
    if trigger.for_each_row {
        items.push(Meta::text("for_each", "row"));
    }
    items.push(Meta::text(
        "function",
        format!("{}.{}", trigger.function.schema, trigger.function.name),
    ));
    if let Some(when) = &trigger.when {
        items.push(Meta::text("when", when.clone()));
    }
    if !trigger.columns.is_empty() {
        items.push(Meta::List(
            "columns",
            trigger.columns.iter().map(|c| column_word(c)).collect(),
        ));
    }
    if !trigger.arguments.is_empty() {
        items.push(Meta::List(
            "args",
            trigger
                .arguments
                .iter()
                .map(|argument| Meta::word(string_literal(argument)))
                .collect(),
        ));
    }
    items
}
