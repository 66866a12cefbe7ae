//! The expansion of `#[derive(Table)]`: the `Table` implementation and the compile-time checks of enum-typed fields.

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
    let enum_assertions = table
        .columns
        .iter()
        .filter(|column| matches!(column.ty, DeclaredType::EnumCandidate { .. }))
        .filter_map(|column| enum_candidate_type(input, &column.field_name))
        .map(|ty| {
            quote_spanned! {ty.span()=>
                let _ = assert_pg_enum::<#ty>;
            }
        })
        .collect::<Vec<_>>();
    // A field type outside the mapping table must be a `PgEnum`: a bound on
    // the field's own type, so the error points at it.
    let enum_checks = if enum_assertions.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            const _: () = {
                fn assert_pg_enum<T: #runtime::PgEnum + ?::core::marker::Sized>() {}
                #(#enum_assertions)*
            };
        }
    };
    quote! {
        #[automatically_derived]
        impl #runtime::Table for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
        }

        #enum_checks
    }
}

/// The enum type inside a field's `Option`/`Vec`, for the field named
/// `field_name`.
fn enum_candidate_type<'a>(input: &'a syn::DeriveInput, field_name: &str) -> Option<&'a syn::Type> {
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
