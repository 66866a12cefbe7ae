//! Extensions, and every object of the user's schemas that no typed reader
//! covers, read as generic SQL objects ([`SqlObject`]): its kind and
//! identity as `pg_identify_object` prints them, and the SQL that creates
//! it as the catalog prints it.
//!
//! **Which objects.** One query, a `UNION ALL` of one branch per kind:
//! views and materialized views, sequences no column owns, partitioned
//! tables and their partitions (with their constraints and indexes),
//! functions, procedures and aggregates, triggers, policies, rules,
//! statistics objects, domains, composite and range types, collations,
//! casts, event triggers, exclusion constraints, the indexes the table
//! reader leaves out (a descending key, `INCLUDE`, an operator class),
//! operators, operator families (with their loose members) and classes,
//! text search configurations (with their mappings), dictionaries, parsers
//! and templates, conversions, foreign-data wrappers, servers, user
//! mappings, foreign tables and publications. Objects that belong to an
//! extension (`pg_depend` deptype `e`) are never read: `CREATE EXTENSION`
//! makes them. Each branch is labelled with the kind of reader it stands
//! in for; [`TYPED_KINDS`] lists those a typed reader has taken over,
//! which the query leaves out (`$2`), so that the server never prints
//! their definitions: on a database of 1,000 tables, 500 views, 500
//! functions and 1,000 triggers, printing what the typed readers had
//! already read made this query ten times slower.
//!
//! **Definitions** come from the catalog's printing functions
//! (`pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`,
//! `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_ruledef`,
//! `pg_get_statisticsobjdef`) or, where PostgreSQL has none (aggregates,
//! sequences, domains, types, policies, collations, casts, event triggers,
//! operators and the rest of the kinds above), are composed from the
//! catalog in the form pg_dump writes, several statements in one
//! definition where pg_dump writes several (a family's `ALTER OPERATOR
//! FAMILY … ADD`, a configuration's `ADD MAPPING`s, a foreign table's
//! checks inline). Base types are not read: their input and output functions are
//! written in C, which no migration can create; `pull` names them as left
//! out.
//!
//! **What an object uses** is mostly found by the names its definition
//! mentions (see `dbkit_core`'s differ); `depends_on` adds what it names
//! otherwise: the operators of an operator class or family (symbols, no
//! names), a class's family, and the dictionaries, parser and template of
//! text search objects, which may share its name.

use crate::catalog::IntrospectError;
use dbkit_core::model::{Extension, QualifiedName, Schema, SqlObject};
use sqlx::PgConnection;

/// The kinds of the branches below that a typed reader covers: their rows
/// are left out. A kind moves here when its typed reader exists.
pub const TYPED_KINDS: &[&str] = &[
    "sequence",
    "domain",
    "composite type",
    "exclusion constraint",
    "index",
    "view",
    "materialized view",
    "function",
    "procedure",
    "trigger",
    "policy",
    "partitioned table",
    "partition",
];

/// Every extension but `plpgsql`, which every database has.
const EXTENSIONS_QUERY: &str = r#"
SELECT e.extname::text, n.nspname::text
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
ORDER BY e.extname"#;

/// ` OPTIONS (name 'value', ...)` of the options array `$column`, empty
/// without options.
macro_rules! options {
    ($column:literal) => {
        concat!(
            "coalesce(' OPTIONS (' || (SELECT string_agg(format('%I %L', o.option_name, o.option_value), ', ' ORDER BY o.at) FROM pg_catalog.pg_options_to_table(",
            $column,
            ") WITH ORDINALITY AS o(option_name, option_value, at)) || ')', '')"
        )
    };
}

/// The generic objects of the readers not in `$2` (the typed kinds):
/// `(reader, kind, identity, definition, depends_on)`, the definition
/// `NULL` where the catalog cannot print one. The rows without one are
/// left out by the caller: as a condition of the query, `definition IS NOT
/// NULL` is pushed into each branch of the union, where the server may
/// evaluate it (print every definition) before the branch's own conditions
/// and the readers'.
const OBJECTS_QUERY: &str = concat!(
    r#"
WITH
user_namespace AS (
    SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1)
),
member AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
),
relation AS (
    SELECT c.*, format('%I.%I', n.nspname, c.relname) AS qualified
    FROM pg_catalog.pg_class c JOIN user_namespace n ON n.oid = c.relnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
),
-- The tables the table reader reads: their parts are its, but for the
-- options it cannot read.
typed_table AS (
    SELECT oid FROM relation WHERE relkind = 'r' AND NOT relispartition
),
column_list AS (
    SELECT a.attrelid,
           string_agg(format(E'\n    %I %s%s%s%s%s', a.attname,
                             pg_catalog.format_type(a.atttypid, a.atttypmod),
                             coalesce(' OPTIONS (' || (SELECT string_agg(format('%I %L', o.option_name, o.option_value),
                                                                         ', ' ORDER BY o.at)
                                                       FROM pg_catalog.pg_options_to_table(a.attfdwoptions)
                                                            WITH ORDINALITY AS o(option_name, option_value, at))
                                      || ')', ''),
                             CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                                  THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname)
                                        FROM pg_catalog.pg_collation co
                                        JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                        WHERE co.oid = a.attcollation) ELSE '' END,
                             CASE WHEN a.attgenerated = 's'
                                  THEN ' GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) || ') STORED'
                                  WHEN a.attidentity = 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                                  WHEN a.attidentity = 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY'
                                  WHEN ad.adbin IS NOT NULL
                                  THEN ' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
                                  ELSE '' END,
                             CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END),
                      ',' ORDER BY a.attnum) AS columns
    FROM pg_catalog.pg_attribute a
    JOIN relation r ON r.oid = a.attrelid AND r.relkind IN ('r', 'p', 'c', 'f')
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
    GROUP BY a.attrelid
),
-- The operators and support functions of operator classes and families,
-- as CREATE OPERATOR CLASS and ALTER OPERATOR FAMILY ... ADD list them:
-- `owner` is the class (a member of it) or the family (a loose member).
opfamily_member AS (
    SELECT d.refclassid AS ownerclass, d.refobjid AS owner, 0 AS part, ao.amopstrategy AS number,
           ao.amoplefttype AS lefttype, ao.amoprighttype AS righttype,
           CASE WHEN op.oprnamespace <> 'pg_catalog'::regnamespace THEN op.oid END AS operator,
           format('OPERATOR %s %I.%s(%s, %s)%s', ao.amopstrategy, opn.nspname, op.oprname,
                  pg_catalog.format_type(ao.amoplefttype, NULL),
                  pg_catalog.format_type(ao.amoprighttype, NULL),
                  CASE WHEN ao.amoppurpose = 'o'
                       THEN (SELECT format(' FOR ORDER BY %I.%I', sfn.nspname, sf.opfname)
                             FROM pg_catalog.pg_opfamily sf
                             JOIN pg_catalog.pg_namespace sfn ON sfn.oid = sf.opfnamespace
                             WHERE sf.oid = ao.amopsortfamily)
                       ELSE '' END) AS item
    FROM pg_catalog.pg_amop ao
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amop'::regclass AND d.objid = ao.oid
         AND d.refclassid IN ('pg_catalog.pg_opclass'::regclass, 'pg_catalog.pg_opfamily'::regclass)
    JOIN pg_catalog.pg_operator op ON op.oid = ao.amopopr
    JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace
    UNION ALL
    SELECT d.refclassid, d.refobjid, 1, ap.amprocnum, ap.amproclefttype, ap.amprocrighttype, NULL,
           format('FUNCTION %s (%s, %s) %s', ap.amprocnum,
                  pg_catalog.format_type(ap.amproclefttype, NULL),
                  pg_catalog.format_type(ap.amprocrighttype, NULL),
                  ap.amproc::regprocedure::text)
    FROM pg_catalog.pg_amproc ap
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amproc'::regclass AND d.objid = ap.oid
         AND d.refclassid IN ('pg_catalog.pg_opclass'::regclass, 'pg_catalog.pg_opfamily'::regclass)
),
object AS (
    SELECT CASE relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END AS reader,
           'pg_catalog.pg_class'::regclass AS classid, oid AS objid,
           format(E'CREATE %sVIEW %s%s AS\n%s',
                  CASE relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END, qualified,
                  CASE WHEN reloptions IS NOT NULL
                       THEN ' WITH (' || array_to_string(reloptions, ', ') || ')' ELSE '' END,
                  rtrim(pg_catalog.pg_get_viewdef(oid), ';')) AS definition
    FROM relation WHERE relkind IN ('v', 'm')
    UNION ALL
    SELECT 'sequence', 'pg_catalog.pg_class'::regclass, s.oid,
           format('CREATE SEQUENCE %s AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s',
                  s.qualified, pg_catalog.format_type(q.seqtypid, NULL), q.seqincrement,
                  q.seqmin, q.seqmax, q.seqstart, q.seqcache,
                  CASE WHEN q.seqcycle THEN ' CYCLE' ELSE '' END)
    FROM relation s JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
    WHERE s.relkind = 'S'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = s.oid
                        AND d.refclassid = 'pg_catalog.pg_class'::regclass
                        AND d.deptype IN ('a', 'i'))
    UNION ALL
    SELECT CASE WHEN r.relispartition THEN 'partition' ELSE 'partitioned table' END,
           'pg_catalog.pg_class'::regclass, r.oid,
           format(E'CREATE TABLE %s (%s\n)%s%s', r.qualified, coalesce(cl.columns, ''),
                  CASE WHEN r.relkind = 'p'
                       THEN ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(r.oid) ELSE '' END,
                  CASE WHEN r.relispartition
                       THEN (SELECT format(E';\nALTER TABLE ONLY %s ATTACH PARTITION %s %s',
                                           p.qualified, r.qualified,
                                           pg_catalog.pg_get_expr(r.relpartbound, r.oid))
                             FROM pg_catalog.pg_inherits i JOIN relation p ON p.oid = i.inhparent
                             WHERE i.inhrelid = r.oid)
                       ELSE '' END)
    FROM relation r LEFT JOIN column_list cl ON cl.attrelid = r.oid
    WHERE r.relkind = 'p' OR (r.relkind = 'r' AND r.relispartition)
    UNION ALL
    SELECT CASE WHEN con.contype = 'x' AND r.relkind = 'r' AND NOT r.relispartition
                THEN 'exclusion constraint'
                WHEN r.relispartition THEN 'constraint of a partition'
                ELSE 'partition' END,
           'pg_catalog.pg_constraint'::regclass, con.oid,
           format('ALTER TABLE %s%s ADD CONSTRAINT %I %s',
                  CASE WHEN r.relkind = 'p' THEN '' ELSE 'ONLY ' END, r.qualified, con.conname,
                  pg_catalog.pg_get_constraintdef(con.oid))
    FROM pg_catalog.pg_constraint con JOIN relation r ON r.oid = con.conrelid
    WHERE con.conparentid = 0 AND con.conislocal
      AND ((r.relkind IN ('r', 'p') AND (r.relkind = 'p' OR r.relispartition)
            AND con.contype IN ('p', 'u', 'f', 'c', 'x'))
           OR (con.contype = 'x' AND r.oid IN (SELECT oid FROM typed_table)))
    UNION ALL
    SELECT CASE WHEN r.relkind = 'm' THEN 'materialized view'
                WHEN r.relispartition THEN 'index of a partition'
                WHEN r.oid IN (SELECT oid FROM typed_table) THEN 'index'
                ELSE 'partition' END,
           'pg_catalog.pg_class'::regclass, i.indexrelid,
           replace(pg_catalog.pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
    FROM pg_catalog.pg_index i
    JOIN relation r ON r.oid = i.indrelid
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    WHERE NOT ic.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                      WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                        AND con.contype IN ('p', 'u', 'x'))
      AND (r.oid NOT IN (SELECT oid FROM typed_table)
           OR 0 <> ANY (i.indoption::int2[])
           OR i.indnatts > i.indnkeyatts
           OR EXISTS (SELECT 1 FROM unnest(i.indclass::oid[]) AS class(oid)
                      JOIN pg_catalog.pg_opclass oc ON oc.oid = class.oid
                      WHERE NOT oc.opcdefault))
    UNION ALL
    SELECT CASE WHEN "#,
    typed_function_condition!(),
    r#"
                THEN CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END
                ELSE 'untyped function' END,
           'pg_catalog.pg_proc'::regclass, p.oid,
           rtrim(pg_catalog.pg_get_functiondef(p.oid), E'\n')
    FROM pg_catalog.pg_proc p JOIN user_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p', 'w')
      AND NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_proc'::regclass AND m.objid = p.oid)
      -- A range type's constructors are its own (created and dropped with it).
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'i')
    UNION ALL
    SELECT 'aggregate', 'pg_catalog.pg_proc'::regclass, p.oid,
           format(E'CREATE AGGREGATE %I.%I(%s) (\n    %s\n)', n.nspname, p.proname,
                  pg_catalog.pg_get_function_identity_arguments(p.oid),
                  concat_ws(E',\n    ',
                      'SFUNC = ' || a.aggtransfn::regproc::text,
                      'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL),
                      CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
                      CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc::text END,
                      CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
                      CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc::text END,
                      CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc::text END,
                      CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc::text END,
                      CASE WHEN a.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(a.agginitval) END,
                      CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc::text END,
                      CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc::text END,
                      CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END,
                      CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc::text END,
                      CASE WHEN a.aggminitval IS NOT NULL THEN 'MINITCOND = ' || quote_literal(a.aggminitval) END,
                      CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = OPERATOR(' || a.aggsortop::regoper::text || ')' END,
                      CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END,
                      CASE p.proparallel WHEN 's' THEN 'PARALLEL = safe'
                                         WHEN 'r' THEN 'PARALLEL = restricted' END))
    FROM pg_catalog.pg_proc p
    JOIN user_namespace n ON n.oid = p.pronamespace
    JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
    WHERE p.prokind = 'a'
      AND NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_proc'::regclass AND m.objid = p.oid)
    UNION ALL
    SELECT CASE WHEN "#,
    typed_trigger_condition!(),
    r#"
                THEN 'trigger' ELSE 'untyped trigger' END,
           'pg_catalog.pg_trigger'::regclass, t.oid,
           pg_catalog.pg_get_triggerdef(t.oid)
    FROM pg_catalog.pg_trigger t JOIN relation r ON r.oid = t.tgrelid
    JOIN pg_catalog.pg_class tc ON tc.oid = t.tgrelid
    JOIN pg_catalog.pg_proc tp ON tp.oid = t.tgfoid
    WHERE NOT t.tgisinternal AND t.tgparentid = 0
    UNION ALL
    SELECT 'policy', 'pg_catalog.pg_policy'::regclass, pol.oid,
           format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', pol.polname, r.qualified,
                  CASE WHEN pol.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                  CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                                  WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                  CASE WHEN pol.polroles = '{0}' THEN 'PUBLIC'
                       ELSE (SELECT string_agg(quote_ident(ro.rolname), ', ' ORDER BY ro.rolname)
                             FROM pg_catalog.pg_roles ro WHERE ro.oid = ANY (pol.polroles)) END,
                  ' USING (' || pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) || ')',
                  ' WITH CHECK (' || pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) || ')')
    FROM pg_catalog.pg_policy pol JOIN relation r ON r.oid = pol.polrelid
    UNION ALL
    SELECT 'rule', 'pg_catalog.pg_rewrite'::regclass, ru.oid,
           rtrim(pg_catalog.pg_get_ruledef(ru.oid), ';')
    FROM pg_catalog.pg_rewrite ru JOIN relation r ON r.oid = ru.ev_class
    WHERE ru.rulename <> '_RETURN'
    UNION ALL
    SELECT 'statistics', 'pg_catalog.pg_statistic_ext'::regclass, s.oid,
           pg_catalog.pg_get_statisticsobjdef(s.oid)
    FROM pg_catalog.pg_statistic_ext s JOIN user_namespace n ON n.oid = s.stxnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_statistic_ext'::regclass AND m.objid = s.oid)
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range type' ELSE 'composite type' END,
           'pg_catalog.pg_type'::regclass, t.oid,
           CASE t.typtype
           WHEN 'd' THEN
               format('CREATE DOMAIN %I.%I AS %s%s%s%s%s',
                      n.nspname, t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod),
                      CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                           THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname)
                                 FROM pg_catalog.pg_collation co
                                 JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                 WHERE co.oid = t.typcollation)
                           ELSE '' END,
                      CASE WHEN t.typdefault IS NOT NULL THEN ' DEFAULT ' || t.typdefault ELSE '' END,
                      CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END,
                      coalesce((SELECT string_agg(format(E'\n    CONSTRAINT %I %s', con.conname,
                                                         pg_catalog.pg_get_constraintdef(con.oid)),
                                                  '' ORDER BY con.conname)
                                FROM pg_catalog.pg_constraint con
                                WHERE con.contypid = t.oid AND con.contype = 'c'), ''))
           WHEN 'r' THEN
               (SELECT format('CREATE TYPE %I.%I AS RANGE (subtype = %s%s%s%s%s, multirange_type_name = %s)',
                              n.nspname, t.typname, pg_catalog.format_type(rg.rngsubtype, NULL),
                              CASE WHEN rg.rngsubopc <> 0 AND NOT oc.opcdefault
                                   THEN format(', subtype_opclass = %I.%I', ocn.nspname, oc.opcname) ELSE '' END,
                              CASE WHEN rg.rngcollation <> 0 AND rg.rngcollation <> st.typcollation
                                   THEN (SELECT format(', collation = %I.%I', cn.nspname, co.collname)
                                         FROM pg_catalog.pg_collation co
                                         JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                         WHERE co.oid = rg.rngcollation) ELSE '' END,
                              CASE WHEN rg.rngcanonical <> 0
                                   THEN ', canonical = ' || rg.rngcanonical::regproc::text ELSE '' END,
                              CASE WHEN rg.rngsubdiff <> 0
                                   THEN ', subtype_diff = ' || rg.rngsubdiff::regproc::text ELSE '' END,
                              rg.rngmultitypid::regtype::text)
                FROM pg_catalog.pg_range rg
                JOIN pg_catalog.pg_type st ON st.oid = rg.rngsubtype
                LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = rg.rngsubopc
                LEFT JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
                WHERE rg.rngtypid = t.oid)
           ELSE
               (SELECT format(E'CREATE TYPE %I.%I AS (%s\n)', n.nspname, t.typname,
                              coalesce(cl.columns, ''))
                FROM column_list cl WHERE cl.attrelid = t.typrelid)
           END
    FROM pg_catalog.pg_type t
    JOIN user_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
    WHERE (t.typtype IN ('d', 'r')
           OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                           WHERE c.oid = t.typrelid AND c.relkind = 'c')))
      AND NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid)
    UNION ALL
    SELECT 'collation', 'pg_catalog.pg_collation'::regclass, co.oid,
           format('CREATE COLLATION %I.%I (provider = %s, %s%s)', n.nspname, co.collname,
                  CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' ELSE 'default' END,
                  CASE WHEN co.collprovider = 'i'
                       THEN format('locale = %L', coalesce(to_jsonb(co) ->> 'colliculocale',
                                                           to_jsonb(co) ->> 'colllocale'))
                       ELSE format('lc_collate = %L, lc_ctype = %L', co.collcollate, co.collctype) END,
                  CASE WHEN NOT co.collisdeterministic THEN ', deterministic = false' ELSE '' END)
    FROM pg_catalog.pg_collation co JOIN user_namespace n ON n.oid = co.collnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_collation'::regclass AND m.objid = co.oid)
    UNION ALL
    SELECT 'cast', 'pg_catalog.pg_cast'::regclass, ca.oid,
           format('CREATE CAST (%s AS %s) %s%s',
                  pg_catalog.format_type(ca.castsource, NULL), pg_catalog.format_type(ca.casttarget, NULL),
                  CASE ca.castmethod WHEN 'f' THEN 'WITH FUNCTION ' || ca.castfunc::regprocedure::text
                                     WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END,
                  CASE ca.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END)
    FROM pg_catalog.pg_cast ca
    WHERE ca.oid >= 16384
      AND NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_cast'::regclass AND m.objid = ca.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_cast'::regclass AND d.objid = ca.oid
                        AND d.deptype = 'i')
    UNION ALL
    SELECT 'event trigger', 'pg_catalog.pg_event_trigger'::regclass, et.oid,
           format('CREATE EVENT TRIGGER %I ON %s%s EXECUTE FUNCTION %s()', et.evtname, et.evtevent,
                  CASE WHEN et.evttags IS NOT NULL
                       THEN ' WHEN TAG IN (' || (SELECT string_agg(quote_literal(tag), ', ')
                                                 FROM unnest(et.evttags) AS tag) || ')'
                       ELSE '' END,
                  et.evtfoid::regproc::text)
    FROM pg_catalog.pg_event_trigger et
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_event_trigger'::regclass AND m.objid = et.oid)
    UNION ALL
    SELECT 'operator', 'pg_catalog.pg_operator'::regclass, o.oid,
           format(E'CREATE OPERATOR %I.%s (\n    %s\n)', n.nspname, o.oprname,
                  concat_ws(E',\n    ',
                      'FUNCTION = ' || o.oprcode::regproc::text,
                      CASE WHEN o.oprleft <> 0 THEN 'LEFTARG = ' || pg_catalog.format_type(o.oprleft, NULL) END,
                      CASE WHEN o.oprright <> 0 THEN 'RIGHTARG = ' || pg_catalog.format_type(o.oprright, NULL) END,
                      (SELECT format('COMMUTATOR = OPERATOR(%I.%s)', cn.nspname, c.oprname)
                       FROM pg_catalog.pg_operator c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
                       WHERE c.oid = o.oprcom),
                      (SELECT format('NEGATOR = OPERATOR(%I.%s)', cn.nspname, c.oprname)
                       FROM pg_catalog.pg_operator c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
                       WHERE c.oid = o.oprnegate),
                      CASE WHEN o.oprcanmerge THEN 'MERGES' END,
                      CASE WHEN o.oprcanhash THEN 'HASHES' END,
                      CASE WHEN o.oprrest <> 0 THEN 'RESTRICT = ' || o.oprrest::regproc::text END,
                      CASE WHEN o.oprjoin <> 0 THEN 'JOIN = ' || o.oprjoin::regproc::text END))
    FROM pg_catalog.pg_operator o JOIN user_namespace n ON n.oid = o.oprnamespace
    -- A shell operator (no function yet) is made again by the operator
    -- that names it as its commutator or negator.
    WHERE o.oprcode <> 0
      AND NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_operator'::regclass AND m.objid = o.oid)
    UNION ALL
    SELECT 'operator family', 'pg_catalog.pg_opfamily'::regclass, f.oid,
           format('CREATE OPERATOR FAMILY %I.%I USING %I', n.nspname, f.opfname, am.amname)
           || coalesce((SELECT format(E';\nALTER OPERATOR FAMILY %I.%I USING %I ADD\n    %s',
                                      n.nspname, f.opfname, am.amname,
                                      string_agg(fm.item, E',\n    '
                                                 ORDER BY fm.part, fm.number, fm.lefttype, fm.righttype))
                        FROM opfamily_member fm
                        WHERE fm.ownerclass = 'pg_catalog.pg_opfamily'::regclass AND fm.owner = f.oid
                        HAVING count(*) > 0), '')
    FROM pg_catalog.pg_opfamily f
    JOIN user_namespace n ON n.oid = f.opfnamespace
    JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_opfamily'::regclass AND m.objid = f.oid)
    UNION ALL
    SELECT 'operator class', 'pg_catalog.pg_opclass'::regclass, oc.oid,
           format(E'CREATE OPERATOR CLASS %I.%I\n    %sFOR TYPE %s USING %I FAMILY %I.%I AS\n    %s',
                  n.nspname, oc.opcname, CASE WHEN oc.opcdefault THEN 'DEFAULT ' ELSE '' END,
                  pg_catalog.format_type(oc.opcintype, NULL), am.amname, fn.nspname, f.opfname,
                  concat_ws(E',\n    ',
                      (SELECT string_agg(fm.item, E',\n    '
                                         ORDER BY fm.part, fm.number, fm.lefttype, fm.righttype)
                       FROM opfamily_member fm
                       WHERE fm.ownerclass = 'pg_catalog.pg_opclass'::regclass AND fm.owner = oc.oid),
                      CASE WHEN oc.opckeytype <> 0
                           THEN 'STORAGE ' || pg_catalog.format_type(oc.opckeytype, NULL) END))
    FROM pg_catalog.pg_opclass oc
    JOIN user_namespace n ON n.oid = oc.opcnamespace
    JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
    JOIN pg_catalog.pg_opfamily f ON f.oid = oc.opcfamily
    JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_opclass'::regclass AND m.objid = oc.oid)
    UNION ALL
    SELECT 'text search configuration', 'pg_catalog.pg_ts_config'::regclass, c.oid,
           format(E'CREATE TEXT SEARCH CONFIGURATION %I.%I (\n    PARSER = %I.%I )',
                  n.nspname, c.cfgname, pn.nspname, p.prsname)
           || coalesce((SELECT string_agg(format(E';\nALTER TEXT SEARCH CONFIGURATION %I.%I\n    ADD MAPPING FOR %s WITH %s',
                                                 n.nspname, c.cfgname, quote_ident(t.alias), m.dictionaries),
                                          '' ORDER BY m.maptokentype)
                        FROM (SELECT cm.maptokentype,
                                     string_agg(format('%I.%I', dn.nspname, d.dictname), ', '
                                                ORDER BY cm.mapseqno) AS dictionaries
                              FROM pg_catalog.pg_ts_config_map cm
                              JOIN pg_catalog.pg_ts_dict d ON d.oid = cm.mapdict
                              JOIN pg_catalog.pg_namespace dn ON dn.oid = d.dictnamespace
                              WHERE cm.mapcfg = c.oid
                              GROUP BY cm.maptokentype) m
                        JOIN pg_catalog.ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype), '')
    FROM pg_catalog.pg_ts_config c
    JOIN user_namespace n ON n.oid = c.cfgnamespace
    JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
    JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_ts_config'::regclass AND m.objid = c.oid)
    UNION ALL
    SELECT 'text search dictionary', 'pg_catalog.pg_ts_dict'::regclass, d.oid,
           format(E'CREATE TEXT SEARCH DICTIONARY %I.%I (\n    TEMPLATE = %I.%I%s )',
                  n.nspname, d.dictname, tn.nspname, t.tmplname,
                  coalesce(E',\n    ' || d.dictinitoption, ''))
    FROM pg_catalog.pg_ts_dict d
    JOIN user_namespace n ON n.oid = d.dictnamespace
    JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_ts_dict'::regclass AND m.objid = d.oid)
    UNION ALL
    SELECT 'text search parser', 'pg_catalog.pg_ts_parser'::regclass, p.oid,
           format(E'CREATE TEXT SEARCH PARSER %I.%I (\n    %s )', n.nspname, p.prsname,
                  concat_ws(E',\n    ',
                      'START = ' || p.prsstart::regproc::text,
                      'GETTOKEN = ' || p.prstoken::regproc::text,
                      'END = ' || p.prsend::regproc::text,
                      CASE WHEN p.prsheadline <> 0 THEN 'HEADLINE = ' || p.prsheadline::regproc::text END,
                      'LEXTYPES = ' || p.prslextype::regproc::text))
    FROM pg_catalog.pg_ts_parser p JOIN user_namespace n ON n.oid = p.prsnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_ts_parser'::regclass AND m.objid = p.oid)
    UNION ALL
    SELECT 'text search template', 'pg_catalog.pg_ts_template'::regclass, t.oid,
           format(E'CREATE TEXT SEARCH TEMPLATE %I.%I (\n    %s )', n.nspname, t.tmplname,
                  concat_ws(E',\n    ',
                      CASE WHEN t.tmplinit <> 0 THEN 'INIT = ' || t.tmplinit::regproc::text END,
                      'LEXIZE = ' || t.tmpllexize::regproc::text))
    FROM pg_catalog.pg_ts_template t JOIN user_namespace n ON n.oid = t.tmplnamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_ts_template'::regclass AND m.objid = t.oid)
    UNION ALL
    SELECT 'conversion', 'pg_catalog.pg_conversion'::regclass, c.oid,
           format('CREATE %sCONVERSION %I.%I FOR %L TO %L FROM %s',
                  CASE WHEN c.condefault THEN 'DEFAULT ' ELSE '' END, n.nspname, c.conname,
                  pg_catalog.pg_encoding_to_char(c.conforencoding),
                  pg_catalog.pg_encoding_to_char(c.contoencoding), c.conproc::regproc::text)
    FROM pg_catalog.pg_conversion c JOIN user_namespace n ON n.oid = c.connamespace
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_conversion'::regclass AND m.objid = c.oid)
    UNION ALL
    SELECT 'foreign-data wrapper', 'pg_catalog.pg_foreign_data_wrapper'::regclass, w.oid,
           format('CREATE FOREIGN DATA WRAPPER %I%s%s', w.fdwname,
                  CASE WHEN w.fdwhandler <> 0 THEN ' HANDLER ' || w.fdwhandler::regproc::text ELSE '' END,
                  CASE WHEN w.fdwvalidator <> 0 THEN ' VALIDATOR ' || w.fdwvalidator::regproc::text ELSE '' END)
           || "#,
    options!("w.fdwoptions"),
    r#"
    FROM pg_catalog.pg_foreign_data_wrapper w
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_foreign_data_wrapper'::regclass AND m.objid = w.oid)
    UNION ALL
    SELECT 'server', 'pg_catalog.pg_foreign_server'::regclass, s.oid,
           format('CREATE SERVER %I%s%s FOREIGN DATA WRAPPER %I', s.srvname,
                  ' TYPE ' || quote_literal(s.srvtype), ' VERSION ' || quote_literal(s.srvversion),
                  w.fdwname)
           || "#,
    options!("s.srvoptions"),
    r#"
    FROM pg_catalog.pg_foreign_server s
    JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_foreign_server'::regclass AND m.objid = s.oid)
    UNION ALL
    SELECT 'user mapping', 'pg_catalog.pg_user_mapping'::regclass, um.umid,
           format('CREATE USER MAPPING FOR %s SERVER %I',
                  CASE WHEN um.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(um.usename) END, um.srvname)
           || "#,
    options!("um.umoptions"),
    r#"
    FROM pg_catalog.pg_user_mappings um
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_foreign_server'::regclass AND m.objid = um.srvid)
    UNION ALL
    SELECT 'foreign table', 'pg_catalog.pg_class'::regclass, r.oid,
           -- Checks inline, as pg_dump writes them (the lint reads an ALTER
           -- of a table the migration creates as one of an existing table).
           format(E'CREATE FOREIGN TABLE %s (%s%s\n)\nSERVER %I', r.qualified, coalesce(cl.columns, ''),
                  coalesce((SELECT string_agg(format(E',\n    CONSTRAINT %I %s', con.conname,
                                                     pg_catalog.pg_get_constraintdef(con.oid)),
                                              '' ORDER BY con.conname)
                            FROM pg_catalog.pg_constraint con
                            WHERE con.conrelid = r.oid AND con.contype = 'c' AND con.conislocal), ''),
                  s.srvname)
           || "#,
    options!("ft.ftoptions"),
    r#"
           || CASE WHEN r.relispartition
                   THEN (SELECT format(E';\nALTER TABLE ONLY %s ATTACH PARTITION %s %s',
                                       format('%I.%I', pn.nspname, p.relname), r.qualified,
                                       pg_catalog.pg_get_expr(r.relpartbound, r.oid))
                         FROM pg_catalog.pg_inherits i
                         JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                         JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
                         WHERE i.inhrelid = r.oid)
                   ELSE '' END
    FROM relation r
    JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = r.oid
    JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
    LEFT JOIN column_list cl ON cl.attrelid = r.oid
    WHERE r.relkind = 'f'
    UNION ALL
    SELECT 'publication', 'pg_catalog.pg_publication'::regclass, p.oid,
           format('CREATE PUBLICATION %I%s WITH (publish = %L%s)', p.pubname,
                  CASE WHEN p.puballtables THEN ' FOR ALL TABLES'
                       ELSE coalesce(' FOR ' || nullif(concat_ws(', ',
                           (SELECT string_agg(format('TABLES IN SCHEMA %I', sn.nspname), ', '
                                              ORDER BY sn.nspname)
                            FROM pg_catalog.pg_publication_namespace pns
                            JOIN pg_catalog.pg_namespace sn ON sn.oid = pns.pnnspid
                            WHERE pns.pnpubid = p.oid),
                           (SELECT string_agg(format('TABLE ONLY %I.%I%s%s', tn.nspname, t.relname,
                                                     (SELECT ' (' || string_agg(quote_ident(a.attname), ', '
                                                                                ORDER BY a.attnum) || ')'
                                                      FROM pg_catalog.pg_attribute a
                                                      WHERE a.attrelid = pr.prrelid
                                                        AND a.attnum = ANY (pr.prattrs::int2[])),
                                                     ' WHERE (' || pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) || ')'),
                                              ', ' ORDER BY tn.nspname, t.relname)
                            FROM pg_catalog.pg_publication_rel pr
                            JOIN pg_catalog.pg_class t ON t.oid = pr.prrelid
                            JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                            WHERE pr.prpubid = p.oid)), ''), '') END,
                  concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,
                                  CASE WHEN p.pubupdate THEN 'update' END,
                                  CASE WHEN p.pubdelete THEN 'delete' END,
                                  CASE WHEN p.pubtruncate THEN 'truncate' END),
                  CASE WHEN p.pubviaroot THEN ', publish_via_partition_root = true' ELSE '' END)
    FROM pg_catalog.pg_publication p
    WHERE NOT EXISTS (SELECT 1 FROM member m
                      WHERE m.classid = 'pg_catalog.pg_publication'::regclass AND m.objid = p.oid)
)
SELECT o.reader, ident.type, ident.identity, o.definition,
       -- What its definition names by symbols, which are no names (a
       -- class's or family's operators), or by a name its own may share (a
       -- class's family, a text search configuration's dictionaries and
       -- parser, a dictionary's template).
       ARRAY(SELECT DISTINCT used.identity
             FROM (SELECT (pg_catalog.pg_identify_object('pg_catalog.pg_operator'::regclass,
                                                         fm.operator, 0)).identity
                   FROM opfamily_member fm
                   WHERE fm.operator IS NOT NULL
                     AND fm.ownerclass = o.classid AND fm.owner = o.objid
                   UNION ALL
                   SELECT (pg_catalog.pg_identify_object('pg_catalog.pg_opfamily'::regclass,
                                                         oc.opcfamily, 0)).identity
                   FROM pg_catalog.pg_opclass oc
                   WHERE o.classid = 'pg_catalog.pg_opclass'::regclass AND oc.oid = o.objid
                   UNION ALL
                   SELECT used.identity
                   FROM pg_catalog.pg_depend d,
                        LATERAL pg_catalog.pg_identify_object(d.refclassid, d.refobjid, 0) AS used
                   WHERE o.classid IN ('pg_catalog.pg_ts_config'::regclass,
                                       'pg_catalog.pg_ts_dict'::regclass)
                     AND d.classid = o.classid AND d.objid = o.objid AND d.deptype = 'n'
                     AND used.schema <> 'pg_catalog') AS used
             ORDER BY 1) AS depends_on
FROM object o, LATERAL pg_catalog.pg_identify_object(o.classid, o.objid, 0) AS ident
WHERE o.reader <> ALL ($2)"#
);

/// The partitioned tables the table reader reads as plain tables, which
/// the generic reader covers whole while partitions have no typed reader.
const PARTITIONED_TABLES_QUERY: &str = r#"
SELECT n.nspname::text, c.relname::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'p' AND NOT c.relispartition AND n.nspname = ANY($1)"#;

/// Adds the database's extensions and generic objects to `schema`, read
/// from the schemas `schema_names`.
pub(crate) async fn read_objects(
    connection: &mut PgConnection,
    schema_names: &[String],
    schema: &mut Schema,
) -> Result<(), IntrospectError> {
    let extensions: Vec<(String, String)> = sqlx::query_as(EXTENSIONS_QUERY)
        .fetch_all(&mut *connection)
        .await
        .map_err(|source| IntrospectError::Query {
            what: "extensions",
            source,
        })?;
    schema.extensions = extensions
        .into_iter()
        .map(|(name, namespace)| Extension {
            schema: (namespace != "public").then_some(namespace),
            ..Extension::new(name)
        })
        .collect();

    let rows: Vec<(String, String, String, Option<String>, Vec<String>)> =
        sqlx::query_as(OBJECTS_QUERY)
            .bind(schema_names)
            .bind(TYPED_KINDS)
            .fetch_all(&mut *connection)
            .await
            .map_err(|source| IntrospectError::Query {
                what: "generic objects",
                source,
            })?;
    schema.objects = rows
        .into_iter()
        .filter_map(|(_, kind, identity, definition, depends_on)| {
            Some(SqlObject {
                kind,
                identity,
                definition: definition?,
                drop: None,
                depends_on,
                source: None,
            })
        })
        .collect();

    if !TYPED_KINDS.contains(&"partitioned table") {
        let partitioned: Vec<(String, String)> = sqlx::query_as(PARTITIONED_TABLES_QUERY)
            .bind(schema_names)
            .fetch_all(&mut *connection)
            .await
            .map_err(|source| IntrospectError::Query {
                what: "partitioned tables",
                source,
            })?;
        let partitioned: Vec<QualifiedName> = partitioned
            .into_iter()
            .map(|(namespace, name)| QualifiedName::new(namespace, name))
            .collect();
        schema
            .tables
            .retain(|table| !partitioned.contains(&table.name));
    }
    Ok(())
}
