//! Round trips that start where users start: schema A and schema B as Rust
//! source text, read by the same parser and resolver as `cargo dbkit`.

use crate::round_trip_with_rows;
use dbkit_core::model::Schema;
use dbkit_core::parse::parse_source_file;
use dbkit_core::resolve::resolve_schema;

/// The file name errors point into.
const DISPLAY_PATH: &str = "src/schema.rs";

/// The schema that `source` declares, as `cargo dbkit` would read it from
/// one file; errors are rendered one per line.
pub fn schema_from_rust(source: &str) -> Result<Schema, String> {
    let render = |errors: Vec<dbkit_core::parse::SchemaError>| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let declarations = parse_source_file(source, DISPLAY_PATH)
        .map_err(|errors| format!("the source does not parse:\n{}", render(errors)))?;
    resolve_schema(declarations)
        .map_err(|errors| format!("the source does not resolve:\n{}", render(errors)))
}

/// Like [`schema_from_rust`], for sources a test knows to be valid.
pub fn schema_from_valid_rust(source: &str) -> Schema {
    schema_from_rust(source).unwrap_or_else(|report| panic!("{report}\n--- source ---\n{source}"))
}

/// Reads both sources, creates A on a fresh database, migrates it to B and
/// checks the database is B (see [`round_trip`]); panics with the
/// differences object by object and the SQL that ran.
pub async fn check_round_trip(source_a: &str, source_b: &str) {
    if let Err(report) = source_round_trip(source_a, source_b).await {
        panic!("{report}");
    }
}

/// [`check_round_trip`] that returns its report (or why a source does not
/// read, with the source) instead of panicking.
pub async fn source_round_trip(source_a: &str, source_b: &str) -> Result<(), String> {
    source_round_trip_with_rows(source_a, source_b, None).await
}

/// [`source_round_trip`] with `rows` (SQL) inserted between the two
/// migrations.
pub async fn source_round_trip_with_rows(
    source_a: &str,
    source_b: &str,
    rows: Option<&str>,
) -> Result<(), String> {
    let read = |source: &str| {
        schema_from_rust(source).map_err(|report| format!("{report}\n--- source ---\n{source}"))
    };
    let first = read(source_a)?;
    let second = read(source_b)?;
    let trip = round_trip_with_rows(&first, &second, rows).await?;
    trip.database.drop_now().await
}

/// [`check_round_trip`] from A to B, then from B back to A.
pub async fn check_round_trip_both_ways(source_a: &str, source_b: &str) {
    check_round_trip(source_a, source_b).await;
    check_round_trip(source_b, source_a).await;
}

/// A schema with nothing in it.
pub const EMPTY: &str = "";
