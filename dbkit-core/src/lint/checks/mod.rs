//! The rules that read statements: here the statements sqlparser parses
//! and `ALTER TABLE`; in the submodules what the file has shown so far
//! (`state`), the timeouts (`timeouts`), `ADD COLUMN` (`add_column`),
//! `ALTER COLUMN … TYPE` (`column_type`), the statements only the lint's
//! token reader reads (`maintenance`) and `UPDATE` (`update`).

mod add_column;
mod column_type;
mod maintenance;
mod state;
mod timeouts;
mod update;

use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTableOperation, AlterTypeOperation,
    ColumnOption, CreateIndex, DropBehavior, FunctionBehavior, Ident, LockTableMode, ObjectName,
    ObjectType, RenameTableNameKind, Reset, SchemaName, Set, Spanned, Statement, TableConstraint,
};
use sqlparser::tokenizer::Span;

use crate::diff::quote_identifier;
use crate::lint::alter_table::{AlterTable, UnsupportedAction, UnsupportedActionKind};
use crate::lint::findings::{Findings, RawFinding};
use crate::lint::rules::{
    ADDING_EXCLUSION_CONSTRAINT, ADDING_UNIQUE_CONSTRAINT, CHANGING_COLUMN_TYPE,
    CHANGING_TABLE_PERSISTENCE, CONCURRENTLY_IN_TRANSACTION, CONSTRAINT_MISSING_NOT_VALID,
    CREATE_INDEX_NON_CONCURRENTLY, DROP_INDEX_NON_CONCURRENTLY, DROPPING_COLUMN, DROPPING_SCHEMA,
    DROPPING_TABLE, ENUM_VALUE_WITHOUT_POSITION, RENAMING_COLUMN, RENAMING_ENUM_VALUE,
    RENAMING_TABLE, SETTING_NOT_NULL, VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION,
};
use crate::lint::type_change::spell_type;
use crate::naming::truncate_identifier;
use crate::render::NO_TRANSACTION_MARKER;
use add_column::{check_add_column, plain_type};
use column_type::ColumnTypeChange;
use maintenance::{check_rename_index, create_trigger_lock, dropping_database, setting_tablespace};
use state::{Name, NotValidConstraint, identifier_value, quoted};
use timeouts::{
    HeavyLock, disables_lock_timeout, heavy_lock_mode, is_setting, is_utc, require_lock_timeout,
};
use update::check_update;

pub(crate) use maintenance::check_unsupported_statement;
pub(crate) use state::{FileState, StatementContext};

/// Runs every statement rule over `statement`, then records what it
/// creates.
pub(crate) fn check_statement(
    statement: &Statement,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    let mut locks = Vec::new();
    match statement {
        Statement::CreateTable(create) => {
            let table = Name::of(&create.name);
            for referenced in create_table_references(create) {
                if !state.table_is_new(&referenced) && !referenced.matches(&table) {
                    locks.push(HeavyLock {
                        statement: format!(
                            "CREATE TABLE {} with a foreign key to {}",
                            table.quoted(),
                            referenced.quoted()
                        ),
                        lock: "SHARE ROW EXCLUSIVE",
                        object: referenced.quoted(),
                    });
                }
            }
            state.tables.push(table);
        }
        // A materialized view made by the migration is as new as a table
        // it creates: an index on it locks nobody out.
        Statement::CreateView(view) if view.materialized => {
            state.tables.push(Name::of(&view.name));
        }
        Statement::CreateIndex(index) => {
            check_create_index(index, context, state, findings, &mut locks)
        }
        Statement::Drop {
            object_type, names, ..
        } => check_drop(*object_type, names, context, state, findings, &mut locks),
        Statement::AlterTable(alter) => check_alter_table(
            &alter.name,
            &alter.operations,
            &[],
            context,
            state,
            findings,
            &mut locks,
        ),
        Statement::AlterType(alter) => {
            let name = Name::of(&alter.name);
            if let AlterTypeOperation::AddValue(add) = &alter.operation
                && add.position.is_none()
                && !state.type_is_new(&name)
            {
                let value = crate::diff::quote_literal(&add.value.value);
                findings.push(RawFinding {
                    rule: ENUM_VALUE_WITHOUT_POSITION,
                    position: context.position(add.value.span),
                    statement_line: context.start.line,
                    message: format!(
                        "ALTER TYPE {} ADD VALUE {value} without BEFORE or AFTER",
                        name.quoted()
                    ),
                    why: "the new label sorts after every existing one: comparisons, ORDER BY, min() and max() on an enum follow the order of its labels, not the alphabet; and, like any label added in a transaction, it cannot be used before that transaction commits".to_string(),
                    help: format!(
                        "say where it belongs: `ALTER TYPE {} ADD VALUE {value} BEFORE '<label>';` (or AFTER); if it belongs last (dbkit writes no position when the value is declared last in the Rust enum), put `-- dbkit:allow({ENUM_VALUE_WITHOUT_POSITION})` on the line above",
                        name.quoted()
                    ),
                });
            }
            if let AlterTypeOperation::RenameValue(rename) = &alter.operation
                && !state.type_is_new(&name)
            {
                let from = crate::diff::quote_literal(&rename.from.value);
                let to = crate::diff::quote_literal(&rename.to.value);
                findings.push(RawFinding {
                    rule: RENAMING_ENUM_VALUE,
                    position: context.position(rename.from.span),
                    statement_line: context.start.line,
                    message: format!(
                        "ALTER TYPE {} RENAME VALUE {from} TO {to} of an existing enum",
                        name.quoted()
                    ),
                    why: format!(
                        "code deployed before this migration still writes and compares {from}: from the moment the migration commits, writing it fails (\"invalid input value for enum\") and comparisons with it match nothing, until every instance runs the new code"
                    ),
                    help: format!(
                        "expand and contract: add {to} (ALTER TYPE … ADD VALUE), deploy code that reads both and writes {to}, update the rows that hold {from}, and stop using {from} (an enum value cannot be dropped, only left unused); or, if no code using {from} runs while the migration does, put `-- dbkit:allow({RENAMING_ENUM_VALUE})` on the line above"
                    ),
                });
            }
            if let AlterTypeOperation::Rename(rename) = &alter.operation
                && state.type_is_new(&name)
            {
                state
                    .types
                    .push(Name::in_schema(name.schema.clone(), &rename.new_name));
            }
        }
        Statement::Truncate(truncate) => {
            for target in &truncate.table_names {
                let table = Name::of(&target.name);
                if !state.table_is_new(&table) {
                    locks.push(HeavyLock {
                        statement: format!("TRUNCATE {}", table.quoted()),
                        lock: "ACCESS EXCLUSIVE",
                        object: table.quoted(),
                    });
                }
            }
        }
        Statement::CreateSchema {
            schema_name: SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _),
            ..
        } => state.schemas.push(Name::of(name).name),
        Statement::CreateTrigger(trigger) => {
            locks.extend(create_trigger_lock(
                &Name::of(&trigger.name).name,
                &trigger.table_name,
                state,
            ));
        }
        Statement::DropTrigger(trigger) => {
            if let Some(table) = trigger.table_name.as_ref().map(Name::of)
                && !state.table_is_new(&table)
            {
                locks.push(HeavyLock {
                    statement: format!(
                        "DROP TRIGGER {} ON {}",
                        quote_identifier(&Name::of(&trigger.trigger_name).name),
                        table.quoted()
                    ),
                    lock: "ACCESS EXCLUSIVE",
                    object: table.quoted(),
                });
            }
        }
        Statement::Lock(lock) => {
            let mode = lock
                .lock_mode
                .as_ref()
                .unwrap_or(&LockTableMode::AccessExclusive);
            if let Some(mode) = heavy_lock_mode(mode) {
                for target in &lock.tables {
                    let table = Name::of(&target.name);
                    if !state.table_is_new(&table) {
                        locks.push(HeavyLock {
                            statement: format!("LOCK TABLE {}", table.quoted()),
                            lock: mode,
                            object: table.quoted(),
                        });
                    }
                }
            }
        }
        Statement::DropFunction(drop) if drop.drop_behavior == Some(DropBehavior::Cascade) => {
            for function in &drop.func_desc {
                let name = Name::of(&function.name);
                if !state
                    .functions
                    .iter()
                    .any(|(created, _)| created.matches(&name))
                {
                    locks.push(HeavyLock {
                        statement: format!("DROP FUNCTION {} CASCADE", name.quoted()),
                        lock: "ACCESS EXCLUSIVE",
                        object: format!(
                            "each table whose triggers or column defaults use {}",
                            name.quoted()
                        ),
                    });
                }
            }
        }
        Statement::AlterIndex {
            name,
            operation: AlterIndexOperation::RenameIndex { index_name },
        } => {
            let new_name = index_name
                .0
                .last()
                .and_then(|part| part.as_ident())
                .cloned()
                .unwrap_or_else(|| Ident::new(""));
            check_rename_index(name, &new_name, name.span(), context, state, findings);
        }
        Statement::Update(update) => check_update(update, context, state, findings),
        Statement::CreateType { name, .. } => state.types.push(Name::of(name)),
        Statement::CreateFunction(function) => state.functions.push((
            Name::of(&function.name),
            matches!(
                function.behavior,
                Some(FunctionBehavior::Immutable | FunctionBehavior::Stable)
            ),
        )),
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) if is_setting(variable, "lock_timeout") => {
            state.lock_timeout_set = !values.iter().all(disables_lock_timeout);
        }
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) if is_setting(variable, "statement_timeout") => {
            state.statement_timeout_set = !values.iter().all(disables_lock_timeout);
        }
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) if is_setting(variable, "timezone") => {
            state.time_zone_utc = matches!(values.as_slice(), [value] if is_utc(value));
        }
        Statement::Set(Set::SetTimeZone { value, .. }) => state.time_zone_utc = is_utc(value),
        Statement::Reset(reset) => match &reset.reset {
            Reset::ALL => {
                state.lock_timeout_set = false;
                state.statement_timeout_set = false;
                state.time_zone_utc = false;
            }
            Reset::ConfigurationParameter(name) if is_setting(name, "statement_timeout") => {
                state.statement_timeout_set = false;
            }
            Reset::ConfigurationParameter(name) if is_setting(name, "lock_timeout") => {
                state.lock_timeout_set = false;
            }
            Reset::ConfigurationParameter(name) if is_setting(name, "timezone") => {
                state.time_zone_utc = false;
            }
            _ => {}
        },
        _ => {}
    }
    if let Some(lock) = locks.first() {
        require_lock_timeout(lock, context, state, findings);
    }
}

/// `ALTER TYPE … SET SCHEMA`, which sqlparser does not read: a type created
/// in the file stays new under its new schema. Like `ALTER TYPE … RENAME
/// TO`, it reports nothing: it locks the type, which queries do not take.
pub(crate) fn check_alter_type_set_schema(
    name: &ObjectName,
    schema: &Ident,
    state: &mut FileState<'_>,
) {
    let name = Name::of(name);
    if state.type_is_new(&name) {
        state.types.push(Name {
            schema: Some(identifier_value(schema)),
            name: name.name,
        });
    }
}

/// Runs the rules over an `ALTER TABLE` statement that only the lint's
/// own reader reads (see [`super::alter_table`]).
pub(crate) fn check_unsupported_alter_table(
    alter: &AlterTable,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    let mut locks = Vec::new();
    check_alter_table(
        &alter.name,
        &alter.operations,
        &alter.unsupported,
        context,
        state,
        findings,
        &mut locks,
    );
    if let Some(lock) = locks.first() {
        require_lock_timeout(lock, context, state, findings);
    }
}

/// The tables a `CREATE TABLE` references by foreign keys, inline or not.
fn create_table_references(create: &sqlparser::ast::CreateTable) -> Vec<Name> {
    let inline = create.columns.iter().flat_map(|column| {
        column
            .options
            .iter()
            .filter_map(|option| match &option.option {
                ColumnOption::ForeignKey(foreign_key) => Some(Name::of(&foreign_key.foreign_table)),
                _ => None,
            })
    });
    let constraints = create
        .constraints
        .iter()
        .filter_map(|constraint| match constraint {
            TableConstraint::ForeignKey(foreign_key) => Some(Name::of(&foreign_key.foreign_table)),
            _ => None,
        });
    inline.chain(constraints).collect()
}

pub(super) const NO_TRANSACTION_HELP: &str = "CONCURRENTLY cannot run in a transaction, so put it in a migration of its own whose first line is `-- dbkit:no-transaction`";

fn check_create_index(
    index: &CreateIndex,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
    locks: &mut Vec<HeavyLock>,
) {
    let table = Name::of(&index.table_name);
    let index_name = index.name.as_ref().map(|name| {
        let name = Name::of(name);
        Name {
            schema: table.schema.clone(),
            name: name.name,
        }
    });
    let described = index_name.as_ref().map_or_else(
        || "an index".to_string(),
        |name| quote_identifier(&name.name),
    );
    if index.concurrently {
        if !state.no_transaction {
            findings.push(concurrently_in_transaction(
                context,
                format!("CREATE INDEX CONCURRENTLY {described} in a migration that runs in a transaction"),
            ));
        }
    } else if !state.table_is_new(&table) {
        let mut concurrent = index.clone();
        concurrent.concurrently = true;
        let help = if state.no_transaction {
            format!(
                "build it with CONCURRENTLY, which lets writes go on while it reads the table:\n{concurrent};"
            )
        } else {
            format!(
                "build it with CONCURRENTLY, which lets writes go on while it reads the table; {NO_TRANSACTION_HELP}:\n{NO_TRANSACTION_MARKER}\n{concurrent};"
            )
        };
        findings.push(RawFinding {
            rule: CREATE_INDEX_NON_CONCURRENTLY,
            position: context.start,
            statement_line: context.start.line,
            message: format!(
                "CREATE INDEX {described} on existing table {} without CONCURRENTLY",
                table.quoted()
            ),
            why: format!(
                "the index is built under a SHARE lock on {}: every INSERT, UPDATE and DELETE on it waits until the whole table has been read and the index written",
                table.quoted()
            ),
            help: format!(
                "{help}\n(if a concurrent build fails it leaves an INVALID index behind: drop it with DROP INDEX CONCURRENTLY and run the migration again)"
            ),
        });
        locks.push(HeavyLock {
            statement: format!("CREATE INDEX {described}"),
            lock: "SHARE",
            object: table.quoted(),
        });
    }
    if let Some(name) = index_name {
        state.indexes.push(name);
    }
}

pub(super) fn concurrently_in_transaction(
    context: &StatementContext,
    message: String,
) -> RawFinding {
    RawFinding {
        rule: CONCURRENTLY_IN_TRANSACTION,
        position: context.start,
        statement_line: context.start.line,
        message,
        why: "PostgreSQL refuses CONCURRENTLY inside a transaction block, and dbkit applies a migration in one transaction unless its first line is `-- dbkit:no-transaction`: this migration fails".to_string(),
        help: format!(
            "move the statement to a migration of its own whose first line is the marker, and keep the other statements in a transactional migration (so that a failure leaves none of them half-applied):\n{NO_TRANSACTION_MARKER}"
        ),
    }
}

fn check_drop(
    object_type: ObjectType,
    names: &[ObjectName],
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
    locks: &mut Vec<HeavyLock>,
) {
    for object in names {
        let name = Name::of(object);
        let position = context.position(object.span());
        match object_type {
            ObjectType::Index => {
                if context.drop_index_concurrently {
                    if !state.no_transaction {
                        findings.push(concurrently_in_transaction(
                            context,
                            format!(
                                "DROP INDEX CONCURRENTLY {} in a migration that runs in a transaction",
                                name.quoted()
                            ),
                        ));
                    }
                    continue;
                }
                if state.index_is_new(&name) {
                    continue;
                }
                let help = if state.no_transaction {
                    format!(
                        "drop it with CONCURRENTLY, which waits for running queries instead of blocking new ones:\nDROP INDEX CONCURRENTLY {};",
                        name.quoted()
                    )
                } else {
                    format!(
                        "drop it with CONCURRENTLY, which waits for running queries instead of blocking new ones; {NO_TRANSACTION_HELP} (one index per statement):\n{NO_TRANSACTION_MARKER}\nDROP INDEX CONCURRENTLY {};",
                        name.quoted()
                    )
                };
                findings.push(RawFinding {
                    rule: DROP_INDEX_NON_CONCURRENTLY,
                    position,
                    statement_line: context.start.line,
                    message: format!("DROP INDEX {} without CONCURRENTLY", name.quoted()),
                    why: "it takes an ACCESS EXCLUSIVE lock on the index's table: every query on the table, reads included, waits until the drop is done, and so does every query that comes while the drop waits for its lock".to_string(),
                    help,
                });
                locks.push(HeavyLock {
                    statement: format!("DROP INDEX {}", name.quoted()),
                    lock: "ACCESS EXCLUSIVE",
                    object: format!("the table of {}", name.quoted()),
                });
            }
            ObjectType::Table => {
                if state.table_is_new(&name) {
                    continue;
                }
                findings.push(RawFinding {
                    rule: DROPPING_TABLE,
                    position,
                    statement_line: context.start.line,
                    message: format!("DROP TABLE {}", name.quoted()),
                    why: "the table and its rows are gone for good, and code that still reads or writes it fails: during a deploy, every instance still running the previous version".to_string(),
                    help: format!(
                        "first deploy code that no longer uses the table, then drop it in a later migration (after a backup if its rows may be wanted again); once that is so, put `-- dbkit:allow({DROPPING_TABLE})` on the line above"
                    ),
                });
                locks.push(HeavyLock {
                    statement: format!("DROP TABLE {}", name.quoted()),
                    lock: "ACCESS EXCLUSIVE",
                    object: name.quoted(),
                });
            }
            ObjectType::Database => findings.push(dropping_database(&name, position, context)),
            ObjectType::Schema => {
                if state.schema_is_new(&name.name) {
                    continue;
                }
                findings.push(RawFinding {
                    rule: DROPPING_SCHEMA,
                    position,
                    statement_line: context.start.line,
                    message: format!("DROP SCHEMA {}", quote_identifier(&name.name)),
                    why: "the schema goes with everything in it (with CASCADE, its tables and their rows), and code that still uses it fails".to_string(),
                    help: format!(
                        "first deploy code that no longer uses the schema, then drop it in a later migration; once that is so, put `-- dbkit:allow({DROPPING_SCHEMA})` on the line above"
                    ),
                });
                locks.push(HeavyLock {
                    statement: format!("DROP SCHEMA {}", quote_identifier(&name.name)),
                    lock: "ACCESS EXCLUSIVE",
                    object: format!("what schema {} holds", quote_identifier(&name.name)),
                });
            }
            ObjectType::View
            | ObjectType::MaterializedView
            | ObjectType::Sequence
            | ObjectType::Type => {
                let created = if object_type == ObjectType::Type {
                    state.type_is_new(&name)
                } else {
                    state.table_is_new(&name)
                };
                if !created {
                    locks.push(HeavyLock {
                        statement: format!("DROP {object_type} {}", name.quoted()),
                        lock: "ACCESS EXCLUSIVE",
                        object: name.quoted(),
                    });
                }
            }
            _ => {}
        }
    }
}

/// The `ALTER TABLE` rules: `operations` are the actions sqlparser read,
/// `unsupported` the ones the lint read itself.
#[allow(clippy::too_many_arguments)]
fn check_alter_table(
    table_name: &ObjectName,
    operations: &[AlterTableOperation],
    unsupported: &[UnsupportedAction],
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
    locks: &mut Vec<HeavyLock>,
) {
    let table = Name::of(table_name);
    if state.table_is_new(&table) {
        for operation in operations {
            match operation {
                AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::ForeignKey(foreign_key),
                    ..
                } => {
                    let referenced = Name::of(&foreign_key.foreign_table);
                    if !state.table_is_new(&referenced) {
                        locks.push(HeavyLock {
                            statement: format!(
                                "ALTER TABLE {} ADD FOREIGN KEY referencing {}",
                                table.quoted(),
                                referenced.quoted()
                            ),
                            lock: "SHARE ROW EXCLUSIVE",
                            object: referenced.quoted(),
                        });
                    }
                }
                AlterTableOperation::RenameTable { table_name } => {
                    let (RenameTableNameKind::As(new) | RenameTableNameKind::To(new)) = table_name;
                    let mut renamed = Name::of(new);
                    if renamed.schema.is_none() {
                        renamed.schema = table.schema.clone();
                    }
                    state.tables.push(renamed);
                }
                _ => {}
            }
        }
        for action in unsupported {
            if let UnsupportedActionKind::SetSchema { schema } = &action.kind {
                state.tables.push(Name {
                    schema: Some(identifier_value(schema)),
                    name: table.name.clone(),
                });
            }
        }
        return;
    }
    for operation in operations {
        check_alter_table_operation(&table, operation, context, state, findings);
        if let AlterTableOperation::RenameTable { table_name } = operation {
            let (RenameTableNameKind::As(new) | RenameTableNameKind::To(new)) = table_name;
            let mut renamed = Name::of(new);
            renamed.schema = table.schema.clone();
            state.rename_existing_table(&table, renamed);
        }
    }
    for action in unsupported {
        match &action.kind {
            UnsupportedActionKind::SetSchema { schema } => {
                check_set_schema(&table, schema, action.span, context, state, findings);
            }
            UnsupportedActionKind::SetTablespace { tablespace } => {
                findings.push(setting_tablespace(
                    &format!("ALTER TABLE {}", table.quoted()),
                    &table.quoted(),
                    &table.quoted(),
                    tablespace,
                    context.position(action.span),
                    context,
                ));
            }
            _ => {}
        }
    }
    let lock = if unsupported.is_empty() {
        alter_table_lock(operations)
    } else {
        // Every action the lint reads itself takes ACCESS EXCLUSIVE.
        Some("ACCESS EXCLUSIVE")
    };
    if let Some(lock) = lock {
        let action = match (operations, unsupported) {
            ([], [action]) => format!(" {}", describe_unsupported_action(&action.kind)),
            _ => String::new(),
        };
        locks.push(HeavyLock {
            statement: format!("ALTER TABLE {}{action}", table.quoted()),
            lock,
            object: table.quoted(),
        });
    }
}

/// An action the lint reads itself, as SQL with quoted names.
fn describe_unsupported_action(kind: &UnsupportedActionKind) -> String {
    match kind {
        UnsupportedActionKind::SetSchema { schema } => format!("SET SCHEMA {}", quoted(schema)),
        UnsupportedActionKind::SetTablespace { tablespace } => {
            format!("SET TABLESPACE {}", quoted(tablespace))
        }
        UnsupportedActionKind::DropExpression { column } => {
            format!("ALTER COLUMN {} DROP EXPRESSION", quoted(column))
        }
        UnsupportedActionKind::DropIdentity { column } => {
            format!("ALTER COLUMN {} DROP IDENTITY", quoted(column))
        }
        UnsupportedActionKind::SetGenerated { column } => {
            format!("ALTER COLUMN {} SET GENERATED", quoted(column))
        }
        UnsupportedActionKind::SetTypeCollation { column } => {
            format!("ALTER COLUMN {} TYPE … COLLATE", quoted(column))
        }
        UnsupportedActionKind::AlterConstraint { name } => {
            format!("ALTER CONSTRAINT {}", quoted(name))
        }
    }
}

/// `SET SCHEMA` of an existing table: like a rename, running code that
/// names the table by its old schema fails.
fn check_set_schema(
    table: &Name,
    schema: &Ident,
    span: Span,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    let moved = Name {
        schema: Some(identifier_value(schema)),
        name: table.name.clone(),
    };
    let original = state.original_table_name(table);
    let renamed_above = original != *table;
    let described = if renamed_above {
        format!(
            "table {} (existing table {}, renamed above)",
            table.quoted(),
            original.quoted()
        )
    } else {
        format!("existing table {}", table.quoted())
    };
    let allow = format!(
        "if no code using the old name runs while the migration does, put `-- dbkit:allow({RENAMING_TABLE})` on the line above"
    );
    let help = if renamed_above {
        format!(
            "a view created under the old name {} for the rename above follows the table to its new schema, so it keeps the old name working here too; or, {allow}",
            original.quoted()
        )
    } else {
        format!(
            "keep the old name working meanwhile: in the same migration, create a view under the old name (a simple view can be written through), and drop it in a later migration once no code uses it:\nCREATE VIEW {} AS SELECT * FROM {};\nor, {allow}",
            original.quoted(),
            moved.quoted()
        )
    };
    findings.push(RawFinding {
        rule: RENAMING_TABLE,
        position: context.position(span),
        statement_line: context.start.line,
        message: format!(
            "SET SCHEMA moves {described} to schema {}",
            quoted(schema)
        ),
        why: format!(
            "code deployed before this migration still uses {} and fails from the moment the migration commits until every instance runs the new code",
            original.quoted()
        ),
        help,
    });
    state.rename_existing_table(table, moved);
}

/// The strongest lock the operations take on the table, or `None` when
/// none blocks reads or writes (`VALIDATE CONSTRAINT` takes SHARE UPDATE
/// EXCLUSIVE).
fn alter_table_lock(operations: &[AlterTableOperation]) -> Option<&'static str> {
    let mut strongest = None;
    for operation in operations {
        match operation {
            AlterTableOperation::ValidateConstraint { .. } => {}
            AlterTableOperation::AddConstraint {
                constraint: TableConstraint::ForeignKey(_),
                ..
            } => {
                strongest = strongest.or(Some("SHARE ROW EXCLUSIVE"));
            }
            _ => return Some("ACCESS EXCLUSIVE"),
        }
    }
    strongest
}

fn check_alter_table_operation(
    table: &Name,
    operation: &AlterTableOperation,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    let position = context.position(operation.span());
    let mut push = |rule: &'static str, message: String, why: String, help: String| {
        findings.push(RawFinding {
            rule,
            position,
            statement_line: context.start.line,
            message,
            why,
            help,
        });
    };
    let alter = format!("ALTER TABLE {}", table.quoted());
    match operation {
        AlterTableOperation::AddColumn { column_def, .. } => {
            check_add_column(table, column_def, &state.functions, &mut push);
            state.set_column_type(
                table,
                &identifier_value(&column_def.name),
                Some(spell_type(&plain_type(&column_def.data_type))),
            );
        }
        AlterTableOperation::AddConstraint {
            constraint,
            not_valid,
        } => {
            if *not_valid && let Some(name) = constraint_name(constraint) {
                let lock = match constraint {
                    TableConstraint::ForeignKey(_) => "SHARE ROW EXCLUSIVE",
                    _ => "ACCESS EXCLUSIVE",
                };
                state.not_valid.push(NotValidConstraint {
                    table: state.original_table_name(table),
                    name: identifier_value(name),
                    transaction: state.transaction,
                    lock,
                });
            }
            match constraint {
                TableConstraint::Exclude(_) => push(
                    ADDING_EXCLUSION_CONSTRAINT,
                    format!(
                        "ADD EXCLUDE constraint{} to existing table {}",
                        constraint_name(constraint)
                            .map(|name| format!(" {}", quoted(name)))
                            .unwrap_or_default(),
                        table.quoted()
                    ),
                    format!(
                        "PostgreSQL builds the constraint's index and checks every row against the others while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits until the whole table has been read and indexed; unlike UNIQUE, an exclusion constraint can neither be added NOT VALID nor take an index built CONCURRENTLY",
                        table.quoted()
                    ),
                    format!(
                        "on a large table, create a new table with the constraint, copy the rows in batches while the code writes both, and switch over; if {} is small enough to be locked while it is read, put `-- dbkit:allow({ADDING_EXCLUSION_CONSTRAINT})` on the line above",
                        table.quoted()
                    ),
                ),
                TableConstraint::ForeignKey(_) | TableConstraint::Check(_) if !not_valid => {
                    let (kind, why) = match constraint {
                        TableConstraint::ForeignKey(foreign_key) => (
                            "FOREIGN KEY",
                            format!(
                                "PostgreSQL checks every existing row against {} while it holds SHARE ROW EXCLUSIVE locks on both tables: every INSERT, UPDATE and DELETE on them waits for the whole scan",
                                Name::of(&foreign_key.foreign_table).quoted()
                            ),
                        ),
                        _ => (
                            "CHECK",
                            format!(
                                "PostgreSQL checks every existing row while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits for the whole scan",
                                table.quoted()
                            ),
                        ),
                    };
                    let name = constraint_name(constraint);
                    let validate = match &name {
                        Some(name) => format!("{alter} VALIDATE CONSTRAINT {};", quoted(name)),
                        None => format!(
                            "{alter} VALIDATE CONSTRAINT <name>; -- name the constraint so that it can be validated"
                        ),
                    };
                    push(
                        CONSTRAINT_MISSING_NOT_VALID,
                        format!(
                            "ADD {kind} constraint{} to existing table {} without NOT VALID",
                            name.map(|name| format!(" {}", quoted(name)))
                                .unwrap_or_default(),
                            table.quoted()
                        ),
                        why,
                        format!(
                            "add it NOT VALID, which skips the scan and holds the lock only for a moment (new rows are checked at once), then validate it in a later migration, which scans under a SHARE UPDATE EXCLUSIVE lock that lets reads and writes go on:\n{alter} ADD {constraint} NOT VALID;\n-- in a later migration:\n{validate}"
                        ),
                    );
                }
                TableConstraint::Unique(_) | TableConstraint::PrimaryKey(_) => {
                    let (kind, columns, extra) = match constraint {
                        TableConstraint::PrimaryKey(key) => (
                            "PRIMARY KEY",
                            index_columns(&key.columns),
                            " (its columns must already be NOT NULL, or SET NOT NULL scans the table too: see setting-not-null)",
                        ),
                        TableConstraint::Unique(unique) => {
                            ("UNIQUE", index_columns(&unique.columns), "")
                        }
                        _ => ("", String::new(), ""),
                    };
                    let name = constraint_name(constraint)
                        .map_or_else(|| format!("{}_key", table.name), identifier_value);
                    let index = quote_identifier(&name);
                    push(
                        ADDING_UNIQUE_CONSTRAINT,
                        format!(
                            "ADD {kind} constraint to existing table {} without USING INDEX",
                            table.quoted()
                        ),
                        format!(
                            "PostgreSQL builds the constraint's unique index while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits until the whole table has been read and indexed",
                            table.quoted()
                        ),
                        format!(
                            "build the unique index first without blocking writes, in a migration of its own whose first line is `-- dbkit:no-transaction` (CONCURRENTLY cannot run in a transaction), then turn it into the constraint, which holds the lock only for a moment{extra}:\n{NO_TRANSACTION_MARKER}\nCREATE UNIQUE INDEX CONCURRENTLY {index} ON {} ({columns});\n-- in a later migration:\n{alter} ADD CONSTRAINT {index} {kind} USING INDEX {index};",
                            table.quoted()
                        ),
                    );
                }
                _ => {}
            }
        }
        AlterTableOperation::ValidateConstraint { name } => {
            let constraint = identifier_value(name);
            let original = state.original_table_name(table);
            if let Some(added) = state
                .not_valid
                .iter()
                .rev()
                .find(|added| added.table.matches(&original) && added.name == constraint)
                && added.transaction == state.transaction
            {
                let blocked = if added.lock == "ACCESS EXCLUSIVE" {
                    "every query on it, reads included, waits for the whole scan"
                } else {
                    "every INSERT, UPDATE and DELETE on it waits for the whole scan"
                };
                push(
                    VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION,
                    format!(
                        "VALIDATE CONSTRAINT {} on existing table {} in the transaction that added it NOT VALID",
                        quoted(name),
                        table.quoted()
                    ),
                    format!(
                        "a lock is held until its transaction ends: the scan that validates the constraint runs while this transaction still holds the {} lock ADD CONSTRAINT took on {}, so {blocked}, which is what NOT VALID was meant to avoid",
                        added.lock,
                        table.quoted()
                    ),
                    format!(
                        "validate it in a later migration, where VALIDATE takes only a SHARE UPDATE EXCLUSIVE lock that lets reads and writes go on (in a migration marked `-- dbkit:no-transaction`, a statement of its own outside BEGIN … COMMIT is enough):\n-- in a later migration:\n{alter} VALIDATE CONSTRAINT {};",
                        quoted(name)
                    ),
                );
            }
        }
        AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged => {
            let (keyword, effect) = if matches!(operation, AlterTableOperation::SetLogged) {
                (
                    "SET LOGGED",
                    "writes the whole table to the WAL (and to every replica) as it copies it",
                )
            } else {
                (
                    "SET UNLOGGED",
                    "copies the whole table, and from then on its rows are lost in a crash and absent from replicas",
                )
            };
            push(
                CHANGING_TABLE_PERSISTENCE,
                format!("{keyword} on existing table {}", table.quoted()),
                format!(
                    "PostgreSQL rewrites the table while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits for the rewrite; it {effect}",
                    table.quoted()
                ),
                format!(
                    "for a large table, create the new table {} and copy the rows in batches, then switch over; if {} is small enough to be locked while it is rewritten, put `-- dbkit:allow({CHANGING_TABLE_PERSISTENCE})` on the line above",
                    if keyword == "SET LOGGED" {
                        "as a logged one"
                    } else {
                        "UNLOGGED"
                    },
                    table.quoted()
                ),
            );
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = quoted(column_name);
            match op {
                AlterColumnOperation::SetNotNull => {
                    let check = quote_identifier(truncate_identifier(&format!(
                        "{}_{}_not_null",
                        table.name,
                        identifier_value(column_name)
                    )));
                    push(
                        SETTING_NOT_NULL,
                        format!(
                            "ALTER COLUMN {column} SET NOT NULL on existing table {}",
                            table.quoted()
                        ),
                        format!(
                            "PostgreSQL reads the whole table to prove there is no NULL while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits for the scan",
                            table.quoted()
                        ),
                        format!(
                            "prove it with a check constraint first: add it NOT VALID (no scan), validate it in a later migration (a scan that lets reads and writes go on), then SET NOT NULL, which PostgreSQL 12+ takes from the validated check without a scan, and drop the check:\n{alter} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;\n-- in a later migration:\n{alter} VALIDATE CONSTRAINT {check};\n{alter} ALTER COLUMN {column} SET NOT NULL;\n{alter} DROP CONSTRAINT {check};"
                        ),
                    );
                }
                AlterColumnOperation::SetDataType {
                    data_type, using, ..
                } => {
                    let column_value = identifier_value(column_name);
                    let old = state.column_type(table, &column_value);
                    let new = spell_type(&data_type.to_string());
                    state.set_column_type(table, &column_value, Some(new.clone()));
                    let change = ColumnTypeChange {
                        table,
                        column: &column,
                        old: old.as_deref(),
                        new: &new,
                    };
                    if let Some((message, why, help)) =
                        change.finding(using.as_ref(), column_name, state.time_zone_utc)
                    {
                        push(CHANGING_COLUMN_TYPE, message, why, help);
                    }
                }
                _ => {}
            }
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            for column in column_names {
                state.set_column_type(table, &identifier_value(column), None);
                push(
                    DROPPING_COLUMN,
                    format!(
                        "DROP COLUMN {} from existing table {}",
                        quoted(column),
                        table.quoted()
                    ),
                    "the column's values are gone for good, and code that still reads or writes it fails: during a deploy, every instance still running the previous version".to_string(),
                    format!(
                        "first deploy code that no longer uses the column, then drop it in a later migration; once that is so, put `-- dbkit:allow({DROPPING_COLUMN})` on the line above"
                    ),
                );
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            let old = identifier_value(old_column_name);
            let ty = state.column_type(table, &old);
            state.set_column_type(table, &old, None);
            state.set_column_type(table, &identifier_value(new_column_name), ty);
            push(
                RENAMING_COLUMN,
                format!(
                    "RENAME COLUMN {} TO {} on existing table {}",
                    quoted(old_column_name),
                    quoted(new_column_name),
                    table.quoted()
                ),
                format!(
                    "code deployed before this migration still uses {} and fails from the moment the migration commits until every instance runs the new code",
                    quoted(old_column_name)
                ),
                format!(
                    "expand and contract: add the new column, have the code write both, backfill it, switch reads over, then drop the old column in a later migration; or, if no code using the old name runs while the migration does, put `-- dbkit:allow({RENAMING_COLUMN})` on the line above"
                ),
            );
        }
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::As(new) | RenameTableNameKind::To(new)) = table_name;
            let new = Name::of(new);
            push(
                RENAMING_TABLE,
                format!(
                    "RENAME existing table {} TO {}",
                    table.quoted(),
                    quote_identifier(&new.name)
                ),
                format!(
                    "code deployed before this migration still uses {} and fails from the moment the migration commits until every instance runs the new code",
                    table.quoted()
                ),
                format!(
                    "keep the old name working meanwhile: in the same migration, create a view under the old name (a simple view can be written through), and drop it in a later migration once no code uses it:\nCREATE VIEW {} AS SELECT * FROM {};\nor, if no code using the old name runs while the migration does, put `-- dbkit:allow({RENAMING_TABLE})` on the line above",
                    table.quoted(),
                    Name {
                        schema: table.schema.clone(),
                        name: new.name.clone()
                    }
                    .quoted()
                ),
            );
        }
        _ => {}
    }
}

fn constraint_name(constraint: &TableConstraint) -> Option<&Ident> {
    match constraint {
        TableConstraint::Unique(unique) => unique.name.as_ref(),
        TableConstraint::PrimaryKey(key) => key.name.as_ref(),
        TableConstraint::ForeignKey(foreign_key) => foreign_key.name.as_ref(),
        TableConstraint::Check(check) => check.name.as_ref(),
        _ => None,
    }
}

fn index_columns(columns: &[sqlparser::ast::IndexColumn]) -> String {
    columns
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
