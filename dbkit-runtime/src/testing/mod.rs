//! Disposable PostgreSQL servers for tests (the `testing` feature).
//!
//! [`local`] runs a throwaway cluster from the PostgreSQL binaries of the
//! machine, one per test process.

pub mod docker;
pub mod local;

pub use local::{LocalServer, LocalServerError};
