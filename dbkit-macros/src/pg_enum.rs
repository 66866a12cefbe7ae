//! The expansion of `#[derive(PgEnum)]`: the `PgEnum` implementation and sqlx's traits for PostgreSQL.

use crate::runtime_path::runtime_path;
use dbkit_core::parse::{diagnostics_to_compile_errors, parse_enum_derive};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand_pg_enum(input: &syn::DeriveInput) -> TokenStream {
    let declaration = match parse_enum_derive(input) {
        Ok(declaration) => declaration,
        Err(diagnostics) => return diagnostics_to_compile_errors(&diagnostics),
    };
    let syn::Data::Enum(data) = &input.data else {
        return TokenStream::new();
    };
    let runtime = runtime_path();
    let sqlx = quote!(#runtime::sqlx);
    let ident = &input.ident;
    let schema = &declaration.name.schema;
    let name = &declaration.name.name;
    let sql_name = sqlx_type_name(schema, name);
    let values = &declaration.values;
    let variants: Vec<&syn::Ident> = data.variants.iter().map(|variant| &variant.ident).collect();
    quote! {
        #[automatically_derived]
        impl #runtime::PgEnum for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
            const VALUES: &'static [&'static str] = &[#(#values),*];
        }

        #[automatically_derived]
        impl #runtime::PgType for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
        }

        #[automatically_derived]
        impl #sqlx::Type<#sqlx::Postgres> for #ident {
            fn type_info() -> #sqlx::postgres::PgTypeInfo {
                #sqlx::postgres::PgTypeInfo::with_name(#sql_name)
            }
        }

        #[automatically_derived]
        impl #sqlx::postgres::PgHasArrayType for #ident {
            fn array_type_info() -> #sqlx::postgres::PgTypeInfo {
                #sqlx::postgres::PgTypeInfo::array_of(#sql_name)
            }
        }

        #[automatically_derived]
        impl<'q> #sqlx::Encode<'q, #sqlx::Postgres> for #ident {
            fn encode_by_ref(
                &self,
                buffer: &mut #sqlx::postgres::PgArgumentBuffer,
            ) -> ::core::result::Result<#sqlx::encode::IsNull, #sqlx::error::BoxDynError> {
                let label: &'static str = match self {
                    #(Self::#variants => #values,)*
                };
                <&str as #sqlx::Encode<'q, #sqlx::Postgres>>::encode(label, buffer)
            }

            fn size_hint(&self) -> usize {
                match self {
                    #(Self::#variants => #values.len(),)*
                }
            }
        }

        #[automatically_derived]
        impl<'r> #sqlx::Decode<'r, #sqlx::Postgres> for #ident {
            fn decode(
                value: #sqlx::postgres::PgValueRef<'r>,
            ) -> ::core::result::Result<Self, #sqlx::error::BoxDynError> {
                let label = <&'r str as #sqlx::Decode<'r, #sqlx::Postgres>>::decode(value)?;
                match label {
                    #(#values => ::core::result::Result::Ok(Self::#variants),)*
                    other => ::core::result::Result::Err(::std::format!(
                        "invalid value {:?} for the PostgreSQL enum {}",
                        other,
                        #sql_name
                    )
                    .into()),
                }
            }
        }
    }
}

/// The name sqlx looks the type up by (`regtype` input): `post_status` in
/// `public`, `catalog.product_status` elsewhere, with parts that are not
/// plain lowercase identifiers double-quoted.
fn sqlx_type_name(schema: &str, name: &str) -> String {
    if schema == "public" {
        quote_if_needed(name)
    } else {
        format!("{}.{}", quote_if_needed(schema), quote_if_needed(name))
    }
}

fn quote_if_needed(part: &str) -> String {
    let plain = part
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && part
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        part.to_string()
    } else {
        format!("\"{}\"", part.replace('"', "\"\""))
    }
}
