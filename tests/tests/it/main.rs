//! dbkit-tests' integration tests, one binary (each former test file is a
//! module): round trips code → SQL → database → introspection against a
//! real PostgreSQL, the migration engine in real processes, and what
//! `pull` and `push` make of live databases.
//!
//! Schemas are built with `dbkit_core::test_support`; what the modules
//! share beyond that is this package's library (`dbkit_tests`).

mod introspection;
mod local_server;
mod migrate_app_binary;
mod migrate_processes;
mod partitions;
mod psql_split;
mod pull_compiles;
mod pull_round_trips;
mod push_no_spurious_changes;
mod random_round_trips;
mod row_level_security;
mod source_round_trips;
