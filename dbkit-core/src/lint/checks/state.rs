//! What the statements read so far have shown (objects the file created,
//! renamed or retyped, settings, transactions), names as PostgreSQL
//! resolves them, and where a statement is.

use sqlparser::ast::{Ident, ObjectName};
use sqlparser::tokenizer::Span;

use super::timeouts::{long_under_lock, require_statement_timeout};
use crate::diff::quote_identifier;
use crate::lint::findings::{Findings, RawFinding};
use crate::lint::rules::TRANSACTION_STATEMENT;
use crate::lint::schema_before::SchemaBefore;
use crate::lint::source::{Origin, Position};
use crate::transaction_control::TransactionControl;

/// A name as PostgreSQL resolves it: unquoted parts folded to lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub(super) schema: Option<String>,
    pub(super) name: String,
}

impl Name {
    pub(super) fn of(object: &ObjectName) -> Name {
        let mut parts: Vec<String> = object
            .0
            .iter()
            .filter_map(|part| part.as_ident())
            .map(identifier_value)
            .collect();
        let name = parts.pop().unwrap_or_default();
        Name {
            schema: parts.pop(),
            name,
        }
    }

    pub(super) fn in_schema(schema: Option<String>, name: &Ident) -> Name {
        Name {
            schema,
            name: identifier_value(name),
        }
    }

    /// The same object: same name, and the same schema when both say one
    /// (an unqualified name may be either, on the search path).
    pub(super) fn matches(&self, other: &Name) -> bool {
        self.name == other.name
            && match (&self.schema, &other.schema) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }

    /// `"schema"."name"`, or `"name"`.
    pub(super) fn quoted(&self) -> String {
        match &self.schema {
            Some(schema) => format!(
                "{}.{}",
                quote_identifier(schema),
                quote_identifier(&self.name)
            ),
            None => quote_identifier(&self.name),
        }
    }
}

/// PostgreSQL folds unquoted identifiers to lowercase.
pub(super) fn identifier_value(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_ascii_lowercase()
    }
}

pub(super) fn quoted(ident: &Ident) -> String {
    quote_identifier(&identifier_value(ident))
}

/// What the statements read so far have shown.
pub(crate) struct FileState<'a> {
    pub(super) no_transaction: bool,
    /// The schema before the migration, for the types of its columns.
    pub(super) schema_before: SchemaBefore<'a>,
    pub(super) tables: Vec<Name>,
    pub(super) indexes: Vec<Name>,
    pub(super) types: Vec<Name>,
    pub(super) schemas: Vec<String>,
    /// Existing tables renamed or moved earlier in the file: the name
    /// they have now, and the name running code knows them by.
    pub(super) renamed_tables: Vec<(Name, Name)>,
    /// Columns of existing tables (by the table's name before the file)
    /// that the file added, dropped, renamed or changed the type of: the
    /// type they have now, `None` for one that is gone. The latest entry
    /// wins over earlier ones and over the schema before.
    pub(super) column_types: Vec<(Name, String, Option<String>)>,
    /// Functions the file created, and whether each was declared
    /// `IMMUTABLE` or `STABLE`.
    pub(super) functions: Vec<(Name, bool)>,
    /// `SET TimeZone` to UTC is in force.
    pub(super) time_zone_utc: bool,
    pub(super) lock_timeout_set: bool,
    pub(super) lock_timeout_reported: bool,
    pub(super) statement_timeout_set: bool,
    pub(super) statement_timeout_reported: bool,
    /// Which transaction the statement runs in: the same number for the
    /// whole of a transactional migration; in a no-transaction one, a new
    /// number for each statement outside `BEGIN` … `COMMIT`.
    pub(super) transaction: u32,
    /// Where the `BEGIN` of the open transaction block of a
    /// no-transaction migration is.
    pub(super) explicit_transaction: Option<Position>,
    /// Constraints of existing tables the file added `NOT VALID`.
    pub(super) not_valid: Vec<NotValidConstraint>,
    /// Set by a statement that holds a heavy lock while it reads or
    /// rewrites a table and reports nothing else (`VACUUM FULL`,
    /// `CLUSTER`): what it does, for `require-statement-timeout`.
    pub(super) long_statement: Option<&'static str>,
}

/// A constraint an existing table was given `NOT VALID` in the file.
#[derive(Debug)]
pub(super) struct NotValidConstraint {
    /// The table, by its name before the file.
    pub(super) table: Name,
    pub(super) name: String,
    /// The transaction that added it.
    pub(super) transaction: u32,
    /// The lock `ADD CONSTRAINT` took and its transaction holds.
    pub(super) lock: &'static str,
}

impl<'a> FileState<'a> {
    /// The state at the top of a file; `no_transaction` when its first
    /// line is the `-- dbkit:no-transaction` marker.
    pub fn new(no_transaction: bool, schema_before: SchemaBefore<'a>) -> FileState<'a> {
        FileState {
            no_transaction,
            schema_before,
            tables: Vec::new(),
            indexes: Vec::new(),
            types: Vec::new(),
            schemas: Vec::new(),
            renamed_tables: Vec::new(),
            column_types: Vec::new(),
            functions: Vec::new(),
            time_zone_utc: false,
            lock_timeout_set: false,
            lock_timeout_reported: false,
            statement_timeout_set: false,
            statement_timeout_reported: false,
            transaction: 0,
            explicit_transaction: None,
            not_valid: Vec::new(),
            long_statement: None,
        }
    }

    /// Called before each statement: outside a transaction block, each
    /// statement of a no-transaction migration is a transaction of its own.
    pub fn begin_statement(&mut self) {
        if self.no_transaction && self.explicit_transaction.is_none() {
            self.transaction += 1;
        }
        self.long_statement = None;
    }

    /// A transaction control statement of a no-transaction migration
    /// (in a transactional one it is `transaction-statement` already):
    /// `BEGIN` inside a block, or `COMMIT` outside one, is reported.
    pub fn transaction_control(
        &mut self,
        control: TransactionControl,
        start: Position,
        findings: &mut Findings,
    ) {
        let report = |message: String, why: String, help: String| RawFinding {
            rule: TRANSACTION_STATEMENT,
            position: start,
            statement_line: start.line,
            message,
            why,
            help,
        };
        match control {
            TransactionControl::Begin | TransactionControl::StartTransaction => {
                if let Some(open) = self.explicit_transaction {
                    findings.push(report(
                        format!(
                            "`{control}` inside the transaction block begun at line {}",
                            open.line
                        ),
                        "PostgreSQL does not nest transactions: it warns and ignores this one, so the first COMMIT ends the block begun above, and the statements after it run outside any transaction".to_string(),
                        format!("remove the inner `{control}`, or end the block above with COMMIT first"),
                    ));
                } else {
                    self.explicit_transaction = Some(start);
                }
            }
            TransactionControl::Commit
            | TransactionControl::End
            | TransactionControl::Rollback
            | TransactionControl::Abort
            | TransactionControl::PrepareTransaction => {
                if self.explicit_transaction.take().is_none() {
                    findings.push(report(
                        format!("`{control}` with no transaction block open"),
                        "in a migration marked `-- dbkit:no-transaction` each statement outside BEGIN … COMMIT commits on its own: there is nothing to end here, PostgreSQL only warns, and the statements it was meant to group were not grouped".to_string(),
                        format!("put BEGIN before the statements that belong together, or remove the `{control}`"),
                    ));
                }
            }
            TransactionControl::CommitPrepared | TransactionControl::RollbackPrepared => {}
        }
    }

    /// Called after the last statement: a transaction block still open.
    pub fn end_of_file(&mut self, findings: &mut Findings) {
        if let Some(open) = self.explicit_transaction.take() {
            findings.push(RawFinding {
                rule: TRANSACTION_STATEMENT,
                position: open,
                statement_line: open.line,
                message: "a transaction block begun here is not ended by the end of the migration".to_string(),
                why: "dbkit records the migration as applied after its last statement: what the open block did is committed or rolled back by whatever the session does next, not by the migration".to_string(),
                help: "end the block with COMMIT before the end of the file".to_string(),
            });
        }
    }

    /// Called after each statement, with the number of findings before it:
    /// `require-statement-timeout` when it holds a heavy lock while it
    /// reads or rewrites a table.
    pub fn end_statement(
        &mut self,
        context: &StatementContext,
        findings: &mut Findings,
        findings_before: usize,
    ) {
        let long = self.long_statement.take().or_else(|| {
            findings.raw[findings_before..]
                .iter()
                .find_map(|finding| long_under_lock(finding.rule))
        });
        if let Some(what) = long {
            require_statement_timeout(what, context, self, findings);
        }
    }

    /// The type a column of an existing table has at this point of the
    /// file, in PostgreSQL's spelling, when the file or the schema before
    /// it says.
    pub(super) fn column_type(&mut self, table: &Name, column: &str) -> Option<String> {
        let original = self.original_table_name(table);
        if let Some((_, _, known)) = self
            .column_types
            .iter()
            .rev()
            .find(|(name, name_column, _)| name.matches(&original) && name_column == column)
        {
            return known.clone();
        }
        self.schema_before
            .column_type(original.schema.as_deref(), &original.name, column)
    }

    /// Records the type a column of an existing table has from here on.
    pub(super) fn set_column_type(&mut self, table: &Name, column: &str, ty: Option<String>) {
        let original = self.original_table_name(table);
        self.column_types.push((original, column.to_string(), ty));
    }

    pub(super) fn table_is_new(&self, name: &Name) -> bool {
        self.tables.iter().any(|created| created.matches(name))
    }

    pub(super) fn index_is_new(&self, name: &Name) -> bool {
        self.indexes.iter().any(|created| created.matches(name))
    }

    pub(super) fn type_is_new(&self, name: &Name) -> bool {
        self.types.iter().any(|created| created.matches(name))
    }

    pub(super) fn schema_is_new(&self, name: &str) -> bool {
        self.schemas.iter().any(|created| created == name)
    }

    /// The name running code knows an existing table by: the name it had
    /// before the file renamed or moved it.
    pub(super) fn original_table_name(&self, name: &Name) -> Name {
        self.renamed_tables
            .iter()
            .rev()
            .find(|(current, _)| current.matches(name))
            .map_or_else(|| name.clone(), |(_, original)| original.clone())
    }

    /// Records that the existing table `from` is now called `to`.
    pub(super) fn rename_existing_table(&mut self, from: &Name, to: Name) {
        let original = self.original_table_name(from);
        self.renamed_tables.push((to, original));
    }
}

/// Where one statement is, for the positions of its findings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatementContext {
    pub origin: Origin,
    /// Where the statement's code starts.
    pub start: Position,
    /// The statement is `DROP INDEX CONCURRENTLY` (sqlparser drops the keyword).
    pub drop_index_concurrently: bool,
}

impl StatementContext {
    /// The file position where `span` starts, or the statement's start when
    /// sqlparser gives the node no span.
    pub(super) fn position(&self, span: Span) -> Position {
        self.origin.position(span.start).unwrap_or(self.start)
    }
}
