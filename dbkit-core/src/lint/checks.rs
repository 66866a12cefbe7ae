//! The rules that read parsed statements, and what the file has shown so
//! far (objects it created, whether it set a lock timeout).

use std::ops::ControlFlow;

use sqlparser::ast::{
    AlterColumnOperation, AlterIndexOperation, AlterTableOperation, AlterTypeOperation,
    BinaryOperator, ColumnDef, ColumnOption, CreateIndex, DataType, DropBehavior, Expr,
    FunctionBehavior, GeneratedAs, GeneratedExpressionMode, Ident, LockTableMode, ObjectName,
    ObjectType, RenameTableNameKind, Reset, SchemaName, Set, Spanned, Statement, TableConstraint,
    TableFactor, UnaryOperator, Value, visit_expressions,
};
use sqlparser::tokenizer::Span;

use super::alter_table::{AlterTable, UnsupportedAction, UnsupportedActionKind};
use super::findings::{Findings, RawFinding};
use super::functions::{is_known_non_volatile, is_known_volatile};
use super::rules::{
    ADDING_EXCLUSION_CONSTRAINT, CHANGING_TABLE_PERSISTENCE, DROPPING_DATABASE,
    REINDEX_NON_CONCURRENTLY, RENAMING_ENUM_VALUE, RENAMING_INDEX, REQUIRE_STATEMENT_TIMEOUT,
    SETTING_TABLESPACE, TRANSACTION_STATEMENT, UPDATING_WHOLE_TABLE,
    VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION,
};
use super::rules::{
    ADDING_NOT_NULL_COLUMN, ADDING_UNIQUE_CONSTRAINT, ADDING_VOLATILE_DEFAULT,
    CHANGING_COLUMN_TYPE, CONCURRENTLY_IN_TRANSACTION, CONSTRAINT_MISSING_NOT_VALID,
    CREATE_INDEX_NON_CONCURRENTLY, DROP_INDEX_NON_CONCURRENTLY, DROPPING_COLUMN, DROPPING_SCHEMA,
    DROPPING_TABLE, ENUM_VALUE_WITHOUT_POSITION, RENAMING_COLUMN, RENAMING_TABLE,
    REQUIRE_LOCK_TIMEOUT, SETTING_NOT_NULL,
};
use super::schema_before::SchemaBefore;
use super::source::{Origin, Position, truncated_identifier};
use super::type_change::{TypeChangeRewrite, spell_type, type_change_rewrite};
use super::unsupported::{ReindexKind, UnsupportedStatement};
use crate::diff::quote_identifier;
use crate::render::NO_TRANSACTION_MARKER;
use crate::transaction_control::TransactionControl;

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
pub(crate) struct FileState<'a> {
    no_transaction: bool,
    /// The schema before the migration, for the types of its columns.
    schema_before: SchemaBefore<'a>,
    tables: Vec<Name>,
    indexes: Vec<Name>,
    types: Vec<Name>,
    schemas: Vec<String>,
    /// Existing tables renamed or moved earlier in the file: the name
    /// they have now, and the name running code knows them by.
    renamed_tables: Vec<(Name, Name)>,
    /// Columns of existing tables (by the table's name before the file)
    /// that the file added, dropped, renamed or changed the type of: the
    /// type they have now, `None` for one that is gone. The latest entry
    /// wins over earlier ones and over the schema before.
    column_types: Vec<(Name, String, Option<String>)>,
    /// Functions the file created, and whether each was declared
    /// `IMMUTABLE` or `STABLE`.
    functions: Vec<(Name, bool)>,
    /// `SET TimeZone` to UTC is in force.
    time_zone_utc: bool,
    lock_timeout_set: bool,
    lock_timeout_reported: bool,
    statement_timeout_set: bool,
    statement_timeout_reported: bool,
    /// Which transaction the statement runs in: the same number for the
    /// whole of a transactional migration; in a no-transaction one, a new
    /// number for each statement outside `BEGIN` … `COMMIT`.
    transaction: u32,
    /// Where the `BEGIN` of the open transaction block of a
    /// no-transaction migration is.
    explicit_transaction: Option<Position>,
    /// Constraints of existing tables the file added `NOT VALID`.
    not_valid: Vec<NotValidConstraint>,
    /// Set by a statement that holds a heavy lock while it reads or
    /// rewrites a table and reports nothing else (`VACUUM FULL`,
    /// `CLUSTER`): what it does, for `require-statement-timeout`.
    long_statement: Option<&'static str>,
}

/// A constraint an existing table was given `NOT VALID` in the file.
#[derive(Debug)]
struct NotValidConstraint {
    /// The table, by its name before the file.
    table: Name,
    name: String,
    /// The transaction that added it.
    transaction: u32,
    /// The lock `ADD CONSTRAINT` took and its transaction holds.
    lock: &'static str,
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
    fn column_type(&mut self, table: &Name, column: &str) -> Option<String> {
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
    fn set_column_type(&mut self, table: &Name, column: &str, ty: Option<String>) {
        let original = self.original_table_name(table);
        self.column_types.push((original, column.to_string(), ty));
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

/// Whether `name` is the setting `setting` (lowercase).
fn is_setting(name: &ObjectName, setting: &str) -> bool {
    matches!(name.0.as_slice(), [part]
        if part.as_ident().is_some_and(|ident| ident.value.eq_ignore_ascii_case(setting)))
}

/// Time zones whose offset is zero at every date, which is what lets
/// PostgreSQL keep the table when a column changes between `timestamp`
/// and `timestamptz`.
const UTC_ZONES: &[&str] = &[
    "etc/gmt",
    "etc/uct",
    "etc/universal",
    "etc/utc",
    "etc/zulu",
    "gmt",
    "uct",
    "universal",
    "utc",
    "zulu",
];

fn is_utc(value: &Expr) -> bool {
    match value {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(zone) => {
                UTC_ZONES.contains(&zone.to_ascii_lowercase().as_str())
            }
            Value::Number(number, _) => number.parse::<f64>().is_ok_and(|number| number == 0.0),
            _ => false,
        },
        Expr::Identifier(ident) => UTC_ZONES.contains(&ident.value.to_ascii_lowercase().as_str()),
        _ => false,
    }
}

/// `0` (in any unit) and `DEFAULT` (the server's default: no timeout) set
/// no timeout (of locks or of statements).
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
    state: &mut FileState<'_>,
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

/// What a statement reported under `rule` does for as long as the table
/// is large, while it holds a lock that blocks the table's users; `None`
/// for a rule whose statements are quick or block nobody.
fn long_under_lock(rule: &str) -> Option<&'static str> {
    Some(match rule {
        CREATE_INDEX_NON_CONCURRENTLY => "builds an index while it holds a SHARE lock",
        SETTING_NOT_NULL => "reads the whole table while it holds an ACCESS EXCLUSIVE lock",
        CONSTRAINT_MISSING_NOT_VALID => "checks every row while it holds its lock",
        ADDING_UNIQUE_CONSTRAINT | ADDING_EXCLUSION_CONSTRAINT => {
            "builds an index while it holds an ACCESS EXCLUSIVE lock"
        }
        CHANGING_COLUMN_TYPE | ADDING_VOLATILE_DEFAULT | CHANGING_TABLE_PERSISTENCE => {
            "rewrites the table while it holds an ACCESS EXCLUSIVE lock"
        }
        SETTING_TABLESPACE => "copies the table while it holds an ACCESS EXCLUSIVE lock",
        VALIDATING_CONSTRAINT_IN_SAME_TRANSACTION => {
            "reads the whole table while its transaction holds the lock ADD CONSTRAINT took"
        }
        REINDEX_NON_CONCURRENTLY => "rebuilds indexes while it holds a SHARE lock",
        UPDATING_WHOLE_TABLE => "writes every row, each row lock held until the migration commits",
        _ => return None,
    })
}

fn require_statement_timeout(
    what: &str,
    context: &StatementContext,
    state: &mut FileState<'_>,
    findings: &mut Findings,
) {
    if state.statement_timeout_set || state.statement_timeout_reported {
        return;
    }
    state.statement_timeout_reported = true;
    let set = if state.no_transaction {
        "SET statement_timeout = '5min';"
    } else {
        "SET LOCAL statement_timeout = '5min';"
    };
    findings.push(RawFinding {
        rule: REQUIRE_STATEMENT_TIMEOUT,
        position: context.start,
        statement_line: context.start.line,
        message: format!(
            "this statement {what}, and the migration sets no statement_timeout before it"
        ),
        why: "its time grows with the table and nothing bounds it: on a table larger than expected, or a slower server, everyone who needs the table waits until the statement ends, however long that takes".to_string(),
        help: format!(
            "start the migration with a statement timeout long enough for the table's expected size, so a statement that takes longer fails (and the migration with it, to be run again at a quieter time or split) instead of holding the table:\n{set}"
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

/// `CREATE TRIGGER` on an existing table takes SHARE ROW EXCLUSIVE on it.
fn create_trigger_lock(name: &str, table: &ObjectName, state: &FileState<'_>) -> Option<HeavyLock> {
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

fn dropping_database(name: &Name, position: Position, context: &StatementContext) -> RawFinding {
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

/// The name of a lock mode that blocks the table's writes or reads
/// (`SHARE` and stronger), or `None` for one that blocks neither.
fn heavy_lock_mode(mode: &LockTableMode) -> Option<&'static str> {
    match mode {
        LockTableMode::Share => Some("SHARE"),
        LockTableMode::ShareRowExclusive => Some("SHARE ROW EXCLUSIVE"),
        LockTableMode::Exclusive => Some("EXCLUSIVE"),
        LockTableMode::AccessExclusive => Some("ACCESS EXCLUSIVE"),
        LockTableMode::AccessShare
        | LockTableMode::RowShare
        | LockTableMode::RowExclusive
        | LockTableMode::ShareUpdateExclusive => None,
    }
}

/// `ALTER INDEX … RENAME TO`: `renaming-index` for an existing index; an
/// index the file created keeps being new under its new name.
fn check_rename_index(
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

/// `updating-whole-table`: an `UPDATE` of an existing table with no
/// `WHERE`, or one that bounds no rows (see [`selects_whole_table`]).
fn check_update(
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
fn selects_whole_table(selection: &Expr) -> bool {
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

fn is_column(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

fn names_a_column(expr: &Expr) -> bool {
    visit_expressions(expr, |expr| {
        if is_column(expr) || matches!(expr, Expr::Subquery(_) | Expr::Exists { .. }) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break()
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

fn setting_tablespace(
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

/// The `ADD COLUMN` rules: NOT NULL without a default, values computed
/// row by row, inline constraints.
fn check_add_column(
    table: &Name,
    column: &ColumnDef,
    functions: &[(Name, bool)],
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
    let volatile = default.and_then(|default| volatile_call(default, functions));
    let rewrite = if let Some(call) = &volatile {
        Some(match call.kind {
            Volatility::Volatile => format!("a volatile default ({}())", call.name),
            Volatility::DeclaredVolatile => format!(
                "a default calling {}(), which this migration creates without IMMUTABLE or STABLE, so VOLATILE",
                call.name
            ),
            Volatility::Unknown => format!(
                "a default calling {}(), which the lint does not know to be IMMUTABLE or STABLE",
                call.name
            ),
        })
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
            Some(call) => format!(
                "{}add the column without the default, give it the default for new rows (no rewrite), then fill the existing rows in batches:\n{alter} ADD COLUMN {name} {data_type};\n{alter} ALTER COLUMN {name} SET DEFAULT {};\nUPDATE {} SET {name} = {} WHERE {name} IS NULL; -- in batches, e.g. by ranges of the primary key",
                match call.kind {
                    Volatility::Unknown => format!(
                        "if {}() is declared IMMUTABLE or STABLE, PostgreSQL stores its value once without a rewrite: put `-- dbkit:allow({ADDING_VOLATILE_DEFAULT})` on the line above. Otherwise ",
                        call.name
                    ),
                    _ => String::new(),
                },
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
                "ADD COLUMN {name} to existing table {} with {rewrite}",
                table.quoted()
            ),
            format!(
                "PostgreSQL 11+ stores a constant or stable default (now(), CURRENT_TIMESTAMP) once, but this value must be computed for every row{}: the whole table is rewritten while it holds an ACCESS EXCLUSIVE lock on {}, and every query on it, reads included, waits for the rewrite",
                match volatile.as_ref().map(|call| call.kind) {
                    Some(Volatility::Unknown) =>
                        " (PostgreSQL takes a function for VOLATILE unless it is declared IMMUTABLE or STABLE)",
                    _ => "",
                },
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

/// How sure the lint is that a function is `VOLATILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Volatility {
    /// A function PostgreSQL (or a common extension) declares `VOLATILE`.
    Volatile,
    /// Created earlier in the file without `IMMUTABLE` or `STABLE`.
    DeclaredVolatile,
    /// A function the lint does not know: volatile unless declared
    /// otherwise, which the lint cannot see.
    Unknown,
}

/// A call in a default that is computed row by row.
struct VolatileCall {
    /// The function's name as called, lowercase (`public.f`, `random`).
    name: String,
    kind: Volatility,
}

/// The first call in `expr` that is not known to be `IMMUTABLE` or
/// `STABLE`: a built-in one of [`super::functions`], or one the file
/// created with either keyword.
fn volatile_call(expr: &Expr, functions: &[(Name, bool)]) -> Option<VolatileCall> {
    let flow = visit_expressions(expr, |expr| {
        if let Expr::Function(function) = expr {
            let name = Name::of(&function.name);
            let created = functions
                .iter()
                .rev()
                .find(|(created, _)| created.matches(&name));
            let builtin = matches!(name.schema.as_deref(), None | Some("pg_catalog"));
            let kind = match created {
                Some((_, true)) => None,
                Some((_, false)) => Some(Volatility::DeclaredVolatile),
                None if builtin && is_known_volatile(&name.name) => Some(Volatility::Volatile),
                None if builtin && is_known_non_volatile(&name.name) => None,
                None => Some(Volatility::Unknown),
            };
            if let Some(kind) = kind {
                let name = match &name.schema {
                    Some(schema) => format!("{schema}.{}", name.name),
                    None => name.name,
                };
                return ControlFlow::Break(VolatileCall { name, kind });
            }
        }
        ControlFlow::Continue(())
    });
    match flow {
        ControlFlow::Break(call) => Some(call),
        ControlFlow::Continue(()) => None,
    }
}

/// One `ALTER COLUMN … TYPE` of an existing table, with what the file
/// and the schema before it say of the column's old type.
struct ColumnTypeChange<'a> {
    table: &'a Name,
    /// The column, quoted.
    column: &'a str,
    /// The old type in PostgreSQL's spelling, when known.
    old: Option<&'a str>,
    /// The new type in PostgreSQL's spelling.
    new: &'a str,
}

impl ColumnTypeChange<'_> {
    /// The message, why and help of a `changing-column-type` finding, or
    /// `None` when PostgreSQL keeps the table.
    fn finding(
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
fn cast_chain(expr: &Expr, column: &Ident) -> Option<Vec<String>> {
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
