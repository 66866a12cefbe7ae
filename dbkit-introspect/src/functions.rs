//! Functions, procedures and triggers of the user schemas.
//!
//! Functions are read from `pg_proc` (plain functions and procedures;
//! aggregates and window functions are other kinds of object), leaving
//! out those an extension owns. The arguments are read from
//! `pg_get_function_arguments` by the same reader the DSL's `args(...)`
//! uses ([`dbkit_core::model::parse_argument`]), so both give one
//! spelling; a SQL-standard body (`BEGIN ATOMIC`) is printed by
//! `pg_get_function_sqlbody` (PostgreSQL 14 and later), any other is
//! `prosrc`, the text between the dollar quotes as written.
//!
//! Triggers are read from `pg_trigger`'s typed columns: `tgtype`'s bits
//! (row, before, insert, delete, update, truncate, instead), `tgattr` for
//! `UPDATE OF`, `tgargs` (the arguments, each ended by a NUL byte), and
//! `pg_get_triggerdef` only for the `WHEN` condition. Internal triggers
//! (those of foreign keys and other constraints) and the copies
//! PostgreSQL makes on partitions are not user triggers.

use crate::catalog::IntrospectError;
use dbkit_core::model::{
    Function, FunctionSetting, Parallel, QualifiedName, Trigger, TriggerEvent, TriggerTiming,
    Volatility, parse_argument,
};
use sqlx::PgConnection;

const FUNCTIONS_QUERY: &str = concat!(
    r#"
SELECT n.nspname::text,
       p.proname::text,
       (p.prokind = 'p') AS is_procedure,
       pg_get_function_arguments(p.oid),
       CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END,
       l.lanname::text,
       CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) ELSE p.prosrc END,
       p.provolatile::text,
       p.proisstrict,
       p.prosecdef,
       p.proparallel::text,
       coalesce(p.proconfig, '{}')::text[],
       description.description
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_description description
  ON description.objoid = p.oid AND description.classoid = 'pg_catalog.pg_proc'::regclass
 AND description.objsubid = 0
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_proc'::regclass AND dep.objid = p.oid
                    AND dep.deptype IN ('e', 'i'))
  AND "#,
    typed_function_condition!()
);

type FunctionRow = (
    String,
    String,
    bool,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    bool,
    bool,
    String,
    Vec<String>,
    Option<String>,
);

const TRIGGERS_QUERY: &str = concat!(
    r#"
SELECT n.nspname::text,
       c.relname::text,
       t.tgname::text,
       t.tgtype::int4,
       ARRAY(SELECT a.attname::text
             FROM unnest(t.tgattr::int2[]) WITH ORDINALITY AS k(attnum, position)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum
             ORDER BY k.position),
       function_namespace.nspname::text,
       p.proname::text,
       t.tgargs,
       CASE WHEN t.tgqual IS NOT NULL THEN pg_get_triggerdef(t.oid) END
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace function_namespace ON function_namespace.oid = p.pronamespace
JOIN pg_catalog.pg_class tc ON tc.oid = t.tgrelid
JOIN pg_catalog.pg_proc tp ON tp.oid = t.tgfoid
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')
  AND "#,
    typed_trigger_condition!()
);

type TriggerRow = (
    String,
    String,
    String,
    i32,
    Vec<String>,
    String,
    String,
    Vec<u8>,
    Option<String>,
);

/// The functions and procedures of `schema_names`.
pub(crate) async fn read_functions(
    connection: &mut PgConnection,
    schema_names: &[String],
) -> Result<Vec<Function>, IntrospectError> {
    let rows: Vec<FunctionRow> = sqlx::query_as(FUNCTIONS_QUERY)
        .bind(schema_names)
        .fetch_all(&mut *connection)
        .await
        .map_err(|source| IntrospectError::Query {
            what: "functions",
            source,
        })?;
    rows.into_iter().map(function_from_row).collect()
}

fn function_from_row(row: FunctionRow) -> Result<Function, IntrospectError> {
    let (
        schema,
        name,
        procedure,
        arguments,
        returns,
        language,
        body,
        volatility,
        strict,
        security_definer,
        parallel,
        config,
        comment,
    ) = row;
    let arguments = dbkit_core::naming::split_top_level_commas(&arguments)
        .into_iter()
        .filter(|argument| !argument.trim().is_empty())
        .map(|argument| {
            parse_argument(argument).map_err(|error| IntrospectError::UnexpectedCatalog {
                detail: format!(
                    "an argument of {schema}.{name} that does not read: {}",
                    error.0
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let settings = config
        .into_iter()
        .filter_map(|entry| {
            let (name, value) = entry.split_once('=')?;
            Some(FunctionSetting {
                name: name.to_string(),
                value: value.to_string(),
            })
        })
        .collect();
    Ok(Function {
        procedure,
        arguments,
        volatility: match volatility.as_str() {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        },
        strict,
        security_definer,
        parallel: match parallel.as_str() {
            "s" => Parallel::Safe,
            "r" => Parallel::Restricted,
            _ => Parallel::Unsafe,
        },
        settings,
        comment,
        ..Function::new(
            QualifiedName::new(schema, name),
            returns,
            language,
            body.unwrap_or_default(),
        )
    })
}

/// The user triggers on the tables of `schema_names`.
pub(crate) async fn read_triggers(
    connection: &mut PgConnection,
    schema_names: &[String],
) -> Result<Vec<Trigger>, IntrospectError> {
    let rows: Vec<TriggerRow> = sqlx::query_as(TRIGGERS_QUERY)
        .bind(schema_names)
        .fetch_all(&mut *connection)
        .await
        .map_err(|source| IntrospectError::Query {
            what: "triggers",
            source,
        })?;
    Ok(rows.into_iter().map(trigger_from_row).collect())
}

// tgtype's bits (`pg_trigger.h`).
const ROW: i32 = 1 << 0;
const BEFORE: i32 = 1 << 1;
const INSERT: i32 = 1 << 2;
const DELETE: i32 = 1 << 3;
const UPDATE: i32 = 1 << 4;
const TRUNCATE: i32 = 1 << 5;
const INSTEAD: i32 = 1 << 6;

fn trigger_from_row(row: TriggerRow) -> Trigger {
    let (schema, table, name, kind, columns, function_schema, function, arguments, definition) =
        row;
    let timing = if kind & INSTEAD != 0 {
        TriggerTiming::InsteadOf
    } else if kind & BEFORE != 0 {
        TriggerTiming::Before
    } else {
        TriggerTiming::After
    };
    let events = [
        (INSERT, TriggerEvent::Insert),
        (UPDATE, TriggerEvent::Update),
        (DELETE, TriggerEvent::Delete),
        (TRUNCATE, TriggerEvent::Truncate),
    ]
    .into_iter()
    .filter(|(bit, _)| kind & bit != 0)
    .map(|(_, event)| event)
    .collect();
    Trigger {
        columns,
        for_each_row: kind & ROW != 0,
        when: definition.as_deref().and_then(when_condition),
        arguments: trigger_arguments(&arguments),
        ..Trigger::new(
            name,
            QualifiedName::new(schema, table),
            timing,
            events,
            QualifiedName::new(function_schema, function),
        )
    }
}

/// `tgargs`: each argument followed by a NUL byte.
fn trigger_arguments(bytes: &[u8]) -> Vec<String> {
    let mut arguments: Vec<String> = bytes
        .split(|byte| *byte == 0)
        .map(|argument| String::from_utf8_lossy(argument).into_owned())
        .collect();
    // The text after the last NUL is empty.
    arguments.pop();
    arguments
}

/// The condition of `… WHEN (condition) EXECUTE FUNCTION …` in
/// `pg_get_triggerdef`'s text: what is inside the parentheses after
/// ` WHEN `, quotes and nested parentheses followed.
fn when_condition(definition: &str) -> Option<String> {
    let start = definition.find(" WHEN (")? + " WHEN (".len();
    let bytes = definition.as_bytes();
    let mut depth = 1usize;
    let mut quote: Option<u8> = None;
    let mut at = start;
    while at < bytes.len() {
        let byte = bytes[at];
        match quote {
            Some(open) if byte == open => quote = None,
            Some(_) => {}
            None => match byte {
                b'\'' | b'"' => quote = Some(byte),
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return definition.get(start..at).map(str::to_string);
                    }
                }
                _ => {}
            },
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_when_condition_is_cut_from_the_definition() {
        assert_eq!(
            when_condition(
                "CREATE TRIGGER t BEFORE UPDATE ON public.users FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*) AND (new.note <> ')')) EXECUTE FUNCTION f()"
            )
            .as_deref(),
            Some("(old.* IS DISTINCT FROM new.*) AND (new.note <> ')')")
        );
        assert_eq!(when_condition("CREATE TRIGGER t …"), None);
    }

    #[test]
    fn arguments_end_with_nul() {
        assert_eq!(trigger_arguments(b"x\0y z\0"), ["x", "y z"]);
        assert_eq!(trigger_arguments(b""), Vec::<String>::new());
        assert_eq!(trigger_arguments(b"\0"), [""]);
    }
}
