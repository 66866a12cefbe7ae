//! The macros of dbkit: `#[derive(Table)]`, `#[derive(PgEnum)]`,
//! `#[derive(View)]`, `#[derive(Function)]`, `#[derive(Sequence)]`,
//! `#[derive(Domain)]`, `#[derive(CompositeType)]`,
//! `embed_migrations!` and `#[test]` (the runtime's test attribute).
//!
//! A thin layer over `dbkit_core::parse`: every decision to accept or reject
//! an item is made there, by the same code `cargo dbkit` runs, so the
//! compiler and the CLI agree on every input. This crate only turns the
//! result into trait implementations or into `compile_error!`s on the spans
//! the parser blames.

mod embed_migrations;
mod function;
mod pg_enum;
mod runtime_path;
mod sql_object;
mod table;
mod test_attribute;
mod user_types;
mod view;

use proc_macro::TokenStream;

/// Embeds a migration folder; documented on its re-export,
/// `dbkit_runtime::embed_migrations!`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    embed_migrations::expand(input.into()).into()
}

/// Runs an async test on a database of its own; documented on its
/// re-export, `dbkit_runtime::test`.
#[proc_macro_attribute]
pub fn test(attribute: TokenStream, item: TokenStream) -> TokenStream {
    test_attribute::expand(attribute.into(), item.into()).into()
}

/// Declares a table: a struct with named fields, one per column.
///
/// ```text
/// #[derive(dbkit_runtime::Table)]
/// #[dbkit(table = "users")]
/// pub struct User {
///     #[dbkit(primary_key, identity)]
///     pub id: i64,
///     pub email: String,
/// }
/// ```
///
/// Implements `dbkit_runtime::Table` (schema, name and column names). The
/// attributes are those of the schema DSL; any attribute, value or type the
/// DSL does not accept is a compile error on its span, with the same message
/// and help `cargo dbkit` prints.
///
/// A field type outside the DSL's mapping table must be a
/// `#[derive(PgEnum)]` enum, a `#[derive(Domain)]` newtype or a
/// `#[derive(CompositeType)]` struct: the derive asserts that it implements
/// `dbkit_runtime::PgType`, so any other type is a compile error on the
/// field's type.
///
/// What only the whole workspace shows cannot be checked here, and is
/// checked by `cargo dbkit` alone: a `references` to a table or column that
/// does not exist, two tables (or enums) with the same name in different
/// crates, and an enum name that two crates declare (which one a field
/// means).
#[proc_macro_derive(Table, attributes(dbkit))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    table::expand_table(&input).into()
}

/// Declares a view or a materialized view: a struct whose fields are the
/// columns its query produces.
///
/// ```text
/// #[derive(dbkit_runtime::View)]
/// #[dbkit(view = "active_users", query = "SELECT id, email FROM users WHERE active")]
/// pub struct ActiveUser {
///     pub id: i64,
///     pub email: String,
/// }
/// ```
///
/// Implements `dbkit_runtime::View` (schema, name, whether it is
/// materialized, column names). Whether the query's columns are the
/// struct's is PostgreSQL's to say: `cargo dbkit check --replay` compares
/// them.
#[proc_macro_derive(View, attributes(dbkit))]
pub fn derive_view(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    view::expand_view(&input).into()
}

/// Declares a PostgreSQL enum type: a fieldless enum, one variant per label.
///
/// ```text
/// #[derive(dbkit_runtime::PgEnum)]
/// #[dbkit(name = "post_status")]
/// pub enum PostStatus {
///     Draft,
///     #[dbkit(rename = "in-review")]
///     InReview,
/// }
/// ```
///
/// Implements `dbkit_runtime::PgEnum` (schema, name and labels) and sqlx's
/// `Type`, `Encode`, `Decode` and `PgHasArrayType` for PostgreSQL, so the
/// enum can be bound and read by sqlx as is.
///
/// Whether another crate of the workspace declares an enum of the same name
/// cannot be seen here; `cargo dbkit` reports it.
#[proc_macro_derive(PgEnum, attributes(dbkit))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    pg_enum::expand_pg_enum(&input).into()
}

/// Asks for a PostgreSQL extension: a struct without fields.
///
/// ```text
/// #[derive(dbkit_runtime::Extension)]
/// #[dbkit(name = "citext")]
/// pub struct Citext;
/// ```
///
/// Implements `dbkit_runtime::Extension` (its name).
#[proc_macro_derive(Extension, attributes(dbkit))]
pub fn derive_extension(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    sql_object::expand_extension(&input).into()
}

/// Declares any other object by its SQL (an aggregate, an operator, a
/// cast, a rule…): a struct without fields.
///
/// ```text
/// #[derive(dbkit_runtime::SqlObject)]
/// #[dbkit(
///     kind = "aggregate",
///     identity = "public.group_concat(text)",
///     definition = "CREATE AGGREGATE public.group_concat(text) (SFUNC = public._group_concat, STYPE = text)",
///     depends_on("public._group_concat(text,text)"),
/// )]
/// pub struct GroupConcat;
/// ```
///
/// Implements `dbkit_runtime::SqlObject` (its kind and identity).
#[proc_macro_derive(SqlObject, attributes(dbkit))]
pub fn derive_sql_object(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    sql_object::expand_sql_object(&input).into()
}

/// Declares a sequence that no column owns: a unit struct.
///
/// ```text
/// #[derive(dbkit_runtime::Sequence)]
/// #[dbkit(name = "order_numbers", start = 1000, increment = 1, cache = 1, as = "bigint")]
/// pub struct OrderNumbers;
/// ```
///
/// Implements `dbkit_runtime::Sequence` (schema and name).
#[proc_macro_derive(Sequence, attributes(dbkit))]
pub fn derive_sequence(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    user_types::expand_sequence(&input).into()
}

/// Declares a domain: a newtype whose one field is a value of the base
/// type.
///
/// ```text
/// #[derive(dbkit_runtime::Domain)]
/// #[dbkit(name = "email", check(name = "email_check", expr = "VALUE ~ '@'"))]
/// pub struct Email(pub String);
/// ```
///
/// Implements `dbkit_runtime::PgType`, so a `Table` field of the newtype's
/// type is a column of the domain.
#[proc_macro_derive(Domain, attributes(dbkit))]
pub fn derive_domain(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    user_types::expand_domain(&input).into()
}

/// Declares a composite type: a struct with named fields, one per
/// attribute, mapped like a table's columns.
///
/// ```text
/// #[derive(dbkit_runtime::CompositeType)]
/// #[dbkit(name = "address")]
/// pub struct Address {
///     pub street: String,
///     pub zip: Option<String>,
/// }
/// ```
///
/// Implements `dbkit_runtime::PgType`, so a `Table` field of the struct's
/// type is a column of the composite type.
#[proc_macro_derive(CompositeType, attributes(dbkit))]
pub fn derive_composite_type(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    user_types::expand_composite(&input).into()
}

/// Declares a function or a procedure on a struct (usually a unit struct);
/// its doc comment is the function's comment.
///
/// ```text
/// #[derive(dbkit_runtime::Function)]
/// #[dbkit(function = "order_total", args("order_id bigint"), returns = "numeric",
///         language = "sql", stable, body = "SELECT sum(amount) FROM order_lines WHERE order_id = $1")]
/// pub struct OrderTotal;
/// ```
///
/// Implements `dbkit_runtime::Function` (schema, name, whether it is a
/// procedure). The attributes are those of the schema DSL; anything it
/// does not accept is a compile error on its span, with the message
/// `cargo dbkit` prints.
#[proc_macro_derive(Function, attributes(dbkit))]
pub fn derive_function(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    function::expand_function(&input).into()
}
