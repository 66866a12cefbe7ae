//! Partitioned tables from Rust source: the SQL the differ and renderer
//! write for them (snapshot files under `tests/it/snapshots`), what the
//! differ refuses, the parser's and resolver's errors, and the modules
//! `codegen` writes back.

use dbkit_core::codegen::{CodegenOptions, generate_modules};
use dbkit_core::compare::{canonical_schema, format_differences, schema_differences};
use dbkit_core::diff::{
    DiffOptions, PartitioningRefusal, apply_changes, diff, partitioning_refusals,
};
use dbkit_core::model::{QualifiedName, Schema};
use dbkit_core::parse::parse_source_file;
use dbkit_core::render::render_migration;
use dbkit_core::resolve::resolve_schema;

const FILE: &str = "src/schema.rs";

/// The schema `source` declares, or its errors one per line.
fn read(source: &str) -> Result<Schema, String> {
    let render = |errors: Vec<dbkit_core::parse::SchemaError>| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let declarations = parse_source_file(source, FILE).map_err(render)?;
    resolve_schema(declarations).map_err(render)
}

fn schema(source: &str) -> Schema {
    read(source).unwrap_or_else(|errors| panic!("{errors}"))
}

fn errors(source: &str) -> String {
    match read(source) {
        Ok(_) => panic!("the source reads without errors:\n{source}"),
        Err(errors) => errors,
    }
}

/// The migration from `old` to `new` (checked to turn `old` into `new` in
/// the model), with its suggested name.
fn migration(old: &Schema, new: &Schema) -> String {
    let changes = diff(old, new, &DiffOptions::default()).expect("no ambiguity");
    let mut applied = apply_changes(old, &changes);
    let mut expected = new.clone();
    for schema in [&mut applied, &mut expected] {
        for table in &mut schema.tables {
            table.source = None;
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
            for column in &mut table.columns {
                column.source = None;
            }
            for key in &mut table.foreign_keys {
                key.source = None;
            }
        }
        schema.canonicalize();
    }
    assert_eq!(applied, expected, "the changes do not make the new schema");
    let rendered = render_migration(&changes);
    format!("name: {}\n---\n{}", rendered.suggested_name, rendered.sql)
}

const PARTITIONED: &str = r#"
#[derive(Table)]
#[dbkit(table = "events", partition_by = "range (happened_on)")]
#[dbkit(primary_key(columns(id, happened_on)))]
#[dbkit(index(columns(kind)))]
pub struct Event {
    pub id: i64,
    pub happened_on: chrono::NaiveDate,
    pub kind: String,
}

/// The events of 2026.
#[derive(Table)]
#[dbkit(table = "events_2026", partition_of = "events", bounds = "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')")]
pub struct Event2026;

#[derive(Table)]
#[dbkit(schema = "sales", partition_by = "LIST (region)")]
pub struct Orders {
    pub region: String,
    pub placed_on: chrono::NaiveDate,
}

#[derive(Table)]
#[dbkit(schema = "sales", partition_of = "orders", bounds = "FOR VALUES IN ('us')", partition_by = "RANGE (placed_on)")]
pub struct OrdersUs;

#[derive(Table)]
#[dbkit(schema = "sales", partition_of = "orders_us", bounds = "DEFAULT")]
pub struct OrdersUsAny;

#[derive(Table)]
#[dbkit(partition_by = "HASH (id)")]
pub struct Sessions {
    #[dbkit(primary_key)]
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "sessions", bounds = "FOR VALUES WITH (MODULUS 2, REMAINDER 0)")]
pub struct Sessions0;

#[derive(Table)]
#[dbkit(partition_of = "sessions", bounds = "FOR VALUES WITH (MODULUS 2, REMAINDER 1)")]
pub struct Sessions1;
"#;

#[test]
fn partitioned_tables_are_created_before_their_partitions_and_partitions_have_no_columns() {
    let new = schema(PARTITIONED);
    let partition = new
        .table(&QualifiedName::new("public", "events_2026"))
        .expect("the partition");
    assert!(partition.columns.is_empty() && partition.primary_key.is_none());
    insta::assert_snapshot!(migration(&Schema::default(), &new));
}

#[test]
fn partitioned_tables_are_dropped_after_their_partitions() {
    insta::assert_snapshot!(migration(&schema(PARTITIONED), &Schema::default()));
}

const RANGES_BEFORE: &str = r#"
#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Measurements {
    #[dbkit(primary_key)]
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Archive {
    #[dbkit(primary_key)]
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "measurements", bounds = "FOR VALUES FROM (0) TO (100)")]
pub struct MeasurementsLow;

#[derive(Table)]
#[dbkit(partition_of = "measurements", bounds = "FOR VALUES FROM (100) TO (200)")]
pub struct MeasurementsMiddle;

#[derive(Table)]
#[dbkit(partition_of = "measurements", bounds = "FOR VALUES FROM (200) TO (300)")]
pub struct MeasurementsHigh;
"#;

const RANGES_AFTER: &str = r#"
#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Measurements {
    #[dbkit(primary_key)]
    pub id: i64,
    #[dbkit(index)]
    pub value: Option<f64>,
}

#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Archive {
    #[dbkit(primary_key)]
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "measurements", bounds = "FOR VALUES FROM (0) TO (200)")]
pub struct MeasurementsLow;

#[derive(Table)]
#[dbkit(partition_of = "measurements", bounds = "FOR VALUES FROM (200) TO (300)")]
pub struct MeasurementsAll;

#[derive(Table)]
#[dbkit(partition_of = "archive", bounds = "FOR VALUES FROM (200) TO (300)")]
pub struct MeasurementsHigh;
"#;

/// The dropped partition goes before anything is created (a new one may
/// take over its values), partitions with a new bound or parent are
/// detached first and attached again after the creations, and a dropped
/// and a created partition are no rename to ask about.
#[test]
fn partitions_added_dropped_given_new_bounds_and_moved() {
    let sql = migration(&schema(RANGES_BEFORE), &schema(RANGES_AFTER));
    insta::assert_snapshot!(sql);
}

#[test]
fn a_change_of_partitioning_is_refused_and_names_the_table() {
    let plain = schema(
        r#"
#[derive(Table)]
pub struct Measurements {
    #[dbkit(primary_key)]
    pub id: i64,
}
"#,
    );
    let by_list = schema(&RANGES_BEFORE.replace("RANGE (id)", "LIST (id)"));
    let by_range = schema(RANGES_BEFORE);
    let spelled_otherwise = schema(&RANGES_BEFORE.replace("RANGE (id)", "range(id)"));
    let options = DiffOptions::default();
    assert_eq!(
        partitioning_refusals(&by_range, &spelled_otherwise, &options),
        []
    );
    assert_eq!(partitioning_refusals(&by_range, &by_range, &options), []);
    let refusals = partitioning_refusals(&by_range, &by_list, &options);
    let measurements = QualifiedName::new("public", "measurements");
    assert_eq!(
        refusals,
        [
            PartitioningRefusal::PartitionBy {
                table: QualifiedName::new("public", "archive"),
                old: Some("RANGE (id)".to_string()),
                new: Some("LIST (id)".to_string()),
            },
            PartitioningRefusal::PartitionBy {
                table: measurements.clone(),
                old: Some("RANGE (id)".to_string()),
                new: Some("LIST (id)".to_string()),
            },
        ]
    );
    insta::assert_snapshot!(
        refusals
            .iter()
            .map(|refusal| format!("{refusal}\nhelp: {}", refusal.help()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let refusals = partitioning_refusals(&plain, &by_range, &options);
    assert_eq!(
        refusals,
        [PartitioningRefusal::PartitionBy {
            table: measurements.clone(),
            old: None,
            new: Some("RANGE (id)".to_string()),
        }]
    );
    let partition_made_table = schema(
        r#"
#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Measurements {
    #[dbkit(primary_key)]
    pub id: i64,
}

#[derive(Table)]
pub struct MeasurementsLow {
    pub id: i64,
}
"#,
    );
    let with_low = schema(
        r#"
#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Measurements {
    #[dbkit(primary_key)]
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "measurements", bounds = "FOR VALUES FROM (0) TO (100)")]
pub struct MeasurementsLow;
"#,
    );
    assert_eq!(
        partitioning_refusals(&with_low, &partition_made_table, &options),
        [PartitioningRefusal::PartitionOf {
            table: QualifiedName::new("public", "measurements_low"),
            parent: None,
        }]
    );
    assert_eq!(
        partitioning_refusals(&partition_made_table, &with_low, &options),
        [PartitioningRefusal::PartitionOf {
            table: QualifiedName::new("public", "measurements_low"),
            parent: Some(measurements),
        }]
    );
}

#[test]
fn the_snapshot_of_a_partitioned_schema_reads_back_equal() {
    let declared = schema(PARTITIONED);
    let json = dbkit_core::snapshot::Snapshot::new(1, "V1__x.sql", None, &declared).to_json();
    assert!(
        json.contains("\"partition_by\": \"RANGE (happened_on)\""),
        "{json}"
    );
    let read = dbkit_core::snapshot::Snapshot::from_json(&json).expect("reads back");
    assert_eq!(canonical_schema(&read.schema), canonical_schema(&declared));
}

// ---------------------------------------------------------------------------
// Errors

#[test]
fn partition_of_naming_a_missing_table_is_an_error_on_its_line_with_a_suggestion() {
    let found = errors(
        r#"
#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Events {
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "event", bounds = "DEFAULT")]
pub struct EventsOther;
"#,
    );
    insta::assert_snapshot!(found);
    assert!(found.starts_with("src/schema.rs:9:"), "{found}");
}

#[test]
fn partition_of_naming_a_table_that_is_not_partitioned_is_an_error() {
    let found = errors(
        r#"
#[derive(Table)]
pub struct Events {
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "events", bounds = "DEFAULT")]
pub struct EventsOther;
"#,
    );
    insta::assert_snapshot!(found);
    assert!(found.starts_with("src/schema.rs:8:"), "{found}");
}

#[test]
fn a_partition_with_fields_or_keys_is_an_error() {
    let found = errors(
        r#"
#[derive(Table)]
#[dbkit(partition_by = "RANGE (id)")]
pub struct Events {
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "events", bounds = "DEFAULT")]
#[dbkit(check(name = "positive", expr = "id > 0"))]
pub struct EventsOther {
    pub id: i64,
}
"#,
    );
    insta::assert_snapshot!(found);
}

#[test]
fn malformed_partitioning_attributes_are_errors_with_did_you_mean() {
    let found = errors(
        r#"
#[derive(Table)]
#[dbkit(partition_bye = "RANGE (id)")]
pub struct A {
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_by = "RANGES (id)")]
pub struct B {
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_by = "LIST id")]
pub struct C {
    pub id: i64,
}

#[derive(Table)]
#[dbkit(partition_of = "c", bounds = "VALUES IN (1)")]
pub struct D;

#[derive(Table)]
#[dbkit(partition_of = "c")]
pub struct E;

#[derive(Table)]
#[dbkit(bounds = "DEFAULT")]
pub struct F {
    pub id: i64,
}

#[derive(Table)]
pub struct G;
"#,
    );
    insta::assert_snapshot!(found);
}

#[test]
fn a_cycle_of_partitions_is_an_error() {
    let found = errors(
        r#"
#[derive(Table)]
#[dbkit(partition_of = "b", bounds = "DEFAULT", partition_by = "LIST (id)")]
pub struct A;

#[derive(Table)]
#[dbkit(partition_of = "a", bounds = "DEFAULT", partition_by = "LIST (id)")]
pub struct B;
"#,
    );
    insta::assert_snapshot!(found);
}

// ---------------------------------------------------------------------------
// Code written back

#[test]
fn partitions_are_written_back_as_unit_structs_and_read_back_equal() {
    let declared = schema(PARTITIONED);
    let modules = generate_modules(&declared, &CodegenOptions::default());
    assert!(modules.unexpressed.is_empty(), "{:?}", modules.unexpressed);
    let mut declarations = Vec::new();
    for file in &modules.files {
        declarations.extend(
            parse_source_file(&file.source, &file.file_name)
                .unwrap_or_else(|errors| panic!("{errors:?}\n{}", file.source)),
        );
    }
    let read_back = resolve_schema(declarations).expect("resolves");
    let differences =
        schema_differences(&canonical_schema(&declared), &canonical_schema(&read_back));
    assert!(
        differences.is_empty(),
        "{}",
        format_differences(&differences)
    );
    let text: Vec<String> = modules
        .files
        .iter()
        .map(|file| format!("// {}\n{}", file.file_name, file.source))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}
