//! The SQL of row-level security: a table's flags and its policies.

use crate::model::{Policy, QualifiedName};
use crate::sql_text::{quote_identifier, quote_qualified};

pub(super) fn set_row_level_security(table: &QualifiedName, enabled: bool) -> String {
    format!(
        "ALTER TABLE {} {} ROW LEVEL SECURITY;",
        quote_qualified(table),
        if enabled { "ENABLE" } else { "DISABLE" }
    )
}

pub(super) fn set_force_row_level_security(table: &QualifiedName, forced: bool) -> String {
    format!(
        "ALTER TABLE {} {} ROW LEVEL SECURITY;",
        quote_qualified(table),
        if forced { "FORCE" } else { "NO FORCE" }
    )
}

/// `CREATE POLICY`, with only the clauses that differ from PostgreSQL's
/// defaults (`AS PERMISSIVE`, `FOR ALL`, `TO PUBLIC`).
pub(super) fn create_policy(policy: &Policy) -> String {
    let mut sql = format!(
        "CREATE POLICY {} ON {}",
        quote_identifier(&policy.name),
        quote_qualified(&policy.table)
    );
    if policy.restrictive {
        sql.push_str(" AS RESTRICTIVE");
    }
    if !policy.command.is_all() {
        sql.push_str(" FOR ");
        sql.push_str(policy.command.sql());
    }
    if !policy.roles.is_empty() {
        sql.push_str(" TO ");
        sql.push_str(&roles(policy));
    }
    if let Some(using) = &policy.using {
        sql.push_str(&format!("\n  USING ({})", expression(using)));
    }
    if let Some(with_check) = &policy.with_check {
        sql.push_str(&format!("\n  WITH CHECK ({})", expression(with_check)));
    }
    sql.push(';');
    sql
}

pub(super) fn drop_policy(policy: &Policy) -> String {
    format!(
        "DROP POLICY {} ON {};",
        quote_identifier(&policy.name),
        quote_qualified(&policy.table)
    )
}

/// `ALTER POLICY` with the clauses that change; only called for pairs
/// [`Policy::alterable_to`] accepts.
pub(super) fn alter_policy(old: &Policy, new: &Policy) -> String {
    let mut sql = format!(
        "ALTER POLICY {} ON {}",
        quote_identifier(&new.name),
        quote_qualified(&new.table)
    );
    if old.roles != new.roles {
        sql.push_str(" TO ");
        if new.roles.is_empty() {
            sql.push_str("PUBLIC");
        } else {
            sql.push_str(&roles(new));
        }
    }
    if let Some(using) = new.using.as_ref().filter(|_| old.using != new.using) {
        sql.push_str(&format!("\n  USING ({})", expression(using)));
    }
    if let Some(with_check) = new
        .with_check
        .as_ref()
        .filter(|_| old.with_check != new.with_check)
    {
        sql.push_str(&format!("\n  WITH CHECK ({})", expression(with_check)));
    }
    sql.push(';');
    sql
}

fn roles(policy: &Policy) -> String {
    policy
        .roles
        .iter()
        .map(|role| quote_identifier(role))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An expression as written, without a trailing `;` that would end the
/// statement early.
fn expression(text: &str) -> &str {
    text.trim().trim_end_matches(';').trim_end()
}
