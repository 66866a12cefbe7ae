//! One disposable server for all the test processes of a run: a registry
//! directory under cargo's target directory, a file lock that serialises
//! starting and joining, and a keeper process that stops the server once
//! no test process is left.
//!
//! **Where.** `<target>/dbkit-test-server/<provider>/`, where `<target>` is
//! the directory a program outside `cargo test` named with
//! [`use_target_directory`] (`cargo dbkit check --replay` names its
//! workspace's), else `CARGO_TARGET_DIR` when set, else the nearest ancestor of the running
//! test executable that holds cargo's `CACHEDIR.TAG` (test binaries live in
//! `<target>/<profile>/deps/`), else `target/` under `CARGO_MANIFEST_DIR`,
//! else a directory in the system's temporary directory.
//!
//! **Files.** `lock` (taken with `flock` by every process joining, and by
//! the keeper on each round), `server` (`key=value` lines: the admin URL,
//! the keeper's pid, the shell command that stops the server), `clients/<pid>`
//! (one empty file per test process using the server) and `kept/<database>`
//! (databases of failed tests).
//!
//! **The keeper** is a detached `/bin/sh` loop (its own process group, no
//! inherited descriptors, so that neither libtest nor nextest waits for
//! it). Twice a second, under the lock, it forgets the clients whose
//! process is gone; when none has been alive for the grace period
//! (`DBKIT_TEST_SERVER_GRACE_MS`, 5,000 ms by default: nextest starts one
//! process per test, with gaps between them), it runs the stop command,
//! removes `server` and exits. When a database was kept, it leaves the
//! server running instead, so the database can be inspected; the next run
//! adopts that server with a new keeper, which stops it at the end.
//!
//! **Stale state.** A registry whose keeper is dead is adopted when its
//! server still accepts connections, and otherwise cleaned (the stop
//! command runs again) and replaced.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// How long the keeper waits with no client alive before it stops the
/// server.
const DEFAULT_GRACE: Duration = Duration::from_millis(5000);

/// The keeper: `$1` is the registry directory, `$2` the number of idle
/// rounds (half a second each) before the stop, `$3` the stop command.
const KEEPER_SCRIPT: &str = r#"dir="$1"
rounds="$2"
stop="$3"
idle=0
# A registry removed under the keeper (a target directory deleted): stop
# the server rather than lose it. Checked before each redirection, since a
# failed `exec` redirection ends the shell.
gone() { [ ! -d "$dir/clients" ]; }
finish() { /bin/sh -c "$stop" >/dev/null 2>&1; exit 0; }
lock() { if command -v flock >/dev/null 2>&1; then exec 9>>"$dir/lock"; flock 9; fi; }
unlock() { exec 9>&-; }
while sleep 0.5; do
  gone && finish
  lock
  alive=0
  for client in "$dir"/clients/*; do
    [ -e "$client" ] || continue
    pid="${client##*/}"
    if kill -0 "$pid" 2>/dev/null || [ -d "/proc/$pid" ]; then alive=1; else rm -f "$client"; fi
  done
  if [ "$alive" = 1 ]; then idle=0; else idle=$((idle + 1)); fi
  if [ "$idle" -ge "$rounds" ]; then
    if [ -n "$(ls "$dir/kept" 2>/dev/null)" ]; then
      sed -i '/^keeper_pid=/d' "$dir/server" 2>/dev/null
      unlock
      exit 0
    fi
    /bin/sh -c "$stop" >/dev/null 2>&1
    rm -f "$dir/server"
    rm -rf "$dir/clients" "$dir/kept"
    unlock
    exit 0
  fi
  unlock
done
"#;

/// What the registry says about the running server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registration {
    pub admin_url: String,
    pub stop_command: String,
    pub keeper_pid: Option<u32>,
}

impl Registration {
    fn render(&self) -> String {
        let mut text = format!(
            "admin_url={}\nstop_command={}\n",
            self.admin_url, self.stop_command
        );
        if let Some(pid) = self.keeper_pid {
            text.push_str(&format!("keeper_pid={pid}\n"));
        }
        text
    }

    fn parse(text: &str) -> Option<Registration> {
        let fields: BTreeMap<&str, &str> = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .collect();
        Some(Registration {
            admin_url: fields.get("admin_url")?.to_string(),
            stop_command: fields.get("stop_command")?.to_string(),
            keeper_pid: fields.get("keeper_pid").and_then(|pid| pid.parse().ok()),
        })
    }
}

/// A server that was started: its admin URL and how to stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StartedServer {
    pub admin_url: String,
    pub stop_command: String,
}

/// The target directory named by [`use_target_directory`], if any.
static CHOSEN_TARGET_DIRECTORY: OnceLock<PathBuf> = OnceLock::new();

/// Puts the registry of the disposable server under `directory`, a cargo
/// target directory, instead of the one found from the environment: for a
/// program that is not a test executable (whose own path tells nothing)
/// but knows its workspace, such as `cargo dbkit check --replay`. Takes
/// effect only before the process's first [`TestDb`](super::TestDb) and
/// only once; returns whether this call chose the directory.
pub fn use_target_directory(directory: impl Into<PathBuf>) -> bool {
    CHOSEN_TARGET_DIRECTORY.set(directory.into()).is_ok()
}

/// The registry directory of `provider` (see the module documentation).
pub(crate) fn registry_directory(provider: &str) -> PathBuf {
    target_directory().join("dbkit-test-server").join(provider)
}

fn target_directory() -> PathBuf {
    if let Some(directory) = CHOSEN_TARGET_DIRECTORY.get() {
        return directory.clone();
    }
    if let Some(directory) = std::env::var_os("CARGO_TARGET_DIR") {
        let directory = PathBuf::from(directory);
        if directory.is_absolute() {
            return directory;
        }
        if let Ok(current) = std::env::current_dir() {
            return current.join(directory);
        }
    }
    if let Ok(executable) = std::env::current_exe()
        && let Some(found) = executable
            .ancestors()
            .skip(1)
            .find(|ancestor| ancestor.join("CACHEDIR.TAG").is_file())
    {
        return found.to_path_buf();
    }
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        return PathBuf::from(manifest).join("target");
    }
    std::env::temp_dir().join("dbkit-test-server")
}

/// Joins the server registered in `directory`, or starts one with `start`
/// and a keeper for it; registers this process as a client either way.
pub(crate) fn join_or_start(
    directory: &Path,
    start: impl FnOnce() -> Result<StartedServer, String>,
) -> Result<Registration, String> {
    let clients = directory.join("clients");
    fs::create_dir_all(&clients)
        .map_err(|error| format!("cannot create {}: {error}", clients.display()))?;
    let lock_path = directory.join("lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&lock_path)
        .map_err(|error| format!("cannot open {}: {error}", lock_path.display()))?;
    lock.lock()
        .map_err(|error| format!("cannot lock {}: {error}", lock_path.display()))?;
    let result = join_or_start_locked(directory, start);
    let _ = lock.unlock();
    result
}

fn join_or_start_locked(
    directory: &Path,
    start: impl FnOnce() -> Result<StartedServer, String>,
) -> Result<Registration, String> {
    let server_file = directory.join("server");
    let registered = fs::read_to_string(&server_file)
        .ok()
        .and_then(|text| Registration::parse(&text));
    if let Some(registration) = registered {
        let keeper_alive = registration.keeper_pid.is_some_and(process_alive);
        let server_alive = accepts_connections(&registration.admin_url);
        if server_alive {
            register_client(directory)?;
            if keeper_alive {
                return Ok(registration);
            }
            // Left running for a kept database, or its keeper was killed:
            // adopt it, and let this run's end stop it.
            let _ = fs::remove_dir_all(directory.join("kept"));
            return spawn_keeper_and_record(directory, registration);
        }
        let _ = Command::new("/bin/sh")
            .arg("-c")
            .arg(&registration.stop_command)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = fs::remove_file(&server_file);
        let _ = fs::remove_dir_all(directory.join("kept"));
    }
    let started = start()?;
    let registration = Registration {
        admin_url: started.admin_url,
        stop_command: started.stop_command,
        keeper_pid: None,
    };
    register_client(directory)?;
    spawn_keeper_and_record(directory, registration)
}

fn spawn_keeper_and_record(
    directory: &Path,
    mut registration: Registration,
) -> Result<Registration, String> {
    let keeper = spawn_keeper(directory, &registration.stop_command);
    let keeper_pid = match keeper {
        Ok(pid) => pid,
        Err(error) => {
            let _ = Command::new("/bin/sh")
                .arg("-c")
                .arg(&registration.stop_command)
                .status();
            return Err(error);
        }
    };
    registration.keeper_pid = Some(keeper_pid);
    write_atomically(&directory.join("server"), &registration.render())?;
    Ok(registration)
}

fn spawn_keeper(directory: &Path, stop_command: &str) -> Result<u32, String> {
    let grace = std::env::var("DBKIT_TEST_SERVER_GRACE_MS")
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_GRACE);
    let rounds = grace.as_millis().div_ceil(500).max(1);
    let child = Command::new("/bin/sh")
        .arg("-c")
        .arg(KEEPER_SCRIPT)
        .arg("dbkit-test-server-keeper")
        .arg(directory)
        .arg(rounds.to_string())
        .arg(stop_command)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|error| format!("cannot start the server's keeper (/bin/sh): {error}"))?;
    Ok(child.id())
}

fn register_client(directory: &Path) -> Result<(), String> {
    // Made again under the lock: a keeper that stopped its server between
    // this process's first look and the lock removed the folder.
    let clients = directory.join("clients");
    fs::create_dir_all(&clients)
        .map_err(|error| format!("cannot create {}: {error}", clients.display()))?;
    let path = clients.join(std::process::id().to_string());
    fs::write(&path, b"").map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Records that database `name` of a failed test is kept, so that the
/// keeper leaves the server running.
pub(crate) fn record_kept_database(directory: &Path, name: &str) {
    let kept = directory.join("kept");
    if fs::create_dir_all(&kept).is_ok() {
        let _ = fs::write(kept.join(name), b"");
    }
}

/// Undoes [`record_kept_database`] for a database that was dropped.
pub(crate) fn forget_kept_database(directory: &Path, name: &str) {
    let _ = fs::remove_file(directory.join("kept").join(name));
}

fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        fs::rename(&temporary, path)
    };
    write().map_err(|error| format!("cannot write {}: {error}", path.display()))
}

fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).is_dir()
        || Command::new("kill")
            .arg("-0")
            .arg(pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
}

/// Whether the host and port of `url` accept a TCP connection.
fn accepts_connections(url: &str) -> bool {
    let Some(address) = host_and_port(url) else {
        return false;
    };
    let Ok(addresses) = address.to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok())
}

/// `host:port` of a `postgres://user:password@host:port/database` URL.
fn host_and_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host_port.contains(':') {
        Some(host_port.to_string())
    } else {
        Some(format!("{host_port}:5432"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_reads_back_what_it_wrote() {
        let registration = Registration {
            admin_url: "postgres://postgres@127.0.0.1:5999/postgres".to_string(),
            stop_command: "docker rm -f -v 'abc'".to_string(),
            keeper_pid: Some(42),
        };
        assert_eq!(
            Registration::parse(&registration.render()),
            Some(registration)
        );
        assert_eq!(Registration::parse("admin_url=x\n"), None);
    }

    #[test]
    fn the_server_address_comes_from_the_url() {
        assert_eq!(
            host_and_port("postgres://postgres:secret@127.0.0.1:5999/postgres").as_deref(),
            Some("127.0.0.1:5999")
        );
        assert_eq!(
            host_and_port("postgres://db/app?sslmode=disable").as_deref(),
            Some("db:5432")
        );
    }
}
