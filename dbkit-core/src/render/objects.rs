//! The SQL of objects defined by SQL text: views, functions, triggers,
//! policies and generic objects, and of extensions.
//!
//! Each kind writes its `CREATE`, its `DROP` and, where PostgreSQL can
//! change it in place, its replacement; the differ (`diff/objects.rs`)
//! decides which of them a migration needs and in what order.

use super::function::{create_function, create_trigger, drop_function, drop_trigger};
use super::policy::{alter_policy, create_policy, drop_policy};
use crate::model::{Extension, SchemaObject, SqlObject};
use crate::sql_text::quote_identifier;

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
        SchemaObject::Function(function) => create_function(function, None),
        SchemaObject::Trigger(trigger) => vec![create_trigger(trigger)],
        SchemaObject::Policy(policy) => vec![create_policy(policy)],
        SchemaObject::Generic(object) => vec![statement(&object.definition)],
    }
}

pub(super) fn drop_object(object: &SchemaObject) -> Vec<String> {
    match object {
        SchemaObject::View(view) => super::view::drop_view(view),
        SchemaObject::Function(function) => drop_function(function),
        SchemaObject::Trigger(trigger) => vec![drop_trigger(trigger)],
        SchemaObject::Policy(policy) => vec![drop_policy(policy)],
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
        SchemaObject::Function(function) => match old {
            SchemaObject::Function(old) => create_function(function, Some(old)),
            _ => create_function(function, None),
        },
        SchemaObject::Policy(new) => match old {
            SchemaObject::Policy(old) => vec![alter_policy(old, new)],
            _ => vec![create_policy(new)],
        },
        _ => {
            let mut statements = drop_object(old);
            statements.extend(create_object(new));
            statements
        }
    }
}

fn drop_generic(object: &SqlObject) -> String {
    match &object.drop {
        Some(drop) => statement(drop),
        None => match (
            object.kind.as_str(),
            object.identity.split_once(" on server "),
        ) {
            // `pg_identify_object` names these unlike their DROP statements.
            ("user mapping", Some((user, server))) => {
                format!("DROP USER MAPPING FOR {user} SERVER {server};")
            }
            ("foreign-data wrapper", _) => {
                format!("DROP FOREIGN DATA WRAPPER {};", object.identity)
            }
            _ => format!("DROP {} {};", object.kind.to_uppercase(), object.identity),
        },
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
