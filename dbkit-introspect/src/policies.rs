//! Row-level security policies (`pg_policy`), read into the model's
//! [`Policy`]. A table's `ENABLE` / `FORCE ROW LEVEL SECURITY` flags are
//! read with the table (`relrowsecurity`, `relforcerowsecurity`).
//!
//! Roles come back by name, sorted; `PUBLIC` (oid 0 in `polroles`) is no
//! role, so a policy for everyone has none, as in the DSL. Expressions are
//! PostgreSQL's printing (`pg_get_expr`), which `dbkit_core::compare`
//! normalises before comparing.

use crate::catalog::IntrospectError;
use dbkit_core::model::{Policy, PolicyCommand, QualifiedName};
use sqlx::PgConnection;

/// The policies of ordinary and partitioned tables (not partitions, not
/// tables of an extension) in the schemas `$1`.
const POLICIES_QUERY: &str = r#"
SELECT n.nspname::text,
       c.relname::text,
       p.polname::text,
       p.polcmd::text,
       p.polpermissive,
       ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
             WHERE r.oid = ANY (p.polroles) ORDER BY r.rolname),
       pg_get_expr(p.polqual, p.polrelid),
       pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')"#;

type PolicyRow = (
    String,
    String,
    String,
    String,
    bool,
    Vec<String>,
    Option<String>,
    Option<String>,
);

/// The policies of the tables in `schema_names`.
pub(crate) async fn read_policies(
    connection: &mut PgConnection,
    schema_names: &[String],
) -> Result<Vec<Policy>, IntrospectError> {
    let rows: Vec<PolicyRow> = sqlx::query_as(POLICIES_QUERY)
        .bind(schema_names)
        .fetch_all(&mut *connection)
        .await
        .map_err(|source| IntrospectError::Query {
            what: "policies",
            source,
        })?;
    rows.into_iter().map(policy_from_row).collect()
}

fn policy_from_row(
    (schema, table, name, command, permissive, roles, using, with_check): PolicyRow,
) -> Result<Policy, IntrospectError> {
    let command =
        PolicyCommand::from_name(&command).ok_or_else(|| IntrospectError::UnexpectedCatalog {
            detail: format!(
                "a policy {name} on {schema}.{table} for the unknown command `{command}`"
            ),
        })?;
    let mut policy = Policy {
        command,
        restrictive: !permissive,
        roles,
        using,
        with_check,
        ..Policy::new(name, QualifiedName::new(schema, table))
    };
    policy.canonicalize_roles();
    Ok(policy)
}
