//! The expansion of `#[derive(Table)]`: the `Table` implementation and the compile-time checks of fields of declared types.

use crate::runtime_path::runtime_path;
use dbkit_core::parse::{DeclaredType, diagnostics_to_compile_errors, parse_table_derive};
use dbkit_core::types::{RustTypeMapping, map_rust_type};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub(crate) fn expand_table(input: &syn::DeriveInput) -> TokenStream {
    let table = match parse_table_derive(input) {
        Ok(table) => table,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let schema = &table.name.schema;
    let name = &table.name.name;
    let columns = table.columns.iter().map(|column| &column.name);
    let checks = declared_type_assertions(
        input,
        table
            .columns
            .iter()
            .map(|column| (&column.ty, column.field_name.as_str())),
    );
    quote! {
        #[automatically_derived]
        impl #runtime::Table for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
        }

        #checks
    }
}

/// A field type outside the mapping table must be a declared type (a
/// `PgEnum`, `Domain` or `CompositeType`): a bound on the field's own type
/// for each such field, by its field name, so the error points at it.
pub(crate) fn declared_type_assertions<'a>(
    input: &syn::DeriveInput,
    fields: impl Iterator<Item = (&'a DeclaredType, &'a str)>,
) -> TokenStream {
    let runtime = runtime_path();
    let assertions = fields
        .filter(|(ty, _)| matches!(ty, DeclaredType::EnumCandidate { .. }))
        .filter_map(|(_, field_name)| enum_candidate_type(input, field_name))
        .map(|ty| {
            quote_spanned! {ty.span()=>
                let _ = assert_pg_type::<#ty>;
            }
        })
        .collect::<Vec<_>>();
    if assertions.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            fn assert_pg_type<T: #runtime::PgType + ?::core::marker::Sized>() {}
            #(#assertions)*
        };
    }
}

/// The enum type inside a field's `Option`/`Vec`, for the field named
/// `field_name`.
pub(crate) fn enum_candidate_type<'a>(
    input: &'a syn::DeriveInput,
    field_name: &str,
) -> Option<&'a syn::Type> {
    let syn::Data::Struct(data) = &input.data else {
        return None;
    };
    let field = data.fields.iter().find(|field| {
        field.ident.as_ref().is_some_and(|ident| {
            dbkit_core::naming::strip_raw_prefix(&ident.to_string()) == field_name
        })
    })?;
    match map_rust_type(&field.ty).mapping {
        RustTypeMapping::EnumCandidate { ty, .. } => Some(ty),
        RustTypeMapping::Builtin(_) | RustTypeMapping::Unmappable { .. } => None,
    }
}
