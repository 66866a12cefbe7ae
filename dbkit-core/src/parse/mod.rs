//! The one parser of the schema DSL, shared by the derive macros and `cargo dbkit`.
//!
//! Two entry points read the same items with the same code, so the compiler
//! and `cargo dbkit` accept and reject exactly the same input:
//!
//! - [`parse_table_derive`], [`parse_enum_derive`],
//!   [`parse_sequence_derive`], [`parse_domain_derive`],
//!   [`parse_composite_derive`], [`parse_extension_derive`],
//!   [`parse_sql_object_derive`] and [`parse_function_derive`] take the
//!   `syn::DeriveInput` a derive macro receives and report problems as
//!   [`Diagnostic`]s on spans, which the macros turn into `compile_error!`s;
//! - [`parse_source_file`] takes the text of a `.rs` file, finds every item
//!   that derives one of them (outside `#[cfg(test)]`), runs the same
//!   functions on it and reports problems as [`SchemaError`]s with file, line
//!   and column.
//!
//! The results are [`Declaration`]s: plain values without spans (so they are
//! `Send`), which [`crate::resolve::resolve_schema`] turns into one model for
//! the whole workspace.

mod attribute;
mod composite;
mod declaration;
mod diagnostic;
mod domain;
mod enumeration;
mod extension;
mod function;
mod partition;
mod policy;
mod sequence;
mod source_file;
mod sql_object;
mod suggestion;
mod table;
mod trigger;
mod type_declaration;
mod type_item;
mod view;

pub(crate) use attribute::doc_text;
pub use composite::parse_composite_derive;
pub use declaration::{
    ColumnDeclaration, Declaration, DeclaredType, EnumDeclaration, ExtensionDeclaration,
    ForeignKeyDeclaration, FunctionDeclaration, PartitionDeclaration, PolicyDeclaration,
    ReferenceTarget, SourcePlace, SqlObjectDeclaration, TableDeclaration, TriggerDeclaration,
    ViewColumnDeclaration, ViewDeclaration,
};
pub use diagnostic::{Diagnostic, SchemaError, diagnostics_to_compile_errors};
pub use domain::parse_domain_derive;
pub use enumeration::parse_enum_derive;
pub use extension::parse_extension_derive;
pub use function::parse_function_derive;
pub use sequence::parse_sequence_derive;
pub use source_file::{item_is_test_only, mentions_a_schema_derive, parse_source_file};
pub use sql_object::parse_sql_object_derive;
pub use suggestion::closest_match;
pub use table::parse_table_derive;
pub use type_declaration::{
    AttributeDeclaration, CompositeTypeDeclaration, DomainDeclaration, SequenceDeclaration,
};
pub use view::parse_view_derive;

#[cfg(test)]
mod function_tests;
#[cfg(test)]
mod sql_object_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod type_tests;
