//! `embed_migrations!("dir")`: the migration folder of the calling crate, read at compile time by include_dir
//! once the folder's symbolic links pass the rule `dbkit-migrations-folder` holds.

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
    // include_dir follows every link and panics on a dangling one or loops
    // forever; the rule the run-time reader follows is checked first.
    if let Some(refused) = dbkit_migrations_folder::refused_links(&directory)
        .into_iter()
        .next()
    {
        let message = format!(
            "in the migration folder `{}`, {refused}\n  = help: {}",
            directory.display(),
            refused.help()
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

#[cfg(all(test, unix))]
mod tests {
    use super::expand;
    use quote::quote;
    use std::os::unix::fs::symlink;

    fn expansion(folder: &std::path::Path) -> String {
        let path = folder.to_str().expect("UTF-8 path");
        expand(quote!(#path)).to_string()
    }

    #[test]
    fn links_the_run_time_reader_refuses_stop_the_build_with_a_clear_error() {
        let outside = tempfile::tempdir().expect("temporary folder");
        std::fs::write(outside.path().join("V2__x.sql"), "SELECT 2;").expect("write");
        for (link, target, words) in [
            (
                "V2__outside.sql",
                outside.path().join("V2__x.sql"),
                "points outside the migration folder",
            ),
            ("V3__loop.sql", "V3__loop.sql".into(), "loops"),
            (
                "V4__dangling.sql",
                "gone.sql".into(),
                "which does not exist",
            ),
        ] {
            let folder = tempfile::tempdir().expect("temporary folder");
            std::fs::write(folder.path().join("V1__a.sql"), "SELECT 1;").expect("write");
            symlink(&target, folder.path().join(link)).expect("link");
            let expanded = expansion(folder.path());
            assert!(expanded.contains("compile_error"), "{expanded}");
            assert!(
                expanded.contains(link) && expanded.contains(words),
                "{expanded}"
            );
            assert!(!expanded.contains("include_dir !"), "{expanded}");
        }
    }

    #[test]
    fn links_inside_the_folder_are_embedded() {
        let folder = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir(folder.path().join("shared")).expect("folder");
        std::fs::write(folder.path().join("shared/one.sql"), "SELECT 1;").expect("write");
        symlink("shared/one.sql", folder.path().join("V1__linked.sql")).expect("link");
        let expanded = expansion(folder.path());
        assert!(!expanded.contains("compile_error"), "{expanded}");
        assert!(expanded.contains("include_dir !"), "{expanded}");
    }
}
