//! The workspace a command works on: where its schema code and migrations
//! are, and reading them.
//!
//! - [`discovery`]: `cargo metadata`, the crates that depend on
//!   dbkit-runtime, their schema files and `[workspace.metadata.dbkit]`;
//! - [`schema_glob`]: the glob matcher of the `schema` setting;
//! - [`schema_loading`]: schema files read and parsed on all cores, then
//!   resolved into one schema model;
//! - [`migrations_folder`]: the `V<n>__<name>.sql` files and their
//!   snapshots, read and written atomically;
//! - [`cache`]: content hashes, and the parse cache in `<target>/dbkit/`.

pub(crate) mod cache;
pub(crate) mod discovery;
pub(crate) mod migrations_folder;
pub(crate) mod schema_glob;
pub(crate) mod schema_loading;
