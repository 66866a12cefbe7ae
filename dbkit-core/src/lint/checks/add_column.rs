//! The `ADD COLUMN` rules: NOT NULL without a default, values computed row
//! by row (volatile defaults, serial types, identities, stored generated
//! columns), inline constraints.

use std::ops::ControlFlow;

use sqlparser::ast::{
    ColumnDef, ColumnOption, DataType, Expr, GeneratedAs, GeneratedExpressionMode, Value,
    visit_expressions,
};

use super::state::{Name, identifier_value, quoted};
use crate::diff::quote_identifier;
use crate::lint::functions::{is_known_non_volatile, is_known_volatile};
use crate::lint::rules::{
    ADDING_NOT_NULL_COLUMN, ADDING_UNIQUE_CONSTRAINT, ADDING_VOLATILE_DEFAULT,
    CONSTRAINT_MISSING_NOT_VALID,
};
use crate::naming::truncate_identifier;
use crate::render::NO_TRANSACTION_MARKER;

/// Column types that are a sequence's `nextval()` default in disguise.
pub(super) const SERIAL_TYPES: &[&str] = &[
    "bigserial",
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallserial",
];

/// The `ADD COLUMN` rules: NOT NULL without a default, values computed
/// row by row, inline constraints.
pub(super) fn check_add_column(
    table: &Name,
    column: &ColumnDef,
    functions: &[(Name, bool)],
    push: &mut impl FnMut(&'static str, String, String, String),
) {
    let alter = format!("ALTER TABLE {}", table.quoted());
    let name = quoted(&column.name);
    let data_type = &column.data_type;
    let mut not_null = false;
    let mut default = None;
    let mut generated = false;
    for option in &column.options {
        match &option.option {
            ColumnOption::NotNull | ColumnOption::PrimaryKey(_) => not_null = true,
            ColumnOption::Default(expr) if !is_null(expr) => default = Some(expr),
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => generated = true,
            _ => {}
        }
    }
    let serial = is_serial(data_type);
    if not_null && default.is_none() && !generated && !serial {
        push(
            ADDING_NOT_NULL_COLUMN,
            format!(
                "ADD COLUMN {name} NOT NULL without a DEFAULT to existing table {}",
                table.quoted()
            ),
            format!(
                "the existing rows would hold NULL in it: on a table with rows the statement fails (\"column {} contains null values\"), after waiting for an ACCESS EXCLUSIVE lock on {}",
                quoted(&column.name),
                table.quoted()
            ),
            format!(
                "give it a constant DEFAULT, which PostgreSQL 11+ records without rewriting the table:\n{alter} ADD COLUMN {name} {data_type} NOT NULL DEFAULT <value>;\nor add it without NOT NULL, backfill it in batches, then make it NOT NULL as setting-not-null describes"
            ),
        );
    }
    let volatile = default.and_then(|default| volatile_call(default, functions));
    let rewrite = if let Some(call) = &volatile {
        Some(match call.kind {
            Volatility::Volatile => format!("a volatile default ({}())", call.name),
            Volatility::DeclaredVolatile => format!(
                "a default calling {}(), which this migration creates without IMMUTABLE or STABLE, so VOLATILE",
                call.name
            ),
            Volatility::Unknown => format!(
                "a default calling {}(), which the lint does not know to be IMMUTABLE or STABLE",
                call.name
            ),
        })
    } else if serial {
        Some(format!("serial type {data_type}, a nextval() default"))
    } else {
        column
            .options
            .iter()
            .find_map(|option| match &option.option {
                ColumnOption::Generated {
                    generated_as: GeneratedAs::Always | GeneratedAs::ByDefault,
                    generation_expr: None,
                    ..
                }
                | ColumnOption::Identity(_) => Some("GENERATED … AS IDENTITY".to_string()),
                ColumnOption::Generated {
                    generation_expr: Some(_),
                    generation_expr_mode,
                    ..
                } if generation_expr_mode != &Some(GeneratedExpressionMode::Virtual) => {
                    Some("GENERATED ALWAYS AS (…) STORED".to_string())
                }
                _ => None,
            })
    };
    if let Some(rewrite) = rewrite {
        let help = match &volatile {
            Some(call) => format!(
                "{}add the column without the default, give it the default for new rows (no rewrite), then fill the existing rows in batches:\n{alter} ADD COLUMN {name} {data_type};\n{alter} ALTER COLUMN {name} SET DEFAULT {};\nUPDATE {} SET {name} = {} WHERE {name} IS NULL; -- in batches, e.g. by ranges of the primary key",
                match call.kind {
                    Volatility::Unknown => format!(
                        "if {}() is declared IMMUTABLE or STABLE, PostgreSQL stores its value once without a rewrite: put `-- dbkit:allow({ADDING_VOLATILE_DEFAULT})` on the line above. Otherwise ",
                        call.name
                    ),
                    _ => String::new(),
                },
                default.map(ToString::to_string).unwrap_or_default(),
                table.quoted(),
                default.map(ToString::to_string).unwrap_or_default(),
            ),
            None => format!(
                "add a plain nullable column, give it its default or trigger for new rows, fill the existing rows in batches, then add the constraints the safe way:\n{alter} ADD COLUMN {name} {};",
                plain_type(data_type)
            ),
        };
        push(
            ADDING_VOLATILE_DEFAULT,
            format!(
                "ADD COLUMN {name} to existing table {} with {rewrite}",
                table.quoted()
            ),
            format!(
                "PostgreSQL 11+ stores a constant or stable default (now(), CURRENT_TIMESTAMP) once, but this value must be computed for every row{}: the whole table is rewritten while it holds an ACCESS EXCLUSIVE lock on {}, and every query on it, reads included, waits for the rewrite",
                match volatile.as_ref().map(|call| call.kind) {
                    Some(Volatility::Unknown) =>
                        " (PostgreSQL takes a function for VOLATILE unless it is declared IMMUTABLE or STABLE)",
                    _ => "",
                },
                table.quoted()
            ),
            help,
        );
    }
    for option in &column.options {
        match &option.option {
            ColumnOption::ForeignKey(foreign_key) => {
                let referenced = Name::of(&foreign_key.foreign_table);
                let constraint = quote_identifier(truncate_identifier(&format!(
                    "{}_{}_fkey",
                    table.name,
                    identifier_value(&column.name)
                )));
                let referred = if foreign_key.referred_columns.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        foreign_key
                            .referred_columns
                            .iter()
                            .map(quoted)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                push(
                    CONSTRAINT_MISSING_NOT_VALID,
                    format!(
                        "ADD COLUMN {name} REFERENCES {} on existing table {}: the foreign key is validated at once",
                        referenced.quoted(),
                        table.quoted()
                    ),
                    format!(
                        "PostgreSQL checks every existing row against {} while it holds SHARE ROW EXCLUSIVE locks on both tables (and an ACCESS EXCLUSIVE one on {} for the new column): writes to both wait for the whole scan",
                        referenced.quoted(),
                        table.quoted()
                    ),
                    format!(
                        "add the column without REFERENCES, add the foreign key NOT VALID, and validate it in a later migration (a scan that lets reads and writes go on):\n{alter} ADD COLUMN {name} {data_type};\n{alter} ADD CONSTRAINT {constraint} FOREIGN KEY ({name}) REFERENCES {}{referred} NOT VALID;\n-- in a later migration:\n{alter} VALIDATE CONSTRAINT {constraint};",
                        referenced.quoted()
                    ),
                );
            }
            ColumnOption::Check(check) => {
                let constraint = quote_identifier(truncate_identifier(&format!(
                    "{}_{}_check",
                    table.name,
                    identifier_value(&column.name)
                )));
                push(
                    CONSTRAINT_MISSING_NOT_VALID,
                    format!(
                        "ADD COLUMN {name} with an inline CHECK on existing table {}: the check is validated at once",
                        table.quoted()
                    ),
                    format!(
                        "PostgreSQL checks every existing row while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits for the whole scan",
                        table.quoted()
                    ),
                    format!(
                        "add the column without the CHECK, add the check NOT VALID, and validate it in a later migration:\n{alter} ADD COLUMN {name} {data_type};\n{alter} ADD CONSTRAINT {constraint} CHECK ({}) NOT VALID;\n-- in a later migration:\n{alter} VALIDATE CONSTRAINT {constraint};",
                        check.expr
                    ),
                );
            }
            ColumnOption::Unique(_) | ColumnOption::PrimaryKey(_) => {
                let kind = if matches!(option.option, ColumnOption::PrimaryKey(_)) {
                    "PRIMARY KEY"
                } else {
                    "UNIQUE"
                };
                let index = quote_identifier(truncate_identifier(&format!(
                    "{}_{}_key",
                    table.name,
                    identifier_value(&column.name)
                )));
                push(
                    ADDING_UNIQUE_CONSTRAINT,
                    format!(
                        "ADD COLUMN {name} {kind} on existing table {}: its unique index is built at once",
                        table.quoted()
                    ),
                    format!(
                        "PostgreSQL builds the unique index while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits until the whole table has been read and indexed",
                        table.quoted()
                    ),
                    format!(
                        "add the column without {kind}, build the index without blocking writes in a migration of its own whose first line is `-- dbkit:no-transaction`, then turn it into the constraint:\n{alter} ADD COLUMN {name} {data_type};\n-- in a later migration:\n{NO_TRANSACTION_MARKER}\nCREATE UNIQUE INDEX CONCURRENTLY {index} ON {} ({name});\n-- in a later migration:\n{alter} ADD CONSTRAINT {index} {kind} USING INDEX {index};",
                        table.quoted()
                    ),
                );
            }
            _ => {}
        }
    }
}

pub(super) fn is_null(expr: &Expr) -> bool {
    matches!(expr, Expr::Value(value) if value.value == Value::Null)
}

/// The type a serial type stands for; any other type is itself.
pub(super) fn plain_type(data_type: &DataType) -> String {
    if let DataType::Custom(name, _) = data_type {
        match Name::of(name).name.as_str() {
            "bigserial" | "serial8" => return "bigint".to_string(),
            "serial" | "serial4" => return "integer".to_string(),
            "smallserial" | "serial2" => return "smallint".to_string(),
            _ => {}
        }
    }
    data_type.to_string()
}

pub(super) fn is_serial(data_type: &DataType) -> bool {
    match data_type {
        DataType::Custom(name, modifiers) if modifiers.is_empty() => {
            let name = Name::of(name);
            SERIAL_TYPES.contains(&name.name.as_str())
        }
        _ => false,
    }
}

/// How sure the lint is that a function is `VOLATILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Volatility {
    /// A function PostgreSQL (or a common extension) declares `VOLATILE`.
    Volatile,
    /// Created earlier in the file without `IMMUTABLE` or `STABLE`.
    DeclaredVolatile,
    /// A function the lint does not know: volatile unless declared
    /// otherwise, which the lint cannot see.
    Unknown,
}

/// A call in a default that is computed row by row.
pub(super) struct VolatileCall {
    /// The function's name as called, lowercase (`public.f`, `random`).
    pub(super) name: String,
    pub(super) kind: Volatility,
}

/// The first call in `expr` that is not known to be `IMMUTABLE` or
/// `STABLE`: a built-in one of [`super::functions`], or one the file
/// created with either keyword.
pub(super) fn volatile_call(expr: &Expr, functions: &[(Name, bool)]) -> Option<VolatileCall> {
    let flow = visit_expressions(expr, |expr| {
        if let Expr::Function(function) = expr {
            let name = Name::of(&function.name);
            let created = functions
                .iter()
                .rev()
                .find(|(created, _)| created.matches(&name));
            let builtin = matches!(name.schema.as_deref(), None | Some("pg_catalog"));
            let kind = match created {
                Some((_, true)) => None,
                Some((_, false)) => Some(Volatility::DeclaredVolatile),
                None if builtin && is_known_volatile(&name.name) => Some(Volatility::Volatile),
                None if builtin && is_known_non_volatile(&name.name) => None,
                None => Some(Volatility::Unknown),
            };
            if let Some(kind) = kind {
                let name = match &name.schema {
                    Some(schema) => format!("{schema}.{}", name.name),
                    None => name.name,
                };
                return ControlFlow::Break(VolatileCall { name, kind });
            }
        }
        ControlFlow::Continue(())
    });
    match flow {
        ControlFlow::Break(call) => Some(call),
        ControlFlow::Continue(()) => None,
    }
}
