//! Disposable PostgreSQL servers for tests (the `testing` feature).
