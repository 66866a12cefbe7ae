//! The catalog queries and how their rows become the schema model.

use dbkit_core::model::{
    BaseType, Check, Column, ColumnType, Enum, ForeignKey, ForeignKeyAction, Identity, Index,
    IndexKey, PrimaryKey, QualifiedName, Schema, Table, Unique,
};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// Why a database could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    #[error("failed to read the {what} of the database: {source}")]
    Query {
        what: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("the catalog has {detail}")]
    UnexpectedCatalog { detail: String },
}

fn query_error(what: &'static str) -> impl FnOnce(sqlx::Error) -> IntrospectError {
    move |source| IntrospectError::Query { what, source }
}

/// User schemas: everything but `pg_*`, `information_schema` and schemas
/// that belong to an extension.
const SCHEMAS_QUERY: &str = r#"
SELECT n.nspname::text
FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend dep
      WHERE dep.classid = 'pg_catalog.pg_namespace'::regclass AND dep.objid = n.oid
        AND dep.deptype = 'e'
  )
ORDER BY n.nspname"#;

const ENUMS_QUERY: &str = r#"
SELECT n.nspname::text,
       t.typname::text,
       array_agg(e.enumlabel::text ORDER BY e.enumsortorder),
       obj_description(t.oid, 'pg_type')
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend dep
      WHERE dep.classid = 'pg_catalog.pg_type'::regclass AND dep.objid = t.oid
        AND dep.deptype = 'e'
  )
GROUP BY n.nspname, t.typname, t.oid"#;

/// Ordinary and partitioned tables (not partitions of another table). Here
/// and below, tables that belong to an extension (`CREATE EXTENSION`
/// made them, `DROP EXTENSION` removes them) are left out: no migration
/// declares them.
const TABLES_QUERY: &str = r#"
SELECT c.oid::int8,
       n.nspname::text,
       c.relname::text,
       description.description
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description description
  ON description.objoid = c.oid AND description.classoid = 'pg_catalog.pg_class'::regclass
 AND description.objsubid = 0
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')"#;

/// Columns in `attnum` order. For an array, the element type is described
/// (`format_type` of the element with the column's typmod keeps
/// `character varying(40)`), and `is_array` says there is one `[]`. A column
/// is serial when a `nextval` default goes with a sequence the column owns
/// (an `auto` dependency; identity sequences are `internal`).
const COLUMNS_QUERY: &str = r#"
SELECT a.attrelid::int8,
       a.attname::text,
       (t.typcategory = 'A' AND t.typelem <> 0) AS is_array,
       format_type(CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END, a.atttypmod),
       (base.typtype = 'e') AS is_enum,
       base_namespace.nspname::text,
       base.typname::text,
       a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid),
       a.attidentity::text,
       a.attgenerated::text,
       description.description,
       (owned.refobjid IS NOT NULL) AS owns_sequence
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type base
  ON base.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
JOIN pg_catalog.pg_namespace base_namespace ON base_namespace.oid = base.typnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description description
  ON description.objoid = a.attrelid AND description.classoid = 'pg_catalog.pg_class'::regclass
 AND description.objsubid = a.attnum
LEFT JOIN (
    SELECT DISTINCT dep.refobjid, dep.refobjsubid
    FROM pg_catalog.pg_depend dep
    JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
    WHERE dep.classid = 'pg_catalog.pg_class'::regclass
      AND dep.refclassid = 'pg_catalog.pg_class'::regclass
      AND dep.deptype = 'a'
) owned ON owned.refobjid = a.attrelid AND owned.refobjsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')
ORDER BY a.attrelid, a.attnum"#;

/// Primary key, unique, foreign key and check constraints, with their
/// columns in key order.
const CONSTRAINTS_QUERY: &str = r#"
SELECT con.conrelid::int8,
       con.conname::text,
       con.contype::text,
       ARRAY(
           SELECT a.attname::text
           FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
           ORDER BY k.position
       ),
       referenced_namespace.nspname::text,
       referenced.relname::text,
       ARRAY(
           SELECT a.attname::text
           FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
           ORDER BY k.position
       ),
       con.confdeltype::text,
       con.confupdtype::text,
       pg_get_expr(con.conbin, con.conrelid)
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class referenced ON referenced.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace referenced_namespace ON referenced_namespace.oid = referenced.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c')
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')"#;

/// Indexes that do not back a primary key, unique or exclusion constraint
/// of their own table. Key columns only (not `INCLUDE` ones); a key that
/// has an expression is described as the comma-separated key texts.
const INDEXES_QUERY: &str = r#"
SELECT i.indrelid::int8,
       ic.relname::text,
       i.indisunique,
       am.amname::text,
       (i.indexprs IS NOT NULL) AS has_expressions,
       ARRAY(
           SELECT a.attname::text
           FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE k.position <= i.indnkeyatts
           ORDER BY k.position
       ),
       ARRAY(
           SELECT pg_get_indexdef(i.indexrelid, k, true)
           FROM generate_series(1, i.indnkeyatts::int4) AS k
           ORDER BY k
       ),
       pg_get_expr(i.indpred, i.indrelid)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_constraint con
      WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
  )"#;

type EnumRow = (String, String, Vec<String>, Option<String>);
type TableRow = (i64, String, String, Option<String>);
type ColumnRow = (
    i64,
    String,
    bool,
    String,
    bool,
    String,
    String,
    bool,
    Option<String>,
    String,
    String,
    Option<String>,
    bool,
);
type ConstraintRow = (
    i64,
    String,
    String,
    Vec<String>,
    Option<String>,
    Option<String>,
    Vec<String>,
    String,
    String,
    Option<String>,
);
type IndexRow = (
    i64,
    String,
    bool,
    String,
    bool,
    Vec<String>,
    Vec<String>,
    Option<String>,
);

/// Reads the schemas named in `schemas` (every user schema when `None`)
/// into the model, canonicalised (sorted) like a declared schema.
pub async fn introspect(
    pool: &PgPool,
    schemas: Option<&[String]>,
) -> Result<Schema, IntrospectError> {
    let mut schema_names: Vec<String> = sqlx::query_scalar(SCHEMAS_QUERY)
        .fetch_all(pool)
        .await
        .map_err(query_error("schemas"))?;
    if let Some(wanted) = schemas {
        schema_names.retain(|name| wanted.contains(name));
    }

    let enum_rows: Vec<EnumRow> = sqlx::query_as(ENUMS_QUERY)
        .bind(&schema_names)
        .fetch_all(pool)
        .await
        .map_err(query_error("enums"))?;
    let table_rows: Vec<TableRow> = sqlx::query_as(TABLES_QUERY)
        .bind(&schema_names)
        .fetch_all(pool)
        .await
        .map_err(query_error("tables"))?;
    let column_rows: Vec<ColumnRow> = sqlx::query_as(COLUMNS_QUERY)
        .bind(&schema_names)
        .fetch_all(pool)
        .await
        .map_err(query_error("columns"))?;
    let constraint_rows: Vec<ConstraintRow> = sqlx::query_as(CONSTRAINTS_QUERY)
        .bind(&schema_names)
        .fetch_all(pool)
        .await
        .map_err(query_error("constraints"))?;
    let index_rows: Vec<IndexRow> = sqlx::query_as(INDEXES_QUERY)
        .bind(&schema_names)
        .fetch_all(pool)
        .await
        .map_err(query_error("indexes"))?;

    let mut tables: BTreeMap<i64, Table> = table_rows.into_iter().map(table_from_row).collect();
    for row in column_rows {
        let table_oid = row.0;
        let column = column_from_row(row);
        table_entry(&mut tables, table_oid, "a column")?
            .columns
            .push(column);
    }
    for row in constraint_rows {
        let table_oid = row.0;
        add_constraint(table_entry(&mut tables, table_oid, "a constraint")?, row)?;
    }
    for row in index_rows {
        let table_oid = row.0;
        let index = index_from_row(row);
        table_entry(&mut tables, table_oid, "an index")?
            .indexes
            .push(index);
    }

    let mut schema = Schema {
        schemas: schema_names
            .into_iter()
            .filter(|name| name != "public")
            .collect(),
        enums: enum_rows.into_iter().map(enum_from_row).collect(),
        tables: tables.into_values().collect(),
    };
    schema.canonicalize();
    Ok(schema)
}

fn table_entry<'a>(
    tables: &'a mut BTreeMap<i64, Table>,
    oid: i64,
    what: &str,
) -> Result<&'a mut Table, IntrospectError> {
    tables
        .get_mut(&oid)
        .ok_or_else(|| IntrospectError::UnexpectedCatalog {
            detail: format!("{what} of a table (oid {oid}) that the table query did not return"),
        })
}

fn enum_from_row((schema, name, values, comment): EnumRow) -> Enum {
    Enum {
        name: QualifiedName::new(schema, name),
        values,
        comment,
        source: None,
    }
}

fn table_from_row((oid, schema, name, comment): TableRow) -> (i64, Table) {
    let table = Table {
        name: QualifiedName::new(schema, name),
        columns: Vec::new(),
        primary_key: None,
        foreign_keys: Vec::new(),
        uniques: Vec::new(),
        checks: Vec::new(),
        indexes: Vec::new(),
        comment,
        renamed_from: None,
        source: None,
    };
    (oid, table)
}

fn column_from_row(row: ColumnRow) -> Column {
    let (
        _table_oid,
        name,
        is_array,
        formatted_type,
        is_enum,
        type_schema,
        type_name,
        not_null,
        default,
        identity,
        generated,
        comment,
        owns_sequence,
    ) = row;
    let base = if is_enum {
        BaseType::Enum(QualifiedName::new(type_schema, type_name))
    } else {
        BaseType::Builtin(formatted_type)
    };
    let identity = match identity.as_str() {
        "a" => Some(Identity::Always),
        "d" => Some(Identity::ByDefault),
        _ => None,
    };
    // `s`: stored, what the DSL declares; `v`: virtual (PostgreSQL 18),
    // read as generated too rather than as a default.
    let is_generated = generated == "s" || generated == "v";
    let serial = identity.is_none()
        && !is_generated
        && owns_sequence
        && default
            .as_deref()
            .is_some_and(|text| text.starts_with("nextval("));
    let (default, generated) = if is_generated {
        (None, default)
    } else if serial {
        (None, None)
    } else {
        (default, None)
    };
    Column {
        name,
        ty: ColumnType {
            base,
            array_dims: u8::from(is_array),
        },
        nullable: !not_null,
        default,
        identity,
        serial,
        generated,
        comment,
        renamed_from: None,
        source: None,
    }
}

fn foreign_key_action(code: &str) -> ForeignKeyAction {
    match code {
        "r" => ForeignKeyAction::Restrict,
        "c" => ForeignKeyAction::Cascade,
        "n" => ForeignKeyAction::SetNull,
        "d" => ForeignKeyAction::SetDefault,
        _ => ForeignKeyAction::NoAction,
    }
}

fn add_constraint(table: &mut Table, row: ConstraintRow) -> Result<(), IntrospectError> {
    let (
        _table_oid,
        name,
        kind,
        columns,
        referenced_schema,
        referenced_table,
        referenced_columns,
        on_delete,
        on_update,
        check_expression,
    ) = row;
    match kind.as_str() {
        "p" => table.primary_key = Some(PrimaryKey { name, columns }),
        "u" => table.uniques.push(Unique { name, columns }),
        "c" => table.checks.push(Check {
            name,
            expr: check_expression.unwrap_or_default(),
        }),
        "f" => {
            let (Some(schema), Some(referenced)) = (referenced_schema, referenced_table) else {
                return Err(IntrospectError::UnexpectedCatalog {
                    detail: format!(
                        "a foreign key `{name}` on {} without a referenced table",
                        table.name
                    ),
                });
            };
            table.foreign_keys.push(ForeignKey {
                name,
                columns,
                references: QualifiedName::new(schema, referenced),
                referenced_columns,
                on_delete: foreign_key_action(&on_delete),
                on_update: foreign_key_action(&on_update),
                source: None,
            });
        }
        other => {
            return Err(IntrospectError::UnexpectedCatalog {
                detail: format!("a constraint `{name}` of unexpected kind `{other}`"),
            });
        }
    }
    Ok(())
}

fn index_from_row(row: IndexRow) -> Index {
    let (_table_oid, name, unique, method, has_expressions, columns, key_texts, predicate) = row;
    let key = if has_expressions {
        IndexKey::Expression(key_texts.join(", "))
    } else {
        IndexKey::Columns(columns)
    };
    Index {
        name,
        key,
        unique,
        method,
        predicate,
    }
}
