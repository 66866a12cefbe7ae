//! `--rename OLD=NEW` arguments and ambiguity messages.

mod common;

use common::*;
use dbkit_core::diff::{Ambiguity, DiffOptions, Rename, diff, parse_rename_argument};
use dbkit_core::model::Schema;

fn schemas() -> (Schema, Schema) {
    let mut old_users = users_table();
    old_users.columns.push(column("age", builtin("integer")));
    let old = schema(
        &["app"],
        vec![],
        vec![
            old_users,
            table("app.logs", vec![column("line", builtin("text"))]),
        ],
    );
    let mut accounts = users_table();
    accounts.name = name("accounts");
    accounts.columns.push(column("years", builtin("integer")));
    let new = schema(
        &["app"],
        vec![],
        vec![
            accounts,
            table("app.entries", vec![column("text", builtin("text"))]),
        ],
    );
    (old, new)
}

#[test]
fn table_renames() {
    let (old, new) = schemas();
    assert_eq!(
        parse_rename_argument("users=accounts", &old, &new),
        Ok(Rename::Table {
            from: name("users"),
            to: name("accounts")
        })
    );
    assert_eq!(
        parse_rename_argument("app.logs=app.entries", &old, &new),
        Ok(Rename::Table {
            from: name("app.logs"),
            to: name("app.entries")
        })
    );
    assert_eq!(
        parse_rename_argument("logs=entries", &old, &new),
        Ok(Rename::Table {
            from: name("app.logs"),
            to: name("app.entries")
        })
    );
}

#[test]
fn column_renames() {
    let (old, new) = schemas();
    let expected = Ok(Rename::Column {
        table: name("accounts"),
        from: "age".into(),
        to: "years".into(),
    });
    assert_eq!(
        parse_rename_argument("users.age=accounts.years", &old, &new),
        expected
    );
    assert_eq!(
        parse_rename_argument("public.users.age=public.accounts.years", &old, &new),
        expected
    );
    let (old, mut new) = schemas();
    new.tables.iter_mut().for_each(|table| {
        if table.name == name("accounts") {
            table.renamed_from = Some("users".to_string());
        }
    });
    assert_eq!(
        parse_rename_argument("users.age=years", &old, &new),
        expected
    );
}

#[test]
fn errors_say_what_was_not_found() {
    let (old, new) = schemas();
    let cases = [
        ("users", "not of the form OLD=NEW"),
        (
            "people=accounts",
            "table `people` was not found in the last snapshot",
        ),
        (
            "users=people",
            "table `public.people` was not found in the code's schema",
        ),
        (
            "users.height=accounts.years",
            "column `height` was not found in table `public.users`",
        ),
        (
            "users.age=accounts.height",
            "column `height` was not found in table `public.accounts`",
        ),
        ("users.age=years", "the table of `years` was not found"),
    ];
    for (argument, message) in cases {
        let error = parse_rename_argument(argument, &old, &new).expect_err(argument);
        assert!(error.contains(message), "{argument}: {error}");
    }
}

#[test]
fn ambiguities_list_every_case_and_explain_the_way_out() {
    let (old, new) = schemas();
    let ambiguities = diff(&old, &new, &DiffOptions::default()).expect_err("ambiguous");
    assert_eq!(
        ambiguities,
        vec![
            Ambiguity::Tables {
                dropped: vec![name("app.logs")],
                created: vec![name("app.entries")]
            },
            Ambiguity::Tables {
                dropped: vec![name("users")],
                created: vec![name("accounts")]
            },
        ]
    );
    insta::assert_snapshot!(
        ambiguities
            .iter()
            .map(|a| format!("{a}\n"))
            .collect::<String>()
    );
    let options = DiffOptions {
        renames: vec![
            Rename::Table {
                from: name("users"),
                to: name("accounts"),
            },
            Rename::Table {
                from: name("app.logs"),
                to: name("app.entries"),
            },
        ],
        assume_drop_and_create: false,
    };
    let ambiguities = diff(&old, &new, &options).expect_err("columns still ambiguous");
    assert_eq!(ambiguities.len(), 2);
    assert!(
        ambiguities
            .iter()
            .any(|a| matches!(a, Ambiguity::Columns { table, .. } if *table == name("accounts")))
    );
}

#[test]
fn stale_hints_are_ignored() {
    // The snapshot already has `accounts`: the hint from an earlier rename
    // changes nothing.
    let mut accounts = users_table();
    accounts.name = name("accounts");
    let old = schema(&[], vec![], vec![accounts.clone()]);
    accounts.renamed_from = Some("users".to_string());
    let new = schema(&[], vec![], vec![accounts]);
    assert_eq!(diff(&old, &new, &DiffOptions::default()), Ok(Vec::new()));
}
