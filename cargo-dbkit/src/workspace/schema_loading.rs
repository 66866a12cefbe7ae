//! Reads and parses the schema files on all cores, then resolves them into one
//! schema model; errors come back as diagnostics with the texts they point into.
//!
//! Reading ([`read_in_parallel`]), parsing ([`parse_in_parallel`]) and
//! assembling the results ([`assemble_code_schema`]) are separate steps, so
//! that files can be read and parsed before `cargo metadata` has confirmed
//! them, and so that a run that can tell from the files' hashes alone that
//! nothing changed parses nothing (see `commands/generate/prefetch.rs`). A file whose
//! display path and bytes have a [`ParseCache`] entry is not parsed again.
//! Only the texts of files with errors are kept; a diagnostic found later
//! (by the resolver, or an ambiguous rename) reads the files it points into
//! again ([`CodeSchema::source_texts`]).

use crate::output::diagnostics::{Diagnostic, Note, SourceSpan, SourceTexts};
use crate::output::errors::CliError;
use crate::workspace::cache::ContentHash;
use crate::workspace::cache::parse::ParseCache;
use crate::workspace::discovery::SourceFile;
use dbkit_core::model::{Extension, Schema, SourceLocation};
use dbkit_core::parse::{Declaration, SchemaError};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The schema the code declares.
#[derive(Debug, Clone)]
pub struct CodeSchema {
    pub schema: Schema,
    /// How many files could declare schema items (parsed now, or earlier
    /// and found in the parse cache).
    pub parsed_file_count: usize,
    /// How many of them were found in the parse cache.
    pub cached_file_count: usize,
    /// Each of those files and the hash of the text its declarations come
    /// from, for diagnostics that point into them later.
    read_files: Vec<ReadFile>,
}

impl CodeSchema {
    /// The texts of the files the diagnostics point into, read again. A
    /// file that changed since it was parsed is left out (its diagnostics
    /// are shown without the source line rather than with a wrong one).
    pub fn source_texts(&self, diagnostics: &[Diagnostic]) -> SourceTexts {
        source_texts_of(diagnostics, &self.read_files, SourceTexts::new())
    }
}

/// A file that could declare schema items, and the hash of its text.
#[derive(Debug, Clone)]
struct ReadFile {
    file: SourceFile,
    content: ContentHash,
}

/// What reading, then parsing, one file gave.
#[derive(Debug)]
pub enum FileResult {
    /// Neither `Table` nor `PgEnum` appears in it: it declares nothing,
    /// whatever else it holds.
    Skipped { display_path: String },
    Unreadable {
        display_path: String,
        error: std::io::Error,
    },
    /// Read, not parsed yet.
    Read {
        file: SourceFile,
        content: ContentHash,
        text: String,
    },
    Parsed {
        file: SourceFile,
        content: ContentHash,
        /// Whether the declarations come from the parse cache.
        cached: bool,
        declarations: Result<Vec<Declaration>, FileErrors>,
    },
}

impl FileResult {
    /// What the outcome of parsing a file depends on: its display path and,
    /// unless it is skipped, the hash of its text. `None` for an unreadable
    /// file.
    pub fn parse_input(&self) -> Option<(&str, Option<ContentHash>)> {
        match self {
            FileResult::Skipped { display_path } => Some((display_path, None)),
            FileResult::Unreadable { .. } => None,
            FileResult::Read { file, content, .. } | FileResult::Parsed { file, content, .. } => {
                Some((&file.display_path, Some(*content)))
            }
        }
    }
}

/// The errors of a file and its text, which they point into.
#[derive(Debug)]
pub struct FileErrors {
    errors: Vec<SchemaError>,
    text: String,
}

/// Whether a file can hold schema items at all: a schema item derives one
/// of the schema derives, so a file that mentions none is not handed to syn.
pub fn may_declare_schema_items(text: &str) -> bool {
    dbkit_core::parse::mentions_a_schema_derive(text)
}

/// Reads, parses and resolves the files, with the parse cache when given;
/// `workspace_extensions` (from `[workspace.metadata.dbkit] extensions`)
/// join the extensions the code declares.
pub fn load_code_schema(
    files: &[SourceFile],
    cache: Option<&ParseCache>,
    workspace_extensions: &[Extension],
) -> Result<CodeSchema, CliError> {
    let never_cancelled = AtomicBool::new(false);
    assemble_code_schema(
        read_in_parallel(files, &never_cancelled),
        cache,
        workspace_extensions,
    )
}

/// Parses the files read but not parsed yet, then resolves the results (in
/// the files' order) into the schema, or the diagnostics of every file in
/// error. With a cache, the entries of files not among the results may be
/// removed. `workspace_extensions` join the extensions the code declares.
pub fn assemble_code_schema(
    results: Vec<FileResult>,
    cache: Option<&ParseCache>,
    workspace_extensions: &[Extension],
) -> Result<CodeSchema, CliError> {
    let results = parse_in_parallel(results, cache, &AtomicBool::new(false));
    let mut sources = SourceTexts::new();
    let mut declarations = Vec::new();
    let mut diagnostics = Vec::new();
    let mut read_files = Vec::new();
    let mut cached_file_count = 0;
    for result in results {
        match result {
            FileResult::Skipped { .. } | FileResult::Read { .. } => {}
            FileResult::Unreadable {
                display_path,
                error,
            } => diagnostics.push(
                Diagnostic::error(format!("could not read {display_path}"))
                    .in_file(display_path)
                    .with_note(error.to_string()),
            ),
            FileResult::Parsed {
                file,
                content,
                cached,
                declarations: parsed,
            } => {
                cached_file_count += usize::from(cached);
                match parsed {
                    Ok(found) => declarations.extend(found),
                    Err(FileErrors { errors, text }) => {
                        diagnostics.extend(errors.iter().map(schema_error_to_diagnostic));
                        sources.insert(file.display_path.clone(), text);
                    }
                }
                read_files.push(ReadFile { file, content });
            }
        }
    }
    if let Some(cache) = cache {
        let kept: HashSet<String> = read_files
            .iter()
            .map(|read| cache.entry_name(&read.file.display_path, read.content))
            .collect();
        cache.remove_unused_entries(&kept);
    }
    if !diagnostics.is_empty() {
        return Err(CliError::Schema {
            diagnostics,
            sources,
        });
    }
    let parsed_file_count = read_files.len();
    tracing::info!(
        files = parsed_file_count,
        cached = cached_file_count,
        items = declarations.len(),
        "parsed the schema code"
    );
    match dbkit_core::resolve::resolve_schema(declarations) {
        Ok(mut schema) => match add_workspace_extensions(&mut schema, workspace_extensions) {
            Ok(()) => Ok(CodeSchema {
                schema,
                parsed_file_count,
                cached_file_count,
                read_files,
            }),
            Err(diagnostics) => {
                let sources = source_texts_of(&diagnostics, &read_files, sources);
                Err(CliError::Schema {
                    diagnostics,
                    sources,
                })
            }
        },
        Err(errors) => {
            let mut diagnostics: Vec<Diagnostic> =
                errors.iter().map(schema_error_to_diagnostic).collect();
            diagnostics.sort_by_key(span_order);
            let sources = source_texts_of(&diagnostics, &read_files, sources);
            Err(CliError::Schema {
                diagnostics,
                sources,
            })
        }
    }
}

/// Adds the extensions `[workspace.metadata.dbkit] extensions` lists to
/// those the code declares. One in both places must have the same schema
/// (no schema and `public` count as the same, as the introspector reads
/// them); it is then kept as the code declares it.
fn add_workspace_extensions(
    schema: &mut Schema,
    workspace_extensions: &[Extension],
) -> Result<(), Vec<Diagnostic>> {
    if workspace_extensions.is_empty() {
        return Ok(());
    }
    fn schema_of(extension: &Extension) -> &str {
        extension.schema.as_deref().unwrap_or("public")
    }
    let mut diagnostics = Vec::new();
    for listed in workspace_extensions {
        match schema
            .extensions
            .iter()
            .find(|declared| declared.name == listed.name)
        {
            Some(declared) if schema_of(declared) == schema_of(listed) => {}
            Some(declared) => {
                let shown = |extension: &Extension| match &extension.schema {
                    Some(name) => format!("schema `{name}`"),
                    None => "no schema".to_string(),
                };
                let mut diagnostic = Diagnostic::error(format!(
                    "the extension `{}` has {} in Cargo.toml and {} in the code",
                    listed.name,
                    shown(listed),
                    shown(declared)
                ))
                .with_help(
                    "give it one schema: the same `schema` in `[workspace.metadata.dbkit] extensions` and in `#[dbkit(schema = \"...\")]`, or declare it in one place only",
                );
                if let Some(place) = &declared.source {
                    diagnostic = diagnostic.with_span(location_span(
                        place,
                        1,
                        Some("declared here".to_string()),
                    ));
                }
                diagnostic.notes.push(Note {
                    message: "listed in `[workspace.metadata.dbkit] extensions` here".to_string(),
                    span: listed
                        .source
                        .as_ref()
                        .map(|place| location_span(place, 1, None)),
                });
                diagnostics.push(diagnostic);
            }
            None => {
                schema
                    .schemas
                    .extend(dbkit_core::resolve::extension_user_schema(listed));
                schema.extensions.push(listed.clone());
            }
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    schema.canonicalize();
    Ok(())
}

/// `sources` with the texts of the files the diagnostics point into added,
/// each read again and kept only if it is still the text that was parsed.
fn source_texts_of(
    diagnostics: &[Diagnostic],
    read_files: &[ReadFile],
    mut sources: SourceTexts,
) -> SourceTexts {
    let spans = diagnostics.iter().flat_map(|diagnostic| {
        diagnostic.span.iter().chain(
            diagnostic
                .notes
                .iter()
                .filter_map(|note| note.span.as_ref()),
        )
    });
    for span in spans {
        if sources.contains_key(&span.file) {
            continue;
        }
        let Some(read) = read_files
            .iter()
            .find(|read| read.file.display_path == span.file)
        else {
            continue;
        };
        match std::fs::read_to_string(&read.file.absolute_path) {
            Ok(text) if ContentHash::of(text.as_bytes()) == read.content => {
                sources.insert(span.file.clone(), text);
            }
            Ok(_) => tracing::debug!("{} changed since it was parsed", span.file),
            Err(error) => tracing::debug!("could not read {} again: {error}", span.file),
        }
    }
    sources
}

fn span_order(diagnostic: &Diagnostic) -> (String, usize, usize) {
    diagnostic
        .span
        .as_ref()
        .map(|s| (s.file.clone(), s.line, s.column))
        .unwrap_or_default()
}

/// Reads `files` and hashes their texts on all cores; the results come back
/// in the files' order. Once `cancelled` is set, files not yet started are
/// left out.
pub fn read_in_parallel(files: &[SourceFile], cancelled: &AtomicBool) -> Vec<FileResult> {
    on_all_cores(files.iter().collect(), cancelled, read_file)
}

/// Parses the files of `results` that are read but not parsed (or finds
/// their declarations in the cache) on all cores; the other results are
/// kept as they are. Once `cancelled` is set, files not yet started are left
/// read but not parsed.
pub fn parse_in_parallel(
    results: Vec<FileResult>,
    cache: Option<&ParseCache>,
    cancelled: &AtomicBool,
) -> Vec<FileResult> {
    if !results
        .iter()
        .any(|result| matches!(result, FileResult::Read { .. }))
    {
        return results;
    }
    let never_cancelled = AtomicBool::new(false);
    on_all_cores(results, &never_cancelled, |result| match result {
        FileResult::Read {
            file,
            content,
            text,
        } if !cancelled.load(Ordering::Relaxed) => parse_file(file, content, text, cache),
        other => other,
    })
}

/// `work` applied to each item on all cores, each worker taking the next
/// item not yet taken; the results come back in the items' order. Once
/// `cancelled` is set, items not yet started are left out.
fn on_all_cores<T: Send, R: Send>(
    items: Vec<T>,
    cancelled: &AtomicBool,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let thread_count = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len())
        .max(1);
    let items: Vec<std::sync::Mutex<Option<T>>> = items
        .into_iter()
        .map(|item| std::sync::Mutex::new(Some(item)))
        .collect();
    let next_item = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..thread_count)
            .map(|_| {
                let (next_item, items, work) = (&next_item, &items, &work);
                scope.spawn(move || {
                    let mut results = Vec::new();
                    while !cancelled.load(Ordering::Relaxed) {
                        let index = next_item.fetch_add(1, Ordering::Relaxed);
                        let Some(slot) = items.get(index) else { break };
                        let item = match slot.lock() {
                            Ok(mut slot) => slot.take(),
                            Err(poisoned) => poisoned.into_inner().take(),
                        };
                        if let Some(item) = item {
                            results.push((index, work(item)));
                        }
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

fn read_file(file: &SourceFile) -> FileResult {
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
        return FileResult::Skipped {
            display_path: file.display_path.clone(),
        };
    }
    FileResult::Read {
        file: file.clone(),
        content: ContentHash::of(text.as_bytes()),
        text,
    }
}

fn parse_file(
    file: SourceFile,
    content: ContentHash,
    text: String,
    cache: Option<&ParseCache>,
) -> FileResult {
    let cached = cache.and_then(|cache| cache.load(&file.display_path, content));
    let is_cached = cached.is_some();
    let declarations = match cached {
        Some(declarations) => Ok(declarations),
        None => {
            let parsed = dbkit_core::parse::parse_source_file(&text, &file.display_path);
            // The declarations hold plain locations, no spans: the copy of
            // the text and the line table proc-macro2 keeps for this thread
            // can go.
            proc_macro2::extra::invalidate_current_thread_spans();
            if let (Some(cache), Ok(declarations)) = (cache, &parsed) {
                cache.store(&file.display_path, content, declarations);
            }
            parsed.map_err(|errors| FileErrors { errors, text })
        }
    };
    FileResult::Parsed {
        file,
        content,
        cached: is_cached,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const USERS: &str = "use dbkit_runtime::Table;\n\n#[derive(Table)]\npub struct User {\n    #[dbkit(primary_key, identity)]\n    pub id: i64,\n    /// Shown to others.\n    #[dbkit(default = \"''\")]\n    pub name: String,\n}\n";
    const POSTS: &str = "use dbkit_runtime::Table;\n\n#[derive(Table)]\npub struct Post {\n    #[dbkit(primary_key)]\n    pub id: i64,\n    #[dbkit(references = \"user.id\")]\n    pub author_id: i64,\n}\n";

    /// A workspace folder with the given files under `src/`.
    fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<SourceFile>) {
        let directory = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir_all(directory.path().join("src")).expect("create src");
        let sources = files
            .iter()
            .map(|(name, text)| write_file(directory.path(), name, text))
            .collect();
        (directory, sources)
    }

    fn write_file(root: &Path, name: &str, text: &str) -> SourceFile {
        let absolute_path = root.join("src").join(name);
        std::fs::write(&absolute_path, text).expect("write");
        SourceFile {
            display_path: format!("src/{name}"),
            absolute_path,
        }
    }

    fn cache_of(directory: &tempfile::TempDir) -> ParseCache {
        match ParseCache::in_target_directory(&directory.path().join("target")) {
            Some(cache) => cache,
            None => panic!("no build stamp"),
        }
    }

    fn loaded(files: &[SourceFile], cache: Option<&ParseCache>) -> CodeSchema {
        match load_code_schema(files, cache, &[]) {
            Ok(code) => code,
            Err(error) => panic!("unexpected error: {error:?}"),
        }
    }

    /// Every location of the schema, which must be the same from the cache.
    fn locations(schema: &Schema) -> Vec<Option<SourceLocation>> {
        schema
            .tables
            .iter()
            .flat_map(|table| {
                std::iter::once(table.source.clone())
                    .chain(table.columns.iter().map(|column| column.source.clone()))
                    .chain(table.foreign_keys.iter().map(|key| key.source.clone()))
            })
            .collect()
    }

    #[test]
    fn a_cache_hit_gives_the_schema_a_parse_gives() {
        let (directory, files) = project(&[("posts.rs", POSTS), ("users.rs", USERS)]);
        let cache = cache_of(&directory);
        let uncached = loaded(&files, None);
        let cold = loaded(&files, Some(&cache));
        let warm = loaded(&files, Some(&cache));
        assert_eq!((cold.parsed_file_count, cold.cached_file_count), (2, 0));
        assert_eq!((warm.parsed_file_count, warm.cached_file_count), (2, 2));
        for code in [&cold, &warm] {
            assert_eq!(code.schema, uncached.schema);
            assert_eq!(locations(&code.schema), locations(&uncached.schema));
        }
        assert!(locations(&warm.schema).iter().all(Option::is_some));
    }

    #[test]
    fn a_changed_file_is_parsed_again() {
        let (directory, files) = project(&[("posts.rs", POSTS), ("users.rs", USERS)]);
        let cache = cache_of(&directory);
        loaded(&files, Some(&cache));
        write_file(
            directory.path(),
            "users.rs",
            &USERS.replace("name:", "nickname:"),
        );
        let code = loaded(&files, Some(&cache));
        assert_eq!(code.cached_file_count, 1);
        assert_eq!(code.schema, loaded(&files, None).schema);
        let users = code.schema.tables.iter().find(|t| t.name.name == "user");
        assert!(users.and_then(|t| t.column("nickname")).is_some());
    }

    /// The rendered errors of loading the files.
    fn rendered_errors(files: &[SourceFile], cache: Option<&ParseCache>) -> String {
        match load_code_schema(files, cache, &[]) {
            Ok(_) => panic!("the files were accepted"),
            Err(error) => {
                let (diagnostics, sources) = error.into_diagnostics_and_sources();
                anstream::adapter::strip_str(&crate::output::diagnostics::render_diagnostics(
                    &diagnostics,
                    &sources,
                ))
                .to_string()
            }
        }
    }

    #[test]
    fn errors_are_the_same_with_a_warm_cache() {
        let broken = USERS.replace("primary_key, identity", "primary_kee");
        let (directory, files) = project(&[("posts.rs", POSTS), ("users.rs", &broken)]);
        let cache = cache_of(&directory);
        let expected = rendered_errors(&files, None);
        assert!(
            expected.contains("src/users.rs:5:13") && expected.contains("primary_kee"),
            "{expected}"
        );
        assert_eq!(rendered_errors(&files, Some(&cache)), expected);
        assert_eq!(rendered_errors(&files, Some(&cache)), expected);

        // An error of the resolver, pointing into a file found in the cache.
        let (directory, files) = project(&[("posts.rs", POSTS), ("users.rs", USERS)]);
        let cache = cache_of(&directory);
        loaded(&files, Some(&cache));
        let files = vec![files[0].clone()];
        let expected = rendered_errors(&files, None);
        assert!(
            expected.contains("src/posts.rs:7:") && expected.contains("references"),
            "{expected}"
        );
        assert_eq!(rendered_errors(&files, Some(&cache)), expected);
    }
}
