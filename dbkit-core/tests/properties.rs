//! Properties of the differ, the renderer and snapshots over random schemas.
//!
//! The strategies are compiled into this test from `src/arbitrary.rs`
//! (rather than through the `proptest` feature, which `cargo test -p
//! dbkit-core` does not enable); `crate::model` resolves through the import
//! below.

use dbkit_core::model;

#[path = "../src/arbitrary.rs"]
#[allow(dead_code)]
mod arbitrary;

use arbitrary::{
    arbitrary_schema, arbitrary_schema_pair, arbitrary_unchecked_schema,
    arbitrary_unchecked_schema_pair,
};
use dbkit_core::diff::{Change, DiffOptions, apply_changes, diff};
use dbkit_core::model::{BaseType, Schema};
use dbkit_core::render::{NO_TRANSACTION_MARKER, render_migration};
use dbkit_core::snapshot::Snapshot;
use proptest::prelude::*;

fn drop_and_create() -> DiffOptions {
    DiffOptions {
        renames: Vec::new(),
        assume_drop_and_create: true,
    }
}

/// The schema without hints and source locations, canonical, with columns
/// sorted by name (PostgreSQL appends added columns at the end).
fn common_form(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    for table in &mut schema.tables {
        table.renamed_from = None;
        table.source = None;
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        for column in &mut table.columns {
            column.renamed_from = None;
            column.source = None;
        }
        for key in &mut table.foreign_keys {
            key.source = None;
        }
    }
    for enum_type in &mut schema.enums {
        enum_type.source = None;
    }
    schema.canonicalize();
    schema
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_schema_has_no_changes_against_itself(schema in arbitrary_schema()) {
        let changes = diff(&schema, &schema, &DiffOptions::default());
        prop_assert_eq!(changes, Ok(Vec::new()));
    }

    #[test]
    fn creating_from_nothing_builds_the_schema_in_dependency_order(schema in arbitrary_schema()) {
        let empty = Schema::default();
        let changes = diff(&empty, &schema, &DiffOptions::default()).map_err(|a| TestCaseError::fail(format!("{a:?}")))?;
        prop_assert_eq!(common_form(&apply_changes(&empty, &changes)), common_form(&schema));
        let position = |test: &dyn Fn(&Change) -> bool| changes.iter().position(test);
        for (index, change) in changes.iter().enumerate() {
            match change {
                Change::CreateTable { table } => {
                    prop_assert!(table.foreign_keys.is_empty());
                    for column in &table.columns {
                        if let BaseType::Enum(name) = &column.ty.base {
                            let created = position(&|c| matches!(c, Change::CreateEnum { enum_type } if &enum_type.name == name));
                            prop_assert!(created.is_some_and(|at| at < index), "enum {} created after its table", name);
                        }
                    }
                    if table.name.schema != "public" {
                        let created = position(&|c| matches!(c, Change::CreateSchema { name } if *name == table.name.schema));
                        prop_assert!(created.is_some_and(|at| at < index));
                    }
                }
                Change::AddForeignKey { foreign_key, .. } => {
                    let created = position(&|c| matches!(c, Change::CreateTable { table } if table.name == foreign_key.references));
                    prop_assert!(created.is_some_and(|at| at < index));
                }
                _ => {}
            }
            let additive = matches!(change, Change::AddColumn { .. });
            prop_assert!(!change.is_destructive() || additive);
        }
    }

    #[test]
    fn applying_the_diff_gives_the_new_schema((old, new) in arbitrary_schema_pair()) {
        let changes = diff(&old, &new, &drop_and_create()).map_err(|a| TestCaseError::fail(format!("{a:?}")))?;
        let applied = apply_changes(&old, &changes);
        prop_assert_eq!(common_form(&applied), common_form(&new));
        // Nothing is left to do afterwards.
        let again = diff(&applied, &common_form(&new), &DiffOptions::default());
        prop_assert_eq!(again, Ok(Vec::new()));
    }

    #[test]
    fn diff_is_deterministic((old, new) in arbitrary_schema_pair()) {
        let first = diff(&old, &new, &DiffOptions::default());
        let second = diff(&old, &new, &DiffOptions::default());
        prop_assert_eq!(&first, &second);
        let rendered = first.as_ref().map(|changes| render_migration(changes).sql);
        let rendered_again = second.as_ref().map(|changes| render_migration(changes).sql);
        prop_assert_eq!(rendered, rendered_again);
    }

    #[test]
    fn ambiguities_only_when_something_disappears_and_appears((old, new) in arbitrary_schema_pair()) {
        let strict = diff(&old, &new, &DiffOptions::default());
        let lenient = diff(&old, &new, &drop_and_create());
        match strict {
            Ok(changes) => prop_assert_eq!(Ok(changes), lenient),
            Err(ambiguities) => {
                prop_assert!(!ambiguities.is_empty());
                for ambiguity in &ambiguities {
                    let text = ambiguity.to_string();
                    prop_assert!(text.contains("renamed_from") && text.contains("--rename"));
                }
            }
        }
    }

    #[test]
    fn rendered_migrations_are_well_formed((old, new) in arbitrary_schema_pair()) {
        let changes = diff(&old, &new, &drop_and_create()).map_err(|a| TestCaseError::fail(format!("{a:?}")))?;
        let migration = render_migration(&changes);
        prop_assert_eq!(migration.sql.is_empty(), changes.is_empty());
        prop_assert_eq!(migration.sql.starts_with(NO_TRANSACTION_MARKER), migration.no_transaction);
        prop_assert_eq!(migration.warnings.len(), changes.iter().filter(|c| c.is_destructive()).count());
        prop_assert!(migration.suggested_name.len() <= 60);
        prop_assert!(migration.suggested_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    }

    #[test]
    fn snapshots_round_trip_byte_for_byte(schema in arbitrary_schema(), version in 1u64..1000) {
        let snapshot = Snapshot::new(version, &format!("V{version}__step.sql"), Some("abc"), &schema);
        let json = snapshot.to_json();
        let read = Snapshot::from_json(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&read.to_json(), &json);
        prop_assert_eq!(common_form(&read.schema), common_form(&schema));
        prop_assert!(read.id_is_consistent());
    }

    #[test]
    fn diff_and_render_never_panic_on_nonsense((old, new) in arbitrary_unchecked_schema_pair()) {
        for options in [DiffOptions::default(), drop_and_create()] {
            if let Ok(changes) = diff(&old, &new, &options) {
                let _ = render_migration(&changes);
                let _ = apply_changes(&old, &changes);
            }
        }
        let snapshot = Snapshot::new(1, "V1__x.sql", None, &old);
        let _ = Snapshot::from_json(&snapshot.to_json());
    }

    #[test]
    fn nonsense_against_itself_and_nothing_never_panics(schema in arbitrary_unchecked_schema()) {
        let empty = Schema::default();
        for (old, new) in [(&schema, &schema), (&empty, &schema), (&schema, &empty)] {
            if let Ok(changes) = diff(old, new, &drop_and_create()) {
                let _ = render_migration(&changes);
            }
        }
    }
}
