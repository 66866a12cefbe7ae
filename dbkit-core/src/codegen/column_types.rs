//! The Rust type of a column: the DSL's mapping table read backwards, or `sql_type` on the closest Rust type.

use crate::compare::canonical_column_type;
use crate::model::{BaseType, ColumnType, QualifiedName};
use crate::types::{canonical_type, parse_sql_type};
use std::collections::BTreeSet;

/// Something a file imports for its field types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Import {
    Chrono(&'static str),
    SqlxTypes(&'static str),
    IpAddr,
}

/// A field's type as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldType {
    /// `Option<Vec<DateTime<Utc>>>`.
    pub rust: String,
    /// `sql_type = "…"` when the Rust type alone does not say the column's
    /// type.
    pub sql_type: Option<String>,
    pub imports: BTreeSet<Import>,
}

/// Where an enum of the schema is declared in the generated files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnumPlace {
    pub module: String,
    pub rust_name: String,
}

/// What a builtin type maps from: the Rust type and its imports.
fn mapped_rust_type(canonical: &str) -> Option<(&'static str, &'static [Import])> {
    Some(match canonical {
        "boolean" => ("bool", &[]),
        "smallint" => ("i16", &[]),
        "integer" => ("i32", &[]),
        "bigint" => ("i64", &[]),
        "real" => ("f32", &[]),
        "double precision" => ("f64", &[]),
        "text" => ("String", &[]),
        "bytea" => ("Vec<u8>", &[]),
        "uuid" => ("Uuid", &[Import::SqlxTypes("Uuid")]),
        "timestamp with time zone" => (
            "DateTime<Utc>",
            &[Import::Chrono("DateTime"), Import::Chrono("Utc")],
        ),
        "timestamp without time zone" => ("NaiveDateTime", &[Import::Chrono("NaiveDateTime")]),
        "date" => ("NaiveDate", &[Import::Chrono("NaiveDate")]),
        "time without time zone" => ("NaiveTime", &[Import::Chrono("NaiveTime")]),
        "numeric" => ("Decimal", &[Import::SqlxTypes("Decimal")]),
        "jsonb" => (
            "Json<JsonValue>",
            &[Import::SqlxTypes("Json"), Import::SqlxTypes("JsonValue")],
        ),
        "inet" => ("IpAddr", &[Import::IpAddr]),
        _ => return None,
    })
}

/// The Rust type of a field that carries `sql_type`: the mapped type of a
/// close relative (`numeric(10,2)` → `Decimal`), else `String`.
fn closest_rust_type(canonical: &str) -> (&'static str, &'static [Import]) {
    let relative = if canonical.starts_with("numeric(") {
        "numeric"
    } else if canonical.starts_with("timestamp(") && canonical.ends_with("with time zone") {
        "timestamp with time zone"
    } else if canonical.starts_with("timestamp(") {
        "timestamp without time zone"
    } else if canonical.starts_with("time(") && canonical.ends_with("without time zone") {
        "time without time zone"
    } else if canonical == "json" {
        "jsonb"
    } else {
        "text"
    };
    mapped_rust_type(relative).unwrap_or(("String", &[]))
}

/// How a column's type is written, in the file `module`.
///
/// `enums` finds where an enum of the schema is declared. `problem` is set
/// when the written type reads back as another type.
pub(crate) fn field_type(
    ty: &ColumnType,
    nullable: bool,
    module: &str,
    enums: &dyn Fn(&QualifiedName) -> Option<EnumPlace>,
    sql_type_names_enum: &dyn Fn(&str) -> bool,
    type_relatives: &std::collections::BTreeMap<String, String>,
    problem: &mut Option<String>,
) -> FieldType {
    let mut imports = BTreeSet::new();
    let (element, sql_type) = match &ty.base {
        BaseType::Enum(name) | BaseType::Domain(name) | BaseType::Composite(name) => {
            match enums(name) {
                Some(place) if place.module == module => (place.rust_name, None),
                Some(place) => (
                    format!("super::{}::{}", place.module, place.rust_name),
                    None,
                ),
                None => {
                    *problem = Some(format!(
                        "is the type `{name}`, which the files do not declare; it is written as `sql_type` and reads back as a type of that name"
                    ));
                    let written = if name.schema == "public" {
                        name.name.clone()
                    } else {
                        name.to_string()
                    };
                    ("String".to_string(), Some(written))
                }
            }
        }
        BaseType::Builtin(base) => {
            let canonical = canonical_type(base);
            match mapped_rust_type(&canonical) {
                Some((rust, needed)) => {
                    imports.extend(needed.iter().copied());
                    (rust.to_string(), None)
                }
                None => {
                    let relative = type_relatives
                        .get(base.trim())
                        .and_then(|relative| mapped_rust_type(&canonical_type(relative)));
                    let (rust, needed) = relative.unwrap_or_else(|| closest_rust_type(&canonical));
                    imports.extend(needed.iter().copied());
                    let written = base.trim().to_string();
                    let written_text = if ty.array_dims > 0 {
                        format!("{written}[]")
                    } else {
                        written.clone()
                    };
                    if sql_type_names_enum(&written) {
                        *problem = Some(format!(
                            "is `{written}`, which `sql_type` cannot name: an enum of the schema has that name and is read back instead"
                        ));
                    } else if canonical_column_type(&parse_sql_type(&written_text))
                        != canonical_column_type(ty)
                    {
                        *problem = Some(format!(
                            "is `{written}`, which reads back through `sql_type` as another type"
                        ));
                    }
                    (rust.to_string(), Some(written))
                }
            }
        }
    };
    let mut rust = element;
    if ty.array_dims > 0 {
        rust = format!("Vec<{rust}>");
    }
    if nullable {
        rust = format!("Option<{rust}>");
    }
    let sql_type = sql_type.map(|base| {
        if ty.array_dims > 0 {
            format!("{base}[]")
        } else {
            base
        }
    });
    FieldType {
        rust,
        sql_type,
        imports,
    }
}

/// The `use` lines for `imports` (plus the derives), in rustfmt's order.
pub(crate) fn use_lines(imports: &BTreeSet<Import>, derives: &[&str]) -> Vec<String> {
    let chrono: Vec<&str> = imports
        .iter()
        .filter_map(|import| match import {
            Import::Chrono(name) => Some(*name),
            _ => None,
        })
        .collect();
    let sqlx: Vec<&str> = imports
        .iter()
        .filter_map(|import| match import {
            Import::SqlxTypes(name) => Some(*name),
            _ => None,
        })
        .collect();
    // (sort key, line): rustfmt sorts paths segment by segment, uppercase
    // names before lowercase ones and a `{…}` list after any name.
    let mut lines: Vec<(Vec<String>, String)> = Vec::new();
    let mut add = |path: &[&str], names: &[&str]| {
        let mut sorted: Vec<&str> = names.to_vec();
        sorted.sort_unstable();
        let prefix = path.join("::");
        let (last_key, line) = match sorted.as_slice() {
            [] => return,
            [single] => (single.to_string(), format!("use {prefix}::{single};")),
            several => (
                "\u{10ffff}".to_string(),
                format!("use {prefix}::{{{}}};", several.join(", ")),
            ),
        };
        let mut key: Vec<String> = path.iter().map(|segment| segment.to_string()).collect();
        key.push(last_key);
        lines.push((key, line));
    };
    add(&["dbkit_runtime", "sqlx", "types", "chrono"], &chrono);
    add(&["dbkit_runtime", "sqlx", "types"], &sqlx);
    add(&["dbkit_runtime"], derives);
    if imports.contains(&Import::IpAddr) {
        add(&["std", "net"], &["IpAddr"]);
    }
    lines.sort();
    lines.into_iter().map(|(_, line)| line).collect()
}
