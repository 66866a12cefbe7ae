//! The path the generated code names `dbkit-runtime` by: `::dbkit_runtime`, or the name a crate renamed it to.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::path::Path;

/// `::dbkit_runtime`, or `::db` when the crate being compiled depends on
/// `db = { package = "dbkit-runtime", ... }` (in its own manifest or, for
/// `db.workspace = true`, in the workspace's).
pub(crate) fn runtime_path() -> TokenStream {
    let name = std::env::var_os("CARGO_MANIFEST_DIR")
        .and_then(|directory| renamed_runtime_dependency(Path::new(&directory)))
        .unwrap_or_else(|| "dbkit_runtime".to_string());
    let ident = Ident::new(&name, Span::call_site());
    quote!(::#ident)
}

fn renamed_runtime_dependency(manifest_directory: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(manifest_directory.join("Cargo.toml")).ok()?;
    if let Some(name) = rename_in_manifest(&manifest) {
        return Some(name);
    }
    if !manifest.contains("workspace = true") && !manifest.contains(".workspace") {
        return None;
    }
    manifest_directory
        .ancestors()
        .skip(1)
        .find_map(|directory| {
            let text = std::fs::read_to_string(directory.join("Cargo.toml")).ok()?;
            if text.contains("[workspace]") {
                rename_in_manifest(&text)
            } else {
                None
            }
        })
}

/// The key of a dependency declared with `package = "dbkit-runtime"`, as a
/// crate name (`-` → `_`). Reads the two usual spellings line by line:
/// `db = { package = "dbkit-runtime", ... }` and a `[dependencies.db]` table.
fn rename_in_manifest(manifest: &str) -> Option<String> {
    let mut table_key: Option<&str> = None;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            table_key = line
                .trim_matches(|c| c == '[' || c == ']')
                .rsplit_once("dependencies.")
                .map(|(_, key)| key.trim());
            continue;
        }
        let names_runtime = line.contains("package") && line.contains("\"dbkit-runtime\"");
        if !names_runtime {
            continue;
        }
        let key = if line.starts_with("package") {
            table_key
        } else {
            line.split_once('=').map(|(key, _)| key.trim())
        };
        if let Some(key) = key {
            let key = key.trim_matches('"').replace('-', "_");
            if !key.is_empty()
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && key != "dbkit_runtime"
            {
                return Some(key);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::rename_in_manifest;

    #[test]
    fn renamed_dependencies() {
        for (manifest, expected) in [
            (
                "[dependencies]\ndb = { package = \"dbkit-runtime\", path = \"../x\" }\n",
                Some("db"),
            ),
            (
                "[dependencies.my-db]\npath = \"../x\"\npackage = \"dbkit-runtime\"\n",
                Some("my_db"),
            ),
            (
                "[dependencies]\ndbkit-runtime = { path = \"../x\" }\n",
                None,
            ),
            ("[dependencies]\nserde = \"1\"\n", None),
        ] {
            assert_eq!(
                rename_in_manifest(manifest).as_deref(),
                expected,
                "{manifest}"
            );
        }
    }
}
