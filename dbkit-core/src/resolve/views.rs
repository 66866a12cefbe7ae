//! Views in the workspace: the types of their fields (an enum of the
//! workspace, named by its Rust name or by `sql_type`), and their names,
//! which no other view, table or enum may have (PostgreSQL keeps views and
//! tables in one namespace and gives each a type of its name).

use super::{Context, location_key};
use crate::model::{ColumnType, QualifiedName, View, ViewColumn};
use crate::parse::{SchemaError, ViewDeclaration};
use std::collections::HashMap;

/// The resolved column types of each view, `None` for a view that cannot
/// be kept (its errors pushed onto `errors`).
pub(super) fn resolve_view_types(
    views: &[ViewDeclaration],
    context: &Context<'_>,
    errors: &mut Vec<SchemaError>,
) -> Vec<Option<Vec<ColumnType>>> {
    let mut first_of_name: HashMap<&QualifiedName, &ViewDeclaration> = HashMap::new();
    let mut resolved = Vec::with_capacity(views.len());
    for view in views {
        if let Some(error) = name_conflict(view, context, &first_of_name) {
            errors.push(error);
            resolved.push(None);
            continue;
        }
        first_of_name.insert(&view.name, view);
        let mut types = Vec::with_capacity(view.columns.len());
        let mut failed = false;
        for column in &view.columns {
            match context.resolve_declared_type(&view.name.schema, &column.ty, &column.type_place) {
                Ok(ty) => types.push(ty),
                Err(error) => {
                    errors.push(*error);
                    failed = true;
                }
            }
        }
        resolved.push((!failed).then_some(types));
    }
    resolved
}

fn name_conflict(
    view: &ViewDeclaration,
    context: &Context<'_>,
    views: &HashMap<&QualifiedName, &ViewDeclaration>,
) -> Option<SchemaError> {
    let (what, other) = if let Some(first) = views.get(&view.name) {
        ("another view", &first.place)
    } else if let Some(table) = context.tables_by_name.get(&view.name) {
        ("a table", &table.place)
    } else if let Some(enum_declaration) = context.enums_by_name.get(&view.name) {
        ("an enum", &enum_declaration.place)
    } else {
        return None;
    };
    // The later declaration is the one blamed.
    let (blamed, related) = if location_key(&other.location) <= location_key(&view.place.location) {
        (&view.place, other)
    } else {
        (other, &view.place)
    };
    Some(
        SchemaError::at(
            blamed,
            format!("the view `{}` has the name of {what}", view.name),
        )
        .with_label("declared again here")
        .with_related(related.location.clone(), "first declared here")
        .with_help(
            "views, tables and types share one namespace: give one of them another name or `schema`",
        ),
    )
}

/// The model view, moving the declaration's parts into it.
pub(super) fn build_view(view: ViewDeclaration, types: Vec<ColumnType>) -> View {
    let columns = view
        .columns
        .into_iter()
        .zip(types)
        .map(|(column, ty)| ViewColumn::new(column.name, ty))
        .collect();
    View {
        materialized: view.materialized,
        columns,
        with_no_data: view.with_no_data,
        indexes: view.indexes,
        comment: view.comment,
        source: Some(view.place.location),
        ..View::new(view.name, view.query)
    }
}
