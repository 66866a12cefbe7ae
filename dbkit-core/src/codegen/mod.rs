//! The schema model written back as Rust source in the schema DSL, for `cargo dbkit pull`.
//!
//! [`generate_modules`] turns a [`Schema`] (usually introspected from a live
//! database) into Rust modules that [`crate::parse::parse_source_file`] and
//! [`crate::resolve::resolve_schema`] read back as the same schema. It is a
//! pure function: the CLI writes the files and runs rustfmt.
//!
//! **Files.** One file per PostgreSQL schema (`catalog.rs` for `catalog`,
//! `public.rs` for `public`). When `public` holds more tables than
//! [`CodegenOptions::max_tables_per_public_file`], its tables are split into
//! groups connected by foreign keys: each group of two or more tables gets a
//! file named after the table that the most tables of the group reach by
//! following foreign keys (`users.rs` for `users`, the `orders` that point
//! at it, their `order_items`…); tables related to no other table stay in
//! `public.rs`. An enum of `public` goes into the one
//! group file whose tables use it, else into `public.rs`. Module names are
//! snake_case ASCII identifiers, made unique with `_2`, `_3`…
//!
//! **Names.** A struct is the UpperCamelCase of its table's name (`line_items`
//! → `LineItems`), an enum of its type's name, a variant of its label; a field
//! is the column's name when that is a snake_case ASCII identifier (`r#type`
//! for a keyword), else a snake_case spelling of it. Type names are unique
//! across all files and never shadow a type the DSL maps (`Date`, `Value`…)
//! or one the files import; a clash takes the schema's name as a prefix, then
//! a number. `table`, `name`, `column` and `rename` are written exactly when
//! the DSL's default (the snake_case of the Rust name) is not the database's
//! name, and `schema` when it is not `public`.
//!
//! **Constraints.** A constraint or index whose name is the one PostgreSQL
//! (and the parser) would choose is written without its name, on the field
//! when it is about one column (`primary_key`, `unique`, `index`,
//! `references`); otherwise on the struct, named. Which names are default is
//! decided by replaying the parser's naming over the attributes as they will
//! be written ([`constraints`]).
//!
//! **Row-level security** is written on the struct: its flags, then one
//! `policy(...)` per policy of the table ([`policies`]).
//!
//! **Views, functions and triggers.** Views and materialized views go into
//! `views.rs` as `#[derive(View)]` structs; functions and procedures into
//! `functions.rs` as `#[derive(Function)]` unit structs (body in a raw
//! string, as written); a table's triggers are `trigger(...)` attributes of
//! its struct. Functions and triggers the DSL cannot declare (window
//! functions, `LEAKPROOF`, a non-default `COST`, triggers on views,
//! constraint triggers…) are read as generic objects instead.
//!
//! **Types** follow the DSL's mapping table backwards; a type the table does
//! not map is written as `sql_type = "…"` on a field of the closest Rust type
//! (`String` when nothing fits better). Defaults are simplified by
//! [`simplify_default`].
//!
//! **Extensions and generic objects** go into one more file,
//! `sql_objects.rs`: a `#[derive(Extension)]` or `#[derive(SqlObject)]`
//! unit struct each, the definition as PostgreSQL printed it.
//!
//! What the DSL cannot say is left out (or changed) and listed in
//! [`GeneratedModules::unexpressed`], for the caller to report.
//!
//! The text is formatted the way rustfmt (edition 2024, default settings)
//! formats it, so running rustfmt over it changes nothing.

mod column_types;
mod constraints;
mod defaults;
mod emit;
mod grouping;
mod identifiers;
mod layout;
mod options;
mod policies;
mod sql_objects;
mod unexpressed;

pub use defaults::simplify_default;
pub use unexpressed::Unexpressed;

use crate::model::Schema;

/// How [`generate_modules`] lays out the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenOptions {
    /// Above this many tables, `public` is split into files of tables
    /// related by foreign keys (see the module documentation).
    pub max_tables_per_public_file: usize,
    /// Types the DSL does not map, each with a type of the same values that
    /// it does (a domain and its base type: `year` → `integer`): a column
    /// of such a type keeps it in `sql_type` and takes the Rust type of its
    /// relative (`Option<i32>`, not `Option<String>`).
    pub type_relatives: std::collections::BTreeMap<String, String>,
}

impl Default for CodegenOptions {
    fn default() -> Self {
        CodegenOptions {
            max_tables_per_public_file: 12,
            type_relatives: std::collections::BTreeMap::new(),
        }
    }
}

/// One Rust module file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// `catalog.rs`: the module's file name.
    pub file_name: String,
    /// `catalog`: the name `mod_rs` declares it under.
    pub module_name: String,
    /// The file's text.
    pub source: String,
}

/// The schema modules of a schema.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneratedModules {
    /// Sorted by module name.
    pub files: Vec<GeneratedFile>,
    /// A `mod.rs` declaring every file (`pub mod catalog;`), with a `//!`
    /// line. The files refer to each other through `super::`, so they must
    /// be siblings under one parent module.
    pub mod_rs: String,
    /// What the DSL cannot express and the files therefore leave out or
    /// change; empty when the files read back as the schema.
    pub unexpressed: Vec<Unexpressed>,
}

/// The Rust modules that declare `schema` (see the module documentation).
pub fn generate_modules(schema: &Schema, options: &CodegenOptions) -> GeneratedModules {
    emit::generate(schema, options)
}
