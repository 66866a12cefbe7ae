//! A PostgreSQL server in a Docker container, started through testcontainers.
//!
//! **The image.** `DBKIT_POSTGRES_IMAGE` (`name`, `name:tag` or
//! `name@sha256:<digest>`), else the official `postgres:17`. Any image that
//! keeps the official image's contract works: `POSTGRES_PASSWORD` sets the
//! password of the superuser `postgres`, whose database is `postgres`;
//! `POSTGRES_INITDB_ARGS` reaches `initdb`; the command is `postgres` and its
//! arguments; the data directory is `PGDATA`. An image missing locally is
//! pulled; on a machine without a registry, `cargo xtask postgres-image`
//! builds one (`dbkit-postgres:15`) from Debian packages.
//!
//! **Tuned for tests.** Durability is traded for speed: `fsync`,
//! `synchronous_commit` and `full_page_writes` are off, `initdb` does not
//! sync, and the data directory is a tmpfs (memory), which halves the cold
//! start compared with the container's overlay file system. Password
//! authentication stays as the image sets it (`POSTGRES_HOST_AUTH_METHOD` is
//! not set), with a password drawn at random for each container, so a wrong
//! password is refused for real. The port is published on 127.0.0.1 only.
//!
//! **Ready** means what the image's contract says: the line "database
//! system is ready to accept connections" has appeared twice (once from the
//! server the entrypoint runs for its init scripts, once from the real one),
//! and then a connection over the published port succeeds.
//!
//! **Lifetime.** A [`DockerServer`] is a description, not an owner: the
//! container outlives it and this process, so that a server shared by the
//! test processes of a run can be removed by whatever outlives them all,
//! with [`remove_container`]. testcontainers' handle is dropped as soon as
//! the server is ready; it is created with the reuse directive, so dropping
//! it neither removes the container nor (inside or outside a Tokio runtime)
//! panics. Every container carries the label `dbkit.test-server=<run id>`
//! ([`SERVER_LABEL`], [`DockerOptions::run_id`]), so that what a run
//! started can be found and removed even if its ids were lost; a start that
//! fails removes its own container.

use std::fmt;
use std::future::Future;
use std::io::Read;
use std::time::Duration;

use sqlx::Connection;
use testcontainers::bollard::Docker;
use testcontainers::bollard::models::{HostConfig, PortBinding};
use testcontainers::bollard::query_parameters::{
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
};
use testcontainers::core::client::docker_client_instance;
use testcontainers::core::{IntoContainerPort, Mount};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt, ReuseDirective};
use tokio::io::AsyncBufReadExt;

/// The variable naming the image.
pub const IMAGE_VARIABLE: &str = "DBKIT_POSTGRES_IMAGE";

/// The image used when [`IMAGE_VARIABLE`] is not set: the official image at
/// a current major version.
pub const DEFAULT_IMAGE: &str = "postgres:17";

/// The label every container started here carries; its value is the run id.
pub const SERVER_LABEL: &str = "dbkit.test-server";

/// A label with a value unique to one start, by which a failed start finds
/// the container it created.
const INSTANCE_LABEL: &str = "dbkit.test-server.instance";

/// The line PostgreSQL logs when it accepts connections.
const READY_MESSAGE: &str = "database system is ready to accept connections";

/// The port PostgreSQL listens on inside the container.
const POSTGRES_PORT: u16 = 5432;

/// Where the data directory lives in the container (a tmpfs).
const DATA_DIRECTORY: &str = "/var/lib/postgresql/data";

/// How long PostgreSQL may take to become ready by default: ample on a
/// loaded machine, where it takes a few seconds.
const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the daemon may take to answer a ping.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// The pause between two connection attempts once the log says ready,
/// and how many attempts are made (the published port may lag the server).
const CONNECT_RETRY_PAUSE: Duration = Duration::from_millis(20);
const CONNECT_ATTEMPTS: u32 = 250;

/// The lines of each of the container's outputs quoted in an error.
const LOG_TAIL_LINES: usize = 40;

/// What to do when the image cannot be had, for the errors that say so.
const HOW_TO_GET_THE_IMAGE: &str = "set DBKIT_POSTGRES_IMAGE to an image this machine has \
     (`docker images`) or can pull, or build one without a registry with \
     `cargo xtask postgres-image` (then DBKIT_POSTGRES_IMAGE=dbkit-postgres:15)";

/// Why a Docker server could not be started, inspected or removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerError {
    /// The Docker daemon does not answer.
    #[error(
        "Docker is not available: {detail}\nstart the Docker daemon (or point DOCKER_HOST at one), \
         or let the tests use another PostgreSQL (DBKIT_TEST_DATABASE_URL, or the local binaries \
         with DBKIT_TEST_PROVIDER=local)"
    )]
    DaemonUnavailable { detail: String },
    /// `DBKIT_POSTGRES_IMAGE` does not name an image.
    #[error("{IMAGE_VARIABLE}=`{value}` does not name an image: {reason}\n{HOW_TO_GET_THE_IMAGE}")]
    InvalidImage { value: String, reason: String },
    /// The image is not on this machine and could not be pulled.
    #[error(
        "the image `{image}` is not on this machine and could not be pulled: {detail}\n{HOW_TO_GET_THE_IMAGE}"
    )]
    ImageUnavailable { image: String, detail: String },
    /// The container started but PostgreSQL did not become ready in it.
    #[error(
        "PostgreSQL in a container of `{image}` did not become ready: {reason}\ncontainer log:\n{log}"
    )]
    StartFailed {
        image: String,
        reason: String,
        log: String,
    },
    /// Another request to the daemon failed.
    #[error("failed to {action}: {detail}")]
    Docker { action: String, detail: String },
}

/// How to start a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerOptions {
    /// The image: `name`, `name:tag` or `name@sha256:<digest>`.
    pub image: String,
    /// The value of the [`SERVER_LABEL`] label on the container: what a run
    /// uses to find every container it started.
    pub run_id: String,
    /// How long PostgreSQL may take to accept connections once its
    /// container is created (a pull comes before and is not counted).
    pub startup_timeout: Duration,
}

impl DockerOptions {
    /// The image from `DBKIT_POSTGRES_IMAGE` (else [`DEFAULT_IMAGE`]), a run
    /// id of this process and a timeout that leaves room for a pull.
    pub fn from_env() -> DockerOptions {
        let image = std::env::var(IMAGE_VARIABLE)
            .ok()
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
        DockerOptions {
            image,
            run_id: format!("{}-{}", std::process::id(), random_hex(6)),
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
        }
    }
}

/// A PostgreSQL server running in a container that outlives this value
/// (see the module documentation); [`remove_container`] removes it. Its
/// `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct DockerServer {
    container_id: String,
    image: String,
    port: u16,
    password: String,
}

impl fmt::Debug for DockerServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerServer")
            .field("container_id", &self.container_id)
            .field("image", &self.image)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl DockerServer {
    /// Starts a container of `options.image` and returns once PostgreSQL in
    /// it accepts connections on 127.0.0.1. Needs a Tokio runtime with I/O
    /// and time enabled. On failure the container, if one was created, is
    /// removed.
    pub async fn start(options: &DockerOptions) -> Result<DockerServer, DockerError> {
        let (name, tag) = parse_image(&options.image)?;
        let docker = connect().await?;
        let password = random_hex(16);
        let instance = random_hex(8);
        let request = GenericImage::new(name, tag)
            .with_exposed_port(POSTGRES_PORT.tcp())
            .with_env_var("POSTGRES_PASSWORD", password.as_str())
            .with_env_var("POSTGRES_INITDB_ARGS", "--no-sync")
            .with_env_var("PGDATA", DATA_DIRECTORY)
            .with_mount(Mount::tmpfs_mount(DATA_DIRECTORY))
            .with_cmd([
                "postgres",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .with_label(SERVER_LABEL, options.run_id.as_str())
            .with_label(INSTANCE_LABEL, instance.as_str())
            .with_reuse(ReuseDirective::Always)
            .with_host_config_modifier(publish_on_loopback_only);

        let container = match request.start().await {
            Ok(container) => container,
            Err(error) => {
                // The container may have been created before the failure.
                if let Some(id) = find_instance(&docker, &instance).await {
                    // Best effort: the start's own error is what the caller needs.
                    let _ = remove(&docker, &id).await;
                }
                return Err(start_error(&docker, &options.image, error.to_string()).await);
            }
        };
        let ready = tokio::time::timeout(
            options.startup_timeout,
            wait_until_ready(&container, &password),
        )
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "not ready within {:?} (DockerOptions::startup_timeout)",
                options.startup_timeout
            ))
        });
        match ready {
            Ok(port) => Ok(DockerServer {
                container_id: container.id().to_string(),
                image: options.image.clone(),
                port,
                password,
            }),
            Err(reason) => {
                let log = log_tail(&container).await;
                // Best effort: the start's own error is what the caller needs.
                let _ = container.rm().await;
                // A daemon that went away explains more than the log.
                ping(&docker).await?;
                Err(DockerError::StartFailed {
                    image: options.image.clone(),
                    reason,
                    log,
                })
            }
        }
    }

    /// A URL of the `postgres` database as the superuser `postgres`,
    /// password included.
    pub fn admin_url(&self) -> String {
        self.database_url("postgres")
    }

    /// A URL of database `name` as the superuser `postgres`, password
    /// included. `name` must be a plain identifier or percent-encoded.
    pub fn database_url(&self, name: &str) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/{name}",
            self.password, self.port
        )
    }

    /// The id of the container, for [`remove_container`].
    pub fn container_id(&self) -> &str {
        &self.container_id
    }

    /// The image the container runs.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// The port PostgreSQL is published on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Removes container `id` and its anonymous volumes, stopping it first if
/// it runs; a container that is already gone is not an error. Blocks; may be
/// called from any thread, inside a Tokio runtime or not.
pub fn remove_container(id: &str) -> Result<(), DockerError> {
    let id = id.to_string();
    block_on_own_runtime(async move {
        let docker = connect().await?;
        remove(&docker, &id).await
    })
}

/// Removes every container labelled `dbkit.test-server=<run_id>`; returns
/// their ids. Blocks, like [`remove_container`].
pub fn remove_run_containers(run_id: &str) -> Result<Vec<String>, DockerError> {
    let run_id = run_id.to_string();
    block_on_own_runtime(async move {
        let docker = connect().await?;
        let ids = containers_labelled(&docker, &format!("{SERVER_LABEL}={run_id}")).await?;
        for id in &ids {
            remove(&docker, id).await?;
        }
        Ok(ids)
    })
}

/// Whether a Docker daemon answers, within a few seconds at most (at once
/// when there is none). Never panics.
pub fn docker_available() -> bool {
    block_on_own_runtime(connect()).is_ok()
}

/// Whether `image` is on this machine (no pull is attempted), so that a
/// caller can prefer another provider rather than wait for a registry.
pub fn image_present(image: &str) -> bool {
    let Ok((name, tag)) = parse_image(image) else {
        return false;
    };
    let reference = image_reference(&name, &tag);
    block_on_own_runtime(async move {
        let docker = connect().await?;
        docker
            .inspect_image(&reference)
            .await
            .map_err(|error| docker_error("inspect the image", error))
    })
    .is_ok()
}

/// Splits an image into the name and tag testcontainers takes. A missing
/// tag is `latest`; the colon of a registry's port is not a tag's.
pub fn parse_image(image: &str) -> Result<(String, String), DockerError> {
    let invalid = |reason: &str| DockerError::InvalidImage {
        value: image.to_string(),
        reason: reason.to_string(),
    };
    if image.is_empty() {
        return Err(invalid("it is empty"));
    }
    if image.chars().any(char::is_whitespace) {
        return Err(invalid("it contains white space"));
    }
    let (name, tag) = match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (image, "latest"),
    };
    if name.is_empty() || tag.is_empty() || name.ends_with('@') {
        return Err(invalid(
            "expected `name`, `name:tag` or `name@sha256:<digest>`",
        ));
    }
    Ok((name.to_string(), tag.to_string()))
}

/// `name:tag` (or `name@sha256:<digest>`, whose name part ends in
/// `@sha256`), as the daemon spells a reference.
fn image_reference(name: &str, tag: &str) -> String {
    format!("{name}:{tag}")
}

/// Turns a failed creation of the container into the error that says what
/// to do: no daemon, no image, or another failure.
async fn start_error(docker: &Docker, image: &str, detail: String) -> DockerError {
    if let Err(unavailable) = ping(docker).await {
        return unavailable;
    }
    let present = match parse_image(image) {
        Ok((name, tag)) => docker
            .inspect_image(&image_reference(&name, &tag))
            .await
            .is_ok(),
        Err(invalid) => return invalid,
    };
    if present {
        DockerError::StartFailed {
            image: image.to_string(),
            reason: detail,
            log: String::new(),
        }
    } else {
        DockerError::ImageUnavailable {
            image: image.to_string(),
            detail,
        }
    }
}

/// Publishes PostgreSQL's port on 127.0.0.1 only, on a port the daemon
/// picks, instead of testcontainers' default of every image port on every
/// interface.
fn publish_on_loopback_only(host_config: &mut HostConfig) {
    host_config.publish_all_ports = Some(false);
    host_config.port_bindings = Some(
        [(
            format!("{POSTGRES_PORT}/tcp"),
            Some(vec![PortBinding {
                host_ip: Some("127.0.0.1".to_string()),
                host_port: Some(String::new()),
            }]),
        )]
        .into_iter()
        .collect(),
    );
}

/// Waits for the image's readiness contract (see the module documentation);
/// returns the published port.
async fn wait_until_ready(
    container: &ContainerAsync<GenericImage>,
    password: &str,
) -> Result<u16, String> {
    wait_for_ready_lines(container).await?;
    let port = container
        .get_host_port_ipv4(POSTGRES_PORT)
        .await
        .map_err(|error| format!("no published port: {error}"))?;
    let url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
    let mut attempts = 0;
    loop {
        attempts += 1;
        match sqlx::PgConnection::connect(&url).await {
            Ok(connection) => {
                // Closing politely only saves the server a log line.
                let _ = connection.close().await;
                return Ok(port);
            }
            Err(error) if attempts >= CONNECT_ATTEMPTS => {
                return Err(format!(
                    "the log says ready but connecting to 127.0.0.1:{port} failed: {error}"
                ));
            }
            Err(_) => tokio::time::sleep(CONNECT_RETRY_PAUSE).await,
        }
    }
}

/// Follows the container's standard output and error until
/// [`READY_MESSAGE`] has appeared twice in all; fails when both end first
/// (the container stopped).
async fn wait_for_ready_lines(container: &ContainerAsync<GenericImage>) -> Result<(), String> {
    let mut stdout = container.stdout(true).lines();
    let mut stderr = container.stderr(true).lines();
    let (mut stdout_open, mut stderr_open) = (true, true);
    let mut seen = 0;
    while seen < 2 {
        if !stdout_open && !stderr_open {
            return Err("the container stopped before PostgreSQL was ready".to_string());
        }
        let line = tokio::select! {
            line = stdout.next_line(), if stdout_open => line.map(|line| (line, &mut stdout_open)),
            line = stderr.next_line(), if stderr_open => line.map(|line| (line, &mut stderr_open)),
        };
        match line {
            Ok((Some(text), _)) => {
                if text.contains(READY_MESSAGE) {
                    seen += 1;
                }
            }
            Ok((None, open)) => *open = false,
            Err(error) => {
                return Err(format!("failed to read the container's log: {error}"));
            }
        }
    }
    Ok(())
}

/// A client of the daemon testcontainers is configured for
/// (`DOCKER_HOST`, else the local socket), once it has answered a ping.
async fn connect() -> Result<Docker, DockerError> {
    let docker =
        docker_client_instance()
            .await
            .map_err(|error| DockerError::DaemonUnavailable {
                detail: error.to_string(),
            })?;
    ping(&docker).await?;
    Ok(docker)
}

async fn ping(docker: &Docker) -> Result<(), DockerError> {
    match tokio::time::timeout(PING_TIMEOUT, docker.ping()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(DockerError::DaemonUnavailable {
            detail: error.to_string(),
        }),
        Err(_) => Err(DockerError::DaemonUnavailable {
            detail: format!("no answer to a ping within {PING_TIMEOUT:?}"),
        }),
    }
}

async fn remove(docker: &Docker, id: &str) -> Result<(), DockerError> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        Err(testcontainers::bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }) => Ok(()),
        // A removal already under way (another cleanup got there first).
        Err(testcontainers::bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message,
        }) if message.contains("already in progress") => Ok(()),
        Err(error) => Err(docker_error(&format!("remove container {id}"), error)),
    }
}

/// The ids of the containers (running or not) carrying `label`
/// (`key=value`).
async fn containers_labelled(docker: &Docker, label: &str) -> Result<Vec<String>, DockerError> {
    let filters = std::collections::HashMap::from([("label", vec![label])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let containers = docker
        .list_containers(Some(options))
        .await
        .map_err(|error| docker_error("list containers", error))?;
    Ok(containers
        .into_iter()
        .filter_map(|container| container.id)
        .collect())
}

async fn find_instance(docker: &Docker, instance: &str) -> Option<String> {
    containers_labelled(docker, &format!("{INSTANCE_LABEL}={instance}"))
        .await
        .ok()?
        .into_iter()
        .next()
}

/// The end of the container's standard output and error, for an error
/// message; what cannot be read is left out.
async fn log_tail(container: &ContainerAsync<GenericImage>) -> String {
    let mut text = String::new();
    for (stream, bytes) in [
        ("stdout", container.stdout_to_vec().await),
        ("stderr", container.stderr_to_vec().await),
    ] {
        let Ok(bytes) = bytes else { continue };
        let log = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = log.lines().collect();
        text.push_str(&format!("--- {stream} ---\n"));
        for line in &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..] {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

fn docker_error(action: &str, error: testcontainers::bollard::errors::Error) -> DockerError {
    DockerError::Docker {
        action: action.to_string(),
        detail: error.to_string(),
    }
}

/// Runs `future` to completion on a runtime of its own, on a thread of its
/// own, so that a blocking function can be called both inside and outside a
/// Tokio runtime (blocking inside one would panic).
fn block_on_own_runtime<T, F>(future: F) -> Result<T, DockerError>
where
    F: Future<Output = Result<T, DockerError>> + Send + 'static,
    T: Send + 'static,
{
    let thread = std::thread::Builder::new()
        .name("dbkit-docker".to_string())
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| DockerError::Docker {
                    action: "start a runtime for a Docker request".to_string(),
                    detail: error.to_string(),
                })?
                .block_on(future)
        })
        .map_err(|error| DockerError::Docker {
            action: "start a thread for a Docker request".to_string(),
            detail: error.to_string(),
        })?;
    thread.join().unwrap_or_else(|_| {
        Err(DockerError::Docker {
            action: "make a Docker request".to_string(),
            detail: "the request's thread panicked".to_string(),
        })
    })
}

/// `bytes` random bytes from the operating system, as lowercase hex; falls
/// back to the standard library's randomly keyed hasher.
fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut buffer))
        .is_ok();
    if !from_os {
        use std::hash::{BuildHasher, Hasher};
        for chunk in buffer.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|elapsed| elapsed.as_nanos())
                    .unwrap_or_default(),
            );
            let value = hasher.finish().to_le_bytes();
            chunk.copy_from_slice(&value[..chunk.len()]);
        }
    }
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{DockerError, parse_image, random_hex};

    #[test]
    fn images_split_into_name_and_tag() {
        for (image, expected) in [
            ("postgres:17", Some(("postgres", "17"))),
            ("postgres", Some(("postgres", "latest"))),
            ("dbkit-postgres:15", Some(("dbkit-postgres", "15"))),
            (
                "localhost:5000/postgres",
                Some(("localhost:5000/postgres", "latest")),
            ),
            (
                "localhost:5000/postgres:16",
                Some(("localhost:5000/postgres", "16")),
            ),
            ("postgres@sha256:abc", Some(("postgres@sha256", "abc"))),
            ("", None),
            ("postgres:", None),
            (":17", None),
            ("postgres 17", None),
        ] {
            let parsed = parse_image(image);
            match expected {
                Some((name, tag)) => {
                    assert_eq!(parsed, Ok((name.to_string(), tag.to_string())), "{image}")
                }
                None => assert!(
                    matches!(parsed, Err(DockerError::InvalidImage { .. })),
                    "{image}: {parsed:?}"
                ),
            }
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let missing = DockerError::ImageUnavailable {
            image: "postgres:17".to_string(),
            detail: "no registry".to_string(),
        }
        .to_string();
        assert!(missing.contains("DBKIT_POSTGRES_IMAGE"), "{missing}");
        assert!(missing.contains("cargo xtask postgres-image"), "{missing}");
        let no_daemon = DockerError::DaemonUnavailable {
            detail: "connection refused".to_string(),
        }
        .to_string();
        assert!(no_daemon.contains("DBKIT_TEST_DATABASE_URL"), "{no_daemon}");
    }

    #[test]
    fn random_hex_is_hex_of_the_length_asked_and_differs() {
        let first = random_hex(16);
        assert_eq!(first.len(), 32);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first, random_hex(16));
    }
}
