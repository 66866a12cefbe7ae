//! `embed_migrations!("dir")`: the migration folder of the calling crate, read at compile time by include_dir.

use crate::runtime_path::runtime_path;
use proc_macro2::TokenStream;
use quote::quote;
use std::path::PathBuf;

/// Expands to a `Migrations` built from the folder `input` names, a string
/// literal relative to the calling crate's manifest directory.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let literal: syn::LitStr = match syn::parse2(input) {
        Ok(literal) => literal,
        Err(error) => return error.to_compile_error(),
    };
    let Some(manifest_directory) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return syn::Error::new(
            literal.span(),
            "CARGO_MANIFEST_DIR is not set: build with cargo",
        )
        .to_compile_error();
    };
    let directory = PathBuf::from(manifest_directory).join(literal.value());
    if !directory.is_dir() {
        let message = format!(
            "migration folder `{}` does not exist (the path is relative to the crate's Cargo.toml)",
            directory.display()
        );
        return syn::Error::new(literal.span(), message).to_compile_error();
    }
    let Some(directory) = directory.to_str() else {
        return syn::Error::new(literal.span(), "the migration folder's path is not UTF-8")
            .to_compile_error();
    };
    let runtime = runtime_path();
    quote! {
        {
            use #runtime::__private::include_dir;
            static DIRECTORY: include_dir::Dir<'static> = include_dir::include_dir!(#directory);
            #runtime::Migrations::__from_embedded_directory(&DIRECTORY)
        }
    }
}
