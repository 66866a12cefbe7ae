//! Row-level security: the flags a table carries (`ENABLE` / `FORCE ROW
//! LEVEL SECURITY`, fields of [`super::Table`]) and its policies.
//!
//! A policy is an object defined by SQL (a [`super::SchemaObject`]) because
//! its expressions name columns and functions: the differ drops it before a
//! column it uses is renamed or retyped and creates it again after, in
//! dependency order with views and functions. Its roles are cluster-wide
//! and never created by a migration (see `dbkit_core::policy_roles`).

use super::{QualifiedName, SourceLocation};
use serde::{Deserialize, Serialize};

/// A row-level security policy on a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub table: QualifiedName,
    /// `FOR …`: the commands it applies to.
    #[serde(default, skip_serializing_if = "PolicyCommand::is_all")]
    pub command: PolicyCommand,
    /// `AS RESTRICTIVE` (all restrictive policies must pass) rather than
    /// permissive (any permissive policy may grant).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restrictive: bool,
    /// `TO …`, sorted; empty for `PUBLIC`, every role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// `USING (…)`: which existing rows are visible, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// `WITH CHECK (…)`: which new rows may be written, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Policy {
    /// A permissive policy `FOR ALL TO PUBLIC` with no expressions; fill
    /// the rest with `Policy { using, ..Policy::new(name, table) }`.
    pub fn new(name: impl Into<String>, table: QualifiedName) -> Self {
        Policy {
            name: name.into(),
            table,
            command: PolicyCommand::All,
            restrictive: false,
            roles: Vec::new(),
            using: None,
            with_check: None,
            source: None,
        }
    }

    /// Whether `ALTER POLICY` turns `self` into `new`: it changes the roles
    /// and sets `USING` and `WITH CHECK`, but changes neither the command
    /// nor permissive / restrictive, and cannot take an expression away.
    pub fn alterable_to(&self, new: &Policy) -> bool {
        self.command == new.command
            && self.restrictive == new.restrictive
            && (new.using.is_some() || self.using.is_none())
            && (new.with_check.is_some() || self.with_check.is_none())
    }

    /// Roles sorted and deduplicated, `public` (any case PostgreSQL folds
    /// to it) meaning every role, as an empty list.
    pub fn canonicalize_roles(&mut self) {
        self.roles.retain(|role| role != "public");
        self.roles.sort();
        self.roles.dedup();
    }
}

/// The commands a policy applies to (`FOR ALL`, the default, or one).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    #[default]
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    /// Every command, as the DSL spells them.
    pub const NAMES: &'static [&'static str] = &["all", "select", "insert", "update", "delete"];

    pub fn is_all(&self) -> bool {
        *self == PolicyCommand::All
    }

    /// The DSL's spelling (`select`), which is also `pg_policies.cmd`
    /// lowercased.
    pub fn name(self) -> &'static str {
        match self {
            PolicyCommand::All => "all",
            PolicyCommand::Select => "select",
            PolicyCommand::Insert => "insert",
            PolicyCommand::Update => "update",
            PolicyCommand::Delete => "delete",
        }
    }

    /// The SQL keyword (`SELECT`).
    pub fn sql(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }

    /// The command named `name` in any case (`select`, `SELECT`).
    pub fn from_name(name: &str) -> Option<PolicyCommand> {
        match name.trim().to_lowercase().as_str() {
            "all" | "*" => Some(PolicyCommand::All),
            "select" | "r" => Some(PolicyCommand::Select),
            "insert" | "a" => Some(PolicyCommand::Insert),
            "update" | "w" => Some(PolicyCommand::Update),
            "delete" | "d" => Some(PolicyCommand::Delete),
            _ => None,
        }
    }

    /// Whether the command takes `USING` (every one but `INSERT`).
    pub fn takes_using(self) -> bool {
        self != PolicyCommand::Insert
    }

    /// Whether the command takes `WITH CHECK` (every one but `SELECT` and
    /// `DELETE`).
    pub fn takes_with_check(self) -> bool {
        !matches!(self, PolicyCommand::Select | PolicyCommand::Delete)
    }
}
