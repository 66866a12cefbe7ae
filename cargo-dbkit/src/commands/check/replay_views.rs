//! Views in `check --replay` (and `--database-url`): the snapshot's view
//! queries printed by the database itself, and the struct of a view whose
//! fields disagree with its query's columns.
//!
//! A snapshot keeps a view's query as the code wrote it, and PostgreSQL
//! prints it its own way, so before the comparison the snapshot's queries
//! are put through the replayed (or checked) database with
//! [`dbkit_introspect::canonicalize_view_queries`]: a temporary view per
//! query, in a transaction that is rolled back. For `--database-url`, whose
//! sessions start read-only, that transaction is opened `READ WRITE`: the
//! temporary view is in the session's own temporary schema and the
//! transaction never commits, so the database checked is left as it was
//! (no row, no object, nothing another session can see); a server that
//! refuses it (a hot standby) leaves the queries as written, and a view
//! whose query PostgreSQL prints otherwise is then reported as changed.
//!
//! A struct's fields are the columns its view's query must produce, in
//! order, name and type; PostgreSQL only knows the query. When the
//! replayed view's columns (`pg_attribute`) are not the struct's, the
//! finding names both sides, the field and the query's column at its
//! place, and points at the struct in the code when the code still
//! declares that view.

use super::{Finding, FindingKind};
use crate::workspace::discovery::{Workspace, schema_source_files};
use crate::workspace::schema_loading::load_code_schema;
use dbkit_core::compare::{Difference, DifferenceChange};
use dbkit_core::model::{Schema, View};
use sqlx::PgPool;

/// `schema`'s views with their queries as the database behind `pool`
/// prints them; `None` when the database cannot be asked (the views are
/// then compared as written).
pub(crate) async fn printed_views(pool: &PgPool, schema: &Schema) -> Option<Vec<View>> {
    if schema.views.is_empty() {
        return None;
    }
    let mut connection = pool.acquire().await.ok()?;
    let printed =
        dbkit_introspect::canonicalize_view_queries(&mut connection, schema.clone()).await;
    printed.ok().map(|schema| schema.views)
}

/// Whether `difference` is about a view's columns against its struct.
pub(crate) fn is_view_column(difference: &Difference) -> bool {
    difference.kind == "view column"
}

/// The finding for a view column that is not the struct's field at its
/// place, at the struct in the code when the code declares the view.
pub(crate) fn view_column_finding(
    workspace: &Workspace,
    code: &mut Option<Option<Schema>>,
    expected: &Schema,
    difference: &Difference,
    rule: &str,
) -> Option<Finding> {
    let DifferenceChange::Field {
        expected: field,
        found: column,
        ..
    } = &difference.change
    else {
        return None;
    };
    let view = expected
        .views
        .iter()
        .find(|view| difference.name.starts_with(&format!("{}.", view.name)))?;
    let code = code.get_or_insert_with(|| {
        let files = schema_source_files(workspace).ok()?;
        load_code_schema(&files, None, &workspace.extensions)
            .ok()
            .map(|code| code.schema)
    });
    let declared = code
        .as_ref()
        .and_then(|code| code.views.iter().find(|v| v.name == view.name));
    let kind = if view.materialized {
        "materialized view"
    } else {
        "view"
    };
    let message = format!(
        "the fields of the struct of {kind} `{}` are not its query's columns: the struct has {}, the query has {}",
        view.name,
        side("field", field),
        side("column", column)
    );
    let mut finding = Finding::error(FindingKind::Replay, rule, message)
        .with_note(format!(
            "the migrations created the {kind}, and PostgreSQL gives it the columns of its query, in order; the struct declares {}",
            view.columns
                .iter()
                .map(|c| format!("`{}` {}", c.name, dbkit_core::render::render_type(&c.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_help(
            "make the struct's fields the query's columns (name, type and order), or change the query, then run `cargo dbkit generate`",
        );
    if let Some(source) = declared.and_then(|view| view.source.as_ref()) {
        finding = finding
            .in_file(source.file.clone())
            .at(source.line, source.column);
    }
    Some(finding)
}

fn side(what: &str, value: &str) -> String {
    if value == "no column" {
        format!("no {what} there")
    } else {
        format!("the {what} {value}")
    }
}
