//! The pure core of dbkit: the schema model, the parser shared by the derive
//! macros and `cargo dbkit`, the differ and the PostgreSQL renderer.
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of files,
//! processes, sqlx or the terminal; every function here is a function over
//! values, so the compiler (through `dbkit-macros`) and the CLI see exactly
//! the same behaviour.

pub mod codegen;
pub mod compare;
pub mod diff;
pub mod lint;
pub mod model;
pub mod naming;
pub mod parse;
pub mod policy_roles;
pub mod render;
pub mod resolve;
pub mod snapshot;
pub mod sql_split;
pub mod sql_text;
pub mod sql_tokens;
pub mod transaction_control;
pub mod types;

#[cfg(feature = "test-support")]
pub mod test_support;
