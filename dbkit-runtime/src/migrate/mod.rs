//! Embedded migrations and the engine that applies them at start-up, under a lock.

mod apply;
mod embedded;
mod error;
mod url;

pub use apply::{AppliedMigration, HISTORY_TABLE, Report};
pub use embedded::{Migration, Migrations};
pub use error::MigrateError;
pub use url::redact_database_url;
