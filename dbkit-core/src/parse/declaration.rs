//! What one `#[derive(Table)]`, `PgEnum`, `Extension` or `SqlObject` item declares, before the workspace is resolved.
//!
//! Declarations hold no spans, only [`SourcePlace`]s, so they are `Send` and
//! can be parsed on several threads. Everything one item can decide on its
//! own is decided here (names, defaults, constraint names); what needs the
//! whole workspace (which enum a type names, what a `references` points at)
//! is left to [`crate::resolve`].
//!
//! They are serialisable, so that a caller can keep the declarations of a
//! file it has parsed once (the CLI's cache of parse results); their serde
//! form leaves out empty and absent values, is no stable format and is
//! never stored in a snapshot.

use super::type_declaration::{CompositeTypeDeclaration, DomainDeclaration, SequenceDeclaration};
use crate::model::{
    Check, ColumnType, Deferral, Exclusion, ForeignKeyAction, Function, Identity, Index,
    PolicyCommand, PrimaryKey, QualifiedName, SourceLocation, Trigger, Unique,
};
use serde::{Deserialize, Serialize};

/// A place in a source file and how many characters to underline there.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourcePlace {
    pub location: SourceLocation,
    /// Characters to underline, at least 1.
    pub length: usize,
}

/// One item of the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Declaration {
    Table(TableDeclaration),
    Enum(EnumDeclaration),
    Extension(ExtensionDeclaration),
    SqlObject(SqlObjectDeclaration),
    Sequence(SequenceDeclaration),
    Domain(DomainDeclaration),
    CompositeType(CompositeTypeDeclaration),
    View(ViewDeclaration),
    Function(FunctionDeclaration),
}

impl Declaration {
    /// The Rust name of the struct or enum.
    pub fn rust_name(&self) -> &str {
        match self {
            Declaration::Table(table) => &table.rust_name,
            Declaration::Enum(enum_declaration) => &enum_declaration.rust_name,
            Declaration::Extension(extension) => &extension.rust_name,
            Declaration::SqlObject(object) => &object.rust_name,
            Declaration::Sequence(sequence) => &sequence.rust_name,
            Declaration::Domain(domain) => &domain.rust_name,
            Declaration::CompositeType(composite) => &composite.rust_name,
            Declaration::View(view) => &view.rust_name,
            Declaration::Function(function) => &function.rust_name,
        }
    }

    /// Where the item's name is.
    pub fn place(&self) -> &SourcePlace {
        match self {
            Declaration::Table(table) => &table.place,
            Declaration::Enum(enum_declaration) => &enum_declaration.place,
            Declaration::Extension(extension) => &extension.place,
            Declaration::SqlObject(object) => &object.place,
            Declaration::Sequence(sequence) => &sequence.place,
            Declaration::Domain(domain) => &domain.place,
            Declaration::CompositeType(composite) => &composite.place,
            Declaration::View(view) => &view.place,
            Declaration::Function(function) => &function.place,
        }
    }
}

/// A `#[derive(Table)]` struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDeclaration {
    /// The struct's name (`User`).
    pub rust_name: String,
    pub name: QualifiedName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `renamed_from = "old"` on the struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// In declaration order, skipped fields left out.
    pub columns: Vec<ColumnDeclaration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<Unique>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeyDeclaration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// `with = "…"`, as [`crate::model::Table::storage_parameters`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage_parameters: Vec<String>,
    pub triggers: Vec<TriggerDeclaration>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub row_level_security: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force_row_level_security: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyDeclaration>,
    /// `partition_by = "RANGE (…)"`, the strategy uppercase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// `partition_of` and `bounds` (a partition declares no columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionDeclaration>,
    /// The struct's name in the source.
    pub place: SourcePlace,
}

/// A struct's `policy(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDeclaration {
    pub name: String,
    pub command: PolicyCommand,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restrictive: bool,
    /// Sorted; empty for PUBLIC.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    /// The `name = "…"` entry.
    pub place: SourcePlace,
}

/// `partition_of = "…", bounds = "…"` on a struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionDeclaration {
    /// The partitioned table (`columns` empty); without a schema, the
    /// resolver looks in the partition's schema, then in `public`.
    pub parent: ReferenceTarget,
    /// `DEFAULT` or `FOR VALUES …`, as written.
    pub bounds: String,
    /// The `partition_of = "..."` value.
    pub place: SourcePlace,
}

/// A field that is a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDeclaration {
    /// The field's name without `r#`.
    pub field_name: String,
    /// The SQL column name.
    pub name: String,
    pub ty: DeclaredType,
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub serial: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The field's name in the source.
    pub place: SourcePlace,
    /// The field's type, or the `sql_type` value when there is one.
    pub type_place: SourcePlace,
}

/// A column type as one item knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeclaredType {
    /// Mapped from the Rust type by the table of the DSL.
    Mapped(ColumnType),
    /// Given by `sql_type = "..."`, in canonical spelling. It may name a
    /// `PgEnum` of the workspace by its SQL name (`post_status` or
    /// `blog.post_status`).
    SqlType(ColumnType),
    /// A Rust type outside the mapping table: it must be a `PgEnum`, a
    /// `Domain` or a `CompositeType` of the workspace with this Rust name.
    EnumCandidate { rust_name: String, array_dims: u8 },
}

/// A foreign key, from a field's `references` or the struct's
/// `foreign_key(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyDeclaration {
    pub name: String,
    pub columns: Vec<String>,
    pub target: ReferenceTarget,
    pub on_delete: ForeignKeyAction,
    pub on_update: ForeignKeyAction,
    #[serde(default, skip_serializing_if = "Deferral::is_not_deferrable")]
    pub deferrable: Deferral,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
    /// The `references = "..."` value.
    pub place: SourcePlace,
}

/// What a `references = "..."` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceTarget {
    /// `None` when written without a schema (`users.id`): the resolver looks
    /// in the referencing table's schema, then in `public`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub table: String,
    pub columns: Vec<String>,
}

/// A `#[derive(PgEnum)]` enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDeclaration {
    /// The enum's Rust name (`PostStatus`), which field types refer to.
    pub rust_name: String,
    pub name: QualifiedName,
    /// Labels in declaration order.
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `renamed_from = "old"` on the enum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The enum's name in the source.
    pub place: SourcePlace,
}

/// A `#[derive(Function)]` struct: the function, complete but for where it
/// was declared, which the resolver puts in from `place`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionDeclaration {
    pub rust_name: String,
    pub function: Function,
    /// The struct's name in the source.
    pub place: SourcePlace,
}

/// A `#[derive(Extension)]` struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionDeclaration {
    pub rust_name: String,
    /// The extension's name (`citext`, `uuid-ossp`).
    pub name: String,
    /// `schema = "..."`: `WITH SCHEMA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The struct's name in the source.
    pub place: SourcePlace,
}

/// A `#[derive(SqlObject)]` struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlObjectDeclaration {
    pub rust_name: String,
    /// `kind = "aggregate"`, lowercase.
    pub kind: String,
    /// `identity = "public.group_concat(text)"`.
    pub identity: String,
    /// `definition = "CREATE …"`.
    pub definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// The struct's name in the source.
    pub place: SourcePlace,
}

/// A `#[derive(View)]` struct: a view or materialized view and its row type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewDeclaration {
    /// The struct's name (`CustomerOrders`).
    pub rust_name: String,
    pub name: QualifiedName,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// The `query = "..."` value, as written.
    pub query: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub with_no_data: bool,
    /// The fields, in declaration order, skipped fields left out.
    pub columns: Vec<ViewColumnDeclaration>,
    /// Indexes of a materialized view, named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The struct's name in the source.
    pub place: SourcePlace,
}

/// A field of a view's row type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewColumnDeclaration {
    /// The field's name without `r#`.
    pub field_name: String,
    /// The column the query produces for it.
    pub name: String,
    pub ty: DeclaredType,
    /// The field's type, or the `sql_type` value when there is one.
    pub type_place: SourcePlace,
}

/// A `trigger(...)` on a `Table` struct. Its function's schema, when the
/// attribute names none (`function_schema` is `None`), is the resolver's
/// to find: until then `trigger.function.schema` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerDeclaration {
    pub trigger: Trigger,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_schema: Option<String>,
    /// The `trigger(...)` attribute.
    pub place: SourcePlace,
    /// The `function = "..."` value.
    pub function_place: SourcePlace,
}
