//! Sequences no column owns, domains and composite types, read from the
//! catalog.
//!
//! A sequence is left out when a column owns it (serial: an `auto`
//! dependency, identity: an `internal` one), since the column declares it;
//! a domain's checks come from `pg_get_constraintdef` without their
//! `CHECK (…)` wrapper, and its collation only when it is not its base
//! type's own; a composite type is a `pg_type` of a `pg_class` of kind
//! `c` (a table's row type is not one). Objects that belong to an
//! extension are left out, as elsewhere.

use crate::catalog::{IntrospectError, base_type, query_error};
use dbkit_core::model::{
    Check, ColumnType, CompositeAttribute, CompositeType, Domain, QualifiedName, Sequence,
};
use sqlx::PgConnection;

const SEQUENCES_QUERY: &str = r#"
SELECT n.nspname::text,
       c.relname::text,
       format_type(s.seqtypid, NULL),
       s.seqstart,
       s.seqincrement,
       s.seqmin,
       s.seqmax,
       s.seqcycle,
       s.seqcache
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                    AND dep.deptype IN ('a', 'i', 'e'))"#;

const DOMAINS_QUERY: &str = r#"
SELECT n.nspname::text,
       t.typname::text,
       (bt.typcategory = 'A' AND bt.typelem <> 0) AS is_array,
       format_type(CASE WHEN bt.typcategory = 'A' AND bt.typelem <> 0 THEN bt.typelem
                        ELSE bt.oid END, t.typtypmod),
       t.typnotnull,
       pg_get_expr(t.typdefaultbin, 0),
       CASE WHEN t.typcollation <> bt.typcollation THEN coll.collname::text END,
       ARRAY(SELECT con.conname::text FROM pg_catalog.pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname),
       ARRAY(SELECT pg_get_constraintdef(con.oid) FROM pg_catalog.pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation coll ON coll.oid = t.typcollation
WHERE t.typtype = 'd' AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_type'::regclass AND dep.objid = t.oid
                    AND dep.deptype = 'e')"#;

/// The attributes of every composite type, in order; each attribute's type
/// described as a column's is.
const COMPOSITE_ATTRIBUTES_QUERY: &str = r#"
SELECT n.nspname::text,
       t.typname::text,
       a.attname::text,
       (at.typcategory = 'A' AND at.typelem <> 0) AS is_array,
       CASE WHEN NOT (base.typtype IN ('e', 'd') OR coalesce(base_class.relkind = 'c', false))
            THEN format_type(base.oid, a.atttypmod) END,
       CASE WHEN base.typtype IN ('e', 'd') THEN base.typtype::text
            WHEN base_class.relkind = 'c' THEN 'c' ELSE '' END,
       base_namespace.nspname::text,
       base.typname::text
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
JOIN pg_catalog.pg_type base
  ON base.oid = CASE WHEN at.typcategory = 'A' AND at.typelem <> 0 THEN at.typelem ELSE at.oid END
JOIN pg_catalog.pg_namespace base_namespace ON base_namespace.oid = base.typnamespace
LEFT JOIN pg_catalog.pg_class base_class ON base_class.oid = base.typrelid
WHERE t.typtype = 'c' AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                  WHERE dep.classid = 'pg_catalog.pg_type'::regclass AND dep.objid = t.oid
                    AND dep.deptype = 'e')
ORDER BY n.nspname, t.typname, a.attnum"#;

type SequenceRow = (String, String, String, i64, i64, i64, i64, bool, i64);
type DomainRow = (
    String,
    String,
    bool,
    String,
    bool,
    Option<String>,
    Option<String>,
    Vec<String>,
    Vec<String>,
);
type AttributeRow = (
    String,
    String,
    String,
    bool,
    Option<String>,
    String,
    String,
    String,
);

/// The sequences, domains and composite types of a database.
pub(crate) struct UserTypes {
    pub sequences: Vec<Sequence>,
    pub domains: Vec<Domain>,
    pub composite_types: Vec<CompositeType>,
}

/// Reads the sequences no column owns, the domains and the composite types
/// of the schemas `schema_names`.
pub(crate) async fn read_user_types(
    connection: &mut PgConnection,
    schema_names: &[String],
) -> Result<UserTypes, IntrospectError> {
    let sequences: Vec<SequenceRow> = sqlx::query_as(SEQUENCES_QUERY)
        .bind(schema_names)
        .fetch_all(&mut *connection)
        .await
        .map_err(query_error("sequences"))?;
    let domains: Vec<DomainRow> = sqlx::query_as(DOMAINS_QUERY)
        .bind(schema_names)
        .fetch_all(&mut *connection)
        .await
        .map_err(query_error("domains"))?;
    let attributes: Vec<AttributeRow> = sqlx::query_as(COMPOSITE_ATTRIBUTES_QUERY)
        .bind(schema_names)
        .fetch_all(&mut *connection)
        .await
        .map_err(query_error("composite types"))?;
    Ok(UserTypes {
        sequences: sequences.into_iter().map(sequence_from_row).collect(),
        domains: domains.into_iter().map(domain_from_row).collect(),
        composite_types: composites_from_rows(attributes)?,
    })
}

fn sequence_from_row(
    (schema, name, data_type, start, increment, min_value, max_value, cycle, cache): SequenceRow,
) -> Sequence {
    Sequence {
        data_type,
        start,
        increment,
        min_value,
        max_value,
        cycle,
        cache,
        ..Sequence::new(QualifiedName::new(schema, name))
    }
}

fn domain_from_row(
    (schema, name, is_array, base, not_null, default, collation, check_names, check_definitions): DomainRow,
) -> Domain {
    let checks = check_names
        .into_iter()
        .zip(check_definitions)
        .map(|(name, definition)| Check::new(name, check_expression(&definition)))
        .collect();
    Domain {
        not_null,
        default,
        checks,
        collation,
        ..Domain::new(
            QualifiedName::new(schema, name),
            ColumnType::builtin(base).with_array_dims(u8::from(is_array)),
        )
    }
}

/// `CHECK ((VALUE ~ '@'::text))` → `(VALUE ~ '@'::text)`.
fn check_expression(definition: &str) -> String {
    let definition = definition.trim();
    let definition = definition.strip_suffix(" NOT VALID").unwrap_or(definition);
    definition
        .strip_prefix("CHECK (")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(definition)
        .to_string()
}

fn composites_from_rows(rows: Vec<AttributeRow>) -> Result<Vec<CompositeType>, IntrospectError> {
    let mut composites: Vec<CompositeType> = Vec::new();
    for (schema, name, attribute, is_array, formatted, kind, type_schema, type_name) in rows {
        let Some(base) = base_type(formatted, &kind, type_schema, type_name) else {
            return Err(IntrospectError::UnexpectedCatalog {
                detail: format!(
                    "an attribute `{attribute}` of a type that format_type does not describe"
                ),
            });
        };
        let attribute = CompositeAttribute::new(
            attribute,
            ColumnType {
                base,
                array_dims: u8::from(is_array),
            },
        );
        let name = QualifiedName::new(schema, name);
        match composites.last_mut() {
            Some(last) if last.name == name => last.attributes.push(attribute),
            _ => composites.push(CompositeType::new(name, vec![attribute])),
        }
    }
    Ok(composites)
}
