//! The options of constraints and indexes as the catalog rows give them,
//! turned into the model's forms: deferral and validity of constraints,
//! exclusion constraints, and the per-key options of indexes.
//!
//! A column index keeps its key options in the model's field, one per key
//! (none when no key has one). An index with an expression keeps them in
//! its key text, written the way `pg_get_indexdef` writes them (`lower(email)
//! COLLATE "C" text_pattern_ops DESC NULLS LAST`), which is how the DSL's
//! `expr` declares them.

use dbkit_core::model::{Deferral, Exclusion, IndexKey, KeyOptions, NullsOrder};

/// `condeferrable`/`condeferred` and `convalidated` of one constraint.
pub(crate) struct ConstraintOptions {
    pub deferrable: Deferral,
    pub not_valid: bool,
}

/// The per-key columns of the index query, one element per key column.
pub(crate) struct IndexKeyOptions {
    pub descending: Vec<bool>,
    pub nulls_first: Vec<bool>,
    /// The operator class when it is not its type's default.
    pub opclasses: Vec<Option<String>>,
    /// The collation when it is not the column's (or expression type's).
    pub collations: Vec<Option<String>>,
}

impl IndexKeyOptions {
    fn of_key(&self, position: usize) -> KeyOptions {
        let descending = self.descending.get(position).copied().unwrap_or(false);
        let nulls_first = self
            .nulls_first
            .get(position)
            .copied()
            .unwrap_or(descending);
        KeyOptions::new(
            descending,
            Some(if nulls_first {
                NullsOrder::First
            } else {
                NullsOrder::Last
            }),
            self.opclasses.get(position).cloned().flatten(),
            self.collations.get(position).cloned().flatten(),
        )
    }
}

/// The key of an index and the options of its key columns: a column index
/// with one [`KeyOptions`] per column, or an expression index whose texts
/// carry their options.
pub(crate) fn index_key(
    columns: Vec<String>,
    key_texts: Option<Vec<String>>,
    options: IndexKeyOptions,
) -> (IndexKey, Vec<KeyOptions>) {
    match key_texts {
        Some(texts) => {
            let keys: Vec<String> = texts
                .into_iter()
                .enumerate()
                .map(|(position, text)| {
                    format!("{text}{}", printed_options(&options.of_key(position)))
                })
                .collect();
            (IndexKey::Expression(keys.join(", ")), Vec::new())
        }
        None => {
            let key_options = (0..columns.len())
                .map(|position| options.of_key(position))
                .collect();
            (IndexKey::Columns(columns), key_options)
        }
    }
}

/// The options after a key as `pg_get_indexdef` prints them.
fn printed_options(options: &KeyOptions) -> String {
    let mut text = String::new();
    if let Some(collation) = &options.collation {
        text.push_str(" COLLATE ");
        text.push_str(&printed_identifier(collation));
    }
    if let Some(opclass) = &options.opclass {
        let parts: Vec<String> = opclass.split('.').map(printed_identifier).collect();
        text.push(' ');
        text.push_str(&parts.join("."));
    }
    if options.descending {
        text.push_str(" DESC");
    }
    match options.nulls {
        Some(NullsOrder::First) => text.push_str(" NULLS FIRST"),
        Some(NullsOrder::Last) => text.push_str(" NULLS LAST"),
        None => {}
    }
    text
}

/// A name as PostgreSQL's `quote_identifier` prints it: bare when it is
/// lowercase letters, digits and `_` not starting with a digit, quoted
/// otherwise (keywords aside, which no operator class or collation of a
/// stock server is named).
fn printed_identifier(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// An exclusion constraint from its row of the constraint query.
pub(crate) fn exclusion_from_row(
    name: String,
    method: Option<String>,
    elements: Option<String>,
    predicate: Option<String>,
    deferrable: Deferral,
) -> Exclusion {
    Exclusion::new(
        name,
        method.unwrap_or_else(|| "btree".to_string()),
        elements.unwrap_or_default(),
    )
    .with_predicate(predicate)
    .with_deferrable(deferrable)
}
