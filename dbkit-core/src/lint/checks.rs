//! The rules that read parsed statements, and what the file has shown so
//! far (objects it created, whether it set a lock timeout).

use std::ops::ControlFlow;

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeOperation, ColumnDef, ColumnOption,
    CreateIndex, DataType, ExactNumberInfo, Expr, GeneratedAs, GeneratedExpressionMode, Ident,
    ObjectName, ObjectType, RenameTableNameKind, Reset, SchemaName, Set, Spanned, Statement,
    TableConstraint, Value, visit_expressions,
};
use sqlparser::tokenizer::Span;

use super::alter_table::{AlterTable, UnsupportedAction, UnsupportedActionKind};
use super::findings::{Findings, RawFinding};
use super::rules::{
    ADDING_NOT_NULL_COLUMN, ADDING_UNIQUE_CONSTRAINT, ADDING_VOLATILE_DEFAULT,
    CHANGING_COLUMN_TYPE, CONCURRENTLY_IN_TRANSACTION, CONSTRAINT_MISSING_NOT_VALID,
    CREATE_INDEX_NON_CONCURRENTLY, DROP_INDEX_NON_CONCURRENTLY, DROPPING_COLUMN, DROPPING_SCHEMA,
    DROPPING_TABLE, ENUM_VALUE_WITHOUT_POSITION, RENAMING_COLUMN, RENAMING_TABLE,
    REQUIRE_LOCK_TIMEOUT, SETTING_NOT_NULL,
};
use super::source::{Origin, Position, truncated_identifier};
use crate::diff::quote_identifier;
use crate::render::NO_TRANSACTION_MARKER;

/// Functions whose value changes from row to row (PostgreSQL's `VOLATILE`
/// ones a default is likely to call). `now()`, `CURRENT_TIMESTAMP` and
/// `statement_timestamp()` are `STABLE`: PostgreSQL 11+ evaluates them once
/// and stores the value without a rewrite.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "clock_timestamp",
    "currval",
    "gen_random_bytes",
    "gen_random_uuid",
    "lastval",
    "nextval",
    "pg_current_xact_id",
    "random",
    "random_normal",
    "setseed",
    "timeofday",
    "txid_current",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
];

/// Column types that are a sequence's `nextval()` default in disguise.
const SERIAL_TYPES: &[&str] = &[
    "bigserial",
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallserial",
];

/// A name as PostgreSQL resolves it: unquoted parts folded to lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    schema: Option<String>,
    name: String,
}

impl Name {
    fn of(object: &ObjectName) -> Name {
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

    fn in_schema(schema: Option<String>, name: &Ident) -> Name {
        Name {
            schema,
            name: identifier_value(name),
        }
    }

    /// The same object: same name, and the same schema when both say one
    /// (an unqualified name may be either, on the search path).
    fn matches(&self, other: &Name) -> bool {
        self.name == other.name
            && match (&self.schema, &other.schema) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }

    /// `"schema"."name"`, or `"name"`.
    fn quoted(&self) -> String {
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
fn identifier_value(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_ascii_lowercase()
    }
}

fn quoted(ident: &Ident) -> String {
    quote_identifier(&identifier_value(ident))
}

/// What the statements read so far have shown.
#[derive(Debug, Default)]
pub(crate) struct FileState {
    no_transaction: bool,
    tables: Vec<Name>,
    indexes: Vec<Name>,
    types: Vec<Name>,
    schemas: Vec<String>,
    /// Existing tables renamed or moved earlier in the file: the name
    /// they have now, and the name running code knows them by.
    renamed_tables: Vec<(Name, Name)>,
    lock_timeout_set: bool,
    lock_timeout_reported: bool,
}

impl FileState {
    /// The state at the top of a file; `no_transaction` when its first
    /// line is the `-- dbkit:no-transaction` marker.
    pub fn new(no_transaction: bool) -> FileState {
        FileState {
            no_transaction,
            ..FileState::default()
        }
    }

    fn table_is_new(&self, name: &Name) -> bool {
        self.tables.iter().any(|created| created.matches(name))
    }

    fn index_is_new(&self, name: &Name) -> bool {
        self.indexes.iter().any(|created| created.matches(name))
    }

    fn type_is_new(&self, name: &Name) -> bool {
        self.types.iter().any(|created| created.matches(name))
    }

    fn schema_is_new(&self, name: &str) -> bool {
        self.schemas.iter().any(|created| created == name)
    }

    /// The name running code knows an existing table by: the name it had
    /// before the file renamed or moved it.
    fn original_table_name(&self, name: &Name) -> Name {
        self.renamed_tables
            .iter()
            .rev()
            .find(|(current, _)| current.matches(name))
            .map_or_else(|| name.clone(), |(_, original)| original.clone())
    }

    /// Records that the existing table `from` is now called `to`.
    fn rename_existing_table(&mut self, from: &Name, to: Name) {
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
    fn position(&self, span: Span) -> Position {
        self.origin.position(span.start).unwrap_or(self.start)
    }
}

/// A lock that blocks queries on an object the file did not create.
struct HeavyLock {
    /// The statement, in a few words (`ALTER TABLE "public"."users"`).
    statement: String,
    /// The lock's name (`ACCESS EXCLUSIVE`).
    lock: &'static str,
    /// The object locked, quoted.
    object: String,
}

/// Runs every statement rule over `statement`, then records what it
/// creates.
pub(crate) fn check_statement(
    statement: &Statement,
    context: &StatementContext,
    state: &mut FileState,
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
        Statement::CreateType { name, .. } => state.types.push(Name::of(name)),
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) if is_lock_timeout(variable) => {
            state.lock_timeout_set = !values.iter().all(disables_lock_timeout);
        }
        Statement::Reset(reset) => match &reset.reset {
            Reset::ALL => state.lock_timeout_set = false,
            Reset::ConfigurationParameter(name) if is_lock_timeout(name) => {
                state.lock_timeout_set = false;
            }
            _ => {}
        },
        _ => {}
    }
    if let Some(lock) = locks.first() {
        require_lock_timeout(lock, context, state, findings);
    }
}

/// Runs the rules over an `ALTER TABLE` statement that only the lint's
/// own reader reads (see [`super::alter_table`]).
/// `ALTER TYPE … SET SCHEMA`, which sqlparser does not read: a type created
/// in the file stays new under its new schema. Like `ALTER TYPE … RENAME
/// TO`, it reports nothing: it locks the type, which queries do not take.
pub(crate) fn check_alter_type_set_schema(
    name: &ObjectName,
    schema: &Ident,
    state: &mut FileState,
) {
    let name = Name::of(name);
    if state.type_is_new(&name) {
        state.types.push(Name {
            schema: Some(identifier_value(schema)),
            name: name.name,
        });
    }
}

pub(crate) fn check_unsupported_alter_table(
    alter: &AlterTable,
    context: &StatementContext,
    state: &mut FileState,
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

fn is_lock_timeout(name: &ObjectName) -> bool {
    matches!(name.0.as_slice(), [part]
        if part.as_ident().is_some_and(|ident| ident.value.eq_ignore_ascii_case("lock_timeout")))
}

/// `0` (in any unit) and `DEFAULT` (the server's default: no timeout) set
/// no timeout.
fn disables_lock_timeout(value: &Expr) -> bool {
    match value {
        Expr::Value(value) => match &value.value {
            Value::Number(number, _) => number.parse::<f64>().is_ok_and(|number| number == 0.0),
            Value::SingleQuotedString(text) => {
                let text = text.trim();
                let digits_end = text
                    .find(|character: char| !character.is_ascii_digit())
                    .unwrap_or(text.len());
                let (digits, unit) = text.split_at(digits_end);
                !digits.is_empty()
                    && digits.bytes().all(|digit| digit == b'0')
                    && unit.trim().chars().all(char::is_alphabetic)
            }
            _ => false,
        },
        Expr::Identifier(ident) => ident.value.eq_ignore_ascii_case("default"),
        _ => false,
    }
}

fn require_lock_timeout(
    lock: &HeavyLock,
    context: &StatementContext,
    state: &mut FileState,
    findings: &mut Findings,
) {
    if state.lock_timeout_set || state.lock_timeout_reported {
        return;
    }
    state.lock_timeout_reported = true;
    let blocked = if lock.lock == "ACCESS EXCLUSIVE" {
        "every later query on it, reads included,"
    } else {
        "every later INSERT, UPDATE and DELETE on it"
    };
    let set = if state.no_transaction {
        "SET lock_timeout = '5s';"
    } else {
        "SET LOCAL lock_timeout = '5s';"
    };
    findings.push(RawFinding {
        rule: REQUIRE_LOCK_TIMEOUT,
        position: context.start,
        statement_line: context.start.line,
        message: format!(
            "{} takes {} {} lock on {} and the migration sets no lock_timeout before it",
            lock.statement,
            if lock.lock.starts_with('A') { "an" } else { "a" },
            lock.lock,
            lock.object
        ),
        why: format!(
            "while the statement waits for its lock (behind any long query or transaction that uses {}), {blocked} waits behind it: the table stops answering for as long as the wait lasts",
            lock.object
        ),
        help: format!(
            "start the migration with a lock timeout, so the statement gives up after a while (the migration fails and can be run again) instead of queueing everyone behind it:\n{set}"
        ),
    });
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

const NO_TRANSACTION_HELP: &str = "CONCURRENTLY cannot run in a transaction, so put it in a migration of its own whose first line is `-- dbkit:no-transaction`";

fn check_create_index(
    index: &CreateIndex,
    context: &StatementContext,
    state: &mut FileState,
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

fn concurrently_in_transaction(context: &StatementContext, message: String) -> RawFinding {
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
    state: &mut FileState,
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
    state: &mut FileState,
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
        check_alter_table_operation(&table, operation, context, findings);
        if let AlterTableOperation::RenameTable { table_name } = operation {
            let (RenameTableNameKind::As(new) | RenameTableNameKind::To(new)) = table_name;
            let mut renamed = Name::of(new);
            renamed.schema = table.schema.clone();
            state.rename_existing_table(&table, renamed);
        }
    }
    for action in unsupported {
        if let UnsupportedActionKind::SetSchema { schema } = &action.kind {
            check_set_schema(&table, schema, action.span, context, state, findings);
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
        UnsupportedActionKind::DropExpression { column } => {
            format!("ALTER COLUMN {} DROP EXPRESSION", quoted(column))
        }
        UnsupportedActionKind::DropIdentity { column } => {
            format!("ALTER COLUMN {} DROP IDENTITY", quoted(column))
        }
        UnsupportedActionKind::SetGenerated { column } => {
            format!("ALTER COLUMN {} SET GENERATED", quoted(column))
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
    state: &mut FileState,
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
            check_add_column(table, column_def, &mut push);
        }
        AlterTableOperation::AddConstraint {
            constraint,
            not_valid,
        } => match constraint {
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
        },
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = quoted(column_name);
            match op {
                AlterColumnOperation::SetNotNull => {
                    let check = quote_identifier(truncated_identifier(&format!(
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
                    let computed = using
                        .as_ref()
                        .is_some_and(|using| !is_column_itself(using, column_name));
                    if computed || !is_widening_target(data_type) {
                        let reason = if computed {
                            "; its USING expression computes every value anew, so the table is rewritten whatever the old type"
                        } else {
                            ""
                        };
                        push(
                            CHANGING_COLUMN_TYPE,
                            format!(
                                "ALTER COLUMN {column} TYPE {data_type} on existing table {}{reason}",
                                table.quoted()
                            ),
                            format!(
                                "unless the change only widens the type, PostgreSQL rewrites the whole table and rebuilds its indexes while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits for the rewrite",
                                table.quoted()
                            ),
                            format!(
                                "if this only widens the type (varchar(n) to a longer varchar(m), numeric(p,s) to a larger precision with the same scale), PostgreSQL makes no rewrite: put `-- dbkit:allow({CHANGING_COLUMN_TYPE})` on the line above. Otherwise add a column of the new type, keep it filled (a trigger, or the code writing both), backfill it in batches, switch the code over, then drop the old column"
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            for column in column_names {
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
        } => push(
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
        ),
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

/// The `ADD COLUMN` rules: NOT NULL without a default, values computed
/// row by row, inline constraints.
fn check_add_column(
    table: &Name,
    column: &ColumnDef,
    push: &mut impl FnMut(&'static str, String, String, String),
) {
    let alter = format!("ALTER TABLE {}", table.quoted());
    let name = quoted(&column.name);
    let data_type = &column.data_type;
    let mut not_null = false;
    let mut default = None;
    let mut generated = false;
    for option in &column.options {
        match &option.option {
            ColumnOption::NotNull | ColumnOption::PrimaryKey(_) => not_null = true,
            ColumnOption::Default(expr) if !is_null(expr) => default = Some(expr),
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => generated = true,
            _ => {}
        }
    }
    let serial = is_serial(data_type);
    if not_null && default.is_none() && !generated && !serial {
        push(
            ADDING_NOT_NULL_COLUMN,
            format!(
                "ADD COLUMN {name} NOT NULL without a DEFAULT to existing table {}",
                table.quoted()
            ),
            format!(
                "the existing rows would hold NULL in it: on a table with rows the statement fails (\"column {} contains null values\"), after waiting for an ACCESS EXCLUSIVE lock on {}",
                quoted(&column.name),
                table.quoted()
            ),
            format!(
                "give it a constant DEFAULT, which PostgreSQL 11+ records without rewriting the table:\n{alter} ADD COLUMN {name} {data_type} NOT NULL DEFAULT <value>;\nor add it without NOT NULL, backfill it in batches, then make it NOT NULL as setting-not-null describes"
            ),
        );
    }
    let volatile = default.and_then(volatile_function);
    let rewrite = if let Some(function) = &volatile {
        Some(format!("a volatile default ({function}())"))
    } else if serial {
        Some(format!("serial type {data_type}, a nextval() default"))
    } else {
        column
            .options
            .iter()
            .find_map(|option| match &option.option {
                ColumnOption::Generated {
                    generated_as: GeneratedAs::Always | GeneratedAs::ByDefault,
                    generation_expr: None,
                    ..
                }
                | ColumnOption::Identity(_) => Some("GENERATED … AS IDENTITY".to_string()),
                ColumnOption::Generated {
                    generation_expr: Some(_),
                    generation_expr_mode,
                    ..
                } if generation_expr_mode != &Some(GeneratedExpressionMode::Virtual) => {
                    Some("GENERATED ALWAYS AS (…) STORED".to_string())
                }
                _ => None,
            })
    };
    if let Some(rewrite) = rewrite {
        let help = match &volatile {
            Some(_) => format!(
                "add the column without the default, give it the default for new rows (no rewrite), then fill the existing rows in batches:\n{alter} ADD COLUMN {name} {data_type};\n{alter} ALTER COLUMN {name} SET DEFAULT {};\nUPDATE {} SET {name} = {} WHERE {name} IS NULL; -- in batches, e.g. by ranges of the primary key",
                default.map(ToString::to_string).unwrap_or_default(),
                table.quoted(),
                default.map(ToString::to_string).unwrap_or_default(),
            ),
            None => format!(
                "add a plain nullable column, give it its default or trigger for new rows, fill the existing rows in batches, then add the constraints the safe way:\n{alter} ADD COLUMN {name} {};",
                plain_type(data_type)
            ),
        };
        push(
            ADDING_VOLATILE_DEFAULT,
            format!(
                "ADD COLUMN {name} with {rewrite} to existing table {}",
                table.quoted()
            ),
            format!(
                "PostgreSQL 11+ stores a constant or stable default (now(), CURRENT_TIMESTAMP) once, but this value must be computed for every row: the whole table is rewritten while it holds an ACCESS EXCLUSIVE lock on {}, and every query on it, reads included, waits for the rewrite",
                table.quoted()
            ),
            help,
        );
    }
    for option in &column.options {
        match &option.option {
            ColumnOption::ForeignKey(foreign_key) => {
                let referenced = Name::of(&foreign_key.foreign_table);
                let constraint = quote_identifier(truncated_identifier(&format!(
                    "{}_{}_fkey",
                    table.name,
                    identifier_value(&column.name)
                )));
                let referred = if foreign_key.referred_columns.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        foreign_key
                            .referred_columns
                            .iter()
                            .map(quoted)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                push(
                    CONSTRAINT_MISSING_NOT_VALID,
                    format!(
                        "ADD COLUMN {name} REFERENCES {} on existing table {}: the foreign key is validated at once",
                        referenced.quoted(),
                        table.quoted()
                    ),
                    format!(
                        "PostgreSQL checks every existing row against {} while it holds SHARE ROW EXCLUSIVE locks on both tables (and an ACCESS EXCLUSIVE one on {} for the new column): writes to both wait for the whole scan",
                        referenced.quoted(),
                        table.quoted()
                    ),
                    format!(
                        "add the column without REFERENCES, add the foreign key NOT VALID, and validate it in a later migration (a scan that lets reads and writes go on):\n{alter} ADD COLUMN {name} {data_type};\n{alter} ADD CONSTRAINT {constraint} FOREIGN KEY ({name}) REFERENCES {}{referred} NOT VALID;\n-- in a later migration:\n{alter} VALIDATE CONSTRAINT {constraint};",
                        referenced.quoted()
                    ),
                );
            }
            ColumnOption::Check(check) => {
                let constraint = quote_identifier(truncated_identifier(&format!(
                    "{}_{}_check",
                    table.name,
                    identifier_value(&column.name)
                )));
                push(
                    CONSTRAINT_MISSING_NOT_VALID,
                    format!(
                        "ADD COLUMN {name} with an inline CHECK on existing table {}: the check is validated at once",
                        table.quoted()
                    ),
                    format!(
                        "PostgreSQL checks every existing row while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits for the whole scan",
                        table.quoted()
                    ),
                    format!(
                        "add the column without the CHECK, add the check NOT VALID, and validate it in a later migration:\n{alter} ADD COLUMN {name} {data_type};\n{alter} ADD CONSTRAINT {constraint} CHECK ({}) NOT VALID;\n-- in a later migration:\n{alter} VALIDATE CONSTRAINT {constraint};",
                        check.expr
                    ),
                );
            }
            ColumnOption::Unique(_) | ColumnOption::PrimaryKey(_) => {
                let kind = if matches!(option.option, ColumnOption::PrimaryKey(_)) {
                    "PRIMARY KEY"
                } else {
                    "UNIQUE"
                };
                let index = quote_identifier(truncated_identifier(&format!(
                    "{}_{}_key",
                    table.name,
                    identifier_value(&column.name)
                )));
                push(
                    ADDING_UNIQUE_CONSTRAINT,
                    format!(
                        "ADD COLUMN {name} {kind} on existing table {}: its unique index is built at once",
                        table.quoted()
                    ),
                    format!(
                        "PostgreSQL builds the unique index while it holds an ACCESS EXCLUSIVE lock on {}: every query on it, reads included, waits until the whole table has been read and indexed",
                        table.quoted()
                    ),
                    format!(
                        "add the column without {kind}, build the index without blocking writes in a migration of its own whose first line is `-- dbkit:no-transaction`, then turn it into the constraint:\n{alter} ADD COLUMN {name} {data_type};\n-- in a later migration:\n{NO_TRANSACTION_MARKER}\nCREATE UNIQUE INDEX CONCURRENTLY {index} ON {} ({name});\n-- in a later migration:\n{alter} ADD CONSTRAINT {index} {kind} USING INDEX {index};",
                        table.quoted()
                    ),
                );
            }
            _ => {}
        }
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

fn is_null(expr: &Expr) -> bool {
    matches!(expr, Expr::Value(value) if value.value == Value::Null)
}

/// The type a serial type stands for; any other type is itself.
fn plain_type(data_type: &DataType) -> String {
    if let DataType::Custom(name, _) = data_type {
        match Name::of(name).name.as_str() {
            "bigserial" | "serial8" => return "bigint".to_string(),
            "serial" | "serial4" => return "integer".to_string(),
            "smallserial" | "serial2" => return "smallint".to_string(),
            _ => {}
        }
    }
    data_type.to_string()
}

fn is_serial(data_type: &DataType) -> bool {
    match data_type {
        DataType::Custom(name, modifiers) if modifiers.is_empty() => {
            let name = Name::of(name);
            SERIAL_TYPES.contains(&name.name.as_str())
        }
        _ => false,
    }
}

/// The first volatile function the expression calls, lowercase.
fn volatile_function(expr: &Expr) -> Option<String> {
    let flow = visit_expressions(expr, |expr| {
        if let Expr::Function(function) = expr {
            let name = Name::of(&function.name).name;
            if VOLATILE_FUNCTIONS.contains(&name.as_str()) {
                return ControlFlow::Break(name);
            }
        }
        ControlFlow::Continue(())
    });
    match flow {
        ControlFlow::Break(name) => Some(name),
        ControlFlow::Continue(()) => None,
    }
}

/// Types that a column can often be changed to without a rewrite: `text`,
/// `varchar` without a length and `numeric` without a precision accept
/// every value of the types usually widened into them. The old type is
/// not in the SQL, so this is a guess that favours silence: `integer` to
/// `text` rewrites the table and is not reported.
fn is_widening_target(data_type: &DataType) -> bool {
    match data_type {
        DataType::Text
        | DataType::Varchar(None)
        | DataType::CharacterVarying(None)
        | DataType::Numeric(ExactNumberInfo::None)
        | DataType::Decimal(ExactNumberInfo::None) => true,
        DataType::Custom(name, modifiers) if modifiers.is_empty() => {
            matches!(Name::of(name).name.as_str(), "text" | "varchar")
        }
        _ => false,
    }
}

/// Whether a `USING` expression is the column itself, perhaps cast: then
/// the target type alone decides whether the table is rewritten.
fn is_column_itself(expr: &Expr, column: &Ident) -> bool {
    match expr {
        Expr::Identifier(ident) => identifier_value(ident) == identifier_value(column),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .is_some_and(|ident| identifier_value(ident) == identifier_value(column)),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => is_column_itself(expr, column),
        _ => false,
    }
}
