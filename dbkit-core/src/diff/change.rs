//! The operations a migration is made of, and which of them can lose data.

use super::temporary::stem_of_temporary;
use super::user_types::{
    CompositeChange, DomainChange, SequenceChange, composite_warning, domain_warning,
    sequence_warning,
};
use crate::model::{
    BaseType, Check, Column, ColumnType, Deferral, Enum, Exclusion, Extension, ForeignKey,
    Identity, Index, PrimaryKey, QualifiedName, SchemaObject, Table, Unique,
};
use crate::sql_text::{
    escape_control_characters, quote_column, quote_identifier, quote_literal, quote_qualified,
};

/// Where `ALTER TYPE … ADD VALUE` puts a new label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumValuePosition {
    /// After the last label.
    End,
    /// `BEFORE 'label'`.
    Before(String),
    /// `AFTER 'label'`.
    After(String),
}

/// A column converted to the new type when an enum is recreated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumColumnUse {
    pub table: QualifiedName,
    pub column: String,
    /// `1` when the column is an array of the enum.
    pub array_dims: u8,
    /// The default dropped before the conversion (it is typed with the old
    /// enum and would block it).
    pub dropped_default: Option<String>,
    /// The default set again after the conversion: the one the column has in
    /// the target schema, when it still has this enum type there.
    pub restored_default: Option<String>,
}

/// One step of a migration. Names are those the database has when the step
/// runs, so every step applies on the state the previous ones left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateSchema {
        name: String,
    },
    DropSchema {
        name: String,
    },

    /// `CREATE TYPE … AS ENUM`; the comment is set by a later step.
    CreateEnum {
        enum_type: Enum,
    },
    DropEnum {
        name: QualifiedName,
        values: Vec<String>,
    },
    AddEnumValue {
        name: QualifiedName,
        value: String,
        position: EnumValuePosition,
    },
    /// `ALTER TYPE … RENAME TO` and/or `… SET SCHEMA`: the columns of the
    /// type follow it (they hold its oid), and no value is touched.
    RenameEnum {
        from: QualifiedName,
        to: QualifiedName,
    },
    /// Labels were removed or reordered, which `ALTER TYPE` cannot do: the
    /// old type is renamed to `temporary_name`, the new one created, every
    /// column converted through `text`, and the old type dropped.
    RecreateEnum {
        name: QualifiedName,
        old_values: Vec<String>,
        new_values: Vec<String>,
        temporary_name: QualifiedName,
        columns: Vec<EnumColumnUse>,
    },
    SetEnumComment {
        name: QualifiedName,
        comment: Option<String>,
    },

    /// `CREATE TABLE` with columns, primary key, unique and check
    /// constraints; foreign keys, indexes and comments come in later steps.
    CreateTable {
        table: Table,
    },
    DropTable {
        name: QualifiedName,
    },
    /// A rename, a move to another schema, or both.
    RenameTable {
        from: QualifiedName,
        to: QualifiedName,
    },
    SetTableComment {
        table: QualifiedName,
        comment: Option<String>,
    },
    /// `ALTER TABLE … ENABLE` / `DISABLE ROW LEVEL SECURITY`.
    SetRowLevelSecurity {
        table: QualifiedName,
        enabled: bool,
    },
    /// `ALTER TABLE … FORCE` / `NO FORCE ROW LEVEL SECURITY`.
    SetForceRowLevelSecurity {
        table: QualifiedName,
        forced: bool,
    },
    /// `ALTER TABLE parent DETACH PARTITION partition`: the partition
    /// becomes a table of its own, rows kept, to be attached again with
    /// another bound or to another parent.
    DetachPartition {
        parent: QualifiedName,
        partition: QualifiedName,
    },
    /// `ALTER TABLE parent ATTACH PARTITION partition bounds`: PostgreSQL
    /// checks that every row of the partition fits the bound (and that no
    /// row of a default partition does), and refuses otherwise.
    AttachPartition {
        parent: QualifiedName,
        partition: QualifiedName,
        bounds: String,
    },

    /// The column's comment is set by a later step.
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    /// `generated`: the dropped column was a generated one, so no stored
    /// data is lost with it.
    DropColumn {
        table: QualifiedName,
        column: String,
        generated: bool,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
    },
    AlterColumnType {
        table: QualifiedName,
        column: String,
        from: ColumnType,
        to: ColumnType,
    },
    SetNotNull {
        table: QualifiedName,
        column: String,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    SetDefault {
        table: QualifiedName,
        column: String,
        default: String,
    },
    DropDefault {
        table: QualifiedName,
        column: String,
    },
    AddIdentity {
        table: QualifiedName,
        column: String,
        identity: Identity,
    },
    SetIdentityKind {
        table: QualifiedName,
        column: String,
        identity: Identity,
    },
    DropIdentity {
        table: QualifiedName,
        column: String,
    },
    /// Turns an integer column into a serial one: an owned sequence and a
    /// `nextval` default, started after the largest value present.
    AddSerial {
        table: QualifiedName,
        column: String,
        ty: ColumnType,
    },
    /// Drops the `nextval` default and the sequence the column owns.
    DropSerial {
        table: QualifiedName,
        column: String,
    },
    /// `ALTER COLUMN … DROP EXPRESSION`: a generated column becomes a plain
    /// one and keeps its values.
    DropGeneratedExpression {
        table: QualifiedName,
        column: String,
    },
    SetColumnComment {
        table: QualifiedName,
        column: String,
        comment: Option<String>,
    },

    AddPrimaryKey {
        table: QualifiedName,
        primary_key: PrimaryKey,
    },
    DropPrimaryKey {
        table: QualifiedName,
        name: String,
    },
    AddForeignKey {
        table: QualifiedName,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: QualifiedName,
        name: String,
    },
    AddUnique {
        table: QualifiedName,
        unique: Unique,
    },
    DropUnique {
        table: QualifiedName,
        name: String,
    },
    AddCheck {
        table: QualifiedName,
        check: Check,
    },
    DropCheck {
        table: QualifiedName,
        name: String,
    },
    /// Any constraint (primary key, foreign key, unique, check).
    RenameConstraint {
        table: QualifiedName,
        from: String,
        to: String,
    },

    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        name: String,
    },
    RenameIndex {
        table: QualifiedName,
        from: String,
        to: String,
    },

    /// `CREATE EXTENSION IF NOT EXISTS`, before anything that may use it.
    CreateExtension {
        extension: Extension,
    },
    DropExtension {
        name: String,
    },

    /// Creates an object defined by SQL: a view, function, trigger, policy
    /// or generic object (see `diff/objects.rs` for the order).
    CreateObject {
        object: SchemaObject,
    },
    /// Drops one; `object` is what it was.
    DropObject {
        object: SchemaObject,
    },
    /// Changes one in place (`CREATE OR REPLACE`, `ALTER`), keeping what
    /// depends on it: the key stays, the definition changes.
    ReplaceObject {
        old: SchemaObject,
        new: SchemaObject,
    },
    /// A sequence no column owns.
    Sequence(SequenceChange),
    Domain(DomainChange),
    Composite(CompositeChange),

    /// `ALTER TABLE … SET (…)` and `RESET (…)`: storage parameters set
    /// (`name=value`) and reset (names).
    SetTableStorage {
        table: QualifiedName,
        set: Vec<String>,
        reset: Vec<String>,
    },
    /// `ALTER INDEX … SET (…)` and `RESET (…)`.
    SetIndexStorage {
        table: QualifiedName,
        name: String,
        set: Vec<String>,
        reset: Vec<String>,
    },
    /// `ALTER COLUMN … TYPE <its type> COLLATE …`: the column's collation
    /// (`None`: its type's own), with its type unchanged.
    AlterColumnCollation {
        table: QualifiedName,
        column: String,
        ty: ColumnType,
        collation: Option<String>,
    },
    AddExclusion {
        table: QualifiedName,
        exclusion: Exclusion,
    },
    DropExclusion {
        table: QualifiedName,
        name: String,
    },
    /// `VALIDATE CONSTRAINT`: a `NOT VALID` foreign key or check is now
    /// declared valid.
    ValidateConstraint {
        table: QualifiedName,
        name: String,
    },
    /// `ALTER CONSTRAINT … [NOT] DEFERRABLE [INITIALLY …]`, which
    /// PostgreSQL allows on foreign keys only.
    AlterForeignKeyDeferral {
        table: QualifiedName,
        name: String,
        deferrable: Deferral,
    },
}

impl Change {
    /// Why this step can lose data or fail on a database with rows, as a
    /// sentence fragment (`drops column "public"."users"."age": its data is
    /// lost`), or `None` for a safe step. Its control characters are
    /// escaped ([`escape_control_characters`]): the same text goes into a
    /// `-- WARNING:` comment and onto a terminal, and a name cannot end
    /// either line.
    pub fn destructive_warning(&self) -> Option<String> {
        self.unescaped_destructive_warning()
            .map(|warning| escape_control_characters(&warning))
    }

    fn unescaped_destructive_warning(&self) -> Option<String> {
        match self {
            Change::DropSchema { name } => Some(format!("drops schema {}", quote_identifier(name))),
            Change::DropEnum { name, .. } => Some(format!(
                "drops enum type {}{}",
                quote_qualified(name),
                displaced_note(&name.name)
            )),
            Change::RecreateEnum {
                name,
                old_values,
                new_values,
                ..
            } => removed_labels_warning(name, old_values, new_values, "migration"),
            Change::DropTable { name } => Some(format!(
                "drops table {}{}: its data is lost",
                quote_qualified(name),
                displaced_note(&name.name)
            )),
            Change::DropColumn {
                table,
                column,
                generated: false,
            } => Some(format!(
                "drops column {}{}: its data is lost",
                quote_column(table, column),
                displaced_note(column)
            )),
            Change::AlterColumnType {
                table,
                column,
                from,
                to,
            } if !is_lossless_type_change(from, to) => Some(format!(
                "changes the type of column {} from {} to {}: values may be lost or fail to convert",
                quote_column(table, column),
                describe_type(from),
                describe_type(to)
            )),
            Change::AddColumn { table, column }
                if !column.nullable
                    && column.default.is_none()
                    && column.identity.is_none()
                    && !column.serial
                    && column.generated.is_none() =>
            {
                Some(format!(
                    "adds NOT NULL column {} without a default: fails if the table has rows",
                    quote_column(table, &column.name)
                ))
            }
            Change::SetNotNull { table, column } => Some(format!(
                "sets NOT NULL on column {}: fails if it holds NULLs",
                quote_column(table, column)
            )),
            Change::DropObject {
                object: SchemaObject::View(view),
            } if view.materialized => Some(format!(
                "drops materialized view {}: its rows are computed again when it is created",
                quote_qualified(&view.name)
            )),
            Change::DropExtension { name } => Some(format!(
                "drops extension {}: its types, functions and data go with it",
                quote_identifier(name)
            )),
            Change::Sequence(change) => sequence_warning(change),
            Change::Domain(change) => domain_warning(change),
            Change::Composite(change) => composite_warning(change),
            _ => None,
        }
    }

    /// Whether [`Change::destructive_warning`] has something to say.
    pub fn is_destructive(&self) -> bool {
        self.destructive_warning().is_some()
    }
}

/// What recreating enum type `name` with `new_values` does to rows that
/// hold a label it drops (`removes 'b' from enum type "public"."mood": rows
/// that hold a removed label make the migration fail`), or `None` when it
/// keeps every label. `applied_by` names what fails (`migration`, `push`).
/// Not escaped.
pub fn removed_labels_warning(
    name: &QualifiedName,
    old_values: &[String],
    new_values: &[String],
    applied_by: &str,
) -> Option<String> {
    let removed: Vec<String> = old_values
        .iter()
        .filter(|value| !new_values.contains(value))
        .map(|value| quote_literal(value))
        .collect();
    (!removed.is_empty()).then(|| {
        format!(
            "removes {} from enum type {}: rows that hold a removed label make the {applied_by} fail",
            removed.join(", "),
            quote_qualified(name)
        )
    })
}

/// ` (formerly "users", whose name a rename takes)` for the placeholder
/// name of a displaced object, which is what a reader knows it by; empty
/// for any other name.
fn displaced_note(name: &str) -> String {
    match stem_of_temporary(name, true) {
        Some(stem) => format!(
            " (formerly {}, whose name a rename takes)",
            quote_identifier(stem)
        ),
        None => String::new(),
    }
}

/// Whether every value of `from` converts to `to` without loss: widening
/// integers, longer `varchar`, anything to `text`.
pub fn is_lossless_type_change(from: &ColumnType, to: &ColumnType) -> bool {
    if from == to {
        return true;
    }
    if from.array_dims != to.array_dims {
        return false;
    }
    match (&from.base, &to.base) {
        (_, BaseType::Builtin(to)) if to == "text" => true,
        (BaseType::Builtin(from), BaseType::Builtin(to)) => is_widening(from, to),
        _ => false,
    }
}

fn is_widening(from: &str, to: &str) -> bool {
    match (from, to) {
        ("smallint", "integer" | "bigint" | "numeric") => true,
        ("integer", "bigint" | "numeric") => true,
        ("bigint", "numeric") => true,
        ("real", "double precision") => true,
        ("character varying", "character varying") => true,
        _ => {
            if let (Some(from_length), Some(to_length)) = (varchar_length(from), varchar_length(to))
            {
                return to_length >= from_length;
            }
            (from.starts_with("character varying(") && to == "character varying")
                || (from.starts_with("numeric(") && to == "numeric")
        }
    }
}

fn varchar_length(ty: &str) -> Option<u64> {
    ty.strip_prefix("character varying(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

fn describe_type(ty: &ColumnType) -> String {
    let base = match &ty.base {
        BaseType::Builtin(name) => name.clone(),
        BaseType::Enum(name) | BaseType::Domain(name) | BaseType::Composite(name) => {
            quote_qualified(name)
        }
    };
    format!("{base}{}", "[]".repeat(usize::from(ty.array_dims)))
}
