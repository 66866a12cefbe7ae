//! `--rename OLD=NEW` arguments and ambiguity messages.

use dbkit_core::diff::{
    Ambiguity, DiffOptions, Rename, diff, matched_renames, parse_rename_argument,
};
use dbkit_core::model::Schema;
use dbkit_core::test_support::builders::*;

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
            "no table or enum type `people` was found in the last snapshot",
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
                created: vec![name("app.entries")],
                suggestion: Some((name("app.logs"), name("app.entries"))),
            },
            Ambiguity::Tables {
                dropped: vec![name("users")],
                created: vec![name("accounts")],
                suggestion: Some((name("users"), name("accounts"))),
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

fn hinted(mut table: dbkit_core::model::Table, from: &str) -> dbkit_core::model::Table {
    table.renamed_from = Some(from.to_string());
    table
}

fn plain(qualified: &str) -> dbkit_core::model::Table {
    table(qualified, vec![column("id", builtin("bigint"))])
}

#[test]
fn a_partly_declared_chain_asks_about_the_undeclared_part_only() {
    // users → users_old is declared; what became of users_v2, and where
    // the new users comes from, is not.
    let old = schema(&[], vec![], vec![plain("users"), plain("users_v2")]);
    let new = schema(
        &[],
        vec![],
        vec![hinted(plain("users_old"), "users"), plain("users")],
    );
    let ambiguities = diff(&old, &new, &DiffOptions::default()).expect_err("ambiguous");
    assert_eq!(
        ambiguities,
        vec![Ambiguity::Tables {
            dropped: vec![name("users_v2")],
            created: vec![name("users")],
            suggestion: Some((name("users_v2"), name("users"))),
        }]
    );
    let message = ambiguities[0].to_string();
    assert!(
        message.contains("`--rename public.users_v2=public.users`"),
        "{message}"
    );
    assert!(!message.contains("users_old"), "{message}");
}

#[test]
fn no_pairing_is_suggested_with_an_object_a_rename_names() {
    // `b` claims to come from `gone`, which the snapshot never had: `b`
    // is new, but the suggestion pairs `a` with `c`, never with `b`.
    let old = schema(&[], vec![], vec![plain("a")]);
    let new = schema(&[], vec![], vec![hinted(plain("b"), "gone"), plain("c")]);
    let ambiguities = diff(&old, &new, &DiffOptions::default()).expect_err("ambiguous");
    assert_eq!(
        ambiguities,
        vec![Ambiguity::Tables {
            dropped: vec![name("a")],
            created: vec![name("b"), name("c")],
            suggestion: Some((name("a"), name("c"))),
        }]
    );
    // With only `b` appearing, no pairing is suggested at all.
    let new = schema(&[], vec![], vec![hinted(plain("b"), "gone")]);
    let ambiguities = diff(&old, &new, &DiffOptions::default()).expect_err("ambiguous");
    let message = ambiguities[0].to_string();
    assert!(matches!(
        &ambiguities[0],
        Ambiguity::Tables {
            suggestion: None,
            ..
        }
    ));
    assert!(message.contains("--rename OLD=NEW"), "{message}");
}

#[test]
fn leftover_chain_hints_change_nothing() {
    // The chain users → users_old, users_v2 → users was migrated; its
    // hints are still in the code.
    let after = schema(&[], vec![], vec![plain("users"), plain("users_old")]);
    let code = schema(
        &[],
        vec![],
        vec![
            hinted(plain("users_old"), "users"),
            hinted(plain("users"), "users_v2"),
        ],
    );
    assert_eq!(diff(&after, &code, &DiffOptions::default()), Ok(Vec::new()));
    // A hint naming a table the code still has, onto a table the snapshot
    // already had, is a leftover too.
    let code = schema(
        &[],
        vec![],
        vec![hinted(plain("users_old"), "users"), plain("users")],
    );
    assert_eq!(diff(&after, &code, &DiffOptions::default()), Ok(Vec::new()));
}

#[test]
fn swaps_declared_by_hints_alone_are_named_as_cycles() {
    let old = schema(&[], vec![], vec![plain("a"), plain("b"), plain("c")]);
    let new = schema(
        &[],
        vec![],
        vec![
            hinted(plain("a"), "b"),
            hinted(plain("b"), "a"),
            hinted(plain("d"), "c"),
        ],
    );
    let matched = matched_renames(&old, &new, &DiffOptions::default());
    assert_eq!(
        matched.tables,
        vec![
            (name("a"), name("b")),
            (name("b"), name("a")),
            (name("c"), name("d")),
        ]
    );
    assert_eq!(
        matched.hinted_cycles,
        vec![vec![
            Rename::Table {
                from: name("b"),
                to: name("a")
            },
            Rename::Table {
                from: name("a"),
                to: name("b")
            },
        ]]
    );
    // Asked for on the command line, the swap is meant for this run only.
    let mut without_hints = new.clone();
    without_hints
        .tables
        .iter_mut()
        .for_each(|table| table.renamed_from = None);
    let options = DiffOptions {
        renames: vec![
            Rename::Table {
                from: name("a"),
                to: name("b"),
            },
            Rename::Table {
                from: name("b"),
                to: name("a"),
            },
        ],
        assume_drop_and_create: true,
    };
    assert!(
        matched_renames(&old, &without_hints, &options)
            .hinted_cycles
            .is_empty()
    );
}

#[test]
fn enums_are_renamed_on_the_command_line_as_tables() {
    let old = schema(
        &["app"],
        vec![
            enum_named("user_role", &["a"]),
            enum_named("app.mood", &["b"]),
        ],
        vec![],
    );
    let new = schema(
        &["app"],
        vec![
            enum_named("role", &["a"]),
            enum_named("public.mood", &["b"]),
        ],
        vec![],
    );
    assert_eq!(
        parse_rename_argument("user_role=role", &old, &new),
        Ok(Rename::Enum {
            from: name("user_role"),
            to: name("role")
        })
    );
    assert_eq!(
        parse_rename_argument("app.mood=public.mood", &old, &new),
        Ok(Rename::Enum {
            from: name("app.mood"),
            to: name("mood")
        })
    );
    let error = parse_rename_argument("user_role=nothing", &old, &new).expect_err("no such enum");
    assert!(
        error.contains("enum type `public.nothing` was not found in the code's schema"),
        "{error}"
    );
}

#[test]
fn a_column_rename_on_the_command_line_follows_the_table_hint() {
    // The table users became users_old by its hint while a new users
    // appeared: `users.email=email_old` names the column of users_old.
    let mut old_users = plain("users");
    old_users.columns.push(column("email", builtin("text")));
    let old = schema(&[], vec![], vec![old_users]);
    let mut users_old = hinted(plain("users_old"), "users");
    users_old.columns.push(column("email_old", builtin("text")));
    let new = schema(&[], vec![], vec![users_old, plain("users")]);
    assert_eq!(
        parse_rename_argument("users.email=email_old", &old, &new),
        Ok(Rename::Column {
            table: name("users_old"),
            from: "email".into(),
            to: "email_old".into(),
        })
    );
}

#[test]
fn a_column_rename_on_the_command_line_ignores_leftover_table_hints() {
    // accounts' hint (from users) was applied long ago; users is a table
    // of its own again: `users.email=login` names users' column.
    let mut old_users = plain("users");
    old_users.columns.push(column("email", builtin("text")));
    let old = schema(&[], vec![], vec![plain("accounts"), old_users]);
    let mut users = plain("users");
    users.columns.push(column("login", builtin("text")));
    let new = schema(&[], vec![], vec![hinted(plain("accounts"), "users"), users]);
    assert_eq!(
        parse_rename_argument("users.email=login", &old, &new),
        Ok(Rename::Column {
            table: name("users"),
            from: "email".into(),
            to: "login".into(),
        })
    );
}
