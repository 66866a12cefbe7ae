//! Views in the comparison: canonical form and differences.
//!
//! A view's query is compared as PostgreSQL prints it: the caller puts the
//! code's queries through PostgreSQL first
//! (`dbkit_introspect::canonicalize_view_queries`), and here both texts
//! are only normalised token by token. Columns are compared by position,
//! name and type together, so that a struct field and the query's column
//! at its place are named side by side; nullability is not compared (a view
//! cannot enforce it), nor is `with_no_data` (a refresh fills the view).

use super::{
    Difference, DifferenceChange, Object, by_qualified_name, canonical_column_type,
    canonical_comment, canonicalize_index, compare_field, compare_named,
};
use crate::model::{View, ViewColumn};

pub(super) fn canonicalize_view(view: &mut View) {
    view.source = None;
    view.with_no_data = false;
    view.query = crate::diff::views::normalized_query(&view.query);
    canonical_comment(&mut view.comment);
    for column in &mut view.columns {
        column.ty = canonical_column_type(&column.ty);
    }
    for index in &mut view.indexes {
        canonicalize_index(index);
    }
    view.indexes.sort_by(|a, b| a.name.cmp(&b.name));
}

fn kind(view: &View) -> &'static str {
    if view.materialized {
        "materialized view"
    } else {
        "view"
    }
}

pub(super) fn compare_views(differences: &mut Vec<Difference>, expected: &[View], actual: &[View]) {
    let key = |view: &View| (view.name.to_string(), view.clone());
    let expected: std::collections::BTreeMap<String, View> = expected.iter().map(key).collect();
    let actual: std::collections::BTreeMap<String, View> = actual.iter().map(key).collect();
    compare_named(
        differences,
        "view",
        &expected,
        &actual,
        |d, object, e, a| {
            let object = Object {
                kind: kind(e),
                name: object.name.clone(),
            };
            compare_field(d, &object, "materialized", &e.materialized, &a.materialized);
            compare_field(d, &object, "query", &e.query, &a.query);
            compare_field(d, &object, "comment", &e.comment, &a.comment);
            compare_columns(d, e, a);
            let schema = &e.name.schema;
            compare_named(
                d,
                "index",
                &by_qualified_name(schema, &e.indexes, |index| &index.name),
                &by_qualified_name(schema, &a.indexes, |index| &index.name),
                |d, o, e, a| {
                    let mut e = (*e).clone();
                    let mut a = (*a).clone();
                    canonicalize_index(&mut e);
                    canonicalize_index(&mut a);
                    compare_field(d, o, "definition", &e, &a);
                },
            );
        },
    );
}

/// The declared columns (the struct's fields) against the query's, place
/// by place.
fn compare_columns(differences: &mut Vec<Difference>, expected: &View, actual: &View) {
    let count = expected.columns.len().max(actual.columns.len());
    for position in 0..count {
        let field = expected.columns.get(position);
        let column = actual.columns.get(position);
        if field == column {
            continue;
        }
        let name = field.or(column).map_or("", |c| c.name.as_str());
        differences.push(Difference {
            kind: "view column",
            name: format!("{}.{name}", expected.name),
            change: DifferenceChange::Field {
                field: "column (name and type)",
                expected: describe(field),
                found: describe(column),
            },
        });
    }
}

fn describe(column: Option<&ViewColumn>) -> String {
    match column {
        Some(column) => format!(
            "`{}` {}",
            column.name,
            crate::render::render_type(&column.ty)
        ),
        None => "no column".to_string(),
    }
}
