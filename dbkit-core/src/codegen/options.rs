//! The DSL spelling of the options of tables, constraints and indexes:
//! `deferrable`, `initially_deferred`, `not_valid`, key columns with their
//! options (`created_at(desc, nulls_last)`), `include(…)`, `with = "…"`
//! and `exclude(…)`, as the parser reads them back.

use super::layout::{Meta, string_literal};
use crate::model::{Deferral, Exclusion, KeyOptions, NullsOrder};

/// `deferrable`, or `deferrable, initially_deferred`; nothing for the
/// default.
pub(super) fn deferral_words(deferral: Deferral) -> Vec<Meta> {
    match deferral {
        Deferral::NotDeferrable => Vec::new(),
        Deferral::Immediate => vec![Meta::word("deferrable")],
        Deferral::Deferred => vec![Meta::word("deferrable"), Meta::word("initially_deferred")],
    }
}

/// `not_valid` when set.
pub(super) fn not_valid_word(not_valid: bool) -> Option<Meta> {
    not_valid.then(|| Meta::word("not_valid"))
}

/// `columns(a, b(desc), c(opclass = "text_pattern_ops"))`, each column
/// written by `column_word`.
pub(super) fn key_columns_meta(
    columns: &[String],
    key_options: &[KeyOptions],
    column_word: impl Fn(&str) -> String,
) -> Meta {
    let items = columns
        .iter()
        .enumerate()
        .map(|(position, column)| {
            let word = column_word(column);
            let options = key_options
                .get(position)
                .map(option_texts)
                .unwrap_or_default();
            if options.is_empty() {
                Meta::word(word)
            } else {
                Meta::word(format!("{word}({})", options.join(", ")))
            }
        })
        .collect();
    Meta::List("columns", items)
}

fn option_texts(options: &KeyOptions) -> Vec<String> {
    let mut texts = Vec::new();
    if options.descending {
        texts.push("desc".to_string());
    }
    match options.nulls {
        Some(NullsOrder::First) => texts.push("nulls_first".to_string()),
        Some(NullsOrder::Last) => texts.push("nulls_last".to_string()),
        None => {}
    }
    if let Some(opclass) = &options.opclass {
        texts.push(format!("opclass = {}", string_literal(opclass)));
    }
    if let Some(collation) = &options.collation {
        texts.push(format!("collate = {}", string_literal(collation)));
    }
    texts
}

/// `with = "fillfactor=70, autovacuum_enabled=off"`, or nothing.
pub(super) fn storage_meta(parameters: &[String]) -> Option<Meta> {
    (!parameters.is_empty()).then(|| Meta::text("with", parameters.join(", ")))
}

/// `exclude(name = "…", using = "gist", elements = "…", where = "…", deferrable)`.
pub(super) fn exclusion_meta(exclusion: &Exclusion) -> Meta {
    let mut items = vec![Meta::text("name", exclusion.name.clone())];
    let method = exclusion.method.trim().to_lowercase();
    if !method.is_empty() && method != "btree" {
        items.push(Meta::text("using", method));
    }
    items.push(Meta::text("elements", exclusion.elements.clone()));
    if let Some(predicate) = &exclusion.predicate {
        items.push(Meta::text("where", predicate.clone()));
    }
    items.extend(deferral_words(exclusion.deferrable));
    Meta::List("exclude", items)
}
