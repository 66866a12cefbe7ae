//! A throwaway PostgreSQL cluster built from the `initdb` and `postgres`
//! binaries of the machine, in a temporary directory.
//!
//! **Finding the binaries.** `DBKIT_POSTGRES_BIN_DIR` when set, else the
//! first `PATH` directory holding both `initdb` and `postgres`, else
//! `pg_config --bindir`, else the highest `/usr/lib/postgresql/<version>/bin`.
//!
//! **Running as root.** Tests, CI and containers often run as root, and
//! PostgreSQL refuses to start as root. When the effective user is root (read
//! from the owner of the freshly created temporary directory, which is the
//! effective uid on every Unix), `initdb` and the server run as `nobody`
//! (from `/etc/passwd`), the directory is handed to that user with `chown`,
//! and it lives in a parent every user can traverse.
//!
//! **Teardown.** The server is started through a small `/bin/sh` watchdog
//! whose standard input is a pipe that only this process holds open. When
//! the pipe closes, because the [`LocalServer`] is dropped or because the
//! process ends in any way (a test binary returns from `main`, panics, or is
//! killed), the watchdog reads end-of-file, stops the postmaster with an
//! immediate shutdown and removes the whole directory. This is what makes a
//! process-global server ([`LocalServer::shared`], never dropped because
//! statics are not) leave nothing behind, without any hook at exit.

use std::fmt;
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::Connection;

/// How long the server may take to accept connections.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// How many times a start is retried when the chosen port was taken between
/// choosing it and the server binding it.
const START_ATTEMPTS: usize = 3;

/// Unix socket paths longer than this do not fit in `sockaddr_un`.
const SOCKET_DIRECTORY_MAX_BYTES: usize = 90;

/// The lines of the server log quoted in an error.
const LOG_TAIL_LINES: usize = 40;

/// The three ways to get a server, for errors that mean "none here".
pub const HOW_TO_GET_A_SERVER: &str = "dbkit tests need a PostgreSQL server; any one of these works:\n  \
     1. set DBKIT_TEST_DATABASE_URL to an existing server (each test gets its own database on it);\n  \
     2. run Docker, so that a PostgreSQL container can be started;\n  \
     3. install the PostgreSQL server binaries (initdb, postgres), e.g. `apt-get install postgresql`, \
     or point DBKIT_POSTGRES_BIN_DIR at their directory.";

/// The watchdog: starts the server (the arguments after the directory),
/// stops it when its standard input reaches end-of-file, and removes the
/// directory once the server is gone. If the server exits on its own it
/// prints the end of the log and removes the directory as well.
const WATCHDOG_SCRIPT: &str = r#"directory="$1"
shift
exec 3<&0
"$@" </dev/null >"$directory/server.log" 2>&1 &
server=$!
{ while read -r _ <&3; do :; done; kill -QUIT "$server" 2>/dev/null; } </dev/null >/dev/null 2>&1 &
wait "$server"
status=$?
tail -n 40 "$directory/server.log" >&2 2>/dev/null
rm -rf "$directory"
exit "$status"
"#;

/// Why a local server could not be started or used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalServerError {
    /// No `initdb`/`postgres` pair was found.
    BinariesNotFound { searched: Vec<String> },
    /// The process runs as root and there is no `nobody` user to run the
    /// server as.
    NoUnprivilegedUser { detail: String },
    /// A file system or process operation failed.
    Io { action: String, detail: String },
    /// `initdb` exited with an error.
    InitdbFailed { output: String },
    /// The server did not come up.
    StartFailed { reason: String, log: String },
    /// A statement against the server failed.
    Sql { statement: String, detail: String },
}

impl fmt::Display for LocalServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalServerError::BinariesNotFound { searched } => write!(
                f,
                "no PostgreSQL server binaries (initdb and postgres) found; searched: {}\n{HOW_TO_GET_A_SERVER}",
                searched.join(", ")
            ),
            LocalServerError::NoUnprivilegedUser { detail } => write!(
                f,
                "running as root, and PostgreSQL refuses to run as root, but no unprivileged user to run it as was found: {detail}"
            ),
            LocalServerError::Io { action, detail } => write!(f, "failed to {action}: {detail}"),
            LocalServerError::InitdbFailed { output } => write!(f, "initdb failed:\n{output}"),
            LocalServerError::StartFailed { reason, log } => {
                write!(
                    f,
                    "the local PostgreSQL server did not start: {reason}\nserver log:\n{log}"
                )
            }
            LocalServerError::Sql { statement, detail } => {
                write!(f, "`{statement}` failed on the local server: {detail}")
            }
        }
    }
}

impl std::error::Error for LocalServerError {}

fn io_error(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> LocalServerError {
    let action = action.into();
    move |error| LocalServerError::Io {
        action,
        detail: error.to_string(),
    }
}

/// The directory holding `initdb` and `postgres`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresBinaries {
    pub initdb: PathBuf,
    pub postgres: PathBuf,
}

/// The user the server runs as when this process is root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnprivilegedUser {
    pub uid: u32,
    pub gid: u32,
}

/// A running throwaway server. Dropping it stops the server and removes its
/// directory; the server is also stopped when this process exits.
#[derive(Debug)]
pub struct LocalServer {
    port: u16,
    directory: PathBuf,
    /// The write end of the watchdog's standard input; closing it stops the
    /// server.
    watchdog_input: Mutex<Option<ChildStdin>>,
    watchdog: Mutex<Child>,
}

static SHARED_SERVER: OnceLock<Result<LocalServer, LocalServerError>> = OnceLock::new();
static DATABASE_COUNTER: AtomicU64 = AtomicU64::new(0);

impl LocalServer {
    /// Finds the binaries, creates a cluster in a new temporary directory
    /// and starts a server on it; returns once it accepts connections.
    pub fn start() -> Result<LocalServer, LocalServerError> {
        LocalServer::start_with_authentication(Authentication::Trust)
    }

    /// Like [`LocalServer::start`], but TCP logins of every role except
    /// `postgres` need their password (`scram-sha-256` in `pg_hba.conf`),
    /// so that a wrong password is refused for real. Roles with a password
    /// come from [`LocalServer::create_role_with_password`]; the admin
    /// helpers keep working as `postgres`.
    pub fn start_with_password_auth() -> Result<LocalServer, LocalServerError> {
        LocalServer::start_with_authentication(Authentication::PasswordForHostLogins)
    }

    fn start_with_authentication(
        authentication: Authentication,
    ) -> Result<LocalServer, LocalServerError> {
        let binaries = find_postgres_binaries()?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match start_with_binaries(&binaries, authentication) {
                Ok(server) => return Ok(server),
                Err(error @ LocalServerError::StartFailed { .. }) => last_error = Some(error),
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or_else(|| LocalServerError::StartFailed {
            reason: "no attempt was made".to_string(),
            log: String::new(),
        }))
    }

    /// The server of this process, started on first use and stopped when
    /// the process exits (see the module documentation).
    pub fn shared() -> Result<&'static LocalServer, LocalServerError> {
        SHARED_SERVER
            .get_or_init(LocalServer::start)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory (cluster, socket and log).
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// The directory of the Unix socket.
    pub fn socket_directory(&self) -> &Path {
        &self.directory
    }

    /// A URL of the `postgres` database as the superuser `postgres`.
    pub fn admin_url(&self) -> String {
        self.database_url("postgres")
    }

    /// A URL of database `name` as the superuser `postgres`.
    pub fn database_url(&self, name: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            self.port,
            percent_encode(name)
        )
    }

    /// Creates database `name` and returns its URL.
    pub async fn create_database(&self, name: &str) -> Result<String, LocalServerError> {
        self.execute_as_admin(&format!("CREATE DATABASE {}", quote_identifier(name)))
            .await?;
        Ok(self.database_url(name))
    }

    /// Creates a database with a name no other call in this process gets
    /// (`<prefix>_<pid>_<n>`); returns its name and URL.
    pub async fn create_unique_database(
        &self,
        prefix: &str,
    ) -> Result<(String, String), LocalServerError> {
        let number = DATABASE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}_{}_{number}", std::process::id());
        let url = self.create_database(&name).await?;
        Ok((name, url))
    }

    /// Creates a login role `role` with `password` and a database of the
    /// same name that it owns; returns that database's URL, password
    /// included (percent-encoded).
    pub async fn create_role_with_password(
        &self,
        role: &str,
        password: &str,
    ) -> Result<String, LocalServerError> {
        let role_identifier = quote_identifier(role);
        self.execute_as_admin(&format!(
            "CREATE ROLE {role_identifier} LOGIN PASSWORD '{}'",
            password.replace('\'', "''")
        ))
        .await?;
        self.execute_as_admin(&format!(
            "CREATE DATABASE {role_identifier} OWNER {role_identifier}"
        ))
        .await?;
        Ok(format!(
            "postgres://{}:{}@127.0.0.1:{}/{}",
            percent_encode(role),
            percent_encode(password),
            self.port,
            percent_encode(role)
        ))
    }

    /// Drops database `name`, closing the connections still open on it.
    pub async fn drop_database(&self, name: &str) -> Result<(), LocalServerError> {
        self.execute_as_admin(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_identifier(name)
        ))
        .await
    }

    async fn execute_as_admin(&self, statement: &str) -> Result<(), LocalServerError> {
        let sql_error = |error: sqlx::Error| LocalServerError::Sql {
            statement: statement.to_string(),
            detail: error.to_string(),
        };
        let mut connection = sqlx::PgConnection::connect(&self.admin_url())
            .await
            .map_err(sql_error)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&mut connection)
            .await
            .map_err(sql_error)?;
        connection.close().await.map_err(sql_error)?;
        Ok(())
    }

    /// Stops the server and removes its directory, waiting for both.
    pub fn stop(&self) {
        if let Ok(mut input) = self.watchdog_input.lock() {
            input.take();
        }
        if let Ok(mut watchdog) = self.watchdog.lock() {
            let _ = watchdog.wait();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `initdb` and `postgres`, from the places listed in the module
/// documentation.
pub fn find_postgres_binaries() -> Result<PostgresBinaries, LocalServerError> {
    let mut searched = Vec::new();
    if let Some(directory) = std::env::var_os("DBKIT_POSTGRES_BIN_DIR") {
        let directory = PathBuf::from(directory);
        searched.push(format!("DBKIT_POSTGRES_BIN_DIR ({})", directory.display()));
        if let Some(binaries) = binaries_in(&directory) {
            return Ok(binaries);
        }
        return Err(LocalServerError::BinariesNotFound { searched });
    }
    searched.push("PATH".to_string());
    if let Some(binaries) = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find_map(|directory| binaries_in(&directory)))
    {
        return Ok(binaries);
    }
    searched.push("pg_config --bindir".to_string());
    if let Some(binaries) = pg_config_bindir().and_then(|directory| binaries_in(&directory)) {
        return Ok(binaries);
    }
    searched.push("/usr/lib/postgresql/*/bin".to_string());
    if let Some(binaries) = highest_debian_bindir().and_then(|directory| binaries_in(&directory)) {
        return Ok(binaries);
    }
    Err(LocalServerError::BinariesNotFound { searched })
}

fn binaries_in(directory: &Path) -> Option<PostgresBinaries> {
    let initdb = directory.join("initdb");
    let postgres = directory.join("postgres");
    (is_executable(&initdb) && is_executable(&postgres))
        .then_some(PostgresBinaries { initdb, postgres })
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| PathBuf::from(text))
}

/// `/usr/lib/postgresql/<version>/bin` of the highest version, comparing
/// versions as numbers (`15` above `9.6`).
fn highest_debian_bindir() -> Option<PathBuf> {
    let entries = fs::read_dir("/usr/lib/postgresql").ok()?;
    let mut versions: Vec<(Vec<u64>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version: Option<Vec<u64>> = name.split('.').map(|part| part.parse().ok()).collect();
            Some((version?, entry.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, path)| path)
}

/// The `nobody` user of `/etc/passwd`.
pub fn find_unprivileged_user() -> Result<UnprivilegedUser, LocalServerError> {
    let passwd = fs::read_to_string("/etc/passwd").map_err(|error| {
        LocalServerError::NoUnprivilegedUser {
            detail: format!("cannot read /etc/passwd: {error}"),
        }
    })?;
    parse_passwd_user(&passwd, "nobody").ok_or_else(|| LocalServerError::NoUnprivilegedUser {
        detail: "/etc/passwd has no `nobody` user; run the tests as a non-root user instead"
            .to_string(),
    })
}

/// The uid and primary gid of `user` in the text of an `/etc/passwd`.
pub fn parse_passwd_user(passwd: &str, user: &str) -> Option<UnprivilegedUser> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != user {
            return None;
        }
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some(UnprivilegedUser { uid, gid })
    })
}

/// A port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> Result<u16, LocalServerError> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(io_error("find a free port"))?;
    let port = listener
        .local_addr()
        .map_err(io_error("find a free port"))?
        .port();
    Ok(port)
}

/// Where to put the cluster: the system's temporary directory, or `/tmp`
/// when the server runs as another user who could not reach it, or when the
/// socket path would be too long.
fn temporary_parent(running_as_other_user: bool) -> PathBuf {
    let preferred = std::env::temp_dir();
    let reachable = !running_as_other_user || every_ancestor_traversable(&preferred);
    let short_enough = preferred.as_os_str().len() + 30 < SOCKET_DIRECTORY_MAX_BYTES;
    if reachable && short_enough {
        preferred
    } else {
        PathBuf::from("/tmp")
    }
}

/// `/dev/shm` (a tmpfs on Linux) when this process can write there and the
/// server's user can reach it: with fsync off, a cluster in memory makes
/// `CREATE DATABASE … TEMPLATE` several times faster than one on disk.
fn memory_parent(running_as_other_user: bool) -> Option<PathBuf> {
    let parent = PathBuf::from("/dev/shm");
    let metadata = fs::metadata(&parent).ok()?;
    let writable = metadata.is_dir()
        && tempfile::Builder::new()
            .prefix("dbkit-probe-")
            .tempdir_in(&parent)
            .is_ok();
    let reachable = !running_as_other_user || every_ancestor_traversable(&parent);
    (writable && reachable).then_some(parent)
}

/// Every directory from the root to `path` can be entered by any user.
fn every_ancestor_traversable(path: &Path) -> bool {
    path.ancestors().all(|ancestor| {
        fs::metadata(ancestor).is_ok_and(|metadata| metadata.permissions().mode() & 0o001 != 0)
    })
}

/// Who may log in without a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Authentication {
    /// Everyone (initdb's `-A trust`).
    Trust,
    /// `postgres` and Unix-socket logins; other TCP logins need a password.
    PasswordForHostLogins,
}

/// `pg_hba.conf` of a server started with
/// [`LocalServer::start_with_password_auth`]: the first matching line wins.
const PASSWORD_PG_HBA: &str = "\
local all all trust
host all postgres 127.0.0.1/32 trust
host all postgres ::1/128 trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
";

/// A fresh cluster in a new temporary directory, not yet started.
struct PreparedCluster {
    directory: tempfile::TempDir,
    data_directory: PathBuf,
    user: Option<UnprivilegedUser>,
}

fn prepare_cluster(
    binaries: &PostgresBinaries,
    authentication: Authentication,
    in_memory: bool,
) -> Result<PreparedCluster, LocalServerError> {
    // The owner of a directory this process just created is its effective
    // user; the first try uses the preferred parent and tells whether we are
    // root.
    let probe = tempfile::Builder::new()
        .prefix("dbkit-pg-")
        .tempdir()
        .map_err(io_error("create a temporary directory"))?;
    let running_as_root = fs::metadata(probe.path())
        .map_err(io_error("read a temporary directory"))?
        .uid()
        == 0;
    let user = if running_as_root {
        Some(find_unprivileged_user()?)
    } else {
        None
    };
    let parent = if in_memory {
        memory_parent(user.is_some()).unwrap_or_else(|| temporary_parent(user.is_some()))
    } else {
        temporary_parent(user.is_some())
    };
    let directory = if parent == probe.path().parent().unwrap_or(Path::new("")) {
        probe
    } else {
        drop(probe);
        tempfile::Builder::new()
            .prefix("dbkit-pg-")
            .tempdir_in(&parent)
            .map_err(io_error(format!(
                "create a temporary directory in {}",
                parent.display()
            )))?
    };
    if let Some(user) = user {
        std::os::unix::fs::chown(directory.path(), Some(user.uid), Some(user.gid)).map_err(
            io_error(format!(
                "hand {} to the unprivileged user",
                directory.path().display()
            )),
        )?;
    }
    let data_directory = directory.path().join("data");
    run_initdb(binaries, &data_directory, directory.path(), user)?;
    if authentication == Authentication::PasswordForHostLogins {
        // Written over initdb's file, which keeps its owner and mode.
        let pg_hba = data_directory.join("pg_hba.conf");
        fs::write(&pg_hba, PASSWORD_PG_HBA)
            .map_err(io_error(format!("write {}", pg_hba.display())))?;
    }
    Ok(PreparedCluster {
        directory,
        data_directory,
        user,
    })
}

/// The arguments of `postgres` for a cluster in `directory` listening on
/// its socket and on 127.0.0.1:`port`, tuned for throwaway data.
fn server_arguments(data_directory: &Path, directory: &Path, port: u16) -> Vec<std::ffi::OsString> {
    let mut arguments: Vec<std::ffi::OsString> = vec![
        "-D".into(),
        data_directory.into(),
        "-k".into(),
        directory.into(),
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string().into(),
    ];
    for setting in [
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "max_connections=400",
        "shared_buffers=64MB",
        "max_locks_per_transaction=256",
        "logging_collector=off",
    ] {
        arguments.push("-c".into());
        arguments.push(setting.into());
    }
    arguments
}

fn start_with_binaries(
    binaries: &PostgresBinaries,
    authentication: Authentication,
) -> Result<LocalServer, LocalServerError> {
    let PreparedCluster {
        directory,
        data_directory,
        user,
    } = prepare_cluster(binaries, authentication, false)?;
    let port = free_port()?;
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(WATCHDOG_SCRIPT)
        .arg("dbkit-postgres-watchdog")
        .arg(directory.path())
        .arg(&binaries.postgres)
        .args(server_arguments(&data_directory, directory.path(), port));
    command
        .current_dir(directory.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(user) = user {
        command.uid(user.uid).gid(user.gid);
    }
    let mut watchdog = command
        .spawn()
        .map_err(io_error("start the PostgreSQL watchdog shell"))?;
    // From here on the watchdog owns the directory and removes it.
    let directory = directory.keep();
    let watchdog_input = watchdog.stdin.take();
    let server = LocalServer {
        port,
        directory,
        watchdog_input: Mutex::new(watchdog_input),
        watchdog: Mutex::new(watchdog),
    };
    wait_until_ready(&server)?;
    Ok(server)
}

/// A server that outlives this process: nothing here stops it. Whoever
/// holds one stops it with [`DetachedCluster::stop_command`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetachedCluster {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The temporary directory (cluster, socket and log).
    pub directory: PathBuf,
}

impl DetachedCluster {
    /// A URL of the `postgres` database as the superuser `postgres`.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A `/bin/sh` command that stops the server (immediate shutdown),
    /// waits for it to exit and removes its directory.
    pub fn stop_command(&self) -> String {
        let directory = shell_quote(&self.directory.to_string_lossy());
        format!(
            "pid=$(head -n 1 {directory}/data/postmaster.pid 2>/dev/null); \
             if [ -n \"$pid\" ]; then kill -QUIT \"$pid\" 2>/dev/null; \
             for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do \
             kill -0 \"$pid\" 2>/dev/null || break; sleep 0.1; done; fi; rm -rf {directory}"
        )
    }
}

/// Creates a cluster in a new temporary directory (in `/dev/shm` when
/// usable, else as [`LocalServer::start`] does) and starts a server on it
/// in a process group of its own, detached from this process: it keeps
/// running after this process exits (see [`DetachedCluster`]).
pub fn start_detached() -> Result<DetachedCluster, LocalServerError> {
    let binaries = find_postgres_binaries()?;
    let mut last_error = None;
    for _ in 0..START_ATTEMPTS {
        match start_detached_with_binaries(&binaries) {
            Ok(cluster) => return Ok(cluster),
            Err(error @ LocalServerError::StartFailed { .. }) => last_error = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last_error.unwrap_or_else(|| LocalServerError::StartFailed {
        reason: "no attempt was made".to_string(),
        log: String::new(),
    }))
}

fn start_detached_with_binaries(
    binaries: &PostgresBinaries,
) -> Result<DetachedCluster, LocalServerError> {
    let PreparedCluster {
        directory,
        data_directory,
        user,
    } = prepare_cluster(binaries, Authentication::Trust, true)?;
    let port = free_port()?;
    let log_path = directory.path().join("server.log");
    let log =
        fs::File::create(&log_path).map_err(io_error(format!("create {}", log_path.display())))?;
    if let Some(user) = user {
        std::os::unix::fs::chown(&log_path, Some(user.uid), Some(user.gid)).map_err(io_error(
            format!("hand {} to the unprivileged user", log_path.display()),
        ))?;
    }
    let log_for_stderr = log
        .try_clone()
        .map_err(io_error(format!("open {}", log_path.display())))?;
    let mut command = Command::new(&binaries.postgres);
    command
        .args(server_arguments(&data_directory, directory.path(), port))
        .current_dir(directory.path())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_for_stderr)
        .process_group(0);
    if let Some(user) = user {
        command.uid(user.uid).gid(user.gid);
    }
    let mut child = command
        .spawn()
        .map_err(io_error(format!("start {}", binaries.postgres.display())))?;
    let cluster = DetachedCluster {
        port,
        directory: directory.keep(),
    };
    let started = Instant::now();
    let pid_file = data_directory.join("postmaster.pid");
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = tail_of_file(&log_path);
            let _ = fs::remove_dir_all(&cluster.directory);
            return Err(LocalServerError::StartFailed {
                reason: format!("the server exited ({status})"),
                log,
            });
        }
        let ready = fs::read_to_string(&pid_file)
            .is_ok_and(|text| text.lines().any(|line| line.trim() == "ready"));
        if ready && TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(cluster);
        }
        if started.elapsed() > STARTUP_TIMEOUT {
            let log = tail_of_file(&log_path);
            let _ = Command::new("/bin/sh")
                .arg("-c")
                .arg(cluster.stop_command())
                .status();
            return Err(LocalServerError::StartFailed {
                reason: format!(
                    "it did not accept connections within {} s",
                    STARTUP_TIMEOUT.as_secs()
                ),
                log,
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `text` as one single-quoted `/bin/sh` word.
pub(crate) fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn run_initdb(
    binaries: &PostgresBinaries,
    data_directory: &Path,
    working_directory: &Path,
    user: Option<UnprivilegedUser>,
) -> Result<(), LocalServerError> {
    let mut command = Command::new(&binaries.initdb);
    command
        .arg("-D")
        .arg(data_directory)
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ])
        .current_dir(working_directory)
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    if let Some(user) = user {
        command.uid(user.uid).gid(user.gid);
    }
    let output = command
        .output()
        .map_err(io_error(format!("run {}", binaries.initdb.display())))?;
    if output.status.success() {
        return Ok(());
    }
    Err(LocalServerError::InitdbFailed {
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

/// Polls until the postmaster reports `ready` in `postmaster.pid` and the
/// port accepts a connection, the watchdog exits, or the timeout passes.
fn wait_until_ready(server: &LocalServer) -> Result<(), LocalServerError> {
    let started = Instant::now();
    let pid_file = server.directory.join("data").join("postmaster.pid");
    loop {
        if let Some(log) = exited_watchdog_output(server) {
            return Err(LocalServerError::StartFailed {
                reason: "the server exited".to_string(),
                log,
            });
        }
        let ready = fs::read_to_string(&pid_file)
            .is_ok_and(|text| text.lines().any(|line| line.trim() == "ready"));
        if ready && TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).is_ok() {
            return Ok(());
        }
        if started.elapsed() > STARTUP_TIMEOUT {
            let log = tail_of_file(&server.directory.join("server.log"));
            server.stop();
            return Err(LocalServerError::StartFailed {
                reason: format!(
                    "it did not accept connections within {} s",
                    STARTUP_TIMEOUT.as_secs()
                ),
                log,
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// When the watchdog has exited (the server failed), what it printed: the
/// end of the server log.
fn exited_watchdog_output(server: &LocalServer) -> Option<String> {
    let mut watchdog = server.watchdog.lock().ok()?;
    let status = watchdog.try_wait().ok()??;
    let mut output = String::new();
    if let Some(stderr) = watchdog.stderr.as_mut() {
        let _ = stderr.read_to_string(&mut output);
    }
    Some(format!("{output}(exit status: {status})"))
}

fn tail_of_file(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Everything but the unreserved URL characters (RFC 3986: letters,
/// digits, `-`, `_`, `.`, `~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes everything but unreserved URL characters.
pub(crate) fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lookup_reads_uid_and_primary_gid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65533:nobody:/nonexistent:/usr/sbin/nologin\n";
        assert_eq!(
            parse_passwd_user(passwd, "nobody"),
            Some(UnprivilegedUser {
                uid: 65534,
                gid: 65533
            })
        );
        assert_eq!(parse_passwd_user(passwd, "postgres"), None);
    }

    #[test]
    fn database_names_are_percent_encoded_in_urls() {
        assert_eq!(percent_encode("a b/ü"), "a%20b%2F%C3%BC");
        assert_eq!(percent_encode("plain_name-1"), "plain_name-1");
    }

    #[test]
    fn missing_binaries_error_lists_the_three_ways() {
        let message = LocalServerError::BinariesNotFound {
            searched: vec!["PATH".to_string()],
        }
        .to_string();
        assert!(message.contains("DBKIT_TEST_DATABASE_URL"));
        assert!(message.contains("Docker"));
        assert!(message.contains("apt-get install postgresql"));
    }
}
