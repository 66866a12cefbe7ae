//! The expansions of `#[derive(Extension)]` and `#[derive(SqlObject)]`:
//! constants naming what the struct stands for.

use crate::runtime_path::runtime_path;
use dbkit_core::parse::{
    diagnostics_to_compile_errors, parse_extension_derive, parse_sql_object_derive,
};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand_extension(input: &syn::DeriveInput) -> TokenStream {
    let extension = match parse_extension_derive(input) {
        Ok(extension) => extension,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let name = &extension.name;
    quote! {
        #[automatically_derived]
        impl #runtime::Extension for #ident {
            const NAME: &'static str = #name;
        }
    }
}

pub(crate) fn expand_sql_object(input: &syn::DeriveInput) -> TokenStream {
    let object = match parse_sql_object_derive(input) {
        Ok(object) => object,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let kind = &object.kind;
    let identity = &object.identity;
    quote! {
        #[automatically_derived]
        impl #runtime::SqlObject for #ident {
            const KIND: &'static str = #kind;
            const IDENTITY: &'static str = #identity;
        }
    }
}
