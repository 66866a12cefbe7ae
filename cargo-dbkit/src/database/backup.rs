//! `migrate --backup DIR`: `pg_dump` in custom format to
//! `DIR/<database>-<UTC timestamp>.dump` before anything is applied.
//!
//! The connection goes to pg_dump through libpq's environment variables
//! (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, …), never its
//! arguments, which any user of the machine can read in the process list.
//! pg_dump writes to a hidden temporary file of its own, which gets the
//! final name once pg_dump succeeded (by a hard link, which never replaces
//! a file), so a file with the final name is always a whole dump and two
//! backups never overwrite one another. `migrate` takes the dump under the
//! migration lock, from the engine's hook before the first migration.
//! `DBKIT_PG_DUMP` names the pg_dump to run (default: `pg_dump` on `PATH`),
//! for a machine whose default one is older than the server.

use crate::output::diagnostics::Diagnostic;
use crate::output::redact::hide_passwords_of;
use dbkit_runtime::migrate::DatabaseUrl;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;
use tokio_postgres::config::{Host, SslMode};

/// The variable that names the pg_dump to run.
pub const PG_DUMP_VARIABLE: &str = "DBKIT_PG_DUMP";

/// Why no backup was made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The URL could not be read as connection settings.
    #[error("the database URL cannot be passed to pg_dump")]
    BadUrl { reason: String },
    /// The folder could not be created or written.
    #[error("cannot write the backup to {}", directory.display())]
    Folder {
        directory: PathBuf,
        source: std::io::Error,
    },
    /// pg_dump could not be started.
    #[error("cannot run `{}`", Path::new(program).display())]
    NotStarted {
        program: OsString,
        source: std::io::Error,
    },
    /// pg_dump failed.
    #[error("pg_dump failed ({status})")]
    Failed { status: String, stderr: String },
}

impl BackupError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        let diagnostic = match self {
            BackupError::BadUrl { reason } => {
                Diagnostic::error("the database URL cannot be passed to pg_dump")
                    .with_note(hide_passwords_of(reason))
            }
            BackupError::Folder { directory, source } => Diagnostic::error(format!(
                "cannot write the backup to {}",
                directory.display()
            ))
            .with_note(source.to_string())
            .with_help("pass --backup a folder this user can create files in"),
            BackupError::NotStarted { program, source } => Diagnostic::error(format!(
                "cannot run `{}`",
                Path::new(program).display()
            ))
            .with_note(source.to_string())
            .with_help(format!(
                "install PostgreSQL's client programs (e.g. `apt-get install postgresql-client`), or set {PG_DUMP_VARIABLE} to the pg_dump to use"
            )),
            BackupError::Failed { status, stderr } => {
                let diagnostic = Diagnostic::error(format!("pg_dump failed ({status})"));
                match stderr.trim() {
                    "" => diagnostic,
                    text => diagnostic.with_note(hide_passwords_of(text)),
                }
            }
        };
        diagnostic.with_note("nothing was migrated")
    }
}

/// Dumps the database of `database_url` into a new file in `directory`
/// (created if missing) and returns the file's path.
pub fn dump_database(database_url: &DatabaseUrl, directory: &Path) -> Result<PathBuf, BackupError> {
    let program = std::env::var_os(PG_DUMP_VARIABLE)
        .filter(|program| !program.is_empty())
        .unwrap_or_else(|| OsString::from("pg_dump"));
    dump_database_with(&program, database_url, directory, SystemTime::now())
}

/// [`dump_database`] with `program` as pg_dump, its file named after `now`.
fn dump_database_with(
    program: &OsString,
    database_url: &DatabaseUrl,
    directory: &Path,
    now: SystemTime,
) -> Result<PathBuf, BackupError> {
    let config: tokio_postgres::Config =
        database_url
            .connection_string()
            .parse()
            .map_err(|error: tokio_postgres::Error| BackupError::BadUrl {
                reason: error.to_string(),
            })?;
    let folder_error = |source| BackupError::Folder {
        directory: directory.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(directory).map_err(folder_error)?;
    let database = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    let stem = format!("{}-{}", file_name_part(database), utc_timestamp(now));
    // A name of its own, whatever else runs: removed unless pg_dump
    // succeeded and the dump was given its final name.
    let temporary = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".dump.partial")
        .tempfile_in(directory)
        .map_err(folder_error)?
        .into_temp_path();
    let mut command = Command::new(program);
    command
        .arg("--format=custom")
        .arg("--file")
        .arg(&*temporary)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (name, value) in libpq_environment(&config) {
        command.env(name, value);
    }
    tracing::debug!(program = ?program, file = %temporary.display(), "running pg_dump");
    let output = command.output().map_err(|source| BackupError::NotStarted {
        program: program.to_os_string(),
        source,
    })?;
    if !output.status.success() {
        return Err(BackupError::Failed {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    give_final_name(&temporary, directory, &stem).map_err(folder_error)
}

/// Gives the finished dump at `temporary` the first free name of
/// `DIR/<stem>.dump`, `DIR/<stem>-2.dump`, …, never replacing a file: a
/// hard link fails when the name is taken (a rename would replace it), and
/// so does creating the copy where hard links are not supported. Two
/// backups that start in the same second each get a name of their own.
fn give_final_name(temporary: &Path, directory: &Path, stem: &str) -> std::io::Result<PathBuf> {
    let mut number = 1u64;
    loop {
        let candidate = match number {
            1 => directory.join(format!("{stem}.dump")),
            number => directory.join(format!("{stem}-{number}.dump")),
        };
        number += 1;
        match std::fs::hard_link(temporary, &candidate) {
            Ok(()) => return Ok(candidate),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => {}
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut file) => {
                let copied = std::fs::File::open(temporary)
                    .and_then(|mut dump| std::io::copy(&mut dump, &mut file))
                    .and_then(|_| file.sync_all());
                if let Err(error) = copied {
                    let _ = std::fs::remove_file(&candidate);
                    return Err(error);
                }
                return Ok(candidate);
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
}

/// The libpq variables that say what `config` says.
fn libpq_environment(config: &tokio_postgres::Config) -> Vec<(&'static str, OsString)> {
    let mut variables = Vec::new();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    if !hosts.is_empty() {
        variables.push(("PGHOST", OsString::from(hosts.join(","))));
    }
    let addresses: Vec<String> = config
        .get_hostaddrs()
        .iter()
        .map(ToString::to_string)
        .collect();
    if !addresses.is_empty() {
        variables.push(("PGHOSTADDR", OsString::from(addresses.join(","))));
    }
    let ports: Vec<String> = config.get_ports().iter().map(ToString::to_string).collect();
    if !ports.is_empty() {
        variables.push(("PGPORT", OsString::from(ports.join(","))));
    }
    if let Some(user) = config.get_user() {
        variables.push(("PGUSER", OsString::from(user)));
    }
    if let Some(password) = config.get_password() {
        variables.push(("PGPASSWORD", OsString::from_vec(password.to_vec())));
    }
    if let Some(database) = config.get_dbname() {
        variables.push(("PGDATABASE", OsString::from(database)));
    }
    if let Some(options) = config.get_options() {
        variables.push(("PGOPTIONS", OsString::from(options)));
    }
    if let Some(name) = config.get_application_name() {
        variables.push(("PGAPPNAME", OsString::from(name)));
    }
    if let Some(timeout) = config.get_connect_timeout() {
        variables.push((
            "PGCONNECT_TIMEOUT",
            OsString::from(timeout.as_secs().max(1).to_string()),
        ));
    }
    let ssl_mode = match config.get_ssl_mode() {
        SslMode::Disable => Some("disable"),
        SslMode::Prefer => Some("prefer"),
        SslMode::Require => Some("require"),
        _ => None,
    };
    if let Some(ssl_mode) = ssl_mode {
        variables.push(("PGSSLMODE", OsString::from(ssl_mode)));
    }
    variables
}

/// `name` with everything but letters, digits, `-`, `_` and `.` replaced.
fn file_name_part(name: &str) -> String {
    let part: String = name
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.') {
                character
            } else {
                '_'
            }
        })
        .collect();
    match part.trim_start_matches('.') {
        "" => "database".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// `20261125T233259Z`.
fn utc_timestamp(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time)
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_utc_and_sortable() {
        let at = |seconds| utc_timestamp(UNIX_EPOCH + Duration::from_secs(seconds));
        assert_eq!(at(0), "19700101T000000Z");
        assert_eq!(at(951_782_400), "20000229T000000Z");
        assert_eq!(at(1_795_649_579), "20261125T233259Z");
        assert_eq!(at(4_107_542_399), "21000228T235959Z");
    }

    #[test]
    fn the_connection_goes_through_the_environment() {
        let config: tokio_postgres::Config =
            match "postgres://app:p%40ss@db.internal:6432/shop?sslmode=disable".parse() {
                Ok(config) => config,
                Err(error) => panic!("{error}"),
            };
        let variables: Vec<(&str, String)> = libpq_environment(&config)
            .into_iter()
            .map(|(name, value)| (name, value.to_string_lossy().into_owned()))
            .collect();
        let expected = [
            ("PGHOST", "db.internal"),
            ("PGPORT", "6432"),
            ("PGUSER", "app"),
            ("PGPASSWORD", "p@ss"),
            ("PGDATABASE", "shop"),
            ("PGSSLMODE", "disable"),
        ];
        let expected: Vec<(&str, String)> = expected
            .iter()
            .map(|(name, value)| (*name, value.to_string()))
            .collect();
        assert_eq!(variables, expected);
    }

    #[test]
    fn two_backups_taken_in_the_same_second_overwrite_neither_one_another_nor_an_older_file() {
        let directory = tempfile::tempdir().expect("folder");
        let backups = directory.path().join("backups");
        // A pg_dump that writes its own pid as the dump, once both have
        // started (so that they run at the same time), giving up after 20 s.
        let program = directory.path().join("pg_dump");
        std::fs::write(
            &program,
            format!(
                "#!/bin/sh\n\
                 touch '{started}'.$$\n\
                 tries=0\n\
                 while [ \"$(ls '{started}'.* | wc -l)\" -lt 2 ]; do\n\
                 tries=$((tries + 1)); [ $tries -gt 400 ] && exit 1; sleep 0.05\n\
                 done\n\
                 while [ \"$1\" != --file ]; do shift; done\n\
                 echo $$ > \"$2\"\n",
                started = directory.path().join("started").display()
            ),
        )
        .expect("write pg_dump");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let program = OsString::from(program);
        let now = UNIX_EPOCH + Duration::from_secs(1_795_649_579);
        std::fs::create_dir_all(&backups).expect("folder");
        let older = backups.join("shop-20261125T233259Z.dump");
        std::fs::write(&older, "an older dump").expect("write");
        let dumps: Vec<PathBuf> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        dump_database_with(
                            &program,
                            &DatabaseUrl::from("postgres://app@db/shop"),
                            &backups,
                            now,
                        )
                        .expect("a dump")
                    })
                })
                .collect();
            runs.into_iter()
                .map(|run| run.join().expect("thread"))
                .collect()
        });
        assert_ne!(dumps[0], dumps[1]);
        let mut names: Vec<String> = std::fs::read_dir(&backups)
            .expect("read")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "shop-20261125T233259Z-2.dump",
                "shop-20261125T233259Z-3.dump",
                "shop-20261125T233259Z.dump"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(&older).expect("read"),
            "an older dump"
        );
        let contents: Vec<String> = dumps
            .iter()
            .map(|dump| std::fs::read_to_string(dump).expect("read"))
            .collect();
        assert_ne!(contents[0], contents[1], "one dump replaced the other");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name_part("shop"), "shop");
        assert_eq!(file_name_part("../x y"), "_x_y");
        assert_eq!(file_name_part("..."), "database");
    }
}
