//! The catalog queries and how their rows become the schema model.

use crate::options::{ConstraintOptions, IndexKeyOptions, exclusion_from_row, index_key};
use crate::policies::read_policies;
use dbkit_core::model::{
    BaseType, Check, Column, ColumnType, Deferral, Enum, ForeignKey, ForeignKeyAction, Identity,
    Index, PartitionOf, PrimaryKey, QualifiedName, Schema, Table, Unique, sort_storage_parameters,
};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
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

pub(crate) fn query_error(what: &'static str) -> impl FnOnce(sqlx::Error) -> IntrospectError {
    move |source| IntrospectError::Query { what, source }
}

/// Opens the transaction in which the introspector reads the catalog on
/// one connection of `pool`, with JIT compilation off (`SET LOCAL`, so the
/// connection goes back to the pool as it came). The catalog queries are
/// large joins whose estimated cost passes `jit_above_cost` on a database
/// of a few thousand objects, and a server built with LLVM then compiles
/// them for each new session (the generic objects' query: 0.8 s of 1 s on
/// the benchmark's database), while they run for tens of milliseconds.
/// The transaction only reads; it is rolled back when dropped.
pub(crate) async fn catalog_session(
    pool: &PgPool,
) -> Result<Transaction<'static, Postgres>, IntrospectError> {
    pool.begin_with("BEGIN; SET LOCAL jit = off")
        .await
        .map_err(query_error("connection"))
}

/// User schemas: everything but `pg_*`, `information_schema` and schemas
/// that belong to an extension. `pg_*` is tested with `left`, not with
/// `LIKE 'pg\_%'`, whose backslash means nothing with
/// `standard_conforming_strings` off, where `_` then matches any character.
const SCHEMAS_QUERY: &str = r#"
SELECT n.nspname::text
FROM pg_catalog.pg_namespace n
WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
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

/// Ordinary and partitioned tables and partitions, with their storage
/// parameters and those of their TOAST table (`toast.…`, as `WITH` takes
/// them), a partitioned table's key (`pg_get_partkeydef`) and a
/// partition's parent and bound (`pg_get_expr` of `relpartbound`). A
/// partition's columns, constraints and indexes are its parent's
/// (PostgreSQL's copies: columns, and constraints and indexes that have a
/// parent), so the queries below read none of a partition's. Here and
/// below, tables that belong to an extension (`CREATE EXTENSION` made
/// them, `DROP EXTENSION` removes them) are left out: no migration
/// declares them.
const TABLES_QUERY: &str = r#"
SELECT c.oid::int8,
       n.nspname::text,
       c.relname::text,
       description.description,
       coalesce(c.reloptions, '{}')::text[]
           || ARRAY(SELECT 'toast.' || option
                    FROM pg_catalog.pg_class toast, unnest(toast.reloptions) AS option
                    WHERE toast.oid = c.reltoastrelid),
       c.relrowsecurity,
       c.relforcerowsecurity,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       parent_namespace.nspname::text,
       parent.relname::text,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description description
  ON description.objoid = c.oid AND description.classoid = 'pg_catalog.pg_class'::regclass
 AND description.objsubid = 0
LEFT JOIN pg_catalog.pg_inherits inheritance
  ON c.relispartition AND inheritance.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class parent ON parent.oid = inheritance.inhparent
LEFT JOIN pg_catalog.pg_namespace parent_namespace ON parent_namespace.oid = parent.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype = 'e')"#;

/// Columns, with their `attnum` (the caller puts them in that order: an
/// `ORDER BY` here would sort the wide rows, default expressions included,
/// before they are projected). For an array, the element type is described
/// (`format_type` of the element with the column's typmod keeps
/// `character varying(40)`), and `is_array` says there is one `[]`; an enum
/// is described by its schema and name, so `format_type` runs only for the
/// other types. A column is serial when a `nextval` default goes with a
/// sequence the column owns (an `auto` dependency; identity sequences are
/// `internal`). A default that is not a generation expression cannot
/// mention a column, so it is printed without its table (`pg_get_expr`
/// with relation 0), which spares the server opening every table.
pub(crate) const COLUMNS_QUERY: &str = r#"
SELECT a.attrelid::int8,
       a.attnum::int4,
       a.attname::text,
       (t.typcategory = 'A' AND t.typelem <> 0) AS is_array,
       CASE WHEN NOT (base.typtype IN ('e', 'd') OR coalesce(base_class.relkind = 'c', false))
            THEN format_type(base.oid, a.atttypmod) END,
       CASE WHEN base.typtype IN ('e', 'd') THEN base.typtype::text
            WHEN base_class.relkind = 'c' THEN 'c' ELSE '' END AS type_kind,
       base_namespace.nspname::text,
       base.typname::text,
       a.attnotnull,
       pg_get_expr(d.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE d.adrelid END),
       a.attidentity::text,
       a.attgenerated::text,
       description.description,
       (owned.refobjid IS NOT NULL) AS owns_sequence,
       CASE WHEN a.attcollation <> t.typcollation
            THEN (SELECT co.collname::text FROM pg_catalog.pg_collation co
                  WHERE co.oid = a.attcollation) END
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type base
  ON base.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
JOIN pg_catalog.pg_namespace base_namespace ON base_namespace.oid = base.typnamespace
LEFT JOIN pg_catalog.pg_class base_class ON base_class.oid = base.typrelid
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
                    AND dep.deptype = 'e')"#;

/// Primary key, unique, foreign key, check and exclusion constraints, with
/// their columns in key order. A constraint with a parent (`conparentid`)
/// is one PostgreSQL made from another: a foreign key onto a partitioned
/// table has one per partition of it, on the referencing table. The key
/// columns' names are found by one join of all the keys with
/// `pg_attribute`, not by a subquery per constraint. An exclusion
/// constraint is read as its access method, its elements (each key as
/// `pg_get_indexdef` prints it, `WITH` its operator) and its predicate.
const CONSTRAINTS_QUERY: &str = r#"
WITH con AS (
    SELECT con.oid, con.conrelid, con.conname, con.contype, con.conkey, con.confrelid,
           con.confkey, con.confdeltype, con.confupdtype, con.conbin, con.condeferrable,
           con.condeferred, con.convalidated, con.conindid, con.conexclop
    FROM pg_catalog.pg_constraint con
    JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conparentid = 0
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                      WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                        AND dep.deptype = 'e')
), key_columns AS (
    SELECT con.oid, array_agg(a.attname::text ORDER BY k.position) AS names
    FROM con
    CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
    GROUP BY con.oid
), referenced_columns AS (
    SELECT con.oid, array_agg(a.attname::text ORDER BY k.position) AS names
    FROM con
    CROSS JOIN LATERAL unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
    WHERE con.contype = 'f'
    GROUP BY con.oid
)
SELECT con.conrelid::int8,
       con.conname::text,
       con.contype::text,
       coalesce(key_columns.names, '{}'),
       referenced_namespace.nspname::text,
       referenced.relname::text,
       coalesce(referenced_columns.names, '{}'),
       con.confdeltype::text,
       con.confupdtype::text,
       pg_get_expr(con.conbin, con.conrelid),
       con.condeferrable,
       con.condeferred,
       con.convalidated,
       CASE WHEN con.contype = 'x' THEN (
           SELECT am.amname::text FROM pg_catalog.pg_class ic
           JOIN pg_catalog.pg_am am ON am.oid = ic.relam WHERE ic.oid = con.conindid) END,
       CASE WHEN con.contype = 'x' THEN (
           SELECT string_agg(pg_get_indexdef(con.conindid, x.k::int4, true) || ' WITH ' || op.oprname,
                             ', ' ORDER BY x.k)
           FROM unnest(con.conexclop) WITH ORDINALITY AS x(operator, k)
           JOIN pg_catalog.pg_operator op ON op.oid = x.operator) END,
       CASE WHEN con.contype = 'x' THEN (
           SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_catalog.pg_index i
           WHERE i.indexrelid = con.conindid) END
FROM con
LEFT JOIN key_columns ON key_columns.oid = con.oid
LEFT JOIN referenced_columns ON referenced_columns.oid = con.oid
LEFT JOIN pg_catalog.pg_class referenced ON referenced.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace referenced_namespace ON referenced_namespace.oid = referenced.relnamespace"#;

/// Indexes that do not back a primary key, unique or exclusion constraint
/// of their own table. Key columns (then the `INCLUDE` ones) found by one
/// join with `pg_attribute`; an index that has an expression is described
/// by its key texts instead (`pg_get_indexdef`, called for those indexes
/// only), which the caller joins with commas. Per key: `DESC` and `NULLS
/// FIRST` (`indoption`), the operator class when it is not its type's
/// default (schema-qualified when the search path does not find it), the
/// collation when it is not the column's (for an expression,
/// its type's).
pub(crate) const INDEXES_QUERY: &str = r#"
WITH idx AS (
    SELECT i.indexrelid, i.indrelid, i.indisunique, i.indkey, i.indnkeyatts, i.indnatts,
           i.indoption, i.indclass, i.indcollation,
           (i.indexprs IS NOT NULL) AS has_expressions, i.indpred
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                      WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                        AND dep.deptype = 'e')
      AND NOT EXISTS (
          SELECT 1 FROM pg_catalog.pg_constraint con
          WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
            AND con.contype IN ('p', 'u', 'x')
      )
), key_columns AS (
    SELECT idx.indexrelid, array_agg(a.attname::text ORDER BY k.position) AS names
    FROM idx
    CROSS JOIN LATERAL unnest(idx.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = idx.indrelid AND a.attnum = k.attnum
    WHERE NOT idx.has_expressions AND k.position <= idx.indnkeyatts
    GROUP BY idx.indexrelid
)
SELECT idx.indrelid::int8,
       ic.relname::text,
       idx.indisunique,
       am.amname::text,
       coalesce(key_columns.names, '{}'),
       CASE WHEN idx.has_expressions THEN ARRAY(
           SELECT pg_get_indexdef(idx.indexrelid, k, true)
           FROM generate_series(1, idx.indnkeyatts::int4) AS k
           ORDER BY k
       ) END,
       pg_get_expr(idx.indpred, idx.indrelid),
       ARRAY(SELECT (idx.indoption[k - 1]::int4 & 1) <> 0
             FROM generate_series(1, idx.indnkeyatts::int4) AS k ORDER BY k),
       ARRAY(SELECT (idx.indoption[k - 1]::int4 & 2) <> 0
             FROM generate_series(1, idx.indnkeyatts::int4) AS k ORDER BY k),
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL
                         WHEN pg_catalog.pg_opclass_is_visible(oc.oid) THEN oc.opcname::text
                         ELSE opclass_namespace.nspname || '.' || oc.opcname END
             FROM generate_series(1, idx.indnkeyatts::int4) AS k
             JOIN pg_catalog.pg_opclass oc ON oc.oid = idx.indclass[k - 1]
             JOIN pg_catalog.pg_namespace opclass_namespace ON opclass_namespace.oid = oc.opcnamespace
             ORDER BY k),
       ARRAY(SELECT CASE WHEN idx.indcollation[k - 1] = 0
                          OR idx.indcollation[k - 1] = coalesce(a.attcollation, key_type.typcollation)
                         THEN NULL ELSE co.collname::text END
             FROM generate_series(1, idx.indnkeyatts::int4) AS k
             LEFT JOIN pg_catalog.pg_attribute a
               ON idx.indkey[k - 1] <> 0 AND a.attrelid = idx.indrelid AND a.attnum = idx.indkey[k - 1]
             LEFT JOIN pg_catalog.pg_attribute index_attribute
               ON index_attribute.attrelid = idx.indexrelid AND index_attribute.attnum = k
             LEFT JOIN pg_catalog.pg_type key_type ON key_type.oid = index_attribute.atttypid
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = idx.indcollation[k - 1]
             ORDER BY k),
       ARRAY(SELECT a.attname::text
             FROM generate_series(idx.indnkeyatts::int4 + 1, idx.indnatts::int4) AS k
             JOIN pg_catalog.pg_attribute a ON a.attrelid = idx.indrelid AND a.attnum = idx.indkey[k - 1]
             ORDER BY k),
       coalesce(ic.reloptions, '{}')::text[]
FROM idx
JOIN pg_catalog.pg_class ic ON ic.oid = idx.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN key_columns ON key_columns.indexrelid = idx.indexrelid"#;

type EnumRow = (String, String, Vec<String>, Option<String>);
type TableRow = (
    i64,
    String,
    String,
    Option<String>,
    Vec<String>,
    bool,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
pub(crate) type ColumnRow = (
    i64,
    i32,
    String,
    bool,
    Option<String>,
    String,
    String,
    String,
    bool,
    Option<String>,
    String,
    String,
    Option<String>,
    bool,
    Option<String>,
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
    bool,
    bool,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
);
pub(crate) type IndexRow = (
    i64,
    String,
    bool,
    String,
    Vec<String>,
    Option<Vec<String>>,
    Option<String>,
    Vec<bool>,
    Vec<bool>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<String>,
    Vec<String>,
);

/// Reads the schemas named in `schemas` (every user schema when `None`)
/// into the model, canonicalised (sorted) like a declared schema.
///
/// After the list of schemas, the five other queries run on up to three
/// connections of `pool` at once (as many as it allows; see `lanes`).
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

    let [first, second, third] = lanes(pool.options().get_max_connections());
    let (first, second, third) = tokio::try_join!(
        run_lane(pool, first, &schema_names),
        run_lane(pool, second, &schema_names),
        run_lane(pool, third, &schema_names),
    )?;
    let mut rows = CatalogRows::default();
    for fetched in first.into_iter().chain(second).chain(third) {
        rows.add(fetched);
    }

    let mut tables: BTreeMap<i64, Table> = rows.tables.into_iter().map(table_from_row).collect();
    rows.columns.sort_unstable_by_key(|row| (row.0, row.1));
    for row in rows.columns {
        let table_oid = row.0;
        let column = column_from_row(row)?;
        table_entry(&mut tables, table_oid, "a column")?
            .columns
            .push(column);
    }
    for row in rows.constraints {
        let table_oid = row.0;
        add_constraint(table_entry(&mut tables, table_oid, "a constraint")?, row)?;
    }
    for row in rows.indexes {
        let table_oid = row.0;
        let index = index_from_row(row);
        table_entry(&mut tables, table_oid, "an index")?
            .indexes
            .push(index);
    }

    // Few rows and cheap queries, read once the others are done.
    let mut session = catalog_session(pool).await?;
    let policies = read_policies(&mut session, &schema_names).await?;
    let schema_names_read = schema_names.clone();
    let user_types = crate::user_types::read_user_types(&mut session, &schema_names).await?;
    let views = crate::views::introspect_views(&mut session, &schema_names).await?;
    let (functions, triggers) = tokio::try_join!(
        crate::functions::read_functions(&mut session, &schema_names),
        async {
            let mut session = catalog_session(pool).await?;
            crate::functions::read_triggers(&mut session, &schema_names).await
        },
    )?;
    let mut schema = Schema {
        functions,
        triggers,
        policies,
        schemas: schema_names
            .into_iter()
            .filter(|name| name != "public")
            .collect(),
        enums: rows.enums.into_iter().map(enum_from_row).collect(),
        tables: tables.into_values().collect(),
        sequences: user_types.sequences,
        domains: user_types.domains,
        composite_types: user_types.composite_types,
        views,
        ..Schema::default()
    };
    crate::objects::read_objects(&mut session, &schema_names_read, &mut schema).await?;
    drop(session);
    schema.canonicalize();
    Ok(schema)
}

/// The queries that follow the list of schemas.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Enums,
    Tables,
    Columns,
    Constraints,
    Indexes,
}

/// Which queries run one after the other on each of three connections (an
/// empty lane takes none), for a pool of `max_connections`. The columns,
/// the constraints and the indexes cost the server most; the constraints
/// (check expressions) and the indexes (predicates, expressions) make it
/// open the same tables, which a session does once, so on two connections
/// they share one.
fn lanes(max_connections: u32) -> [&'static [Kind]; 3] {
    use Kind::*;
    match max_connections {
        0 | 1 => [&[Columns, Constraints, Indexes, Tables, Enums], &[], &[]],
        2 => [&[Constraints, Indexes], &[Columns, Tables, Enums], &[]],
        _ => [&[Constraints, Enums], &[Indexes, Tables], &[Columns]],
    }
}

/// The rows of one query (the column rows are too wide a tuple for
/// `Debug`).
enum Fetched {
    Enums(Vec<EnumRow>),
    Tables(Vec<TableRow>),
    Columns(Vec<ColumnRow>),
    Constraints(Vec<ConstraintRow>),
    Indexes(Vec<IndexRow>),
}

#[derive(Default)]
struct CatalogRows {
    enums: Vec<EnumRow>,
    tables: Vec<TableRow>,
    columns: Vec<ColumnRow>,
    constraints: Vec<ConstraintRow>,
    indexes: Vec<IndexRow>,
}

impl CatalogRows {
    fn add(&mut self, fetched: Fetched) {
        match fetched {
            Fetched::Enums(rows) => self.enums = rows,
            Fetched::Tables(rows) => self.tables = rows,
            Fetched::Columns(rows) => self.columns = rows,
            Fetched::Constraints(rows) => self.constraints = rows,
            Fetched::Indexes(rows) => self.indexes = rows,
        }
    }
}

/// Runs `kinds` one after the other on one connection of `pool`.
async fn run_lane(
    pool: &PgPool,
    kinds: &[Kind],
    schema_names: &[String],
) -> Result<Vec<Fetched>, IntrospectError> {
    let mut fetched = Vec::with_capacity(kinds.len());
    if kinds.is_empty() {
        return Ok(fetched);
    }
    let mut session = catalog_session(pool).await?;
    for kind in kinds {
        let connection = &mut *session;
        fetched.push(match kind {
            Kind::Enums => {
                Fetched::Enums(fetch_rows(connection, ENUMS_QUERY, schema_names, "enums").await?)
            }
            Kind::Tables => {
                Fetched::Tables(fetch_rows(connection, TABLES_QUERY, schema_names, "tables").await?)
            }
            Kind::Columns => Fetched::Columns(
                fetch_rows(connection, COLUMNS_QUERY, schema_names, "columns").await?,
            ),
            Kind::Constraints => Fetched::Constraints(
                fetch_rows(connection, CONSTRAINTS_QUERY, schema_names, "constraints").await?,
            ),
            Kind::Indexes => Fetched::Indexes(
                fetch_rows(connection, INDEXES_QUERY, schema_names, "indexes").await?,
            ),
        });
    }
    Ok(fetched)
}

/// Runs one catalog query over the schemas `schema_names`.
pub(crate) async fn fetch_rows<Row>(
    connection: &mut PgConnection,
    query: &'static str,
    schema_names: &[String],
    what: &'static str,
) -> Result<Vec<Row>, IntrospectError>
where
    Row: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    sqlx::query_as(query)
        .bind(schema_names)
        .fetch_all(connection)
        .await
        .map_err(query_error(what))
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
        comment,
        ..Enum::new(QualifiedName::new(schema, name), values)
    }
}

fn table_from_row(row: TableRow) -> (i64, Table) {
    let (
        oid,
        schema,
        name,
        comment,
        mut storage_parameters,
        row_level_security,
        force_row_level_security,
        partition_by,
        parent_schema,
        parent,
        bounds,
    ) = row;
    sort_storage_parameters(&mut storage_parameters);
    let partition_of = match (parent_schema, parent, bounds) {
        (Some(parent_schema), Some(parent), Some(bounds)) => Some(PartitionOf::new(
            QualifiedName::new(parent_schema, parent),
            bounds,
        )),
        _ => None,
    };
    let table = Table {
        comment,
        storage_parameters,
        row_level_security,
        force_row_level_security,
        partition_by,
        partition_of,
        ..Table::new(QualifiedName::new(schema, name))
    };
    (oid, table)
}

pub(crate) fn column_from_row(row: ColumnRow) -> Result<Column, IntrospectError> {
    let (
        _table_oid,
        _attnum,
        name,
        is_array,
        formatted_type,
        type_kind,
        type_schema,
        type_name,
        not_null,
        default,
        identity,
        generated,
        comment,
        owns_sequence,
        collation,
    ) = row;
    let Some(base) = base_type(formatted_type, &type_kind, type_schema, type_name) else {
        return Err(IntrospectError::UnexpectedCatalog {
            detail: format!("a column `{name}` of a type that format_type does not describe"),
        });
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
    let ty = ColumnType {
        base,
        array_dims: u8::from(is_array),
    };
    Ok(Column {
        nullable: !not_null,
        default,
        identity,
        serial,
        generated,
        collation,
        comment,
        ..Column::new(name, ty)
    })
}

/// The element type of a column or attribute: an enum (`e`), a domain
/// (`d`) or a composite type (`c`) by its name, anything else by
/// `format_type`'s spelling.
pub(crate) fn base_type(
    formatted_type: Option<String>,
    type_kind: &str,
    type_schema: String,
    type_name: String,
) -> Option<BaseType> {
    let name = || QualifiedName::new(type_schema, type_name);
    match type_kind {
        "e" => Some(BaseType::Enum(name())),
        "d" => Some(BaseType::Domain(name())),
        "c" => Some(BaseType::Composite(name())),
        _ => formatted_type.map(BaseType::Builtin),
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
        deferrable,
        deferred,
        validated,
        exclusion_method,
        exclusion_elements,
        exclusion_predicate,
    ) = row;
    let options = ConstraintOptions {
        deferrable: Deferral::from_catalog(deferrable, deferred),
        not_valid: !validated,
    };
    match kind.as_str() {
        "p" => {
            table.primary_key =
                Some(PrimaryKey::new(name, columns).with_deferrable(options.deferrable));
        }
        "u" => table
            .uniques
            .push(Unique::new(name, columns).with_deferrable(options.deferrable)),
        "c" => table.checks.push(
            Check::new(name, check_expression.unwrap_or_default())
                .with_not_valid(options.not_valid),
        ),
        "x" => table.exclusions.push(exclusion_from_row(
            name,
            exclusion_method,
            exclusion_elements,
            exclusion_predicate,
            options.deferrable,
        )),
        "f" => {
            let (Some(schema), Some(referenced)) = (referenced_schema, referenced_table) else {
                return Err(IntrospectError::UnexpectedCatalog {
                    detail: format!(
                        "a foreign key `{name}` on {} without a referenced table",
                        table.name
                    ),
                });
            };
            table.foreign_keys.push(
                ForeignKey::new(
                    name,
                    columns,
                    QualifiedName::new(schema, referenced),
                    referenced_columns,
                )
                .with_actions(
                    foreign_key_action(&on_delete),
                    foreign_key_action(&on_update),
                )
                .with_deferrable(options.deferrable)
                .with_not_valid(options.not_valid),
            );
        }
        other => {
            return Err(IntrospectError::UnexpectedCatalog {
                detail: format!("a constraint `{name}` of unexpected kind `{other}`"),
            });
        }
    }
    Ok(())
}

pub(crate) fn index_from_row(row: IndexRow) -> Index {
    let (
        _table_oid,
        name,
        unique,
        method,
        columns,
        key_texts,
        predicate,
        descending,
        nulls_first,
        opclasses,
        collations,
        include,
        mut storage_parameters,
    ) = row;
    let (key, key_options) = index_key(
        columns,
        key_texts,
        IndexKeyOptions {
            descending,
            nulls_first,
            opclasses,
            collations,
        },
    );
    sort_storage_parameters(&mut storage_parameters);
    Index::new(name, key)
        .with_unique(unique)
        .with_method(method)
        .with_predicate(predicate)
        .with_key_options(key_options)
        .with_include(include)
        .with_storage_parameters(storage_parameters)
}
