//! The one rule for symbolic links in a migration folder, which the
//! compile-time `embed_migrations!`, the run-time `Migrations::from_directory`
//! (what `cargo dbkit migrate` and `status` apply and report) and
//! `cargo dbkit check` all follow, so that a binary and the CLI never see
//! different migrations:
//!
//! - a link whose target lies inside the folder is followed, as if the
//!   target's content were in the link's place;
//! - a link whose target lies outside the folder, a dangling link, and a
//!   link that loops (to itself, or to a folder that contains it) are
//!   refused, with the link's path and what is wrong.
//!
//! It lives in a crate of its own because the proc-macro crate can depend
//! on no crate that depends on it, and `dbkit-core` does no I/O.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A symbolic link the rule refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedLink {
    /// The link, relative to the migration folder.
    pub link: PathBuf,
    /// Why it is refused.
    pub problem: LinkProblem,
}

/// What is wrong with a [`RefusedLink`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// Its target lies outside the migration folder.
    LeavesFolder {
        /// Where it points, resolved.
        target: PathBuf,
    },
    /// Its target does not exist.
    Dangling {
        /// Where it points, as written in the link.
        target: PathBuf,
    },
    /// Following it never ends: it points to itself through other links,
    /// or to a folder that holds it.
    Loop,
    /// It could not be read.
    Unreadable {
        /// The operating system's words.
        reason: String,
    },
}

impl fmt::Display for RefusedLink {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let link = self.link.display();
        match &self.problem {
            LinkProblem::LeavesFolder { target } => write!(
                formatter,
                "the symbolic link `{link}` points outside the migration folder, to `{}`",
                target.display()
            ),
            LinkProblem::Dangling { target } => write!(
                formatter,
                "the symbolic link `{link}` points to `{}`, which does not exist",
                target.display()
            ),
            LinkProblem::Loop => write!(
                formatter,
                "the symbolic link `{link}` loops: following it never ends"
            ),
            LinkProblem::Unreadable { reason } => {
                write!(
                    formatter,
                    "the symbolic link `{link}` cannot be read: {reason}"
                )
            }
        }
    }
}

impl RefusedLink {
    /// What to do about it, for a diagnostic's help line.
    pub fn help(&self) -> &'static str {
        match self.problem {
            LinkProblem::LeavesFolder { .. } => {
                "migrations must live in the migration folder: copy the file in place of the link (a binary embeds the folder, so a file outside it is not what deploys)"
            }
            LinkProblem::Dangling { .. } | LinkProblem::Unreadable { .. } => {
                "remove the link, or point it at a file inside the migration folder"
            }
            LinkProblem::Loop => {
                "remove the link, or point it at a file inside the migration folder that is no link back"
            }
        }
    }
}

/// Every link in `folder` and below (as a recursive embedding walks it)
/// that the rule refuses, each once, by where it really lies, sorted by
/// path; empty when all links are followed. A folder that cannot be read
/// yields no finding here: the caller reads it next and reports that.
pub fn refused_links(folder: &Path) -> Vec<RefusedLink> {
    let mut refused = BTreeMap::new();
    if let Ok(root) = folder.canonicalize() {
        let mut stack = vec![root.clone()];
        walk(&root, &root, &mut stack, &mut refused);
    }
    refused
        .into_iter()
        .map(|(link, problem)| RefusedLink { link, problem })
        .collect()
}

/// Whether `path` (an entry of the folder, perhaps a link) is a regular
/// file once links are followed. A refused link is none.
pub fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file())
}

/// Walks the canonical `directory` inside `root`, following links to
/// folders; `stack` holds the folders being walked, `directory` last.
fn walk(
    root: &Path,
    directory: &Path,
    stack: &mut Vec<PathBuf>,
    refused: &mut BTreeMap<PathBuf, LinkProblem>,
) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        // Where the entry really lies: `directory` is canonical.
        let location = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let target = if file_type.is_symlink() {
            match follow(root, &path) {
                Ok(target) => target,
                Err(problem) => {
                    refused.insert(location, problem);
                    continue;
                }
            }
        } else if file_type.is_dir() {
            path.clone()
        } else {
            continue;
        };
        if !target.is_dir() {
            continue;
        }
        if stack.contains(&target) {
            refused.insert(location, LinkProblem::Loop);
            continue;
        }
        stack.push(target.clone());
        walk(root, &target, stack, refused);
        stack.pop();
    }
}

/// The canonical target of the link at `path`, or why the rule refuses it.
fn follow(root: &Path, path: &Path) -> Result<PathBuf, LinkProblem> {
    match path.canonicalize() {
        Ok(target) if target.starts_with(root) => Ok(target),
        Ok(target) => Err(LinkProblem::LeavesFolder { target }),
        Err(error) if is_loop(&error) => Err(LinkProblem::Loop),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(LinkProblem::Dangling {
            target: std::fs::read_link(path).unwrap_or_default(),
        }),
        Err(error) => Err(LinkProblem::Unreadable {
            reason: error.to_string(),
        }),
    }
}

/// `ELOOP`: too many levels of symbolic links.
fn is_loop(error: &std::io::Error) -> bool {
    // ELOOP is 40 on Linux and 62 on the BSDs and macOS.
    let eloop = if cfg!(target_os = "linux") { 40 } else { 62 };
    error.raw_os_error() == Some(eloop)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn problems(folder: &Path) -> Vec<(String, LinkProblem)> {
        refused_links(folder)
            .into_iter()
            .map(|refused| (refused.link.display().to_string(), refused.problem))
            .collect()
    }

    #[test]
    fn links_inside_the_folder_are_followed_and_others_refused() {
        let outside = tempfile::tempdir().expect("temporary folder");
        std::fs::write(outside.path().join("V9__secret.sql"), "SELECT 9;").expect("write");
        let folder = tempfile::tempdir().expect("temporary folder");
        let root = folder.path();
        std::fs::create_dir(root.join("shared")).expect("folder");
        std::fs::write(root.join("shared/three.sql"), "SELECT 3;").expect("write");
        symlink("shared/three.sql", root.join("V3__linked.sql")).expect("link");
        symlink("shared", root.join("V4__folder.sql")).expect("link");
        symlink(
            outside.path().join("V9__secret.sql"),
            root.join("V9__secret.sql"),
        )
        .expect("link");
        symlink("missing.sql", root.join("V5__dangling.sql")).expect("link");
        symlink("V6__loop.sql", root.join("V6__loop.sql")).expect("link");
        symlink("..", root.join("shared/up")).expect("link");

        let found = problems(root);
        let canonical_outside = outside.path().canonicalize().expect("canonical");
        assert_eq!(
            found,
            [
                (
                    "V5__dangling.sql".to_string(),
                    LinkProblem::Dangling {
                        target: PathBuf::from("missing.sql")
                    }
                ),
                ("V6__loop.sql".to_string(), LinkProblem::Loop),
                (
                    "V9__secret.sql".to_string(),
                    LinkProblem::LeavesFolder {
                        target: canonical_outside.join("V9__secret.sql")
                    }
                ),
                ("shared/up".to_string(), LinkProblem::Loop),
            ]
        );
        assert!(is_file(&root.join("V3__linked.sql")));
        assert!(!is_file(&root.join("V4__folder.sql")));
        assert!(!is_file(&root.join("V5__dangling.sql")));
        let message = refused_links(root)[2].to_string();
        assert!(
            message.contains("`V9__secret.sql` points outside the migration folder"),
            "{message}"
        );
    }

    #[test]
    fn two_folders_linking_to_each_other_are_a_loop() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let root = folder.path();
        std::fs::create_dir_all(root.join("a")).expect("folder");
        std::fs::create_dir_all(root.join("b")).expect("folder");
        symlink("../b", root.join("a/to_b")).expect("link");
        symlink("../a", root.join("b/to_a")).expect("link");
        let found = problems(root);
        assert_eq!(
            found,
            [
                ("a/to_b".to_string(), LinkProblem::Loop),
                ("b/to_a".to_string(), LinkProblem::Loop),
            ]
        );
    }

    #[test]
    fn a_folder_without_links_has_nothing_refused() {
        let folder = tempfile::tempdir().expect("temporary folder");
        std::fs::write(folder.path().join("V1__a.sql"), "SELECT 1;").expect("write");
        assert!(refused_links(folder.path()).is_empty());
        assert!(refused_links(Path::new("/nonexistent/dbkit")).is_empty());
    }
}
