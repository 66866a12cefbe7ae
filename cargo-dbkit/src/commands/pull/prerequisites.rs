//! What the tables `pull` keeps need from the database that the schema DSL
//! cannot declare: the extensions that provide their column types, operator
//! classes and default functions, and the functions of the database's own
//! that their defaults and checks call. (The sequences their defaults call
//! when no column owns them, pagila's `nextval('actor_actor_id_seq')`, and
//! the domains their columns are declared with are code, like the tables.)
//!
//! A baseline without them fails on an empty database (42P01, 42704,
//! 42883), and a later `generate --custom` migration cannot help, because
//! it runs after the baseline. So `pull` carries them into the baseline
//! itself, as the SQL the catalog gives for them, above the tables and
//! marked as carried: dbkit neither compares nor changes them afterwards.
//!
//! One query reads them all, in the order they must be created: schemas,
//! extensions, then functions (with `check_function_bodies` off, as
//! pg_dump does, so a function's body may name a table created later).

use sqlx::PgPool;

/// One object carried into the baseline unchanged.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CarriedObject {
    /// `schema`, `extension` or `function` (created before the tables), or
    /// `index` (after them).
    pub kind: String,
    /// Its name as `UnsupportedObject` names it (`public.year`).
    pub object: String,
    /// The statement that creates it, with its `;`.
    pub statement: String,
}

/// Kept tables: the user's tables and partitioned tables, not partitions
/// and not an extension's. Their columns, defaults, checks and indexes
/// lead to the rest.
const PREREQUISITES_QUERY: &str = r#"
WITH RECURSIVE
kept_class AS (
    SELECT c.oid
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
),
needed_type(oid) AS (
    SELECT a.atttypid
    FROM pg_catalog.pg_attribute a JOIN kept_class k ON k.oid = a.attrelid
    WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END
    FROM needed_type nt JOIN pg_catalog.pg_type t ON t.oid = nt.oid
    WHERE t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0)
),
needed_domain AS (
    SELECT t.oid, t.typnamespace
    FROM needed_type nt JOIN pg_catalog.pg_type t ON t.oid = nt.oid
    WHERE t.typtype = 'd'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_type'::regclass
                        AND d.objid = t.oid AND d.deptype = 'e')
),
-- What the kept tables' defaults, checks and indexes, and the needed
-- domains' checks, depend on.
reference AS (
    SELECT d.refclassid, d.refobjid
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND ad.oid = d.objid
    JOIN kept_class k ON k.oid = ad.adrelid
    UNION
    SELECT d.refclassid, d.refobjid
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_constraint con ON d.classid = 'pg_catalog.pg_constraint'::regclass AND con.oid = d.objid
    WHERE con.conrelid IN (SELECT oid FROM kept_class)
       OR con.contypid IN (SELECT oid FROM needed_domain)
    UNION
    SELECT d.refclassid, d.refobjid
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_index i ON d.classid = 'pg_catalog.pg_class'::regclass AND i.indexrelid = d.objid
    WHERE i.indrelid IN (SELECT oid FROM kept_class)
    UNION
    SELECT 'pg_catalog.pg_opclass'::regclass, class.oid
    FROM pg_catalog.pg_index i, unnest(i.indclass::oid[]) AS class(oid)
    WHERE i.indrelid IN (SELECT oid FROM kept_class)
    UNION
    SELECT 'pg_catalog.pg_type'::regclass, oid FROM needed_type
),
-- The extension each referenced object belongs to.
needed_extension AS (
    SELECT DISTINCT e.oid, e.extname, e.extnamespace
    FROM reference r
    JOIN pg_catalog.pg_depend d ON d.classid = r.refclassid AND d.objid = r.refobjid AND d.deptype = 'e'
    JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
    WHERE e.extname <> 'plpgsql'
),
needed_function AS (
    SELECT p.oid, p.pronamespace
    FROM reference r
    JOIN pg_catalog.pg_proc p ON r.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = r.refobjid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p')
      AND left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                        AND d.objid = p.oid AND d.deptype = 'e')
),
carried_namespace AS (
    SELECT extnamespace AS oid FROM needed_extension
    UNION SELECT pronamespace FROM needed_function
)
SELECT kind, object, statement FROM (
    SELECT 0 AS rank, n.nspname::text AS sort, 'schema' AS kind, format('%I', n.nspname) AS object,
           format('CREATE SCHEMA IF NOT EXISTS %I;', n.nspname) AS statement
    FROM carried_namespace cn JOIN pg_catalog.pg_namespace n ON n.oid = cn.oid
    WHERE n.nspname <> 'public'
    UNION ALL
    SELECT 1, e.extname::text, 'extension', format('%I', e.extname),
           format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', e.extname, n.nspname)
    FROM needed_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    UNION ALL
    SELECT 3, f.oid::text, 'function',
           format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
           rtrim(pg_catalog.pg_get_functiondef(p.oid), E'\n') || ';'
    FROM needed_function f
    JOIN pg_catalog.pg_proc p ON p.oid = f.oid
    JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace
) carried
ORDER BY rank, sort"#;

/// Each domain of a user schema, under the names a column's type may be
/// written with (`year`, `public.year`), with the built-in type it is over
/// (a domain over a domain: the one at the bottom), for the Rust type of
/// its columns.
pub async fn find_domain_base_types(
    pool: &PgPool,
) -> Result<std::collections::BTreeMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        r#"
SELECT t.typname::text, format('%I.%I', n.nspname, t.typname),
       pg_catalog.format_type(t.typbasetype, t.typtypmod),
       (SELECT format('%I.%I', bn.nspname, b.typname)
        FROM pg_catalog.pg_type b JOIN pg_catalog.pg_namespace bn ON bn.oid = b.typnamespace
        WHERE b.oid = t.typbasetype AND b.typtype = 'd')
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd' AND left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'"#,
    )
    .fetch_all(pool)
    .await?;
    let mut direct = std::collections::BTreeMap::new();
    for (name, qualified, base, base_domain) in &rows {
        // A domain over a domain points at that domain's qualified name.
        let base = base_domain.clone().unwrap_or_else(|| base.clone());
        direct.insert(name.clone(), base.clone());
        direct.insert(qualified.clone(), base);
    }
    let mut resolved = std::collections::BTreeMap::new();
    for name in direct.keys() {
        let mut base = &direct[name];
        for _ in 0..16 {
            match direct.get(base) {
                Some(next) if next != base => base = next,
                _ => break,
            }
        }
        resolved.insert(name.clone(), base.clone());
    }
    Ok(resolved)
}

/// The objects the kept tables need, in the order to create them.
pub async fn find_prerequisites(pool: &PgPool) -> Result<Vec<CarriedObject>, sqlx::Error> {
    sqlx::query_as(PREREQUISITES_QUERY).fetch_all(pool).await
}

/// The comment above the carried statements in a baseline.
const CARRIED_HEADER: &str = "\
-- Carried unchanged from the database by `cargo dbkit pull`: what the tables
-- below need that the schema DSL cannot declare. dbkit does not compare or
-- change these objects; later changes to them go in hand-written migrations
-- (`cargo dbkit generate --custom`).
";

/// The comment above the carried indexes at the end of a baseline.
const CARRIED_INDEXES_HEADER: &str = "\
-- Carried unchanged from the database by `cargo dbkit pull`: indexes the
-- schema DSL cannot declare (descending keys, INCLUDE columns, operator
-- classes). dbkit does not read, compare or change them.
";

/// `sql` (a baseline as the renderer wrote it) with `carried` inserted
/// after its `CREATE SCHEMA` statements, which come first, and before
/// everything else.
pub fn with_carried_objects(sql: &str, carried: &[CarriedObject]) -> String {
    let (after, before): (Vec<&CarriedObject>, Vec<&CarriedObject>) =
        carried.iter().partition(|object| object.kind == "index");
    let mut tail = String::new();
    if !after.is_empty() {
        tail.push_str(if sql.ends_with("\n\n") || sql.is_empty() {
            ""
        } else {
            "\n"
        });
        tail.push_str(CARRIED_INDEXES_HEADER);
        for object in &after {
            tail.push_str(&object.statement);
            tail.push('\n');
        }
    }
    if before.is_empty() {
        return format!("{sql}{tail}");
    }
    let mut block = String::from(CARRIED_HEADER);
    if before.iter().any(|object| object.kind == "function") {
        // As pg_dump does: a function's body may name a table created below.
        block.push_str("SET LOCAL check_function_bodies = off;\n");
    }
    for object in &before {
        block.push_str(&object.statement);
        block.push('\n');
    }
    block.push('\n');
    let insert_at = dbkit_core::sql_split::sql_statements(sql)
        .find(|statement| !statement.code().starts_with("CREATE SCHEMA"))
        .map_or(sql.len(), |statement| {
            // The statement's text starts at its leading comments: insert
            // before them, at the start of the statement's first line.
            let offset = statement.text.as_ptr() as usize - sql.as_ptr() as usize;
            offset + (statement.text.len() - statement.text.trim_start().len())
        });
    let mut result = String::with_capacity(sql.len() + block.len() + tail.len());
    result.push_str(&sql[..insert_at]);
    result.push_str(&block);
    result.push_str(&sql[insert_at..]);
    result.push_str(&tail);
    result
}

#[cfg(test)]
mod tests {
    use super::{CarriedObject, with_carried_objects};

    fn carried(kind: &str, statement: &str) -> CarriedObject {
        CarriedObject {
            kind: kind.to_string(),
            object: String::new(),
            statement: statement.to_string(),
        }
    }

    #[test]
    fn carried_objects_go_after_the_schemas_and_before_the_tables() {
        let sql = "-- header\n\nCREATE SCHEMA \"app\";\n\n-- a table\nCREATE TABLE \"app\".\"t\" (\"y\" \"public\".\"year\");\n";
        let with = with_carried_objects(
            sql,
            &[carried("domain", "CREATE DOMAIN public.year AS integer;")],
        );
        let schema = with.find("CREATE SCHEMA").expect("schema");
        let domain = with.find("CREATE DOMAIN").expect("domain");
        let table = with.find("-- a table").expect("table");
        assert!(schema < domain && domain < table, "{with}");
        assert!(!with.contains("check_function_bodies"), "{with}");
        let with_function = with_carried_objects(
            sql,
            &[carried(
                "function",
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
            )],
        );
        assert!(
            with_function.contains("SET LOCAL check_function_bodies = off;\nCREATE FUNCTION"),
            "{with_function}"
        );
        assert_eq!(with_carried_objects(sql, &[]), sql);
        let with_index = with_carried_objects(
            sql,
            &[
                carried("index", "CREATE INDEX i ON app.t USING btree (y DESC);"),
                carried("domain", "CREATE DOMAIN public.year AS integer;"),
            ],
        );
        let domain = with_index.find("CREATE DOMAIN").expect("domain");
        let table = with_index.find("CREATE TABLE").expect("table");
        let index = with_index.find("CREATE INDEX").expect("index");
        assert!(domain < table && table < index, "{with_index}");
    }
}
