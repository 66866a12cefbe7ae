//! What a database holds that the schema DSL cannot declare, found by
//! catalog queries of this module's own (the introspector reads only what
//! the DSL declares, and says nothing of the rest).
//!
//! `pull` names each of these objects in a warning, because the code it
//! writes, and the baseline generated from that code, leave them out: a
//! fresh database made from the migrations lacks them until a hand-written
//! migration (`cargo dbkit generate --custom`) creates them. Objects that
//! belong to an extension are left out here as they are by the
//! introspector (`DROP EXTENSION` owns them), but the extension itself is
//! named.
//!
//! Sequences no column owns, domains and composite types are declared by
//! the DSL (the introspector reads them), and the introspector reads
//! operators, operator classes and families, text search objects,
//! conversions, foreign-data wrappers, servers, user mappings, foreign
//! tables and publications as generic objects, so they are not among
//! these. Base types are: their functions are written in C.
//!
//! One query, a `UNION ALL` of one branch per kind, read in one round
//! trip; every branch only reads the catalog, so it runs in a read-only
//! session too.

use sqlx::PgPool;

/// One object the DSL cannot express.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct UnsupportedObject {
    /// What it is: `view`, `trigger`, `function`, `range type`, …
    pub kind: String,
    /// Its qualified name, quoted where PostgreSQL would need it
    /// (`public.active_users`, `audit on public.orders`).
    pub object: String,
    /// What about it is left out, when more than the object itself.
    pub detail: Option<String>,
}

impl UnsupportedObject {
    /// `view public.active_users`, or with its detail after a colon.
    pub fn describe(&self) -> String {
        match &self.detail {
            Some(detail) => format!("{} {}: {detail}", self.kind, self.object),
            None => format!("{} {}", self.kind, self.object),
        }
    }
}

/// The branches share these filters: a user schema, not an extension's object.
const UNSUPPORTED_OBJECTS_QUERY: &str = r#"
WITH user_namespace AS (
    SELECT n.oid, n.nspname
    FROM pg_catalog.pg_namespace n
    WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_namespace'::regclass
                        AND d.objid = n.oid AND d.deptype = 'e')
),
user_class AS (
    SELECT c.*, n.nspname, format('%I.%I', n.nspname, c.relname) AS qualified
    FROM pg_catalog.pg_class c
    JOIN user_namespace n ON n.oid = c.relnamespace
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
)
SELECT 'base type' AS kind, format('%I.%I', n.nspname, t.typname) AS object,
       'its input and output functions are written in C'::text AS detail
FROM pg_catalog.pg_type t JOIN user_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'b'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT 'inheritance', qualified, 'inherits from ' || (
         SELECT string_agg(format('%I.%I', pn.nspname, p.relname), ', ' ORDER BY i.inhseqno)
         FROM pg_catalog.pg_inherits i
         JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
         JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid)
FROM user_class c
WHERE relkind IN ('r', 'f') AND NOT relispartition
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid)
UNION ALL
SELECT 'unlogged table', qualified, 'created as a logged table by the migrations'
FROM user_class WHERE relkind IN ('r', 'p') AND relpersistence = 'u'
UNION ALL
SELECT 'trigger', format('%I on %s', t.tgname, c.qualified), NULL
FROM pg_catalog.pg_trigger t JOIN user_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal
UNION ALL
SELECT 'rule', format('%I on %s', r.rulename, c.qualified), NULL
FROM pg_catalog.pg_rewrite r JOIN user_class c ON c.oid = r.ev_class
WHERE r.rulename <> '_RETURN'
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                      WHEN 'w' THEN 'window function' ELSE 'function' END,
       format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
       NULL
FROM pg_catalog.pg_proc p JOIN user_namespace n ON n.oid = p.pronamespace
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'range type', format('%I.%I', n.nspname, t.typname), NULL
FROM pg_catalog.pg_type t JOIN user_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'r'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT 'extension', format('%I', e.extname),
       'version ' || e.extversion || ': the migrations do not create it'
FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql'
ORDER BY 1, 2"#;

/// Options of objects the DSL declares that the DSL itself cannot say: the
/// object is kept, and a database made from the migrations has it without
/// the option, so the option would change meaning silently. `pull` names
/// each, and `check --database-url` names each as not compared. Columns
/// that only newer servers have are read through `to_jsonb`, so the query
/// runs on every supported version.
const UNCOMPARED_OPTIONS_QUERY: &str = r#"
WITH user_class AS (
    SELECT c.*, n.nspname, format('%I.%I', n.nspname, c.relname) AS qualified
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
),
user_constraint AS (
    SELECT con.*, format('%I on %s', con.conname, c.qualified) AS qualified
    FROM pg_catalog.pg_constraint con JOIN user_class c ON c.oid = con.conrelid
    WHERE c.relkind IN ('r', 'p')
)
SELECT 'constraint' AS kind, qualified AS object, 'NULLS NOT DISTINCT is left out' AS detail
FROM user_constraint con JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid
WHERE con.contype = 'u' AND (to_jsonb(i) ->> 'indnullsnotdistinct')::boolean IS TRUE
UNION ALL
SELECT 'index', format('%I on %s', ic.relname, c.qualified), 'NULLS NOT DISTINCT is left out'
FROM pg_catalog.pg_index i
JOIN user_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE (to_jsonb(i) ->> 'indnullsnotdistinct')::boolean IS TRUE
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid)
UNION ALL
SELECT 'constraint', qualified, 'MATCH FULL is left out'
FROM user_constraint WHERE contype = 'f' AND confmatchtype = 'f'
UNION ALL
SELECT 'constraint', qualified, 'NO INHERIT is left out'
FROM user_constraint WHERE contype = 'c' AND connoinherit
UNION ALL
SELECT 'constraint', qualified, 'the column list of ON DELETE SET NULL / SET DEFAULT is left out'
FROM user_constraint
WHERE contype = 'f' AND coalesce(to_jsonb(user_constraint) ->> 'confdelsetcols', '') NOT IN ('', '{}')
UNION ALL
SELECT 'identity column', format('%s.%I', c.qualified, a.attname),
       format('START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s: the migrations create it with the defaults',
              q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache,
              CASE WHEN q.seqcycle THEN ' CYCLE' ELSE '' END)
FROM pg_catalog.pg_attribute a
JOIN user_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = c.oid
     AND d.refobjsubid = a.attnum AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'i'
JOIN pg_catalog.pg_sequence q ON q.seqrelid = d.objid
WHERE a.attidentity <> '' AND a.attnum > 0 AND NOT a.attisdropped
  AND (q.seqstart <> 1 OR q.seqincrement <> 1 OR q.seqmin <> 1 OR q.seqcache <> 1 OR q.seqcycle
       OR q.seqmax NOT IN (32767, 2147483647, 9223372036854775807))
UNION ALL
SELECT 'index', qualified,
       format('storage parameters WITH (%s) of the index of a constraint are left out',
              array_to_string(reloptions, ', '))
FROM user_class
WHERE relkind = 'i' AND reloptions IS NOT NULL
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = user_class.oid)
UNION ALL
SELECT 'index', format('%I on %s', ic.relname, c.qualified), 'its comment is left out'
FROM pg_catalog.pg_description dsc
JOIN pg_catalog.pg_class ic ON dsc.classoid = 'pg_catalog.pg_class'::regclass AND ic.oid = dsc.objoid AND dsc.objsubid = 0
JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid
JOIN user_class c ON c.oid = i.indrelid
UNION ALL
SELECT 'constraint', con.qualified, 'its comment is left out'
FROM pg_catalog.pg_description dsc
JOIN user_constraint con ON dsc.classoid = 'pg_catalog.pg_constraint'::regclass AND con.oid = dsc.objoid
UNION ALL
SELECT 'sequence', format('%I.%I', sn.nspname, s.relname),
       format('owned by %s.%I but not named %I: a database made from the migrations names it so',
              c.qualified, a.attname, c.relname || '_' || a.attname || '_seq')
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class s ON d.classid = 'pg_catalog.pg_class'::regclass AND s.oid = d.objid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN user_class c ON d.refclassid = 'pg_catalog.pg_class'::regclass AND c.oid = d.refobjid
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
WHERE d.deptype = 'a' AND a.attidentity = ''
  AND s.relname <> left(c.relname || '_' || a.attname || '_seq', 63)
ORDER BY 1, 2"#;

/// The options of kept objects that the DSL cannot say (see
/// `UNCOMPARED_OPTIONS_QUERY`), sorted by kind and name.
pub async fn find_uncompared_options(pool: &PgPool) -> Result<Vec<UnsupportedObject>, sqlx::Error> {
    sqlx::query_as(UNCOMPARED_OPTIONS_QUERY)
        .fetch_all(pool)
        .await
}

/// Every object of the database that the DSL cannot declare, sorted by
/// kind and name.
pub async fn find_unsupported_objects(
    pool: &PgPool,
) -> Result<Vec<UnsupportedObject>, sqlx::Error> {
    sqlx::query_as(UNSUPPORTED_OBJECTS_QUERY)
        .fetch_all(pool)
        .await
}
