//! Rust identifiers for database names: UpperCamelCase type names, snake_case fields and modules, keywords.

use crate::naming;
use std::collections::BTreeSet;

/// Keywords of Rust 2024 (strict and reserved); `r#` makes them usable,
/// except for the ones in [`NOT_RAW`].
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Type names a generated struct or enum must not take: the names the DSL
/// maps by their last path segment (an enum called `Date` would be read as
/// the `date` type), what the files import and the prelude's types and
/// traits.
pub(crate) const RESERVED_TYPE_NAMES: &[&str] = &[
    "AsMut",
    "AsRef",
    "BigDecimal",
    "Box",
    "Clone",
    "Copy",
    "Date",
    "DateTime",
    "Debug",
    "Decimal",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Hash",
    "Into",
    "IntoIterator",
    "IpAddr",
    "IpNetwork",
    "Iterator",
    "Json",
    "JsonValue",
    "NaiveDate",
    "NaiveDateTime",
    "NaiveTime",
    "None",
    "OffsetDateTime",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "PgEnum",
    "PrimitiveDateTime",
    "Result",
    "Self",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "Table",
    "Time",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Utc",
    "Uuid",
    "Value",
    "Vec",
];

pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// `[a-z_][a-z0-9_]*`, not `_` alone.
pub(crate) fn is_plain_snake(name: &str) -> bool {
    let mut characters = name.chars();
    let Some(first) = characters.next() else {
        return false;
    };
    (first.is_ascii_lowercase() || first == '_')
        && name != "_"
        && characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The words of a name: runs of ASCII letters and digits.
fn words(name: &str) -> Vec<&str> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect()
}

/// `line_items` → `LineItems`, `order state` → `OrderState`, `HTTPLog` →
/// `HTTPLog`: each ASCII word with its first letter uppercased, the rest
/// kept. `fallback` prefixes a name that would start with a digit (or
/// stands for an empty one).
pub(crate) fn upper_camel_case(name: &str, fallback: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut characters = word.chars();
        if let Some(first) = characters.next() {
            out.push(first.to_ascii_uppercase());
            out.push_str(characters.as_str());
        }
    }
    if out.is_empty() {
        return fallback.to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("{fallback}{out}");
    }
    out
}

/// A snake_case ASCII spelling of any name: `userName` → `user_name`,
/// `user name` → `user_name`, `Ünïcode` → `n_code`; `fallback` for an empty
/// result, prefixed to one that starts with a digit.
pub(crate) fn snake_case_identifier(name: &str, fallback: &str) -> String {
    let snake = naming::snake_case(name);
    let mut out = String::with_capacity(snake.len());
    for character in snake.chars() {
        let character = character.to_ascii_lowercase();
        if character.is_ascii_lowercase() || character.is_ascii_digit() {
            out.push(character);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        return fallback.to_string();
    }
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("{fallback}_{trimmed}");
    }
    trimmed.to_string()
}

/// Whether a plain snake_case name can be a field's name (as `r#name` for
/// a keyword).
pub(crate) fn is_usable_identifier(name: &str) -> bool {
    is_plain_snake(name) && !NOT_RAW.contains(&name)
}

/// A field (or module) identifier as written in Rust: `r#type` for a
/// keyword that may be raw, `self_` for one that may not.
pub(crate) fn written_identifier(name: &str) -> String {
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if is_keyword(name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// Hands out names unique within one scope.
#[derive(Debug, Default)]
pub(crate) struct NameAllocator {
    taken: BTreeSet<String>,
}

impl NameAllocator {
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        NameAllocator {
            taken: reserved.iter().map(|name| name.to_string()).collect(),
        }
    }

    pub(crate) fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// The first free name of `candidates`, else the first one with a
    /// number (`separator` between: `""` for `Users2`, `"_"` for `users_2`).
    pub(crate) fn allocate(&mut self, candidates: &[String], separator: &str) -> String {
        let chosen = candidates
            .iter()
            .find(|candidate| !self.taken.contains(candidate.as_str()))
            .cloned()
            .unwrap_or_else(|| {
                let stem = candidates
                    .first()
                    .map_or("item", |first| first.trim_end_matches('_'));
                (2u64..)
                    .map(|number| format!("{stem}{separator}{number}"))
                    .find(|candidate| !self.taken.contains(candidate))
                    .unwrap_or_else(|| stem.to_string())
            });
        self.taken.insert(chosen.clone());
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_camel_case_of_database_names() {
        for (input, expected) in [
            ("line_items", "LineItems"),
            ("users", "Users"),
            ("order state", "OrderState"),
            ("HTTPLog", "HTTPLog"),
            ("Order", "Order"),
            ("in-review", "InReview"),
            ("2fa_codes", "T2faCodes"),
            ("", "T"),
            ("été", "T"),
        ] {
            assert_eq!(upper_camel_case(input, "T"), expected, "{input}");
        }
    }

    #[test]
    fn snake_case_identifiers_of_database_names() {
        for (input, expected) in [
            ("user name", "user_name"),
            ("userName", "user_name"),
            ("Order", "order"),
            ("a--b", "a_b"),
            ("1st", "column_1st"),
            ("été", "t"),
            ("✓", "column"),
        ] {
            assert_eq!(snake_case_identifier(input, "column"), expected, "{input}");
        }
    }

    #[test]
    fn keywords_are_raw_or_renamed() {
        assert_eq!(written_identifier("type"), "r#type");
        assert_eq!(written_identifier("self"), "self_");
        assert_eq!(written_identifier("name"), "name");
        assert!(is_plain_snake("created_at"));
        assert!(!is_plain_snake("_"));
        assert!(!is_plain_snake("Order"));
        assert!(!is_plain_snake("1a"));
    }
}
