//! Which database a command talks to: `--database-url`, else the
//! `DATABASE_URL` of `--env-file F`, else the environment's `DATABASE_URL`,
//! else the `DATABASE_URL` of `.env` in the workspace root.
//!
//! A file named on the command line wins over the environment (it is the
//! more deliberate choice: `--env-file .env.test` must not migrate the
//! database a shell happened to export), while the implicit `.env` does not
//! override the environment, as dotenvy and sqlx-cli behave.

use crate::database::dotenv::{DotenvError, dotenv_value, parse_dotenv};
use crate::output::diagnostics::{Diagnostic, SourceSpan};
use dbkit_runtime::migrate::DatabaseUrl;
use std::path::{Path, PathBuf};

/// The variable every source is read for.
pub const DATABASE_URL_VARIABLE: &str = "DATABASE_URL";

/// A database URL (shown with its password hidden) and where it came
/// from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDatabaseUrl {
    pub url: DatabaseUrl,
    pub source: UrlSource,
}

/// Where a URL was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    Argument,
    Environment,
    File(PathBuf),
}

/// Why no URL could be found.
#[derive(Debug)]
pub enum DatabaseUrlError {
    /// None of the sources gives one.
    Missing { dotenv_path: PathBuf },
    /// The `--env-file` file does not set `DATABASE_URL`.
    NotInEnvFile { path: PathBuf },
    /// A file could not be read.
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line of a file is not `KEY=VALUE` (the error holds none of its
    /// text, which may be a password).
    Malformed { path: PathBuf, error: DotenvError },
}

impl DatabaseUrlError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            DatabaseUrlError::Missing { dotenv_path } => {
                Diagnostic::error("no database URL given")
                    .with_help(format!(
                        "give one in any of three ways:\n  1. --database-url postgres://user@host:5432/database (a password after `user:`)\n  2. the environment variable {DATABASE_URL_VARIABLE}\n  3. a line `{DATABASE_URL_VARIABLE}=postgres://…` in {} (or in the file named by --env-file)",
                        dotenv_path.display()
                    ))
            }
            DatabaseUrlError::NotInEnvFile { path } => Diagnostic::error(format!(
                "{} does not set {DATABASE_URL_VARIABLE}",
                path.display()
            ))
            .in_file(path.display().to_string())
            .with_help(format!(
                "add a line `{DATABASE_URL_VARIABLE}=postgres://…` to it, or leave out --env-file"
            )),
            DatabaseUrlError::Unreadable { path, source } => {
                Diagnostic::error(format!("could not read {}", path.display()))
                    .with_note(source.to_string())
            }
            DatabaseUrlError::Malformed { path, error } => Diagnostic::error(format!(
                "malformed line in {}: {}",
                path.display(),
                error.problem
            ))
            .with_span(SourceSpan::line(path.display().to_string(), error.line))
            .with_note("the line is not shown: it may hold a password")
            .with_help(
                "write `KEY=VALUE`, `export KEY=VALUE` or a `# comment`; quote values with blanks",
            ),
        }
    }
}

/// Finds the URL; `environment_url` is the environment's `DATABASE_URL`
/// and `workspace_root` holds the implicit `.env`.
pub fn resolve_database_url(
    argument: Option<&str>,
    env_file: Option<&Path>,
    environment_url: Option<String>,
    workspace_root: &Path,
) -> Result<ResolvedDatabaseUrl, DatabaseUrlError> {
    if let Some(url) = argument.filter(|url| !url.trim().is_empty()) {
        return Ok(ResolvedDatabaseUrl {
            url: DatabaseUrl::new(url),
            source: UrlSource::Argument,
        });
    }
    if let Some(path) = env_file {
        let text =
            std::fs::read_to_string(path).map_err(|source| DatabaseUrlError::Unreadable {
                path: path.to_path_buf(),
                source,
            })?;
        return url_from_file(path, &text)?.ok_or_else(|| DatabaseUrlError::NotInEnvFile {
            path: path.to_path_buf(),
        });
    }
    if let Some(url) = environment_url.filter(|url| !url.trim().is_empty()) {
        return Ok(ResolvedDatabaseUrl {
            url: DatabaseUrl::new(url),
            source: UrlSource::Environment,
        });
    }
    let dotenv_path = workspace_root.join(".env");
    match std::fs::read_to_string(&dotenv_path) {
        Ok(text) => {
            url_from_file(&dotenv_path, &text)?.ok_or(DatabaseUrlError::Missing { dotenv_path })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(DatabaseUrlError::Missing { dotenv_path })
        }
        Err(source) => Err(DatabaseUrlError::Unreadable {
            path: dotenv_path,
            source,
        }),
    }
}

fn url_from_file(path: &Path, text: &str) -> Result<Option<ResolvedDatabaseUrl>, DatabaseUrlError> {
    let entries = parse_dotenv(text).map_err(|error| DatabaseUrlError::Malformed {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(dotenv_value(&entries, DATABASE_URL_VARIABLE)
        .filter(|entry| !entry.value.trim().is_empty())
        .map(|entry| ResolvedDatabaseUrl {
            url: DatabaseUrl::new(entry.value.as_str()),
            source: UrlSource::File(path.to_path_buf()),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        for (name, text) in files {
            std::fs::write(directory.path().join(name), text)
                .unwrap_or_else(|error| panic!("{error}"));
        }
        directory
    }

    fn url(result: Result<ResolvedDatabaseUrl, DatabaseUrlError>) -> String {
        match result {
            Ok(found) => found.url.connection_string().to_string(),
            Err(error) => panic!("{:?}", error.to_diagnostic()),
        }
    }

    #[test]
    fn the_argument_then_the_env_file_then_the_environment_then_dotenv() {
        let root = folder(&[
            (".env", "DATABASE_URL=postgres://dotenv/x\n"),
            (".env.test", "DATABASE_URL=postgres://test/x\n"),
        ]);
        let env_file = root.path().join(".env.test");
        let environment = || Some("postgres://environment/x".to_string());
        assert_eq!(
            url(resolve_database_url(
                Some("postgres://argument/x"),
                Some(&env_file),
                environment(),
                root.path()
            )),
            "postgres://argument/x"
        );
        assert_eq!(
            url(resolve_database_url(
                None,
                Some(&env_file),
                environment(),
                root.path()
            )),
            "postgres://test/x"
        );
        assert_eq!(
            url(resolve_database_url(None, None, environment(), root.path())),
            "postgres://environment/x"
        );
        let found = resolve_database_url(None, None, None, root.path());
        assert!(matches!(
            &found,
            Ok(ResolvedDatabaseUrl { url, source: UrlSource::File(_) })
                if url.connection_string() == "postgres://dotenv/x"
        ));
    }

    #[test]
    fn missing_and_broken_sources_are_errors() {
        let empty = folder(&[]);
        let missing = resolve_database_url(None, None, Some(" ".to_string()), empty.path());
        let Err(error) = missing else {
            panic!("found {missing:?}")
        };
        let help = error.to_diagnostic().help.join("\n");
        assert!(help.contains("--database-url"), "{help}");
        assert!(help.contains("environment variable DATABASE_URL"), "{help}");
        assert!(help.contains(".env"), "{help}");

        let root = folder(&[
            (
                ".env",
                "A=1\nDATABASE_URL=postgres://u:topsecret@h/x\nbroken postgres://u:topsecret@h/x\n",
            ),
            ("other.env", "A=1\n"),
        ]);
        let Err(error) = resolve_database_url(None, None, None, root.path()) else {
            panic!("a malformed .env was accepted")
        };
        assert!(matches!(
            &error,
            DatabaseUrlError::Malformed { error, .. } if error.line == 3
        ));
        let text = format!("{:?}", error.to_diagnostic());
        assert!(text.contains("it has no `=`"), "{text}");
        assert!(!text.contains("topsecret"), "{text}");
        let other = root.path().join("other.env");
        assert!(matches!(
            resolve_database_url(None, Some(&other), None, root.path()),
            Err(DatabaseUrlError::NotInEnvFile { .. })
        ));
        let absent = root.path().join("absent.env");
        assert!(matches!(
            resolve_database_url(None, Some(&absent), None, root.path()),
            Err(DatabaseUrlError::Unreadable { .. })
        ));
    }
}
