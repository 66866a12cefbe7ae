//! The expansion of `#[derive(Function)]`: the `Function` implementation.

use crate::runtime_path::runtime_path;
use dbkit_core::parse::{diagnostics_to_compile_errors, parse_function_derive};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand_function(input: &syn::DeriveInput) -> TokenStream {
    let declaration = match parse_function_derive(input) {
        Ok(declaration) => declaration,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let schema = &declaration.function.name.schema;
    let name = &declaration.function.name.name;
    let procedure = declaration.function.procedure;
    quote! {
        #[automatically_derived]
        impl #impl_generics #runtime::Function for #ident #type_generics #where_clause {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
            const PROCEDURE: bool = #procedure;
        }
    }
}
