//! `changing-column-type`: whether `ALTER COLUMN … TYPE` rewrites the
//! table, from the column's old type and PostgreSQL's rules.

use sqlparser::ast::{Expr, Ident};

use super::state::{Name, identifier_value};
use crate::lint::rules::CHANGING_COLUMN_TYPE;
use crate::lint::type_change::{TypeChangeRewrite, spell_type, type_change_rewrite};

/// One `ALTER COLUMN … TYPE` of an existing table, with what the file
/// and the schema before it say of the column's old type.
pub(super) struct ColumnTypeChange<'a> {
    pub(super) table: &'a Name,
    /// The column, quoted.
    pub(super) column: &'a str,
    /// The old type in PostgreSQL's spelling, when known.
    pub(super) old: Option<&'a str>,
    /// The new type in PostgreSQL's spelling.
    pub(super) new: &'a str,
}

impl ColumnTypeChange<'_> {
    /// The message, why and help of a `changing-column-type` finding, or
    /// `None` when PostgreSQL keeps the table.
    pub(super) fn finding(
        &self,
        using: Option<&Expr>,
        column: &Ident,
        time_zone_utc: bool,
    ) -> Option<(String, String, String)> {
        let table = self.table.quoted();
        let statement = format!(
            "ALTER COLUMN {} TYPE {} on existing table {table}",
            self.column, self.new
        );
        let lock = format!(
            "PostgreSQL rewrites the whole table and rebuilds its indexes while it holds an ACCESS EXCLUSIVE lock on {table}: every query on it, reads included, waits for the rewrite"
        );
        let expand = "add a column of the new type, keep it filled (a trigger, or the code writing both), backfill it in batches, switch the code over, then drop the old column";
        let allow = format!("put `-- dbkit:allow({CHANGING_COLUMN_TYPE})` on the line above");
        let Some(casts) = using.map_or(Some(Vec::new()), |using| cast_chain(using, column)) else {
            return Some((
                format!(
                    "{statement}: its USING expression computes every value anew, so the table is rewritten whatever the old type"
                ),
                lock,
                format!(
                    "{expand}; or, if the table is small enough to be locked while it is rewritten, {allow}"
                ),
            ));
        };
        let Some(old) = self.old else {
            return Some((
                format!("{statement}: the lint does not know the column's current type"),
                format!(
                    "unless the old type converts to the new one without a function (varchar(n) to a longer varchar or to text, numeric(p,s) to a larger precision of the same scale, a timestamp to a larger precision…), {lock}; no snapshot before this migration describes the column, so the lint cannot tell"
                ),
                format!(
                    "if the change is one of those, PostgreSQL makes no rewrite: {allow}. Otherwise {expand}"
                ),
            ));
        };
        let mut steps = vec![old.to_string()];
        steps.extend(casts);
        steps.push(self.new.to_string());
        steps.dedup();
        let verdicts: Vec<(&str, &str, TypeChangeRewrite)> = steps
            .windows(2)
            .map(|pair| {
                (
                    pair[0].as_str(),
                    pair[1].as_str(),
                    type_change_rewrite(&pair[0], &pair[1]),
                )
            })
            .collect();
        let verdict = verdicts
            .iter()
            .map(|(_, _, verdict)| *verdict)
            .fold(TypeChangeRewrite::Kept, TypeChangeRewrite::then);
        let from = match steps.get(1..steps.len() - 1).unwrap_or_default() {
            [] => format!("from {old}"),
            through => format!("from {old} through {}", through.join(", ")),
        };
        match verdict {
            TypeChangeRewrite::Kept => None,
            TypeChangeRewrite::RewrittenUnlessUtc if time_zone_utc => None,
            TypeChangeRewrite::Rewritten => {
                let (step_from, step_to, _) = verdicts
                    .iter()
                    .find(|(_, _, verdict)| *verdict == TypeChangeRewrite::Rewritten)?;
                Some((
                    format!("{statement}, {from}: a conversion that rewrites the table"),
                    format!(
                        "PostgreSQL converts {step_from} to {step_to} by calling a function on every value (a cast or a length check), so it rewrites the whole table and rebuilds its indexes while it holds an ACCESS EXCLUSIVE lock on {table}: every query on it, reads included, waits for the rewrite"
                    ),
                    format!(
                        "{expand}; or, if the table is small enough to be locked while it is rewritten, {allow}"
                    ),
                ))
            }
            TypeChangeRewrite::RewrittenUnlessUtc => Some((
                format!(
                    "{statement}, {from}: a conversion that rewrites the table unless the session's TimeZone is UTC"
                ),
                format!(
                    "the conversion reads each value in the session's TimeZone; unless that is UTC (where PostgreSQL 12+ keeps the stored values), {lock}"
                ),
                format!(
                    "if the stored values are UTC times, say so before the statement, which both converts them right and keeps the table:\nSET LOCAL TimeZone = 'UTC';\notherwise {expand}"
                ),
            )),
            TypeChangeRewrite::Unknown => Some((
                format!("{statement}, {from}: a change the lint cannot judge"),
                format!(
                    "the lint knows PostgreSQL's conversions between its built-in types only; unless this one needs no function over the values (a domain over the same type, say), {lock}"
                ),
                format!(
                    "if PostgreSQL keeps the table for this change, {allow}. Otherwise {expand}"
                ),
            )),
        }
    }
}

/// The types a `USING` expression casts the column through, innermost
/// first (`"c"::text::"mood"` gives `text`, `"public"."mood"`), or `None`
/// when it is not the column itself, cast or not.
pub(super) fn cast_chain(expr: &Expr, column: &Ident) -> Option<Vec<String>> {
    match expr {
        Expr::Identifier(ident) => {
            (identifier_value(ident) == identifier_value(column)).then(Vec::new)
        }
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .filter(|ident| identifier_value(ident) == identifier_value(column))
            .map(|_| Vec::new()),
        Expr::Nested(expr) => cast_chain(expr, column),
        Expr::Cast {
            expr, data_type, ..
        } => {
            let mut casts = cast_chain(expr, column)?;
            casts.push(spell_type(&data_type.to_string()));
            Some(casts)
        }
        _ => None,
    }
}
