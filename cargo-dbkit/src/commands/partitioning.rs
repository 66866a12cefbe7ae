//! The changes of partitioning no migration step makes in place
//! (`dbkit_core::diff::partitioning_refusals`), refused with exit 2 by the
//! commands that diff the code against a schema (`generate`, `push`)
//! before anything is written or asked.

use crate::output::diagnostics::{Diagnostic, SourceSpan};
use crate::output::errors::CliError;
use dbkit_core::diff::{DiffOptions, Rename, partitioning_refusals};
use dbkit_core::model::Schema;

/// `Ok` unless turning `old` into `code` (renames as given) changes a
/// table's partitioning in a way that only moving its rows can.
pub(crate) fn refuse_partitioning_changes(
    old: &Schema,
    code: &Schema,
    renames: &[Rename],
) -> Result<(), CliError> {
    let options = DiffOptions {
        renames: renames.to_vec(),
        assume_drop_and_create: true,
    };
    let refusals = partitioning_refusals(old, code, &options);
    if refusals.is_empty() {
        return Ok(());
    }
    let diagnostics = refusals
        .into_iter()
        .map(|refusal| {
            let mut diagnostic = Diagnostic::error(refusal.to_string()).with_help(refusal.help());
            if let Some(source) = code
                .table(refusal.table())
                .and_then(|table| table.source.as_ref())
            {
                diagnostic = diagnostic.with_span(SourceSpan {
                    column: source.column,
                    length: refusal.table().name.chars().count().max(1),
                    ..SourceSpan::line(source.file.clone(), source.line)
                });
            }
            diagnostic
        })
        .collect();
    Err(CliError::Diagnostics(diagnostics))
}
