//! Reads a live database (pg_catalog, through sqlx) into the schema model.
//!
//! [`introspect`] runs one query per kind of object for the whole database
//! (schemas, enums, tables, columns, constraints, indexes), never one per
//! table, so a thousand tables take a handful of round trips. The result is
//! the same model the Rust declarations resolve to; expressions are kept as
//! PostgreSQL prints them (`pg_get_expr`), and `dbkit_core::compare`
//! normalises both sides before they are compared.

mod catalog;

pub use catalog::{IntrospectError, introspect};
