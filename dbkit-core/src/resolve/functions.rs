//! Functions and the triggers that call them, with the whole workspace in
//! view.
//!
//! A function is declared once per signature. A trigger's function, written
//! `app.touch` or `touch`, must be a declared function when its schema is
//! one the workspace declares anything in (`public` included): there a
//! missing function is a typo, reported on the trigger with the closest
//! declared name. In other schemas (`pg_catalog`'s
//! `suppress_redundant_updates_trigger`, an extension's schema) dbkit
//! cannot know what exists, and the name is taken as written. Without a
//! schema, the function is looked for in the table's schema, then in
//! `public`.

use crate::model::{Function, QualifiedName, Trigger};
use crate::parse::{FunctionDeclaration, SchemaError, TriggerDeclaration, closest_match};
use std::collections::{BTreeSet, HashMap};

/// The declared functions, each signature once.
pub(super) fn resolve_functions(
    declarations: Vec<FunctionDeclaration>,
    errors: &mut Vec<SchemaError>,
) -> Vec<Function> {
    let mut first_places: HashMap<(QualifiedName, Vec<String>), crate::parse::SourcePlace> =
        HashMap::new();
    let mut functions = Vec::new();
    for declaration in declarations {
        let function = declaration.function;
        let key = (function.name.clone(), function.signature_types());
        if let Some(first) = first_places.get(&key) {
            errors.push(
                SchemaError::at(
                    &declaration.place,
                    format!(
                        "the {} `{}({})` is declared twice",
                        function.kind_keyword().to_lowercase(),
                        function.name,
                        key.1.join(", ")
                    ),
                )
                .with_label("declared again here")
                .with_related(first.location.clone(), "first declared here")
                .with_help("give one of them another name or other argument types"),
            );
            continue;
        }
        first_places.insert(key, declaration.place.clone());
        functions.push(Function {
            source: Some(declaration.place.location),
            ..function
        });
    }
    functions
}

/// The triggers of one table, their functions resolved.
pub(super) fn resolve_triggers(
    declarations: Vec<TriggerDeclaration>,
    functions: &[Function],
    user_schemas: &BTreeSet<String>,
    errors: &mut Vec<SchemaError>,
) -> Vec<Trigger> {
    let mut triggers = Vec::new();
    for declaration in declarations {
        let wanted = &declaration.trigger.function.name;
        let found = match &declaration.function_schema {
            Some(schema) => {
                let name = QualifiedName::new(schema.clone(), wanted.clone());
                if !user_schemas.contains(schema) || is_declared(functions, &name) {
                    Ok(name)
                } else {
                    Err(())
                }
            }
            None => [declaration.trigger.table.schema.as_str(), "public"]
                .into_iter()
                .map(|schema| QualifiedName::new(schema, wanted.clone()))
                .find(|name| is_declared(functions, name))
                .ok_or(()),
        };
        match found {
            Ok(function) => {
                if let Some(error) = not_a_trigger_function(functions, &function, &declaration) {
                    errors.push(error);
                    continue;
                }
                triggers.push(Trigger {
                    function,
                    source: Some(declaration.place.location.clone()),
                    ..declaration.trigger
                });
            }
            Err(()) => errors.push(missing_function(functions, &declaration)),
        }
    }
    triggers
}

fn is_declared(functions: &[Function], name: &QualifiedName) -> bool {
    functions
        .iter()
        .any(|function| &function.name == name && !function.procedure)
}

/// An error when every declared function of that name has arguments or
/// returns something other than `trigger`.
fn not_a_trigger_function(
    functions: &[Function],
    name: &QualifiedName,
    declaration: &TriggerDeclaration,
) -> Option<SchemaError> {
    let candidates: Vec<&Function> = functions.iter().filter(|f| &f.name == name).collect();
    if candidates.is_empty()
        || candidates
            .iter()
            .any(|f| f.signature_types().is_empty() && f.returns.as_deref() == Some("trigger"))
    {
        return None;
    }
    let mut error = SchemaError::at(
        &declaration.function_place,
        format!("the function `{name}` is not a trigger function"),
    )
    .with_label("called by this trigger")
    .with_help("a trigger calls a function without arguments that `returns = \"trigger\"`; pass values with `args(\"...\")`");
    if let Some(source) = &candidates[0].source {
        error = error.with_related(source.clone(), "the function is declared here");
    }
    Some(error)
}

fn missing_function(functions: &[Function], declaration: &TriggerDeclaration) -> SchemaError {
    let written = match &declaration.function_schema {
        Some(schema) => format!("{schema}.{}", declaration.trigger.function.name),
        None => declaration.trigger.function.name.clone(),
    };
    let names: Vec<String> = functions
        .iter()
        .filter(|function| !function.procedure)
        .map(|function| function.name.to_string())
        .collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let qualified = match &declaration.function_schema {
        Some(_) => written.clone(),
        None => format!("{}.{written}", declaration.trigger.table.schema),
    };
    let error = SchemaError::at(
        &declaration.function_place,
        format!("no function `{written}` is declared"),
    )
    .with_label("the trigger's function");
    match closest_match(&qualified, &name_refs).or_else(|| {
        let bare: Vec<&str> = functions.iter().map(|f| f.name.name.as_str()).collect();
        closest_match(&declaration.trigger.function.name, &bare).and_then(|found| {
            name_refs
                .iter()
                .copied()
                .find(|name| name.ends_with(&format!(".{found}")))
        })
    }) {
        Some(suggestion) => error.with_help(format!("did you mean `{suggestion}`?")),
        None => error.with_help(
            "declare it with `#[derive(Function)]`, or qualify a function dbkit does not declare (`pg_catalog.suppress_redundant_updates_trigger`)",
        ),
    }
}
