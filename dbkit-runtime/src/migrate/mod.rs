//! Migrations and the one engine that applies them, under a lock: at
//! start-up from the binary's embedded folder, and by `cargo dbkit migrate`
//! and `status` from the workspace's folder.

// A failed statement carries its file, line, SQLSTATE, message, detail and
// hint by value; errors end a run, so their size costs nothing that matters.
#![allow(clippy::result_large_err)]

mod connection;
mod database_url;
mod engine;
mod error;
mod history;
mod migration;
mod roles;
mod source;
mod status;

pub use connection::{
    DEFAULT_APPLICATION_NAME, DEFAULT_CONNECT_TIMEOUT, LockHolder, MIGRATION_LOCK_KEY,
    connect_timeout_for, format_time_limit,
};
pub use database_url::{DatabaseUrl, redact_connection_strings};
pub use engine::{
    AppliedMigration, DEFAULT_LOCK_REPORT_INTERVAL, DEFAULT_LOCK_RETRIES,
    DEFAULT_LOCK_RETRY_BACKOFF, HookError, HookFuture, LOCK_NOT_AVAILABLE, MAX_LOCK_RETRY_BACKOFF,
    MigrateEvent, Report, RunOptions,
};
pub use error::{ErrorLocation, MigrateError};
pub use history::{HISTORY_TABLE, HistoryRow};
pub use migration::Migration;
pub use roles::MissingRole;
pub use source::Migrations;
pub use status::{MigrationState, MigrationStatus, Status};
