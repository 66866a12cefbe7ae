//! Disposable PostgreSQL for tests (the `testing` feature).
//!
//! [`TestDb`] gives a test a database of its own with every migration
//! applied: cloned from a template database built once per migration set
//! (`template`), on one server shared by all the test processes of a run
//! (`shared`), which comes from the provider the environment picks
//! (`provider`): an existing server, a Docker container or the machine's
//! PostgreSQL binaries ([`local`]).

pub mod docker;
pub mod local;
mod provider;
mod shared;
mod template;
mod test_db;

pub use local::{LocalServer, LocalServerError};
pub use provider::Provider;
pub use shared::use_target_directory;
pub use test_db::{TestDb, TestDbBuilder, TestDbError, drop_kept_database};

use crate::migrate::Migrations;
use std::sync::OnceLock;

/// The set of no migrations: a [`TestDb`] of it is an empty database, for
/// a caller that applies migrations itself (the round-trip tests, `cargo
/// dbkit check --replay`). One static, so every caller of a process shares
/// one template.
pub fn no_migrations() -> Result<&'static Migrations, TestDbError> {
    static NO_MIGRATIONS: OnceLock<Migrations> = OnceLock::new();
    if let Some(migrations) = NO_MIGRATIONS.get() {
        return Ok(migrations);
    }
    let migrations =
        Migrations::from_migrations(Vec::new()).map_err(|error| TestDbError::Migrations {
            detail: error.to_string(),
        })?;
    Ok(NO_MIGRATIONS.get_or_init(|| migrations))
}
