//! Row-level security written as struct attributes: the table's
//! `row_level_security` / `force_row_level_security` flags, then one
//! `policy(...)` per policy, each clause only when it is not PostgreSQL's
//! default (`for` when not all commands, `to` when not PUBLIC, `restrictive`
//! when not permissive). Expressions are written as PostgreSQL prints them;
//! they read back canonically equal.

use super::identifiers::{is_keyword, is_plain_snake};
use super::layout::{Meta, string_literal};
use crate::model::{Policy, Schema, Table};

/// The flags of `table`, written in one attribute (none when both are off).
pub(super) fn row_security_flags(table: &Table) -> Vec<Meta> {
    let mut flags = Vec::new();
    if table.row_level_security {
        flags.push(Meta::word("row_level_security"));
    }
    if table.force_row_level_security {
        flags.push(Meta::word("force_row_level_security"));
    }
    flags
}

/// The policies of `table`, one attribute each, by name.
pub(super) fn policy_attributes(schema: &Schema, table: &Table) -> Vec<Meta> {
    schema
        .policies
        .iter()
        .filter(|policy| policy.table == table.name)
        .map(|policy| Meta::List("policy", policy_items(policy)))
        .collect()
}

fn policy_items(policy: &Policy) -> Vec<Meta> {
    let mut items = vec![Meta::text("name", policy.name.clone())];
    if !policy.command.is_all() {
        items.push(Meta::text("for", policy.command.name()));
    }
    if !policy.roles.is_empty() {
        items.push(Meta::List(
            "to",
            policy.roles.iter().map(|role| role_meta(role)).collect(),
        ));
    }
    if let Some(using) = &policy.using {
        items.push(Meta::text("using", using.clone()));
    }
    if let Some(with_check) = &policy.with_check {
        items.push(Meta::text("with_check", with_check.clone()));
    }
    if policy.restrictive {
        items.push(Meta::word("restrictive"));
    }
    items
}

/// A role as a bare name when it reads back as itself (a lowercase
/// identifier that is neither `public`, which means every role, nor a Rust
/// keyword), else as a string.
fn role_meta(role: &str) -> Meta {
    if is_plain_snake(role) && role != "public" && !is_keyword(role) {
        Meta::word(role)
    } else {
        Meta::word(string_literal(role))
    }
}
