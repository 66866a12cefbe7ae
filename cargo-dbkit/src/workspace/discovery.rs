//! Finds the schema code of a workspace: `cargo metadata`, the members that
//! depend on dbkit-runtime, the `.rs` files of their lib and bin targets, and
//! the `[workspace.metadata.dbkit]` settings.
//!
//! Only lib and bin targets count (and proc-macro/cdylib/… libraries): code
//! of test, bench and example targets is never part of the schema, nor is a
//! crate that has dbkit-runtime only as a dev-dependency. A member that does
//! not depend on dbkit-runtime is never read at all.

use crate::output::diagnostics::{Diagnostic, SourceSpan};
use crate::workspace::schema_glob::{Glob, GlobError};
use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, Package, TargetKind};
use dbkit_core::model::{Extension, SourceLocation};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The package whose dependents hold schema code.
pub const RUNTIME_PACKAGE_NAME: &str = "dbkit-runtime";

/// Where the migrations go unless `[workspace.metadata.dbkit] migrations` says otherwise.
pub const DEFAULT_MIGRATIONS_DIRECTORY: &str = "migrations";

/// What `cargo dbkit` needs to know about a workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    /// The members that depend on dbkit-runtime, sorted by name.
    pub schema_crates: Vec<SchemaCrate>,
    /// `schema = [...]`; empty means every file of the schema crates.
    pub schema_globs: Vec<Glob>,
    /// Absolute path of the migrations folder.
    pub migrations_directory: PathBuf,
    /// Cargo's target directory for the workspace.
    pub target_directory: PathBuf,
    /// `[workspace.metadata.dbkit.lint]` as cargo metadata gives it (JSON);
    /// `Null` when absent. Read by `check` and `generate`.
    pub lint_settings: serde_json::Value,
    /// `extensions = [...]`: the extensions the workspace asks for besides
    /// those its code declares, each with its place in the root Cargo.toml.
    pub extensions: Vec<Extension>,
}

/// A member crate that depends on dbkit-runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaCrate {
    pub name: String,
    pub manifest_directory: PathBuf,
    /// Directories of the crate's lib and bin targets (each walked for `.rs` files).
    pub source_directories: Vec<PathBuf>,
}

/// A Rust file that may hold schema items.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct SourceFile {
    /// Relative to the workspace root, with `/` separators.
    pub display_path: String,
    pub absolute_path: PathBuf,
}

/// Why the workspace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("could not read the workspace with `cargo metadata`")]
    CargoMetadata { details: String },
    #[error("invalid `[workspace.metadata.dbkit]` in {manifest}: {message}")]
    InvalidSettings { manifest: String, message: String },
    #[error("invalid `[workspace.metadata.dbkit] extensions` in {}: {message}", location.file)]
    InvalidExtension {
        location: SourceLocation,
        message: String,
        help: String,
    },
    #[error("invalid glob in `[workspace.metadata.dbkit] schema`")]
    InvalidGlob { manifest: String, source: GlobError },
    #[error("could not read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl DiscoveryError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            DiscoveryError::CargoMetadata { details } => Diagnostic::error(self.to_string())
                .with_note(details.trim().to_string())
                .with_help("run `cargo metadata --no-deps` to see the problem, or pass `--manifest-path path/to/Cargo.toml`"),
            DiscoveryError::InvalidSettings { manifest, message } => {
                Diagnostic::error(format!("invalid `[workspace.metadata.dbkit]`: {message}"))
                    .in_file(manifest.clone())
                    .with_help("expected `schema = [\"crates/*/src/**/*_schema.rs\"]` (optional), `migrations = \"migrations\"` (optional) and `extensions = [\"pgcrypto\"]` (optional)")
            }
            DiscoveryError::InvalidExtension { location, message, help } => {
                Diagnostic::error(format!("invalid `[workspace.metadata.dbkit] extensions`: {message}"))
                    .with_span(SourceSpan {
                        file: location.file.clone(),
                        line: location.line,
                        column: location.column,
                        length: 1,
                        label: None,
                    })
                    .with_help(help.clone())
            }
            DiscoveryError::InvalidGlob { manifest, source } => Diagnostic::error(source.to_string())
                .in_file(manifest.clone())
                .with_help("globs are relative to the workspace root: `*` and `?` within a folder, `**` for any depth"),
            DiscoveryError::Io { path, source } => Diagnostic::error(format!("could not read {path}"))
                .with_note(source.to_string()),
        }
    }
}

/// Runs `cargo metadata --no-deps` (for `manifest_path` when given) and reads the workspace.
pub fn load_workspace(manifest_path: Option<&Path>) -> Result<Workspace, DiscoveryError> {
    let mut command = MetadataCommand::new();
    command.no_deps();
    if let Some(manifest_path) = manifest_path {
        command.manifest_path(manifest_path);
    }
    tracing::debug!(?manifest_path, "running cargo metadata");
    let metadata = command
        .exec()
        .map_err(|error| DiscoveryError::CargoMetadata {
            details: match error {
                cargo_metadata::Error::CargoMetadata { stderr } => stderr,
                other => other.to_string(),
            },
        })?;
    workspace_from_metadata(&metadata)
}

/// Reads a workspace out of `cargo metadata` output.
pub fn workspace_from_metadata(metadata: &Metadata) -> Result<Workspace, DiscoveryError> {
    let root = metadata.workspace_root.clone().into_std_path_buf();
    let manifest_display = "Cargo.toml".to_string();
    // Only to point at the lines of `extensions` entries.
    let manifest_text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let settings = read_settings(
        &metadata.workspace_metadata,
        &manifest_display,
        &manifest_text,
    )?;
    let mut schema_crates: Vec<SchemaCrate> = metadata
        .workspace_packages()
        .into_iter()
        .filter(|package| depends_on_runtime(package))
        .map(schema_crate)
        .collect();
    schema_crates.sort_by(|a, b| a.name.cmp(&b.name));
    let migrations_directory = root.join(&settings.migrations);
    let target_directory = metadata.target_directory.clone().into_std_path_buf();
    Ok(Workspace {
        root,
        schema_crates,
        schema_globs: settings.schema_globs,
        migrations_directory,
        target_directory,
        lint_settings: settings.lint,
        extensions: settings.extensions,
    })
}

struct Settings {
    schema_globs: Vec<Glob>,
    migrations: String,
    lint: serde_json::Value,
    extensions: Vec<Extension>,
}

fn read_settings(
    workspace_metadata: &serde_json::Value,
    manifest: &str,
    manifest_text: &str,
) -> Result<Settings, DiscoveryError> {
    let invalid = |message: String| DiscoveryError::InvalidSettings {
        manifest: manifest.to_string(),
        message,
    };
    let mut settings = Settings {
        schema_globs: Vec::new(),
        migrations: DEFAULT_MIGRATIONS_DIRECTORY.to_string(),
        lint: serde_json::Value::Null,
        extensions: Vec::new(),
    };
    let Some(dbkit) = workspace_metadata.get("dbkit") else {
        return Ok(settings);
    };
    let Some(table) = dbkit.as_object() else {
        return Err(invalid("`dbkit` must be a table".to_string()));
    };
    for (key, value) in table {
        match key.as_str() {
            "schema" => {
                let patterns: Vec<&str> = match value {
                    serde_json::Value::String(single) => vec![single.as_str()],
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|item| {
                            item.as_str().ok_or_else(|| {
                                invalid("`schema` must be a list of glob strings".to_string())
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    _ => {
                        return Err(invalid(
                            "`schema` must be a list of glob strings".to_string(),
                        ));
                    }
                };
                for pattern in patterns {
                    let glob =
                        Glob::new(pattern).map_err(|source| DiscoveryError::InvalidGlob {
                            manifest: manifest.to_string(),
                            source,
                        })?;
                    settings.schema_globs.push(glob);
                }
            }
            "migrations" => {
                let Some(folder) = value.as_str().filter(|folder| !folder.trim().is_empty()) else {
                    return Err(invalid(
                        "`migrations` must be a folder path relative to the workspace root"
                            .to_string(),
                    ));
                };
                settings.migrations = folder.to_string();
            }
            "lint" => {
                if !value.is_object() {
                    return Err(invalid(
                        "`lint` must be a table of rule ids and severities, e.g. `[workspace.metadata.dbkit.lint]`".to_string(),
                    ));
                }
                settings.lint = value.clone();
            }
            "extensions" => {
                settings.extensions = read_extensions(value, manifest, manifest_text)?;
            }
            other => tracing::warn!("ignoring unknown key `{other}` in [workspace.metadata.dbkit]"),
        }
    }
    Ok(settings)
}

/// What to write for `extensions`, in the help of its errors.
const EXTENSIONS_HELP: &str = "write `extensions = [\"pgcrypto\", { name = \"citext\", schema = \"public\" }]`: each entry an extension's name, or a table with `name` and optionally `schema`";

/// The entries of `extensions = [...]`: a name, or `{ name, schema }`.
fn read_extensions(
    value: &serde_json::Value,
    manifest: &str,
    manifest_text: &str,
) -> Result<Vec<Extension>, DiscoveryError> {
    let places = ManifestPlaces::new(manifest, manifest_text);
    let invalid = |location: SourceLocation, message: String| DiscoveryError::InvalidExtension {
        location,
        message,
        help: EXTENSIONS_HELP.to_string(),
    };
    let Some(entries) = value.as_array() else {
        return Err(invalid(
            places.key(),
            "`extensions` must be a list".to_string(),
        ));
    };
    let mut extensions: Vec<Extension> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let number = index + 1;
        let (name, schema) = match entry {
            serde_json::Value::String(name) => (name.clone(), None),
            serde_json::Value::Object(table) => {
                if let Some(unknown) = table.keys().find(|key| *key != "name" && *key != "schema") {
                    return Err(invalid(
                        places.entry(None),
                        format!(
                            "entry {number} has an unknown key `{unknown}` (an entry takes `name` and `schema`)"
                        ),
                    ));
                }
                let Some(name) = table.get("name").and_then(|name| name.as_str()) else {
                    return Err(invalid(
                        places.entry(None),
                        format!("entry {number} has no `name` string"),
                    ));
                };
                let schema = match table.get("schema") {
                    None => None,
                    Some(serde_json::Value::String(schema)) if !schema.trim().is_empty() => {
                        Some(schema.clone())
                    }
                    Some(_) => {
                        return Err(invalid(
                            places.entry(Some(name)),
                            format!("the `schema` of `{name}` must be a schema's name"),
                        ));
                    }
                };
                (name.to_string(), schema)
            }
            other => {
                return Err(invalid(
                    places.entry(None),
                    format!("entry {number} is {other}, not an extension's name or a table"),
                ));
            }
        };
        let location = places.entry(Some(&name));
        if name.trim().is_empty() {
            return Err(invalid(
                location,
                format!("entry {number} has an empty name"),
            ));
        }
        if extensions.iter().any(|extension| extension.name == name) {
            return Err(invalid(location, format!("`{name}` is listed twice")));
        }
        extensions.push(Extension {
            schema,
            source: Some(location),
            ..Extension::new(name)
        });
    }
    Ok(extensions)
}

/// Finds the lines of `extensions` and its entries in the root Cargo.toml
/// (cargo metadata gives the values, not where they are written); the
/// file's first line when the text does not show them.
struct ManifestPlaces<'t> {
    manifest: &'t str,
    lines: Vec<&'t str>,
    /// 0-based line of the `extensions` key.
    key_line: Option<usize>,
}

impl<'t> ManifestPlaces<'t> {
    fn new(manifest: &'t str, text: &'t str) -> ManifestPlaces<'t> {
        let lines: Vec<&str> = text.lines().collect();
        let mut in_dbkit = false;
        let mut key_line = None;
        for (number, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('[') && !trimmed.starts_with("[[") {
                let header: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
                in_dbkit = header.starts_with("[workspace.metadata.dbkit]");
                continue;
            }
            let key = trimmed
                .strip_prefix("dbkit.")
                .filter(|_| !in_dbkit)
                .or(in_dbkit.then_some(trimmed));
            let is_key = key
                .and_then(|key| key.strip_prefix("extensions"))
                .is_some_and(|rest| rest.trim_start().starts_with('='));
            if is_key {
                key_line = Some(number);
                break;
            }
        }
        ManifestPlaces {
            manifest,
            lines,
            key_line,
        }
    }

    fn at(&self, line: usize, column: usize) -> SourceLocation {
        SourceLocation {
            file: self.manifest.to_string(),
            line: line + 1,
            column: column + 1,
        }
    }

    /// Where `extensions =` is written.
    fn key(&self) -> SourceLocation {
        let line = self.key_line.unwrap_or(0);
        let column = self
            .lines
            .get(line)
            .map_or(0, |text| text.len() - text.trim_start().len());
        self.at(line, column)
    }

    /// Where the entry naming `name` is written: its name's first quoted
    /// occurrence from the `extensions` key on (the key's place otherwise).
    fn entry(&self, name: Option<&str>) -> SourceLocation {
        let (Some(key_line), Some(name)) = (self.key_line, name) else {
            return self.key();
        };
        for quote in ['"', '\''] {
            let quoted = format!("{quote}{name}{quote}");
            for (number, line) in self.lines.iter().enumerate().skip(key_line) {
                if let Some(column) = line.find(&quoted) {
                    return self.at(number, column);
                }
            }
        }
        self.key()
    }
}

/// Whether a package has dbkit-runtime as a normal dependency (also when renamed,
/// `db = { package = "dbkit-runtime", … }`: cargo reports the package name).
pub fn depends_on_runtime(package: &Package) -> bool {
    package.dependencies.iter().any(|dependency| {
        dependency.name == RUNTIME_PACKAGE_NAME && dependency.kind == DependencyKind::Normal
    })
}

fn is_schema_target_kind(kind: &TargetKind) -> bool {
    matches!(
        kind,
        TargetKind::Lib
            | TargetKind::Bin
            | TargetKind::RLib
            | TargetKind::DyLib
            | TargetKind::CDyLib
            | TargetKind::StaticLib
            | TargetKind::ProcMacro
    )
}

fn schema_crate(package: &Package) -> SchemaCrate {
    let manifest_directory = package
        .manifest_path
        .parent()
        .map(|parent| parent.to_path_buf().into_std_path_buf())
        .unwrap_or_default();
    let mut source_directories: Vec<PathBuf> = package
        .targets
        .iter()
        .filter(|target| target.kind.iter().any(is_schema_target_kind))
        .filter_map(|target| {
            target
                .src_path
                .parent()
                .map(|parent| parent.to_path_buf().into_std_path_buf())
        })
        .collect();
    source_directories.sort();
    source_directories.dedup();
    // `src/` already covers `src/bin/`.
    let covered: Vec<PathBuf> = source_directories.clone();
    source_directories.retain(|directory| {
        !covered
            .iter()
            .any(|other| other != directory && directory.starts_with(other))
    });
    SchemaCrate {
        name: package.name.to_string(),
        manifest_directory,
        source_directories,
    }
}

/// Every `.rs` file of the schema crates that the `schema` globs (if any) keep,
/// sorted by path.
pub fn schema_source_files(workspace: &Workspace) -> Result<Vec<SourceFile>, DiscoveryError> {
    let mut files = BTreeSet::new();
    for schema_crate in &workspace.schema_crates {
        for directory in &schema_crate.source_directories {
            let at_package_root = directory == &schema_crate.manifest_directory;
            collect_rust_files(directory, at_package_root, &mut |path| {
                let display_path = display_path(&workspace.root, &path);
                let kept = workspace.schema_globs.is_empty()
                    || workspace
                        .schema_globs
                        .iter()
                        .any(|glob| glob.matches(&display_path));
                if kept {
                    files.insert(SourceFile {
                        display_path,
                        absolute_path: path,
                    });
                }
            })?;
        }
    }
    Ok(files.into_iter().collect())
}

/// The path relative to the workspace root with `/` separators, or the path
/// itself when it lies elsewhere.
pub fn display_path(root: &Path, path: &Path) -> String {
    let Ok(relative) = path.strip_prefix(root) else {
        return path.to_string_lossy().into_owned();
    };
    relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn collect_rust_files(
    directory: &Path,
    at_package_root: bool,
    found: &mut dyn FnMut(PathBuf),
) -> Result<(), DiscoveryError> {
    let io_error = |source| DiscoveryError::Io {
        path: directory.display().to_string(),
        source,
    };
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        // A target whose folder is gone (cargo would fail to build it anyway).
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(io_error(error)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(entry.map_err(io_error)?.path());
    }
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            let skipped_at_root =
                at_package_root && matches!(name.as_str(), "tests" | "benches" | "examples");
            if name == "target" || skipped_at_root || path.join("Cargo.toml").exists() {
                continue;
            }
            collect_rust_files(&path, false, found)?;
        } else if name.ends_with(".rs") {
            found(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(json: serde_json::Value) -> Metadata {
        match serde_json::from_value(json) {
            Ok(metadata) => metadata,
            Err(error) => panic!("bad test metadata: {error}"),
        }
    }

    fn package(
        name: &str,
        dependencies: serde_json::Value,
        targets: serde_json::Value,
    ) -> serde_json::Value {
        serde_json::json!({
            "name": name, "version": "0.1.0", "id": format!("path+file:///w/{name}#0.1.0"),
            "dependencies": dependencies, "targets": targets, "features": {},
            "manifest_path": format!("/w/{name}/Cargo.toml"), "edition": "2024",
            "authors": [], "categories": [], "keywords": [], "metadata": null,
            "source": null, "description": null, "license": null, "license_file": null,
            "readme": null, "repository": null, "homepage": null, "documentation": null,
            "links": null, "publish": null, "default_run": null, "rust_version": null
        })
    }

    fn dependency(name: &str, rename: Option<&str>, kind: Option<&str>) -> serde_json::Value {
        serde_json::json!({
            "name": name, "source": null, "req": "*", "kind": kind, "rename": rename,
            "optional": false, "uses_default_features": true, "features": [],
            "target": null, "registry": null
        })
    }

    fn target(name: &str, kind: &str, src_path: &str) -> serde_json::Value {
        serde_json::json!({
            "name": name, "kind": [kind], "crate_types": [kind], "required-features": [],
            "src_path": src_path, "edition": "2024", "doctest": false, "test": true, "doc": true
        })
    }

    fn workspace_json(
        packages: Vec<serde_json::Value>,
        dbkit: serde_json::Value,
    ) -> serde_json::Value {
        let ids: Vec<serde_json::Value> = packages.iter().map(|p| p["id"].clone()).collect();
        serde_json::json!({
            "packages": packages, "workspace_members": ids, "workspace_default_members": [],
            "resolve": null, "workspace_root": "/w", "target_directory": "/w/target",
            "metadata": { "dbkit": dbkit }, "version": 1
        })
    }

    #[test]
    fn keeps_members_that_depend_on_the_runtime_even_renamed() {
        let json = workspace_json(
            vec![
                package(
                    "plain",
                    serde_json::json!([dependency("dbkit-runtime", None, None)]),
                    serde_json::json!([target("plain", "lib", "/w/plain/src/lib.rs")]),
                ),
                package(
                    "renamed",
                    serde_json::json!([dependency("dbkit-runtime", Some("db"), None)]),
                    serde_json::json!([
                        target("renamed", "lib", "/w/renamed/src/lib.rs"),
                        target("tool", "bin", "/w/renamed/src/bin/tool.rs"),
                        target("it", "test", "/w/renamed/tests/it.rs"),
                    ]),
                ),
                package(
                    "only_dev",
                    serde_json::json!([dependency("dbkit-runtime", None, Some("dev"))]),
                    serde_json::json!([target("only_dev", "lib", "/w/only_dev/src/lib.rs")]),
                ),
                package(
                    "other",
                    serde_json::json!([]),
                    serde_json::json!([target("other", "lib", "/w/other/src/lib.rs")]),
                ),
            ],
            serde_json::json!({ "migrations": "db/migrations" }),
        );
        let workspace = workspace_from_metadata(&metadata(json)).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = workspace
            .schema_crates
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["plain", "renamed"]);
        assert_eq!(
            workspace.schema_crates[1].source_directories,
            [PathBuf::from("/w/renamed/src")]
        );
        assert_eq!(
            workspace.migrations_directory,
            PathBuf::from("/w/db/migrations")
        );
    }

    #[test]
    fn rejects_malformed_settings() {
        for dbkit in [
            serde_json::json!({ "schema": 3 }),
            serde_json::json!({ "migrations": "" }),
            serde_json::json!({ "schema": ["/abs"] }),
        ] {
            let json = workspace_json(vec![], dbkit);
            assert!(workspace_from_metadata(&metadata(json)).is_err());
        }
    }

    #[test]
    fn display_paths_are_relative_with_slashes() {
        assert_eq!(
            display_path(Path::new("/w"), Path::new("/w/a/src/x.rs")),
            "a/src/x.rs"
        );
        assert_eq!(
            display_path(Path::new("/w"), Path::new("/elsewhere/x.rs")),
            "/elsewhere/x.rs"
        );
    }
}
