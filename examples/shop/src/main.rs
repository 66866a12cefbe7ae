//! The shop's start-up: applies its embedded migrations to `DATABASE_URL`.

use std::process::ExitCode;

static MIGRATIONS: dbkit_runtime::Migrations = dbkit_runtime::embed_migrations!("../../migrations");

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(database_url) = std::env::var("DATABASE_URL") else {
        eprintln!("error: DATABASE_URL is not set");
        return ExitCode::from(2);
    };
    match MIGRATIONS.run(&database_url).await {
        Ok(report) => {
            for migration in &report.applied {
                println!(
                    "applied {} in {:?}",
                    migration.file_name, migration.duration
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: failed to migrate: {error}");
            ExitCode::from(2)
        }
    }
}
