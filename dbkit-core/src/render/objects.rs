//! The SQL of objects defined by SQL text: views, functions, triggers,
//! policies and generic objects, and of extensions.
//!
//! Each kind writes its `CREATE`, its `DROP` and, where PostgreSQL can
//! change it in place, its replacement; the differ (`diff/objects.rs`)
//! decides which of them a migration needs and in what order.

use crate::model::{Extension, Function, Policy, SchemaObject, SqlObject};
use crate::sql_text::{dollar_quote, quote_identifier, quote_qualified};

pub(super) fn create_extension(extension: &Extension) -> Vec<String> {
    let schema = extension
        .schema
        .as_ref()
        .map(|schema| format!(" WITH SCHEMA {}", quote_identifier(schema)))
        .unwrap_or_default();
    vec![format!(
        "CREATE EXTENSION IF NOT EXISTS {}{schema};",
        quote_identifier(&extension.name)
    )]
}

pub(super) fn drop_extension(name: &str) -> Vec<String> {
    vec![format!("DROP EXTENSION {};", quote_identifier(name))]
}

pub(super) fn create_object(object: &SchemaObject) -> Vec<String> {
    match object {
        SchemaObject::View(view) => super::view::create_view(view),
        SchemaObject::Function(function) => vec![create_function(function, false)],
        SchemaObject::Trigger(trigger) => vec![statement(&trigger.definition)],
        SchemaObject::Policy(policy) => vec![create_policy(policy)],
        SchemaObject::Generic(object) => vec![statement(&object.definition)],
    }
}

pub(super) fn drop_object(object: &SchemaObject) -> Vec<String> {
    match object {
        SchemaObject::View(view) => super::view::drop_view(view),
        SchemaObject::Function(function) => vec![format!(
            "DROP {} {}({});",
            if function.procedure {
                "PROCEDURE"
            } else {
                "FUNCTION"
            },
            quote_qualified(&function.name),
            function.signature_types().join(", ")
        )],
        SchemaObject::Trigger(trigger) => vec![format!(
            "DROP TRIGGER {} ON {};",
            quote_identifier(&trigger.name),
            quote_qualified(&trigger.table)
        )],
        SchemaObject::Policy(policy) => vec![format!(
            "DROP POLICY {} ON {};",
            quote_identifier(&policy.name),
            quote_qualified(&policy.table)
        )],
        SchemaObject::Generic(object) => vec![drop_generic(object)],
    }
}

/// The change of `old` into `new` without dropping it; only called for
/// pairs the differ found replaceable (`diff/objects.rs`).
pub(super) fn replace_object(old: &SchemaObject, new: &SchemaObject) -> Vec<String> {
    match new {
        SchemaObject::View(view) => match old {
            SchemaObject::View(old) => super::view::replace_view(old, view),
            _ => super::view::create_view(view),
        },
        SchemaObject::Function(function) => vec![create_function(function, true)],
        _ => {
            let mut statements = drop_object(old);
            statements.extend(create_object(new));
            statements
        }
    }
}

fn create_function(function: &Function, or_replace: bool) -> String {
    let arguments: Vec<String> = function
        .arguments
        .iter()
        .map(|argument| match &argument.name {
            Some(name) => format!("{} {}", quote_identifier(name), argument.ty),
            None => argument.ty.clone(),
        })
        .collect();
    let returns = function
        .returns
        .as_ref()
        .map(|returns| format!(" RETURNS {returns}"))
        .unwrap_or_default();
    format!(
        "CREATE {}{} {}({}){returns}\nLANGUAGE {}\nAS {};",
        if or_replace { "OR REPLACE " } else { "" },
        if function.procedure {
            "PROCEDURE"
        } else {
            "FUNCTION"
        },
        quote_qualified(&function.name),
        arguments.join(", "),
        function.language,
        dollar_quote(&function.body, "body")
    )
}

fn create_policy(policy: &Policy) -> String {
    let mut sql = format!(
        "CREATE POLICY {} ON {}",
        quote_identifier(&policy.name),
        quote_qualified(&policy.table)
    );
    if let Some(using) = &policy.using {
        sql.push_str(&format!(" USING ({using})"));
    }
    if let Some(with_check) = &policy.with_check {
        sql.push_str(&format!(" WITH CHECK ({with_check})"));
    }
    sql.push(';');
    sql
}

fn drop_generic(object: &SqlObject) -> String {
    match &object.drop {
        Some(drop) => statement(drop),
        None => format!("DROP {} {};", object.kind.to_uppercase(), object.identity),
    }
}

/// `text` as one statement ending with `;`.
fn statement(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(';') {
        text.to_string()
    } else {
        format!("{text};")
    }
}
