//! What one `#[derive(Sequence)]`, `#[derive(Domain)]` or
//! `#[derive(CompositeType)]` item declares, before the workspace is
//! resolved.
//!
//! A sequence and a domain know everything about themselves (a domain's
//! base type is given by `sql_type` or mapped from its one field); a
//! composite type's attributes may name enums, domains or other composite
//! types by their Rust names, which [`crate::resolve`] looks up as it does
//! for the fields of a table.

use super::declaration::{DeclaredType, SourcePlace};
use crate::model::{Check, ColumnType, QualifiedName};
use serde::{Deserialize, Serialize};

/// A `#[derive(Sequence)]` unit struct, with PostgreSQL's defaults filled
/// in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceDeclaration {
    pub rust_name: String,
    pub name: QualifiedName,
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
    pub cache: i64,
    pub place: SourcePlace,
}

/// A `#[derive(Domain)]` newtype.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainDeclaration {
    /// The newtype's name (`Email`), which field types refer to.
    pub rust_name: String,
    pub name: QualifiedName,
    pub ty: ColumnType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_null: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    pub place: SourcePlace,
}

/// A `#[derive(CompositeType)]` struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeTypeDeclaration {
    /// The struct's name (`Address`), which field types refer to.
    pub rust_name: String,
    pub name: QualifiedName,
    /// In declaration order, skipped fields left out.
    pub attributes: Vec<AttributeDeclaration>,
    pub place: SourcePlace,
}

/// A field of a composite type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDeclaration {
    /// The field's name without `r#`.
    pub field_name: String,
    pub name: String,
    pub ty: DeclaredType,
    /// The field's type, or the `sql_type` value when there is one.
    pub type_place: SourcePlace,
}
