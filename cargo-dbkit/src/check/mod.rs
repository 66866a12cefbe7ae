//! `cargo dbkit check`: what a reviewer checks by hand before a migration
//! reaches production, as one command that CI runs on every pull request.
//!
//! Each part produces [`Finding`]s and knows nothing of how they are shown:
//!
//! - [`integrity`]: the migrations folder on its own (versions, gaps,
//!   duplicates, the snapshot chain, two migrations generated from the same
//!   parent on two branches);
//! - [`lint`] (the rules live in `dbkit-core`): each migration's SQL, parsed, against rules
//!   about locks and running code;
//! - [`replay`]: every migration applied from scratch on a disposable
//!   PostgreSQL, introspected and compared with the latest snapshot;
//! - [`drift`]: a live database compared with the snapshot of what it has
//!   applied, read-only.
//!
//! [`report`] prints them (rustc-like text, JSON, or GitHub Actions
//! annotations) and decides the exit status: 1 when any finding is an error.

pub mod drift;
pub mod findings;
pub mod integrity;
pub mod lint;
pub mod replay;
pub mod report;

pub use findings::{Finding, FindingKind};

use crate::discovery::Workspace;
use crate::errors::CliError;
use crate::migrations_folder::{MigrationsFolder, scan_migrations_folder};

/// The folder with its snapshots, read without changing anything in it:
/// `check` leaves even an interrupted run's temporary files where they are.
fn read_folder(workspace: &Workspace) -> Result<MigrationsFolder, CliError> {
    scan_migrations_folder(&workspace.migrations_directory, &workspace.root)
        .without_cleanup()
        .map_err(CliError::MigrationsFolder)
}
