//! The roles the pending migrations' policies name: checked before anything
//! is applied, and created on request.
//!
//! Roles belong to the cluster; a migration never creates them, because
//! who may log in and with which rights is the operator's decision, made
//! once per cluster and not per database. So a run whose policies name a
//! role the server lacks stops before its first migration with
//! [`MigrateError::MissingRoles`], naming each policy, its table and the
//! file and line, instead of failing midway.
//! [`RunOptions::create_missing_roles`](super::RunOptions::create_missing_roles)
//! (`--create-roles`, and the disposable databases of tests and
//! `check --replay`) creates them `NOLOGIN` instead: roles that exist to be
//! named by policies, which a development database can have without
//! granting anyone anything.

use super::connection::database_error;
use super::error::MigrateError;
use super::migration::Migration;
use dbkit_core::policy_roles::{created_roles, policy_roles};
use dbkit_core::sql_text::{dollar_quote, quote_identifier};
use std::collections::BTreeSet;
use tokio_postgres::Client;

/// A role a pending migration's policy names and the server lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingRole {
    /// The role.
    pub role: String,
    /// The policy that names it.
    pub policy: String,
    /// The policy's table, as the migration writes it.
    pub table: String,
    /// The migration file.
    pub file: String,
    /// The 1-based line of the policy's statement.
    pub line: usize,
}

/// Checks that the roles `pending`'s policies name exist; creates the
/// missing ones when `create` is set and returns their names, else fails
/// with every use of a missing role.
pub(crate) async fn ensure_policy_roles(
    client: &Client,
    pending: &[&Migration],
    create: bool,
) -> Result<Vec<String>, MigrateError> {
    // Roles a pending migration creates itself are its own business.
    let created: BTreeSet<String> = pending
        .iter()
        .flat_map(|migration| created_roles(&migration.sql))
        .collect();
    let uses: Vec<MissingRole> = pending
        .iter()
        .flat_map(|migration| {
            policy_roles(&migration.sql)
                .into_iter()
                .map(|found| MissingRole {
                    role: found.role,
                    policy: found.policy,
                    table: found.table,
                    file: migration.file_name.clone(),
                    line: found.line,
                })
        })
        .filter(|found| !created.contains(&found.role))
        .collect();
    if uses.is_empty() {
        return Ok(Vec::new());
    }
    let named: BTreeSet<&str> = uses.iter().map(|found| found.role.as_str()).collect();
    let missing = missing_roles(client, named).await?;
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    if create {
        create_roles(client, &missing).await?;
        return Ok(missing);
    }
    Err(MigrateError::MissingRoles {
        missing: uses
            .into_iter()
            .filter(|found| missing.contains(&found.role))
            .collect(),
    })
}

/// The roles of `names` the server does not have, sorted.
async fn missing_roles(
    client: &Client,
    names: BTreeSet<&str>,
) -> Result<Vec<String>, MigrateError> {
    let names: Vec<String> = names.into_iter().map(str::to_string).collect();
    let rows = client
        .query(
            "SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY($1)",
            &[&names],
        )
        .await
        .map_err(|error| database_error("read the roles", &error))?;
    let present: BTreeSet<String> = rows.iter().map(|row| row.get(0)).collect();
    Ok(names
        .into_iter()
        .filter(|name| !present.contains(name))
        .collect())
}

/// Creates each of `names` `NOLOGIN`; a role another session creates at
/// the same moment (tests share one server) is no error.
pub(crate) async fn create_roles(client: &Client, names: &[String]) -> Result<(), MigrateError> {
    for name in names {
        let body = format!(
            "BEGIN CREATE ROLE {} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END",
            quote_identifier(name)
        );
        client
            .batch_execute(&format!("DO {}", dollar_quote(&body, "create_role")))
            .await
            .map_err(|error| database_error(&format!("create the role `{name}`"), &error))?;
        tracing::info!(role = %name, "created role NOLOGIN for the migrations' policies");
    }
    Ok(())
}
