//! The SQL of each kind of change to the options of tables, columns,
//! constraints and indexes: created with their object, changed in place
//! where PostgreSQL can (`SET`/`RESET` of storage parameters, `ALTER
//! CONSTRAINT`, `VALIDATE CONSTRAINT`, `ALTER COLUMN … TYPE … COLLATE`),
//! dropped and created again where it cannot.

use dbkit_core::diff::{DiffOptions, apply_changes, diff};
use dbkit_core::lint::{LintConfig, UNPARSED_STATEMENT, lint_migration_with_schema};
use dbkit_core::model::{Deferral, Exclusion, KeyOptions, NullsOrder, Schema};
use dbkit_core::render::render_migration;
use dbkit_core::test_support::builders::*;

/// The migration's SQL, after checking that the changes turn `old` into
/// `new` in the model.
fn sql(old: &Schema, new: &Schema) -> String {
    let changes = diff(old, new, &DiffOptions::default()).expect("no ambiguity");
    let mut applied = apply_changes(old, &changes);
    let mut expected = new.clone();
    for schema in [&mut applied, &mut expected] {
        for table in &mut schema.tables {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
    assert_eq!(applied, expected, "the changes do not turn old into new");
    let sql = render_migration(&changes).sql;
    // The lint reads every statement.
    let unparsed: Vec<String> = lint_migration_with_schema(&sql, &LintConfig::default(), || {
        Some(std::borrow::Cow::Borrowed(old))
    })
    .into_iter()
    .filter(|finding| finding.rule == UNPARSED_STATEMENT)
    .map(|finding| format!("line {}: {}", finding.line, finding.message))
    .collect();
    assert!(unparsed.is_empty(), "{unparsed:#?}\n{sql}");
    sql
}

fn teams() -> dbkit_core::model::Table {
    table("teams", vec![column("id", builtin("bigint"))]).primary_key(&["id"])
}

/// `players`, whose options each test sets.
fn players() -> dbkit_core::model::Table {
    table(
        "players",
        vec![
            column("id", builtin("bigint")),
            column("team", builtin("bigint")),
            column("name", builtin("text")),
            column("position", builtin("integer")),
        ],
    )
    .primary_key(&["id"])
    .foreign_key(
        "players_team_fkey",
        &["team"],
        "teams",
        &["id"],
        Default::default(),
        Default::default(),
    )
    .check("players_position_check", "position > 0")
    .unique("players_name_key", &["name"])
}

fn of(tables: Vec<dbkit_core::model::Table>) -> Schema {
    schema(&[], vec![], tables)
}

/// Every option at once, as `CREATE TABLE`, `ADD CONSTRAINT` and `CREATE INDEX` write them.
fn with_every_option() -> Schema {
    let mut players = players();
    players.storage_parameters = strings(&["autovacuum_enabled=false", "fillfactor=70"]);
    players.columns[2].collation = Some("C".to_string());
    if let Some(key) = &mut players.primary_key {
        key.deferrable = Deferral::Deferred;
    }
    players.uniques[0].deferrable = Deferral::Immediate;
    players.checks[0].not_valid = true;
    players.foreign_keys[0].deferrable = Deferral::Deferred;
    players.foreign_keys[0].not_valid = true;
    players.exclusions.push(
        Exclusion::new(
            "players_team_position_excl",
            "btree",
            "team WITH =, position WITH =",
        )
        .with_predicate(Some("position > 1".to_string()))
        .with_deferrable(Deferral::Immediate),
    );
    let players = players.index(
        index("players_name_position_idx", &["name", "position"])
            .with_key_options(vec![
                KeyOptions::new(
                    false,
                    None,
                    Some("text_pattern_ops".to_string()),
                    Some("POSIX".to_string()),
                ),
                KeyOptions::new(true, Some(NullsOrder::Last), None, None),
            ])
            .with_include(strings(&["team"]))
            .with_storage_parameters(strings(&["fillfactor=80"])),
    );
    of(vec![teams(), players])
}

#[test]
fn every_option_created() {
    insta::assert_snapshot!(sql(&of(vec![]), &with_every_option()));
}

#[test]
fn every_option_removed() {
    insta::assert_snapshot!(sql(&with_every_option(), &of(vec![teams(), players()])));
}

#[test]
fn every_option_added_to_existing_objects() {
    insta::assert_snapshot!(sql(
        &of(vec![
            teams(),
            players().index(index("players_name_position_idx", &["name", "position"]))
        ]),
        &with_every_option()
    ));
}

#[test]
fn storage_parameters_set_changed_and_reset_in_place() {
    let mut old = players().index(
        index("players_name_idx", &["name"])
            .with_storage_parameters(strings(&["deduplicate_items=off", "fillfactor=70"])),
    );
    old.storage_parameters = strings(&["autovacuum_enabled=false", "fillfactor=70"]);
    let mut new = players().index(
        index("players_name_idx", &["name"]).with_storage_parameters(strings(&["fillfactor=60"])),
    );
    new.storage_parameters = strings(&["fillfactor=50", "toast.autovacuum_enabled=false"]);
    insta::assert_snapshot!(sql(&of(vec![teams(), old]), &of(vec![teams(), new])));
}

#[test]
fn constraints_validated_and_their_deferral_altered_in_place() {
    let mut old = players();
    old.checks[0].not_valid = true;
    old.foreign_keys[0].not_valid = true;
    let mut new = players();
    new.foreign_keys[0].deferrable = Deferral::Deferred;
    insta::assert_snapshot!(sql(&of(vec![teams(), old]), &of(vec![teams(), new])));
}

#[test]
fn constraints_made_not_valid_or_deferrable_are_dropped_and_added() {
    let mut new = players();
    new.checks[0].not_valid = true;
    new.foreign_keys[0].not_valid = true;
    new.uniques[0].deferrable = Deferral::Deferred;
    if let Some(key) = &mut new.primary_key {
        key.deferrable = Deferral::Immediate;
    }
    // The key teams' primary key backs stays: only the players' one changes.
    insta::assert_snapshot!(sql(&of(vec![teams(), players()]), &of(vec![teams(), new])));
}

#[test]
fn index_key_options_and_include_changed_recreate_the_index() {
    let old = players().index(
        index("players_name_idx", &["name"])
            .with_key_options(vec![KeyOptions::new(true, None, None, None)]),
    );
    let new = players().index(
        index("players_name_idx", &["name"])
            .with_key_options(vec![KeyOptions::new(
                false,
                Some(NullsOrder::First),
                None,
                Some("C".to_string()),
            )])
            .with_include(strings(&["position"])),
    );
    insta::assert_snapshot!(sql(&of(vec![teams(), old]), &of(vec![teams(), new])));
}

#[test]
fn exclusion_constraints_added_changed_and_dropped() {
    let mut old = players();
    old.exclusions = vec![
        Exclusion::new("players_gone_excl", "btree", "name WITH ="),
        Exclusion::new("players_team_excl", "btree", "team WITH ="),
    ];
    let mut new = players();
    new.exclusions = vec![
        Exclusion::new("players_new_excl", "hash", "position WITH =")
            .with_predicate(Some("team > 0".to_string())),
        Exclusion::new("players_team_excl", "btree", "team WITH =")
            .with_deferrable(Deferral::Deferred),
    ];
    insta::assert_snapshot!(sql(&of(vec![teams(), old]), &of(vec![teams(), new])));
}

#[test]
fn column_collations_set_changed_and_reset() {
    let mut old = players();
    old.columns
        .push(column("code", builtin("character varying(20)")));
    old.columns.push(column("nickname", builtin("text")));
    old.columns[2].collation = Some("C".to_string());
    old.columns[4].collation = Some("C".to_string());
    old.columns[5].collation = Some("C".to_string());
    let mut new = players();
    new.columns.push(column("code", builtin("text")));
    new.columns.push(column("nickname", builtin("text")));
    new.columns[2].collation = Some("POSIX".to_string());
    new.columns[4].collation = Some("C".to_string());
    new.columns
        .push(column("motto", builtin("text")).nullable());
    new.columns[6].collation = Some("C".to_string());
    insta::assert_snapshot!(sql(&of(vec![teams(), old]), &of(vec![teams(), new])));
}
