//! Random views over the random tables: a view (or a materialized view,
//! with a unique index on its first column now and then) that selects some
//! of one table's columns, and now and then a view over that view. Only
//! [`super::arbitrary_schema`] adds them: the schema pairs rename tables
//! and columns, which would leave a view's query naming what is gone.

use super::{Choices, taken_relation_names};
use crate::model::{Index, IndexKey, QualifiedName, Schema, View, ViewColumn};
use crate::sql_text::{quote_identifier, quote_qualified};

/// Adds up to two views (and a view over the first) to `schema`.
pub(super) fn add_random_views(schema: &mut Schema, choices: &mut Choices) {
    let count = choices.below(3);
    for number in 0..count {
        let Some(table) = choices.pick(&schema.tables).cloned() else {
            return;
        };
        if table.columns.is_empty() {
            continue;
        }
        let taken = taken_relation_names(&[schema], &table.name.schema);
        let name = format!("view_{number}");
        if taken.contains(&name) || schema.views.iter().any(|v| v.name.name == name) {
            continue;
        }
        let width = 1 + choices.below(table.columns.len());
        let columns: Vec<ViewColumn> = table.columns[..width]
            .iter()
            .map(|column| ViewColumn::new(column.name.clone(), column.ty.clone()))
            .collect();
        let list: Vec<String> = columns.iter().map(|c| quote_identifier(&c.name)).collect();
        let qualified = QualifiedName::new(table.name.schema.clone(), name);
        let mut view = View {
            columns,
            comment: choices.chance(30).then(|| format!("View {number}.")),
            ..View::new(
                qualified.clone(),
                format!(
                    "SELECT {} FROM {}",
                    list.join(", "),
                    quote_qualified(&table.name)
                ),
            )
        };
        if choices.chance(30) {
            view.materialized = true;
            let index_name = format!("view_{number}_first_idx");
            if choices.chance(50) && !taken.contains(&index_name) {
                view.indexes.push(Index::new(
                    index_name,
                    IndexKey::Columns(vec![view.columns[0].name.clone()]),
                ));
            }
        }
        let over = (choices.chance(40) && !view.materialized).then(|| View {
            columns: view.columns[..1].to_vec(),
            ..View::new(
                QualifiedName::new(qualified.schema.clone(), format!("view_{number}_over")),
                format!(
                    "SELECT {} FROM {}",
                    quote_identifier(&view.columns[0].name),
                    quote_qualified(&qualified)
                ),
            )
        });
        schema.views.push(view);
        if let Some(over) = over
            && !taken.contains(&over.name.name)
        {
            schema.views.push(over);
        }
    }
    schema.canonicalize();
}
