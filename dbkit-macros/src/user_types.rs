//! The expansions of `#[derive(Sequence)]`, `#[derive(Domain)]` and
//! `#[derive(CompositeType)]`: the runtime's traits, from what the parser
//! read. A composite type's fields outside the mapping table must be
//! declared types (`PgType`), checked on their own spans as a table's are.

use crate::runtime_path::runtime_path;
use crate::table::declared_type_assertions;
use dbkit_core::parse::{
    diagnostics_to_compile_errors, parse_composite_derive, parse_domain_derive,
    parse_sequence_derive,
};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand_sequence(input: &syn::DeriveInput) -> TokenStream {
    let sequence = match parse_sequence_derive(input) {
        Ok(sequence) => sequence,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let schema = &sequence.name.schema;
    let name = &sequence.name.name;
    quote! {
        #[automatically_derived]
        impl #runtime::Sequence for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
        }
    }
}

pub(crate) fn expand_domain(input: &syn::DeriveInput) -> TokenStream {
    let domain = match parse_domain_derive(input) {
        Ok(domain) => domain,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let schema = &domain.name.schema;
    let name = &domain.name.name;
    quote! {
        #[automatically_derived]
        impl #runtime::PgType for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
        }
    }
}

pub(crate) fn expand_composite(input: &syn::DeriveInput) -> TokenStream {
    let composite = match parse_composite_derive(input) {
        Ok(composite) => composite,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let runtime = runtime_path();
    let ident = &input.ident;
    let schema = &composite.name.schema;
    let name = &composite.name.name;
    let checks = declared_type_assertions(
        input,
        composite
            .attributes
            .iter()
            .map(|attribute| (&attribute.ty, attribute.field_name.as_str())),
    );
    quote! {
        #[automatically_derived]
        impl #runtime::PgType for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
        }

        #checks
    }
}
