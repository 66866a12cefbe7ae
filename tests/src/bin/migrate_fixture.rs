//! A minimal app for the process-level tests of the migration engine: it
//! applies one of the embedded fixture folders of `fixtures/migrate/` to
//! `DATABASE_URL`, as a deployed binary does at start-up.
//!
//! `dbkit-migrate-fixture <counted|gated|gated_no_transaction>`: prints `applied <file>` for each
//! migration it applied; exits 0 on success, 2 on any error.

use dbkit_runtime::Migrations;
use std::process::ExitCode;

static COUNTED: Migrations = dbkit_runtime::embed_migrations!("fixtures/migrate/counted");
static GATED: Migrations = dbkit_runtime::embed_migrations!("fixtures/migrate/gated");
static GATED_NO_TRANSACTION: Migrations =
    dbkit_runtime::embed_migrations!("fixtures/migrate/gated_no_transaction");

#[tokio::main]
async fn main() -> ExitCode {
    let folder = std::env::args().nth(1);
    let migrations = match folder.as_deref() {
        Some("counted") => &COUNTED,
        Some("gated") => &GATED,
        Some("gated_no_transaction") => &GATED_NO_TRANSACTION,
        _ => {
            eprintln!(
                "usage: dbkit-migrate-fixture <counted|gated|gated_no_transaction> (with DATABASE_URL set)"
            );
            return ExitCode::from(2);
        }
    };
    let Ok(database_url) = std::env::var("DATABASE_URL") else {
        eprintln!("error: DATABASE_URL is not set");
        return ExitCode::from(2);
    };
    match migrations.run(&database_url).await {
        Ok(report) => {
            for migration in &report.applied {
                println!("applied {}", migration.file_name);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: failed to migrate: {error}");
            ExitCode::from(2)
        }
    }
}
