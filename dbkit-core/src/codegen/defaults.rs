//! Column defaults as PostgreSQL prints them, made clean where that is safe.

use crate::model::{BaseType, ColumnType};
use crate::naming::leading_qualified_name;
use crate::types::{canonical_type, type_without_modifier};

/// The default `default` of a column of type `column_type`, as the code
/// should spell it.
///
/// PostgreSQL prints a literal default with a cast to the column's type
/// (`'x'::text`, `'free'::plan`, `'{}'::jsonb`, `'-1'::integer`). A cast of
/// a single-quoted literal to the column's own type (with or without its
/// modifier: `'x'::character varying` on a `varchar(40)` column, or its
/// array type) is dropped, because assigning the bare literal to the column
/// converts it the same way; a numeric literal of a numeric column loses its
/// quotes too (`'-1'::integer` → `-1`). Anything else is kept verbatim.
pub fn simplify_default(default: &str, column_type: &ColumnType) -> String {
    let trimmed = default.trim();
    let Some((literal, cast)) = split_literal_cast(trimmed) else {
        return default.to_string();
    };
    if !cast_is_column_type(cast, column_type) {
        return default.to_string();
    }
    if is_numeric_type(column_type)
        && let Some(number) = literal
            .strip_prefix('\'')
            .and_then(|rest| rest.strip_suffix('\''))
            .filter(|inner| is_plain_number(inner))
    {
        return number.to_string();
    }
    literal.to_string()
}

/// `'it''s'::text` → (`'it''s'`, `text`): a single-quoted literal at the
/// start, then `::` and the rest.
fn split_literal_cast(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('\'')?;
    let mut characters = rest.char_indices().peekable();
    let end = loop {
        let (index, character) = characters.next()?;
        if character == '\'' {
            if characters.peek().is_some_and(|(_, next)| *next == '\'') {
                characters.next();
                continue;
            }
            break index + 2;
        }
    };
    let literal = text.get(..end)?;
    let cast = text.get(end..)?.strip_prefix("::")?.trim();
    if cast.is_empty() {
        return None;
    }
    Some((literal, cast))
}

fn cast_is_column_type(cast: &str, column_type: &ColumnType) -> bool {
    let (cast_base, cast_is_array) = match cast.strip_suffix("[]") {
        Some(base) => (base.trim_end(), true),
        None => (cast, false),
    };
    if cast_is_array != (column_type.array_dims > 0) {
        return false;
    }
    match &column_type.base {
        BaseType::Builtin(base) => {
            let cast_base = canonical_type(cast_base);
            cast_base == canonical_type(base)
                || cast_base == canonical_type(&type_without_modifier(base))
        }
        BaseType::Enum(name) | BaseType::Domain(name) | BaseType::Composite(name) => {
            match identifier_path(cast_base).as_deref() {
                Some([single]) => *single == name.name,
                Some([schema, single]) => *schema == name.schema && *single == name.name,
                _ => false,
            }
        }
    }
}

/// `app."Order state"` → [`app`, `Order state`]: the parts of a dotted name,
/// unquoted ones lowercased; `None` when it is anything else.
fn identifier_path(text: &str) -> Option<Vec<String>> {
    let (parts, rest) = leading_qualified_name(text.trim())?;
    rest.is_empty().then_some(parts)
}

fn is_numeric_type(column_type: &ColumnType) -> bool {
    column_type.array_dims == 0
        && matches!(&column_type.base, BaseType::Builtin(base) if {
            let base = canonical_type(base);
            matches!(base.as_str(), "smallint" | "integer" | "bigint" | "real" | "double precision")
                || base == "numeric"
                || base.starts_with("numeric(")
        })
}

/// `-12`, `3.50`, `0`: an optional minus, digits, optionally a point and
/// digits.
fn is_plain_number(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction
            .is_none_or(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QualifiedName;

    fn builtin(name: &str, array_dims: u8) -> ColumnType {
        ColumnType {
            base: BaseType::Builtin(name.to_string()),
            array_dims,
        }
    }

    fn enumeration(schema: &str, name: &str) -> ColumnType {
        ColumnType {
            base: BaseType::Enum(QualifiedName::new(schema, name)),
            array_dims: 0,
        }
    }

    fn check(default: &str, column_type: &ColumnType, expected: &str) {
        assert_eq!(
            simplify_default(default, column_type),
            expected,
            "{default} on {column_type:?}"
        );
    }

    #[test]
    fn casts_of_literals_to_the_column_type_are_dropped() {
        check("'x'::text", &builtin("text", 0), "'x'");
        check("'it''s'::text", &builtin("text", 0), "'it''s'");
        check("''::text", &builtin("text", 0), "''");
        check("'{}'::jsonb", &builtin("jsonb", 0), "'{}'");
        check("'free'::plan", &enumeration("public", "plan"), "'free'");
        check(
            "'free'::billing.plan",
            &enumeration("billing", "plan"),
            "'free'",
        );
        check(
            "'draft'::\"order state\"",
            &enumeration("public", "order state"),
            "'draft'",
        );
        check(
            "'x'::app.\"Priority\"",
            &enumeration("app", "Priority"),
            "'x'",
        );
        check(
            "'a'::character varying",
            &builtin("character varying(40)", 0),
            "'a'",
        );
        check("'abc'::bpchar", &builtin("character(3)", 0), "'abc'");
        check("'{}'::integer[]", &builtin("integer", 1), "'{}'");
        check(
            "'12:00:00'::time without time zone",
            &builtin("time without time zone", 0),
            "'12:00:00'",
        );
        check(
            "'2020-01-01 00:00:00+00'::timestamp with time zone",
            &builtin("timestamp(3) with time zone", 0),
            "'2020-01-01 00:00:00+00'",
        );
    }

    #[test]
    fn numeric_literals_of_numeric_columns_lose_their_quotes() {
        check("'-1'::integer", &builtin("integer", 0), "-1");
        check("'1.50'::numeric", &builtin("numeric(10,2)", 0), "1.50");
        check(
            "'-1.5'::double precision",
            &builtin("double precision", 0),
            "-1.5",
        );
        check("'1e5'::numeric", &builtin("numeric", 0), "'1e5'");
    }

    #[test]
    fn everything_else_is_kept_verbatim() {
        check("now()", &builtin("timestamp with time zone", 0), "now()");
        check("0", &builtin("integer", 0), "0");
        check(
            "'x'::character varying",
            &builtin("text", 0),
            "'x'::character varying",
        );
        check(
            "'free'::plan",
            &enumeration("public", "tier"),
            "'free'::plan",
        );
        check(
            "'free'::other.plan",
            &enumeration("public", "plan"),
            "'free'::other.plan",
        );
        check("'{}'::integer[]", &builtin("integer", 0), "'{}'::integer[]");
        check(
            "'a'::text || 'b'::text",
            &builtin("text", 0),
            "'a'::text || 'b'::text",
        );
        check("('x'::text)", &builtin("text", 0), "('x'::text)");
        check(
            "nextval('users_id_seq'::regclass)",
            &builtin("integer", 0),
            "nextval('users_id_seq'::regclass)",
        );
        check("'x'::text::text", &builtin("text", 0), "'x'::text::text");
        check("'unterminated", &builtin("text", 0), "'unterminated");
        check("'x'::", &builtin("text", 0), "'x'::");
    }
}
