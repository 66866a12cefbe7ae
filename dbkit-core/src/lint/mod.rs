//! A safety lint over migration SQL: statements that lock a table in use
//! for long, rewrite it, fail on a table with rows, or break code still
//! running during a deploy.
//!
//! [`lint_migration`] is a function over a file's text and a
//! [`LintConfig`]; nothing here reads files. A migration is split into
//! statements by [`crate::sql_split`] (the splitter that applies them, so
//! the lint sees the statements PostgreSQL will), and each statement is
//! tokenized and parsed on its own by sqlparser's PostgreSQL dialect: one
//! statement the parser cannot read is reported as `unparsed-statement`
//! and hides nothing in the others. Findings point at the line and column
//! where the statement, or the offending clause in it, starts.
//!
//! **Existing objects.** A table, index, type or schema created earlier
//! in the same file is new: it holds no rows and no running code uses it,
//! so the rules about existing objects stay silent on it. Anything else is
//! taken to exist.
//!
//! **Transactions.** dbkit runs a migration in one transaction unless its
//! first line is `-- dbkit:no-transaction`; `CONCURRENTLY` is only valid
//! in such a migration, and the help says so. A statement that controls
//! the transaction itself (`crate::transaction_control`, the engine's own
//! test) is `transaction-statement` there, and fine in a marked migration,
//! which runs statement by statement.
//!
//! # Rules
//!
//! | id | default | reports |
//! |----|---------|---------|
//! | `create-index-non-concurrently` | error | `CREATE INDEX` without `CONCURRENTLY` on an existing table: a SHARE lock blocks writes for the whole build |
//! | `drop-index-non-concurrently` | error | `DROP INDEX` without `CONCURRENTLY` of an index not created in the file: ACCESS EXCLUSIVE on its table |
//! | `concurrently-in-transaction` | error | `CREATE`/`DROP INDEX CONCURRENTLY` or `REINDEX … CONCURRENTLY` in a migration without the no-transaction marker: PostgreSQL refuses it |
//! | `transaction-statement` | error | `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK` (not `ROLLBACK TO`), `ABORT`, `PREPARE TRANSACTION`, `COMMIT PREPARED` or `ROLLBACK PREPARED` in a migration without the no-transaction marker: it would end dbkit's transaction, and the engine refuses the migration; in a marked one, transactions nested or unbalanced (`BEGIN` in an open block, `COMMIT` with none open, a block open at the end) |
//! | `adding-not-null-column` | error | `ADD COLUMN … NOT NULL` (or `PRIMARY KEY`) without a default, identity or serial type: fails on a table with rows |
//! | `setting-not-null` | error | `ALTER COLUMN … SET NOT NULL`: a full scan under ACCESS EXCLUSIVE |
//! | `constraint-missing-not-valid` | error | `ADD CONSTRAINT … FOREIGN KEY`/`CHECK` without `NOT VALID`, or `REFERENCES`/`CHECK` inline in `ADD COLUMN`: validated by a full scan under lock |
//! | `adding-unique-constraint` | error | `ADD CONSTRAINT … UNIQUE`/`PRIMARY KEY` without `USING INDEX`, or inline in `ADD COLUMN`: the index is built under ACCESS EXCLUSIVE |
//! | `changing-column-type` | error | `ALTER COLUMN … TYPE` that rewrites the table, or whose old type the lint does not know (see below) |
//! | `validating-constraint-in-same-transaction` | error | `VALIDATE CONSTRAINT` in the transaction that added the constraint `NOT VALID` (the same transactional migration, or one `BEGIN` … `COMMIT` block): the scan runs under the lock `ADD CONSTRAINT` took |
//! | `adding-exclusion-constraint` | error | `ADD … EXCLUDE` on an existing table: its index is built and every row checked under ACCESS EXCLUSIVE, with no `NOT VALID` or concurrent way |
//! | `adding-volatile-default` | error | `ADD COLUMN` with a volatile default (`random()`, `gen_random_uuid()`, `nextval()`, a function the lint does not know to be `IMMUTABLE` or `STABLE`…), a serial type, an identity or a stored generated expression: a table rewrite |
//! | `setting-tablespace` | error | `ALTER TABLE`/`ALTER INDEX … SET TABLESPACE` of an existing one: copied under ACCESS EXCLUSIVE |
//! | `changing-table-persistence` | error | `ALTER TABLE … SET LOGGED`/`SET UNLOGGED` of an existing table: a rewrite under ACCESS EXCLUSIVE |
//! | `reindex-non-concurrently` | error | `REINDEX` without `CONCURRENTLY` of anything not created in the file: writes wait, and queries that consider the index |
//! | `dropping-database` | error | `DROP DATABASE` |
//! | `dropping-table` | warning | `DROP TABLE` |
//! | `dropping-column` | warning | `ALTER TABLE … DROP COLUMN` |
//! | `dropping-schema` | warning | `DROP SCHEMA` |
//! | `renaming-table` | warning | `ALTER TABLE … RENAME TO`, or `SET SCHEMA`, which breaks code naming the old schema the same way |
//! | `renaming-column` | warning | `ALTER TABLE … RENAME COLUMN` |
//! | `renaming-index` | warning | `ALTER INDEX … RENAME TO` of an existing index |
//! | `renaming-enum-value` | warning | `ALTER TYPE … RENAME VALUE` of an existing enum |
//! | `updating-whole-table` | warning | `UPDATE` of an existing table with no `WHERE`, or one that bounds no rows (no column named, or only `IS [NOT] NULL` tests), and no `LIMIT`: one long transaction holding every row lock |
//! | `enum-value-without-position` | warning | `ALTER TYPE … ADD VALUE` without `BEFORE`/`AFTER` |
//! | `identifier-too-long` | error | an identifier over 63 bytes, which PostgreSQL truncates silently (reported once per name and file) |
//! | `require-lock-timeout` | warning | no `SET [LOCAL] lock_timeout` before the first statement that takes a heavy lock on an existing object (once per file) |
//! | `require-statement-timeout` | warning | no `SET [LOCAL] statement_timeout` before the first statement that holds a heavy lock while it reads or rewrites an existing table (once per file) |
//! | `unparsed-statement` | warning | a statement the parser cannot read, with its message |
//! | `unknown-rule-in-allow` | warning | an allow comment naming an unknown rule, malformed, or above no code |
//!
//! Errors are statements that hurt a database in use whatever the
//! deployment, and have a safe way round. Drops and renames are warnings:
//! dbkit writes them when the schema asks for them, and whether they break
//! anything depends on whether code using the old names still runs.
//!
//! `changing-column-type`: the old type is not in the SQL, so the lint
//! asks the caller for the schema before the migration
//! ([`lint_migration_with_schema`]; `cargo dbkit check` and `generate`
//! give the snapshot the migration follows) and follows the file's own
//! changes to the column (added, renamed, its type changed again). The
//! verdict is PostgreSQL's ([`type_change_rewrite`]): the table is kept
//! for a binary-coercible cast (`pg_cast.castmethod = 'b'`) to a type
//! without a modifier, and for the modifier changes the types' length
//! coercions declare no-ops (a longer `varchar`, a larger `numeric`
//! precision of the same scale, a larger temporal precision…); any
//! other conversion rewrites it, and so does a `USING` expression that is
//! not the column cast (each cast is a step of the conversion).
//! `timestamp` ↔ `timestamptz` is kept only under `SET TimeZone` to UTC
//! earlier in the file. A type the lint does not know (an enum, a domain,
//! an extension's), or a column the schema does not describe, is reported
//! as a change it cannot judge.
//!
//! `adding-volatile-default`: a function called by the default is
//! volatile unless the lint knows it is not (`now()`,
//! `CURRENT_TIMESTAMP`, `lower()`, … in [`NON_VOLATILE_FUNCTIONS`] and
//! [`NON_VOLATILE_SQL_FORMS`]) or the file created it `IMMUTABLE` or
//! `STABLE`: PostgreSQL takes a function for `VOLATILE` unless declared
//! otherwise, and computes a volatile default row by row.
//!
//! `require-lock-timeout` counts `ALTER TABLE` (except one that only
//! validates constraints; `SET SCHEMA` and `ALTER COLUMN … DROP
//! EXPRESSION`, `DROP IDENTITY` or `SET GENERATED` included, which
//! rewrite nothing but take ACCESS EXCLUSIVE for a moment), `CREATE INDEX` and `DROP INDEX` without
//! `CONCURRENTLY`, `DROP TABLE`/`VIEW`/`SEQUENCE`/`TYPE`/`SCHEMA`,
//! `TRUNCATE`, a foreign key (in `CREATE TABLE` or `ALTER TABLE` of a
//! new table) to an existing table, whose SHARE ROW EXCLUSIVE lock blocks
//! its writes, `CREATE TRIGGER` (SHARE ROW EXCLUSIVE), `DROP TRIGGER`
//! (ACCESS EXCLUSIVE), `LOCK TABLE` in `SHARE` mode or stronger (ACCESS
//! EXCLUSIVE when no mode is named), `DROP FUNCTION … CASCADE` (the
//! tables of the triggers and defaults it drops), `VACUUM FULL`,
//! `CLUSTER` (ACCESS EXCLUSIVE) and `REINDEX` without `CONCURRENTLY`
//! (SHARE on the table). `ALTER TYPE` and `ALTER INDEX … RENAME` are not
//! counted: their locks block no query. `SET lock_timeout = 0` or
//! `DEFAULT`, and `RESET`, unset it.
//!
//! `require-statement-timeout` counts the statements that other rules
//! report as reading or rewriting a table under a lock that blocks it
//! (those of `create-index-non-concurrently`, `setting-not-null`,
//! `constraint-missing-not-valid`, `adding-unique-constraint`,
//! `adding-exclusion-constraint`, `changing-column-type`,
//! `adding-volatile-default`, `setting-tablespace`,
//! `changing-table-persistence`,
//! `validating-constraint-in-same-transaction`,
//! `reindex-non-concurrently` and `updating-whole-table`, even when an
//! allow comment accepts them), plus `VACUUM FULL` and `CLUSTER`. A
//! concurrent index build or a lone `VALIDATE CONSTRAINT` blocks nobody
//! and is not counted: a timeout would only abort it.
//!
//! **Transactions in a marked migration.** Outside `BEGIN` … `COMMIT`
//! each statement is a transaction of its own; inside, the block is one.
//! That is what `validating-constraint-in-same-transaction` follows.
//!
//! `DO` blocks are skipped without a finding: their body is PL/pgSQL in a
//! string. sqlparser reads no `CONCURRENTLY` after `DROP INDEX`; the lint
//! takes the keyword out of the tokens and remembers it. Nor does it read
//! some `ALTER TABLE` actions (`SET SCHEMA`, `SET TABLESPACE`, and `ALTER
//! COLUMN … DROP EXPRESSION`, `DROP IDENTITY`, `SET GENERATED`): an
//! `ALTER TABLE` it refuses is read again from its tokens, those actions
//! by their keywords and the others by sqlparser's action parser (see
//! `alter_table`); likewise `ALTER TYPE … SET SCHEMA`, which moves an enum,
//! so that nothing dbkit writes is an `unparsed-statement`
//! (`tests/it/lint_rendered.rs` checks it over random schemas). `REINDEX`,
//! `CLUSTER` and `VACUUM`, and, when sqlparser refuses them, `ALTER INDEX
//! … RENAME TO`/`SET TABLESPACE` and `DROP DATABASE … WITH (FORCE)`, are
//! read the same way (see `unsupported`).
//!
//! # Silencing
//!
//! In configuration, `[workspace.metadata.dbkit.lint]` maps rule ids to
//! `"error"`, `"warning"` or `"off"` ([`LintConfig::from_metadata`]). In a
//! migration, a comment on the line directly above a statement, or above
//! the line of a clause inside it, silences the rules it names there:
//!
//! ```sql
//! -- dbkit:allow(changing-column-type) varchar(20) to varchar(40) needs no rewrite
//! ALTER TABLE "public"."users" ALTER COLUMN "phone" TYPE character varying(40);
//! -- dbkit:allow(dropping-column, require-lock-timeout)
//! ALTER TABLE "public"."users" DROP COLUMN "legacy";
//! ```
//!
//! Other `--` comment lines may stand between the comment and the code,
//! a blank line may not. There is no `allow(all)`: each silenced rule is
//! named, so reviewers see what was accepted.

mod allow;
mod alter_table;
mod checks;
mod config;
mod findings;
mod functions;
mod migration;
mod rules;
mod schema_before;
mod source;
mod type_change;
mod unsupported;

pub use config::LintConfig;
pub use findings::LintFinding;
pub use functions::{NON_VOLATILE_FUNCTIONS, NON_VOLATILE_SQL_FORMS, VOLATILE_FUNCTIONS};
pub use migration::{lint_migration, lint_migration_with_schema};
pub use rules::{
    ADDING_NOT_NULL_COLUMN, ADDING_UNIQUE_CONSTRAINT, ADDING_VOLATILE_DEFAULT,
    CHANGING_COLUMN_TYPE, CONCURRENTLY_IN_TRANSACTION, CONSTRAINT_MISSING_NOT_VALID,
    CREATE_INDEX_NON_CONCURRENTLY, DROP_INDEX_NON_CONCURRENTLY, DROPPING_COLUMN, DROPPING_SCHEMA,
    DROPPING_TABLE, ENUM_VALUE_WITHOUT_POSITION, IDENTIFIER_TOO_LONG, RENAMING_COLUMN,
    RENAMING_TABLE, REQUIRE_LOCK_TIMEOUT, RULES, Rule, SETTING_NOT_NULL, Severity,
    TRANSACTION_STATEMENT, UNKNOWN_RULE_IN_ALLOW, UNPARSED_STATEMENT, find_rule,
};
pub use type_change::{TypeChangeRewrite, type_change_rewrite};
