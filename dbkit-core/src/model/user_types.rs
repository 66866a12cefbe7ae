//! Sequences no column owns, domains and composite types: the schema
//! objects that stand beside tables and enums.
//!
//! Each is stored with every option PostgreSQL fills in spelled out (a
//! sequence's bounds, start and cache; a domain's checks by name), so that a
//! declared object and the same object read from the catalog are equal
//! without a table of defaults on the comparing side.

use super::{Check, ColumnType, QualifiedName, SourceLocation};
use serde::{Deserialize, Serialize};

/// `CREATE SEQUENCE`: a sequence that no column owns (serial and identity
/// columns keep theirs in [`super::Column`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualifiedName,
    /// `smallint`, `integer` or `bigint` (`AS …`).
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
    pub cache: i64,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Sequence {
    /// A `bigint` sequence with PostgreSQL's defaults: counting up by one
    /// from 1, no cycle, a cache of one.
    pub fn new(name: QualifiedName) -> Self {
        Sequence {
            name,
            data_type: "bigint".to_string(),
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            cycle: false,
            cache: 1,
            source: None,
        }
    }

    /// PostgreSQL's defaults for whatever is not given: the bounds of the
    /// type in the direction of `increment`, the start at the bound it
    /// counts from.
    pub fn with_defaults(
        name: QualifiedName,
        data_type: &str,
        increment: i64,
        min_value: Option<i64>,
        max_value: Option<i64>,
        start: Option<i64>,
    ) -> Self {
        let (type_min, type_max) = sequence_type_range(data_type).unwrap_or((i64::MIN, i64::MAX));
        let ascending = increment > 0;
        let min_value = min_value.unwrap_or(if ascending { 1 } else { type_min });
        let max_value = max_value.unwrap_or(if ascending { type_max } else { -1 });
        let start = start.unwrap_or(if ascending { min_value } else { max_value });
        Sequence {
            data_type: data_type.to_string(),
            start,
            increment,
            min_value,
            max_value,
            ..Sequence::new(name)
        }
    }
}

/// The range of a sequence's type (`smallint`, `integer`, `bigint`).
pub fn sequence_type_range(data_type: &str) -> Option<(i64, i64)> {
    match data_type {
        "smallint" => Some((i64::from(i16::MIN), i64::from(i16::MAX))),
        "integer" => Some((i64::from(i32::MIN), i64::from(i32::MAX))),
        "bigint" => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

/// `CREATE DOMAIN`: a type with a base type, constraints and a default,
/// declared by a Rust newtype.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub name: QualifiedName,
    /// The base type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_null: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// `COLLATE "…"`, when not the base type's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Domain {
    /// A nullable domain over `ty` with no default, check or collation.
    pub fn new(name: QualifiedName, ty: ColumnType) -> Self {
        Domain {
            name,
            ty,
            not_null: false,
            default: None,
            checks: Vec::new(),
            collation: None,
            source: None,
        }
    }
}

/// `CREATE TYPE … AS (…)`: a composite type, declared by a Rust struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeType {
    pub name: QualifiedName,
    /// In declaration order.
    pub attributes: Vec<CompositeAttribute>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl CompositeType {
    pub fn new(name: QualifiedName, attributes: Vec<CompositeAttribute>) -> Self {
        CompositeType {
            name,
            attributes,
            source: None,
        }
    }
}

/// One attribute of a composite type. PostgreSQL keeps no `NOT NULL` or
/// default on them, so a Rust `Option` makes no difference here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeAttribute {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
}

impl CompositeAttribute {
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        CompositeAttribute {
            name: name.into(),
            ty,
        }
    }
}

impl super::Schema {
    pub fn sequence(&self, name: &QualifiedName) -> Option<&Sequence> {
        self.sequences.iter().find(|s| &s.name == name)
    }

    pub fn domain(&self, name: &QualifiedName) -> Option<&Domain> {
        self.domains.iter().find(|d| &d.name == name)
    }

    pub fn composite_type(&self, name: &QualifiedName) -> Option<&CompositeType> {
        self.composite_types.iter().find(|c| &c.name == name)
    }
}
