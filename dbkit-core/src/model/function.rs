//! Functions and procedures (`CREATE FUNCTION`, `CREATE PROCEDURE`).
//!
//! A function is known by its name and the types of the arguments that
//! tell overloads apart ([`Function::signature_types`]); everything else
//! (result, language, body, options) is its definition. Types are kept in
//! `format_type` spelling ([`crate::types::canonical_type`]) so that the
//! signature of a declared function and of the same function read from
//! the catalog are one key.
//!
//! An argument is written the way `CREATE FUNCTION` and
//! `pg_get_function_arguments` write it (`[mode] [name] type [DEFAULT
//! expr]`); [`parse_argument`] reads that text, for the DSL's `args(...)`
//! and for the introspector alike.

use super::{QualifiedName, Schema, SourceLocation};
use crate::types::canonical_type;
use serde::{Deserialize, Serialize};

/// A function or a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: QualifiedName,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub procedure: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<Argument>,
    /// `RETURNS …` in canonical spelling (`integer`, `trigger`, `SETOF
    /// integer`, `TABLE(id bigint, name text)`); `None` for a procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    /// Lowercase.
    pub language: String,
    /// The body between the dollar quotes, as written; or a SQL-standard
    /// body, `BEGIN ATOMIC … END` ([`Function::atomic_body`]), which is
    /// SQL rather than a string.
    pub body: String,
    #[serde(default, skip_serializing_if = "Volatility::is_default")]
    pub volatility: Volatility,
    /// `STRICT`: called with a NULL argument, returns NULL without running.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub security_definer: bool,
    #[serde(default, skip_serializing_if = "Parallel::is_default")]
    pub parallel: Parallel,
    /// `SET name = value` clauses, in the order written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<FunctionSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Function {
    /// A volatile, non-strict function with no arguments and no options.
    pub fn new(
        name: QualifiedName,
        returns: Option<String>,
        language: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Function {
            name,
            procedure: false,
            arguments: Vec::new(),
            returns,
            language: language.into(),
            body: body.into(),
            volatility: Volatility::Volatile,
            strict: false,
            security_definer: false,
            parallel: Parallel::Unsafe,
            settings: Vec::new(),
            comment: None,
            source: None,
        }
    }

    /// The types of the arguments that tell overloads apart, as `DROP
    /// FUNCTION name(types)` takes them: a function's `OUT` arguments are
    /// no part of it, a procedure's are.
    pub fn signature_types(&self) -> Vec<String> {
        self.arguments
            .iter()
            .filter(|argument| self.procedure || argument.mode != ArgumentMode::Out)
            .map(|argument| argument.ty.clone())
            .collect()
    }

    /// Whether the body is SQL-standard (`BEGIN ATOMIC … END`, or a single
    /// `RETURN expr`), written after the options without quotes.
    pub fn atomic_body(&self) -> bool {
        is_atomic_body(&self.body)
    }

    /// `FUNCTION` or `PROCEDURE`.
    pub fn kind_keyword(&self) -> &'static str {
        if self.procedure {
            "PROCEDURE"
        } else {
            "FUNCTION"
        }
    }
}

/// `database` without its functions when `declared` has none, and without
/// its triggers when `declared` has none: a project that declares no
/// function keeps the ones its database holds (carried by `pull` as SQL,
/// or made by hand) out of `push` and `check`, as before dbkit declared
/// functions; once it declares one, every function is compared.
pub fn forget_undeclared_functions(database: &mut Schema, declared: &Schema) {
    if declared.functions.is_empty() {
        database.functions.clear();
    }
    if declared.triggers.is_empty() {
        database.triggers.clear();
    }
}

/// Whether `body` is a SQL-standard body rather than a string.
pub fn is_atomic_body(body: &str) -> bool {
    let words: Vec<String> = body
        .split_whitespace()
        .take(2)
        .map(str::to_lowercase)
        .collect();
    matches!(words.as_slice(), [first, second] if first == "begin" && second == "atomic")
        || words.first().is_some_and(|first| first == "return")
}

/// An argument of a function or procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argument {
    #[serde(default, skip_serializing_if = "ArgumentMode::is_default")]
    pub mode: ArgumentMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The type in canonical spelling.
    #[serde(rename = "type")]
    pub ty: String,
    /// `DEFAULT expr`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl Argument {
    /// The argument as `CREATE FUNCTION` and the DSL's `args(...)` take it:
    /// `[mode] [name] type [DEFAULT expr]`.
    pub fn to_sql(&self) -> String {
        let mut text = String::new();
        if self.mode != ArgumentMode::In {
            text.push_str(self.mode.keyword());
            text.push(' ');
        }
        if let Some(name) = &self.name {
            text.push_str(&crate::sql_text::quote_identifier(name));
            text.push(' ');
        }
        text.push_str(&self.ty);
        if let Some(default) = &self.default {
            text.push_str(" DEFAULT ");
            text.push_str(default);
        }
        text
    }

    pub fn new(name: Option<String>, ty: impl Into<String>) -> Self {
        Argument {
            mode: ArgumentMode::In,
            name,
            ty: ty.into(),
            default: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArgumentMode {
    #[default]
    In,
    Out,
    InOut,
    Variadic,
}

impl ArgumentMode {
    fn is_default(&self) -> bool {
        *self == ArgumentMode::In
    }

    pub fn keyword(self) -> &'static str {
        match self {
            ArgumentMode::In => "IN",
            ArgumentMode::Out => "OUT",
            ArgumentMode::InOut => "INOUT",
            ArgumentMode::Variadic => "VARIADIC",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    #[default]
    Volatile,
    Stable,
    Immutable,
}

impl Volatility {
    fn is_default(&self) -> bool {
        *self == Volatility::Volatile
    }

    pub fn keyword(self) -> &'static str {
        match self {
            Volatility::Volatile => "VOLATILE",
            Volatility::Stable => "STABLE",
            Volatility::Immutable => "IMMUTABLE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parallel {
    #[default]
    Unsafe,
    Restricted,
    Safe,
}

impl Parallel {
    fn is_default(&self) -> bool {
        *self == Parallel::Unsafe
    }

    /// The DSL's and `PARALLEL`'s word, lowercase.
    pub fn word(self) -> &'static str {
        match self {
            Parallel::Unsafe => "unsafe",
            Parallel::Restricted => "restricted",
            Parallel::Safe => "safe",
        }
    }

    pub fn from_word(word: &str) -> Option<Parallel> {
        match word.to_lowercase().as_str() {
            "unsafe" => Some(Parallel::Unsafe),
            "restricted" => Some(Parallel::Restricted),
            "safe" => Some(Parallel::Safe),
            _ => None,
        }
    }
}

/// `SET name = value` on a function: the setting while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSetting {
    pub name: String,
    /// The value as `proconfig` keeps it: list elements separated by `, `
    /// (`app, pg_temp`).
    pub value: String,
}

/// The elements of a setting's value: `app, "pg_temp"` → `app`, `pg_temp`
/// (PostgreSQL quotes list elements that need it when it stores them).
pub fn setting_elements(value: &str) -> Vec<String> {
    crate::naming::split_top_level_commas(value)
        .into_iter()
        .map(|element| {
            let element = element.trim();
            match element.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                Some(inner) => inner.replace("\"\"", "\""),
                None => element.to_string(),
            }
        })
        .filter(|element| !element.is_empty())
        .collect()
}

/// Why an argument's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentError(pub String);

/// Reads `[mode] [name] type [DEFAULT expr | = expr]`, with the type in
/// canonical spelling. Without a name, the whole rest is the type when it
/// is one word or a type PostgreSQL spells in several (`double
/// precision`); otherwise the first word is the name.
pub fn parse_argument(text: &str) -> Result<Argument, ArgumentError> {
    let text = text.trim();
    let (declaration, default) = split_default(text);
    let mut rest = declaration.trim();
    let mut mode = ArgumentMode::In;
    if let Some((word, after)) = first_word(rest) {
        let found = match word.to_lowercase().as_str() {
            "in" => Some(ArgumentMode::In),
            "out" => Some(ArgumentMode::Out),
            "inout" => Some(ArgumentMode::InOut),
            "variadic" => Some(ArgumentMode::Variadic),
            _ => None,
        };
        // `in` alone would be a type named `in`; a mode needs a type after it.
        if let Some(found) = found
            && !after.trim().is_empty()
        {
            mode = found;
            rest = after.trim();
        }
    }
    if rest.is_empty() {
        return Err(ArgumentError(format!("`{text}` has no type")));
    }
    let (name, ty) = match first_word(rest) {
        Some((word, after)) if !after.trim().is_empty() && !is_type_words(rest) => {
            let name = match word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => word.to_lowercase(),
            };
            (Some(name), after.trim())
        }
        _ => (None, rest),
    };
    if ty.is_empty() {
        return Err(ArgumentError(format!("`{text}` has no type")));
    }
    let default = match default {
        Some(default) if default.trim().is_empty() => {
            return Err(ArgumentError(format!("`{text}` has an empty default")));
        }
        Some(default) => Some(default.trim().to_string()),
        None => None,
    };
    Ok(Argument {
        mode,
        name,
        ty: canonical_type(ty),
        default,
    })
}

/// `x integer DEFAULT 1` → (`x integer`, `1`): the first ` DEFAULT ` or
/// ` = ` outside quotes and parentheses.
fn split_default(text: &str) -> (&str, Option<&str>) {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    for (index, &byte) in bytes.iter().enumerate() {
        if let Some(open) = quote {
            if byte == open {
                quote = None;
            }
            continue;
        }
        match byte {
            b'\'' | b'"' => quote = Some(byte),
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'=' if depth == 0 => {
                return (&text[..index], Some(&text[index + 1..]));
            }
            _ if depth == 0 && (index == 0 || bytes[index - 1].is_ascii_whitespace()) => {
                let rest = &text[index..];
                if rest.len() >= 7
                    && rest
                        .get(..7)
                        .is_some_and(|word| word.eq_ignore_ascii_case("default"))
                    && rest.as_bytes().get(7).is_none_or(u8::is_ascii_whitespace)
                    && index > 0
                {
                    return (&text[..index], Some(&rest[7..]));
                }
            }
            _ => {}
        }
    }
    (text, None)
}

/// The first word of `text` (a quoted identifier counts as one) and what
/// follows it.
fn first_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if text.is_empty() {
        return None;
    }
    if text.starts_with('"') {
        let mut at = 1;
        let bytes = text.as_bytes();
        while at < bytes.len() {
            if bytes[at] == b'"' {
                if bytes.get(at + 1) == Some(&b'"') {
                    at += 2;
                    continue;
                }
                return Some((&text[..=at], &text[at + 1..]));
            }
            at += 1;
        }
        return Some((text, ""));
    }
    let end = text
        .find(|c: char| c.is_whitespace() || c == '(' || c == '[')
        .unwrap_or(text.len());
    if text[end..].starts_with(['(', '[']) {
        // `numeric(10,2)`, `integer[]`: a type, not a name.
        return Some((text, ""));
    }
    Some((&text[..end], &text[end..]))
}

/// Whether `text` is a type that PostgreSQL spells in several words.
fn is_type_words(text: &str) -> bool {
    let lowered = text.to_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().collect();
    let starts = |prefix: &[&str]| {
        words.len() >= prefix.len()
            && words
                .iter()
                .zip(prefix)
                .all(|(word, wanted)| word.starts_with(wanted) && word.len() >= wanted.len())
            && words
                .iter()
                .zip(prefix)
                .take(prefix.len().saturating_sub(1))
                .all(|(word, wanted)| word == wanted)
    };
    starts(&["double", "precision"])
        || starts(&["character", "varying"])
        || starts(&["bit", "varying"])
        || starts(&["timestamp", "with"])
        || starts(&["timestamp", "without"])
        || starts(&["time", "with"])
        || starts(&["time", "without"])
        || (words.len() >= 2 && words[0].starts_with("timestamp(") && words[1] == "with")
        || (words.len() >= 2 && words[0].starts_with("timestamp(") && words[1] == "without")
        || (words.first() == Some(&"interval") && words.len() > 1)
}

/// `RETURNS` in canonical spelling: `SETOF t` and `TABLE(name t, …)` with
/// their types canonical, any other type through
/// [`crate::types::canonical_type`].
pub fn canonical_returns(returns: &str) -> String {
    let trimmed = returns.trim();
    if let Some((word, rest)) = first_word(trimmed)
        && word.eq_ignore_ascii_case("setof")
    {
        return format!("SETOF {}", canonical_type(rest.trim()));
    }
    if let Some(rest) = trimmed
        .get(..5)
        .filter(|word| word.eq_ignore_ascii_case("table"))
        .and_then(|_| trimmed.get(5..))
    {
        let rest = rest.trim_start();
        if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            let columns: Vec<String> = crate::naming::split_top_level_commas(inner)
                .into_iter()
                .map(|column| match parse_argument(column) {
                    Ok(Argument {
                        name: Some(name),
                        ty,
                        ..
                    }) => format!("{} {ty}", identifier_as_printed(&name)),
                    _ => column.trim().to_string(),
                })
                .collect();
            return format!("TABLE({})", columns.join(", "));
        }
    }
    canonical_type(trimmed)
}

/// A name as PostgreSQL prints it in a signature: bare when it is a plain
/// lowercase identifier, quoted otherwise.
pub fn identifier_as_printed(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        crate::sql_text::quote_identifier(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argument(text: &str) -> String {
        match parse_argument(text) {
            Ok(argument) => format!(
                "{:?} {:?} {} {:?}",
                argument.mode, argument.name, argument.ty, argument.default
            ),
            Err(ArgumentError(message)) => format!("error: {message}"),
        }
    }

    #[test]
    fn arguments_read_mode_name_type_and_default() {
        assert_eq!(argument("bigint"), "In None bigint None");
        assert_eq!(
            argument("order_id bigint"),
            "In Some(\"order_id\") bigint None"
        );
        assert_eq!(
            argument("with_tax boolean DEFAULT true"),
            "In Some(\"with_tax\") boolean Some(\"true\")"
        );
        assert_eq!(argument("n int = 1"), "In Some(\"n\") integer Some(\"1\")");
        assert_eq!(
            argument("double precision"),
            "In None double precision None"
        );
        assert_eq!(
            argument("x double precision"),
            "In Some(\"x\") double precision None"
        );
        assert_eq!(
            argument("OUT total numeric(10, 2)"),
            "Out Some(\"total\") numeric(10,2) None"
        );
        assert_eq!(
            argument("VARIADIC xs int[]"),
            "Variadic Some(\"xs\") integer[] None"
        );
        assert_eq!(
            argument("inout \"A b\" text"),
            "InOut Some(\"A b\") text None"
        );
        assert_eq!(
            argument("label text DEFAULT 'a = b'::text"),
            "In Some(\"label\") text Some(\"'a = b'::text\")"
        );
        assert_eq!(
            argument("at timestamptz"),
            "In Some(\"at\") timestamp with time zone None"
        );
        assert_eq!(argument("in"), "In None in None");
        assert_eq!(argument(""), "error: `` has no type");
        assert_eq!(
            argument("x int DEFAULT "),
            "error: `x int DEFAULT` has an empty default"
        );
    }

    #[test]
    fn results_take_canonical_spelling() {
        assert_eq!(canonical_returns("int"), "integer");
        assert_eq!(canonical_returns("setof int8"), "SETOF bigint");
        assert_eq!(
            canonical_returns("TABLE (id int8, \"Name\" varchar(3))"),
            "TABLE(id bigint, \"Name\" character varying(3))"
        );
    }

    #[test]
    fn setting_values_split_into_unquoted_elements() {
        assert_eq!(setting_elements("app, \"pg_temp\""), ["app", "pg_temp"]);
        assert_eq!(setting_elements("\"$user\", public"), ["$user", "public"]);
    }

    #[test]
    fn out_arguments_are_no_part_of_a_functions_signature() {
        let mut function = Function::new(
            QualifiedName::new("public", "f"),
            Some("record".into()),
            "sql",
            "select 1, 2",
        );
        function.arguments = vec![
            Argument::new(Some("a".into()), "integer"),
            Argument {
                mode: ArgumentMode::Out,
                ..Argument::new(Some("b".into()), "text")
            },
        ];
        assert_eq!(function.signature_types(), ["integer"]);
        function.procedure = true;
        assert_eq!(function.signature_types(), ["integer", "text"]);
    }
}
