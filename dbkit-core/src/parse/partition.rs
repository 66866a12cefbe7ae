//! The partitioning attributes of a `Table` struct: `partition_by` on a
//! partitioned table, `partition_of` and `bounds` on a partition.
//!
//! Their texts are SQL PostgreSQL reads (`RANGE (created_at)`,
//! `FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`), checked here only
//! for their shape, so that a typo is an error on its line rather than a
//! failed migration: a strategy keyword and a parenthesised key, a bound
//! that is `DEFAULT` or starts with `FOR VALUES`. The strategy keyword is
//! written uppercase, as `pg_get_partkeydef` prints it. Which table
//! `partition_of` names is settled by the resolver, which sees the whole
//! workspace.

use super::diagnostic::Diagnostic;
use super::suggestion::closest_match;
use proc_macro2::Span;

/// The strategies of `PARTITION BY` (lowercase, as the did-you-mean
/// compares).
const STRATEGIES: &[&str] = &["range", "list", "hash"];

/// `partition_by = "range (created_at)"` as `RANGE (created_at)`.
pub(super) fn read_partition_by(text: &str, span: Span) -> Result<String, Diagnostic> {
    let example = "partition_by = \"RANGE (created_at)\"";
    let trimmed = text.trim();
    let split = trimmed
        .find(|character: char| character == '(' || character.is_whitespace())
        .unwrap_or(trimmed.len());
    let (strategy, key) = (&trimmed[..split], trimmed[split..].trim());
    let upper = strategy.to_ascii_uppercase();
    if !STRATEGIES.contains(&strategy.to_ascii_lowercase().as_str()) {
        let diagnostic =
            Diagnostic::new(span, format!("unknown partitioning strategy `{strategy}`"))
                .with_label("expected RANGE, LIST or HASH");
        return Err(match closest_match(strategy, STRATEGIES) {
            Some(suggestion) if !strategy.is_empty() => diagnostic.with_help(format!(
                "did you mean `{}`?",
                suggestion.to_ascii_uppercase()
            )),
            _ => diagnostic.with_help(format!("write `{example}`")),
        });
    }
    let inner = key
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .map(str::trim);
    match inner {
        Some(inner) if !inner.is_empty() => Ok(format!("{upper} ({inner})")),
        _ => Err(Diagnostic::new(
            span,
            format!("`partition_by` needs the partition key in parentheses after `{upper}`"),
        )
        .with_help(format!("write `partition_by = \"{upper} (column)\"`"))),
    }
}

/// `bounds = "…"`: `DEFAULT` or `FOR VALUES …`, as written (trimmed).
pub(super) fn read_bounds(text: &str, span: Span) -> Result<String, Diagnostic> {
    let trimmed = text.trim();
    let words: Vec<String> = trimmed
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    let is_default = words == ["DEFAULT"];
    let is_for_values = words.first().is_some_and(|word| word == "FOR")
        && words.get(1).is_some_and(|word| word.starts_with("VALUES"))
        && trimmed.len() > "FOR VALUES".len();
    if is_default || is_for_values {
        return Ok(trimmed.to_string());
    }
    Err(Diagnostic::new(span, format!("malformed partition bound `{trimmed}`"))
        .with_label("expected `DEFAULT` or `FOR VALUES …`")
        .with_help(
            "write the bound as PostgreSQL prints it: `FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`, \
             `FOR VALUES IN ('eu', 'us')`, `FOR VALUES WITH (MODULUS 4, REMAINDER 0)` or `DEFAULT`",
        ))
}

/// `partition_of = "events"` or `"schema.events"`: the schema (if given)
/// and the table.
pub(super) fn read_partition_of(
    text: &str,
    span: Span,
) -> Result<(Option<String>, String), Diagnostic> {
    // Names are taken as written (`user name`, `Order`); only the dot
    // separates the schema from the table.
    let parts: Vec<&str> = text.split('.').collect();
    let plain = |part: &str| !part.trim().is_empty() && part.trim() == part;
    match parts.as_slice() {
        [table] if plain(table) => Ok((None, table.to_string())),
        [schema, table] if plain(schema) && plain(table) => {
            Ok((Some(schema.to_string()), table.to_string()))
        }
        _ => Err(
            Diagnostic::new(span, format!("malformed `partition_of = \"{text}\"`"))
                .with_label("expected `table` or `schema.table`")
                .with_help("name the partitioned table: `partition_of = \"events\"`"),
        ),
    }
}
