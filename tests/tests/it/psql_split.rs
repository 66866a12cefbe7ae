//! dbkit cuts a migration into exactly the statements psql sends: psql runs
//! each file of `tests/fixtures/corpus` (real migration folders and sample
//! schemas; sources in its README) through a recording proxy on loopback
//! that keeps every simple-protocol `Query` message, and dbkit's
//! statements must be those messages, in order. A statement may fail on
//! the scratch database (a role or extension it needs is missing): psql
//! goes on, and where it cuts does not depend on the server's answers.

use dbkit_runtime::testing::TestDb;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// A statement without the blanks and `--` comments before it (psql drops
/// those), the `;` and blanks after it, and empty lines.
fn code(statement: &str) -> String {
    let mut rest = statement;
    loop {
        rest = rest.trim_start();
        match rest.strip_prefix("--") {
            Some(comment) => rest = comment.find(['\n', '\r']).map_or("", |end| &comment[end..]),
            None => break,
        }
    }
    // psql leaves out empty lines (outside strings) as it reads the file;
    // that changes no boundary, so both sides are compared without them.
    let mut text = rest.trim_end().trim_end_matches(';').trim_end().to_string();
    while text.contains("\n\n") {
        text = text.replace("\n\n", "\n");
    }
    text
}

/// Listens on loopback, forwards one client at a time to `upstream`, and
/// records the text of each `Query` message the client sends.
fn recording_proxy(upstream: String) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let queries = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&queries);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let (mut from_server, mut to_client) = (
                server.try_clone().expect("clone"),
                client.try_clone().expect("clone"),
            );
            std::thread::spawn(move || std::io::copy(&mut from_server, &mut to_client));
            let _ = forward_client(client, server, &recorded);
        }
    });
    (port, queries)
}

fn forward_client(
    mut client: TcpStream,
    mut server: TcpStream,
    recorded: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    // The startup packet: a length, then the rest.
    let mut length = [0u8; 4];
    client.read_exact(&mut length)?;
    let mut body = vec![0u8; (u32::from_be_bytes(length) as usize).saturating_sub(4)];
    client.read_exact(&mut body)?;
    server.write_all(&length)?;
    server.write_all(&body)?;
    loop {
        let mut kind = [0u8; 1];
        if client.read_exact(&mut kind).is_err() {
            return Ok(());
        }
        client.read_exact(&mut length)?;
        let mut body = vec![0u8; (u32::from_be_bytes(length) as usize).saturating_sub(4)];
        client.read_exact(&mut body)?;
        if kind[0] == b'Q' {
            let text = body.strip_suffix(&[0]).unwrap_or(&body);
            recorded
                .lock()
                .expect("lock")
                .push(String::from_utf8_lossy(text).into_owned());
        }
        server.write_all(&kind)?;
        server.write_all(&length)?;
        server.write_all(&body)?;
    }
}

fn corpus_files() -> Vec<PathBuf> {
    fn walk(directory: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(directory).expect("corpus folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|extension| extension == "sql") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus"),
        &mut files,
    );
    files.sort();
    files
}

/// `postgres://user:password@host:port/database` → its parts.
fn url_parts(url: &str) -> (String, String, String, String) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (credentials, rest) = rest.rsplit_once('@').expect("credentials");
    let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
    let (address, database) = rest.split_once('/').expect("database");
    let database = database.split('?').next().unwrap_or(database);
    (
        user.to_string(),
        password.to_string(),
        address.to_string(),
        database.to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn dbkit_cuts_real_files_where_psql_does() {
    let database = TestDb::builder(dbkit_runtime::testing::no_migrations().expect("migrations"))
        .test_name("psql_split")
        .build()
        .await
        .expect("database");
    let (user, password, address, name) = url_parts(database.url());
    let (port, queries) = recording_proxy(address);
    let files = corpus_files();
    assert!(files.len() > 150, "{} files", files.len());
    for file in &files {
        queries.lock().expect("lock").clear();
        let output = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=0", "-f"])
            .arg(file)
            .arg(format!(
                "host=127.0.0.1 port={port} user={user} dbname={name} sslmode=disable gssencmode=disable"
            ))
            .env("PGPASSWORD", &password)
            .output()
            .expect("run psql");
        assert!(
            output.status.code().is_some(),
            "psql on {}: {output:?}",
            file.display()
        );
        let sql = std::fs::read_to_string(file).expect("read");
        let ours: Vec<String> = dbkit_core::sql_split::sql_statements(&sql)
            .map(|statement| code(statement.text))
            .filter(|statement| !statement.is_empty())
            .collect();
        let theirs: Vec<String> = queries
            .lock()
            .expect("lock")
            .iter()
            .map(|query| code(query))
            .filter(|statement| !statement.is_empty())
            .collect();
        if let Some(index) =
            (0..ours.len().max(theirs.len())).find(|&index| ours.get(index) != theirs.get(index))
        {
            let shown = |statement: Option<&String>| {
                statement.map_or("(none)".to_string(), |text| {
                    format!("{:?}", text.chars().take(400).collect::<String>())
                })
            };
            panic!(
                "{}: statement {index} of {} (dbkit) and {} (psql) differs\ndbkit: {}\npsql:  {}",
                file.display(),
                ours.len(),
                theirs.len(),
                shown(ours.get(index)),
                shown(theirs.get(index)),
            );
        }
    }
}
