//! Reads and parses the schema files on all cores, then resolves them into one
//! schema model; errors come back as diagnostics with the texts they point into.
//!
//! Reading and parsing ([`read_and_parse_in_parallel`]) is separate from
//! assembling the results ([`assemble_code_schema`]), so that files can be
//! parsed before `cargo metadata` has confirmed them (see `generate_inputs`).

use crate::diagnostics::{Diagnostic, Note, SourceSpan, SourceTexts};
use crate::discovery::SourceFile;
use crate::errors::CliError;
use dbkit_core::model::{Schema, SourceLocation};
use dbkit_core::parse::{Declaration, SchemaError};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The schema the code declares.
#[derive(Debug, Clone)]
pub struct CodeSchema {
    pub schema: Schema,
    /// How many files were handed to the parser.
    pub parsed_file_count: usize,
    /// The parsed files' text, for diagnostics that point into them later.
    pub sources: SourceTexts,
}

/// What reading and parsing one file gave.
#[derive(Debug)]
pub enum FileResult {
    Skipped,
    Parsed {
        display_path: String,
        text: String,
        declarations: Result<Vec<Declaration>, Vec<SchemaError>>,
    },
    Unreadable {
        display_path: String,
        error: std::io::Error,
    },
}

/// Whether a file can hold schema items at all: a schema item derives `Table`
/// or `PgEnum`, so a file that mentions neither is not handed to syn.
pub fn may_declare_schema_items(text: &str) -> bool {
    text.contains("Table") || text.contains("PgEnum")
}

/// Reads, parses and resolves the files.
pub fn load_code_schema(files: &[SourceFile]) -> Result<CodeSchema, CliError> {
    let never_cancelled = AtomicBool::new(false);
    assemble_code_schema(read_and_parse_in_parallel(files, &never_cancelled))
}

/// Resolves the results of reading and parsing the files (in the files'
/// order) into the schema, or the diagnostics of every file in error.
pub fn assemble_code_schema(results: Vec<FileResult>) -> Result<CodeSchema, CliError> {
    let mut sources = SourceTexts::new();
    let mut declarations = Vec::new();
    let mut diagnostics = Vec::new();
    let mut parsed_file_count = 0;
    for result in results {
        match result {
            FileResult::Skipped => {}
            FileResult::Unreadable {
                display_path,
                error,
            } => diagnostics.push(
                Diagnostic::error(format!("could not read {display_path}"))
                    .in_file(display_path)
                    .with_note(error.to_string()),
            ),
            FileResult::Parsed {
                display_path,
                text,
                declarations: parsed,
            } => {
                parsed_file_count += 1;
                match parsed {
                    Ok(found) => declarations.extend(found),
                    Err(errors) => {
                        diagnostics.extend(errors.iter().map(schema_error_to_diagnostic))
                    }
                }
                sources.insert(display_path, text);
            }
        }
    }
    if !diagnostics.is_empty() {
        return Err(CliError::Schema {
            diagnostics,
            sources,
        });
    }
    tracing::info!(
        files = parsed_file_count,
        items = declarations.len(),
        "parsed the schema code"
    );
    match dbkit_core::resolve::resolve_schema(declarations) {
        Ok(schema) => Ok(CodeSchema {
            schema,
            parsed_file_count,
            sources,
        }),
        Err(errors) => {
            let mut diagnostics: Vec<Diagnostic> =
                errors.iter().map(schema_error_to_diagnostic).collect();
            diagnostics.sort_by_key(span_order);
            Err(CliError::Schema {
                diagnostics,
                sources,
            })
        }
    }
}

fn span_order(diagnostic: &Diagnostic) -> (String, usize, usize) {
    diagnostic
        .span
        .as_ref()
        .map(|s| (s.file.clone(), s.line, s.column))
        .unwrap_or_default()
}

/// Reads and parses `files` on all cores, each worker taking the next file
/// not yet taken; the results come back in the files' order. Once `cancelled`
/// is set, files not yet started are left out.
pub fn read_and_parse_in_parallel(files: &[SourceFile], cancelled: &AtomicBool) -> Vec<FileResult> {
    let thread_count = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len())
        .max(1);
    let next_file = AtomicUsize::new(0);
    let mut results: Vec<(usize, FileResult)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..thread_count)
            .map(|_| {
                let next_file = &next_file;
                scope.spawn(move || {
                    let mut results = Vec::new();
                    while !cancelled.load(Ordering::Relaxed) {
                        let index = next_file.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(index) else { break };
                        results.push((index, read_and_parse(file)));
                    }
                    results
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(results) => results,
                // The parser does not panic; if it ever did, resume the panic
                // here rather than silently dropping files.
                Err(payload) => std::panic::resume_unwind(payload),
            })
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

fn read_and_parse(file: &SourceFile) -> FileResult {
    let text = match std::fs::read_to_string(&file.absolute_path) {
        Ok(text) => text,
        Err(error) => {
            return FileResult::Unreadable {
                display_path: file.display_path.clone(),
                error,
            };
        }
    };
    if !may_declare_schema_items(&text) {
        tracing::debug!("skipping {}: no Table or PgEnum", file.display_path);
        return FileResult::Skipped;
    }
    let declarations = dbkit_core::parse::parse_source_file(&text, &file.display_path);
    // The declarations hold plain locations, no spans: the copy of the text
    // and the line table proc-macro2 keeps for this thread can go.
    proc_macro2::extra::invalidate_current_thread_spans();
    FileResult::Parsed {
        display_path: file.display_path.clone(),
        text,
        declarations,
    }
}

fn location_span(location: &SourceLocation, length: usize, label: Option<String>) -> SourceSpan {
    SourceSpan {
        file: location.file.clone(),
        line: location.line,
        column: location.column,
        length,
        label,
    }
}

/// A parser or resolver error as a rustc-style diagnostic.
pub fn schema_error_to_diagnostic(error: &SchemaError) -> Diagnostic {
    let label = error.label.clone().filter(|label| !label.is_empty());
    let mut diagnostic = Diagnostic::error(error.message.clone()).with_span(location_span(
        &error.location,
        error.span_len,
        label,
    ));
    if let Some(help) = &error.help {
        diagnostic = diagnostic.with_help(help.clone());
    }
    for (location, message) in &error.related {
        diagnostic.notes.push(Note {
            message: message.clone(),
            span: Some(location_span(location, 1, None)),
        });
    }
    diagnostic
}
