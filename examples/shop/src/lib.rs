//! Example shop app whose PostgreSQL schema dbkit manages.
//!
//! Each domain keeps its schema next to its code, in a `*_schema.rs` module
//! (`domains/user/user_schema.rs`, …); the root `Cargo.toml` points
//! `[workspace.metadata.dbkit] schema` at those files, and the migrations
//! `cargo dbkit generate` writes from them are the repository's `migrations/`.

pub mod domains;
