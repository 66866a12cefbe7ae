//! The SQL of functions, procedures and triggers, for the round-trip
//! fixture cases of `tests/fixtures/round_trips/` that hold them: what
//! `generate` writes to create them, to change them in place, to drop and
//! create them again with what depends on them, and to drop them.

use dbkit_core::diff::{DiffOptions, diff};
use dbkit_core::model::Schema;
use dbkit_core::parse::parse_source_file;
use dbkit_core::render::render_migration;
use dbkit_core::resolve::resolve_schema;

macro_rules! case {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/round_trips/",
            $path
        ))
    };
}

fn schema(source: &str) -> Schema {
    let declarations =
        parse_source_file(source, "src/schema.rs").unwrap_or_else(|errors| panic!("{errors:?}"));
    resolve_schema(declarations).unwrap_or_else(|errors| panic!("{errors:?}"))
}

fn sql(old: &Schema, new: &Schema) -> String {
    let changes = diff(old, new, &DiffOptions::default()).expect("no ambiguity");
    render_migration(&changes).sql
}

#[test]
fn functions_and_procedures_with_every_option_created_and_dropped() {
    let functions = schema(case!(
        "both_ways/functions_and_procedures_in_sql_and_plpgsql_with_every_option/after.rs"
    ));
    insta::assert_snapshot!(sql(&Schema::default(), &functions));
    insta::assert_snapshot!(sql(&functions, &Schema::default()));
}

#[test]
fn triggers_of_every_kind_created_after_their_functions_and_dropped_before() {
    let triggers = schema(case!(
        "both_ways/triggers_of_every_timing_event_and_level_with_conditions_columns_and_arguments/after.rs"
    ));
    insta::assert_snapshot!(sql(&Schema::default(), &triggers));
    insta::assert_snapshot!(sql(&triggers, &Schema::default()));
}

#[test]
fn a_changed_body_and_options_replace_the_function_in_place() {
    let before = schema(case!(
        "one_way/a_function_body_and_options_changed_in_place/before.rs"
    ));
    let after = schema(case!(
        "one_way/a_function_body_and_options_changed_in_place/after.rs"
    ));
    let sql = sql(&before, &after);
    assert!(!sql.contains("DROP FUNCTION"), "{sql}");
    insta::assert_snapshot!(sql);
}

#[test]
fn a_reformatted_body_is_no_change() {
    let before = schema(case!(
        "one_way/a_function_body_and_options_changed_in_place/before.rs"
    ));
    let reformatted = case!("one_way/a_function_body_and_options_changed_in_place/before.rs")
        .replace(
            "BEGIN NEW.n := 1; RETURN NEW; END",
            "begin\n    NEW.n := 1; -- one\n    return NEW;\nend",
        );
    assert_eq!(sql(&before, &schema(&reformatted)), "");
}

#[test]
fn a_changed_signature_or_result_drops_and_creates_the_function_and_its_trigger() {
    let before = schema(case!(
        "one_way/a_function_signature_and_result_changed/before.rs"
    ));
    let after = schema(case!(
        "one_way/a_function_signature_and_result_changed/after.rs"
    ));
    insta::assert_snapshot!(sql(&before, &after));
}
