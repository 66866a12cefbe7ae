//! What a database can hold and the schema DSL cannot say, as [`generate_modules`](super::generate_modules) reports it.

use crate::model::QualifiedName;
use std::fmt;

/// One thing the generated modules leave out or change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unexpressed {
    /// A schema that holds no table, enum, sequence, domain or composite
    /// type: the DSL names a schema
    /// only through the items in it.
    EmptySchema { schema: String },
    /// A foreign key left out: `references` names tables and columns
    /// without quoting (no spaces, quotes, dots, parentheses or commas), and
    /// the referenced table must be in the schema with those columns as its
    /// primary key or a unique key.
    ForeignKey {
        table: QualifiedName,
        name: String,
        reason: String,
    },
    /// An index left out because a constraint of the table has its name,
    /// which the DSL (one namespace per table) cannot declare twice.
    Index { table: QualifiedName, name: String },
    /// An enum label the DSL cannot declare (the empty label), left out.
    EnumLabel {
        enum_name: QualifiedName,
        label: String,
    },
    /// An enum with no label the DSL can declare, left out; columns of its
    /// type are written with `sql_type`.
    Enum { name: QualifiedName },
    /// A column whose type reads back differently: an enum left out or not
    /// in the schema, or a `sql_type` that names an enum of the schema.
    ColumnType {
        table: QualifiedName,
        column: String,
        reason: String,
    },
    /// A comment that a doc comment cannot carry exactly: it is read back
    /// trimmed, and a carriage return at the end of a line is dropped.
    Comment { object: String },
    /// `identity` or `serial` on a column that is not `smallint`, `integer`
    /// or `bigint`, left out.
    Generator {
        table: QualifiedName,
        column: String,
    },
    /// The base type of a domain or the type of a composite type's
    /// attribute that reads back differently (`object` names it).
    TypeOf { object: String, reason: String },
}

impl fmt::Display for Unexpressed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unexpressed::EmptySchema { schema } => write!(
                f,
                "schema `{schema}` holds no table or enum, and the DSL only declares schemas through their items"
            ),
            Unexpressed::ForeignKey {
                table,
                name,
                reason,
            } => write!(f, "foreign key `{name}` of `{table}` is left out: {reason}"),
            Unexpressed::Index { table, name } => write!(
                f,
                "index `{name}` of `{table}` is left out: a constraint of the table has the same name"
            ),
            Unexpressed::EnumLabel { enum_name, label } => {
                write!(
                    f,
                    "label {label:?} of enum `{enum_name}` is left out: the DSL cannot declare it"
                )
            }
            Unexpressed::Enum { name } => write!(
                f,
                "enum `{name}` is left out: it has no label the DSL can declare"
            ),
            Unexpressed::ColumnType {
                table,
                column,
                reason,
            } => write!(f, "the type of column `{column}` of `{table}` {reason}"),
            Unexpressed::Comment { object } => write!(
                f,
                "the comment on {object} is written without its surrounding whitespace or carriage returns"
            ),
            Unexpressed::Generator { table, column } => write!(
                f,
                "`identity`/`serial` of column `{column}` of `{table}` is left out: the column is not an integer"
            ),
            Unexpressed::TypeOf { object, reason } => write!(f, "the type of {object} {reason}"),
        }
    }
}
