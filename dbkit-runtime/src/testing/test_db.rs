//! [`TestDb`]: a database of its own for one test, with every migration
//! applied, dropped when the test passes and kept when it fails.
//!
//! The server, templates and clones are handled on a small Tokio runtime
//! of this module's own (a process-wide static that is never dropped), not
//! on the test's: `#[tokio::test]` gives each test a runtime that ends with
//! it, and the server and the pool of ready clones must outlive any one
//! test. Only the test's [`PgPool`] lives on the test's runtime.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dbkit_core::naming::MAX_IDENTIFIER_BYTES;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::OnceCell;

use super::provider::{self, Server};
use super::template;
use crate::migrate::{DatabaseUrl, Migrations};

/// How long dropping a database may take before the test goes on without
/// waiting for it.
const DROP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a test waits for the clone being made ahead when none is
/// ready, before it makes its own.
const CLONE_WAIT: Duration = Duration::from_secs(10);

/// Why a test database could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestDbError {
    /// No provider is usable.
    #[error(
        "no PostgreSQL server for the tests ({tried})\n{}",
        super::local::HOW_TO_GET_A_SERVER
    )]
    NoProvider { tried: String },
    /// The chosen provider could not give a server.
    #[error("the `{provider}` test server is not usable: {detail}")]
    Provider { provider: String, detail: String },
    /// The migrations could not be read.
    #[error("cannot read the migrations: {detail}")]
    Migrations { detail: String },
    /// The migrations failed on the template.
    #[error("the migrations failed on the template database: {detail}")]
    Migrate { detail: String },
    /// A fixture failed.
    #[error("fixture `{name}` failed: {detail}")]
    Fixture { name: String, detail: String },
    /// No connection to the server.
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: DatabaseUrl, detail: String },
    /// No connection of the pool kept open on the server's admin database.
    #[error("cannot connect to the server's admin database: {detail}")]
    AdminConnection { detail: String },
    /// A statement on the server failed.
    #[error("`{statement}` failed: {detail}")]
    Sql { statement: String, detail: String },
    /// The background runtime is not there.
    #[error("the test database runtime is not usable: {detail}")]
    Runtime { detail: String },
}

/// A database of its own for one test: every migration applied, then the
/// fixtures. A cheap handle: clones share the database, which is dropped
/// when the last one is, unless the test failed (the thread is panicking)
/// or [`TestDb::keep`] was called; then its name and URL are printed.
#[derive(Clone)]
pub struct TestDb {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    url: DatabaseUrl,
    pool: PgPool,
    server: &'static Server,
    keep: AtomicBool,
    test_name: Option<String>,
}

impl fmt::Debug for TestDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestDb")
            .field("name", &self.inner.name)
            .field("url", &self.inner.url)
            .finish()
    }
}

/// A [`TestDb`] with options: the test's name (part of the database's) and
/// fixtures.
#[derive(Debug, Clone)]
pub struct TestDbBuilder {
    migrations: &'static Migrations,
    test_name: Option<String>,
    fixtures: Vec<(String, &'static str)>,
}

impl TestDb {
    /// A fresh database with every migration of `migrations` applied.
    pub async fn new(migrations: &'static Migrations) -> Result<TestDb, TestDbError> {
        TestDb::builder(migrations).build().await
    }

    /// A builder, for a test name or fixtures.
    pub fn builder(migrations: &'static Migrations) -> TestDbBuilder {
        TestDbBuilder {
            migrations,
            test_name: None,
            fixtures: Vec::new(),
        }
    }

    /// A pool of connections to the database, on the caller's runtime.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The database's URL (superuser, password included when the server
    /// has one).
    pub fn url(&self) -> &str {
        self.inner.url.connection_string()
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The provider of the server the database is on.
    pub fn provider(&self) -> super::Provider {
        self.inner.server.provider
    }

    /// Keeps the database after the last handle is dropped, and prints its
    /// name and URL then (for a test that returned an error).
    pub fn keep(&self) {
        self.inner.keep.store(true, Ordering::Relaxed);
    }
}

impl TestDbBuilder {
    /// The test's name, which goes into the database's name.
    pub fn test_name(mut self, name: &str) -> TestDbBuilder {
        self.test_name = Some(name.to_string());
        self
    }

    /// SQL applied after the migrations, in the order given.
    pub fn fixture(mut self, name: &str, sql: &'static str) -> TestDbBuilder {
        self.fixtures.push((name.to_string(), sql));
        self
    }

    /// Makes the database.
    pub async fn build(self) -> Result<TestDb, TestDbError> {
        let name = database_name(self.test_name.as_deref());
        let migrations = self.migrations;
        let job_name = name.clone();
        let (server, url) = service()?
            .spawn(async move { create_test_database(migrations, &job_name).await })
            .await
            .map_err(|error| TestDbError::Runtime {
                detail: error.to_string(),
            })??;
        let url = DatabaseUrl::new(url);
        let connected = PgPoolOptions::new()
            .max_connections(5)
            .connect(url.connection_string())
            .await
            .map_err(|error| TestDbError::Connect {
                url: url.clone(),
                detail: error.to_string(),
            });
        let pool = match connected {
            Ok(pool) => pool,
            Err(error) => {
                drop_in_background(&name);
                return Err(error);
            }
        };
        let database = TestDb {
            inner: Arc::new(Inner {
                name,
                url,
                pool,
                server,
                keep: AtomicBool::new(false),
                test_name: self.test_name,
            }),
        };
        for (fixture, sql) in &self.fixtures {
            sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
                .execute(database.pool())
                .await
                .map_err(|error| TestDbError::Fixture {
                    name: fixture.clone(),
                    detail: error.to_string(),
                })?;
        }
        Ok(database)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.keep.load(Ordering::Relaxed) || std::thread::panicking() {
            if let Some(registry) = &self.server.registry {
                super::shared::record_kept_database(registry, &self.name);
            }
            let test = self
                .test_name
                .as_deref()
                .map(|name| format!(" of test `{name}`"))
                .unwrap_or_default();
            let server_note = if self.server.is_disposable() {
                " (its server stays up until the next test run ends)"
            } else {
                ""
            };
            // A disposable server's password is a throwaway drawn for this
            // run and the only way in; a server of the user's keeps its
            // password hidden, as everywhere else.
            let url = if self.server.is_disposable() {
                self.url.connection_string()
            } else {
                self.url.redacted()
            };
            eprintln!(
                "dbkit: kept database{test}: {} at {url}{server_note}",
                self.name
            );
            return;
        }
        drop_in_background(&self.name);
    }
}

/// Drops a database that a failed test kept (by its name, as printed), and
/// forgets that it was kept, so that the shared server is stopped at the
/// end of the run as usual.
pub async fn drop_kept_database(name: &str) -> Result<(), TestDbError> {
    let name = name.to_string();
    service()?
        .spawn(async move {
            let server = process_server().await?;
            template::drop_database(&server.admin, &name).await?;
            if let Some(registry) = &server.server.registry {
                super::shared::forget_kept_database(registry, &name);
            }
            Ok(())
        })
        .await
        .map_err(|error| TestDbError::Runtime {
            detail: error.to_string(),
        })?
}

/// Drops database `name` on the background runtime and waits for it (from
/// a destructor, which may run on a test's runtime: the waiting thread
/// does none of the work).
fn drop_in_background(name: &str) {
    let Ok(runtime) = service() else {
        return;
    };
    let (sender, receiver) = std::sync::mpsc::channel();
    let name = name.to_string();
    runtime.spawn(async move {
        let result = match process_server().await {
            Ok(server) => template::drop_database(&server.admin, &name).await,
            Err(error) => Err(error.clone()),
        };
        let _ = sender.send(result);
    });
    match receiver.recv_timeout(DROP_TIMEOUT) {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("dbkit: could not drop a test database: {error}"),
        Err(_) => eprintln!("dbkit: dropping a test database took too long"),
    }
}

/// The background runtime (see the module documentation).
fn service() -> Result<&'static tokio::runtime::Handle, TestDbError> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("dbkit-test-db")
                .enable_all()
                .build()
                .map_err(|error| error.to_string())
        })
        .as_ref()
        .map(tokio::runtime::Runtime::handle)
        .map_err(|detail| TestDbError::Runtime {
            detail: detail.clone(),
        })
}

/// The server of this process, with its version.
struct ProcessServer {
    server: &'static Server,
    version: String,
    /// Connections to the admin database, on the background runtime.
    admin: sqlx::PgPool,
}

async fn process_server() -> Result<&'static ProcessServer, TestDbError> {
    static SERVER: OnceCell<Result<ProcessServer, TestDbError>> = OnceCell::const_new();
    SERVER
        .get_or_init(|| async {
            let server = tokio::task::spawn_blocking(provider::start_or_join)
                .await
                .map_err(|error| TestDbError::Runtime {
                    detail: error.to_string(),
                })??;
            let server: &'static Server = Box::leak(Box::new(server));
            let version = template::server_version(&server.admin_url).await?;
            let admin = PgPoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .connect(&server.admin_url)
                .await
                .map_err(|error| TestDbError::Connect {
                    url: DatabaseUrl::new(server.admin_url.as_str()),
                    detail: error.to_string(),
                })?;
            Ok(ProcessServer {
                server,
                version,
                admin,
            })
        })
        .await
        .as_ref()
        .map_err(Clone::clone)
}

/// The template of one migration set, once this process made sure of it.
type TemplateCell = Arc<OnceCell<Result<Arc<TemplateState>, TestDbError>>>;

/// The templates this process made sure of, by migration set.
struct Templates {
    by_set: Mutex<HashMap<usize, TemplateCell>>,
}

struct TemplateState {
    hash: String,
    /// Whether this process is making clones ahead of demand.
    filling: AtomicBool,
    /// Told after each clone made ahead.
    produced: tokio::sync::Notify,
}

static TEMPLATES: OnceLock<Templates> = OnceLock::new();

async fn template_for(
    server: &'static ProcessServer,
    migrations: &'static Migrations,
) -> Result<Arc<TemplateState>, TestDbError> {
    let templates = TEMPLATES.get_or_init(|| Templates {
        by_set: Mutex::new(HashMap::new()),
    });
    // A `&'static Migrations` is one static: its address names the set.
    let key = std::ptr::from_ref(migrations) as usize;
    let cell = {
        let mut by_set = templates
            .by_set
            .lock()
            .map_err(|error| TestDbError::Runtime {
                detail: error.to_string(),
            })?;
        Arc::clone(by_set.entry(key).or_default())
    };
    cell.get_or_init(|| async {
        let hash = template::template_hash(migrations, &server.version)?;
        let admin_url = &server.server.admin_url;
        template::ensure_template(admin_url, &hash, migrations, |name| {
            database_url(admin_url, name)
        })
        .await?;
        Ok(Arc::new(TemplateState {
            hash,
            filling: AtomicBool::new(false),
            produced: tokio::sync::Notify::new(),
        }))
    })
    .await
    .clone()
}

async fn create_test_database(
    migrations: &'static Migrations,
    name: &str,
) -> Result<(&'static Server, String), TestDbError> {
    let server = process_server().await?;
    let template = template_for(server, migrations).await?;
    let admin_url = &server.server.admin_url;
    let pooled = server.server.is_disposable() && template::pool_size() > 0;
    let mut connection = template::acquire(&server.admin).await?;
    if pooled {
        // Registered before the first try, so that a clone made in between
        // is not missed.
        let produced = template.produced.notified();
        tokio::pin!(produced);
        produced.as_mut().enable();
        let claimed = template::claim_ready_clone(&mut connection, &template.hash, name).await?;
        start_filling(server, &template);
        if claimed {
            return Ok((server.server, database_url(admin_url, name)));
        }
        // The pool is empty: the clone being made ahead is nearer than a
        // new one, which would also compete with it for the disk.
        let _ = tokio::time::timeout(CLONE_WAIT, produced).await;
        if template::claim_ready_clone(&mut connection, &template.hash, name).await? {
            return Ok((server.server, database_url(admin_url, name)));
        }
    }
    let strategy = template::clone_strategy(server.server.is_disposable(), &server.version);
    template::create_clone(&mut connection, &template.hash, name, strategy).await?;
    Ok((server.server, database_url(admin_url, name)))
}

/// Starts making clones of `template` ahead of demand, unless this process
/// already is.
fn start_filling(server: &'static ProcessServer, template: &Arc<TemplateState>) {
    if template.filling.swap(true, Ordering::AcqRel) {
        return;
    }
    let template = Arc::clone(template);
    let admin = server.admin.clone();
    tokio::spawn(async move {
        let strategy = template::clone_strategy(true, &server.version);
        if let Err(error) =
            template::fill_pool(&admin, &template.hash, strategy, &template.produced).await
        {
            eprintln!("dbkit: could not make test databases ahead of use: {error}");
        }
        template.filling.store(false, Ordering::Release);
        template.produced.notify_waiters();
    });
}

/// A database name no other test of the run gets:
/// `dbkit_t_<test>_<pid>_<n>`, at most 63 bytes.
fn database_name(test_name: Option<&str>) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let suffix = format!(
        "_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut test: String = test_name
        .unwrap_or("")
        .rsplit("::")
        .next()
        .unwrap_or("")
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let room = MAX_IDENTIFIER_BYTES - "dbkit_t_".len() - suffix.len();
    if test.len() > room {
        test = test[test.len() - room..].to_string();
    }
    if test.is_empty() {
        format!("dbkit_t{suffix}")
    } else {
        format!("dbkit_t_{test}{suffix}")
    }
}

/// `url` with its database replaced by `name`.
pub(crate) fn database_url(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let query = after.find('?').map_or("", |start| &after[start..]);
    format!(
        "{scheme}://{authority}/{}{query}",
        super::local::percent_encode(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_keeps_everything_but_the_database() {
        assert_eq!(
            database_url("postgres://u:p@h:5432/app?sslmode=disable", "t_1"),
            "postgres://u:p@h:5432/t_1?sslmode=disable"
        );
        assert_eq!(database_url("postgres://h", "t"), "postgres://h/t");
        assert_eq!(database_url("postgresql://h:1/", "t"), "postgresql://h:1/t");
    }

    #[test]
    fn database_names_hold_the_test_name_and_fit() {
        let name = database_name(Some("module::inserts_a_user"));
        assert!(name.starts_with("dbkit_t_inserts_a_user_"), "{name}");
        let long = database_name(Some(&"x".repeat(200)));
        assert!(long.len() <= MAX_IDENTIFIER_BYTES, "{long}");
        assert!(database_name(None).starts_with("dbkit_t_"));
        assert_ne!(database_name(None), database_name(None));
    }
}
