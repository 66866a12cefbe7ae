//! What counts as a change of a view, and which changes PostgreSQL makes
//! in place (the view arms of `diff/objects.rs`).
//!
//! A view changes when its query does (token by token: layout, comments
//! and the case of unquoted words are no change), or its columns, indexes
//! or comment. `with_no_data` only says how the view is first created, so
//! it alone is no change. In place: `CREATE OR REPLACE VIEW` for a plain
//! view whose columns stay, by name and type and in order, with others
//! appended; indexes and comment of either kind by themselves. Anything
//! else (a materialized view's query or columns, a view's columns removed,
//! renamed, retyped or reordered) drops the view and creates it again.

use crate::model::View;
use crate::sql_tokens::normalize_sql;

/// `view` with what is no change forgotten and its SQL normalised.
pub(crate) fn comparable(view: &mut View) {
    view.source = None;
    view.with_no_data = false;
    view.query = normalized_query(&view.query);
    for index in &mut view.indexes {
        if let crate::model::IndexKey::Expression(expression) = &mut index.key {
            *expression = normalize_sql(expression);
        }
        index.predicate = index.predicate.as_deref().map(normalize_sql);
    }
}

/// Whether the two queries are the same but for layout, comments and case.
pub(crate) fn same_query(old: &View, new: &View) -> bool {
    normalized_query(&old.query) == normalized_query(&new.query)
}

/// The query's tokens, without the `;` that may end it.
pub(crate) fn normalized_query(query: &str) -> String {
    let normalized = normalize_sql(query);
    normalized.trim_end_matches(';').trim_end().to_string()
}

/// Whether PostgreSQL can turn `old` into `new` without dropping it.
pub(crate) fn replaceable(old: &View, new: &View) -> bool {
    if old.materialized != new.materialized {
        return false;
    }
    if same_query(old, new) && old.columns == new.columns {
        return true;
    }
    !new.materialized && !old.columns.is_empty() && new.columns.starts_with(&old.columns)
}
