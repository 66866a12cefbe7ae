//! `cargo xtask postgres-image`: a PostgreSQL Docker image built from Debian's
//! packages, for machines with Docker but no image registry.
//!
//! debootstrap installs a minimal Debian with the distribution's PostgreSQL
//! server into a temporary folder, which `docker import` turns into an image
//! whose entry point (`xtask/postgres-image/docker-entrypoint.sh`) honours
//! the contract of the official `postgres` image: `POSTGRES_PASSWORD`,
//! `POSTGRES_USER`, `POSTGRES_DB`, `POSTGRES_INITDB_ARGS`, `PGDATA`,
//! `/docker-entrypoint-initdb.d`, port 5432 and the ready line in its log.
//! So the test-database code that starts the official image starts this one
//! unchanged, with `DBKIT_POSTGRES_IMAGE=dbkit-postgres:<major>`.
//!
//! The build needs root (debootstrap) and Debian's package mirror; it takes
//! about a minute. The image is checked before the task returns: a container
//! of it must start, report ready twice and accept the password it was given.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: cargo xtask postgres-image [--tag NAME:TAG] [--force] [--suite SUITE] [--mirror URL]

Builds a PostgreSQL image from Debian's packages (debootstrap + docker import)
that behaves like the official `postgres` image. Does nothing when the tag
exists, unless --force. Needs root, debootstrap (apt-get install debootstrap)
and a Docker engine.

  --tag NAME:TAG   the image's name (default: dbkit-postgres:<major>, e.g. dbkit-postgres:15)
  --suite SUITE    the Debian release (default: this machine's, else bookworm)
  --mirror URL     the Debian mirror (default: http://deb.debian.org/debian)
  --force          rebuild even if the tag exists
";

/// The entry point copied into the image.
const ENTRYPOINT: &str = include_str!("../postgres-image/docker-entrypoint.sh");
/// The log line the official image prints when a server is up.
const READY_LINE: &str = "database system is ready to accept connections";
/// How long the check waits for a container to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

struct Options {
    tag: Option<String>,
    suite: String,
    mirror: String,
    force: bool,
}

/// Runs the task with the arguments after `postgres-image`.
pub fn run(args: &[String]) -> Result<()> {
    let Some(options) = parse_options(args)? else {
        print!("{USAGE}");
        return Ok(());
    };
    ensure_tool("docker", "a Docker engine is needed to import the image")?;
    if let Some(tag) = &options.tag
        && !options.force
        && image_exists(tag)?
    {
        println!("image {tag} exists (--force rebuilds it)");
        return Ok(());
    }
    if !options.force
        && options.tag.is_none()
        && let Some(existing) = existing_default_image()?
    {
        println!("image {existing} exists (--force rebuilds it)");
        return Ok(());
    }
    ensure_tool(
        "debootstrap",
        "install it with `apt-get install debootstrap` (run as root)",
    )?;
    let root = tempfile::Builder::new()
        .prefix("dbkit-postgres-root-")
        .tempdir()
        .context("cannot create a temporary folder for the image's root")?;
    let started = Instant::now();
    debootstrap(root.path(), &options)?;
    let major = postgres_major_version(root.path())?;
    prepare_root(root.path(), &major)?;
    let tag = options
        .tag
        .clone()
        .unwrap_or_else(|| format!("dbkit-postgres:{major}"));
    import(root.path(), &major, &tag)?;
    println!(
        "built {tag} (PostgreSQL {major}) in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    check_image(&tag)?;
    println!("use it with DBKIT_POSTGRES_IMAGE={tag}");
    Ok(())
}

fn parse_options(args: &[String]) -> Result<Option<Options>> {
    let mut options = Options {
        tag: None,
        suite: host_suite().unwrap_or_else(|| "bookworm".to_string()),
        mirror: "http://deb.debian.org/debian".to_string(),
        force: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .with_context(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--tag" => options.tag = Some(value("--tag")?),
            "--suite" => options.suite = value("--suite")?,
            "--mirror" => options.mirror = value("--mirror")?,
            "--force" => options.force = true,
            "-h" | "--help" => return Ok(None),
            other => bail!("unknown option `{other}`\n\n{USAGE}"),
        }
    }
    Ok(Some(options))
}

/// The codename of this machine's Debian release, from `/etc/os-release`.
fn host_suite() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    let is_debian = text.lines().any(|line| line == "ID=debian");
    let codename = text
        .lines()
        .find_map(|line| line.strip_prefix("VERSION_CODENAME="))?
        .trim_matches('"')
        .to_string();
    (is_debian && !codename.is_empty()).then_some(codename)
}

fn ensure_tool(program: &str, help: &str) -> Result<()> {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        bail!("`{program}` is not installed: {help}");
    }
    Ok(())
}

fn image_exists(tag: &str) -> Result<bool> {
    let status = Command::new("docker")
        .args(["image", "inspect", tag])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("cannot run `docker image inspect`")?;
    Ok(status.success())
}

/// A `dbkit-postgres:<n>` image already present, the newest if several.
fn existing_default_image() -> Result<Option<String>> {
    let output = Command::new("docker")
        .args([
            "image",
            "ls",
            "--format",
            "{{.Repository}}:{{.Tag}}",
            "dbkit-postgres",
        ])
        .output()
        .context("cannot run `docker image ls`")?;
    if !output.status.success() {
        bail!(
            "`docker image ls` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.ends_with(":<none>"))
        .max()
        .map(str::to_string))
}

fn debootstrap(root: &Path, options: &Options) -> Result<()> {
    println!(
        "installing Debian {} with PostgreSQL into {} ...",
        options.suite,
        root.display()
    );
    let output = Command::new("debootstrap")
        .args(["--variant=minbase", "--include=postgresql", &options.suite])
        .arg(root)
        .arg(&options.mirror)
        .output()
        .context("cannot run debootstrap")?;
    if !output.status.success() {
        let log = String::from_utf8_lossy(&output.stdout);
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        bail!(
            "debootstrap failed ({}):\n{}\n{}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The major version of the PostgreSQL the root holds (`15` for
/// `/usr/lib/postgresql/15`).
fn postgres_major_version(root: &Path) -> Result<String> {
    let directory = root.join("usr/lib/postgresql");
    let mut versions: Vec<String> = std::fs::read_dir(&directory)
        .with_context(|| format!("cannot read {}", directory.display()))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.bytes().all(|byte| byte.is_ascii_digit()))
        .collect();
    versions.sort_by_key(|version| version.parse::<u32>().unwrap_or(0));
    versions
        .pop()
        .with_context(|| format!("no PostgreSQL under {}", directory.display()))
}

/// Removes what a container never uses (the package's own cluster, package
/// caches, documentation) and installs the entry point.
fn prepare_root(root: &Path, major: &str) -> Result<()> {
    for unused in [
        format!("var/lib/postgresql/{major}"),
        format!("etc/postgresql/{major}"),
        "usr/share/doc".to_string(),
        "usr/share/man".to_string(),
        "usr/share/info".to_string(),
        "var/cache/apt".to_string(),
        "var/lib/apt/lists".to_string(),
    ] {
        let path = root.join(unused);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    std::fs::create_dir_all(root.join("docker-entrypoint-initdb.d"))
        .context("cannot create /docker-entrypoint-initdb.d")?;
    let entrypoint = root.join("usr/local/bin/docker-entrypoint.sh");
    std::fs::write(&entrypoint, ENTRYPOINT)
        .with_context(|| format!("cannot write {}", entrypoint.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&entrypoint, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", entrypoint.display()))?;
    Ok(())
}

/// `tar` of the root piped into `docker import`, with the official image's
/// environment, entry point, command and port.
fn import(root: &Path, major: &str, tag: &str) -> Result<()> {
    println!("importing {tag} ...");
    let path = format!(
        "ENV PATH=/usr/lib/postgresql/{major}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    );
    let changes = [
        path.as_str(),
        "ENV PGDATA=/var/lib/postgresql/data",
        "ENV LANG=C.UTF-8",
        "ENTRYPOINT [\"docker-entrypoint.sh\"]",
        "CMD [\"postgres\"]",
        "EXPOSE 5432",
        "VOLUME /var/lib/postgresql/data",
    ];
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(root)
        .args(["--numeric-owner", "-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run tar")?;
    let tar_output = tar.stdout.take().context("tar has no output")?;
    let mut import = Command::new("docker");
    import.arg("import");
    for change in changes {
        import.args(["--change", change]);
    }
    let imported = import
        .args(["-", tag])
        .stdin(tar_output)
        .stdout(Stdio::null())
        .output()
        .context("cannot run `docker import`")?;
    let tar_status = tar.wait().context("tar did not finish")?;
    if !tar_status.success() {
        bail!("tar of the image's root failed ({tar_status})");
    }
    if !imported.status.success() {
        bail!(
            "`docker import` failed: {}",
            String::from_utf8_lossy(&imported.stderr).trim()
        );
    }
    Ok(())
}

/// Starts a container of the image as the test-database code would, waits
/// for the second ready line and logs in with the password over TCP; the
/// container is removed whatever happens.
fn check_image(tag: &str) -> Result<()> {
    let name = format!("dbkit-postgres-image-check-{}", std::process::id());
    let password = format!("check-{}", std::process::id());
    let started = Instant::now();
    let run = Command::new("docker")
        .args(["run", "--detach", "--name", &name, "--env"])
        .arg(format!("POSTGRES_PASSWORD={password}"))
        .args(["--env", "POSTGRES_DB=dbkit_check", tag])
        .output()
        .context("cannot run `docker run`")?;
    if !run.status.success() {
        bail!(
            "the image does not start: {}",
            String::from_utf8_lossy(&run.stderr).trim()
        );
    }
    let result = wait_ready_and_log_in(&name, &password, started);
    let _ = Command::new("docker")
        .args(["rm", "--force", "--volumes", &name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    result
}

fn wait_ready_and_log_in(name: &str, password: &str, started: Instant) -> Result<()> {
    loop {
        let logs = Command::new("docker")
            .args(["logs", name])
            .output()
            .context("cannot run `docker logs`")?;
        let stdout = String::from_utf8_lossy(&logs.stdout);
        let stderr = String::from_utf8_lossy(&logs.stderr);
        let ready = stdout.matches(READY_LINE).count() + stderr.matches(READY_LINE).count();
        if ready >= 2 {
            println!(
                "checked: a container is ready in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            break;
        }
        if started.elapsed() > READY_TIMEOUT {
            bail!("a container of the image was not ready within 60 s; its log:\n{stdout}{stderr}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut login = Command::new("docker")
        .args([
            "exec",
            "--interactive",
            "--env",
            "PGPASSWORD",
            name,
            "psql",
            "--host=127.0.0.1",
            "--username=postgres",
            "--dbname=dbkit_check",
            "--no-psqlrc",
            "--tuples-only",
            "--file=-",
        ])
        .env("PGPASSWORD", password)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run psql in the container")?;
    if let Some(mut stdin) = login.stdin.take() {
        stdin
            .write_all(b"SELECT current_database();\n")
            .context("cannot write to psql")?;
    }
    let output = login.wait_with_output().context("psql did not finish")?;
    let answer = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || answer.trim() != "dbkit_check" {
        bail!(
            "a password login to the container failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    println!("checked: the password logs in over TCP and POSTGRES_DB exists");
    Ok(())
}
