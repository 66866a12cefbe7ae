//! Small builders for schema models, so that tests read like the schemas
//! they describe: free functions for the parts (`table`, `column`,
//! `primary_key`, `index`, …) and chainable edits (`.nullable()`,
//! `.default(…)`, `.primary_key(…)`, …) for what is added to them.

use crate::model::{
    BaseType, Check, Column, ColumnType, Enum, ForeignKey, ForeignKeyAction, Identity, Index,
    IndexKey, PrimaryKey, QualifiedName, Schema, Table, Unique,
};

/// `"users"` is `public.users`; `"app.users"` is `app.users`.
pub fn name(qualified: &str) -> QualifiedName {
    match qualified.split_once('.') {
        Some((schema, name)) => QualifiedName::new(schema, name),
        None => QualifiedName::new("public", qualified),
    }
}

pub fn builtin(ty: &str) -> ColumnType {
    ColumnType {
        base: BaseType::Builtin(ty.to_string()),
        array_dims: 0,
    }
}

pub fn enum_type(qualified: &str) -> ColumnType {
    ColumnType {
        base: BaseType::Enum(name(qualified)),
        array_dims: 0,
    }
}

pub fn array_of(ty: ColumnType) -> ColumnType {
    ColumnType {
        array_dims: 1,
        ..ty
    }
}

/// A NOT NULL column.
pub fn column(column_name: &str, ty: ColumnType) -> Column {
    Column::new(column_name, ty)
}

/// Chainable edits of a column.
pub trait ColumnExt: Sized {
    fn nullable(self) -> Self;
    fn default(self, expression: &str) -> Self;
    fn identity(self, identity: Identity) -> Self;
    fn serial(self) -> Self;
    fn generated(self, expression: &str) -> Self;
    fn comment(self, text: &str) -> Self;
    fn renamed_from(self, old: &str) -> Self;
}

impl ColumnExt for Column {
    fn nullable(self) -> Self {
        Column {
            nullable: true,
            ..self
        }
    }
    fn default(self, expression: &str) -> Self {
        Column {
            default: Some(expression.to_string()),
            ..self
        }
    }
    fn identity(self, identity: Identity) -> Self {
        Column {
            identity: Some(identity),
            ..self
        }
    }
    fn serial(self) -> Self {
        Column {
            serial: true,
            ..self
        }
    }
    fn generated(self, expression: &str) -> Self {
        Column {
            generated: Some(expression.to_string()),
            ..self
        }
    }
    fn comment(self, text: &str) -> Self {
        Column {
            comment: Some(text.to_string()),
            ..self
        }
    }
    fn renamed_from(self, old: &str) -> Self {
        Column {
            renamed_from: Some(old.to_string()),
            ..self
        }
    }
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

/// A table with `columns` and nothing else.
pub fn table(qualified: &str, columns: Vec<Column>) -> Table {
    Table::new(name(qualified)).with_columns(columns)
}

/// Chainable edits of a table; constraint names follow PostgreSQL's
/// defaults unless given.
pub trait TableExt: Sized {
    fn primary_key(self, columns: &[&str]) -> Self;
    fn foreign_key(
        self,
        constraint: &str,
        columns: &[&str],
        references: &str,
        referenced_columns: &[&str],
        on_delete: ForeignKeyAction,
        on_update: ForeignKeyAction,
    ) -> Self;
    fn unique(self, constraint: &str, columns: &[&str]) -> Self;
    fn check(self, constraint: &str, expression: &str) -> Self;
    fn index(self, index: Index) -> Self;
    fn comment(self, text: &str) -> Self;
    fn renamed_from(self, old: &str) -> Self;
}

impl TableExt for Table {
    fn primary_key(self, columns: &[&str]) -> Self {
        let name = format!("{}_pkey", self.name.name);
        Table {
            primary_key: Some(PrimaryKey::new(name, strings(columns))),
            ..self
        }
    }
    fn foreign_key(
        mut self,
        constraint: &str,
        columns: &[&str],
        references: &str,
        referenced_columns: &[&str],
        on_delete: ForeignKeyAction,
        on_update: ForeignKeyAction,
    ) -> Self {
        self.foreign_keys.push(
            ForeignKey::new(
                constraint,
                strings(columns),
                name(references),
                strings(referenced_columns),
            )
            .with_actions(on_delete, on_update),
        );
        self
    }
    fn unique(mut self, constraint: &str, columns: &[&str]) -> Self {
        self.uniques.push(Unique::new(constraint, strings(columns)));
        self
    }
    fn check(mut self, constraint: &str, expression: &str) -> Self {
        self.checks.push(Check::new(constraint, expression));
        self
    }
    fn index(mut self, index: Index) -> Self {
        self.indexes.push(index);
        self
    }
    fn comment(self, text: &str) -> Self {
        Table {
            comment: Some(text.to_string()),
            ..self
        }
    }
    fn renamed_from(self, old: &str) -> Self {
        Table {
            renamed_from: Some(old.to_string()),
            ..self
        }
    }
}

/// A btree index on columns.
pub fn index(index_name: &str, columns: &[&str]) -> Index {
    Index::new(index_name, IndexKey::Columns(strings(columns)))
}

/// A btree index on an expression.
pub fn expression_index(index_name: &str, expression: &str) -> Index {
    Index {
        key: IndexKey::Expression(expression.to_string()),
        ..index(index_name, &[])
    }
}

/// Chainable edits of an index.
pub trait IndexExt: Sized {
    fn unique(self) -> Self;
    fn method(self, method: &str) -> Self;
    fn predicate(self, expression: &str) -> Self;
}

impl IndexExt for Index {
    fn unique(self) -> Self {
        Index {
            unique: true,
            ..self
        }
    }
    fn method(self, method: &str) -> Self {
        Index {
            method: method.to_string(),
            ..self
        }
    }
    fn predicate(self, expression: &str) -> Self {
        Index {
            predicate: Some(expression.to_string()),
            ..self
        }
    }
}

pub fn enum_named(qualified: &str, values: &[&str]) -> Enum {
    Enum {
        name: name(qualified),
        values: strings(values),
        comment: None,
        renamed_from: None,
        source: None,
    }
}

pub fn commented_enum(qualified: &str, values: &[&str], comment: &str) -> Enum {
    Enum {
        comment: Some(comment.to_string()),
        ..enum_named(qualified, values)
    }
}

/// A schema of `schemas` (the non-public ones), `enums` and `tables`,
/// canonicalized.
pub fn schema(schemas: &[&str], enums: Vec<Enum>, tables: Vec<Table>) -> Schema {
    let mut schema = Schema {
        schemas: strings(schemas),
        enums,
        tables,
        ..Schema::default()
    };
    schema.canonicalize();
    schema
}

/// A primary key named `key_name`, for a table literal's `primary_key`.
pub fn primary_key(key_name: &str, columns: &[&str]) -> Option<PrimaryKey> {
    Some(PrimaryKey::new(key_name, strings(columns)))
}

pub fn unique(unique_name: &str, columns: &[&str]) -> Unique {
    Unique::new(unique_name, strings(columns))
}

pub fn check_constraint(check_name: &str, expression: &str) -> Check {
    Check::new(check_name, expression)
}

/// A foreign key with `NO ACTION` on delete and on update.
pub fn foreign_key(
    key_name: &str,
    columns: &[&str],
    references: &str,
    referenced_columns: &[&str],
) -> ForeignKey {
    ForeignKey::new(
        key_name,
        strings(columns),
        name(references),
        strings(referenced_columns),
    )
}

/// `users (id bigint identity primary key, email text)`.
pub fn users_table() -> Table {
    table(
        "users",
        vec![
            column("id", builtin("bigint")).identity(Identity::ByDefault),
            column("email", builtin("text")),
        ],
    )
    .primary_key(&["id"])
}
