//! dbkit-core's integration tests, one binary (each former test file is a
//! module): the differ and renderer's SQL, renames, snapshot files, the
//! schema modules `codegen` writes, the migration lint, the statement
//! splitter, and properties over random schemas.
//!
//! Schemas are built with `dbkit_core::test_support` (the `test-support`
//! feature, which the crate's dev-dependency on itself turns on).

mod codegen;
mod functions;
mod lint;
mod lint_rendered;
mod partitions;
mod properties;
mod renames;
mod row_level_security;
mod snapshot_files;
mod split_corpus;
mod sql;
mod sql_user_types;
mod table_options_sql;
mod views;
