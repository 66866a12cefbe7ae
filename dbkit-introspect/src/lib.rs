//! Reads a live database (pg_catalog, through sqlx) into the schema model.
//!
//! [`introspect`] runs one query per kind of object for the whole database
//! (schemas, enums, tables, columns, constraints, indexes), never one per
//! table, so a thousand tables take a handful of round trips; after the
//! schemas, the five others run on up to three of the pool's connections
//! at once (one after the other on a pool of one). The queries are set-based: key columns are
//! named by one join with `pg_attribute` per query (never a subquery per
//! constraint or index), the printing functions run only on the rows that
//! need them (`pg_get_indexdef` for indexes on expressions, `format_type`
//! for types other than enums), and defaults are printed without their
//! table, which spares the server opening every table (checks, index
//! predicates and generation expressions still need it). Columns come
//! unsorted and are put in `attnum` order here. A database of 1,000 tables
//! is read in about 0.2 s (`cargo xtask bench-introspect`, BENCHMARKS.md).
//! The result is the same model the Rust declarations resolve to;
//! expressions are kept as PostgreSQL prints them (`pg_get_expr`), and
//! `dbkit_core::compare` normalises both sides before they are compared.
//!
//! Every kind of object the DSL declares is read: schemas, enums with their
//! labels in order, tables, columns (type, nullability, default, identity,
//! serial, generated expression, collation), primary keys, foreign keys
//! with their actions, unique, check and exclusion constraints (deferrable,
//! `NOT VALID`), indexes (unique, partial, on expressions, by access method,
//! with their key options, `INCLUDE` columns and storage parameters), the
//! storage parameters of tables and the comments on enums, tables and
//! columns, sequences no column owns, domains and composite types (read
//! by `user_types`, after the others), views and materialized views
//! (`views`, which also puts a schema's view queries in PostgreSQL's form:
//! [`canonicalize_view_queries`]), functions and procedures, and triggers
//! on tables (`functions.rs`, read after the others), row-level security
//! (each table's flags and its policies, `policies`); then the extensions and, as generic
//! SQL objects (`objects.rs`), every other object of the user's schemas
//! whose definition the catalog prints. Objects that belong to an extension
//! are left out, and so is
//! nothing else: the migration engine's own history table is a table like
//! any other, which [`remove_migration_history`] takes out for callers that
//! compare a database with its migrations. The queries only read, so they
//! run in a read-only session too.

/// The functions and procedures the typed reader (`functions`) takes, as a
/// SQL condition on `pg_proc p`: plain functions and procedures in a
/// language the DSL knows, with nothing `#[derive(Function)]` cannot say
/// (`LEAKPROOF`, a `COST` or `ROWS` other than the default, `SUPPORT`,
/// `TRANSFORM`, a setting whose name is not a plain word). The generic
/// reader (`objects`) takes every other one, window functions included,
/// so that each function is read once and none is lost.
macro_rules! typed_function_condition {
    () => {
        "(p.prokind IN ('f', 'p')
          AND (SELECT lang.lanname FROM pg_catalog.pg_language lang WHERE lang.oid = p.prolang)
              IN ('sql', 'plpgsql', 'internal', 'plperl', 'plperlu', 'plpython3u', 'pltcl', 'pltclu')
          AND NOT p.proleakproof
          AND p.procost = CASE WHEN p.prolang IN (12, 13) THEN 1 ELSE 100 END
          AND p.prorows = CASE WHEN p.proretset THEN 1000 ELSE 0 END
          AND p.prosupport::oid = 0
          AND p.protrftypes IS NULL
          AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS setting
                          WHERE setting !~ '^[a-z_][a-z0-9_]*='))"
    };
}

/// The triggers the typed reader (`functions`) takes, as a SQL condition on
/// `pg_trigger t`, its table `tc` (`pg_class`) and its function `tp`
/// (`pg_proc`), with `$user_schemas` the user schemas' names: triggers on
/// tables (not on views, not constraint triggers, not the copies on
/// partitions) whose function is outside the user schemas or one the typed
/// function reader takes. The generic reader takes every other one.
macro_rules! typed_trigger_condition {
    () => {
        concat!(
            "(NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgconstraint = 0
          AND tc.relkind IN ('r', 'p') AND NOT tc.relispartition
          AND ((SELECT fn.nspname FROM pg_catalog.pg_namespace fn WHERE fn.oid = tp.pronamespace)
               <> ALL ($1)
               OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.oid = tp.oid AND ",
            typed_function_condition!(),
            ")))"
        )
    };
}

mod catalog;
mod functions;
mod objects;
mod options;
mod policies;
mod user_types;
mod views;

pub use catalog::{IntrospectError, introspect};
pub use objects::TYPED_KINDS;
pub use views::canonicalize_view_queries;

use dbkit_core::model::Schema;

/// The table in which the migration engine records what it applied
/// (refinery's name, which dbkit keeps).
pub const MIGRATION_HISTORY_TABLE: &str = "refinery_schema_history";

/// How many connections a pool handed to [`introspect`] should allow: its
/// queries run on up to three at once.
pub const INTROSPECTION_CONNECTIONS: u32 = 3;

/// Removes the migration history table, in whichever schema the engine
/// created it (the first of the session's `search_path`): it is the
/// engine's bookkeeping, never part of a declared schema.
pub fn remove_migration_history(schema: &mut Schema) {
    schema
        .tables
        .retain(|table| table.name.name != MIGRATION_HISTORY_TABLE);
}
