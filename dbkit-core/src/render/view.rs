//! The SQL of views and materialized views.
//!
//! A view is created with its query as written, then (for a materialized
//! view) its indexes and then its comment, so that dropping and creating it
//! again, which the differ does for any change it cannot make in place,
//! brings all of it back. In place (`ReplaceObject`) a view gets `CREATE OR
//! REPLACE VIEW` when its query changes and only appends columns, and
//! either kind gets its indexes dropped and created and its comment set
//! when only those change (`diff/views.rs` decides which).

use super::{render_comment, render_create_index};
use crate::model::{Index, View};
use crate::sql_text::{quote_identifier, quote_qualified};

/// `CREATE [MATERIALIZED] VIEW … AS …`, its indexes and its comment.
pub(super) fn create_view(view: &View) -> Vec<String> {
    let no_data = if view.materialized && view.with_no_data {
        "\nWITH NO DATA"
    } else {
        ""
    };
    let mut statements = vec![format!(
        "CREATE {} {} AS\n{}{no_data};",
        view.kind_sql(),
        quote_qualified(&view.name),
        query_text(&view.query)
    )];
    statements.extend(
        view.indexes
            .iter()
            .map(|index| render_create_index(&view.name, index)),
    );
    if view.comment.is_some() {
        statements.push(comment_on_view(view));
    }
    statements
}

pub(super) fn drop_view(view: &View) -> Vec<String> {
    vec![format!(
        "DROP {} {};",
        view.kind_sql(),
        quote_qualified(&view.name)
    )]
}

/// `old` turned into `new` without dropping it.
pub(super) fn replace_view(old: &View, new: &View) -> Vec<String> {
    let mut statements = Vec::new();
    if !crate::diff::views::same_query(old, new) {
        statements.push(format!(
            "CREATE OR REPLACE VIEW {} AS\n{};",
            quote_qualified(&new.name),
            query_text(&new.query)
        ));
    }
    for index in &old.indexes {
        if !new.indexes.contains(index) {
            statements.push(drop_index(new, index));
        }
    }
    for index in &new.indexes {
        if !old.indexes.contains(index) {
            statements.push(render_create_index(&new.name, index));
        }
    }
    if old.comment != new.comment {
        statements.push(comment_on_view(new));
    }
    statements
}

fn drop_index(view: &View, index: &Index) -> String {
    format!(
        "DROP INDEX {}.{};",
        quote_identifier(&view.name.schema),
        quote_identifier(&index.name)
    )
}

fn comment_on_view(view: &View) -> String {
    format!(
        "COMMENT ON {} {} IS {};",
        view.kind_sql(),
        quote_qualified(&view.name),
        render_comment(&view.comment)
    )
}

/// The query without its trailing `;`, ready for the statement's own; on a
/// line of its own after a `--` comment, which would hide it.
fn query_text(query: &str) -> String {
    let trimmed = query.trim().trim_end_matches(';').trim_end();
    let last_line = trimmed.rsplit('\n').next().unwrap_or(trimmed);
    if last_line.contains("--") {
        format!("{trimmed}\n")
    } else {
        trimmed.to_string()
    }
}
