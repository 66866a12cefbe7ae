//! Snapshot JSON and migration file names.

use dbkit_core::snapshot::{
    Snapshot, SnapshotError, compute_snapshot_id, migration_file_name, parse_migration_file_name,
    snapshot_file_name,
};
use dbkit_core::test_support::builders::*;

fn keys_are_sorted(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => {
            let keys: Vec<&String> = map.keys().collect();
            keys.windows(2).all(|pair| pair[0] < pair[1]) && map.values().all(keys_are_sorted)
        }
        serde_json::Value::Array(items) => items.iter().all(keys_are_sorted),
        _ => true,
    }
}

#[test]
fn snapshot_json_is_sorted_pretty_and_ends_with_a_newline() {
    let mut users = users_table();
    users.comment = Some("People.".to_string());
    let schema = schema(&["app"], vec![enum_named("app.mood", &["ok"])], vec![users]);
    let snapshot = Snapshot::new(3, "V3__create_users.sql", Some("parent-id"), &schema);
    let json = snapshot.to_json();
    assert!(json.ends_with("}\n"));
    let text_keys: Vec<usize> = [
        "\"format\"",
        "\"id\"",
        "\"migration\"",
        "\"parent\"",
        "\"schema\"",
        "\"version\"",
    ]
    .iter()
    .filter_map(|key| json.find(key))
    .collect();
    assert!(text_keys.windows(2).all(|pair| pair[0] < pair[1]), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert!(keys_are_sorted(&value));
    insta::assert_snapshot!(json);
}

#[test]
fn snapshot_ids_depend_on_parent_migration_and_schema() {
    let one = schema(&[], vec![], vec![users_table()]);
    let other = schema(&[], vec![], vec![]);
    let id = compute_snapshot_id(None, "V1__a.sql", &one);
    assert_eq!(id.len(), 32);
    assert_eq!(id, compute_snapshot_id(None, "V1__a.sql", &one));
    assert_ne!(id, compute_snapshot_id(Some("x"), "V1__a.sql", &one));
    assert_ne!(id, compute_snapshot_id(None, "V1__b.sql", &one));
    assert_ne!(id, compute_snapshot_id(None, "V1__a.sql", &other));
    let mut hinted = one.clone();
    hinted.tables[0].renamed_from = Some("people".to_string());
    assert_eq!(
        id,
        compute_snapshot_id(None, "V1__a.sql", &hinted),
        "hints are not part of a snapshot"
    );
}

#[test]
fn reading_a_broken_snapshot_names_the_line_and_column() {
    let error =
        Snapshot::from_json("{\n  \"format\": 1,\n  \"version\": oops\n}").expect_err("invalid");
    match &error {
        SnapshotError::Json { line, .. } => assert_eq!(*line, 3),
        other => panic!("unexpected error {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("invalid snapshot at line 3, column")
    );
    let newer = Snapshot::new(1, "V1__a.sql", None, &schema(&[], vec![], vec![]));
    let json = newer.to_json().replace("\"format\": 1", "\"format\": 99");
    assert_eq!(
        Snapshot::from_json(&json),
        Err(SnapshotError::NewerFormat { found: 99 })
    );
}

#[test]
fn a_hand_edited_snapshot_is_detected() {
    let snapshot = Snapshot::new(
        1,
        "V1__a.sql",
        None,
        &schema(&[], vec![], vec![users_table()]),
    );
    assert!(snapshot.id_is_consistent());
    let edited = snapshot.to_json().replace("\"email\"", "\"mail\"");
    let read = Snapshot::from_json(&edited).expect("still valid");
    assert!(!read.id_is_consistent());
}

#[test]
fn migration_file_names() {
    assert_eq!(
        snapshot_file_name("V3__add_email_to_users.sql"),
        "V3__add_email_to_users.json"
    );
    assert_eq!(
        migration_file_name(12, "create_users"),
        "V12__create_users.sql"
    );
    assert_eq!(
        parse_migration_file_name("V3__add_email_to_users.sql"),
        Some((3, "add_email_to_users".to_string()))
    );
    assert_eq!(
        parse_migration_file_name("V007__x.sql"),
        Some((7, "x".to_string()))
    );
    for invalid in [
        "V3_add.sql",
        "3__add.sql",
        "V__add.sql",
        "V3__.sql",
        "V3__add.json",
        "V3__add-more.sql",
        "v3__add.sql",
        "V99999999999999999999999__a.sql",
    ] {
        assert_eq!(parse_migration_file_name(invalid), None, "{invalid}");
    }
}
