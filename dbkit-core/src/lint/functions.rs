//! What the lint knows of functions a column default calls: which are
//! computed once per statement (PostgreSQL's `STABLE` and `IMMUTABLE`,
//! whose value `ADD COLUMN` stores once, without a rewrite) and which row
//! by row (`VOLATILE`, the default of `CREATE FUNCTION`).
//!
//! A function in neither list is taken to be volatile: a user's function
//! is unless it was declared otherwise, and the lint cannot see a
//! declaration made by an earlier migration. `cargo-dbkit/tests/it/lint_claims.rs` checks both
//! lists against `pg_proc` on a real server.

/// Built-in functions (in `pg_catalog`) with no `VOLATILE` form, that a
/// default is likely to call, by their lowercase name.
pub const NON_VOLATILE_FUNCTIONS: &[&str] = &[
    "abs",
    "age",
    "array_append",
    "array_fill",
    "array_length",
    "array_to_string",
    "btrim",
    "cardinality",
    "ceil",
    "concat",
    "concat_ws",
    "current_database",
    "current_schema",
    "current_setting",
    "date",
    "date_part",
    "date_trunc",
    "decode",
    "encode",
    "floor",
    "format",
    "initcap",
    "json_build_array",
    "json_build_object",
    "jsonb_build_array",
    "jsonb_build_object",
    "jsonb_object",
    "jsonb_set",
    "left",
    "length",
    "lower",
    "lpad",
    "ltrim",
    "make_date",
    "make_interval",
    "make_timestamp",
    "make_timestamptz",
    "md5",
    "now",
    "num_nonnulls",
    "overlay",
    "pg_backend_pid",
    "regexp_replace",
    "replace",
    "right",
    "round",
    "rpad",
    "rtrim",
    "sha256",
    "split_part",
    "statement_timestamp",
    "string_to_array",
    "substr",
    "timezone",
    "to_char",
    "to_date",
    "to_json",
    "to_jsonb",
    "to_number",
    "to_timestamp",
    "to_tsvector",
    "transaction_timestamp",
    "translate",
    "trunc",
    "txid_current",
    "upper",
    "version",
];

/// SQL's special forms that sqlparser reads as function calls and that
/// PostgreSQL computes once per statement (`CURRENT_TIMESTAMP`) or from
/// their arguments (`COALESCE`), by their lowercase name.
pub const NON_VOLATILE_SQL_FORMS: &[&str] = &[
    "coalesce",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "greatest",
    "least",
    "localtime",
    "localtimestamp",
    "nullif",
    "session_user",
    "user",
];

/// Functions known to be `VOLATILE`: built-in ones, and those of the
/// extensions defaults most often call (`uuid-ossp`, `pgcrypto`) or of
/// later PostgreSQL releases (`uuidv7()`, 18).
pub const VOLATILE_FUNCTIONS: &[&str] = &[
    "clock_timestamp",
    "currval",
    "gen_random_bytes",
    "gen_random_uuid",
    "lastval",
    "nextval",
    "random",
    "random_normal",
    "setseed",
    "timeofday",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
];

/// Whether PostgreSQL's own function or form `name` (lowercase, called
/// unqualified or through `pg_catalog`) is computed once per statement.
pub(crate) fn is_known_non_volatile(name: &str) -> bool {
    NON_VOLATILE_FUNCTIONS.binary_search(&name).is_ok()
        || NON_VOLATILE_SQL_FORMS.binary_search(&name).is_ok()
}

/// Whether `name` (lowercase) is a function known to be `VOLATILE`.
pub(crate) fn is_known_volatile(name: &str) -> bool {
    VOLATILE_FUNCTIONS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_sorted_for_binary_search_and_disjoint() {
        for list in [
            NON_VOLATILE_FUNCTIONS,
            NON_VOLATILE_SQL_FORMS,
            VOLATILE_FUNCTIONS,
        ] {
            assert!(list.windows(2).all(|pair| pair[0] < pair[1]), "{list:?}");
        }
        assert!(
            VOLATILE_FUNCTIONS
                .iter()
                .all(|name| !is_known_non_volatile(name))
        );
    }
}
