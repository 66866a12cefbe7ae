//! Where `pull` writes the schema modules: a module folder inside a
//! member crate that depends on dbkit-runtime, under one of the folders
//! discovery walks, so that `generate` reads the files back.
//!
//! Everything here is decided before anything is written: the folder's
//! crate, its module name, which files in it an earlier `pull` wrote (their
//! `//!` header says so, and only those are replaced or removed; anything
//! else in the folder stops pull, since the `mod.rs` it writes would not
//! declare it), whether the `schema` globs of `[workspace.metadata.dbkit]`
//! keep the new files, and whether the crate declares the module yet.

use crate::output::diagnostics::Diagnostic;
use crate::workspace::discovery::{SchemaCrate, Workspace, display_path};
use std::path::{Component, Path, PathBuf};

/// What a file's `//!` header says when `pull` wrote it.
pub const PULL_HEADER_MARKER: &str = "cargo dbkit pull";

/// The module folder `--out` names, checked.
#[derive(Debug, Clone)]
pub struct OutputFolder {
    /// Absolute, with symbolic links of its existing part resolved.
    pub directory: PathBuf,
    /// Relative to the workspace root, with `/`.
    pub display: String,
    /// The crate it belongs to.
    pub crate_name: String,
    /// The module the folder is: its last component.
    pub module_name: String,
    /// The files that declare the folder's parent module (`src/lib.rs` and
    /// `src/main.rs`, or `src/a.rs` and `src/a/mod.rs` for `src/a/schema`),
    /// those that exist first.
    pub parent_module_files: Vec<PathBuf>,
}

/// Checks `--out` (relative to the current folder when not absolute).
pub fn locate_output_folder(
    workspace: &Workspace,
    out: &Path,
    current_directory: &Path,
) -> Result<OutputFolder, Box<Diagnostic>> {
    let given = out.display().to_string();
    let absolute = if out.is_absolute() {
        out.to_path_buf()
    } else {
        current_directory.join(out)
    };
    let directory = resolve_existing_part(&lexically_normal(&absolute));
    let root = resolve_existing_part(&workspace.root);
    let display = display_path(&root, &directory);
    if directory.exists() && !directory.is_dir() {
        return Err(Box::new(
            Diagnostic::error(format!("`--out {given}` is a file, not a folder"))
                .with_help("name the module folder to write, e.g. `crates/app/src/schema`"),
        ));
    }
    let Some((schema_crate, source_directory)) = workspace
        .schema_crates
        .iter()
        .flat_map(|schema_crate| {
            schema_crate
                .source_directories
                .iter()
                .map(move |source| (schema_crate, resolve_existing_part(source)))
        })
        .filter(|(_, source)| directory.starts_with(source) && directory != *source)
        .max_by_key(|(_, source)| source.components().count())
    else {
        return Err(Box::new(outside_schema_crates(
            workspace, &root, &given, &directory,
        )));
    };
    let relative: Vec<String> = directory
        .strip_prefix(&source_directory)
        .map(|relative| {
            relative
                .components()
                .map(|component| component.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if let Some(hidden) = relative
        .iter()
        .find(|name| name.starts_with('.') || name.as_str() == "target")
    {
        return Err(Box::new(
            Diagnostic::error(format!(
                "`--out {given}` lies under `{hidden}`, a folder `cargo dbkit` never reads"
            ))
            .with_help("choose a module folder of the crate's sources, e.g. `src/schema`"),
        ));
    }
    let module_name = relative.last().cloned().unwrap_or_default();
    if !is_module_name(&module_name) {
        return Err(Box::new(Diagnostic::error(format!(
            "`{module_name}` cannot be a Rust module name, so `--out {given}` cannot be a module folder"
        ))
        .with_help("name the folder in snake_case, e.g. `schema` or `db_schema`")));
    }
    let parent = directory
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| source_directory.clone());
    let mut parent_module_files = if parent == source_directory {
        vec![parent.join("lib.rs"), parent.join("main.rs")]
    } else {
        let mut files = Vec::new();
        if let (Some(grandparent), Some(name)) = (parent.parent(), parent.file_name()) {
            let mut file_name = name.to_os_string();
            file_name.push(".rs");
            files.push(grandparent.join(file_name));
        }
        files.push(parent.join("mod.rs"));
        files
    };
    parent_module_files.sort_by_key(|path| !path.is_file());
    Ok(OutputFolder {
        display: if display.is_empty() {
            ".".to_string()
        } else {
            display
        },
        directory,
        crate_name: schema_crate.name.clone(),
        module_name,
        parent_module_files,
    })
}

fn outside_schema_crates(
    workspace: &Workspace,
    root: &Path,
    given: &str,
    directory: &Path,
) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(format!(
        "`--out {given}` is not a module folder inside a crate that depends on dbkit-runtime"
    ));
    if workspace.schema_crates.is_empty() {
        diagnostic = diagnostic.with_note("no member of the workspace depends on dbkit-runtime");
    }
    for schema_crate in &workspace.schema_crates {
        diagnostic = diagnostic.with_note(format!(
            "`{}` holds its sources in {}",
            schema_crate.name,
            source_folders(schema_crate, root)
        ));
    }
    if directory.starts_with(root) {
        diagnostic.with_help(
            "add `dbkit-runtime` to the [dependencies] of the crate the folder belongs to, or pass a folder under one of the crates above, e.g. `crates/app/src/schema`",
        )
    } else {
        diagnostic.with_help("pass a folder inside the workspace, e.g. `crates/app/src/schema`")
    }
}

fn source_folders(schema_crate: &SchemaCrate, root: &Path) -> String {
    schema_crate
        .source_directories
        .iter()
        .map(|directory| format!("`{}/`", display_path(root, directory)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other.as_os_str()),
        }
    }
    normal
}

/// The path with its longest existing ancestor canonicalized (symbolic
/// links resolved, as `cargo metadata` gives paths), the rest appended.
fn resolve_existing_part(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut resolved = canonical;
            for name in rest.iter().rev() {
                resolved.push(name);
            }
            return resolved;
        }
        match (
            existing.file_name().map(|name| name.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Whether `name` can name a module declared by `mod name;`.
pub fn is_module_name(name: &str) -> bool {
    let mut characters = name.chars();
    let starts_well = characters
        .next()
        .is_some_and(|first| first == '_' || first.is_ascii_lowercase());
    starts_well
        && name != "_"
        && name.chars().all(|character| {
            character == '_' || character.is_ascii_lowercase() || character.is_ascii_digit()
        })
        && !RUST_KEYWORDS.contains(&name)
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Whether a file's text starts with `pull`'s `//!` header.
pub fn written_by_pull(text: &str) -> bool {
    text.lines()
        .take_while(|line| line.trim_start().starts_with("//!"))
        .any(|line| line.contains(PULL_HEADER_MARKER))
}

/// The files of the folder that an earlier `pull` wrote, and everything
/// else in it (files and subfolders), by absolute path, sorted. Names
/// starting with `.` (`.gitkeep`, pull's own temporary files) are left out.
#[derive(Debug, Default)]
pub struct ExistingFiles {
    pub written_by_pull: Vec<PathBuf>,
    pub foreign: Vec<PathBuf>,
}

/// Reads the folder's entries; a missing folder has none.
pub fn existing_files(directory: &Path) -> std::io::Result<ExistingFiles> {
    let mut existing = ExistingFiles::default();
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(existing),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let by_pull = entry.file_type()?.is_file()
            && name.ends_with(".rs")
            && std::fs::read_to_string(&path).is_ok_and(|text| written_by_pull(&text));
        if by_pull {
            existing.written_by_pull.push(path);
        } else {
            existing.foreign.push(path);
        }
    }
    existing.written_by_pull.sort();
    existing.foreign.sort();
    Ok(existing)
}

/// The display paths the `schema` globs do not keep (none when there are
/// no globs: then every file of the schema crates is read).
pub fn outside_schema_globs<'a>(
    workspace: &Workspace,
    display_paths: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    if workspace.schema_globs.is_empty() {
        return Vec::new();
    }
    display_paths
        .into_iter()
        .filter(|path| !workspace.schema_globs.iter().any(|glob| glob.matches(path)))
        .collect()
}

/// Whether `text` (a crate root or module file) declares `mod name`,
/// `pub mod name`, `pub(crate) mod name` …, followed by `;` or `{`.
pub fn declares_module(text: &str, name: &str) -> bool {
    let needle = format!("mod {name}");
    text.match_indices(&needle).any(|(start, _)| {
        let before_ok = text[..start]
            .chars()
            .next_back()
            .is_none_or(|character| character.is_whitespace() || character == ')');
        let after = text[start + needle.len()..].trim_start();
        before_ok && (after.starts_with(';') || after.starts_with('{'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_are_snake_case_and_no_keyword() {
        assert!(is_module_name("schema"));
        assert!(is_module_name("db_schema2"));
        assert!(!is_module_name("Schema"));
        assert!(!is_module_name("my-schema"));
        assert!(!is_module_name("type"));
        assert!(!is_module_name("2d"));
        assert!(!is_module_name(""));
    }

    #[test]
    fn module_declarations_are_found() {
        assert!(declares_module("mod schema;\n", "schema"));
        assert!(declares_module("pub mod schema ;", "schema"));
        assert!(declares_module("pub(crate) mod schema;", "schema"));
        assert!(!declares_module("mod schemas;", "schema"));
        assert!(!declares_module("// mod my_schema;", "schema"));
        assert!(!declares_module("", "schema"));
    }

    #[test]
    fn pull_headers_are_recognised() {
        assert!(written_by_pull(
            "//! Written by `cargo dbkit pull` from the database.\nuse x;\n"
        ));
        assert!(!written_by_pull("//! Hand-written.\n// cargo dbkit pull\n"));
        assert!(!written_by_pull("use x;\n"));
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(
            lexically_normal(Path::new("/w/./a/../b/src")),
            PathBuf::from("/w/b/src")
        );
    }
}
