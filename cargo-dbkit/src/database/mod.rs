//! The database a command talks to, and the sessions it opens.
//!
//! - [`url`]: which database (`--database-url`, `--env-file`, the
//!   environment, `.env`), read by [`dotenv`];
//! - [`target`]: the workspace and database a command works on, resolved
//!   once, and the migrations `migrate` and `status` hand to the engine;
//! - [`engine_errors`]: the migration engine's errors as diagnostics;
//! - [`session`]: the sqlx sessions of `push`, `pull` and `check`, each
//!   connected within the command's time limit, and the read-only reading
//!   of a schema;
//! - [`backup`]: `pg_dump` for `migrate --backup`.

pub(crate) mod backup;
pub(crate) mod dotenv;
pub(crate) mod engine_errors;
pub(crate) mod session;
pub(crate) mod target;
pub(crate) mod url;
