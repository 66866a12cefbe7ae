//! The runtime crate of dbkit: what an application depends on.
//!
//! Schema items derive [`Table`] and [`PgEnum`] (the derives and the traits
//! share their names, as serde's do); `cargo dbkit` reads the same items
//! from source to write migrations. [`sqlx`] is re-exported so that an
//! app's sqlx types are the ones dbkit uses.

pub use dbkit_macros::{PgEnum, Table};
pub use migrate::{MigrateError, MigrateEvent, Migrations, Report, RunOptions};

pub mod migrate;

/// Embeds a migration folder in the binary: `V<n>__<name>.sql` files,
/// applied at start-up by [`Migrations::run`].
///
/// ```text
/// static MIGRATIONS: dbkit_runtime::Migrations = dbkit_runtime::embed_migrations!("../migrations");
/// ```
///
/// The path is relative to the calling crate's `Cargo.toml`. The folder is
/// read at compile time by include_dir, which tells cargo to rebuild when an
/// embedded file changes but not when one is *added*: the calling crate
/// needs a `build.rs` that watches the folder,
///
/// ```text
/// fn main() {
///     println!("cargo:rerun-if-changed=../migrations");
/// }
/// ```
pub use dbkit_macros::embed_migrations;

#[doc(hidden)]
pub mod __private {
    pub use include_dir;
}
pub use sqlx;

/// A table declared with `#[derive(Table)]`.
pub trait Table {
    /// The PostgreSQL schema (`public` unless `#[dbkit(schema = "...")]`).
    const SCHEMA: &'static str;
    /// The table's name.
    const NAME: &'static str;
    /// The column names, in declaration order (skipped fields left out).
    const COLUMNS: &'static [&'static str];
}

/// A PostgreSQL enum type declared with `#[derive(PgEnum)]`.
///
/// A field of a `Table` whose type is not in the DSL's mapping table must
/// implement this trait, which is how the compiler reports an unmappable
/// field type.
#[diagnostic::on_unimplemented(
    message = "the type `{Self}` has no PostgreSQL mapping",
    label = "not a mapped type nor a `PgEnum`",
    note = "add `sql_type = \"...\"` or derive `PgEnum` for it"
)]
pub trait PgEnum {
    /// The PostgreSQL schema (`public` unless `#[dbkit(schema = "...")]`).
    const SCHEMA: &'static str;
    /// The type's name.
    const NAME: &'static str;
    /// The labels, in declaration order.
    const VALUES: &'static [&'static str];
}

#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "testing")]
pub use testing::{TestDb, TestDbBuilder, TestDbError};
