//! `updating-whole-table`: an `UPDATE` of every row of an existing table
//! in one statement.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, TableFactor, UnaryOperator, visit_expressions};

use super::state::{FileState, Name, StatementContext};
use crate::lint::findings::{Findings, RawFinding};
use crate::lint::rules::UPDATING_WHOLE_TABLE;

/// `updating-whole-table`: an `UPDATE` of an existing table with no
/// `WHERE`, or one that bounds no rows (see [`selects_whole_table`]).
pub(super) fn check_update(
    update: &sqlparser::ast::Update,
    context: &StatementContext,
    state: &FileState<'_>,
    findings: &mut Findings,
) {
    let TableFactor::Table { name, .. } = &update.table.relation else {
        return;
    };
    let table = Name::of(name);
    if state.table_is_new(&table) || update.limit.is_some() {
        return;
    }
    let filter = match &update.selection {
        None => "no WHERE".to_string(),
        Some(selection) if selects_whole_table(selection) => {
            format!("WHERE {selection}, which bounds no range of rows")
        }
        Some(_) => return,
    };
    findings.push(RawFinding {
        rule: UPDATING_WHOLE_TABLE,
        position: context.start,
        statement_line: context.start.line,
        message: format!(
            "UPDATE {} with {filter}: every row of an existing table in one statement",
            table.quoted()
        ),
        why: format!(
            "the statement locks each row it writes until the migration commits, so every other UPDATE or DELETE of those rows waits for the whole backfill; it writes a new version of every row in one go (bloat, a burst of WAL that replicas must replay) and a failure near the end undoes all of it: on a large {} that is a long outage",
            table.quoted()
        ),
        help: format!(
            "backfill in batches, each committed on its own, outside the migration (a job, or a migration marked `-- dbkit:no-transaction` with one statement per batch), by ranges of the primary key:\nUPDATE {} SET … WHERE id >= 1 AND id < 10001 AND <the rows still to fill>;\nif the table is small, put `-- dbkit:allow({UPDATING_WHOLE_TABLE})` on the line above",
            table.quoted()
        ),
    });
}

/// Whether a `WHERE` bounds no range of rows: it names no column at all
/// (`WHERE true`), or only tests columns for NULL (`WHERE "c" IS NULL`,
/// the usual backfill condition), joined by `AND`, `OR` and `NOT`.
pub(super) fn selects_whole_table(selection: &Expr) -> bool {
    match selection {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And | BinaryOperator::Or,
            right,
        } => selects_whole_table(left) && selects_whole_table(right),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        }
        | Expr::Nested(expr) => selects_whole_table(expr),
        Expr::IsNull(expr) | Expr::IsNotNull(expr) => is_column(expr),
        other => !names_a_column(other),
    }
}

pub(super) fn is_column(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

pub(super) fn names_a_column(expr: &Expr) -> bool {
    visit_expressions(expr, |expr| {
        if is_column(expr) || matches!(expr, Expr::Subquery(_) | Expr::Exists { .. }) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break()
}
