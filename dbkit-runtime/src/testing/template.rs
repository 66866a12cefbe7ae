//! Template databases and the clones tests get from them.
//!
//! **Templates.** A migration set is applied once per server into a
//! template named `dbkit_tpl_<hash>`, the hash covering each migration's
//! version and checksum and the server's version. The first process to
//! need it builds it under an advisory lock (keyed by the same hash) into
//! `dbkit_tplb_<hash>`, then renames it and marks it `IS_TEMPLATE` with
//! connections refused; a template is used only when so marked, so a
//! half-built one (a build that failed or was killed) is never cloned, and
//! the next builder drops it and starts again.
//!
//! **Clones.** A test's database is `CREATE DATABASE … TEMPLATE
//! dbkit_tpl_<hash> STRATEGY …` (see [`clone_strategy`] and BENCHMARKS.md).
//! On a disposable server, clones are also made ahead of demand, as
//! `dbkit_r_<hash>_<pid>_<n>`, up to `DBKIT_TEST_POOL_SIZE` (default 8)
//! for the whole server; a test claims one by renaming it to its own name,
//! which only one session can do. Ready clones never outlive the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{Connection, PgConnection};

use super::test_db::TestDbError;
use crate::migrate::Migrations;

/// How many ready clones a disposable server holds for each template.
const DEFAULT_POOL_SIZE: usize = 8;

static CLONE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A 64-bit FNV-1a hash: stable across builds and platforms, unlike std's
/// hashers, since template names outlive a build on a long-lived server.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The hash naming the template of `migrations` on a server of
/// `server_version` (`server_version_num`).
pub(crate) fn template_hash(
    migrations: &Migrations,
    server_version: &str,
) -> Result<String, TestDbError> {
    let migrations = migrations
        .sorted()
        .map_err(|error| TestDbError::Migrations {
            detail: error.to_string(),
        })?;
    let mut hash = 0xcbf2_9ce4_8422_2325;
    hash = fnv1a(hash, server_version.as_bytes());
    for migration in migrations.iter() {
        hash = fnv1a(hash, &migration.version.to_le_bytes());
        hash = fnv1a(hash, &migration.checksum.to_le_bytes());
        hash = fnv1a(hash, &[u8::from(migration.no_transaction)]);
    }
    Ok(format!("{hash:016x}"))
}

pub(crate) fn template_name(hash: &str) -> String {
    format!("dbkit_tpl_{hash}")
}

fn building_name(hash: &str) -> String {
    format!("dbkit_tplb_{hash}")
}

fn ready_prefix(hash: &str) -> String {
    format!("dbkit_r_{hash}_")
}

/// The size of the pool of ready clones.
pub(crate) fn pool_size() -> usize {
    std::env::var("DBKIT_TEST_POOL_SIZE")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(DEFAULT_POOL_SIZE)
}

/// The `STRATEGY` of clones: `DBKIT_TEST_CLONE_STRATEGY` (`wal_log` or
/// `file_copy`), else `FILE_COPY` on a disposable server (in memory, fsync
/// off: its checkpoints cost little, and it copies files instead of
/// writing every page to the WAL) and `WAL_LOG` on a server of the user's,
/// where `FILE_COPY`'s two checkpoints per clone would weigh on everyone.
/// Servers before PostgreSQL 15 have no `STRATEGY` (they always copy
/// files): then there is none to choose.
pub(crate) fn clone_strategy(disposable: bool, server_version: &str) -> Option<&'static str> {
    if server_version
        .parse::<u32>()
        .is_ok_and(|version| version < 150_000)
    {
        return None;
    }
    Some(
        match std::env::var("DBKIT_TEST_CLONE_STRATEGY").as_deref() {
            Ok(text) if text.eq_ignore_ascii_case("file_copy") => "FILE_COPY",
            Ok(text) if text.eq_ignore_ascii_case("wal_log") => "WAL_LOG",
            _ if disposable => "FILE_COPY",
            _ => "WAL_LOG",
        },
    )
}

pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sql_error(statement: &str) -> impl FnOnce(sqlx::Error) -> TestDbError + '_ {
    move |error| TestDbError::Sql {
        statement: statement.to_string(),
        detail: error.to_string(),
    }
}

pub(crate) async fn connect(url: &str) -> Result<PgConnection, TestDbError> {
    PgConnection::connect(url)
        .await
        .map_err(|error| TestDbError::Connect {
            url: crate::migrate::DatabaseUrl::new(url),
            detail: error.to_string(),
        })
}

pub(crate) async fn execute(
    connection: &mut PgConnection,
    statement: &str,
) -> Result<(), TestDbError> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
        .execute(&mut *connection)
        .await
        .map_err(sql_error(statement))?;
    Ok(())
}

async fn database_exists(
    connection: &mut PgConnection,
    name: &str,
    as_template: bool,
) -> Result<bool, TestDbError> {
    let statement =
        "SELECT count(*) FROM pg_database WHERE datname = $1 AND (datistemplate OR NOT $2)";
    let count: i64 = sqlx::query_scalar(statement)
        .bind(name)
        .bind(as_template)
        .fetch_one(&mut *connection)
        .await
        .map_err(sql_error(statement))?;
    Ok(count > 0)
}

pub(crate) async fn server_version(admin_url: &str) -> Result<String, TestDbError> {
    let mut connection = connect(admin_url).await?;
    let statement = "SHOW server_version_num";
    let version: String = sqlx::query_scalar(statement)
        .fetch_one(&mut connection)
        .await
        .map_err(sql_error(statement))?;
    let _ = connection.close().await;
    Ok(version)
}

/// Makes sure the template of `hash` exists, building it from `migrations`
/// when no process has; returns its name.
pub(crate) async fn ensure_template(
    admin_url: &str,
    hash: &str,
    migrations: &Migrations,
    database_url: impl Fn(&str) -> String,
) -> Result<String, TestDbError> {
    let template = template_name(hash);
    let mut connection = connect(admin_url).await?;
    if database_exists(&mut connection, &template, true).await? {
        let _ = connection.close().await;
        return Ok(template);
    }
    let key = i64::from_str_radix(&hash[..15], 16).unwrap_or(0);
    let lock = "SELECT pg_try_advisory_lock($1)";
    loop {
        let taken: bool = sqlx::query_scalar(lock)
            .bind(key)
            .fetch_one(&mut connection)
            .await
            .map_err(sql_error(lock))?;
        if taken {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let result = build_template_locked(&mut connection, hash, migrations, database_url).await;
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    result.map(|()| template)
}

async fn build_template_locked(
    connection: &mut PgConnection,
    hash: &str,
    migrations: &Migrations,
    database_url: impl Fn(&str) -> String,
) -> Result<(), TestDbError> {
    let template = template_name(hash);
    if database_exists(connection, &template, true).await? {
        return Ok(());
    }
    let building = building_name(hash);
    // Leftovers of a build that failed or was killed, or a template whose
    // marking was interrupted: never trusted.
    for name in [&building, &template] {
        execute(
            connection,
            &format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_identifier(name)
            ),
        )
        .await?;
    }
    execute(
        connection,
        &format!("CREATE DATABASE {}", quote_identifier(&building)),
    )
    .await?;
    // Roles the migrations' policies name are created (`NOLOGIN`): the
    // server is a test server, and roles belong to it, not to a database.
    let applied = migrations
        .run_with(
            database_url(&building),
            crate::migrate::RunOptions::new().create_missing_roles(),
        )
        .await;
    if let Err(error) = applied {
        let _ = execute(
            connection,
            &format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_identifier(&building)
            ),
        )
        .await;
        return Err(TestDbError::Migrate {
            detail: error.to_string(),
        });
    }
    execute(
        connection,
        &format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_identifier(&building),
            quote_identifier(&template)
        ),
    )
    .await?;
    execute(
        connection,
        &format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true",
            quote_identifier(&template)
        ),
    )
    .await
}

/// Creates database `name` from the template of `hash`.
pub(crate) async fn create_clone(
    connection: &mut PgConnection,
    hash: &str,
    name: &str,
    strategy: Option<&str>,
) -> Result<(), TestDbError> {
    let strategy = strategy
        .map(|strategy| format!(" STRATEGY {strategy}"))
        .unwrap_or_default();
    execute(
        connection,
        &format!(
            "CREATE DATABASE {} TEMPLATE {}{strategy}",
            quote_identifier(name),
            quote_identifier(&template_name(hash)),
        ),
    )
    .await
}

/// Renames one of the ready clones of `hash` to `name`; false when there
/// was none left to take.
pub(crate) async fn claim_ready_clone(
    connection: &mut PgConnection,
    hash: &str,
    name: &str,
) -> Result<bool, TestDbError> {
    for candidate in ready_clones(connection, hash).await? {
        let rename = format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_identifier(&candidate),
            quote_identifier(name)
        );
        // Another process may have taken it first: then try the next.
        if execute(connection, &rename).await.is_ok() {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn ready_clones(
    connection: &mut PgConnection,
    hash: &str,
) -> Result<Vec<String>, TestDbError> {
    let statement =
        "SELECT datname::text FROM pg_database WHERE starts_with(datname::text, $1) ORDER BY oid";
    sqlx::query_scalar(statement)
        .bind(ready_prefix(hash))
        .fetch_all(&mut *connection)
        .await
        .map_err(sql_error(statement))
}

/// Creates ready clones of `hash` until the server holds [`pool_size`].
pub(crate) async fn fill_pool(
    admin: &sqlx::PgPool,
    hash: &str,
    strategy: Option<&str>,
    produced: &tokio::sync::Notify,
) -> Result<(), TestDbError> {
    let mut connection = acquire(admin).await?;
    let target = pool_size();
    loop {
        if ready_clones(&mut connection, hash).await?.len() >= target {
            break;
        }
        let name = format!(
            "{}{}_{}",
            ready_prefix(hash),
            std::process::id(),
            CLONE_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        create_clone(&mut connection, hash, &name, strategy).await?;
        produced.notify_waiters();
    }
    Ok(())
}

/// Drops database `name`, closing the connections still open on it.
pub(crate) async fn drop_database(admin: &sqlx::PgPool, name: &str) -> Result<(), TestDbError> {
    let mut connection = acquire(admin).await?;
    // `WITH (FORCE)`, like `pg_terminate_backend` with a timeout, waits
    // for the ended sessions in steps of 100 ms; ending them first and
    // watching them go in steps of 1 ms saves most of that.
    let terminate = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()";
    let remaining = "SELECT count(*) FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()";
    let terminated: i64 = sqlx::query_scalar(terminate)
        .bind(name)
        .fetch_one(&mut *connection)
        .await
        .unwrap_or(0);
    if terminated > 0 {
        for _ in 0..1000 {
            let left: i64 = sqlx::query_scalar(remaining)
                .bind(name)
                .fetch_one(&mut *connection)
                .await
                .unwrap_or(0);
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    execute(
        &mut connection,
        &format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_identifier(name)
        ),
    )
    .await
}

/// A connection of the admin pool (kept open on the background runtime,
/// which saves a connection per test).
pub(crate) async fn acquire(
    admin: &sqlx::PgPool,
) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, TestDbError> {
    admin
        .acquire()
        .await
        .map_err(|error| TestDbError::AdminConnection {
            detail: error.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::Migration;

    fn migrations(files: &[(&str, &'static str)]) -> Migrations {
        let list = files
            .iter()
            .filter_map(|(name, sql)| Migration::from_file(name, *sql))
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_default();
        Migrations::from_migrations(list).unwrap_or_else(|_| panic!("valid migrations"))
    }

    #[test]
    fn the_template_hash_follows_the_migrations_and_the_server_version() {
        let one = migrations(&[("V1__a.sql", "CREATE TABLE a ();")]);
        let same = migrations(&[("V1__a.sql", "CREATE TABLE a ();")]);
        let changed = migrations(&[("V1__a.sql", "CREATE TABLE b ();")]);
        let more = migrations(&[
            ("V1__a.sql", "CREATE TABLE a ();"),
            ("V2__b.sql", "CREATE TABLE b ();"),
        ]);
        let hash = |migrations: &Migrations, version: &str| {
            template_hash(migrations, version).unwrap_or_default()
        };
        assert_eq!(hash(&one, "150000"), hash(&same, "150000"));
        assert_ne!(hash(&one, "150000"), hash(&changed, "150000"));
        assert_ne!(hash(&one, "150000"), hash(&more, "150000"));
        assert_ne!(hash(&one, "150000"), hash(&one, "170000"));
        assert_eq!(hash(&one, "150000").len(), 16);
    }

    fn database_url_on(server: &crate::testing::LocalServer) -> impl Fn(&str) -> String + '_ {
        |name| server.database_url(name)
    }

    async fn template_databases(admin_url: &str) -> Vec<(String, bool)> {
        let mut connection = connect(admin_url).await.expect("connect");
        sqlx::query_as(
            "SELECT datname::text, datistemplate FROM pg_database \
             WHERE datname LIKE 'dbkit_tpl%' ORDER BY 1",
        )
        .fetch_all(&mut connection)
        .await
        .expect("templates")
    }

    #[tokio::test]
    async fn a_half_built_template_is_never_used_and_is_built_again() {
        let server = crate::testing::LocalServer::start().expect("local server");
        let admin_url = server.admin_url();
        let set = migrations(&[("V1__a.sql", "CREATE TABLE a (id int);")]);
        let hash = template_hash(&set, "test").expect("hash");
        // What a build killed half-way leaves: the building database, and a
        // template renamed but not yet marked.
        let mut connection = connect(&admin_url).await.expect("connect");
        for name in [building_name(&hash), template_name(&hash)] {
            execute(
                &mut connection,
                &format!("CREATE DATABASE {}", quote_identifier(&name)),
            )
            .await
            .expect("leftover");
        }
        let template = ensure_template(&admin_url, &hash, &set, database_url_on(&server))
            .await
            .expect("template");
        assert_eq!(
            template_databases(&admin_url).await,
            [(template.clone(), true)],
            "the leftovers are dropped and the template built and marked"
        );
        create_clone(&mut connection, &hash, "clone", Some("WAL_LOG"))
            .await
            .expect("clone");
        let mut clone = connect(&server.database_url("clone"))
            .await
            .expect("connect");
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'a'")
                .fetch_one(&mut clone)
                .await
                .expect("tables");
        assert_eq!(tables, 1);
    }

    #[tokio::test]
    async fn concurrent_first_uses_build_the_template_once() {
        let server = crate::testing::LocalServer::start().expect("local server");
        let admin_url = server.admin_url();
        // A slow migration that counts its runs on the server, outside the
        // database being built.
        let mut connection = connect(&admin_url).await.expect("connect");
        execute(
            &mut connection,
            "CREATE TABLE template_builds (at timestamptz)",
        )
        .await
        .expect("counter");
        let sql: &'static str = Box::leak(
            format!(
                "CREATE EXTENSION IF NOT EXISTS dblink;\n\
                 SELECT pg_sleep(0.3);\n\
                 SELECT dblink_exec('{}', 'INSERT INTO template_builds VALUES (now())');\n",
                admin_url.replace('\'', "''")
            )
            .into_boxed_str(),
        );
        let set = migrations(&[("V1__slow.sql", sql)]);
        let hash = template_hash(&set, "test").expect("hash");
        let builds =
            (0..4).map(|_| ensure_template(&admin_url, &hash, &set, database_url_on(&server)));
        let results = futures_like_join(builds.collect()).await;
        for result in &results {
            assert_eq!(result.as_deref(), Ok(template_name(&hash).as_str()));
        }
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM template_builds")
            .fetch_one(&mut connection)
            .await
            .expect("count");
        assert_eq!(count, 1, "one build for four concurrent first uses");
        assert_eq!(
            template_databases(&admin_url).await,
            [(template_name(&hash), true)]
        );
    }

    /// Runs the futures concurrently on the current task (no extra crate).
    async fn futures_like_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
        let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
        let mut done: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
        std::future::poll_fn(|context| {
            let mut pending = false;
            for (future, slot) in pinned.iter_mut().zip(done.iter_mut()) {
                if slot.is_none() {
                    match future.as_mut().poll(context) {
                        std::task::Poll::Ready(output) => *slot = Some(output),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        done.into_iter().flatten().collect()
    }
}
