//! dbkit-runtime's integration tests, one binary (each former test file is
//! a module). All but `ui` need the `testing` feature
//! (`cargo test -p dbkit-runtime --features testing`).
//!
//! Tests that run this binary again as a child process (`test_db`,
//! `docker_server`) name their child tests with the module path
//! (`test_db::child_fifty_00`), as `--exact` and nextest's filters see
//! them. Fixtures named relative to a test file (`fixtures("users")`,
//! `include_str!`) are in `fixtures/` beside these modules.

mod docker_server;
mod migrate;
mod test_attribute;
mod test_db;
mod ui;
