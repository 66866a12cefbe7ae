//! The runtime crate of dbkit: what an application depends on.
//!
//! Schema items derive [`Table`], [`PgEnum`], [`Sequence`], `Domain`,
//! `CompositeType`, [`View`], [`Function`], [`Extension`] and [`SqlObject`] (the derives and the traits share their names, as
//! serde's do; a domain and a composite type implement [`PgType`]); `cargo dbkit` reads the same items
//! from source to write migrations. [`sqlx`] is re-exported so that an
//! app's sqlx types are the ones dbkit uses.

pub use dbkit_macros::{
    CompositeType, Domain, Extension, Function, PgEnum, Sequence, SqlObject, Table, View,
};
pub use migrate::{DatabaseUrl, MigrateError, MigrateEvent, Migrations, Report, RunOptions};

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

/// Runs an async test on a database of its own, with every migration
/// applied (the `testing` feature).
///
/// ```text
/// static MIGRATIONS: dbkit_runtime::Migrations = dbkit_runtime::embed_migrations!("../migrations");
///
/// #[dbkit_runtime::test(migrations = MIGRATIONS, fixtures("users", "orders"))]
/// async fn signs_up(db: dbkit_runtime::TestDb) -> anyhow::Result<()> {
///     let pool: &dbkit_runtime::sqlx::PgPool = db.pool();
///     // `fixtures/users.sql` then `fixtures/orders.sql` have run.
///     Ok(())
/// }
/// ```
///
/// The function is `async`, takes the [`TestDb`] and returns `()` or a
/// `Result` whose error is `Debug`. It becomes a `#[test]` that runs it on
/// a current-thread Tokio runtime, on a database from
/// `TestDb::builder(&MIGRATIONS)` named after the test; the server comes
/// from the first way that works among `DBKIT_TEST_DATABASE_URL`, Docker and
/// the machine's PostgreSQL binaries, and when none does the test fails with
/// a message that lists them. The database is dropped after a test that
/// passed and kept, its name and URL printed, after one that returned an
/// error or panicked.
///
/// `fixtures("users")` runs `fixtures/users.sql`, relative to the test's
/// source file as `#[sqlx::test]` has it, after the migrations and in the
/// order listed; a value ending in `.sql` is a path relative to the same
/// file. The files are read at compile time (`include_str!`), so a missing
/// one is a compile error.
#[cfg(feature = "testing")]
pub use dbkit_macros::test;

#[doc(hidden)]
pub mod __private {
    pub use include_dir;
    #[cfg(feature = "testing")]
    pub use tokio;

    /// What `#[dbkit_runtime::test]` asks of a test's outcome: did it fail?
    /// (Then its database is kept.)
    #[cfg(feature = "testing")]
    #[diagnostic::on_unimplemented(
        message = "a `#[dbkit_runtime::test]` function returns `()` or a `Result`, not `{Self}`",
        label = "returns `{Self}`",
        note = "return `()`, or `Result<(), E>` with `E: Debug` to fail the test with an error"
    )]
    pub trait TestOutcome {
        fn is_failure(&self) -> bool;
    }

    #[cfg(feature = "testing")]
    impl TestOutcome for () {
        fn is_failure(&self) -> bool {
            false
        }
    }

    #[cfg(feature = "testing")]
    impl<T, E> TestOutcome for Result<T, E> {
        fn is_failure(&self) -> bool {
            self.is_err()
        }
    }
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

/// A view or materialized view declared with `#[derive(View)]`: the
/// struct is its row type.
pub trait View {
    /// The PostgreSQL schema (`public` unless `#[dbkit(schema = "...")]`).
    const SCHEMA: &'static str;
    /// The view's name.
    const NAME: &'static str;
    /// Whether it is a materialized view.
    const MATERIALIZED: bool;
    /// The column names, in declaration order (skipped fields left out).
    const COLUMNS: &'static [&'static str];
}

/// A type the schema declares: a `#[derive(PgEnum)]` enum, a
/// `#[derive(Domain)]` newtype or a `#[derive(CompositeType)]` struct.
///
/// A field of a `Table` (or of a `CompositeType`) whose type is not in the
/// DSL's mapping table must implement this trait, which is how the compiler
/// reports an unmappable field type.
#[diagnostic::on_unimplemented(
    message = "the type `{Self}` has no PostgreSQL mapping",
    label = "not a mapped type nor a `PgEnum`, `Domain` or `CompositeType`",
    note = "add `sql_type = \"...\"` or derive `PgEnum`, `Domain` or `CompositeType` for it"
)]
pub trait PgType {
    /// The PostgreSQL schema (`public` unless `#[dbkit(schema = "...")]`).
    const SCHEMA: &'static str;
    /// The type's name.
    const NAME: &'static str;
}

/// A sequence no column owns, declared with `#[derive(Sequence)]`.
pub trait Sequence {
    /// The PostgreSQL schema (`public` unless `#[dbkit(schema = "...")]`).
    const SCHEMA: &'static str;
    /// The sequence's name.
    const NAME: &'static str;
}

/// A PostgreSQL enum type declared with `#[derive(PgEnum)]`.
pub trait PgEnum {
    /// The PostgreSQL schema (`public` unless `#[dbkit(schema = "...")]`).
    const SCHEMA: &'static str;
    /// The type's name.
    const NAME: &'static str;
    /// The labels, in declaration order.
    const VALUES: &'static [&'static str];
}

/// A PostgreSQL extension asked for with `#[derive(Extension)]`.
pub trait Extension {
    /// The extension's name.
    const NAME: &'static str;
}

/// An object defined by its SQL, declared with `#[derive(SqlObject)]`.
pub trait SqlObject {
    /// What PostgreSQL calls its kind (`aggregate`, `cast`, …).
    const KIND: &'static str;
    /// Its identity as `pg_identify_object` prints it.
    const IDENTITY: &'static str;
}

/// A function or procedure declared with `#[derive(Function)]`.
pub trait Function {
    /// The PostgreSQL schema (`public` unless `#[dbkit(schema = "...")]`).
    const SCHEMA: &'static str;
    /// The function's name.
    const NAME: &'static str;
    /// Whether it is a procedure (`CALL`) rather than a function.
    const PROCEDURE: bool;
}

#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "testing")]
pub use testing::{TestDb, TestDbBuilder, TestDbError};
