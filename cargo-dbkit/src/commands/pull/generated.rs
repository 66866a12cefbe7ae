//! What pull generates from the database's schema: the schema modules
//! ([`module_files`], by `dbkit_core::codegen`, formatted by rustfmt), the
//! workspace's code read with them from memory ([`code_schema_with`]), and
//! the baseline migration for that code ([`baseline_of`]).

use crate::output::errors::CliError;
use crate::workspace::cache::ContentHash;
use crate::workspace::discovery::SourceFile;
use crate::workspace::schema_loading::{
    CodeSchema, FileResult, assemble_code_schema, read_in_parallel,
};
use dbkit_core::diff::{DiffOptions, diff};
use dbkit_core::model::Schema;
use dbkit_core::render::render_migration;
use dbkit_core::snapshot::{self, PrintedSchema};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

/// The name of the baseline migration: `V1__baseline.sql`.
pub const BASELINE_NAME: &str = "baseline";

/// One file of the module folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledFile {
    /// `mod.rs`, `catalog.rs` …
    pub file_name: String,
    pub source: String,
}

/// The files of the module folder and what the code generator could not
/// express.
#[derive(Debug, Clone, Default)]
pub struct ModuleFiles {
    /// The module files, then `mod.rs`.
    pub files: Vec<PulledFile>,
    /// What the code generator could not express, one sentence each
    /// (`dbkit_core::codegen::Unexpressed`).
    pub left_out: Vec<String>,
}

/// The header every file `pull` writes starts with when the generator's
/// own does not name `cargo dbkit pull`.
const PULL_HEADER: &str = "//! Written by `cargo dbkit pull` from the database's schema. Edit freely:\n//! from now on this code is the schema, and `cargo dbkit generate` writes\n//! the migrations for changes to it.\n";

/// The module files for `schema`, unformatted.
pub fn module_files(
    schema: &Schema,
    type_relatives: std::collections::BTreeMap<String, String>,
) -> ModuleFiles {
    let generated = dbkit_core::codegen::generate_modules(
        schema,
        &dbkit_core::codegen::CodegenOptions {
            type_relatives,
            ..dbkit_core::codegen::CodegenOptions::default()
        },
    );
    let mut files: Vec<PulledFile> = generated
        .files
        .into_iter()
        .map(|file| PulledFile {
            file_name: file.file_name,
            source: with_pull_header(file.source),
        })
        .collect();
    files.push(PulledFile {
        file_name: "mod.rs".to_string(),
        source: with_pull_header(generated.mod_rs),
    });
    ModuleFiles {
        files,
        left_out: generated
            .unexpressed
            .iter()
            .map(ToString::to_string)
            .collect(),
    }
}

fn with_pull_header(source: String) -> String {
    if super::out_dir::written_by_pull(&source) {
        source
    } else if source.trim_start().starts_with("//!") {
        // Its own module documentation follows pull's header.
        format!("{PULL_HEADER}//!\n{source}")
    } else {
        format!("{PULL_HEADER}\n{source}")
    }
}

/// Why rustfmt did not format a file.
#[derive(Debug, thiserror::Error)]
pub enum RustfmtError {
    #[error("rustfmt is not installed (`rustup component add rustfmt` installs it)")]
    Missing,
    #[error("rustfmt failed: {0}")]
    Failed(String),
}

/// `source` formatted by `rustfmt --edition 2024` (read from stdin, so the
/// file is written once, formatted), with the configuration found from
/// `working_directory` up.
pub fn format_with_rustfmt(source: &str, working_directory: &Path) -> Result<String, RustfmtError> {
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(working_directory)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => RustfmtError::Missing,
            _ => RustfmtError::Failed(error.to_string()),
        })?;
    let text = source.to_string();
    let writer = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        })
    });
    let output = child
        .wait_with_output()
        .map_err(|error| RustfmtError::Failed(error.to_string()))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        // A rustup proxy without the component says so on stderr.
        if stderr.contains("not installed") || stderr.contains("is not applicable") {
            return Err(RustfmtError::Missing);
        }
        return Err(RustfmtError::Failed(stderr.trim().to_string()));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| RustfmtError::Failed("its output is not UTF-8".to_string()))
}

/// The schema the workspace's code will declare once `new_files` are
/// written: the existing schema files but those in `replaced` (files the
/// new set overwrites or removes), read from disk, plus the new files read
/// from memory, parsed and resolved as `generate` reads them (with the
/// extensions `[workspace.metadata.dbkit]` lists).
pub fn code_schema_with(
    existing: &[SourceFile],
    replaced: &[&Path],
    new_files: &[(SourceFile, String)],
    workspace_extensions: &[dbkit_core::model::Extension],
) -> Result<CodeSchema, CliError> {
    let kept: Vec<SourceFile> = existing
        .iter()
        .filter(|file| !replaced.contains(&file.absolute_path.as_path()))
        .filter(|file| {
            !new_files
                .iter()
                .any(|(new, _)| new.absolute_path == file.absolute_path)
        })
        .cloned()
        .collect();
    let mut results = read_in_parallel(&kept, &AtomicBool::new(false));
    for (file, text) in new_files {
        results.push(FileResult::Read {
            file: file.clone(),
            content: ContentHash::of(text.as_bytes()),
            text: text.clone(),
        });
    }
    assemble_code_schema(results, None, workspace_extensions)
}

/// The baseline migration's two files.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// `V1__baseline.sql`.
    pub sql_file_name: String,
    pub sql: String,
    /// The snapshot's text, as `generate` writes it.
    pub snapshot_text: String,
    /// How many statements the SQL holds.
    pub statement_count: usize,
}

/// What `generate` writes for `code` on an empty migrations folder, under
/// the name `baseline`. An empty old schema has nothing to rename, so the
/// differ finds no ambiguity; `None` if it ever did.
pub fn baseline_of(code: &Schema) -> Option<Baseline> {
    let changes = diff(&Schema::default(), code, &DiffOptions::default()).ok()?;
    let rendered = render_migration(&changes);
    let sql_file_name = snapshot::migration_file_name(1, BASELINE_NAME);
    let snapshot_text = PrintedSchema::of(code).snapshot_text(1, &sql_file_name, None);
    let statement_count = rendered
        .sql
        .split("\n\n")
        .filter(|block| {
            block
                .lines()
                .any(|line| !line.trim().is_empty() && !line.starts_with("--"))
        })
        .count();
    Some(Baseline {
        sql_file_name,
        sql: rendered.sql,
        snapshot_text,
        statement_count,
    })
}

/// The database's schema as the code can declare it, for the comparison:
/// without schemas that hold no table and no enum (the code generator
/// reports those); returns their names.
pub fn without_empty_schemas(schema: &mut Schema) -> Vec<String> {
    let used = |name: &str| {
        schema.tables.iter().any(|table| table.name.schema == name)
            || schema.enums.iter().any(|item| item.name.schema == name)
            || schema
                .extensions
                .iter()
                .any(|extension| extension.schema.as_deref() == Some(name))
    };
    let (kept, empty): (Vec<String>, Vec<String>) = schema
        .schemas
        .iter()
        .cloned()
        .partition(|name| name == "public" || used(name));
    schema.schemas = kept;
    empty.into_iter().filter(|name| name != "public").collect()
}
