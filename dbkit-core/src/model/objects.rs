//! Objects defined by SQL text that depend on tables and on each other:
//! views, functions and procedures, triggers, policies, and the generic SQL
//! object that carries every other kind PostgreSQL has.
//!
//! Each kind has its struct here (or in a file of its own beside this one)
//! and one variant in [`SchemaObject`], which is what the differ orders by
//! dependency (`diff/objects.rs`) and the renderer writes
//! (`render/objects.rs`). An object is known by its [`ObjectKey`]; two
//! objects with the same key and the same definition are the same object.

use super::{Function, Policy, QualifiedName, SourceLocation, Trigger, View};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `CREATE EXTENSION`: created first, before anything that may use it, and
/// never written into the schema code as the types and functions it owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    /// `WITH SCHEMA`: where its objects go (`None`: the first schema of
    /// the search path, as PostgreSQL does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Extension {
    pub fn new(name: impl Into<String>) -> Self {
        Extension {
            name: name.into(),
            schema: None,
            source: None,
        }
    }
}

/// Any other object a schema holds (an aggregate, an operator, a cast, a
/// collation, a rule, a statistics object, a foreign table…): carried
/// through generate, pull, push and check as its definition, compared as
/// text (whitespace, comments and case outside quotes aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlObject {
    /// What PostgreSQL calls the kind (`aggregate`, `cast`, `rule`, …), as
    /// `pg_identify_object` prints it.
    pub kind: String,
    /// Its identity as `pg_identify_object` prints it
    /// (`public.group_concat(text)`, `(text AS public.email)`).
    pub identity: String,
    /// The statements that create it.
    pub definition: String,
    /// The statement that drops it; `DROP <KIND> <identity>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<String>,
    /// Names of what it uses (tables, views, functions, types, other
    /// generic objects' identities), so that it is created after them and
    /// dropped before them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

/// What tells one object defined by SQL from another of its kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKey {
    View(QualifiedName),
    /// A function or procedure, with the types of its arguments.
    Function(QualifiedName, Vec<String>),
    Trigger {
        table: QualifiedName,
        name: String,
    },
    Policy {
        table: QualifiedName,
        name: String,
    },
    Generic {
        kind: String,
        identity: String,
    },
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKey::View(name) => write!(f, "view {name}"),
            ObjectKey::Function(name, types) => write!(f, "function {name}({})", types.join(", ")),
            ObjectKey::Trigger { table, name } => write!(f, "trigger {name} on {table}"),
            ObjectKey::Policy { table, name } => write!(f, "policy {name} on {table}"),
            ObjectKey::Generic { kind, identity } => write!(f, "{kind} {identity}"),
        }
    }
}

/// One object defined by SQL, of any kind: what the differ orders and the
/// renderer writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaObject {
    View(View),
    Function(Function),
    Trigger(Trigger),
    Policy(Policy),
    Generic(SqlObject),
}

impl SchemaObject {
    pub fn key(&self) -> ObjectKey {
        match self {
            SchemaObject::View(view) => view.key(),
            SchemaObject::Function(function) => function.key(),
            SchemaObject::Trigger(trigger) => trigger.key(),
            SchemaObject::Policy(policy) => policy.key(),
            SchemaObject::Generic(object) => object.key(),
        }
    }

    /// Where the object was declared in Rust source, when it was.
    pub fn source(&self) -> Option<&SourceLocation> {
        match self {
            SchemaObject::View(view) => view.source.as_ref(),
            SchemaObject::Function(function) => function.source.as_ref(),
            SchemaObject::Trigger(trigger) => trigger.source.as_ref(),
            SchemaObject::Policy(policy) => policy.source.as_ref(),
            SchemaObject::Generic(object) => object.source.as_ref(),
        }
    }
}

/// An object of one kind, by its key: the one order every list of them in
/// a [`super::Schema`] is kept in.
pub trait Keyed {
    fn key(&self) -> ObjectKey;
}

impl Keyed for View {
    fn key(&self) -> ObjectKey {
        ObjectKey::View(self.name.clone())
    }
}

impl Keyed for Function {
    fn key(&self) -> ObjectKey {
        ObjectKey::Function(self.name.clone(), self.signature_types())
    }
}

impl Keyed for Trigger {
    fn key(&self) -> ObjectKey {
        ObjectKey::Trigger {
            table: self.table.clone(),
            name: self.name.clone(),
        }
    }
}

impl Keyed for Policy {
    fn key(&self) -> ObjectKey {
        ObjectKey::Policy {
            table: self.table.clone(),
            name: self.name.clone(),
        }
    }
}

impl Keyed for SqlObject {
    fn key(&self) -> ObjectKey {
        ObjectKey::Generic {
            kind: self.kind.clone(),
            identity: self.identity.clone(),
        }
    }
}
