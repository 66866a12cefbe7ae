//! `check --replay`: every migration applied from scratch on a disposable
//! PostgreSQL, introspected and compared with the latest snapshot.
//!
//! **Why.** `generate` writes a migration and the snapshot of the schema it
//! leads to; the next `generate` trusts the snapshot and never looks at the
//! SQL again. A migration edited by hand so that it changes the schema (an
//! `ALTER TABLE … ADD COLUMN` appended), or a snapshot edited by hand,
//! breaks that trust silently: the next migration is computed from a schema
//! no database has. Replaying the folder is the only way to see it.
//!
//! **The server** is a database of the test providers' (`dbkit-runtime`'s
//! `testing` feature: `DBKIT_TEST_DATABASE_URL`, Docker, or the machine's
//! `initdb`, chosen as for `cargo test`): an empty [`TestDb`], its server's
//! registry under the workspace's target directory. The database is dropped
//! before the command ends, whatever happened; a disposable server is
//! stopped by its keeper once no process uses it, as after a test run.
//!
//! **The replay** applies every migration of the folder with the engine
//! `migrate` uses (`run_with`), so a migration that fails is the same error,
//! rendered the same way (file, line, SQLSTATE; exit 2). The database is then
//! introspected (without the engine's history table) and compared, object by
//! object, with the latest snapshot (`dbkit_core::compare`, column order
//! aside: PostgreSQL appends an added column, the snapshot keeps the code's
//! order). Edits that only change rows pass, since rows are not compared.
//!
//! **Blame.** Each difference is a `replay-difference` error that names the
//! object, says what the migrations produce and what the snapshot says, and
//! points at the file most likely responsible: the snapshot when its id no
//! longer matches its content or when an earlier snapshot had the object
//! and no later migration mentions it; otherwise the newest migration whose
//! SQL mentions the object, at the last line that does.
//!
//! The difference-reading helpers at the end ([`ObjectDifference`]) are
//! shared with [`drift`](super::drift), which compares a live database the
//! same way.

use super::read_folder;
use super::replay_views;
use super::{Finding, FindingKind};
use crate::database::engine_errors::migrate_error;
use crate::database::target::{MigrationContext, start_runtime};
use crate::database::url::{ResolvedDatabaseUrl, UrlSource};
use crate::output::diagnostics::Diagnostic;
use crate::output::errors::CliError;
use crate::output::format::{count, format_duration, stem};
use crate::output::redact::hide_passwords_of;
use crate::output::terminal::{DelayedSpinner, Output, start_spinner};
use crate::workspace::discovery::{Workspace, display_path};
use crate::workspace::migrations_folder::MigrationsFolder;
use dbkit_core::compare::{Difference, DifferenceChange, canonical_schema, schema_differences};
use dbkit_core::model::{Schema, Table};
use dbkit_core::snapshot::{SNAPSHOT_FOLDER, Snapshot, snapshot_file_name};
use dbkit_core::sql_split::split_sql_statements;
use dbkit_introspect::{introspect, remove_migration_history};
use dbkit_runtime::migrate::{
    DatabaseUrl, MigrateEvent, Migration, Migrations, RunOptions, connect_timeout_for,
};
use dbkit_runtime::testing::{TestDb, no_migrations, use_target_directory};
use std::time::Instant;

/// The rule id of a difference between the replayed database and the
/// latest snapshot.
pub const REPLAY_RULE: &str = "replay-difference";

/// Replays the workspace's migrations; a difference is a finding, a
/// migration that fails or a server that cannot start is an error.
pub fn replay(workspace: &Workspace, output: Output) -> Result<Vec<Finding>, CliError> {
    let mut folder_display = display_path(&workspace.root, &workspace.migrations_directory);
    if !folder_display.ends_with('/') {
        folder_display.push('/');
    }
    let folder = read_folder(workspace)?;
    let migrations = Migrations::from_directory(&workspace.migrations_directory)
        .map_err(|error| migrate_error(error, &folder_display))?;
    let files = migrations
        .migrations()
        .map_err(|error| migrate_error(error, &folder_display))?;
    if files.is_empty() {
        output.status("Replayed", &format!("nothing: {folder_display} is empty"));
        return Ok(Vec::new());
    }
    let runtime = start_runtime()?;

    use_target_directory(&workspace.target_directory);
    let started = Instant::now();
    let spinner = start_spinner(output, "starting a disposable PostgreSQL for the replay");
    let built = runtime.block_on(async {
        TestDb::builder(no_migrations()?)
            .test_name("replay")
            .build()
            .await
    });
    drop(spinner);
    let database = built.map_err(|error| server_error(&error.to_string()))?;
    output.status(
        "Replaying",
        &format!(
            "{} of {folder_display} on a disposable PostgreSQL ({}, ready in {})",
            count(files.len(), "migration", "migrations"),
            database.provider(),
            format_duration(started.elapsed())
        ),
    );

    let context = MigrationContext {
        database: ResolvedDatabaseUrl {
            url: DatabaseUrl::new(database.url()),
            source: UrlSource::Argument,
        },
        connect_timeout: connect_timeout_for(&DatabaseUrl::new(database.url()), None),
        migrations,
        folder_display: folder_display.clone(),
        runtime,
    };
    let replayed = apply_and_introspect(&context, &database, output);
    // The snapshot's view queries as this PostgreSQL prints them, asked
    // before the database goes.
    let printed_views = match (&replayed, folder.latest_snapshot()) {
        (Ok(_), Some((_, snapshot))) => context.runtime.block_on(replay_views::printed_views(
            database.pool(),
            &snapshot.schema,
        )),
        _ => None,
    };
    // The database goes whatever happened: its sessions are ended and it is
    // dropped before the command ends.
    context.runtime.block_on(database.pool().close());
    {
        let _inside = context.runtime.enter();
        drop(database);
    }
    let replayed = replayed?;

    let Some((entry, snapshot)) = folder.latest_snapshot() else {
        // Hand-written migrations and no snapshot: nothing says what the
        // schema should be.
        output.warning(&format!(
            "{folder_display} has no snapshot to compare the replay with; \
             `cargo dbkit generate` writes one with each migration"
        ));
        return Ok(Vec::new());
    };
    let snapshot_display = format!(
        "{folder_display}{SNAPSHOT_FOLDER}/{}",
        snapshot_file_name(&format!("{}.sql", entry.stem()))
    );
    let snapshot_text = std::fs::read_to_string(
        workspace
            .migrations_directory
            .join(SNAPSHOT_FOLDER)
            .join(snapshot_file_name(&format!("{}.sql", entry.stem()))),
    )
    .unwrap_or_default();
    let mut expected = snapshot.schema.clone();
    if let Some(views) = printed_views {
        expected.views = views;
    }
    expect_created_schemas(
        &mut expected,
        &workspace.root,
        folder
            .migrations
            .iter()
            .map(|entry| &entry.sql_display_path),
    );
    let mut replayed = replayed;
    dbkit_core::model::forget_undeclared_functions(&mut replayed, &expected);
    let differences =
        schema_differences(&comparable_schema(&expected), &comparable_schema(&replayed));
    let blame = Blame {
        folder: &folder,
        folder_display: &folder_display,
        files: &files,
        snapshot,
        snapshot_version: entry.version,
        snapshot_display: &snapshot_display,
        snapshot_text: &snapshot_text,
    };
    let mut code = None;
    Ok(differences
        .iter()
        .map(|difference| {
            replay_views::is_view_column(difference)
                .then(|| {
                    replay_views::view_column_finding(
                        workspace,
                        &mut code,
                        &expected,
                        difference,
                        REPLAY_RULE,
                    )
                })
                .flatten()
                .unwrap_or_else(|| replay_finding(&ObjectDifference::of(difference), &blame))
        })
        .collect())
}

fn server_error(detail: &str) -> CliError {
    let mut lines = detail.lines();
    let mut diagnostic = Diagnostic::error("cannot get a disposable PostgreSQL for the replay")
        .with_note(hide_passwords_of(lines.next().unwrap_or(detail)));
    for line in lines.filter(|line| !line.trim().is_empty()) {
        diagnostic = diagnostic.with_help(hide_passwords_of(line.trim()));
    }
    CliError::Diagnostics(vec![diagnostic])
}

/// Applies every migration with the engine, then reads the database back.
fn apply_and_introspect(
    context: &MigrationContext,
    database: &TestDb,
    output: Output,
) -> Result<Schema, CliError> {
    let started = Instant::now();
    let mut progress = ReplayProgress {
        output,
        spinner: None,
        applied: 0,
        total: 0,
    };
    // The server is disposable: the roles the policies name are created.
    let options = RunOptions::new()
        .create_missing_roles()
        .on_event(|event| progress.on_event(event));
    let report = context
        .runtime
        .block_on(context.migrations.run_with(&context.database.url, options))
        .map_err(|error| context.engine_error(error))?;
    output.status(
        "Replayed",
        &format!(
            "{} in {}",
            count(report.applied.len(), "migration", "migrations"),
            format_duration(started.elapsed())
        ),
    );
    let mut schema = context
        .runtime
        .block_on(introspect(database.pool(), None))
        .map_err(|error| {
            CliError::Diagnostics(vec![
                Diagnostic::error("cannot read back the replayed database")
                    .with_note(hide_passwords_of(&error.to_string())),
            ])
        })?;
    remove_migration_history(&mut schema);
    Ok(schema)
}

/// What the replay prints while the engine works: a spinner naming the
/// migration being applied (on a terminal), and a line per migration with
/// `-v`.
struct ReplayProgress {
    output: Output,
    spinner: Option<DelayedSpinner>,
    applied: usize,
    total: usize,
}

impl ReplayProgress {
    fn on_event(&mut self, event: MigrateEvent<'_>) {
        match event {
            MigrateEvent::Planned { pending } => self.total = pending.len(),
            MigrateEvent::Applying { migration } => {
                self.spinner = Some(start_spinner(
                    self.output,
                    &format!(
                        "replaying {} ({}/{})",
                        stem(migration),
                        self.applied + 1,
                        self.total
                    ),
                ));
            }
            MigrateEvent::Applied {
                migration,
                duration,
            } => {
                self.spinner = None;
                self.applied += 1;
                if self.output.verbose > 0 {
                    self.output.status(
                        "Applied",
                        &format!("{} ({})", stem(migration), format_duration(duration)),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Adds to `expected` the schemas that the migration files (paths relative
/// to `root`) create by `CREATE SCHEMA`: the DSL declares a schema only
/// through its tables and enums, so one that holds neither (a schema of
/// functions, or of extensions, which pull's baseline carries) is known
/// from the SQL alone. One created outside the migrations is still drift.
pub(crate) fn expect_created_schemas<'a>(
    expected: &mut Schema,
    root: &std::path::Path,
    files: impl IntoIterator<Item = &'a String>,
) {
    for file in files {
        let Ok(sql) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        for statement in dbkit_core::sql_split::sql_statements(&sql) {
            if let Some(name) = created_schema(statement.text)
                && !expected.schemas.contains(&name)
            {
                expected.schemas.push(name);
            }
        }
    }
}

/// The schema a `CREATE SCHEMA [IF NOT EXISTS] name` statement creates, as
/// PostgreSQL names it (a bare name folded to lower case).
fn created_schema(statement: &str) -> Option<String> {
    let rest = dbkit_core::sql_split::code_of(statement);
    let mut words = rest.split_whitespace();
    let keyword = |word: Option<&str>, expected: &str| {
        word.is_some_and(|word| word.eq_ignore_ascii_case(expected))
    };
    if !keyword(words.next(), "CREATE") || !keyword(words.next(), "SCHEMA") {
        return None;
    }
    let mut after = rest.trim_start()[6..].trim_start()[6..].trim_start();
    if let Some(if_not_exists) = after.get(..13)
        && if_not_exists.eq_ignore_ascii_case("IF NOT EXISTS")
    {
        after = after[13..].trim_start();
    }
    if let Some(quoted) = after.strip_prefix('"') {
        let mut name = String::new();
        let mut characters = quoted.chars().peekable();
        while let Some(character) = characters.next() {
            if character == '"' {
                if characters.peek() == Some(&'"') {
                    characters.next();
                } else {
                    return Some(name);
                }
            }
            name.push(character);
        }
        return None;
    }
    let name: String = after
        .chars()
        .take_while(|character| {
            character.is_alphanumeric() || *character == '_' || *character == '$'
        })
        .collect();
    (!name.is_empty() && !name.eq_ignore_ascii_case("AUTHORIZATION")).then(|| name.to_lowercase())
}

/// `schema` as the comparison sees it: canonical, with each table's
/// columns sorted by name. PostgreSQL appends an added column after the
/// others while the snapshot keeps the order of the code, so only the set
/// of columns is comparable.
pub(crate) fn comparable_schema(schema: &Schema) -> Schema {
    let mut canonical = canonical_schema(schema);
    for table in &mut canonical.tables {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    canonical
}

// ---------------------------------------------------------------------------
// Which file to point at

/// What the blame of a replay difference looks at.
struct Blame<'a> {
    folder: &'a MigrationsFolder,
    folder_display: &'a str,
    /// Every migration, sorted by version.
    files: &'a [Migration],
    snapshot: &'a Snapshot,
    snapshot_version: u64,
    snapshot_display: &'a str,
    snapshot_text: &'a str,
}

/// The file a finding points at, with why.
struct Culprit {
    file: String,
    line: usize,
    note: String,
}

impl Blame<'_> {
    fn culprit(&self, difference: &ObjectDifference) -> Culprit {
        if !self.snapshot.id_is_consistent() {
            return self.in_snapshot(
                difference,
                format!(
                    "the id recorded in {} does not match its content: the snapshot was edited by hand",
                    self.snapshot_display
                ),
            );
        }
        let mentioned = self.newest_mention(difference);
        let earlier_snapshot = self
            .folder
            .migrations
            .iter()
            .rev()
            .filter(|entry| entry.version < self.snapshot_version)
            .find(|entry| {
                entry
                    .snapshot
                    .as_ref()
                    .is_some_and(|snapshot| difference.is_in(&snapshot.schema))
            })
            .map(|entry| entry.version);
        let unexplained_by_migrations = match (&difference.change, earlier_snapshot) {
            // An earlier snapshot had it, and no migration since mentions
            // it: the latest snapshot lost it.
            (Change::Unexpected, Some(version)) => {
                mentioned.as_ref().is_none_or(|(migration, _)| {
                    u64::try_from(migration.version).unwrap_or(0) <= version
                })
            }
            // Nothing creates it: it was written into the snapshot.
            (Change::Missing, _) => mentioned.is_none(),
            _ => false,
        };
        match mentioned {
            Some((migration, line)) if !unexplained_by_migrations => Culprit {
                file: format!("{}{}", self.folder_display, migration.file_name),
                line,
                note: format!(
                    "{} is the newest migration that mentions `{}` (the line shown)",
                    migration.file_name,
                    difference.leaf_name(),
                ),
            },
            _ => self.in_snapshot(
                difference,
                format!(
                    "no migration explains the snapshot here: {} was most likely edited by hand",
                    self.snapshot_display
                ),
            ),
        }
    }

    /// The latest snapshot, at the line that names the object (or, for a
    /// column it lacks, its table).
    fn in_snapshot(&self, difference: &ObjectDifference, note: String) -> Culprit {
        let line_naming = |name: &str| {
            let needle = format!(
                "\"name\": \"{}\"",
                name.replace('\\', "\\\\").replace('"', "\\\"")
            );
            self.snapshot_text
                .lines()
                .position(|line| line.contains(&needle))
                .map(|index| index + 1)
        };
        let line = line_naming(difference.leaf_name())
            .or_else(|| difference.table_name().and_then(line_naming))
            .unwrap_or(0);
        Culprit {
            file: self.snapshot_display.to_string(),
            line,
            note,
        }
    }

    /// The newest migration with a statement that mentions the object (a
    /// column: together with its table), and the last line of that
    /// statement that names it.
    fn newest_mention(&self, difference: &ObjectDifference) -> Option<(&Migration, usize)> {
        let leaf = difference.leaf_name();
        let table = difference.table_name();
        self.files.iter().rev().find_map(|migration| {
            let sql: &str = &migration.sql;
            split_sql_statements(sql)
                .iter()
                .rev()
                .find_map(|statement| {
                    let code = without_comments(statement.text);
                    if !mentions_identifier(&code, leaf)
                        || table.is_some_and(|table| !mentions_identifier(&code, table))
                    {
                        return None;
                    }
                    let offset =
                        (statement.text.as_ptr() as usize).saturating_sub(sql.as_ptr() as usize);
                    let first_line = sql
                        .get(..offset)
                        .map_or(0, |before| before.matches('\n').count())
                        + 1;
                    statement
                        .text
                        .lines()
                        .enumerate()
                        .filter(|(_, line)| mentions_identifier(&without_comments(line), leaf))
                        .last()
                        .map(|(index, _)| (migration, first_line + index))
                })
        })
    }
}

/// `text` without its `--` comments (a string holding `--` is cut too,
/// which only makes a mention less likely to be found).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `line` holds `identifier` as a whole word (quoted or not),
/// case-insensitively.
fn mentions_identifier(line: &str, identifier: &str) -> bool {
    if identifier.is_empty() {
        return false;
    }
    let haystack = line.to_lowercase();
    let needle = identifier.to_lowercase();
    let is_word =
        |character: char| character.is_alphanumeric() || character == '_' || character == '$';
    let mut start = 0;
    while let Some(position) = haystack[start..].find(&needle) {
        let at = start + position;
        let end = at + needle.len();
        let before = haystack[..at].chars().next_back();
        let after = haystack[end..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return true;
        }
        start = at + needle.len().max(1);
        if start >= haystack.len() {
            break;
        }
        while !haystack.is_char_boundary(start) {
            start += 1;
        }
    }
    false
}

fn replay_finding(difference: &ObjectDifference, blame: &Blame<'_>) -> Finding {
    let object = difference.object();
    let message = match &difference.change {
        Change::Unexpected => {
            format!("{object} is created by the migrations but is not in the snapshot")
        }
        Change::Missing => {
            format!("{object} is in the snapshot but the migrations do not create it")
        }
        Change::Field {
            field,
            expected,
            found,
        } => format!(
            "{object} differs from the snapshot: {field} is {} after the migrations, {} in the snapshot",
            describe_value(field, found),
            describe_value(field, expected)
        ),
    };
    let culprit = blame.culprit(difference);
    Finding::error(FindingKind::Replay, REPLAY_RULE, message)
        .in_file(culprit.file)
        .at(culprit.line, 0)
        .with_note(format!(
            "every migration of {} was applied to an empty database and the result compared with {}, the latest snapshot",
            blame.folder_display, blame.snapshot_display
        ))
        .with_note(culprit.note)
        .with_help(
            "if a migration was edited by hand to change the schema, move the change into the schema code and run `cargo dbkit generate`, or revert the edit (hand edits may only change data)",
        )
        .with_help(format!(
            "if the snapshot was edited by hand, restore it: `git checkout -- {}`",
            blame.snapshot_display
        ))
}

// ---------------------------------------------------------------------------
// Differences, as findings read them

/// The kind of object a [`Difference`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    Schema,
    Enum,
    Table,
    Column,
    PrimaryKey,
    ForeignKey,
    Unique,
    Check,
    Index,
    /// A kind this code does not know (a newer `compare`).
    Other,
}

impl ObjectKind {
    /// The kind `compare` names.
    fn of(kind: &str) -> ObjectKind {
        match kind {
            "schema" => ObjectKind::Schema,
            "enum" => ObjectKind::Enum,
            "table" => ObjectKind::Table,
            "column" => ObjectKind::Column,
            "primary key" => ObjectKind::PrimaryKey,
            "foreign key" => ObjectKind::ForeignKey,
            "unique constraint" => ObjectKind::Unique,
            "check constraint" => ObjectKind::Check,
            "index" => ObjectKind::Index,
            _ => ObjectKind::Other,
        }
    }
}

/// What differs about the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// In the expected schema (the snapshot), not in the actual one.
    Missing,
    /// In the actual schema (a database), not in the expected one.
    Unexpected,
    /// In both, with a field that differs; the values as `compare` prints
    /// them (Rust's `Debug`), for [`describe_value`].
    Field {
        field: String,
        expected: String,
        found: String,
    },
}

/// A [`Difference`] with its kind known to `check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectDifference {
    pub kind: ObjectKind,
    /// `kind` as `compare` spells it (`unique constraint`).
    pub kind_text: &'static str,
    /// Qualified: `public.users`, `public.users.email` for a column,
    /// `public.users_email_key` for a constraint or index.
    pub name: String,
    pub change: Change,
}

impl ObjectDifference {
    pub(crate) fn of(difference: &Difference) -> ObjectDifference {
        let change = match &difference.change {
            DifferenceChange::Missing => Change::Missing,
            DifferenceChange::Unexpected => Change::Unexpected,
            DifferenceChange::Field {
                field,
                expected,
                found,
            } => Change::Field {
                field: field.to_string(),
                expected: expected.clone(),
                found: found.clone(),
            },
        };
        ObjectDifference {
            kind: ObjectKind::of(difference.kind),
            kind_text: difference.kind,
            name: difference.name.clone(),
            change,
        }
    }

    /// `column `public.users.nickname`` (the kind, then the name in backticks).
    pub(crate) fn object(&self) -> String {
        format!("{} `{}`", self.kind_text, self.name)
    }

    /// The object's own name, without its schema (and table, for a column).
    pub(crate) fn leaf_name(&self) -> &str {
        match self.kind {
            ObjectKind::Schema => &self.name,
            _ => self
                .name
                .rsplit_once('.')
                .map_or(self.name.as_str(), |(_, leaf)| leaf),
        }
    }

    /// The table of a column, without its schema.
    pub(crate) fn table_name(&self) -> Option<&str> {
        if self.kind != ObjectKind::Column {
            return None;
        }
        let (table, _) = self.name.rsplit_once('.')?;
        Some(table.rsplit_once('.').map_or(table, |(_, name)| name))
    }

    /// Whether `schema` has the object (by name).
    pub(crate) fn is_in(&self, schema: &Schema) -> bool {
        let qualified = |table: &Table, name: &str| format!("{}.{name}", table.name.schema);
        let any_table = |has: &dyn Fn(&Table) -> bool| schema.tables.iter().any(has);
        match self.kind {
            ObjectKind::Schema => schema.schemas.contains(&self.name),
            ObjectKind::Enum => schema
                .enums
                .iter()
                .any(|enum_type| enum_type.name.to_string() == self.name),
            ObjectKind::Table => any_table(&|table| table.name.to_string() == self.name),
            ObjectKind::Column => any_table(&|table| {
                table
                    .columns
                    .iter()
                    .any(|column| format!("{}.{}", table.name, column.name) == self.name)
            }),
            ObjectKind::PrimaryKey => any_table(&|table| {
                table
                    .primary_key
                    .as_ref()
                    .is_some_and(|key| qualified(table, &key.name) == self.name)
            }),
            ObjectKind::ForeignKey => any_table(&|table| {
                table
                    .foreign_keys
                    .iter()
                    .any(|key| qualified(table, &key.name) == self.name)
            }),
            ObjectKind::Unique => any_table(&|table| {
                table
                    .uniques
                    .iter()
                    .any(|unique| qualified(table, &unique.name) == self.name)
            }),
            ObjectKind::Check => any_table(&|table| {
                table
                    .checks
                    .iter()
                    .any(|check| qualified(table, &check.name) == self.name)
            }),
            ObjectKind::Index => any_table(&|table| {
                table
                    .indexes
                    .iter()
                    .any(|index| qualified(table, &index.name) == self.name)
            }),
            ObjectKind::Other => false,
        }
    }
}

/// A field's value, as `compare` printed it (Rust's `Debug`), in words a
/// reader of SQL expects: `NOT NULL`, `GENERATED ALWAYS AS IDENTITY`,
/// `` `character varying(40)` ``, `ON DELETE CASCADE`'s `CASCADE`…
pub(crate) fn describe_value(field: &str, debug: &str) -> String {
    let text = debug.trim();
    let code = |value: &str| format!("`{value}`");
    match field {
        "nullable" => match text {
            "true" => "nullable".to_string(),
            _ => "NOT NULL".to_string(),
        },
        "serial" => match text {
            "true" => "serial".to_string(),
            _ => "not serial".to_string(),
        },
        "unique" => match text {
            "true" => "unique".to_string(),
            _ => "not unique".to_string(),
        },
        "identity" => match text {
            "Some(Always)" => code("GENERATED ALWAYS AS IDENTITY"),
            "Some(ByDefault)" => code("GENERATED BY DEFAULT AS IDENTITY"),
            _ => "no identity".to_string(),
        },
        "on delete" | "on update" => code(&action_words(text)),
        "type" => code(&column_type_words(text)),
        "referenced table" => code(&qualified_name_words(text)),
        "key" => match text
            .strip_prefix("Columns(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            Some(list) => code(&format!("({})", debug_strings(list).join(", "))),
            None => match text
                .strip_prefix("Expression(")
                .and_then(|rest| rest.strip_suffix(')'))
            {
                Some(expression) => code(&format!("({})", unquote(expression))),
                None => code(text),
            },
        },
        "labels" | "columns" | "referenced columns" | "column order" => {
            code(&format!("({})", debug_strings(text).join(", ")))
        }
        _ => match text {
            "None" => format!("no {field}"),
            _ => match text
                .strip_prefix("Some(")
                .and_then(|rest| rest.strip_suffix(')'))
            {
                Some(inner) => code(&unquote(inner)),
                None => code(&unquote(text)),
            },
        },
    }
}

/// `NoAction` → `NO ACTION`.
fn action_words(text: &str) -> String {
    let mut words = String::new();
    for character in text.chars() {
        if character.is_uppercase() && !words.is_empty() {
            words.push(' ');
        }
        words.extend(character.to_uppercase());
    }
    words
}

/// `ColumnType { base: Builtin("integer"), array_dims: 1 }` → `integer[]`.
fn column_type_words(text: &str) -> String {
    let base = if let Some(rest) = text.split_once("Builtin(").map(|(_, rest)| rest) {
        read_debug_string(rest).map(|(value, _)| value)
    } else {
        text.split_once("Enum(")
            .map(|(_, rest)| qualified_name_words(rest))
    };
    let dims = text
        .split_once("array_dims: ")
        .and_then(|(_, rest)| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<usize>()
                .ok()
        })
        .unwrap_or(0);
    match base {
        Some(base) => format!("{base}{}", "[]".repeat(dims)),
        None => text.to_string(),
    }
}

/// `QualifiedName { schema: "public", name: "users" }` → `public.users`.
fn qualified_name_words(text: &str) -> String {
    let field = |label: &str| {
        text.split_once(label)
            .and_then(|(_, rest)| read_debug_string(rest))
            .map(|(value, _)| value)
    };
    match (field("schema: "), field("name: ")) {
        (Some(schema), Some(name)) => format!("{schema}.{name}"),
        _ => text.to_string(),
    }
}

/// The strings of a `Debug` list: `["a", "b"]` → `a`, `b`.
fn debug_strings(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = text.trim().trim_start_matches('[');
    while let Some(start) = rest.find('"') {
        match read_debug_string(&rest[start..]) {
            Some((value, after)) => {
                values.push(value);
                rest = after;
            }
            None => break,
        }
    }
    values
}

/// A `Debug`-quoted string's value, or the text as it is.
fn unquote(text: &str) -> String {
    match read_debug_string(text.trim()) {
        Some((value, rest)) if rest.trim().is_empty() => value,
        _ => text.to_string(),
    }
}

/// Reads the `Debug`-quoted string at the start of `text` (`"a \"b\""`),
/// returning its value and what follows.
fn read_debug_string(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix('"')?;
    let mut value = String::new();
    let mut characters = rest.char_indices();
    while let Some((index, character)) = characters.next() {
        match character {
            '"' => return Some((value, &rest[index + 1..])),
            '\\' => match characters.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'r')) => value.push('\r'),
                Some((_, other)) => value.push(other),
                None => return None,
            },
            other => value.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn difference(kind: &'static str, name: &str, change: DifferenceChange) -> ObjectDifference {
        ObjectDifference::of(&Difference {
            kind,
            name: name.to_string(),
            change,
        })
    }

    #[test]
    fn differences_keep_kind_name_and_change() {
        let added = difference(
            "column",
            "public.users.nickname",
            DifferenceChange::Unexpected,
        );
        assert_eq!(added.kind, ObjectKind::Column);
        assert_eq!(added.name, "public.users.nickname");
        assert_eq!(added.leaf_name(), "nickname");
        assert_eq!(added.table_name(), Some("users"));
        assert_eq!(added.change, Change::Unexpected);
        assert_eq!(added.object(), "column `public.users.nickname`");

        let key = difference(
            "unique constraint",
            "public.users_email_key",
            DifferenceChange::Missing,
        );
        assert_eq!(key.kind, ObjectKind::Unique);
        assert_eq!(key.leaf_name(), "users_email_key");
        assert_eq!(key.change, Change::Missing);

        let changed = difference(
            "column",
            "public.users.age",
            DifferenceChange::Field {
                field: "default",
                expected: "Some(\"0\")".to_string(),
                found: "Some(\"1, found 2\")".to_string(),
            },
        );
        assert_eq!(
            changed.change,
            Change::Field {
                field: "default".to_string(),
                expected: "Some(\"0\")".to_string(),
                found: "Some(\"1, found 2\")".to_string(),
            }
        );
        assert_eq!(
            difference("schema", "app", DifferenceChange::Missing).leaf_name(),
            "app"
        );
    }

    #[test]
    fn values_read_as_sql() {
        let cases = [
            ("nullable", "true", "nullable"),
            ("nullable", "false", "NOT NULL"),
            ("identity", "Some(Always)", "`GENERATED ALWAYS AS IDENTITY`"),
            ("identity", "None", "no identity"),
            ("default", "None", "no default"),
            ("default", "Some(\"'it''s'\")", "`'it''s'`"),
            ("comment", "Some(\"say \\\"hi\\\"\")", "`say \"hi\"`"),
            ("on delete", "SetNull", "`SET NULL`"),
            (
                "type",
                "ColumnType { base: Builtin(\"character varying(40)\"), array_dims: 0 }",
                "`character varying(40)`",
            ),
            (
                "type",
                "ColumnType { base: Enum(QualifiedName { schema: \"app\", name: \"mood\" }), array_dims: 1 }",
                "`app.mood[]`",
            ),
            (
                "referenced table",
                "QualifiedName { schema: \"public\", name: \"orgs\" }",
                "`public.orgs`",
            ),
            ("key", "Columns([\"a\", \"b\"])", "`(a, b)`"),
            ("key", "Expression(\"lower(email)\")", "`(lower(email))`"),
            ("labels", "[\"draft\", \"done\"]", "`(draft, done)`"),
            ("method", "\"hash\"", "`hash`"),
            ("expression", "\"(age >= 0)\"", "`(age >= 0)`"),
            ("unique", "true", "unique"),
        ];
        for (field, debug, expected) in cases {
            assert_eq!(describe_value(field, debug), expected, "{field} {debug}");
        }
    }

    #[test]
    fn identifiers_are_found_as_whole_words() {
        assert!(mentions_identifier(
            "ALTER TABLE users ADD COLUMN nickname text;",
            "nickname"
        ));
        assert!(mentions_identifier("  \"nickname\" text,", "nickname"));
        assert!(mentions_identifier(
            "ALTER TABLE \"public\".\"Users\"",
            "users"
        ));
        assert!(!mentions_identifier(
            "ALTER TABLE users ADD nicknames text",
            "nickname"
        ));
        assert!(!mentions_identifier("user_nickname", "nickname"));
        assert!(!mentions_identifier("anything", ""));
        assert!(mentions_identifier("é nickname", "nickname"));
    }
}

#[cfg(test)]
mod created_schema_tests {
    use super::created_schema;

    #[test]
    fn the_schema_a_statement_creates() {
        assert_eq!(
            created_schema("CREATE SCHEMA app;"),
            Some("app".to_string())
        );
        assert_eq!(
            created_schema("-- carried\ncreate schema if not exists Reports;"),
            Some("reports".to_string())
        );
        assert_eq!(
            created_schema("CREATE SCHEMA IF NOT EXISTS \"My \"\"S\"\"\";"),
            Some("My \"S\"".to_string())
        );
        assert_eq!(created_schema("CREATE SCHEMA AUTHORIZATION joe;"), None);
        assert_eq!(created_schema("CREATE TABLE schema_x (id int);"), None);
        assert_eq!(created_schema("SELECT 1;"), None);
    }
}
