//! Views and materialized views: read from the catalog, and the code's
//! queries put into PostgreSQL's own form.
//!
//! **Reading.** A view's query is `pg_get_viewdef` (pretty-printed), its
//! columns are read by the tables' column query (`pg_attribute` with
//! `format_type`, enums by name) and a materialized view's indexes by the
//! tables' index query, each limited to views instead of tables; so a
//! view's columns and indexes are read exactly as a table's are. A
//! materialized view that has not been populated is `with_no_data`. Views
//! that belong to an extension are left out.
//!
//! **Canonical queries.** PostgreSQL stores a view's query as a tree and
//! prints it its own way (columns qualified, casts and parentheses added),
//! so the text written in the code never equals what the database shows.
//! [`canonicalize_view_queries`] asks PostgreSQL: each code query becomes a
//! temporary view, whose `pg_get_viewdef` replaces the text, inside a
//! transaction that is always rolled back. The temporary view lives in the
//! session's own temporary schema and the transaction commits nothing, so
//! nothing of the database changes and no other session sees anything; it
//! still needs a transaction that may write (`BEGIN READ WRITE`, which a
//! session started read-only allows, but a hot standby does not). A query
//! PostgreSQL refuses (it names something the database lacks) is kept as
//! written, and the comparison then reports the view as different.

use crate::IntrospectError;
use crate::catalog::{
    COLUMNS_QUERY, ColumnRow, INDEXES_QUERY, IndexRow, column_from_row, fetch_rows, index_from_row,
    query_error,
};
use dbkit_core::model::{Schema, View, ViewColumn};
use sqlx::PgConnection;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Views and materialized views, with their query as PostgreSQL prints it.
const VIEWS_QUERY: &str = r#"
SELECT c.oid::int8,
       n.nspname::text,
       c.relname::text,
       (c.relkind = 'm') AS materialized,
       pg_get_viewdef(c.oid, true),
       c.relispopulated,
       description.description
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description description
  ON description.objoid = c.oid AND description.classoid = 'pg_catalog.pg_class'::regclass
 AND description.objsubid = 0
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')"#;

/// The tables' condition, which the views' queries replace.
const TABLE_KINDS: &str = "c.relkind IN ('r', 'p') AND NOT c.relispartition";

/// The columns of views, read as the tables' are.
static VIEW_COLUMNS_QUERY: LazyLock<String> =
    LazyLock::new(|| COLUMNS_QUERY.replace(TABLE_KINDS, "c.relkind IN ('v', 'm')"));

/// The indexes of materialized views, read as the tables' are.
static VIEW_INDEXES_QUERY: LazyLock<String> =
    LazyLock::new(|| INDEXES_QUERY.replace(TABLE_KINDS, "c.relkind = 'm'"));

type ViewRow = (
    i64,
    String,
    String,
    bool,
    Option<String>,
    bool,
    Option<String>,
);

/// The views of the schemas `schema_names`, sorted by name.
pub(crate) async fn introspect_views(
    connection: &mut PgConnection,
    schema_names: &[String],
) -> Result<Vec<View>, IntrospectError> {
    let rows: Vec<ViewRow> = fetch_rows(connection, VIEWS_QUERY, schema_names, "views").await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut views: BTreeMap<i64, View> = rows.into_iter().map(view_from_row).collect();
    let mut columns: Vec<ColumnRow> = fetch_rows(
        connection,
        VIEW_COLUMNS_QUERY.as_str(),
        schema_names,
        "view columns",
    )
    .await?;
    columns.sort_unstable_by_key(|row| (row.0, row.1));
    for row in columns {
        let oid = row.0;
        let column = column_from_row(row)?;
        if let Some(view) = views.get_mut(&oid) {
            view.columns.push(ViewColumn::new(column.name, column.ty));
        }
    }
    let indexes: Vec<IndexRow> = fetch_rows(
        connection,
        VIEW_INDEXES_QUERY.as_str(),
        schema_names,
        "view indexes",
    )
    .await?;
    for row in indexes {
        let oid = row.0;
        if let Some(view) = views.get_mut(&oid) {
            view.indexes.push(index_from_row(row));
        }
    }
    let mut views: Vec<View> = views.into_values().collect();
    for view in &mut views {
        view.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    views.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(views)
}

fn view_from_row(row: ViewRow) -> (i64, View) {
    let (oid, schema, name, materialized, query, populated, comment) = row;
    let view = View {
        materialized,
        with_no_data: materialized && !populated,
        comment,
        ..View::new(
            dbkit_core::model::QualifiedName::new(schema, name),
            query.unwrap_or_default(),
        )
    };
    (oid, view)
}

/// The name of the temporary view each query is printed through (also
/// written out in `printed_query`'s `SELECT`).
const PROBE_VIEW: &str = "dbkit_canonical_view_query";

/// `schema` with every view's query replaced by what PostgreSQL stores for
/// it (`pg_get_viewdef` of a temporary view made of it), on `connection`,
/// in a transaction rolled back at the end (see the module documentation).
/// A query that PostgreSQL refuses is kept as written.
pub async fn canonicalize_view_queries(
    connection: &mut PgConnection,
    mut schema: Schema,
) -> Result<Schema, IntrospectError> {
    if schema.views.is_empty() {
        return Ok(schema);
    }
    sqlx::raw_sql("BEGIN READ WRITE")
        .execute(&mut *connection)
        .await
        .map_err(query_error("transaction for the view queries"))?;
    let mut outcome = Ok(());
    for view in &mut schema.views {
        match printed_query(connection, &view.query).await {
            Ok(Some(printed)) => view.query = printed,
            Ok(None) => {}
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    let rolled_back = sqlx::raw_sql("ROLLBACK")
        .execute(&mut *connection)
        .await
        .map_err(query_error("transaction for the view queries"));
    outcome?;
    rolled_back?;
    Ok(schema)
}

/// `query` as PostgreSQL prints it, or `None` when it refuses it.
async fn printed_query(
    connection: &mut PgConnection,
    query: &str,
) -> Result<Option<String>, IntrospectError> {
    let error = query_error("view queries");
    sqlx::raw_sql("SAVEPOINT dbkit_view_query")
        .execute(&mut *connection)
        .await
        .map_err(query_error("view queries"))?;
    let body = query.trim().trim_end_matches(';');
    let create = format!("CREATE TEMPORARY VIEW {PROBE_VIEW} AS\n{body}\n");
    // The query is the schema's own SQL, run in a transaction that is
    // rolled back: what it may do is what the migration creating the view
    // would do.
    let printed = match sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut *connection)
        .await
    {
        Ok(_) => {
            let text: Option<String> = sqlx::query_scalar(
                "SELECT pg_get_viewdef('pg_temp.dbkit_canonical_view_query'::regclass, true)",
            )
            .fetch_one(&mut *connection)
            .await
            .map_err(error)?;
            text
        }
        Err(_) => None,
    };
    sqlx::raw_sql("ROLLBACK TO SAVEPOINT dbkit_view_query")
        .execute(&mut *connection)
        .await
        .map_err(query_error("view queries"))?;
    Ok(printed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_queries_are_limited_to_views() {
        assert_ne!(*VIEW_COLUMNS_QUERY, COLUMNS_QUERY);
        assert_ne!(*VIEW_INDEXES_QUERY, INDEXES_QUERY);
        assert!(!VIEW_COLUMNS_QUERY.contains("'r'"));
        assert!(!VIEW_INDEXES_QUERY.contains("'r'"));
    }
}
