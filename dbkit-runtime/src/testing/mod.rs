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
pub use test_db::{TestDb, TestDbBuilder, TestDbError, drop_kept_database};
