//! `check --database-url`: a live database compared, read-only, with the
//! snapshot of the newest migration it has applied.
//!
//! **Read-only.** Every session this part opens sets
//! `default_transaction_read_only = on` at connection time (the startup
//! `options`), so nothing it runs can write, whatever the database: the
//! history is read by the engine's `status` (no lock, no write, not even the
//! history table), the schema by the introspector (catalog reads only). The
//! one transaction opened `READ WRITE` prints the snapshot's view queries
//! the database's way, through temporary views, and is always rolled back
//! (`replay_views`): it leaves nothing behind.
//!
//! **What the database should hold** is the snapshot of the newest
//! migration it has applied (`meta/V<n>__<name>.json`), not the folder's
//! latest: pending migrations are not drift. The history itself can make
//! the comparison doubtful, and says so as findings: migrations not applied
//! yet (a warning), applied files changed since, migrations the folder does
//! not know, files older than the newest applied one that were never
//! applied (errors).
//!
//! **Drift** is then every object added, missing or changed outside the
//! migrations: a `drift-difference` error naming the object and the
//! direction ("exists in the database but not in the migrations", "is in the
//! migrations but missing from the database", "differs: …"), with what to
//! do. The comparison is [`replay`](super::replay)'s: canonical forms,
//! column order aside, the engine's history table left out.

use super::read_folder;
use super::replay::{
    Change, ObjectDifference, comparable_schema, describe_value, expect_created_schemas,
};
use super::{Finding, FindingKind};
use crate::cli::{DatabaseOptions, GlobalOptions};
use crate::commands::pull::unsupported::find_uncompared_options;
use crate::database::engine_errors::connect_timeout_diagnostic;
use crate::database::session::read_only_connect_options;
use crate::database::session::{SessionError, connect_pool};
use crate::database::target::MigrationContext;
use crate::output::diagnostics::Diagnostic;
use crate::output::errors::CliError;
use crate::output::format::migration_label;
use crate::output::redact::hide_passwords_of;
use crate::output::terminal::{Output, start_spinner};
use crate::workspace::discovery::Workspace;
use crate::workspace::migrations_folder::MigrationsFolder;
use dbkit_core::compare::schema_differences;
use dbkit_core::model::Schema;
use dbkit_core::snapshot::{SNAPSHOT_FOLDER, snapshot_file_name};
use dbkit_introspect::{INTROSPECTION_CONNECTIONS, introspect, remove_migration_history};
use dbkit_runtime::migrate::{DatabaseUrl, MigrationState, Status};

/// An object added, missing or changed outside the migrations.
pub const DRIFT_RULE: &str = "drift-difference";
/// Migrations of the folder the database has not applied yet (a warning).
pub const PENDING_RULE: &str = "drift-pending-migrations";
/// An applied migration whose file changed since.
pub const CHANGED_RULE: &str = "drift-changed-migration";
/// A migration the database applied that the folder does not have.
pub const UNKNOWN_RULE: &str = "drift-unknown-migration";
/// A file older than the newest applied migration that was never applied.
pub const OUT_OF_ORDER_RULE: &str = "drift-out-of-order-migration";
/// No migration of the folder is recorded as applied (a warning).
pub const NO_HISTORY_RULE: &str = "drift-no-history";
/// An option of a compared object that the DSL cannot say (a warning).
pub const NOT_COMPARED_RULE: &str = "drift-not-compared";

/// The `application_name` of check's sessions.
const APPLICATION_NAME: &str = "cargo dbkit check";

/// The server setting that makes every transaction of a session read-only.
const READ_ONLY_SETTING: &str = "default_transaction_read_only";

/// Every object added, missing or changed outside the migrations.
pub fn drift(
    global: &GlobalOptions,
    workspace: &Workspace,
    database: &DatabaseOptions,
    output: Output,
) -> Result<Vec<Finding>, CliError> {
    let context = MigrationContext::open(global, database, output)?;
    let folder = read_folder(workspace)?;
    let url = &context.database.url;
    let spinner = start_spinner(output, &format!("reading {url}"));
    let status = context.runtime.block_on(
        context
            .migrations
            .status_with(read_only_url(url), context.run_options(APPLICATION_NAME)),
    );
    let status = match status {
        Ok(status) => status,
        Err(error) => {
            drop(spinner);
            return Err(context.engine_error(error));
        }
    };
    let baseline = baseline(&status, &folder, &context.folder_display);
    let introspected = context.runtime.block_on(async {
        // One read-only pool for the schema and the options it cannot hold.
        let options =
            read_only_connect_options(url, APPLICATION_NAME).map_err(SessionError::Failed)?;
        let pool =
            connect_pool(options, INTROSPECTION_CONNECTIONS, context.connect_timeout).await?;
        let schema = introspect(&pool, None)
            .await
            .map_err(|error| error.to_string());
        let uncompared = find_uncompared_options(&pool)
            .await
            .map_err(|error| error.to_string());
        let printed_views = super::replay_views::printed_views(&pool, &baseline.schema).await;
        pool.close().await;
        Ok::<_, SessionError>((
            schema.map_err(SessionError::Failed)?,
            uncompared.map_err(SessionError::Failed)?,
            printed_views,
        ))
    });
    drop(spinner);
    let (mut actual, uncompared, printed_views) = introspected.map_err(|error| match error {
        SessionError::ConnectTimeout(timeout) => {
            CliError::Diagnostics(vec![connect_timeout_diagnostic(url, timeout)])
        }
        SessionError::Failed(detail) => CliError::Diagnostics(vec![
            Diagnostic::error(format!("cannot read the schema of {url}"))
                .with_note(hide_passwords_of(&detail)),
        ]),
    })?;
    remove_migration_history(&mut actual);

    let mut findings = history_findings(&status, &context.folder_display, url);
    findings.extend(uncompared.iter().map(|option| {
        Finding::warning(
            FindingKind::Drift,
            NOT_COMPARED_RULE,
            format!("{}: not compared", option.describe()),
        )
        .with_note("the schema DSL cannot say this option, so the migrations do not describe it and a database made from them lacks it")
        .with_help("if a database needs it, set it in a hand-written migration (`cargo dbkit generate --custom`)")
    }));
    if let Some(note) = &baseline.note {
        findings.push(
            Finding::warning(FindingKind::Drift, NO_HISTORY_RULE, note.clone()).with_help(
                "`cargo dbkit migrate` applies the migrations; `cargo dbkit status` shows the history",
            ),
        );
    }
    let mut expected = baseline.schema.clone();
    if let Some(views) = printed_views {
        expected.views = views;
    }
    if let Some(version) = baseline.version {
        expect_created_schemas(
            &mut expected,
            &workspace.root,
            folder
                .migrations
                .iter()
                .filter(|entry| entry.version <= version)
                .map(|entry| &entry.sql_display_path),
        );
    }
    dbkit_core::model::forget_undeclared_functions(&mut actual, &expected);
    let differences =
        schema_differences(&comparable_schema(&expected), &comparable_schema(&actual));
    output.status(
        "Compared",
        &format!(
            "{url} with {}: {}",
            baseline.description,
            match differences.len() {
                0 => "no drift".to_string(),
                1 => "1 difference".to_string(),
                count => format!("{count} differences"),
            }
        ),
    );
    findings.extend(differences.iter().map(|difference| {
        drift_finding(
            &ObjectDifference::of(difference),
            &baseline.description,
            url,
        )
    }));
    Ok(findings)
}

/// `url` with `default_transaction_read_only = on` added to the startup
/// `options` it may already carry, for the engine's connection (which
/// takes a URL or a `key=value` string). A `key=value` string that sets
/// `options` itself is returned as it is: the engine's `status` writes
/// nothing either way.
pub fn read_only_url(url: &DatabaseUrl) -> DatabaseUrl {
    DatabaseUrl::new(read_only_connection_string(url.connection_string()))
}

/// [`read_only_url`] of the connection string itself.
fn read_only_connection_string(url: &str) -> String {
    let setting = format!("-c {READ_ONLY_SETTING}=on");
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let encoded = setting.replace(' ', "%20").replace('=', "%3D");
        let (before_fragment, fragment) = match url.split_once('#') {
            Some((before, fragment)) => (before, Some(fragment)),
            None => (url, None),
        };
        let rewritten = match before_fragment.split_once('?') {
            Some((base, query)) => {
                let mut found = false;
                let mut parameters: Vec<String> = query
                    .split('&')
                    .filter(|parameter| !parameter.is_empty())
                    .map(|parameter| match parameter.split_once('=') {
                        Some(("options", value)) => {
                            found = true;
                            format!("options={value}%20{encoded}")
                        }
                        _ => parameter.to_string(),
                    })
                    .collect();
                if !found {
                    parameters.push(format!("options={encoded}"));
                }
                format!("{base}?{}", parameters.join("&"))
            }
            None => format!("{before_fragment}?options={encoded}"),
        };
        match fragment {
            Some(fragment) => format!("{rewritten}#{fragment}"),
            None => rewritten,
        }
    } else if url
        .split_whitespace()
        .any(|pair| pair.trim_start().starts_with("options"))
    {
        tracing::debug!(
            "the connection string sets options: the history is read without adding the read-only one"
        );
        url.to_string()
    } else {
        format!("{url} options='{setting}'")
    }
}

/// What the database is compared with.
struct Baseline {
    schema: Schema,
    /// The newest migration the database has applied, if any.
    version: Option<u64>,
    /// `the snapshot of V3__add_x (migrations/meta/V3__add_x.json)`.
    description: String,
    /// Why the comparison is doubtful, when it is.
    note: Option<String>,
}

/// The snapshot of the newest migration the database has applied (or the
/// newest snapshot before it, when that migration has none).
fn baseline(status: &Status, folder: &MigrationsFolder, folder_display: &str) -> Baseline {
    let newest_applied = status
        .migrations
        .iter()
        .filter(|migration| {
            matches!(
                migration.state,
                MigrationState::Applied | MigrationState::Changed
            )
        })
        .map(|migration| i64::from(migration.version))
        .max();
    let Some(newest_applied) = newest_applied else {
        return Baseline {
            schema: Schema::default(),
            version: None,
            description: "an empty schema".to_string(),
            note: Some(format!(
                "the database has applied no migration of {folder_display}: it is compared with an empty schema"
            )),
        };
    };
    let snapshot = folder
        .migrations
        .iter()
        .rev()
        .filter(|entry| i64::try_from(entry.version).is_ok_and(|version| version <= newest_applied))
        .find_map(|entry| entry.snapshot.as_ref().map(|snapshot| (entry, snapshot)));
    match snapshot {
        Some((entry, snapshot)) => {
            let path = format!(
                "{folder_display}{SNAPSHOT_FOLDER}/{}",
                snapshot_file_name(&format!("{}.sql", entry.stem()))
            );
            let note = (i64::try_from(entry.version).ok() != Some(newest_applied)).then(|| {
                format!(
                    "V{newest_applied}, the newest migration the database has applied, has no snapshot: the database is compared with the snapshot of {}",
                    entry.stem()
                )
            });
            Baseline {
                schema: snapshot.schema.clone(),
                version: u64::try_from(newest_applied).ok(),
                description: format!("the snapshot of {} ({path})", entry.stem()),
                note,
            }
        }
        None => Baseline {
            schema: Schema::default(),
            version: u64::try_from(newest_applied).ok(),
            description: "an empty schema".to_string(),
            note: Some(format!(
                "no snapshot in {folder_display}{SNAPSHOT_FOLDER}/ describes the migrations the database has applied: it is compared with an empty schema"
            )),
        },
    }
}

/// What the history says beyond "applied": pending, changed, unknown and
/// out-of-order migrations.
fn history_findings(
    status: &Status,
    folder_display: &str,
    database_url: &DatabaseUrl,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let pending: Vec<String> = status
        .migrations
        .iter()
        .filter(|migration| migration.state == MigrationState::Pending)
        .map(migration_label)
        .collect();
    if !pending.is_empty() {
        findings.push(
            Finding::warning(
                FindingKind::Drift,
                PENDING_RULE,
                format!(
                    "{} {} of {folder_display} {} not applied to the database yet: {}",
                    pending.len(),
                    if pending.len() == 1 { "migration" } else { "migrations" },
                    if pending.len() == 1 { "is" } else { "are" },
                    pending.join(", ")
                ),
            )
            .with_note("pending migrations are not drift: the database is compared with the snapshot of the newest migration it has applied")
            .with_help(format!("`cargo dbkit migrate --database-url …` applies them to {database_url}")),
        );
    }
    for migration in &status.migrations {
        let file = migration
            .file_name
            .as_ref()
            .map(|file_name| format!("{folder_display}{file_name}"));
        let label = migration_label(migration);
        let finding = match migration.state {
            MigrationState::Changed => Finding::error(
                FindingKind::Drift,
                CHANGED_RULE,
                format!("{label} was applied to the database, but its file changed since"),
            )
            .with_note("the database ran the file as it was then; its snapshot describes the file as it is now, so the comparison may show the change as drift")
            .with_help("restore the file as it was applied (`git log -p -- <file>` shows its history); a change to the schema belongs in a new migration (`cargo dbkit generate`)"),
            MigrationState::Unknown => Finding::error(
                FindingKind::Drift,
                UNKNOWN_RULE,
                format!("the database has applied {label}, which {folder_display} does not have"),
            )
            .with_note("what it changed shows as drift below, since no snapshot here knows it")
            .with_help("bring the migration into this checkout (it may come from another branch), or find out who applied it"),
            MigrationState::OutOfOrder => Finding::error(
                FindingKind::Drift,
                OUT_OF_ORDER_RULE,
                format!("{label} was never applied, but the database has applied newer migrations"),
            )
            .with_note("`cargo dbkit migrate` refuses to apply a migration older than the newest applied one; what it changes shows as missing from the database")
            .with_help("give it a version after the newest applied migration (it was most likely merged from another branch)"),
            MigrationState::Applied | MigrationState::Pending => continue,
        };
        findings.push(match file {
            Some(file) => finding.in_file(file),
            None => finding,
        });
    }
    findings
}

fn drift_finding(
    difference: &ObjectDifference,
    baseline: &str,
    database_url: &DatabaseUrl,
) -> Finding {
    let object = difference.object();
    let message = match &difference.change {
        Change::Unexpected => format!("{object} exists in the database but not in the migrations"),
        Change::Missing => format!("{object} is in the migrations but missing from the database"),
        Change::Field {
            field,
            expected,
            found,
        } => format!(
            "{object} differs: {field} is {} in the database, {} in the migrations",
            describe_value(field, found),
            describe_value(field, expected)
        ),
    };
    Finding::error(FindingKind::Drift, DRIFT_RULE, message)
        .with_note(format!(
            "{database_url} was compared with {baseline}: the change was made outside the migrations"
        ))
        .with_help("to keep it, declare it in the schema code and run `cargo dbkit generate`, so that every database gets it through a migration")
        .with_help("otherwise, revert it in this database")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_only_option_joins_the_url() {
        assert_eq!(
            read_only_connection_string("postgres://u:p@h/db"),
            "postgres://u:p@h/db?options=-c%20default_transaction_read_only%3Don"
        );
        assert_eq!(
            read_only_connection_string("postgresql://h/db?sslmode=disable"),
            "postgresql://h/db?sslmode=disable&options=-c%20default_transaction_read_only%3Don"
        );
        assert_eq!(
            read_only_connection_string("postgres://h/db?options=-c%20search_path%3Dapp&x=1"),
            "postgres://h/db?options=-c%20search_path%3Dapp%20-c%20default_transaction_read_only%3Don&x=1"
        );
        assert_eq!(
            read_only_connection_string("host=h dbname=db"),
            "host=h dbname=db options='-c default_transaction_read_only=on'"
        );
        assert_eq!(
            read_only_connection_string("host=h options='-c x=y'"),
            "host=h options='-c x=y'"
        );
    }
}
