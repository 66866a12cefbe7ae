//! The roles the pushed policies name: roles belong to the server and no
//! push creates them unless told to (`--create-roles`, for development
//! databases: `NOLOGIN` roles, created in the push's first transaction so
//! that a failed push leaves none). A role the server lacks stops the push
//! before anything runs, pointing at the policy in the code.

use super::plan::Transaction;
use crate::database::session::{SessionError, connect_session, read_only_connect_options};
use crate::output::diagnostics::{Diagnostic, SourceSpan};
use dbkit_core::model::Schema;
use dbkit_core::policy_roles::{PolicyRole, policy_roles};
use dbkit_core::sql_text::{dollar_quote, quote_identifier};
use dbkit_runtime::migrate::DatabaseUrl;
use std::collections::BTreeSet;
use std::time::Duration;

const APPLICATION_NAME: &str = "cargo dbkit push";

/// The uses of roles the server lacks in the statements of `transactions`.
pub async fn missing_role_uses(
    url: &DatabaseUrl,
    transactions: &[Transaction],
    connect_timeout: Duration,
) -> Result<Vec<PolicyRole>, SessionError> {
    let uses: Vec<PolicyRole> = transactions
        .iter()
        .flat_map(|transaction| &transaction.statements)
        .flat_map(|statement| policy_roles(statement))
        .collect();
    if uses.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = uses
        .iter()
        .map(|found| found.role.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let options = read_only_connect_options(url, APPLICATION_NAME).map_err(SessionError::Failed)?;
    let mut connection = connect_session(&options, connect_timeout).await?;
    let present: Vec<String> =
        sqlx::query_scalar("SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY($1)")
            .bind(&names)
            .fetch_all(&mut connection)
            .await
            .map_err(|error| SessionError::Failed(error.to_string()))?;
    Ok(uses
        .into_iter()
        .filter(|found| !present.contains(&found.role))
        .collect())
}

/// Puts the creation of each missing role (`NOLOGIN`) first in the push.
pub fn create_roles_first(transactions: &mut [Transaction], missing: &[PolicyRole]) {
    let Some(first) = transactions.first_mut() else {
        return;
    };
    let names: BTreeSet<&str> = missing.iter().map(|found| found.role.as_str()).collect();
    let creates = names.into_iter().map(|name| {
        let body = format!(
            "BEGIN CREATE ROLE {} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END",
            quote_identifier(name)
        );
        format!("DO {};", dollar_quote(&body, "create_role"))
    });
    first.statements.splice(0..0, creates);
}

/// One error per use of a missing role, at the policy in the code.
pub fn missing_role_diagnostics(missing: &[PolicyRole], code: &Schema) -> Vec<Diagnostic> {
    missing
        .iter()
        .map(|found| {
            let mut diagnostic = Diagnostic::error(format!(
                "the role `{}` named by policy `{}` on `{}` does not exist",
                found.role, found.policy, found.table
            ));
            let declared = code.policies.iter().find(|policy| {
                policy.name == found.policy && policy.table.to_string() == found.table
            });
            if let Some(source) = declared.and_then(|policy| policy.source.as_ref()) {
                diagnostic = diagnostic.with_span(SourceSpan::line(source.file.clone(), source.line));
            }
            diagnostic
                .with_note("roles belong to the whole server and push never creates them unasked; nothing was applied")
                .with_help(format!(
                    "create it first (CREATE ROLE {}), or, on a development database, push again with `--create-roles` to create it NOLOGIN",
                    quote_identifier(&found.role)
                ))
        })
        .collect()
}
