//! cargo-dbkit's integration tests, one binary (each former test file is a
//! module): the real `cargo-dbkit` binary over temporary copies of fixture
//! workspaces, against databases of the test providers. `common` holds
//! what they share.

mod common;

mod check_drift;
mod check_integrity;
mod check_lint;
mod check_replay;
mod cli;
mod lint_claims;
mod migrate;
mod pull;
mod push;
mod workspace_extensions;
