//! `cargo dbkit pull`: adopts an existing database. Its schema becomes Rust
//! schema modules in `--out DIR`, plus a baseline migration `V1__baseline`
//! that the database records as applied. This file reads the arguments,
//! prints, and turns each refusal into a diagnostic (exit status 2, nothing
//! written).
//!
//! The steps, in this order, and nothing is written before every check has
//! passed:
//!
//! 1. the database is introspected (`dbkit_introspect`) and searched for what the
//!    DSL cannot declare ([`unsupported`]), which is named in warnings;
//! 2. [`module_files`] turns the schema into Rust modules with
//!    `dbkit_core::codegen` (each file headed by a `//!` line naming
//!    `cargo dbkit pull`, which is how a later run tells its own files from
//!    a person's), formatted by rustfmt when it is installed;
//! 3. the folder `--out` names is checked ([`out_dir`]): inside a crate that
//!    depends on dbkit-runtime, kept by the `schema` globs, no file of
//!    someone else's in the way;
//! 4. the workspace's schema code as it will be, the new files read from
//!    memory, is parsed and resolved exactly as `generate` does
//!    ([`code_schema_with`]) and must equal the database, compared in
//!    canonical form: otherwise the baseline would claim a schema the
//!    database does not have, and pull stops;
//! 5. the baseline ([`baseline_of`]) is what `generate` would write for that
//!    code on an empty migrations folder: the differ from an empty schema,
//!    rendered, and its snapshot printed by the same writer, so
//!    `generate --check` agrees right after;
//! 6. the modules are written as one set ([`write`](mod@write)), then the migration
//!    with `generate`'s atomic writer, and the database records the
//!    baseline as applied through the runtime's engine
//!    (`Migrations::mark_applied`, refinery's checksum of the file as
//!    written). If that fails, the files just created are removed again.

mod covered;
mod generated;
mod out_dir;
mod prerequisites;
pub(crate) mod unsupported;
mod write;

pub use generated::{ModuleFiles, PulledFile, module_files, without_empty_schemas};

use crate::cli::{GlobalOptions, PullArgs};
use crate::database::engine_errors::{connect_timeout_diagnostic, migrate_error};
use crate::database::session::{SessionError, connect_pool};
use crate::database::target::{DatabaseTarget, start_runtime};
use crate::output::diagnostics::Diagnostic;
use crate::output::errors::{CliError, Outcome};
use crate::output::redact::hide_passwords_of;
use crate::output::terminal::{Output, start_spinner};
use crate::workspace::discovery::{SourceFile, Workspace, display_path, schema_source_files};
use crate::workspace::migrations_folder::{
    NewMigrationFiles, SNAPSHOT_DIRECTORY, list_migrations_folder, write_migration_atomically,
};
use dbkit_core::compare::schema_differences;
use dbkit_core::model::Schema;
use dbkit_core::snapshot;
use dbkit_introspect::{introspect, remove_migration_history};
use dbkit_runtime::RunOptions;
use dbkit_runtime::migrate::{DatabaseUrl, MigrationState, Migrations};
use generated::{Baseline, RustfmtError, baseline_of, code_schema_with, format_with_rustfmt};
use out_dir::{
    OutputFolder, declares_module, existing_files, locate_output_folder, outside_schema_globs,
};
use prerequisites::{
    CarriedObject, find_domain_base_types, find_prerequisites, with_carried_objects,
};
use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use unsupported::{UnsupportedObject, find_uncompared_options, find_unsupported_objects};
use write::{PlannedFile, write_file_set};

/// The `application_name` of pull's sessions.
const APPLICATION_NAME: &str = "cargo dbkit pull";

/// How many differences an error lists before it says how many more.
const DIFFERENCES_SHOWN: usize = 20;
/// How many files of the way an error lists before it says how many more.
const FOREIGN_FILES_SHOWN: usize = 10;

/// Runs `cargo dbkit pull`.
pub fn run_pull(
    global: &GlobalOptions,
    arguments: &PullArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    if arguments.from_migrations {
        return pull_from_migrations(global, arguments, output);
    }
    let DatabaseTarget {
        workspace,
        database,
        connect_timeout,
    } = DatabaseTarget::resolve(global, &arguments.database)?;
    let url = &database.url;

    refuse_existing_migrations(&workspace)?;
    let current_directory = std::env::current_dir().map_err(|error| {
        single(Diagnostic::error("cannot read the current folder").with_note(error.to_string()))
    })?;
    let folder = locate_output_folder(&workspace, &arguments.out, &current_directory)
        .map_err(|diagnostic| single(*diagnostic))?;

    let runtime = start_runtime()?;
    let spinner = start_spinner(output, "reading the database");
    let read = runtime.block_on(read_database(url, connect_timeout));
    drop(spinner);
    let (mut schema, unsupported, mut carried, domain_bases) = read?;
    refuse_database_with_history(&runtime, url, connect_timeout)?;
    remove_migration_history(&mut schema);
    let PlannedCode {
        modules,
        empty_schemas,
        planned,
        stale,
        code,
        differences,
    } = plan_code(&workspace, &folder, schema, domain_bases, output)?;
    let Some(mut baseline) = baseline_of(&code.schema) else {
        return Err(single(Diagnostic::error(
            "the baseline could not be generated from an empty schema",
        )));
    };
    // What the kept tables need and the DSL cannot declare goes into the
    // baseline as the database's own SQL: a later migration would come too
    // late for it.
    // A schema that holds no table or enum (functions, extensions) is
    // created too, so a fresh database has every schema the original has.
    for name in empty_schemas.iter().rev() {
        let statement = format!(
            "CREATE SCHEMA IF NOT EXISTS {};",
            dbkit_core::sql_text::quote_identifier(name)
        );
        let already = carried
            .iter()
            .any(|object| object.kind == "schema" && object.object.trim_matches('"') == name);
        if !already {
            carried.insert(
                0,
                CarriedObject {
                    kind: "schema".to_string(),
                    object: name.clone(),
                    statement,
                },
            );
        }
    }
    baseline.sql = with_carried_objects(&baseline.sql, &carried);
    baseline.statement_count += carried.len();

    // Everything is checked: write the modules, then the migration, then
    // record it; a failure of a later step removes what the earlier wrote.
    let written = write_modules(&workspace, &planned, &stale)?;
    let migration_files = baseline_files(&workspace, &baseline);
    if let Err(error) = write_migration_atomically(&migration_files, &workspace.root) {
        written.remove_created();
        return Err(error.into());
    }
    let recorded = record_baseline(&runtime, &workspace, url, connect_timeout, &baseline);
    if let Err(error) = recorded {
        let _ = std::fs::remove_file(&migration_files.sql_path);
        let _ = std::fs::remove_file(&migration_files.snapshot_path);
        written.remove_created();
        return Err(error);
    }

    report(
        &workspace,
        &folder,
        &planned,
        &written.removed,
        &baseline,
        &migration_files,
        url,
        output,
    );
    report_left_out(&modules, &unsupported, &carried, &differences, output);
    Ok(Outcome::Success)
}

/// `pull --from-migrations`: the schema the migrations folder leads to,
/// read from a disposable database that they are replayed on, becomes the
/// schema modules and the snapshot of the newest migration.
fn pull_from_migrations(
    global: &GlobalOptions,
    arguments: &PullArgs,
    output: Output,
) -> Result<Outcome, CliError> {
    let workspace = crate::workspace::discovery::load_workspace(global.manifest_path.as_deref())?;
    let mut folder_display = display_path(&workspace.root, &workspace.migrations_directory);
    folder_display.push('/');
    let listing = list_migrations_folder(&workspace.migrations_directory, &workspace.root);
    if let Some(problem) = listing.problems.first() {
        return Err(single(problem.to_diagnostic()));
    }
    if let Some(snapshot) = listing.snapshots.first() {
        return Err(single(
            Diagnostic::error(format!(
                "{folder_display} already has snapshots ({})",
                snapshot.file.display_path
            ))
            .with_note("`generate` continues from the newest snapshot; --from-migrations adopts a folder that has none")
            .with_help("run `cargo dbkit generate` as usual"),
        ));
    }
    let migrations = Migrations::from_directory(&workspace.migrations_directory)
        .map_err(|error| migrate_error(error, &folder_display))?;
    let files = migrations
        .migrations()
        .map_err(|error| migrate_error(error, &folder_display))?;
    let Some(newest) = files.last() else {
        return Err(single(
            Diagnostic::error(format!("{folder_display} holds no migration to adopt"))
                .with_note("migrations are named `V<version>__<name>.sql`; rename sqlx's `<timestamp>_<name>.sql` or diesel's `<date>_<name>/up.sql` files so, in their order")
                .with_help("`cargo dbkit pull --database-url URL --out DIR` adopts a database instead"),
        ));
    };
    let (newest_version, newest_file) = (newest.version, newest.file_name.clone());
    let current_directory = std::env::current_dir().map_err(|error| {
        single(Diagnostic::error("cannot read the current folder").with_note(error.to_string()))
    })?;
    let folder = locate_output_folder(&workspace, &arguments.out, &current_directory)
        .map_err(|diagnostic| single(*diagnostic))?;

    let runtime = start_runtime()?;
    dbkit_runtime::testing::use_target_directory(&workspace.target_directory);
    let spinner = start_spinner(output, "starting a disposable PostgreSQL for the replay");
    let built = runtime.block_on(async {
        dbkit_runtime::testing::TestDb::builder(dbkit_runtime::testing::no_migrations()?)
            .test_name("adopt")
            .build()
            .await
    });
    drop(spinner);
    let database = built.map_err(|error| {
        single(
            Diagnostic::error("cannot get a disposable PostgreSQL for the replay")
                .with_note(hide_passwords_of(&error.to_string())),
        )
    })?;
    let url = DatabaseUrl::new(database.url());
    let connect_timeout = dbkit_runtime::migrate::connect_timeout_for(&url, None);
    let spinner = start_spinner(output, &format!("replaying {folder_display}"));
    let read = runtime.block_on(async {
        migrations
            .run_with(
                &url,
                RunOptions::new()
                    .application_name(APPLICATION_NAME)
                    .create_missing_roles(),
            )
            .await
            .map_err(|error| migrate_error(error, &folder_display))?;
        read_database(&url, connect_timeout).await
    });
    drop(spinner);
    runtime.block_on(database.pool().close());
    {
        let _inside = runtime.enter();
        drop(database);
    }
    let (mut schema, unsupported, _, domain_bases) = read?;
    output.status("Replayed", &format!("{} of {folder_display}", files.len()));
    remove_migration_history(&mut schema);
    let PlannedCode {
        modules,
        planned,
        stale,
        code,
        differences,
        ..
    } = plan_code(&workspace, &folder, schema, domain_bases, output)?;

    let snapshot_path = workspace
        .migrations_directory
        .join(SNAPSHOT_DIRECTORY)
        .join(snapshot::snapshot_file_name(&newest_file));
    let snapshot_text = snapshot::PrintedSchema::of(&code.schema).snapshot_text(
        u64::try_from(newest_version).unwrap_or_default(),
        &newest_file,
        None,
    );
    let written = write_modules(&workspace, &planned, &stale)?;
    if let Err(error) = write_snapshot_atomically(&snapshot_path, &snapshot_text) {
        written.remove_created();
        return Err(single(
            Diagnostic::error(format!(
                "could not write {}",
                display_path(&workspace.root, &snapshot_path)
            ))
            .with_note(error.to_string())
            .with_note("nothing was written"),
        ));
    }
    for file in &planned {
        output.status("Wrote", &display_path(&workspace.root, &file.path));
    }
    output.status(
        "Snapshot",
        &format!(
            "{} of the schema {folder_display} leads to: `cargo dbkit generate` continues from it",
            display_path(&workspace.root, &snapshot_path)
        ),
    );
    say_where_to_declare_the_module(&workspace, &folder, output);
    for item in &modules.left_out {
        output.warning(&format!("left out of the code: {item}"));
    }
    for object in &unsupported {
        output.warning(&format!(
            "not in the code: {} (the DSL cannot declare it; the migrations create it)",
            object.describe()
        ));
    }
    for difference in &differences {
        output.warning(&format!(
            "the code differs from the replayed schema: {difference}"
        ));
    }
    Ok(Outcome::Success)
}

/// Writes the module files as one set (see `write_file_set`); on failure
/// nothing is left written.
fn write_modules(
    workspace: &Workspace,
    planned: &[PlannedFile],
    stale: &[PathBuf],
) -> Result<write::WrittenSet, CliError> {
    write_file_set(planned, stale).map_err(|error| {
        single(
            Diagnostic::error(format!(
                "could not write {}",
                display_path(&workspace.root, &error.path)
            ))
            .with_note(error.source.to_string())
            .with_note("nothing was written"),
        )
    })
}

/// Writes `text` to a temporary file beside `path`, then renames it there.
fn write_snapshot_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let directory = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(directory)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(crate::workspace::migrations_folder::TEMPORARY_FILE_PREFIX)
        .tempfile_in(directory)?;
    std::io::Write::write_all(&mut temporary, text.as_bytes())?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// The code pull writes for a database's schema, checked: the module
/// files, what they replace, and the workspace's code with them.
struct PlannedCode {
    modules: ModuleFiles,
    /// Schemas that hold no table or enum.
    empty_schemas: Vec<String>,
    planned: Vec<PlannedFile>,
    /// The earlier pull's files this one does not write.
    stale: Vec<PathBuf>,
    code: crate::workspace::schema_loading::CodeSchema,
    /// What the generator said it could not express.
    differences: Vec<String>,
}

/// Plans the modules of `schema` (as introspected, without the history
/// table) in `folder` and checks that the workspace's code with them
/// equals the schema.
fn plan_code(
    workspace: &Workspace,
    folder: &OutputFolder,
    mut schema: Schema,
    domain_bases: std::collections::BTreeMap<String, String>,
    output: Output,
) -> Result<PlannedCode, CliError> {
    let modules = module_files(&schema, domain_bases);
    let empty_schemas = without_empty_schemas(&mut schema);
    let planned = plan_module_files(folder, modules.files.clone(), output)?;
    let (stale, new_sources) = check_folder_contents(workspace, folder, &planned)?;
    let code = {
        let existing = schema_source_files(workspace)?;
        let replaced: Vec<&Path> = planned
            .iter()
            .map(|file| file.path.as_path())
            .chain(stale.iter().map(PathBuf::as_path))
            .collect();
        code_schema_with(&existing, &replaced, &new_sources, &workspace.extensions)
            .map_err(|error| generated_code_error(error, folder))?
    };
    let differences = refuse_code_unlike_database(&schema, &code.schema, folder, &modules)?;
    Ok(PlannedCode {
        modules,
        empty_schemas,
        planned,
        stale,
        code,
        differences,
    })
}

fn single(diagnostic: Diagnostic) -> CliError {
    CliError::Diagnostics(vec![diagnostic])
}

/// A baseline describes the whole schema, so it can only be the first
/// migration.
fn refuse_existing_migrations(workspace: &Workspace) -> Result<(), CliError> {
    let listing = list_migrations_folder(&workspace.migrations_directory, &workspace.root);
    let mut found: Vec<String> = listing
        .sql_files
        .iter()
        .map(|file| file.display_path.clone())
        .chain(
            listing
                .snapshots
                .iter()
                .map(|listed| listed.file.display_path.clone()),
        )
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    let folder = display_path(&workspace.root, &workspace.migrations_directory);
    let shown = found.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    let more = found.len().saturating_sub(5);
    Err(single(
        Diagnostic::error(format!(
            "the migrations folder {folder}/ is not empty: {shown}{}",
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ))
        .with_note(
            "pull adopts a database once, into a workspace without migrations: its baseline V1 creates the whole schema, so it cannot follow other migrations",
        )
        .with_help(
            "to bring a database up to these migrations run `cargo dbkit migrate`, and `cargo dbkit check --database-url URL` shows how it differs from them; to adopt the database from scratch, delete the migrations folder first (only if no database applied them), or pull into a workspace of its own",
        ),
    ))
}

/// The schema, what the DSL cannot say about it, and what of that the
/// kept tables need, read in one pool of sessions, each connected within
/// `connect_timeout`.
async fn read_database(
    url: &DatabaseUrl,
    connect_timeout: Duration,
) -> Result<
    (
        Schema,
        Vec<UnsupportedObject>,
        Vec<CarriedObject>,
        std::collections::BTreeMap<String, String>,
    ),
    CliError,
> {
    let connect_error = |error: SessionError| {
        match error {
        SessionError::ConnectTimeout(timeout) => {
            single(connect_timeout_diagnostic(url, timeout))
        }
        SessionError::Failed(detail) => single(
            Diagnostic::error(format!("cannot connect to {url}"))
                .with_note(hide_passwords_of(&detail))
                .with_help("check the URL (--database-url, --env-file, DATABASE_URL or .env) and that the server runs"),
        ),
    }
    };
    let options = PgConnectOptions::from_str(url.connection_string())
        .map_err(|error| connect_error(SessionError::Failed(error.to_string())))?
        .application_name(APPLICATION_NAME);
    let pool = connect_pool(
        options,
        dbkit_introspect::INTROSPECTION_CONNECTIONS,
        connect_timeout,
    )
    .await
    .map_err(connect_error)?;
    let read_error = |error: String| {
        single(
            Diagnostic::error(format!("cannot read the schema of {url}"))
                .with_note(hide_passwords_of(&error)),
        )
    };
    let schema = introspect(&pool, None)
        .await
        .map_err(|error| read_error(error.to_string()))?;
    let mut unsupported = find_unsupported_objects(&pool)
        .await
        .map_err(|error| read_error(error.to_string()))?;
    let mut carried = find_prerequisites(&pool)
        .await
        .map_err(|error| read_error(error.to_string()))?;
    covered::leave_out_declared(&mut unsupported, &mut carried);
    unsupported.extend(
        find_uncompared_options(&pool)
            .await
            .map_err(|error| read_error(error.to_string()))?,
    );
    let domain_bases = find_domain_base_types(&pool)
        .await
        .map_err(|error| read_error(error.to_string()))?;
    pool.close().await;
    Ok((schema, unsupported, carried, domain_bases))
}

/// A database whose history already names migrations is managed by them.
fn refuse_database_with_history(
    runtime: &tokio::runtime::Runtime,
    url: &DatabaseUrl,
    connect_timeout: Duration,
) -> Result<(), CliError> {
    let none = Migrations::from_migrations(Vec::new())
        .map_err(|error| migrate_error(error, "migrations/"))?;
    let options = RunOptions::new()
        .connect_timeout(connect_timeout)
        .application_name(APPLICATION_NAME);
    let status = runtime
        .block_on(none.status_with(url, options))
        .map_err(|error| migrate_error(error, "migrations/"))?;
    let recorded: Vec<String> = status
        .migrations
        .iter()
        .filter(|migration| migration.state == MigrationState::Unknown)
        .map(|migration| format!("V{}__{}", migration.version, migration.name))
        .collect();
    if recorded.is_empty() {
        return Ok(());
    }
    Err(single(
        Diagnostic::error(format!(
            "{url} already records applied migrations: {}",
            recorded.join(", ")
        ))
        .with_note("its `refinery_schema_history` says migrations manage it; a baseline would contradict them")
        .with_help("put those migration files in the migrations folder and run `cargo dbkit status`; pull adopts only databases that no migration tool manages"),
    ))
}

/// The module files with their paths, formatted by rustfmt when it can.
fn plan_module_files(
    folder: &OutputFolder,
    files: Vec<generated::PulledFile>,
    output: Output,
) -> Result<Vec<PlannedFile>, CliError> {
    let working_directory = nearest_existing(&folder.directory);
    let mut rustfmt_missing = false;
    let mut planned = Vec::with_capacity(files.len());
    for file in files {
        let plain = Path::new(&file.file_name)
            .file_name()
            .is_some_and(|name| name == file.file_name.as_str());
        if !plain || !file.file_name.ends_with(".rs") {
            return Err(single(Diagnostic::error(format!(
                "the code generator named a file `{}`, which is not a file name of the module folder",
                file.file_name
            ))));
        }
        let text = if rustfmt_missing {
            file.source
        } else {
            match format_with_rustfmt(&file.source, &working_directory) {
                Ok(formatted) => formatted,
                Err(RustfmtError::Missing) => {
                    rustfmt_missing = true;
                    output.warning(&format!(
                        "{}; the modules are written unformatted",
                        RustfmtError::Missing
                    ));
                    file.source
                }
                Err(error) => {
                    output.warning(&format!(
                        "{}: {error}; it is written unformatted",
                        file.file_name
                    ));
                    file.source
                }
            }
        };
        planned.push(PlannedFile {
            path: folder.directory.join(&file.file_name),
            text,
        });
    }
    Ok(planned)
}

fn nearest_existing(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|ancestor| ancestor.is_dir())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Refuses a folder holding anything `pull` did not write (its `mod.rs`
/// would leave it out, or replace the user's) and files the `schema` globs
/// would not read; returns the earlier pull's files this one does not write
/// (removed with the write) and the new files as discovery will see them.
#[allow(clippy::type_complexity)]
fn check_folder_contents(
    workspace: &Workspace,
    folder: &OutputFolder,
    planned: &[PlannedFile],
) -> Result<(Vec<PathBuf>, Vec<(SourceFile, String)>), CliError> {
    let existing = existing_files(&folder.directory).map_err(|error| {
        single(
            Diagnostic::error(format!("cannot read {}/", folder.display))
                .with_note(error.to_string()),
        )
    })?;
    if !existing.foreign.is_empty() {
        let foreign: Vec<String> = existing
            .foreign
            .iter()
            .map(|path| {
                let shown = display_path(&workspace.root, path);
                if path.is_dir() {
                    format!("{shown}/")
                } else {
                    shown
                }
            })
            .collect();
        let shown = foreign
            .iter()
            .take(FOREIGN_FILES_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = foreign.len().saturating_sub(FOREIGN_FILES_SHOWN);
        return Err(single(
            Diagnostic::error(format!(
                "{}/ holds {} not written by `cargo dbkit pull`: {shown}{}",
                folder.display,
                if foreign.len() == 1 { "an entry" } else { "entries" },
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ))
            .with_note(
                "pull writes only into a folder that is new, empty, or holds only the files an earlier pull wrote (their `//!` header names pull): the `mod.rs` it writes declares its own modules and nothing else",
            )
            .with_note("nothing was written")
            .with_help(format!(
                "pass a new or empty folder to --out (e.g. `{}/db`), or move these away",
                folder.display
            )),
        ));
    }
    let stale: Vec<PathBuf> = existing
        .written_by_pull
        .iter()
        .filter(|path| !planned.iter().any(|file| &file.path == *path))
        .cloned()
        .collect();
    let new_sources: Vec<(SourceFile, String)> = planned
        .iter()
        .map(|file| {
            (
                SourceFile {
                    display_path: display_path(&workspace.root, &file.path),
                    absolute_path: file.path.clone(),
                },
                file.text.clone(),
            )
        })
        .collect();
    let unread = outside_schema_globs(
        workspace,
        new_sources
            .iter()
            .filter(|(file, _)| !file.display_path.ends_with("/mod.rs"))
            .map(|(file, _)| file.display_path.as_str()),
    );
    if !unread.is_empty() {
        let globs: Vec<String> = workspace
            .schema_globs
            .iter()
            .map(|glob| format!("\"{}\"", glob.as_str()))
            .collect();
        return Err(single(
            Diagnostic::error(format!(
                "`[workspace.metadata.dbkit] schema` does not match {}, so `cargo dbkit generate` would not read {}",
                unread.join(", "),
                if unread.len() == 1 { "it" } else { "them" }
            ))
            .in_file("Cargo.toml")
            .with_note(format!("schema = [{}]", globs.join(", ")))
            .with_help(format!(
                "add the folder to the globs: schema = [{}, \"{}/*.rs\"], or pass a folder the globs match to --out",
                globs.join(", "),
                folder.display
            )),
        ));
    }
    // Only files that may declare schema items matter to the schema.
    let new_sources = new_sources
        .into_iter()
        .filter(|(file, _)| {
            workspace.schema_globs.is_empty()
                || workspace
                    .schema_globs
                    .iter()
                    .any(|glob| glob.matches(&file.display_path))
        })
        .collect();
    Ok((stale, new_sources))
}

/// Generated code that does not parse or resolve is dbkit's bug.
fn generated_code_error(error: CliError, folder: &OutputFolder) -> CliError {
    match error {
        CliError::Schema {
            mut diagnostics,
            sources,
        } => {
            if let Some(first) = diagnostics.first_mut() {
                *first = first.clone().with_note(format!(
                    "this is the schema code of the workspace with the modules pull would write to {}/ (nothing was written)",
                    folder.display
                ));
                *first = first.clone().with_help(
                    "if the error is in the generated modules, this is a bug of dbkit's code generation: please report it; if it is in other files, fix those first",
                );
            }
            CliError::Schema {
                diagnostics,
                sources,
            }
        }
        other => other,
    }
}

/// The code must describe the database, or the baseline would claim a
/// schema the database does not have. Differences are accepted only where
/// the code generator said the DSL cannot follow (they are returned, for
/// warnings); anything else is refused: schema items the workspace
/// already declares elsewhere, or a loss the generator did not report.
fn refuse_code_unlike_database(
    database: &Schema,
    code: &Schema,
    folder: &OutputFolder,
    modules: &ModuleFiles,
) -> Result<Vec<String>, CliError> {
    let differences: Vec<String> = schema_differences(database, code)
        .iter()
        .map(ToString::to_string)
        .collect();
    let inside_folder = format!("{}/", folder.display);
    let declared_elsewhere = code.tables.iter().any(|table| {
        table
            .source
            .as_ref()
            .is_some_and(|source| !source.file.starts_with(&inside_folder))
    }) || code.enums.iter().any(|item| {
        item.source
            .as_ref()
            .is_some_and(|source| !source.file.starts_with(&inside_folder))
    });
    if differences.is_empty() || (!declared_elsewhere && !modules.left_out.is_empty()) {
        return Ok(differences);
    }
    let mut diagnostic = Diagnostic::error(format!(
        "the schema code would not describe the database: {} difference(s)",
        differences.len()
    ));
    for difference in differences.iter().take(DIFFERENCES_SHOWN) {
        diagnostic = diagnostic.with_note(difference.clone());
    }
    if differences.len() > DIFFERENCES_SHOWN {
        diagnostic = diagnostic.with_note(format!(
            "and {} more",
            differences.len() - DIFFERENCES_SHOWN
        ));
    }
    let help = if declared_elsewhere {
        "the workspace already declares schema items outside the new modules (the expected side is the database, the actual one the code): pull adopts a database into a workspace whose code declares none of it yet"
    } else {
        "the generated modules lose part of the database's schema without saying so (the expected side is the database, the actual one the code): this is a bug of dbkit's code generation, please report it with these lines"
    };
    Err(single(
        diagnostic.with_note("nothing was written").with_help(help),
    ))
}

fn baseline_files(workspace: &Workspace, baseline: &Baseline) -> NewMigrationFiles {
    NewMigrationFiles {
        sql_path: workspace.migrations_directory.join(&baseline.sql_file_name),
        sql_text: baseline.sql.clone(),
        snapshot_path: workspace
            .migrations_directory
            .join(SNAPSHOT_DIRECTORY)
            .join(snapshot::snapshot_file_name(&baseline.sql_file_name)),
        snapshot_text: baseline.snapshot_text.clone(),
    }
}

/// Records the baseline, read back from the folder as `migrate` reads it,
/// so its checksum is the one `migrate` and `status` compute.
fn record_baseline(
    runtime: &tokio::runtime::Runtime,
    workspace: &Workspace,
    url: &DatabaseUrl,
    connect_timeout: Duration,
    baseline: &Baseline,
) -> Result<(), CliError> {
    let mut folder_display = display_path(&workspace.root, &workspace.migrations_directory);
    folder_display.push('/');
    let migrations = Migrations::from_directory(&workspace.migrations_directory)
        .map_err(|error| migrate_error(error, &folder_display))?;
    let version = snapshot::parse_migration_file_name(&baseline.sql_file_name)
        .and_then(|(version, _)| i32::try_from(version).ok())
        .unwrap_or(1);
    let options = RunOptions::new()
        .connect_timeout(connect_timeout)
        .application_name(APPLICATION_NAME);
    runtime
        .block_on(migrations.mark_applied_with(url, version, options))
        .map(|_| ())
        .map_err(|error| match migrate_error(error, &folder_display) {
            CliError::Diagnostics(mut diagnostics) => {
                if let Some(first) = diagnostics.first_mut() {
                    *first = first.clone().with_note(
                        "the baseline was not recorded; the files pull wrote were removed again",
                    );
                }
                CliError::Diagnostics(diagnostics)
            }
            other => other,
        })
}

#[allow(clippy::too_many_arguments)]
fn report(
    workspace: &Workspace,
    folder: &OutputFolder,
    planned: &[PlannedFile],
    removed: &[PathBuf],
    baseline: &Baseline,
    migration_files: &NewMigrationFiles,
    database_url: &DatabaseUrl,
    output: Output,
) {
    for file in planned {
        output.status("Wrote", &display_path(&workspace.root, &file.path));
    }
    for path in removed {
        output.status(
            "Removed",
            &format!(
                "{} (an earlier pull wrote it; the database no longer needs it)",
                display_path(&workspace.root, path)
            ),
        );
    }
    output.status(
        "Baseline",
        &format!(
            "{} ({} statement{}) and its snapshot",
            display_path(&workspace.root, &migration_files.sql_path),
            baseline.statement_count,
            if baseline.statement_count == 1 {
                ""
            } else {
                "s"
            }
        ),
    );
    output.status(
        "Recorded",
        &format!("{} as applied in {database_url}", baseline.sql_file_name),
    );
    say_where_to_declare_the_module(workspace, folder, output);
}

/// Says which `mod` line the crate still needs, if any.
fn say_where_to_declare_the_module(workspace: &Workspace, folder: &OutputFolder, output: Output) {
    let declared = folder.parent_module_files.iter().any(|path| {
        std::fs::read_to_string(path).is_ok_and(|text| declares_module(&text, &folder.module_name))
    });
    if !declared {
        let file = folder
            .parent_module_files
            .first()
            .map(|path| display_path(&workspace.root, path))
            .unwrap_or_else(|| "the crate root".to_string());
        output.line(&format!(
            "  add `mod {};` to {file} (crate `{}`) so the modules compile",
            folder.module_name, folder.crate_name
        ));
    }
}

/// Every object the code leaves out, named, so that no one believes the
/// code covers it.
fn report_left_out(
    modules: &ModuleFiles,
    unsupported: &[UnsupportedObject],
    carried: &[CarriedObject],
    differences: &[String],
    output: Output,
) {
    for item in &modules.left_out {
        output.warning(&format!("left out of the code: {item}"));
    }
    let is_carried = |object: &UnsupportedObject| {
        carried
            .iter()
            .any(|item| item.kind == object.kind && item.object == object.object)
    };
    let (carried_objects, left_out): (Vec<&UnsupportedObject>, Vec<&UnsupportedObject>) =
        unsupported.iter().partition(|object| is_carried(object));
    for object in &carried_objects {
        output.warning(&format!(
            "carried into the baseline as SQL: {} {} (the DSL cannot declare it{})",
            object.kind,
            object.object,
            if object.kind == "index" {
                ""
            } else {
                "; the tables need it"
            }
        ));
    }
    for object in &left_out {
        output.warning(&format!(
            "left out of the code: {} (the DSL cannot declare it)",
            object.describe()
        ));
    }
    for difference in differences {
        output.warning(&format!(
            "the code and the baseline differ from the database: {difference}"
        ));
    }
    if !modules.left_out.is_empty() || !left_out.is_empty() {
        output.line(
            "  the database keeps them, but a database made from the migrations lacks them: \
             create them in a migration of `cargo dbkit generate --custom` if it needs them",
        );
    }
}
