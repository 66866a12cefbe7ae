//! The schema model: what a set of `#[derive(Table)]` / `#[derive(PgEnum)]`
//! items (or a live database) declares, in PostgreSQL's terms.
//!
//! The model is what snapshots store, so its serialised form must be stable:
//! every collection is kept sorted by [`Schema::canonicalize`], except the
//! ones whose order is meaningful (columns of a table, values of an enum,
//! columns of a key or index).

mod function;
mod objects;
mod policy;
mod trigger;
mod view;

pub use function::{
    Argument, ArgumentError, ArgumentMode, Function, FunctionSetting, Parallel, Volatility,
    canonical_returns, forget_undeclared_functions, identifier_as_printed, is_atomic_body,
    parse_argument, setting_elements,
};
pub use objects::{Extension, Keyed, ObjectKey, SchemaObject, SqlObject};
pub use policy::{Policy, PolicyCommand};
pub use trigger::{Trigger, TriggerEvent, TriggerTiming};
pub use view::{View, ViewColumn};

mod user_types;

pub use user_types::{CompositeAttribute, CompositeType, Domain, Sequence, sequence_type_range};

use serde::{Deserialize, Serialize};
use std::fmt;

mod options;

pub use options::{
    Deferral, Exclusion, KeyOptions, NullsOrder, StorageParameterError, canonical_key_options,
    parse_storage_parameters, sort_storage_parameters, storage_parameter_name,
    storage_parameter_names_sql, storage_parameters_sql,
};

/// A schema-qualified name (`public.users`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Where an item was declared in Rust source. Never part of a snapshot
/// (every field that holds one is skipped there), so snapshots do not
/// change when code moves between files; serialisable for the CLI's cache
/// of parse results.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceLocation {
    /// Path as the user should see it (relative to the workspace root when
    /// known).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A whole database schema as dbkit manages it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Schema {
    /// Schemas other than `public` that must exist (sorted).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Sorted by qualified name.
    #[serde(default)]
    pub enums: Vec<Enum>,
    /// Sorted by qualified name.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
    /// Views and materialized views, sorted by qualified name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
    /// Functions and procedures, sorted by name and argument types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<Function>,
    /// Sorted by table, then name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Sorted by table, then name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// Generic SQL objects, sorted by kind, then identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<SqlObject>,
    /// Sequences no column owns, sorted by qualified name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
    /// Sorted by qualified name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    /// Sorted by qualified name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub composite_types: Vec<CompositeType>,
}

/// `CREATE TYPE … AS ENUM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enum {
    pub name: QualifiedName,
    /// Labels in declaration order (the order PostgreSQL sorts them in).
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `#[dbkit(renamed_from = "old")]` on the enum: the type's name (in the
    /// same schema, or `schema.type`) in the previous snapshot. A hint for
    /// the differ, never stored.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Enum {
    pub fn new(name: QualifiedName, values: Vec<String>) -> Self {
        Enum {
            name,
            values,
            comment: None,
            renamed_from: None,
            source: None,
        }
    }
}

/// A table with its columns, constraints and indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualifiedName,
    /// In declaration order (the order of `CREATE TABLE`).
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<Unique>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Exclusion constraints, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// `WITH (…)`: `name=value`, sorted by name (see
    /// [`parse_storage_parameters`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage_parameters: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `ENABLE ROW LEVEL SECURITY`: the table's policies decide which rows
    /// each role sees and writes (none when it has no policy).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub row_level_security: bool,
    /// `FORCE ROW LEVEL SECURITY`: the policies apply to the table's owner
    /// too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force_row_level_security: bool,
    /// `PARTITION BY …` of a partitioned table: its strategy and key as
    /// written (`RANGE (created_at)`). Fixed when the table is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// Set on a partition, which has no columns, keys, checks, indexes or
    /// foreign keys of its own in the model: it has its parent's, which
    /// PostgreSQL copies to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// `#[dbkit(renamed_from = "old")]` on the struct: the table's name (in
    /// the same schema, or `schema.table`) in the previous snapshot. A hint
    /// for the differ, never stored.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Table {
    /// A table with no columns, constraints, indexes or comment; fill the
    /// rest with `Table { columns, ..Table::new(name) }` or the `with_…`
    /// methods, so that a new field does not touch every caller.
    pub fn new(name: QualifiedName) -> Self {
        Table {
            name,
            columns: Vec::new(),
            primary_key: None,
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            exclusions: Vec::new(),
            storage_parameters: Vec::new(),
            comment: None,
            row_level_security: false,
            force_row_level_security: false,
            partition_by: None,
            partition_of: None,
            renamed_from: None,
            source: None,
        }
    }

    pub fn with_columns(self, columns: Vec<Column>) -> Self {
        Table { columns, ..self }
    }

    pub fn with_primary_key(self, primary_key: PrimaryKey) -> Self {
        Table {
            primary_key: Some(primary_key),
            ..self
        }
    }

    pub fn with_partition_by(self, partition_by: impl Into<String>) -> Self {
        Table {
            partition_by: Some(partition_by.into()),
            ..self
        }
    }

    pub fn with_partition_of(self, parent: QualifiedName, bounds: impl Into<String>) -> Self {
        Table {
            partition_of: Some(PartitionOf::new(parent, bounds)),
            ..self
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// What makes a table a partition (`CREATE TABLE … PARTITION OF parent
/// bounds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    /// The partitioned table.
    pub parent: QualifiedName,
    /// `FOR VALUES …` or `DEFAULT`, as written.
    pub bounds: String,
}

impl PartitionOf {
    pub fn new(parent: QualifiedName, bounds: impl Into<String>) -> Self {
        PartitionOf {
            parent,
            bounds: bounds.into(),
        }
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    pub nullable: bool,
    /// Raw SQL expression, as written (`now()`, `'draft'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// `serial` / `bigserial` / `smallserial` (by the integer width of `ty`):
    /// a sequence owned by the column and a `nextval` default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub serial: bool,
    /// `GENERATED ALWAYS AS (expr) STORED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// `COLLATE`, when it is not the type's own collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `#[dbkit(renamed_from = "old")]`: a hint for the differ, never stored.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl Column {
    /// A `NOT NULL` column with no default, identity, generation or
    /// comment (a Rust field that is not an `Option`).
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
            identity: None,
            serial: false,
            generated: None,
            collation: None,
            comment: None,
            renamed_from: None,
            source: None,
        }
    }

    pub fn with_nullable(self, nullable: bool) -> Self {
        Column { nullable, ..self }
    }

    pub fn with_default(self, expression: impl Into<String>) -> Self {
        Column {
            default: Some(expression.into()),
            ..self
        }
    }
}

/// The type of a column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnType {
    pub base: BaseType,
    /// `0` for a scalar, `1` for `T[]`. PostgreSQL does not enforce more
    /// than that, and `format_type` prints one `[]` whatever was declared.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub array_dims: u8,
}

impl ColumnType {
    /// A scalar of a type spelled as given (callers pass `format_type`'s
    /// spelling, see [`crate::types::canonical_type`]).
    pub fn builtin(sql: impl Into<String>) -> Self {
        ColumnType {
            base: BaseType::Builtin(sql.into()),
            array_dims: 0,
        }
    }

    /// A scalar of an enum type.
    pub fn enumeration(name: QualifiedName) -> Self {
        ColumnType {
            base: BaseType::Enum(name),
            array_dims: 0,
        }
    }

    pub fn with_array_dims(self, array_dims: u8) -> Self {
        ColumnType { array_dims, ..self }
    }
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// The element type of a column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseType {
    /// A type in PostgreSQL's canonical spelling (`format_type`):
    /// `integer`, `character varying(320)`, `timestamp with time zone`,
    /// `numeric(10,2)`, or an extension's type such as `citext`.
    Builtin(String),
    /// An enum declared with `#[derive(PgEnum)]` in the workspace.
    Enum(QualifiedName),
    /// A domain declared with `#[derive(Domain)]`.
    Domain(QualifiedName),
    /// A composite type declared with `#[derive(CompositeType)]`.
    Composite(QualifiedName),
}

impl BaseType {
    /// The name of the type the schema declares (an enum, a domain or a
    /// composite type), which SQL writes quoted; `None` for a built-in one.
    pub fn declared_name(&self) -> Option<&QualifiedName> {
        match self {
            BaseType::Builtin(_) => None,
            BaseType::Enum(name) | BaseType::Domain(name) | BaseType::Composite(name) => Some(name),
        }
    }
}

/// `GENERATED { BY DEFAULT | ALWAYS } AS IDENTITY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    ByDefault,
    Always,
}

/// A primary key constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Deferral::is_not_deferrable")]
    pub deferrable: Deferral,
}

impl PrimaryKey {
    pub fn new(name: impl Into<String>, columns: Vec<String>) -> Self {
        PrimaryKey {
            name: name.into(),
            columns,
            deferrable: Deferral::NotDeferrable,
        }
    }

    pub fn with_deferrable(self, deferrable: Deferral) -> Self {
        PrimaryKey { deferrable, ..self }
    }
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub references: QualifiedName,
    pub referenced_columns: Vec<String>,
    #[serde(default)]
    pub on_delete: ForeignKeyAction,
    #[serde(default)]
    pub on_update: ForeignKeyAction,
    #[serde(default, skip_serializing_if = "Deferral::is_not_deferrable")]
    pub deferrable: Deferral,
    /// `NOT VALID`: created without checking the rows already there, and
    /// left unvalidated on purpose.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
    /// Where `references = "…"` was written, for errors about a dangling
    /// reference.
    #[serde(skip)]
    pub source: Option<SourceLocation>,
}

impl ForeignKey {
    /// A foreign key with `NO ACTION` on delete and on update.
    pub fn new(
        name: impl Into<String>,
        columns: Vec<String>,
        references: QualifiedName,
        referenced_columns: Vec<String>,
    ) -> Self {
        ForeignKey {
            name: name.into(),
            columns,
            references,
            referenced_columns,
            on_delete: ForeignKeyAction::NoAction,
            on_update: ForeignKeyAction::NoAction,
            deferrable: Deferral::NotDeferrable,
            not_valid: false,
            source: None,
        }
    }

    pub fn with_deferrable(self, deferrable: Deferral) -> Self {
        ForeignKey { deferrable, ..self }
    }

    pub fn with_not_valid(self, not_valid: bool) -> Self {
        ForeignKey { not_valid, ..self }
    }

    pub fn with_actions(self, on_delete: ForeignKeyAction, on_update: ForeignKeyAction) -> Self {
        ForeignKey {
            on_delete,
            on_update,
            ..self
        }
    }
}

/// `ON DELETE` / `ON UPDATE` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForeignKeyAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ForeignKeyAction {
    /// The SQL keywords (`SET NULL`).
    pub fn sql(self) -> &'static str {
        match self {
            ForeignKeyAction::NoAction => "NO ACTION",
            ForeignKeyAction::Restrict => "RESTRICT",
            ForeignKeyAction::Cascade => "CASCADE",
            ForeignKeyAction::SetNull => "SET NULL",
            ForeignKeyAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    pub name: String,
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Deferral::is_not_deferrable")]
    pub deferrable: Deferral,
}

impl Unique {
    pub fn new(name: impl Into<String>, columns: Vec<String>) -> Self {
        Unique {
            name: name.into(),
            columns,
            deferrable: Deferral::NotDeferrable,
        }
    }

    pub fn with_deferrable(self, deferrable: Deferral) -> Self {
        Unique { deferrable, ..self }
    }
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub expr: String,
    /// `NOT VALID`: created without checking the rows already there, and
    /// left unvalidated on purpose.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
}

impl Check {
    pub fn new(name: impl Into<String>, expr: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            expr: expr.into(),
            not_valid: false,
        }
    }

    pub fn with_not_valid(self, not_valid: bool) -> Self {
        Check { not_valid, ..self }
    }
}

/// An index (not backing a constraint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub key: IndexKey,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// Access method, lowercase (`btree`, `gin`, `hash`, …).
    pub method: String,
    /// Partial index predicate.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Options of the key columns of a column index, one per column, or
    /// empty when none has one (see [`canonical_key_options`]). An
    /// expression index carries its options in its text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_options: Vec<KeyOptions>,
    /// `INCLUDE (…)` columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// `WITH (…)`: `name=value`, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage_parameters: Vec<String>,
}

impl Index {
    /// A non-unique, non-partial `btree` index.
    pub fn new(name: impl Into<String>, key: IndexKey) -> Self {
        Index {
            name: name.into(),
            key,
            unique: false,
            method: "btree".to_string(),
            predicate: None,
            key_options: Vec::new(),
            include: Vec::new(),
            storage_parameters: Vec::new(),
        }
    }

    pub fn with_unique(self, unique: bool) -> Self {
        Index { unique, ..self }
    }

    pub fn with_method(self, method: impl Into<String>) -> Self {
        Index {
            method: method.into(),
            ..self
        }
    }

    pub fn with_predicate(self, predicate: Option<String>) -> Self {
        Index { predicate, ..self }
    }

    pub fn with_key_options(self, key_options: Vec<KeyOptions>) -> Self {
        Index {
            key_options: canonical_key_options(key_options),
            ..self
        }
    }

    pub fn with_include(self, include: Vec<String>) -> Self {
        Index { include, ..self }
    }

    pub fn with_storage_parameters(self, storage_parameters: Vec<String>) -> Self {
        Index {
            storage_parameters,
            ..self
        }
    }

    /// The options of key column `position` (the default ones when it has
    /// none).
    pub fn key_option(&self, position: usize) -> KeyOptions {
        self.key_options.get(position).cloned().unwrap_or_default()
    }
}

/// What an index is built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    Columns(Vec<String>),
    /// One or more comma-separated key expressions, as written.
    Expression(String),
}

impl Schema {
    /// Sorts every unordered collection so that equal schemas compare and
    /// serialise equal.
    pub fn canonicalize(&mut self) {
        self.schemas.sort();
        self.schemas.dedup();
        self.enums.sort_by(|a, b| a.name.cmp(&b.name));
        self.tables.sort_by(|a, b| a.name.cmp(&b.name));
        self.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        self.views.sort_by_cached_key(Keyed::key);
        self.functions.sort_by_cached_key(Keyed::key);
        self.triggers.sort_by_cached_key(Keyed::key);
        self.policies.sort_by_cached_key(Keyed::key);
        for policy in &mut self.policies {
            policy.canonicalize_roles();
        }
        self.objects.sort_by_cached_key(Keyed::key);
        self.sequences.sort_by(|a, b| a.name.cmp(&b.name));
        self.domains.sort_by(|a, b| a.name.cmp(&b.name));
        for domain in &mut self.domains {
            domain.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.composite_types.sort_by(|a, b| a.name.cmp(&b.name));
        for table in &mut self.tables {
            table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
            table.checks.sort_by(|a, b| a.name.cmp(&b.name));
            table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            table.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.iter().find(|t| &t.name == name)
    }

    pub fn enum_type(&self, name: &QualifiedName) -> Option<&Enum> {
        self.enums.iter().find(|e| &e.name == name)
    }

    /// Every object defined by SQL (views, functions, triggers, policies,
    /// generic objects), each kind in its canonical order.
    pub fn sql_objects(&self) -> impl Iterator<Item = SchemaObject> + '_ {
        let views = self.views.iter().cloned().map(SchemaObject::View);
        let functions = self.functions.iter().cloned().map(SchemaObject::Function);
        let triggers = self.triggers.iter().cloned().map(SchemaObject::Trigger);
        let policies = self.policies.iter().cloned().map(SchemaObject::Policy);
        let objects = self.objects.iter().cloned().map(SchemaObject::Generic);
        views
            .chain(functions)
            .chain(triggers)
            .chain(policies)
            .chain(objects)
    }

    /// Adds `object`, replacing the one with its key, keeping the order.
    pub fn insert_sql_object(&mut self, object: SchemaObject) {
        self.remove_sql_object(&object.key());
        match object {
            SchemaObject::View(view) => insert_sorted(&mut self.views, view),
            SchemaObject::Function(function) => insert_sorted(&mut self.functions, function),
            SchemaObject::Trigger(trigger) => insert_sorted(&mut self.triggers, trigger),
            SchemaObject::Policy(policy) => insert_sorted(&mut self.policies, policy),
            SchemaObject::Generic(object) => insert_sorted(&mut self.objects, object),
        }
    }

    /// Removes the object `key` names, if there is one.
    pub fn remove_sql_object(&mut self, key: &ObjectKey) {
        match key {
            ObjectKey::View(name) => self.views.retain(|view| &view.name != name),
            ObjectKey::Function(name, types) => self
                .functions
                .retain(|function| &function.name != name || &function.signature_types() != types),
            ObjectKey::Trigger { table, name } => self
                .triggers
                .retain(|trigger| &trigger.table != table || &trigger.name != name),
            ObjectKey::Policy { table, name } => self
                .policies
                .retain(|policy| &policy.table != table || &policy.name != name),
            ObjectKey::Generic { kind, identity } => self
                .objects
                .retain(|object| &object.kind != kind || &object.identity != identity),
        }
    }
}

fn insert_sorted<T: Keyed>(items: &mut Vec<T>, item: T) {
    let item_key = item.key();
    let index = items.partition_point(|existing| existing.key() < item_key);
    items.insert(index, item);
}
