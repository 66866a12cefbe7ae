//! Views and materialized views: `#[derive(View)]` structs, whose fields
//! are the row type, and the views `pull` reads.
//!
//! **The query** is kept as written in the code (or as `pg_get_viewdef`
//! prints it, for a view read from a database). The differ compares two
//! queries token by token (`sql_tokens::normalize_sql`); code and database
//! are compared after the code's query has been printed by PostgreSQL
//! itself (`dbkit_introspect::canonicalize_view_queries`), because
//! `pg_get_viewdef` qualifies columns, adds casts and parentheses.
//!
//! **The columns** are the struct's fields: name and type, in order. A
//! view cannot enforce `NOT NULL` (PostgreSQL reports every view column as
//! nullable), so an `Option` field and a plain one declare the same column
//! and nullability is not part of the model.

use super::{ColumnType, Index, QualifiedName, SourceLocation};
use serde::{Deserialize, Serialize};

/// A view or a materialized view: a struct that is also its row type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: QualifiedName,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// The struct's fields: the columns the query must produce, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ViewColumn>,
    /// The `SELECT`, as written.
    pub query: String,
    /// A materialized view created `WITH NO DATA`: empty until the first
    /// `REFRESH MATERIALIZED VIEW`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub with_no_data: bool,
    /// Indexes of a materialized view, created after it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl View {
    /// A plain view with no columns declared, no indexes and no comment.
    pub fn new(name: QualifiedName, query: impl Into<String>) -> Self {
        View {
            name,
            materialized: false,
            columns: Vec::new(),
            query: query.into(),
            with_no_data: false,
            indexes: Vec::new(),
            comment: None,
            source: None,
        }
    }

    /// `VIEW` or `MATERIALIZED VIEW`, as SQL names the kind.
    pub fn kind_sql(&self) -> &'static str {
        if self.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        }
    }
}

/// A column of a view's row type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
}

impl ViewColumn {
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        ViewColumn {
            name: name.into(),
            ty,
        }
    }
}
