//! Policies in canonical form and their differences: roles sorted,
//! `USING` and `WITH CHECK` through [`normalize_expression`], so that
//! `owner_id = current_setting('app.user_id')::bigint` as written equals
//! PostgreSQL's `(owner_id = (current_setting('app.user_id'::text))::bigint)`.

use super::{Difference, Object, compare_field, compare_named, normalize_expression};
use crate::model::Policy;
use std::collections::BTreeMap;

pub(super) fn canonicalize_policy(policy: &mut Policy) {
    policy.source = None;
    policy.canonicalize_roles();
    policy.using = policy.using.as_deref().map(normalize_expression);
    policy.with_check = policy.with_check.as_deref().map(normalize_expression);
}

/// Policies are named `<schema>.<table>.<policy>`.
pub(super) fn compare_policies(
    differences: &mut Vec<Difference>,
    expected: &[Policy],
    actual: &[Policy],
) {
    let by_name = |policies: &[Policy]| -> BTreeMap<String, Policy> {
        policies
            .iter()
            .map(|policy| (format!("{}.{}", policy.table, policy.name), policy.clone()))
            .collect()
    };
    compare_named(
        differences,
        "policy",
        &by_name(expected),
        &by_name(actual),
        |differences, object: &Object, expected, actual| {
            compare_field(
                differences,
                object,
                "command",
                &expected.command,
                &actual.command,
            );
            compare_field(
                differences,
                object,
                "restrictive",
                &expected.restrictive,
                &actual.restrictive,
            );
            compare_field(differences, object, "roles", &expected.roles, &actual.roles);
            compare_field(differences, object, "using", &expected.using, &actual.using);
            compare_field(
                differences,
                object,
                "with check",
                &expected.with_check,
                &actual.with_check,
            );
        },
    );
}
