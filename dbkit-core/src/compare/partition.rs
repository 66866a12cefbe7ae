//! `PARTITION BY` and partition bounds in canonical form.
//!
//! PostgreSQL prints a partition key with `pg_get_partkeydef`
//! (`RANGE (created_at)`, `LIST (lower(region))`) and a bound with
//! `pg_get_expr(relpartbound, oid)` (`FOR VALUES FROM ('2026-01-01') TO
//! ('2027-01-01')`, `FOR VALUES IN ('eu', 'us')`, `FOR VALUES WITH (modulus
//! 4, remainder 0)`, `DEFAULT`). Both are read here as words and
//! parenthesised lists: the words lowercased, each list's items as the
//! canonical expressions of the `expression` module (casts dropped, so
//! `'2026-01-01'::date` is `'2026-01-01'`). A literal is compared as
//! written: PostgreSQL prints a `timestamptz` bound in the server's time
//! zone (`'2026-01-01 00:00:00+00'`), which no text alone can know.

use super::expression::{
    KeyList, canonical_key_list, normalize_expression_list, normalize_unparsed,
};

/// `range(created_at)` → `range (created_at)`.
pub(crate) fn canonical_partition_by(text: &str) -> String {
    let text = text.trim();
    let Some(open) = text.find('(') else {
        return normalize_unparsed(text);
    };
    let strategy = text[..open].trim().to_lowercase();
    let Some(inner) = text[open + 1..].trim_end().strip_suffix(')') else {
        return normalize_unparsed(text);
    };
    let keys = match canonical_key_list(inner) {
        KeyList::Columns(columns) => columns.join(", "),
        KeyList::Expressions(text) => text,
    };
    format!("{strategy} ({keys})")
}

/// `FOR VALUES FROM ('a') TO ('b')`: the words outside parentheses
/// lowercased, each top-level parenthesised list canonical.
pub(super) fn canonical_bounds(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut words = String::new();
    let mut characters = text.trim().char_indices().peekable();
    let text = text.trim();
    while let Some((start, character)) = characters.next() {
        if character != '(' {
            words.push(character);
            continue;
        }
        let Some(end) = closing_parenthesis(text, start) else {
            return normalize_unparsed(text);
        };
        push_words(&mut parts, &words);
        words.clear();
        parts.push(format!(
            "({})",
            normalize_expression_list(&text[start + 1..end])
        ));
        while characters.peek().is_some_and(|(index, _)| *index <= end) {
            characters.next();
        }
    }
    push_words(&mut parts, &words);
    parts.join(" ")
}

fn push_words(parts: &mut Vec<String>, words: &str) {
    let words = normalize_unparsed(words);
    if !words.is_empty() {
        parts.push(words);
    }
}

/// The byte index of the `)` that closes the `(` at `open`, outside quotes.
fn closing_parenthesis(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (index, character) in text[open..].char_indices() {
        match quote {
            Some(open_quote) if character == open_quote => quote = None,
            Some(_) => {}
            None => match character {
                '\'' | '"' => quote = Some(character),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(open + index);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{canonical_bounds, canonical_partition_by};

    #[test]
    fn partition_keys_as_written_and_as_printed_are_equal() {
        assert_eq!(
            canonical_partition_by("range(created_at)"),
            canonical_partition_by("RANGE (created_at)")
        );
        assert_eq!(
            canonical_partition_by("LIST (lower(region))"),
            canonical_partition_by("list (lower((region)::text))")
        );
        assert_ne!(
            canonical_partition_by("RANGE (a)"),
            canonical_partition_by("LIST (a)")
        );
    }

    #[test]
    fn bounds_as_written_and_as_printed_are_equal() {
        for (written, printed) in [
            (
                "for values from ('2026-01-01'::date) to ('2027-01-01')",
                "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
            ),
            ("FOR VALUES IN ('eu','us')", "FOR VALUES IN ('eu', 'us')"),
            (
                "FOR VALUES WITH (MODULUS 4, REMAINDER 0)",
                "FOR VALUES WITH (modulus 4, remainder 0)",
            ),
            (
                "FOR VALUES FROM (MINVALUE) TO (10)",
                "FOR VALUES FROM (MINVALUE) TO (10)",
            ),
            ("default", "DEFAULT"),
        ] {
            assert_eq!(
                canonical_bounds(written),
                canonical_bounds(printed),
                "{written}"
            );
        }
        assert_ne!(
            canonical_bounds("FOR VALUES IN ('EU')"),
            canonical_bounds("FOR VALUES IN ('eu')")
        );
        assert_ne!(
            canonical_bounds("FOR VALUES FROM (1) TO (10)"),
            canonical_bounds("FOR VALUES FROM (1) TO (11)")
        );
    }
}
