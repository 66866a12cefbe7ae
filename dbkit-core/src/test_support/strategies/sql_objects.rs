//! Random extensions, functions, triggers and generic objects: now and
//! then an extension the PostgreSQL server package ships, a `sql` or
//! `plpgsql` function with arguments, a volatility and maybe `STRICT`, a
//! row or statement trigger on a random table calling a `plpgsql` trigger
//! function, and a generic object (a collation, or an aggregate over a
//! declared function) written as the introspector prints it.
//! [`super::arbitrary_schema`] adds them to its schema; the schema pairs
//! get the same objects on both sides (triggers only on tables the edits
//! neither drop nor rename), then a few edits of the second side.

use super::{Choices, available_schemas};
use crate::model::{
    Extension, Function, QualifiedName, Schema, SqlObject, Trigger, TriggerEvent, TriggerTiming,
    Volatility, parse_argument,
};

/// Extensions of the PostgreSQL server package itself (no extra package).
const EXTENSIONS: &[&str] = &["pgcrypto", "citext", "hstore", "pg_trgm", "uuid-ossp"];
const FUNCTION_NAMES: &[&str] = &["add_up", "Shout", "twice"];
const TRIGGER_NAMES: &[&str] = &["touch", "Audit Row", "stamp"];
const COLLATION_NAMES: &[&str] = &["dbkit_c", "Binary Order"];

/// Adds, each now and then, an extension, a function, a trigger with its
/// function, and a generic object.
pub(super) fn add_random_sql_objects(schema: &mut Schema, choices: &mut Choices) {
    if choices.chance(25) {
        add_random_extension(schema, choices);
    }
    if choices.chance(30) {
        add_random_function(schema, choices);
    }
    if choices.chance(25) {
        add_random_trigger(schema, choices);
    }
    if choices.chance(20) {
        add_random_generic_object(schema, choices);
    }
    schema.canonicalize();
}

/// Adds the same random objects to `old` and `new` (in the schemas both
/// have, triggers on the tables both have under one name, that no rename
/// touches), then edits those of `new` now and then: a function's
/// volatility or strictness changed, a trigger's level switched, an
/// extension, a trigger or a generic object dropped.
pub(super) fn add_random_sql_objects_to_pair(
    old: &mut Schema,
    new: &mut Schema,
    choices: &mut Choices,
) {
    // Hints name the old table bare or qualified: either counts.
    let renamed_away: Vec<&String> = new
        .tables
        .iter()
        .filter_map(|table| table.renamed_from.as_ref())
        .collect();
    let stable_tables: Vec<crate::model::Table> = old
        .tables
        .iter()
        .filter(|table| {
            table.partition_of.is_none()
                && !renamed_away
                    .iter()
                    .any(|hint| **hint == table.name.name || **hint == table.name.to_string())
        })
        .filter(|table| {
            new.tables
                .iter()
                .any(|other| other.name == table.name && other.renamed_from.is_none())
        })
        .cloned()
        .collect();
    let mut shared = Schema {
        schemas: old
            .schemas
            .iter()
            .filter(|name| new.schemas.contains(name))
            .cloned()
            .collect(),
        tables: stable_tables,
        ..Schema::default()
    };
    add_random_sql_objects(&mut shared, choices);
    for schema in [&mut *old, &mut *new] {
        schema.extensions.extend(shared.extensions.iter().cloned());
        schema.functions.extend(shared.functions.iter().cloned());
        schema.triggers.extend(shared.triggers.iter().cloned());
        schema.objects.extend(shared.objects.iter().cloned());
    }
    if choices.chance(30)
        && let Some(function) = pick_mut(&mut new.functions, choices)
        && function.returns.as_deref() != Some("trigger")
    {
        if choices.chance(50) {
            function.strict = !function.strict;
        } else {
            function.volatility = pick_volatility(choices);
        }
    }
    if choices.chance(20)
        && let Some(trigger) = pick_mut(&mut new.triggers, choices)
    {
        trigger.for_each_row = !trigger.for_each_row;
    }
    if choices.chance(20) && !new.extensions.is_empty() {
        let index = choices.below(new.extensions.len());
        new.extensions.remove(index);
    }
    if choices.chance(20) && !new.triggers.is_empty() {
        let index = choices.below(new.triggers.len());
        new.triggers.remove(index);
    }
    if choices.chance(20) && !new.objects.is_empty() {
        let index = choices.below(new.objects.len());
        new.objects.remove(index);
    }
    old.canonicalize();
    new.canonicalize();
}

fn pick_mut<'a, T>(items: &'a mut [T], choices: &mut Choices) -> Option<&'a mut T> {
    if items.is_empty() {
        return None;
    }
    let index = choices.below(items.len());
    items.get_mut(index)
}

/// An identifier as PostgreSQL's `%I` (`quote_ident`) prints it: bare when
/// it is a lowercase word, quoted otherwise.
fn ident(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare {
        name.to_string()
    } else {
        crate::sql_text::quote_identifier(name)
    }
}

fn add_random_extension(schema: &mut Schema, choices: &mut Choices) {
    let Some(name) = choices.pick(EXTENSIONS) else {
        return;
    };
    if schema.extensions.iter().any(|e| e.name == *name) {
        return;
    }
    let schemas = available_schemas(schema);
    let in_schema = choices
        .pick(&schemas)
        .filter(|name| name.as_str() != "public")
        .cloned();
    schema.extensions.push(Extension {
        schema: in_schema,
        ..Extension::new(*name)
    });
}

fn pick_volatility(choices: &mut Choices) -> Volatility {
    match choices.below(3) {
        0 => Volatility::Volatile,
        1 => Volatility::Stable,
        _ => Volatility::Immutable,
    }
}

/// A function of one or two arguments, in `sql` or `plpgsql`.
fn add_random_function(schema: &mut Schema, choices: &mut Choices) {
    let schemas = available_schemas(schema);
    let Some(schema_name) = choices.pick(&schemas).cloned() else {
        return;
    };
    let Some(name) = choices.pick(FUNCTION_NAMES) else {
        return;
    };
    let qualified = QualifiedName::new(schema_name, *name);
    if schema.functions.iter().any(|f| f.name == qualified) {
        return;
    }
    let plpgsql = choices.chance(50);
    let (arguments, returns, body): (&[&str], &str, &str) = match (choices.below(3), plpgsql) {
        (0, false) => (&["a integer", "b integer"], "integer", "SELECT a + b"),
        (0, true) => (
            &["a integer", "b integer"],
            "integer",
            "\nBEGIN\n    RETURN a + b;\nEND;\n",
        ),
        (1, false) => (&["t text"], "text", "SELECT upper(t) || '!'"),
        (1, true) => (
            &["t text"],
            "text",
            "\nBEGIN\n    RETURN upper(t) || '!';\nEND;\n",
        ),
        (_, false) => (&["n bigint"], "bigint", "SELECT n * 2"),
        (_, true) => (
            &["n bigint"],
            "bigint",
            "\nBEGIN\n    RETURN n * 2;\nEND;\n",
        ),
    };
    let Ok(arguments) = arguments
        .iter()
        .map(|argument| parse_argument(argument))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    schema.functions.push(Function {
        arguments,
        volatility: pick_volatility(choices),
        strict: choices.chance(50),
        ..Function::new(
            qualified,
            Some(returns.to_string()),
            if plpgsql { "plpgsql" } else { "sql" },
            body,
        )
    });
}

/// A trigger on a random table calling a `plpgsql` trigger function of
/// its own (in the table's schema or `public`).
fn add_random_trigger(schema: &mut Schema, choices: &mut Choices) {
    // Not on a partition: its triggers are part of the partition's generic
    // object, as its indexes are.
    let tables: Vec<QualifiedName> = schema
        .tables
        .iter()
        .filter(|table| table.partition_of.is_none())
        .map(|table| table.name.clone())
        .collect();
    let Some(table) = choices.pick(&tables).cloned() else {
        return;
    };
    let Some(name) = choices.pick(TRIGGER_NAMES) else {
        return;
    };
    if schema
        .triggers
        .iter()
        .any(|t| t.table == table && t.name == *name)
    {
        return;
    }
    let function_schema = if choices.chance(50) {
        table.schema.clone()
    } else {
        "public".to_string()
    };
    let function_name = QualifiedName::new(function_schema, format!("{name} fn"));
    if !schema.functions.iter().any(|f| f.name == function_name) {
        schema.functions.push(Function::new(
            function_name.clone(),
            Some("trigger".to_string()),
            "plpgsql",
            "\nBEGIN\n    RETURN NEW;\nEND;\n",
        ));
    }
    let mut events: Vec<TriggerEvent> = [
        TriggerEvent::Insert,
        TriggerEvent::Update,
        TriggerEvent::Delete,
    ]
    .into_iter()
    .filter(|_| choices.chance(50))
    .collect();
    if events.is_empty() {
        events.push(TriggerEvent::Insert);
    }
    let timing = if choices.chance(50) {
        TriggerTiming::Before
    } else {
        TriggerTiming::After
    };
    let mut trigger = Trigger::new(*name, table, timing, events, function_name);
    trigger.for_each_row = choices.chance(60);
    if choices.chance(30) {
        trigger.arguments = vec!["one".to_string(), "it's".to_string()];
    }
    schema.triggers.push(trigger);
}

/// A collation, or an aggregate over a `sql` function declared with it,
/// both in the form the introspector prints.
fn add_random_generic_object(schema: &mut Schema, choices: &mut Choices) {
    if choices.chance(50) {
        // In `public` or a schema a table is in: pull leaves out a schema
        // that holds only generic objects, and nothing creates it then.
        let schemas: Vec<String> = available_schemas(schema)
            .into_iter()
            .filter(|name| name == "public" || schema.tables.iter().any(|t| &t.name.schema == name))
            .collect();
        let Some(schema_name) = choices.pick(&schemas).cloned() else {
            return;
        };
        let Some(name) = choices.pick(COLLATION_NAMES) else {
            return;
        };
        let identity = format!("{}.{}", ident(&schema_name), ident(name));
        if schema.objects.iter().any(|o| o.identity == identity) {
            return;
        }
        schema.objects.push(SqlObject {
            kind: "collation".to_string(),
            definition: format!(
                "CREATE COLLATION {identity} (provider = libc, lc_collate = 'C', lc_ctype = 'C')"
            ),
            identity,
            drop: None,
            depends_on: Vec::new(),
            source: None,
        });
        return;
    }
    let step = QualifiedName::new("public", "total_step");
    if schema.functions.iter().any(|f| f.name == step) {
        return;
    }
    let Ok(arguments) = ["state integer", "value integer"]
        .iter()
        .map(|argument| parse_argument(argument))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    schema.functions.push(Function {
        arguments,
        volatility: Volatility::Immutable,
        strict: choices.chance(50),
        ..Function::new(
            step,
            Some("integer".to_string()),
            "sql",
            "SELECT state + value",
        )
    });
    schema.objects.push(SqlObject {
        kind: "aggregate".to_string(),
        identity: "public.total(integer)".to_string(),
        definition: "CREATE AGGREGATE public.total(integer) (\n    SFUNC = total_step,\n    STYPE = integer,\n    INITCOND = '0'\n)".to_string(),
        drop: None,
        depends_on: Vec::new(),
        source: None,
    });
}
