//! Which server the tests of a run use: chosen from the environment, once
//! per process, and shared with the other processes of the run.
//!
//! `DBKIT_TEST_PROVIDER` (`url`, `docker` or `local`) names one, which is
//! then the only one tried. Otherwise: `url` when `DBKIT_TEST_DATABASE_URL`
//! is set; `docker` when the daemon answers and the image is there or can
//! be pulled; `local` when the PostgreSQL binaries are found; otherwise an
//! error that lists the three ways.

use std::fmt;
use std::path::PathBuf;

use super::docker::{self, DockerOptions, DockerServer};
use super::local::{self, HOW_TO_GET_A_SERVER};
use super::shared::{self, StartedServer};
use super::test_db::TestDbError;

/// Where the disposable server comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// An existing server at `DBKIT_TEST_DATABASE_URL`.
    Url,
    /// A PostgreSQL container, through testcontainers.
    Docker,
    /// `initdb` and `postgres` from the machine.
    Local,
}

impl Provider {
    /// The name `DBKIT_TEST_PROVIDER` takes.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Url => "url",
            Provider::Docker => "docker",
            Provider::Local => "local",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The server of this process.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub provider: Provider,
    /// A superuser URL of a database that is never dropped.
    pub admin_url: String,
    /// The registry directory of a server shared by the run's processes
    /// (none for the `url` provider, whose server is not ours).
    pub registry: Option<PathBuf>,
}

impl Server {
    /// Whether the server dies at the end of the run, taking every database
    /// on it along (so databases may be created ahead of demand).
    pub fn is_disposable(&self) -> bool {
        self.registry.is_some()
    }
}

/// Chooses a provider and starts or joins its server (blocking).
pub(crate) fn start_or_join() -> Result<Server, TestDbError> {
    let requested = std::env::var("DBKIT_TEST_PROVIDER")
        .ok()
        .filter(|text| !text.trim().is_empty());
    let provider = match requested.as_deref().map(str::trim) {
        Some("url") => Provider::Url,
        Some("docker") => Provider::Docker,
        Some("local") => Provider::Local,
        Some(other) => {
            return Err(TestDbError::Provider {
                provider: other.to_string(),
                detail: "DBKIT_TEST_PROVIDER must be `url`, `docker` or `local`".to_string(),
            });
        }
        None => choose_automatically()?,
    };
    match provider {
        Provider::Url => url_server(),
        Provider::Docker if requested.is_none() => docker_server().or_else(|error| {
            // Chosen automatically because the daemon answers, but the
            // image could not be had (no registry): the binaries may do.
            remember_docker_failure(&error.to_string());
            if local::find_postgres_binaries().is_ok() {
                eprintln!(
                    "dbkit: {}; using the local PostgreSQL binaries",
                    first_line(&error.to_string())
                );
                local_server()
            } else {
                Err(error)
            }
        }),
        Provider::Docker => docker_server(),
        Provider::Local => local_server(),
    }
}

fn choose_automatically() -> Result<Provider, TestDbError> {
    if database_url_from_environment().is_some() {
        return Ok(Provider::Url);
    }
    let mut tried = vec!["DBKIT_TEST_DATABASE_URL is not set".to_string()];
    if let Some(failure) = recent_docker_failure() {
        tried.push(format!("docker: {failure}"));
    } else if docker::docker_available() {
        return Ok(Provider::Docker);
    } else {
        tried.push("docker: the daemon does not answer".to_string());
    }
    match local::find_postgres_binaries() {
        Ok(_) => Ok(Provider::Local),
        Err(error) => {
            tried.push(format!("local: {}", first_line(&error.to_string())));
            Err(TestDbError::NoProvider {
                tried: tried.join("; "),
            })
        }
    }
}

/// How long an automatic choice remembers that Docker could not give a
/// server, so that the other test processes of the run (one per test under
/// nextest) do not each try again.
const DOCKER_FAILURE_MEMORY: std::time::Duration = std::time::Duration::from_secs(600);

fn docker_failure_file() -> PathBuf {
    shared::registry_directory("docker").join(format!(
        "failed-{}",
        DockerOptions::from_env()
            .image
            .chars()
            .map(|character| if character.is_ascii_alphanumeric() {
                character
            } else {
                '_'
            })
            .collect::<String>()
    ))
}

fn remember_docker_failure(error: &str) {
    let file = docker_failure_file();
    if let Some(parent) = file.parent()
        && std::fs::create_dir_all(parent).is_ok()
    {
        let _ = std::fs::write(file, first_line(error));
    }
}

/// The error of a recent failed automatic Docker start with this image.
fn recent_docker_failure() -> Option<String> {
    let file = docker_failure_file();
    let age = std::fs::metadata(&file)
        .ok()?
        .modified()
        .ok()?
        .elapsed()
        .ok()?;
    if age > DOCKER_FAILURE_MEMORY {
        return None;
    }
    std::fs::read_to_string(file).ok()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn database_url_from_environment() -> Option<String> {
    std::env::var("DBKIT_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

fn url_server() -> Result<Server, TestDbError> {
    let admin_url = database_url_from_environment().ok_or_else(|| TestDbError::Provider {
        provider: "url".to_string(),
        detail: format!("DBKIT_TEST_DATABASE_URL is not set\n{HOW_TO_GET_A_SERVER}"),
    })?;
    Ok(Server {
        provider: Provider::Url,
        admin_url,
        registry: None,
    })
}

fn local_server() -> Result<Server, TestDbError> {
    let registry = shared::registry_directory("local");
    let registration = shared::join_or_start(&registry, || {
        let cluster = local::start_detached().map_err(|error| error.to_string())?;
        Ok(StartedServer {
            admin_url: cluster.admin_url(),
            stop_command: cluster.stop_command(),
        })
    })
    .map_err(|detail| TestDbError::Provider {
        provider: "local".to_string(),
        detail,
    })?;
    Ok(Server {
        provider: Provider::Local,
        admin_url: registration.admin_url,
        registry: Some(registry),
    })
}

fn docker_server() -> Result<Server, TestDbError> {
    let provider_error = |detail: String| TestDbError::Provider {
        provider: "docker".to_string(),
        detail,
    };
    let registry = shared::registry_directory("docker");
    let registration = shared::join_or_start(&registry, || {
        let options = DockerOptions::from_env();
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|error| format!("no Tokio runtime to start the container on: {error}"))?;
        let server = runtime
            .block_on(DockerServer::start(&options))
            .map_err(|error| error.to_string())?;
        Ok(StartedServer {
            admin_url: server.admin_url(),
            stop_command: format!(
                "docker rm --force --volumes {}",
                local::shell_quote(server.container_id())
            ),
        })
    })
    .map_err(provider_error)?;
    Ok(Server {
        provider: Provider::Docker,
        admin_url: registration.admin_url,
        registry: Some(registry),
    })
}
