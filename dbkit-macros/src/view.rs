//! The expansion of `#[derive(View)]`: the `View` implementation and the compile-time checks of enum-typed fields.

use crate::runtime_path::runtime_path;
use crate::table::enum_candidate_type;
use dbkit_core::parse::{DeclaredType, diagnostics_to_compile_errors, parse_view_derive};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub(crate) fn expand_view(input: &syn::DeriveInput) -> TokenStream {
    let view = match parse_view_derive(input) {
        Ok(view) => view,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let schema = &view.name.schema;
    let name = &view.name.name;
    let materialized = view.materialized;
    let columns = view.columns.iter().map(|column| &column.name);
    let enum_assertions = view
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
        impl #runtime::View for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
            const MATERIALIZED: bool = #materialized;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
        }

        #enum_checks
    }
}
