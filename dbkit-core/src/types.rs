//! The Rust type → PostgreSQL type mapping and canonical spellings of PostgreSQL types.
//!
//! Types are matched by the last segment of their path, the way the schema
//! DSL documents them: `chrono::DateTime<Utc>` and `DateTime<Utc>` are the
//! same. Every PostgreSQL type is spelled the way `format_type` prints it
//! (`timestamp with time zone`, `character varying(320)`), so declared and
//! introspected schemas compare equal.

use crate::model::{BaseType, ColumnType};
use quote::ToTokens;

/// What a field's Rust type means for its column.
#[derive(Debug, Clone)]
pub struct MappedRustType<'a> {
    /// `Option<T>`: the column accepts NULL.
    pub nullable: bool,
    pub mapping: RustTypeMapping<'a>,
}

/// The PostgreSQL type of a Rust type, or why there is none yet.
#[derive(Debug, Clone)]
pub enum RustTypeMapping<'a> {
    /// A type of the mapping table.
    Builtin(ColumnType),
    /// A path type outside the table: it must be a `PgEnum` of the
    /// workspace, found by its name (`name`, the last path segment).
    EnumCandidate {
        name: String,
        array_dims: u8,
        /// The enum's type inside `Option`/`Vec`, where an error about it
        /// belongs.
        ty: &'a syn::Type,
    },
    /// A type that can never be mapped (`u32`, `&str`, a tuple, a generic
    /// type outside the table): only `sql_type = "..."` makes it a column.
    Unmappable {
        /// The type as written, for the message.
        written: String,
        ty: &'a syn::Type,
    },
}

/// Maps a field type (see the module documentation and the DSL's table).
pub fn map_rust_type(ty: &syn::Type) -> MappedRustType<'_> {
    let ty = strip_groups(ty);
    if let Some(inner) = single_generic_argument(ty, "Option") {
        let inner_mapping = map_rust_type(inner);
        return MappedRustType {
            nullable: true,
            mapping: inner_mapping.mapping,
        };
    }
    MappedRustType {
        nullable: false,
        mapping: map_non_optional(ty),
    }
}

/// Whether the field's type is `Option<T>` (a nullable column).
pub fn is_option(ty: &syn::Type) -> bool {
    single_generic_argument(strip_groups(ty), "Option").is_some()
}

fn map_non_optional(ty: &syn::Type) -> RustTypeMapping<'_> {
    let ty = strip_groups(ty);
    let unmappable = || RustTypeMapping::Unmappable {
        written: display_type(ty),
        ty,
    };
    let syn::Type::Path(path) = ty else {
        return unmappable();
    };
    if path.qself.is_some() {
        return unmappable();
    }
    let Some(last) = path.path.segments.last() else {
        return unmappable();
    };
    let name = last.ident.to_string();
    let name = crate::naming::strip_raw_prefix(&name);
    let builtin = |sql: &str| RustTypeMapping::Builtin(scalar(sql));
    if let Some(inner) = single_generic_argument(ty, "Vec") {
        if is_plain_path(inner, "u8") {
            return builtin("bytea");
        }
        return match map_non_optional(inner_of_option(inner)) {
            RustTypeMapping::Builtin(element) => {
                RustTypeMapping::Builtin(element.with_array_dims(1))
            }
            RustTypeMapping::EnumCandidate { name, ty, .. } => RustTypeMapping::EnumCandidate {
                name,
                array_dims: 1,
                ty,
            },
            RustTypeMapping::Unmappable { .. } => unmappable(),
        };
    }
    if let Some(inner) = single_generic_argument(ty, "Box") {
        if is_plain_path(inner, "str") {
            return builtin("text");
        }
        return map_non_optional(inner);
    }
    let has_arguments = !matches!(last.arguments, syn::PathArguments::None);
    let sql = match name {
        "bool" => "boolean",
        "i16" => "smallint",
        "i32" => "integer",
        "i64" => "bigint",
        "f32" => "real",
        "f64" => "double precision",
        "String" => "text",
        "Uuid" => "uuid",
        "DateTime" | "OffsetDateTime" => "timestamp with time zone",
        "NaiveDateTime" | "PrimitiveDateTime" => "timestamp without time zone",
        "NaiveDate" | "Date" => "date",
        "NaiveTime" | "Time" => "time without time zone",
        "Decimal" | "BigDecimal" => "numeric",
        "Value" | "Json" => "jsonb",
        "IpNetwork" | "IpAddr" => "inet",
        _ => {
            if has_arguments || is_primitive(name) {
                return unmappable();
            }
            return RustTypeMapping::EnumCandidate {
                name: name.to_string(),
                array_dims: 0,
                ty,
            };
        }
    };
    builtin(sql)
}

fn scalar(sql: &str) -> ColumnType {
    ColumnType::builtin(sql)
}

/// Primitive types that no `PgEnum` can be and the table does not map.
fn is_primitive(name: &str) -> bool {
    matches!(
        name,
        "u8" | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i128"
            | "isize"
            | "char"
            | "str"
            | "f16"
            | "f128"
    )
}

fn strip_groups(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Group(group) => strip_groups(&group.elem),
        syn::Type::Paren(paren) => strip_groups(&paren.elem),
        other => other,
    }
}

fn inner_of_option(ty: &syn::Type) -> &syn::Type {
    match single_generic_argument(strip_groups(ty), "Option") {
        Some(inner) => inner_of_option(inner),
        None => strip_groups(ty),
    }
}

/// `T` of `Name<T>` (any path ending in `Name`, one type argument).
fn single_generic_argument<'a>(ty: &'a syn::Type, name: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(path) = strip_groups(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let mut types = arguments.args.iter().filter_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let first = types.next()?;
    if types.next().is_some() || arguments.args.len() != 1 {
        return None;
    }
    Some(first)
}

fn is_plain_path(ty: &syn::Type, name: &str) -> bool {
    match strip_groups(ty) {
        syn::Type::Path(path) => {
            path.qself.is_none()
                && path.path.segments.len() == 1
                && path.path.segments.last().is_some_and(|segment| {
                    segment.ident == name && matches!(segment.arguments, syn::PathArguments::None)
                })
        }
        _ => false,
    }
}

/// A type as a person writes it: `Vec<Option<u32>>`, `&str`, `(i32, i32)`.
pub fn display_type(ty: &syn::Type) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        (" :: ", "::"),
        (":: ", "::"),
        ("& ", "&"),
        ("' ", "'"),
        (" ;", ";"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// Whether a column of this type may be `identity` or `serial`.
pub fn is_integer_type(ty: &ColumnType) -> bool {
    ty.array_dims == 0
        && matches!(&ty.base, BaseType::Builtin(name) if matches!(name.as_str(), "smallint" | "integer" | "bigint"))
}

/// A `sql_type = "..."` string as a column type: canonical base and
/// whether it ends in `[]` (see [`canonical_type`]).
pub fn parse_sql_type(sql: &str) -> ColumnType {
    let (base, array_dims) = canonical_base_and_dims(sql);
    ColumnType::builtin(base).with_array_dims(array_dims)
}

/// A type without its type modifier: `character varying(40)` →
/// `character varying`, `timestamp(3) with time zone` → `timestamp with
/// time zone`, `numeric(10,2)[]` → `numeric[]`; a type without one is
/// returned as it is. Parentheses inside a quoted name are part of the
/// name.
pub fn type_without_modifier(type_name: &str) -> String {
    let mut in_quotes = false;
    let mut open = None;
    for (index, character) in type_name.char_indices() {
        match character {
            '"' => in_quotes = !in_quotes,
            '(' if !in_quotes => {
                open = Some(index);
                break;
            }
            _ => {}
        }
    }
    let Some(open) = open else {
        return type_name.to_string();
    };
    let Some(close) = type_name[open..].find(')').map(|offset| open + offset) else {
        return type_name.to_string();
    };
    let before = type_name[..open].trim_end();
    let after = type_name[close + 1..].trim_start();
    if after.is_empty() || after.starts_with('[') {
        format!("{before}{after}")
    } else {
        format!("{before} {after}")
    }
}

/// A PostgreSQL type in `format_type`'s spelling: `varchar(320)` →
/// `character varying(320)`, `int`/`int4` → `integer`, `int8` → `bigint`,
/// `int2` → `smallint`, `bool` → `boolean`, `timestamptz` → `timestamp with
/// time zone`, `timestamp` → `timestamp without time zone`, `decimal` →
/// `numeric`, `float8` → `double precision`, `float4` → `real`, `char(n)` →
/// `character(n)`, `time` → `time without time zone`, `timetz` → `time with
/// time zone`, `numeric(10, 2)` → `numeric(10,2)`, `int[]`/`int[3]`/`int
/// array` → `integer[]`; case and whitespace are normalised. Names it does
/// not know (`citext`) are kept, lowercased (quoted parts keep their case).
pub fn canonical_type(sql: &str) -> String {
    let (base, array_dims) = canonical_base_and_dims(sql);
    if array_dims > 0 {
        format!("{base}[]")
    } else {
        base
    }
}

fn canonical_base_and_dims(sql: &str) -> (String, u8) {
    let normalized = normalize_spelling(sql);
    let (scalar_text, is_array) = strip_array_suffix(&normalized);
    let scalar_text = scalar_text
        .strip_prefix("pg_catalog.")
        .unwrap_or(scalar_text);
    (canonical_scalar(scalar_text), u8::from(is_array))
}

/// Lowercase outside double quotes, whitespace collapsed to one space and
/// removed next to `(`, `)`, `,`, `[`, `]` and `.`.
fn normalize_spelling(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_quotes = false;
    let mut pending_space = false;
    for character in sql.trim().chars() {
        if in_quotes {
            out.push(character);
            if character == '"' {
                in_quotes = false;
            }
            continue;
        }
        if character.is_whitespace() {
            pending_space = true;
            continue;
        }
        let tight = |c: char| matches!(c, '(' | ')' | ',' | '[' | ']' | '.');
        if pending_space && !out.is_empty() && !tight(character) && !out.ends_with(tight) {
            out.push(' ');
        }
        pending_space = false;
        if character == '"' {
            in_quotes = true;
            out.push(character);
        } else {
            out.extend(character.to_lowercase());
        }
    }
    out
}

/// `integer[]`, `integer[3][4]`, `integer array`, `integer array[3]` →
/// (`integer`, true).
fn strip_array_suffix(text: &str) -> (&str, bool) {
    let mut rest = text;
    let mut is_array = false;
    loop {
        let trimmed = rest.trim_end();
        if let Some(before) = trimmed.strip_suffix(']')
            && let Some(open) = before.rfind('[')
            && before
                .get(open + 1..)
                .is_some_and(|inside| inside.chars().all(|c| c.is_ascii_digit()))
        {
            rest = before.get(..open).unwrap_or("");
            is_array = true;
            continue;
        }
        if let Some(before) = trimmed.strip_suffix(" array") {
            rest = before;
            is_array = true;
            continue;
        }
        return (trimmed, is_array);
    }
}

fn canonical_scalar(text: &str) -> String {
    if text.contains('"') {
        return text.to_string();
    }
    let (stem, modifier) = match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if close > open => {
            let inside = text.get(open + 1..close).unwrap_or("");
            let arguments: Vec<&str> = inside.split(',').map(str::trim).collect();
            let before = text.get(..open).unwrap_or("").trim();
            let after = text.get(close + 1..).unwrap_or("").trim();
            let stem = if after.is_empty() {
                before.to_string()
            } else {
                format!("{before} {after}")
            };
            (stem, Some(arguments.join(",")))
        }
        _ => (text.to_string(), None),
    };
    let modifier_text = modifier
        .as_ref()
        .map(|m| format!("({m})"))
        .unwrap_or_default();
    let spelled = match stem.as_str() {
        "int" | "int4" | "integer" => "integer",
        "int2" | "smallint" => "smallint",
        "int8" | "bigint" => "bigint",
        "bool" | "boolean" => "boolean",
        "float4" | "real" => "real",
        "float8" | "double precision" => "double precision",
        "float" => {
            let precision = modifier.as_deref().and_then(|m| m.parse::<u32>().ok());
            return match precision {
                Some(p) if (1..=24).contains(&p) => "real".to_string(),
                _ => "double precision".to_string(),
            };
        }
        "decimal" | "numeric" => "numeric",
        "varchar" | "character varying" | "char varying" => "character varying",
        "char" | "character" | "bpchar" => {
            return if modifier.is_some() {
                format!("character{modifier_text}")
            } else {
                "character(1)".to_string()
            };
        }
        "bit" => {
            return if modifier.is_some() {
                format!("bit{modifier_text}")
            } else {
                "bit(1)".to_string()
            };
        }
        "varbit" | "bit varying" => "bit varying",
        "timestamptz" | "timestamp with time zone" => {
            return format!("timestamp{modifier_text} with time zone");
        }
        "timestamp" | "timestamp without time zone" => {
            return format!("timestamp{modifier_text} without time zone");
        }
        "timetz" | "time with time zone" => return format!("time{modifier_text} with time zone"),
        "time" | "time without time zone" => {
            return format!("time{modifier_text} without time zone");
        }
        other => other,
    };
    format!("{spelled}{modifier_text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_modifiers_are_removed() {
        for (input, expected) in [
            ("character varying(10)", "character varying"),
            ("character varying(10)[]", "character varying[]"),
            ("timestamp(3) with time zone", "timestamp with time zone"),
            ("numeric(10,2)", "numeric"),
            ("integer", "integer"),
            ("\"my(type)\"", "\"my(type)\""),
            ("\"my(type)\"(4)", "\"my(type)\""),
        ] {
            assert_eq!(type_without_modifier(input), expected, "{input}");
        }
    }

    fn check_canonical(input: &str, expected: &str) {
        assert_eq!(canonical_type(input), expected, "canonical_type({input:?})");
    }

    #[test]
    fn canonical_spellings() {
        for (input, expected) in [
            ("varchar(320)", "character varying(320)"),
            ("VARCHAR ( 320 )", "character varying(320)"),
            ("varchar", "character varying"),
            ("int", "integer"),
            ("int4", "integer"),
            ("INTEGER", "integer"),
            ("int8", "bigint"),
            ("int2", "smallint"),
            ("bool", "boolean"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp", "timestamp without time zone"),
            ("timestamp(3)", "timestamp(3) without time zone"),
            ("timestamptz(6)", "timestamp(6) with time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("Timestamp  With   Time Zone", "timestamp with time zone"),
            ("decimal", "numeric"),
            ("decimal(10, 2)", "numeric(10,2)"),
            ("numeric(10, 2)", "numeric(10,2)"),
            ("float8", "double precision"),
            ("float", "double precision"),
            ("float(10)", "real"),
            ("float(24)", "real"),
            ("float(25)", "double precision"),
            ("float(53)", "double precision"),
            ("float4", "real"),
            ("char(2)", "character(2)"),
            ("char", "character(1)"),
            ("time", "time without time zone"),
            ("timetz", "time with time zone"),
            ("text[]", "text[]"),
            ("int[]", "integer[]"),
            ("int [3][4]", "integer[]"),
            ("integer ARRAY", "integer[]"),
            ("citext", "citext"),
            ("CITEXT", "citext"),
            ("pg_catalog.int4", "integer"),
            ("public.citext", "public.citext"),
            ("\"MyType\"", "\"MyType\""),
            ("jsonb", "jsonb"),
            ("varbit(3)", "bit varying(3)"),
            ("  text  ", "text"),
        ] {
            check_canonical(input, expected);
        }
    }

    #[test]
    fn parse_sql_type_splits_arrays() {
        assert_eq!(
            parse_sql_type("varchar(10)[]"),
            ColumnType {
                base: BaseType::Builtin("character varying(10)".into()),
                array_dims: 1
            }
        );
    }

    fn check_mapping(rust: &str, expected: &str) {
        let ty: syn::Type = match syn::parse_str(rust) {
            Ok(ty) => ty,
            Err(error) => panic!("{rust}: {error}"),
        };
        let mapped = map_rust_type(&ty);
        let text = match &mapped.mapping {
            RustTypeMapping::Builtin(column) => {
                let BaseType::Builtin(base) = &column.base else {
                    panic!("{rust}")
                };
                format!("{base}{}", if column.array_dims > 0 { "[]" } else { "" })
            }
            RustTypeMapping::EnumCandidate {
                name, array_dims, ..
            } => {
                format!("enum {name}{}", if *array_dims > 0 { "[]" } else { "" })
            }
            RustTypeMapping::Unmappable { written, .. } => format!("unmappable {written}"),
        };
        let text = if mapped.nullable {
            format!("{text} null")
        } else {
            text
        };
        assert_eq!(text, expected, "{rust}");
    }

    #[test]
    fn rust_types_map_by_their_last_segment() {
        for (rust, expected) in [
            ("bool", "boolean"),
            ("i16", "smallint"),
            ("i32", "integer"),
            ("i64", "bigint"),
            ("f32", "real"),
            ("f64", "double precision"),
            ("String", "text"),
            ("std::string::String", "text"),
            ("Box<str>", "text"),
            ("Vec<u8>", "bytea"),
            ("Option<Vec<u8>>", "bytea null"),
            ("Vec<Vec<u8>>", "bytea[]"),
            ("uuid::Uuid", "uuid"),
            ("chrono::DateTime<chrono::Utc>", "timestamp with time zone"),
            ("DateTime<FixedOffset>", "timestamp with time zone"),
            ("time::OffsetDateTime", "timestamp with time zone"),
            ("NaiveDateTime", "timestamp without time zone"),
            ("PrimitiveDateTime", "timestamp without time zone"),
            ("NaiveDate", "date"),
            ("time::Date", "date"),
            ("NaiveTime", "time without time zone"),
            ("Time", "time without time zone"),
            ("rust_decimal::Decimal", "numeric"),
            ("BigDecimal", "numeric"),
            ("serde_json::Value", "jsonb"),
            ("Json<BTreeMap<String, String>>", "jsonb"),
            ("IpNetwork", "inet"),
            ("std::net::IpAddr", "inet"),
            ("Vec<String>", "text[]"),
            ("Vec<Option<i32>>", "integer[]"),
            ("Option<i64>", "bigint null"),
            ("Option<Vec<String>>", "text[] null"),
            ("Status", "enum Status"),
            ("crate::kinds::Status", "enum Status"),
            ("Vec<Status>", "enum Status[]"),
            ("Option<Status>", "enum Status null"),
            ("u32", "unmappable u32"),
            ("&'static str", "unmappable &'static str"),
            ("(i32, i32)", "unmappable (i32, i32)"),
            ("Money<Usd>", "unmappable Money<Usd>"),
            ("Vec<u32>", "unmappable Vec<u32>"),
            ("<T as Trait>::Output", "unmappable <T as Trait>::Output"),
        ] {
            check_mapping(rust, expected);
        }
    }

    #[test]
    fn integer_types() {
        assert!(is_integer_type(&parse_sql_type("int8")));
        assert!(!is_integer_type(&parse_sql_type("int8[]")));
        assert!(!is_integer_type(&parse_sql_type("numeric")));
    }
}
