//! Small builders for schema models, so tests read like the schemas they
//! describe.
#![allow(dead_code)]

use dbkit_core::model::{
    BaseType, Check, Column, ColumnType, Enum, ForeignKey, ForeignKeyAction, Identity, Index,
    IndexKey, PrimaryKey, QualifiedName, Schema, Table, Unique,
};

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
    Column {
        name: column_name.to_string(),
        ty,
        nullable: false,
        default: None,
        identity: None,
        serial: false,
        generated: None,
        comment: None,
        renamed_from: None,
        source: None,
    }
}

pub fn nullable(column: Column) -> Column {
    Column {
        nullable: true,
        ..column
    }
}

pub fn with_default(column: Column, default: &str) -> Column {
    Column {
        default: Some(default.to_string()),
        ..column
    }
}

pub fn identity(column: Column, identity: Identity) -> Column {
    Column {
        identity: Some(identity),
        ..column
    }
}

pub fn serial(column: Column) -> Column {
    Column {
        serial: true,
        ..column
    }
}

pub fn generated(column: Column, expression: &str) -> Column {
    Column {
        generated: Some(expression.to_string()),
        ..column
    }
}

pub fn commented(column: Column, comment: &str) -> Column {
    Column {
        comment: Some(comment.to_string()),
        ..column
    }
}

pub fn renamed_column(column: Column, from: &str) -> Column {
    Column {
        renamed_from: Some(from.to_string()),
        ..column
    }
}

pub fn table(qualified: &str, columns: Vec<Column>) -> Table {
    Table {
        name: name(qualified),
        columns,
        primary_key: None,
        foreign_keys: Vec::new(),
        uniques: Vec::new(),
        checks: Vec::new(),
        indexes: Vec::new(),
        comment: None,
        renamed_from: None,
        source: None,
    }
}

pub fn primary_key(key_name: &str, columns: &[&str]) -> Option<PrimaryKey> {
    Some(PrimaryKey {
        name: key_name.to_string(),
        columns: strings(columns),
    })
}

pub fn unique(unique_name: &str, columns: &[&str]) -> Unique {
    Unique {
        name: unique_name.to_string(),
        columns: strings(columns),
    }
}

pub fn check_constraint(check_name: &str, expression: &str) -> Check {
    Check {
        name: check_name.to_string(),
        expr: expression.to_string(),
    }
}

pub fn foreign_key(
    key_name: &str,
    columns: &[&str],
    references: &str,
    referenced_columns: &[&str],
) -> ForeignKey {
    ForeignKey {
        name: key_name.to_string(),
        columns: strings(columns),
        references: name(references),
        referenced_columns: strings(referenced_columns),
        on_delete: ForeignKeyAction::NoAction,
        on_update: ForeignKeyAction::NoAction,
        source: None,
    }
}

pub fn index(index_name: &str, columns: &[&str]) -> Index {
    Index {
        name: index_name.to_string(),
        key: IndexKey::Columns(strings(columns)),
        unique: false,
        method: "btree".to_string(),
        predicate: None,
    }
}

pub fn expression_index(index_name: &str, expression: &str) -> Index {
    Index {
        key: IndexKey::Expression(expression.to_string()),
        ..index(index_name, &[])
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

pub fn schema(schemas: &[&str], enums: Vec<Enum>, tables: Vec<Table>) -> Schema {
    let mut schema = Schema {
        schemas: strings(schemas),
        enums,
        tables,
    };
    schema.canonicalize();
    schema
}

pub fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| value.to_string()).collect()
}

/// `users (id bigint identity primary key, email text)`.
pub fn users_table() -> Table {
    Table {
        primary_key: primary_key("users_pkey", &["id"]),
        ..table(
            "users",
            vec![
                identity(column("id", builtin("bigint")), Identity::ByDefault),
                column("email", builtin("text")),
            ],
        )
    }
}
