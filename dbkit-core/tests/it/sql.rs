//! The SQL the differ and renderer produce for representative changes,
//! checked against the snapshot files under `tests/it/snapshots`.

use dbkit_core::diff::{DiffOptions, Rename, apply_changes, diff};
use dbkit_core::model::{self, ForeignKeyAction, Identity, Schema};
use dbkit_core::render::render_migration;
use dbkit_core::test_support::builders::*;

/// The migration from `old` to `new`, with its suggested name and flags,
/// after checking that the changes turn `old` into `new` in the model.
fn check_with(old: &Schema, new: &Schema, options: &DiffOptions) -> String {
    let changes = match diff(old, new, options) {
        Ok(changes) => changes,
        Err(ambiguities) => {
            return ambiguities
                .iter()
                .map(|a| format!("ambiguity: {a}\n"))
                .collect();
        }
    };
    let applied = apply_changes(old, &changes);
    assert_eq!(
        common_form(&applied),
        common_form(new),
        "the changes do not turn the old schema into the new one"
    );
    let migration = render_migration(&changes);
    format!(
        "name: {}\nno_transaction: {}\n---\n{}",
        migration.suggested_name, migration.no_transaction, migration.sql
    )
}

fn check(old: &Schema, new: &Schema) -> String {
    check_with(old, new, &DiffOptions::default())
}

/// The schema without hints, with canonical order and columns sorted by
/// name (PostgreSQL appends added columns at the end).
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
        enum_type.renamed_from = None;
        enum_type.source = None;
    }
    schema.canonicalize();
    schema
}

fn empty() -> Schema {
    Schema::default()
}

#[test]
fn no_changes_give_empty_sql() {
    let schema = schema(&[], vec![], vec![users_table()]);
    insta::assert_snapshot!(check(&schema, &schema));
}

#[test]
fn create_table_with_every_feature() {
    let mut orders = table(
        "shop.Order",
        vec![
            column("id", builtin("integer")).serial(),
            column("user id", builtin("bigint")),
            column("status", enum_type("shop.order state")).default("'draft'"),
            column("total", builtin("numeric(10,2)")).comment("In cents, it's exact."),
            column("note", builtin("text")).nullable(),
            column("note_lower", builtin("text"))
                .nullable()
                .generated("lower(\"note\")"),
            column("tags", array_of(builtin("text"))).default("'{}'"),
            column("created_at", builtin("timestamp with time zone")).default("now()"),
            column("data", builtin("jsonb")).default("'{}'::jsonb"),
        ],
    );
    orders.primary_key = primary_key("Order_pkey", &["id"]);
    orders.uniques = vec![unique("Order_user id_note_key", &["user id", "note"])];
    orders.checks = vec![check_constraint("Order_total_check", "total >= 0")];
    let mut cascade = foreign_key("Order_user id_fkey", &["user id"], "users", &["id"]);
    cascade.on_delete = ForeignKeyAction::Cascade;
    cascade.on_update = ForeignKeyAction::SetNull;
    orders.foreign_keys = vec![cascade];
    let mut unique_lower = expression_index("Order_lower_note_idx", "lower(\"note\")");
    unique_lower.unique = true;
    let mut tags = index("Order_tags_idx", &["tags"]);
    tags.method = "gin".to_string();
    let mut open = index("Order_created_at_idx", &["created_at"]);
    open.predicate = Some("status <> 'shipped'".to_string());
    let mut hashed = index("Order_note_idx", &["note"]);
    hashed.method = "hash".to_string();
    orders.indexes = vec![
        unique_lower,
        tags,
        open,
        hashed,
        index("Order_user id_status_idx", &["user id", "status"]),
    ];
    orders.comment = Some("Orders placed by users.".to_string());
    let mut states = enum_named("shop.order state", &["draft", "placed", "shipped"]);
    states.comment = Some("Where an order is.".to_string());
    let new = schema(&["shop"], vec![states], vec![users_table(), orders]);
    insta::assert_snapshot!(check(&empty(), &new));
}

#[test]
fn tables_referencing_each_other_are_created_before_their_foreign_keys() {
    let mut orders = table(
        "orders",
        vec![
            column("id", builtin("bigint")),
            column("user_id", builtin("bigint")),
        ],
    );
    orders.primary_key = primary_key("orders_pkey", &["id"]);
    orders.foreign_keys = vec![foreign_key(
        "orders_user_id_fkey",
        &["user_id"],
        "users",
        &["id"],
    )];
    let mut users = users_table();
    users
        .columns
        .push(column("last_order_id", builtin("bigint")).nullable());
    users.foreign_keys = vec![foreign_key(
        "users_last_order_id_fkey",
        &["last_order_id"],
        "orders",
        &["id"],
    )];
    let new = schema(&[], vec![], vec![orders, users]);
    insta::assert_snapshot!(check(&empty(), &new));
}

#[test]
fn add_drop_and_rename_columns() {
    let mut old_users = users_table();
    old_users.columns.push(column("age", builtin("integer")));
    old_users.columns.push(column("full_name", builtin("text")));
    let old = schema(&[], vec![], vec![old_users]);
    let mut new_users = users_table();
    new_users
        .columns
        .push(column("display_name", builtin("text")).renamed_from("full_name"));
    new_users
        .columns
        .push(column("nickname", builtin("text")).nullable());
    new_users.columns.push(column("score", builtin("integer")));
    new_users
        .columns
        .push(column("active", builtin("boolean")).default("true"));
    let new = schema(&[], vec![], vec![new_users]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn add_one_column() {
    let old = schema(&[], vec![], vec![users_table()]);
    let mut users = users_table();
    users
        .columns
        .push(column("nickname", builtin("text")).nullable());
    insta::assert_snapshot!(check(&old, &schema(&[], vec![], vec![users])));
}

#[test]
fn column_renamed_on_the_command_line() {
    let mut old_users = users_table();
    old_users.columns.push(column("age", builtin("integer")));
    let mut new_users = users_table();
    new_users.columns.push(column("years", builtin("integer")));
    let old = schema(&[], vec![], vec![old_users]);
    let new = schema(&[], vec![], vec![new_users]);
    insta::assert_snapshot!("column_rename_ambiguous", check(&old, &new));
    let options = DiffOptions {
        renames: vec![Rename::Column {
            table: name("users"),
            from: "age".into(),
            to: "years".into(),
        }],
        assume_drop_and_create: false,
    };
    insta::assert_snapshot!(
        "column_rename_from_option",
        check_with(&old, &new, &options)
    );
    let options = DiffOptions {
        renames: vec![],
        assume_drop_and_create: true,
    };
    insta::assert_snapshot!("column_rename_refused", check_with(&old, &new, &options));
}

#[test]
fn type_nullability_and_default_changes() {
    let old_users = table(
        "users",
        vec![
            column("id", builtin("integer")),
            column("score", builtin("integer")).default("0"),
            column("bio", builtin("character varying(40)")),
            column("ratio", builtin("double precision")).nullable(),
            column("nickname", builtin("text")),
            column("created_at", builtin("timestamp without time zone")).default("now()"),
        ],
    );
    let new_users = table(
        "users",
        vec![
            column("id", builtin("bigint")),
            column("score", builtin("numeric")).default("0"),
            column("bio", builtin("text")),
            column("ratio", builtin("real")),
            column("nickname", builtin("text")).nullable(),
            column("created_at", builtin("timestamp without time zone"))
                .default("CURRENT_TIMESTAMP"),
        ],
    );
    let old = schema(&[], vec![], vec![old_users]);
    let new = schema(&[], vec![], vec![new_users]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn identity_and_serial_changes() {
    let old_users = table(
        "users",
        vec![
            column("a", builtin("bigint")),
            column("b", builtin("bigint")).identity(Identity::ByDefault),
            column("c", builtin("integer")).identity(Identity::Always),
            column("d", builtin("integer")).nullable(),
            column("e", builtin("bigint")).serial(),
        ],
    );
    let new_users = table(
        "users",
        vec![
            column("a", builtin("bigint")).identity(Identity::Always),
            column("b", builtin("bigint")).identity(Identity::Always),
            column("c", builtin("integer")),
            column("d", builtin("integer")).serial(),
            column("e", builtin("bigint")),
        ],
    );
    let old = schema(&[], vec![], vec![old_users]);
    let new = schema(&[], vec![], vec![new_users]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn generated_column_changes() {
    let old_users = table(
        "users",
        vec![
            column("email", builtin("text")),
            column("n", builtin("integer")),
            column("email_lower", builtin("text")).generated("lower(email)"),
            column("n_plus", builtin("integer")).generated("n + 1"),
            column("kept", builtin("integer")),
        ],
    );
    let new_users = table(
        "users",
        vec![
            column("email", builtin("text")),
            column("n", builtin("integer")),
            column("email_lower", builtin("text")).generated("upper(email)"),
            column("n_plus", builtin("integer")),
            column("kept", builtin("integer")).generated("n * 2"),
        ],
    );
    let old = schema(&[], vec![], vec![old_users]);
    let new = schema(&[], vec![], vec![new_users]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn primary_key_changes() {
    let members = |key: Option<dbkit_core::model::PrimaryKey>| {
        let mut members = table(
            "members",
            vec![
                column("org_id", builtin("bigint")),
                column("user_id", builtin("bigint")),
            ],
        );
        members.primary_key = key;
        members
    };
    let none = schema(&[], vec![], vec![members(None)]);
    let single = schema(
        &[],
        vec![],
        vec![members(primary_key("members_pkey", &["org_id"]))],
    );
    let composite = schema(
        &[],
        vec![],
        vec![members(primary_key("members_pkey", &["org_id", "user_id"]))],
    );
    insta::assert_snapshot!("primary_key_added", check(&none, &composite));
    insta::assert_snapshot!("primary_key_changed", check(&single, &composite));
    insta::assert_snapshot!("primary_key_dropped", check(&composite, &none));
}

#[test]
fn foreign_key_unique_and_check_changes() {
    let mut old_orders = table(
        "orders",
        vec![
            column("id", builtin("bigint")),
            column("user_id", builtin("bigint")),
            column("code", builtin("text")),
        ],
    );
    old_orders.foreign_keys = vec![foreign_key(
        "orders_user_id_fkey",
        &["user_id"],
        "users",
        &["id"],
    )];
    old_orders.uniques = vec![unique("orders_code_key", &["code"])];
    old_orders.checks = vec![check_constraint("orders_code_check", "code <> ''")];
    let mut new_orders = old_orders.clone();
    let mut restrict = foreign_key("orders_user_id_fkey", &["user_id"], "users", &["id"]);
    restrict.on_delete = ForeignKeyAction::Restrict;
    restrict.on_update = ForeignKeyAction::Cascade;
    new_orders.foreign_keys = vec![restrict];
    new_orders.uniques = vec![unique("orders_user_id_code_key", &["user_id", "code"])];
    new_orders.checks = vec![
        check_constraint("orders_code_check", "char_length(code) > 2"),
        check_constraint("orders_id_check", "id > 0"),
    ];
    let old = schema(&[], vec![], vec![users_table(), old_orders]);
    let new = schema(&[], vec![], vec![users_table(), new_orders]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn index_changes() {
    let base = table(
        "events",
        vec![
            column("id", builtin("bigint")),
            column("kind", builtin("text")),
            column("payload", builtin("jsonb")),
            column("deleted_at", builtin("timestamp with time zone")).nullable(),
        ],
    );
    let mut old_events = base.clone();
    old_events.indexes = vec![
        index("events_kind_idx", &["kind"]),
        index("events_id_idx", &["id"]),
    ];
    let mut new_events = base;
    let mut kind = index("events_kind_idx", &["kind"]);
    kind.predicate = Some("deleted_at IS NULL".to_string());
    let mut payload = index("events_payload_idx", &["payload"]);
    payload.method = "gin".to_string();
    let mut lower = expression_index("events_lower_kind_idx", "lower(kind), (id + 1)");
    lower.unique = true;
    let mut id_kind = index("events_id_kind_idx", &["id", "kind"]);
    id_kind.unique = true;
    let mut brin = index("events_deleted_at_idx", &["deleted_at"]);
    brin.method = "brin".to_string();
    new_events.indexes = vec![kind, payload, lower, id_kind, brin];
    let old = schema(&[], vec![], vec![old_events]);
    let new = schema(&[], vec![], vec![new_events]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn enum_created_with_a_column_using_it() {
    let old = schema(&[], vec![], vec![users_table()]);
    let mut users = users_table();
    users
        .columns
        .push(column("mood", enum_type("mood")).default("'ok'"));
    let new = schema(
        &[],
        vec![enum_named("mood", &["sad", "ok", "happy"])],
        vec![users],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn enum_values_added_before_after_and_at_the_end() {
    let old = schema(&[], vec![enum_named("mood", &["sad", "happy"])], vec![]);
    let new = schema(
        &[],
        vec![enum_named(
            "mood",
            &["awful", "sad", "ok", "happy", "ecstatic", "it's"],
        )],
        vec![],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn enum_value_added_and_used_needs_no_transaction() {
    let mut old_users = users_table();
    old_users
        .columns
        .push(column("mood", enum_type("mood")).default("'sad'"));
    let mut new_users = users_table();
    new_users
        .columns
        .push(column("mood", enum_type("mood")).default("'ok'"));
    let old = schema(
        &[],
        vec![enum_named("mood", &["sad", "happy"])],
        vec![old_users],
    );
    let new = schema(
        &[],
        vec![enum_named("mood", &["sad", "ok", "happy"])],
        vec![new_users],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn enum_value_removed_recreates_the_type() {
    let mut old_users = users_table();
    old_users
        .columns
        .push(column("mood", enum_type("mood")).default("'sad'"));
    old_users
        .columns
        .push(column("moods", array_of(enum_type("mood"))));
    let mut new_users = users_table();
    new_users
        .columns
        .push(column("mood", enum_type("mood")).default("'happy'"));
    new_users
        .columns
        .push(column("moods", array_of(enum_type("mood"))));
    new_users.indexes = vec![index("users_mood_idx", &["mood"])];
    let mut old_users_indexed = old_users.clone();
    old_users_indexed.indexes = vec![index("users_mood_idx", &["mood"])];
    let old = schema(
        &[],
        vec![enum_named("mood", &["sad", "ok", "happy"])],
        vec![old_users_indexed],
    );
    let new = schema(
        &[],
        vec![enum_named("mood", &["happy", "ok"])],
        vec![new_users],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn enum_dropped_with_its_column() {
    let mut old_users = users_table();
    old_users.columns.push(column("mood", enum_type("mood")));
    let old = schema(
        &[],
        vec![enum_named("mood", &["sad", "happy"])],
        vec![old_users],
    );
    let new = schema(&[], vec![], vec![users_table()]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn table_rename_renames_default_named_constraints_and_indexes() {
    let mut users = users_table();
    users.uniques = vec![unique("users_email_key", &["email"])];
    users.indexes = vec![expression_index("users_lower_email_idx", "lower(email)")];
    users.checks = vec![check_constraint("users_email_check", "email <> ''")];
    let mut orders = table(
        "orders",
        vec![
            column("id", builtin("bigint")),
            column("user_id", builtin("bigint")),
        ],
    );
    orders.foreign_keys = vec![foreign_key(
        "orders_user_id_fkey",
        &["user_id"],
        "users",
        &["id"],
    )];
    let old = schema(&[], vec![], vec![users, orders.clone()]);

    let mut accounts = users_table();
    accounts.name = name("accounts");
    accounts.renamed_from = Some("users".to_string());
    accounts.primary_key = primary_key("accounts_pkey", &["id"]);
    accounts.uniques = vec![unique("accounts_email_key", &["email"])];
    accounts.indexes = vec![expression_index("accounts_lower_email_idx", "lower(email)")];
    accounts.checks = vec![check_constraint("accounts_email_check", "email <> ''")];
    orders.foreign_keys = vec![foreign_key(
        "orders_user_id_fkey",
        &["user_id"],
        "accounts",
        &["id"],
    )];
    let new = schema(&[], vec![], vec![accounts, orders]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn table_moved_to_another_schema() {
    let old = schema(&[], vec![], vec![users_table()]);
    let mut users = users_table();
    users.name = name("auth.users");
    users.renamed_from = Some("public.users".to_string());
    let new = schema(&["auth"], vec![], vec![users]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn table_rename_without_hint_is_ambiguous() {
    let old = schema(&[], vec![], vec![users_table()]);
    let mut accounts = users_table();
    accounts.name = name("accounts");
    let new = schema(&[], vec![], vec![accounts]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn comments_set_changed_and_removed() {
    let mut old_users = users_table();
    old_users.comment = Some("People.".to_string());
    old_users.columns[1] = column("email", builtin("text")).comment("Login.");
    let mut old_mood = enum_named("mood", &["ok"]);
    old_mood.comment = Some("How one feels.".to_string());
    let old = schema(&[], vec![old_mood], vec![old_users]);
    let mut new_users = users_table();
    new_users.comment = Some("People who sign in; they're users.".to_string());
    new_users.columns[0] = new_users.columns[0].clone().comment("Surrogate key.");
    let new = schema(&[], vec![enum_named("mood", &["ok"])], vec![new_users]);
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn dropping_a_referenced_table_drops_the_foreign_key_first() {
    let mut orders = table(
        "orders",
        vec![
            column("id", builtin("bigint")),
            column("user_id", builtin("bigint")),
        ],
    );
    orders.foreign_keys = vec![foreign_key(
        "orders_user_id_fkey",
        &["user_id"],
        "users",
        &["id"],
    )];
    let old = schema(&[], vec![], vec![users_table(), orders.clone()]);
    let mut kept_orders = orders.clone();
    kept_orders.foreign_keys.clear();
    let new = schema(&[], vec![], vec![kept_orders]);
    insta::assert_snapshot!("drop_referenced_table", check(&old, &new));
    let new = schema(&[], vec![], vec![]);
    insta::assert_snapshot!("drop_both_tables", check(&old, &new));
}

#[test]
fn schemas_created_and_dropped() {
    let mut audit = table("audit.log", vec![column("id", builtin("bigint"))]);
    audit.primary_key = primary_key("log_pkey", &["id"]);
    let old = schema(
        &["legacy"],
        vec![],
        vec![table("legacy.stuff", vec![column("x", builtin("integer"))])],
    );
    let new = schema(&["audit"], vec![], vec![audit]);
    insta::assert_snapshot!(check(&old, &new));
}

// ------------------------------------------- text that must not end its context

/// The SQL of the migration from `old` to `new`.
fn migration_sql(old: &Schema, new: &Schema) -> String {
    let changes = diff(old, new, &DiffOptions::default()).expect("no ambiguity");
    render_migration(&changes).sql
}

#[test]
fn a_newline_in_a_dropped_tables_name_cannot_end_the_warning_comment() {
    let hostile = table(
        "x\nDROP TABLE victim; --",
        vec![column("id", builtin("bigint"))],
    );
    let old = schema(&[], vec![], vec![hostile]);
    assert_eq!(
        migration_sql(&old, &empty()),
        "-- WARNING: drops table \"public\".\"x\\nDROP TABLE victim; --\": its data is lost\n\
         \n\
         DROP TABLE \"public\".\"x\nDROP TABLE victim; --\";\n"
    );
}

#[test]
fn a_newline_in_a_removed_label_cannot_end_the_warning_comment() {
    let old = schema(
        &[],
        vec![enum_named("mood", &["ok", "sad\nDROP TABLE victim; --"])],
        vec![],
    );
    let new = schema(&[], vec![enum_named("mood", &["ok"])], vec![]);
    let sql = migration_sql(&old, &new);
    assert!(
        sql.starts_with(
            "-- WARNING: removes 'sad\\nDROP TABLE victim; --' from enum type \"public\".\"mood\": rows that hold a removed label make the migration fail\n\n"
        ),
        "{sql}"
    );
    assert!(
        !sql.lines()
            .any(|line| line.starts_with("DROP TABLE victim")),
        "{sql}"
    );
}

#[test]
fn a_newline_in_an_added_label_cannot_end_the_no_transaction_comment() {
    let label = "ok\u{1b}[2J\nDROP TABLE victim; --";
    let mut old_users = users_table();
    old_users
        .columns
        .push(column("mood", enum_type("mood")).default("'sad'"));
    let mut new_users = users_table();
    new_users
        .columns
        .push(column("mood", enum_type("mood")).default(&format!("'{label}'")));
    let old = schema(&[], vec![enum_named("mood", &["sad"])], vec![old_users]);
    let new = schema(
        &[],
        vec![enum_named("mood", &["sad", label])],
        vec![new_users],
    );
    let sql = migration_sql(&old, &new);
    assert!(
        sql.starts_with(
            "-- dbkit:no-transaction\n-- Runs outside a transaction: the label 'ok\\u{1b}[2J\\nDROP TABLE victim; --' added to \"public\".\"mood\" is used in the same migration.\n\n"
        ),
        "{sql}"
    );
}

#[test]
fn a_backslash_in_a_comment_is_written_as_an_escape_string() {
    let old = schema(&[], vec![], vec![users_table()]);
    let mut users = users_table();
    users.comment = Some(r"a\'; DROP TABLE victim2; --".to_string());
    assert_eq!(
        migration_sql(&old, &schema(&[], vec![], vec![users])),
        "COMMENT ON TABLE \"public\".\"users\" IS E'a\\\\''; DROP TABLE victim2; --';\n"
    );
}

#[test]
fn a_backslash_in_an_enum_label_is_written_as_an_escape_string() {
    let created = migration_sql(
        &empty(),
        &schema(&[], vec![enum_named("mood", &[r"a\", "b"])], vec![]),
    );
    assert_eq!(
        created,
        "CREATE TYPE \"public\".\"mood\" AS ENUM (E'a\\\\', 'b');\n"
    );
    let added = migration_sql(
        &schema(&[], vec![enum_named("mood", &[r"a\", "b"])], vec![]),
        &schema(&[], vec![enum_named("mood", &[r"a\", r"c\'", "b"])], vec![]),
    );
    assert_eq!(
        added,
        "ALTER TYPE \"public\".\"mood\" ADD VALUE E'c\\\\''' AFTER E'a\\\\';\n"
    );
}

#[test]
fn a_dollar_quote_tag_in_a_name_cannot_end_the_drop_serial_block() {
    let name = "t$dbkit$; DROP TABLE victim; --";
    let old = schema(
        &[],
        vec![],
        vec![table(name, vec![column("id", builtin("integer")).serial()])],
    );
    let new = schema(
        &[],
        vec![],
        vec![table(name, vec![column("id", builtin("integer"))])],
    );
    let sql = migration_sql(&old, &new);
    assert!(sql.contains("DO $dbkit1$\n"), "{sql}");
    assert!(sql.ends_with("END\n$dbkit1$;\n"), "{sql}");
}

#[test]
fn narrowing_a_type_casts_without_its_modifier() {
    let old = schema(
        &[],
        vec![],
        vec![table(
            "users",
            vec![
                column("code", builtin("character varying(20)")),
                column("name", builtin("text")),
                column("wide", builtin("character varying(10)")),
                column("tags", array_of(builtin("character varying(20)"))),
                column("n", builtin("integer")),
            ],
        )],
    );
    let new = schema(
        &[],
        vec![],
        vec![table(
            "users",
            vec![
                column("code", builtin("character varying(10)")),
                column("name", builtin("character varying(10)")),
                column("wide", builtin("character varying(20)")),
                column("tags", array_of(builtin("character varying(5)"))),
                column("n", builtin("numeric(5,2)")),
            ],
        )],
    );
    let sql = migration_sql(&old, &new);
    for statement in [
        "ALTER TABLE \"public\".\"users\" ALTER COLUMN \"code\" TYPE character varying(10);",
        "ALTER TABLE \"public\".\"users\" ALTER COLUMN \"name\" TYPE character varying(10) USING \"name\"::character varying;",
        "ALTER TABLE \"public\".\"users\" ALTER COLUMN \"wide\" TYPE character varying(20);",
        "ALTER TABLE \"public\".\"users\" ALTER COLUMN \"tags\" TYPE character varying(5)[];",
        "ALTER TABLE \"public\".\"users\" ALTER COLUMN \"n\" TYPE numeric(5,2) USING \"n\"::numeric;",
    ] {
        assert!(sql.contains(statement), "{statement}\n{sql}");
    }
}

// ---------------------------------------------------------------------------
// Renames that reuse names: chains, swaps and cycles.

/// A table with an `id` primary key named after it and text columns.
fn keyed_table(qualified: &str, columns: &[&str]) -> model::Table {
    let table_name = name(qualified).name;
    let mut all = vec![column("id", builtin("bigint"))];
    all.extend(
        columns
            .iter()
            .map(|c| column(c, builtin("text")).nullable()),
    );
    model::Table {
        primary_key: primary_key(&format!("{table_name}_pkey"), &["id"]),
        ..table(qualified, all)
    }
}

fn renamed_table(table: model::Table, from: &str) -> model::Table {
    model::Table {
        renamed_from: Some(from.to_string()),
        ..table
    }
}

#[test]
fn a_chain_of_table_renames_moves_each_table_once() {
    let old = schema(
        &[],
        vec![],
        vec![
            keyed_table("users", &["email"]),
            keyed_table("users_v2", &["email"]),
        ],
    );
    let new = schema(
        &[],
        vec![],
        vec![
            renamed_table(keyed_table("users_old", &["email"]), "users"),
            renamed_table(keyed_table("users", &["email"]), "users_v2"),
        ],
    );
    let sql = check(&old, &new);
    assert!(
        !sql.contains("DROP TABLE") && !sql.contains("CREATE TABLE"),
        "{sql}"
    );
    insta::assert_snapshot!(sql);
}

#[test]
fn a_swap_of_table_names_goes_through_a_temporary_name() {
    let old = schema(
        &[],
        vec![],
        vec![keyed_table("a", &["x"]), keyed_table("b", &["y"])],
    );
    let new = schema(
        &[],
        vec![],
        vec![
            renamed_table(keyed_table("a", &["y"]), "b"),
            renamed_table(keyed_table("b", &["x"]), "a"),
        ],
    );
    insta::assert_snapshot!(check(&old, &new));
    // The same swap asked for on the command line.
    let mut without_hints = new.clone();
    for table in &mut without_hints.tables {
        table.renamed_from = None;
    }
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
        assume_drop_and_create: false,
    };
    assert_eq!(
        check_with(&old, &without_hints, &options),
        check(&old, &new)
    );
}

#[test]
fn a_cycle_of_three_tables_moving_between_schemas() {
    let old = schema(
        &["app"],
        vec![],
        vec![
            keyed_table("a", &["from_a"]),
            keyed_table("b", &["from_b"]),
            keyed_table("app.c", &["from_c"]),
        ],
    );
    // a → app.c, app.c → b, b → a: `RENAME TO c` in public would clash
    // with nothing, but b's new name is a's old one.
    let new = schema(
        &["app"],
        vec![],
        vec![
            renamed_table(keyed_table("app.c", &["from_a"]), "public.a"),
            renamed_table(keyed_table("b", &["from_c"]), "app.c"),
            renamed_table(keyed_table("a", &["from_b"]), "b"),
        ],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn a_rename_and_move_whose_name_is_taken_in_its_old_schema_is_moved_first() {
    // public.a → app.b while public.b stays: `RENAME TO b` would clash.
    let old = schema(
        &["app"],
        vec![],
        vec![keyed_table("a", &[]), keyed_table("b", &[])],
    );
    let new = schema(
        &["app"],
        vec![],
        vec![
            renamed_table(keyed_table("app.b", &[]), "public.a"),
            keyed_table("b", &[]),
        ],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn chains_and_swaps_of_columns() {
    let old = schema(
        &[],
        vec![],
        vec![keyed_table(
            "users",
            &["email", "email_v2", "first", "last"],
        )],
    );
    let mut new_users = keyed_table("users", &["email_old", "email", "last", "first"]);
    for (column, from) in [
        ("email_old", "email"),
        ("email", "email_v2"),
        ("last", "first"),
        ("first", "last"),
    ] {
        let found = new_users
            .columns
            .iter_mut()
            .find(|c| c.name == column)
            .expect("column");
        found.renamed_from = Some(from.to_string());
    }
    let new = schema(&[], vec![], vec![new_users]);
    let sql = check(&old, &new);
    assert!(
        !sql.contains("DROP COLUMN") && !sql.contains("ADD COLUMN"),
        "{sql}"
    );
    insta::assert_snapshot!(sql);
}

#[test]
fn a_rename_onto_a_name_nothing_moves_away_drops_the_old_holder() {
    // users_v2 becomes users; the old users is neither kept nor renamed.
    let old = schema(
        &[],
        vec![],
        vec![
            keyed_table("users", &["a"]),
            keyed_table("users_v2", &["b"]),
        ],
    );
    let new = schema(
        &[],
        vec![],
        vec![renamed_table(keyed_table("users", &["b"]), "users_v2")],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn a_check_written_with_a_reused_column_name_is_added_again() {
    // `"email" <> ''` means the old email column before, the former
    // email_v2 after: PostgreSQL's check would follow the old column.
    let mut old_users = keyed_table("users", &["email", "email_v2"]);
    old_users.checks = vec![check_constraint("users_email_check", "\"email\" <> ''")];
    let mut new_users = keyed_table("users", &["email_old", "email"]);
    new_users.checks = vec![check_constraint("users_email_check", "\"email\" <> ''")];
    new_users.columns[1].renamed_from = Some("email".to_string());
    new_users.columns[2].renamed_from = Some("email_v2".to_string());
    let old = schema(&[], vec![], vec![old_users]);
    let new = schema(&[], vec![], vec![new_users]);
    let sql = check(&old, &new);
    assert!(
        sql.contains("DROP CONSTRAINT \"users_email_check\"")
            && sql.contains("ADD CONSTRAINT \"users_email_check\""),
        "{sql}"
    );
}

#[test]
fn index_names_that_move_between_tables_are_renamed_in_order() {
    // Two tables swap names and their keys and indexes follow them: each
    // index takes a name the other table's index still holds.
    let mut a = keyed_table("a", &["x"]);
    a.indexes = vec![index("a_x_idx", &["x"])];
    let mut b = keyed_table("b", &["x"]);
    b.indexes = vec![index("b_x_idx", &["x"])];
    let old = schema(&[], vec![], vec![a.clone(), b.clone()]);
    let mut new_a = renamed_table(keyed_table("a", &["x"]), "b");
    new_a.indexes = vec![index("a_x_idx", &["x"])];
    let mut new_b = renamed_table(keyed_table("b", &["x"]), "a");
    new_b.indexes = vec![index("b_x_idx", &["x"])];
    let new = schema(&[], vec![], vec![new_a, new_b]);
    insta::assert_snapshot!(check(&old, &new));
}

fn renamed_enum(enum_type: model::Enum, from: &str) -> model::Enum {
    model::Enum {
        renamed_from: Some(from.to_string()),
        ..enum_type
    }
}

fn table_with_role(role_type: &str) -> model::Table {
    model::Table {
        primary_key: primary_key("users_pkey", &["id"]),
        ..table(
            "users",
            vec![
                column("id", builtin("bigint")),
                column("role", enum_type(role_type)).default("'staff'"),
            ],
        )
    }
}

#[test]
fn an_enum_renamed_and_moved_keeps_its_columns() {
    let old = schema(
        &[],
        vec![enum_named("user_role", &["staff", "admin"])],
        vec![table_with_role("user_role")],
    );
    let renamed = schema(
        &[],
        vec![renamed_enum(
            enum_named("role", &["staff", "admin"]),
            "user_role",
        )],
        vec![table_with_role("role")],
    );
    let sql = check(&old, &renamed);
    assert!(
        !sql.contains("ALTER COLUMN") && !sql.contains("DROP TYPE"),
        "{sql}"
    );
    insta::assert_snapshot!("enum_renamed", sql);
    let moved = schema(
        &["app"],
        vec![renamed_enum(
            enum_named("app.role", &["staff", "admin"]),
            "public.user_role",
        )],
        vec![table_with_role("app.role")],
    );
    insta::assert_snapshot!("enum_renamed_and_moved", check(&old, &moved));
}

#[test]
fn enums_swapping_names_keep_their_columns() {
    let mut users = table_with_role("a");
    users
        .columns
        .push(column("mood", enum_type("b")).nullable());
    let old = schema(
        &[],
        vec![
            enum_named("a", &["staff", "admin"]),
            enum_named("b", &["happy"]),
        ],
        vec![users],
    );
    let mut new_users = table_with_role("b");
    new_users
        .columns
        .push(column("mood", enum_type("a")).nullable());
    let new = schema(
        &[],
        vec![
            renamed_enum(enum_named("b", &["staff", "admin"]), "a"),
            renamed_enum(enum_named("a", &["happy", "sad"]), "b"),
        ],
        vec![new_users],
    );
    let sql = check(&old, &new);
    assert!(
        !sql.contains("ALTER COLUMN") && !sql.contains("DROP TYPE"),
        "{sql}"
    );
    insta::assert_snapshot!(sql);
}

#[test]
fn an_enum_renamed_on_the_command_line() {
    let old = schema(
        &[],
        vec![enum_named("user_role", &["staff", "admin"])],
        vec![table_with_role("user_role")],
    );
    let new = schema(
        &[],
        vec![enum_named("role", &["staff", "admin"])],
        vec![table_with_role("role")],
    );
    let options = DiffOptions {
        renames: vec![Rename::Enum {
            from: name("user_role"),
            to: name("role"),
        }],
        assume_drop_and_create: false,
    };
    let renamed = schema(
        &[],
        vec![renamed_enum(
            enum_named("role", &["staff", "admin"]),
            "user_role",
        )],
        vec![table_with_role("role")],
    );
    assert_eq!(check_with(&old, &new, &options), check(&old, &renamed));
}

#[test]
fn an_enum_renamed_while_losing_a_label_is_renamed_then_recreated() {
    let old = schema(
        &[],
        vec![enum_named("user_role", &["staff", "admin", "guest"])],
        vec![table_with_role("user_role")],
    );
    let new = schema(
        &[],
        vec![renamed_enum(
            enum_named("role", &["staff", "admin"]),
            "user_role",
        )],
        vec![table_with_role("role")],
    );
    insta::assert_snapshot!(check(&old, &new));
}

#[test]
fn a_table_moved_where_its_key_name_is_in_use_renames_the_key_out_of_the_way() {
    // public.a moves to app, where app.a's key still holds `a_pkey` until
    // app.a (now app.c) gets its own name.
    let old = schema(
        &["app"],
        vec![],
        vec![keyed_table("a", &["x"]), keyed_table("app.a", &["y"])],
    );
    let new = schema(
        &["app"],
        vec![],
        vec![
            renamed_table(keyed_table("app.a", &["x"]), "public.a"),
            renamed_table(keyed_table("app.c", &["y"]), "a"),
        ],
    );
    insta::assert_snapshot!(check(&old, &new));
}
