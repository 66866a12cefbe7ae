//! The rules over statements only the lint's token reader reads
//! (`REINDEX`, `CLUSTER`, `VACUUM`, and `ALTER INDEX`, `DROP DATABASE` and
//! `CREATE TRIGGER` when sqlparser refuses them), and what they share with
//! the parsed forms of the same statements.

use sqlparser::ast::{Ident, ObjectName, Spanned};
use sqlparser::tokenizer::Span;

use super::state::{FileState, Name, StatementContext, identifier_value, quoted};
use super::timeouts::{HeavyLock, require_lock_timeout};
use super::{NO_TRANSACTION_HELP, concurrently_in_transaction};
use crate::diff::quote_identifier;
use crate::lint::findings::{Findings, RawFinding};
use crate::lint::rules::{
    DROPPING_DATABASE, REINDEX_NON_CONCURRENTLY, RENAMING_INDEX, SETTING_TABLESPACE,
};
use crate::lint::source::Position;
use crate::lint::unsupported::{ReindexKind, UnsupportedStatement};
use crate::render::NO_TRANSACTION_MARKER;

/// `CREATE TRIGGER` on an existing table takes SHARE ROW EXCLUSIVE on it.
pub(super) fn create_trigger_lock(
    name: &str,
    table: &ObjectName,
    state: &FileState<'_>,
) -> Option<HeavyLock> {
    let table = Name::of(table);
    (!state.table_is_new(&table)).then(|| HeavyLock {
        statement: format!(
            "CREATE TRIGGER {} ON {}",
            quote_identifier(name),
            table.quoted()
        ),
        lock: "SHARE ROW EXCLUSIVE",
        object: table.quoted(),
    })
}

pub(super) fn dropping_database(
    name: &Name,
    position: Position,
    context: &StatementContext,
) -> RawFinding {
    RawFinding {
        rule: DROPPING_DATABASE,
        position,
        statement_line: context.start.line,
        message: format!("DROP DATABASE {}", quote_identifier(&name.name)),
        why: "a migration changes the database it runs in: dropping a database deletes every schema, table and row in it for good, and PostgreSQL refuses it inside a transaction, which is where dbkit runs a migration unless told otherwise".to_string(),
        help: format!(
            "drop databases by hand or from the tooling that creates them, after a backup, not from a migration; if this one must stay, put `-- dbkit:allow({DROPPING_DATABASE})` on the line above"
        ),
    }
}

/// `ALTER INDEX … RENAME TO`: `renaming-index` for an existing index; an
/// index the file created keeps being new under its new name.
pub(super) fn check_rename_index(
    name: &ObjectName,
    new_name: &Ident,
    span: Span,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    let index = Name::of(name);
    if state.index_is_new(&index) {
        state
            .indexes
            .push(Name::in_schema(index.schema.clone(), new_name));
        return;
    }
    findings.push(RawFinding {
        rule: RENAMING_INDEX,
        position: context.position(span),
        statement_line: context.start.line,
        message: format!(
            "ALTER INDEX {} RENAME TO {} of an existing index",
            index.quoted(),
            quoted(new_name)
        ),
        why: format!(
            "queries rarely name an index, but what does fails from the moment the migration commits: query hints (pg_hint_plan), maintenance jobs that REINDEX or CLUSTER it by name, monitoring, and later migrations written against the old name {}",
            quote_identifier(&index.name)
        ),
        help: format!(
            "make sure nothing names the index (search the code, jobs and dashboards for {}); once that is so, put `-- dbkit:allow({RENAMING_INDEX})` on the line above",
            quote_identifier(&index.name)
        ),
    });
}

/// Runs the rules over a statement only the lint's token reader reads
/// (see [`super::unsupported`]).
pub(crate) fn check_unsupported_statement(
    statement: &UnsupportedStatement,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    let mut locks = Vec::new();
    match statement {
        UnsupportedStatement::Reindex {
            kind,
            concurrently,
            name,
        } => {
            let target = name.as_ref().map(Name::of);
            let described = match &target {
                Some(target) => format!("REINDEX {} {}", kind.keyword(), target.quoted()),
                None => format!("REINDEX {}", kind.keyword()),
            };
            if *concurrently {
                if !state.no_transaction {
                    let target = name
                        .as_ref()
                        .map(|name| format!(" {}", Name::of(name).quoted()))
                        .unwrap_or_default();
                    findings.push(concurrently_in_transaction(
                        context,
                        format!(
                            "REINDEX {} CONCURRENTLY{target} in a migration that runs in a transaction",
                            kind.keyword()
                        ),
                    ));
                }
                return;
            }
            let new = match (kind, &target) {
                (ReindexKind::Index, Some(index)) => state.index_is_new(index),
                (ReindexKind::Table, Some(table)) => state.table_is_new(table),
                _ => false,
            };
            if new {
                return;
            }
            let (locked, index_lock) = match (kind, &target) {
                (ReindexKind::Index, Some(index)) => (
                    format!("the table of {}", index.quoted()),
                    format!("an ACCESS EXCLUSIVE lock on {}", index.quoted()),
                ),
                (ReindexKind::Table, Some(table)) => (
                    table.quoted(),
                    "an ACCESS EXCLUSIVE lock on each of its indexes".to_string(),
                ),
                _ => (
                    "each table it reindexes".to_string(),
                    "an ACCESS EXCLUSIVE lock on each of their indexes".to_string(),
                ),
            };
            let concurrent = described.replacen(
                &format!("REINDEX {}", kind.keyword()),
                &format!("REINDEX {} CONCURRENTLY", kind.keyword()),
                1,
            );
            let help = if *kind == ReindexKind::System {
                "system catalogs cannot be reindexed concurrently: run it by hand at a quiet time, not from a migration".to_string()
            } else {
                format!(
                    "rebuild with CONCURRENTLY, which builds new indexes beside the old ones and swaps them, letting reads and writes go on; {NO_TRANSACTION_HELP}:\n{NO_TRANSACTION_MARKER}\n{concurrent};"
                )
            };
            findings.push(RawFinding {
                rule: REINDEX_NON_CONCURRENTLY,
                position: context.start,
                statement_line: context.start.line,
                message: format!("{described} without CONCURRENTLY"),
                why: format!(
                    "it takes a SHARE lock on {locked}, so every INSERT, UPDATE and DELETE waits for the whole rebuild, and {index_lock}, so every query whose planning considers the index (most queries with a WHERE) waits too"
                ),
                help,
            });
            locks.push(HeavyLock {
                statement: described,
                lock: "SHARE",
                object: locked,
            });
        }
        UnsupportedStatement::Cluster { table } => {
            let table = table.as_ref().map(Name::of);
            if table
                .as_ref()
                .is_some_and(|table| state.table_is_new(table))
            {
                return;
            }
            let (statement, object) = match &table {
                Some(table) => (format!("CLUSTER {}", table.quoted()), table.quoted()),
                None => (
                    "CLUSTER".to_string(),
                    "every table clustered before".to_string(),
                ),
            };
            state.long_statement =
                Some("rewrites the table in index order while it holds an ACCESS EXCLUSIVE lock");
            locks.push(HeavyLock {
                statement,
                lock: "ACCESS EXCLUSIVE",
                object,
            });
        }
        UnsupportedStatement::Vacuum { full: true, tables } => {
            state.long_statement =
                Some("rewrites the table while it holds an ACCESS EXCLUSIVE lock");
            if tables.is_empty() {
                locks.push(HeavyLock {
                    statement: "VACUUM FULL".to_string(),
                    lock: "ACCESS EXCLUSIVE",
                    object: "every table of the database, one after the other".to_string(),
                });
            }
            for table in tables.iter().map(Name::of) {
                if !state.table_is_new(&table) {
                    locks.push(HeavyLock {
                        statement: format!("VACUUM FULL {}", table.quoted()),
                        lock: "ACCESS EXCLUSIVE",
                        object: table.quoted(),
                    });
                }
            }
            if locks.is_empty() {
                state.long_statement = None;
            }
        }
        UnsupportedStatement::Vacuum { full: false, .. } => {}
        // A catalog change under SHARE UPDATE EXCLUSIVE: the pages take the
        // parameters when the index is next rebuilt.
        UnsupportedStatement::SetIndexStorage { .. } => {}
        UnsupportedStatement::RenameIndex { name, new_name } => {
            check_rename_index(name, new_name, name.span(), context, state, findings);
        }
        UnsupportedStatement::SetIndexTablespace { name, tablespace } => {
            let index = Name::of(name);
            if !state.index_is_new(&index) {
                findings.push(setting_tablespace(
                    &format!("ALTER INDEX {}", index.quoted()),
                    &index.quoted(),
                    &format!("the table of {}", index.quoted()),
                    tablespace,
                    context.start,
                    context,
                ));
                locks.push(HeavyLock {
                    statement: format!("ALTER INDEX {} SET TABLESPACE", index.quoted()),
                    lock: "ACCESS EXCLUSIVE",
                    object: index.quoted(),
                });
            }
        }
        UnsupportedStatement::DropDatabase { name } => {
            findings.push(dropping_database(&Name::of(name), context.start, context));
        }
        UnsupportedStatement::CreateTrigger { name, table } => {
            locks.extend(create_trigger_lock(&identifier_value(name), table, state));
        }
    }
    if let Some(lock) = locks.first() {
        require_lock_timeout(lock, context, state, findings);
    }
}

pub(super) fn setting_tablespace(
    alter: &str,
    object: &str,
    readers: &str,
    tablespace: &Ident,
    position: Position,
    context: &StatementContext,
) -> RawFinding {
    RawFinding {
        rule: SETTING_TABLESPACE,
        position,
        statement_line: context.start.line,
        message: format!(
            "{alter} SET TABLESPACE {}: {object} is copied to the new tablespace",
            quoted(tablespace)
        ),
        why: format!(
            "PostgreSQL copies every block of {object} while it holds an ACCESS EXCLUSIVE lock on it: every query on {readers}, reads included, waits for the copy"
        ),
        help: format!(
            "move a large table without the lock with a tool that copies it online (pg_repack's --tablespace), or create the new object in the new tablespace and switch over; if it is small enough to be locked while it is copied, put `-- dbkit:allow({SETTING_TABLESPACE})` on the line above"
        ),
    }
}
