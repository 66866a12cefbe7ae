//! Properties of the differ, the renderer and snapshots over random schemas.

use dbkit_core::diff::{Change, DiffOptions, apply_changes, diff, matched_renames};
use dbkit_core::model;
use dbkit_core::model::{BaseType, Schema};
use dbkit_core::render::{NO_TRANSACTION_MARKER, render_migration};
use dbkit_core::snapshot::Snapshot;
use dbkit_core::test_support::strategies::{
    RenameShuffle, arbitrary_rename_shuffle, arbitrary_schema, arbitrary_schema_pair,
    arbitrary_unchecked_schema, arbitrary_unchecked_schema_pair,
};
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
        enum_type.renamed_from = None;
        enum_type.source = None;
    }
    schema.canonicalize();
    schema
}

/// The shuffle with a comment on each table and column of `old` naming
/// it, and the same comment on what continues it in `new`.
fn marked_with_origins(shuffle: &RenameShuffle) -> RenameShuffle {
    let mut marked = shuffle.clone();
    for table in &mut marked.old.tables {
        table.comment = Some(format!("from {}", table.name));
        for column in &mut table.columns {
            column.comment = Some(format!("from {}.{}", table.name, column.name));
        }
    }
    for origin in &shuffle.origins {
        let Some(table) = marked
            .new
            .tables
            .iter_mut()
            .find(|t| t.name == origin.table)
        else {
            continue;
        };
        table.comment = Some(format!("from {}", origin.from));
        for column in &mut table.columns {
            let from = origin
                .columns
                .iter()
                .find(|(new, _)| *new == column.name)
                .map_or(column.name.as_str(), |(_, old)| old.as_str());
            column.comment = Some(format!("from {}.{from}", origin.from));
        }
    }
    marked
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
    fn renames_that_reuse_names_move_every_table_and_column_to_its_place(shuffle in arbitrary_rename_shuffle()) {
        let RenameShuffle { old, new, .. } = marked_with_origins(&shuffle);
        let options = DiffOptions {
            renames: shuffle.renames.clone(),
            assume_drop_and_create: false,
        };
        let changes = diff(&old, &new, &options).map_err(|a| TestCaseError::fail(format!("{a:?}")))?;
        let applied = apply_changes(&old, &changes);
        // Every step found its new name free (the model refuses a rename
        // onto a name in use), and everything ends where it belongs: the
        // comments, which name each object's origin, need no change.
        prop_assert_eq!(common_form(&applied), common_form(&new));
        for change in &changes {
            prop_assert!(
                !matches!(
                    change,
                    Change::CreateTable { .. }
                        | Change::AddColumn { .. }
                        | Change::SetTableComment { .. }
                        | Change::SetColumnComment { .. }
                ),
                "{:?}",
                change
            );
        }
        let again = diff(&applied, &common_form(&new), &DiffOptions::default());
        prop_assert_eq!(again, Ok(Vec::new()));
        // The hints left in the code change nothing on the next run, but
        // for cycles of hints, which are named.
        let next = diff(&applied, &new, &DiffOptions::default());
        let cycles = matched_renames(&applied, &new, &DiffOptions::default()).hinted_cycles;
        if cycles.is_empty() {
            prop_assert_eq!(next, Ok(Vec::new()));
        } else {
            prop_assert_ne!(next, Ok(Vec::new()));
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

// ------------------------------------------- names that try to end their context

/// One piece of a hostile name: any character of Unicode but NUL (which
/// the parser refuses and PostgreSQL cannot store), control characters and
/// line breaks, or SQL that ends a context: quotes, `;`, comment markers,
/// backslashes, dollar quotes, a statement.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<char>().prop_filter("no NUL", |c| *c != '\0').prop_map(String::from),
        3 => prop::sample::select(vec![
            '\n', '\r', '\t', '\u{b}', '\u{c}', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
            '\u{2028}', '\u{2029}', '\u{202e}', '\u{2066}',
        ])
        .prop_map(String::from),
        5 => prop::sample::select(vec![
            ";", "'", "\"", "--", "/*", "*/", "\\", "\\'", "''", "\"\"", "$$", "$", "$dbkit$",
            "$dbkit1$", "$dbkit", "E'", "U&'", "\n-- ", "\nDROP TABLE victim; --",
            "'; DROP TABLE victim; --", "\"; DROP TABLE victim; --", "*/ DROP TABLE victim; /*",
        ])
        .prop_map(str::to_string),
        2 => "[a-z_]{1,6}",
    ]
}

/// A name or text of one to eight hostile pieces.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_piece(), 1..8).prop_map(|pieces| pieces.concat())
}

/// Picks texts out of a pool of hostile ones, in turn.
struct HostileTexts {
    pool: Vec<String>,
    next: usize,
}

impl HostileTexts {
    fn text(&mut self) -> String {
        let text = self.pool[self.next % self.pool.len()].clone();
        self.next += 1;
        text
    }

    /// One way or the other, in turn with the texts taken.
    fn either(&self) -> bool {
        self.next.is_multiple_of(2)
    }

    fn name(&mut self) -> model::QualifiedName {
        model::QualifiedName::new(self.text(), self.text())
    }

    fn column(&mut self, ty: model::ColumnType) -> model::Column {
        model::Column {
            name: self.text(),
            ty,
            nullable: self.either(),
            default: None,
            identity: None,
            serial: false,
            generated: None,
            collation: self.either().then(|| self.text()),
            comment: Some(self.text()),
            renamed_from: None,
            source: None,
        }
    }
}

fn builtin_type(name: &str) -> model::ColumnType {
    model::ColumnType {
        base: BaseType::Builtin(name.to_string()),
        array_dims: 0,
    }
}

fn enum_column_type(name: model::QualifiedName, array_dims: u8) -> model::ColumnType {
    model::ColumnType {
        base: BaseType::Enum(name),
        array_dims,
    }
}

/// The number of kinds [`hostile_changes`] knows.
const HOSTILE_CHANGE_KINDS: u8 = 45;

/// The changes of one kind, every name and text in them taken from
/// `texts`; expressions are built the way a person writes them, with the
/// names quoted.
fn hostile_changes(kind: u8, texts: &mut HostileTexts) -> Vec<Change> {
    use dbkit_core::diff::{EnumColumnUse, EnumValuePosition, quote_identifier, quote_literal};
    use model::{
        Check, Deferral, Exclusion, ForeignKey, ForeignKeyAction, Identity, Index, IndexKey,
        KeyOptions, NullsOrder, PrimaryKey, Unique,
    };
    let table = texts.name();
    match kind {
        0 => vec![Change::CreateSchema { name: texts.text() }],
        1 => vec![Change::DropSchema { name: texts.text() }],
        2 => vec![Change::CreateEnum {
            enum_type: model::Enum {
                name: table,
                values: vec![texts.text(), texts.text()],
                comment: Some(texts.text()),
                renamed_from: None,
                source: None,
            },
        }],
        3 => vec![Change::DropEnum {
            name: table,
            values: vec![texts.text()],
        }],
        4 => {
            let position = match texts.next % 3 {
                0 => EnumValuePosition::End,
                1 => EnumValuePosition::Before(texts.text()),
                _ => EnumValuePosition::After(texts.text()),
            };
            vec![Change::AddEnumValue {
                name: table,
                value: texts.text(),
                position,
            }]
        }
        5 => {
            // A label added and used at once: the no-transaction header.
            let label = texts.text();
            let default = format!(
                "{}::{}",
                quote_literal(&label),
                dbkit_core::diff::quote_qualified(&table)
            );
            vec![
                Change::AddEnumValue {
                    name: table.clone(),
                    value: label,
                    position: EnumValuePosition::End,
                },
                Change::SetDefault {
                    table: texts.name(),
                    column: texts.text(),
                    default,
                },
            ]
        }
        6 => {
            let removed = texts.text();
            let kept = texts.text();
            let column = texts.text();
            vec![Change::RecreateEnum {
                name: table.clone(),
                old_values: vec![removed.clone(), kept.clone()],
                new_values: vec![kept.clone()],
                temporary_name: model::QualifiedName::new(table.schema.clone(), texts.text()),
                columns: vec![EnumColumnUse {
                    table: texts.name(),
                    column,
                    array_dims: u8::from(texts.either()),
                    dropped_default: Some(quote_literal(&removed)),
                    restored_default: Some(format!(
                        "{}::{}",
                        quote_literal(&kept),
                        dbkit_core::diff::quote_qualified(&table)
                    )),
                }],
            }]
        }
        7 => vec![Change::SetEnumComment {
            name: table,
            comment: Some(texts.text()),
        }],
        8 => {
            let enum_name = texts.name();
            let mut id = texts.column(builtin_type("bigint"));
            id.identity = Some(Identity::Always);
            let mut label = texts.column(builtin_type("text"));
            label.default = Some(quote_literal(&texts.text()));
            let mut lower = texts.column(builtin_type("text"));
            lower.generated = Some(format!("lower({})", quote_identifier(&label.name)));
            let mut serial = texts.column(builtin_type("integer"));
            serial.serial = true;
            let state = texts.column(enum_column_type(enum_name, 1));
            let check = Check::new(
                texts.text(),
                format!(
                    "{} <> {}",
                    quote_identifier(&label.name),
                    quote_literal(&texts.text())
                ),
            );
            vec![Change::CreateTable {
                table: model::Table {
                    primary_key: Some(
                        PrimaryKey::new(texts.text(), vec![id.name.clone()])
                            .with_deferrable(Deferral::Deferred),
                    ),
                    uniques: vec![Unique::new(
                        texts.text(),
                        vec![label.name.clone(), serial.name.clone()],
                    )],
                    checks: vec![check],
                    columns: vec![id, label, lower, serial, state],
                    comment: Some(texts.text()),
                    storage_parameters: vec![format!("{}={}", texts.text(), texts.text())],
                    ..model::Table::new(table)
                },
            }]
        }
        9 => vec![Change::CreateTable {
            table: model::Table::new(table),
        }],
        10 => vec![Change::DropTable { name: table }],
        11 => vec![Change::RenameTable {
            from: table,
            to: texts.name(),
        }],
        12 => vec![Change::SetTableComment {
            table,
            comment: Some(texts.text()),
        }],
        13 => {
            let mut column = texts.column(builtin_type("character varying(40)"));
            column.nullable = false;
            vec![Change::AddColumn { table, column }]
        }
        14 => vec![Change::DropColumn {
            table,
            column: texts.text(),
            generated: texts.either(),
        }],
        15 => vec![Change::RenameColumn {
            table,
            from: texts.text(),
            to: texts.text(),
        }],
        16 => vec![Change::AlterColumnType {
            table,
            column: texts.text(),
            from: builtin_type("character varying(20)"),
            to: builtin_type("character varying(10)"),
        }],
        17 => vec![Change::AlterColumnType {
            table,
            column: texts.text(),
            from: builtin_type("text"),
            to: enum_column_type(texts.name(), 0),
        }],
        18 => vec![Change::SetNotNull {
            table,
            column: texts.text(),
        }],
        19 => vec![Change::DropNotNull {
            table,
            column: texts.text(),
        }],
        20 => vec![Change::SetDefault {
            table,
            column: texts.text(),
            default: quote_literal(&texts.text()),
        }],
        21 => vec![Change::DropDefault {
            table,
            column: texts.text(),
        }],
        22 => vec![Change::AddIdentity {
            table,
            column: texts.text(),
            identity: Identity::ByDefault,
        }],
        23 => vec![Change::SetIdentityKind {
            table,
            column: texts.text(),
            identity: Identity::Always,
        }],
        24 => vec![Change::DropIdentity {
            table,
            column: texts.text(),
        }],
        25 => vec![Change::AddSerial {
            table,
            column: texts.text(),
            ty: builtin_type("integer"),
        }],
        26 => vec![Change::DropSerial {
            table,
            column: texts.text(),
        }],
        27 => vec![Change::DropGeneratedExpression {
            table,
            column: texts.text(),
        }],
        28 => vec![Change::SetColumnComment {
            table,
            column: texts.text(),
            comment: Some(texts.text()),
        }],
        29 => vec![Change::AddForeignKey {
            table,
            foreign_key: ForeignKey::new(
                texts.text(),
                vec![texts.text()],
                texts.name(),
                vec![texts.text()],
            )
            .with_actions(ForeignKeyAction::Cascade, ForeignKeyAction::SetNull)
            .with_deferrable(Deferral::Immediate)
            .with_not_valid(true),
        }],
        30 => vec![
            Change::AddPrimaryKey {
                table: table.clone(),
                primary_key: PrimaryKey::new(texts.text(), vec![texts.text(), texts.text()]),
            },
            Change::AddUnique {
                table: table.clone(),
                unique: Unique::new(texts.text(), vec![texts.text()])
                    .with_deferrable(Deferral::Deferred),
            },
            Change::AddCheck {
                table,
                check: Check::new(
                    texts.text(),
                    format!("{} IS NOT NULL", quote_identifier(&texts.text())),
                )
                .with_not_valid(true),
            },
        ],
        31 => vec![
            Change::DropPrimaryKey {
                table: table.clone(),
                name: texts.text(),
            },
            Change::DropUnique {
                table: table.clone(),
                name: texts.text(),
            },
            Change::DropCheck {
                table: table.clone(),
                name: texts.text(),
            },
            Change::DropForeignKey {
                table,
                name: texts.text(),
            },
        ],
        32 => vec![Change::RenameConstraint {
            table,
            from: texts.text(),
            to: texts.text(),
        }],
        33 => {
            let column = texts.text();
            let key = if texts.either() {
                IndexKey::Columns(vec![column.clone(), texts.text()])
            } else {
                IndexKey::Expression(format!("lower({})", quote_identifier(&column)))
            };
            let method = match texts.next % 3 {
                0 => "btree".to_string(),
                1 => "gin".to_string(),
                _ => texts.text(),
            };
            vec![Change::CreateIndex {
                table,
                index: Index::new(texts.text(), key)
                    .with_unique(texts.either())
                    .with_method(method)
                    .with_predicate(Some(format!(
                        "{} <> {}",
                        quote_identifier(&column),
                        quote_literal(&texts.text())
                    )))
                    .with_key_options(vec![
                        KeyOptions::new(
                            true,
                            Some(NullsOrder::Last),
                            Some(texts.text()),
                            Some(texts.text()),
                        ),
                        KeyOptions::default(),
                    ])
                    .with_include(vec![texts.text()])
                    .with_storage_parameters(vec![format!("{}={}", texts.text(), texts.text())]),
            }]
        }
        34 => vec![Change::DropIndex {
            table,
            name: texts.text(),
        }],
        41 => vec![Change::SetRowLevelSecurity {
            table,
            enabled: texts.next % 2 == 0,
        }],
        42 => vec![Change::SetForceRowLevelSecurity {
            table,
            forced: texts.next % 2 == 0,
        }],
        43 | 44 => {
            // Names and roles are hostile; the expressions are SQL the user
            // writes, here a comparison with a hostile quoted literal.
            let condition = format!(
                "{} <> {}",
                quote_identifier(&texts.text()),
                quote_literal(&texts.text())
            );
            let old = model::Policy {
                roles: vec![texts.text(), texts.text()],
                using: Some(condition.clone()),
                ..model::Policy::new(texts.text(), table)
            };
            let new = model::Policy {
                roles: vec![texts.text()],
                using: Some(condition.clone()),
                with_check: Some(condition),
                ..old.clone()
            };
            if kind == 43 {
                vec![Change::CreateObject {
                    object: model::SchemaObject::Policy(old),
                }]
            } else {
                vec![Change::ReplaceObject {
                    old: model::SchemaObject::Policy(old),
                    new: model::SchemaObject::Policy(new),
                }]
            }
        }
        35 => vec![Change::RenameIndex {
            table,
            from: texts.text(),
            to: texts.text(),
        }],
        36 => vec![
            Change::SetTableStorage {
                table: table.clone(),
                set: vec![format!("{}={}", texts.text(), texts.text())],
                reset: vec![texts.text()],
            },
            Change::SetIndexStorage {
                table,
                name: texts.text(),
                set: vec![format!(
                    "{}.{}={}",
                    texts.text(),
                    texts.text(),
                    texts.text()
                )],
                reset: vec![format!("{}={}", texts.text(), texts.text())],
            },
        ],
        37 => vec![Change::AlterColumnCollation {
            table,
            column: texts.text(),
            ty: builtin_type("text"),
            collation: Some(texts.text()),
        }],
        38 => vec![
            Change::AddExclusion {
                table: table.clone(),
                exclusion: Exclusion::new(
                    texts.text(),
                    texts.text(),
                    format!("{} WITH =", quote_identifier(&texts.text())),
                )
                .with_predicate(Some(format!(
                    "{} <> {}",
                    quote_identifier(&texts.text()),
                    quote_literal(&texts.text())
                )))
                .with_deferrable(Deferral::Immediate),
            },
            Change::DropExclusion {
                table,
                name: texts.text(),
            },
        ],
        39 => vec![Change::ValidateConstraint {
            table,
            name: texts.text(),
        }],
        _ => vec![Change::AlterForeignKeyDeferral {
            table,
            name: texts.text(),
            deferrable: if texts.either() {
                Deferral::NotDeferrable
            } else {
                Deferral::Deferred
            },
        }],
    }
}

/// A statement as PostgreSQL's scanner cut it, without the whitespace and
/// `--` comments before it (a comment ends at `\n` or `\r`, as in
/// PostgreSQL's scanner) and without the `;` after it.
fn without_leading_comments(piece: &str) -> &str {
    let mut rest = piece.trim_start();
    while let Some(comment) = rest.strip_prefix("--") {
        rest = match comment.find(['\n', '\r']) {
            Some(end) => comment[end..].trim_start(),
            None => "",
        };
    }
    rest
}

fn hostile_config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(hostile_config())]

    /// Whatever the names and texts hold, PostgreSQL's own scanner
    /// (libpg_query) cuts a rendered migration into exactly the statements
    /// the renderer meant, in order: no comment, literal, quoted name or
    /// dollar-quoted block ends early and lets text run as SQL.
    #[test]
    fn hostile_names_cannot_change_the_statements_postgresql_runs(
        pool in prop::collection::vec(hostile_text(), 1..12),
        kinds in prop::collection::vec(0..HOSTILE_CHANGE_KINDS, 1..10),
    ) {
        let mut texts = HostileTexts { pool, next: 0 };
        let changes: Vec<Change> = kinds
            .iter()
            .flat_map(|kind| hostile_changes(*kind, &mut texts))
            .collect();
        let migration = render_migration(&changes);
        let intended: Vec<String> = changes
            .iter()
            .flat_map(dbkit_core::render::render_statements)
            .collect();
        let split = pg_query::split_with_scanner(&migration.sql)
            .map_err(|error| TestCaseError::fail(format!("{error}\n{}", migration.sql)))?;
        let scanned: Vec<&str> = split.iter().map(|piece| without_leading_comments(piece)).collect();
        let intended_without_semicolons: Vec<&str> = intended
            .iter()
            .map(|statement| statement.strip_suffix(';').unwrap_or(statement))
            .collect();
        prop_assert_eq!(scanned, intended_without_semicolons, "{}", migration.sql);
        // Above the statements, only whole-line comments without a control
        // character.
        let statements = format!("{}\n", intended.join("\n\n"));
        let header = migration.sql.strip_suffix(&statements);
        prop_assert!(header.is_some(), "{}", migration.sql);
        for line in header.unwrap_or_default().split('\n') {
            prop_assert!(line.is_empty() || line.starts_with("-- "), "{:?}", line);
            prop_assert!(!line.chars().any(char::is_control), "{:?}", line);
        }
        for warning in &migration.warnings {
            prop_assert!(!warning.chars().any(char::is_control), "{:?}", warning);
        }
    }
}

/// The random schemas hold, now and then, every kind of object the round
/// trips must carry: a property over them proves nothing about a kind the
/// generator never makes.
#[test]
fn random_schemas_now_and_then_hold_every_kind_of_object() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = arbitrary_schema();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..400 {
        let schema = match strategy.new_tree(&mut runner) {
            Ok(tree) => tree.current(),
            Err(reason) => panic!("no schema: {reason}"),
        };
        let mut kinds: Vec<&str> = Vec::new();
        if !schema.extensions.is_empty() {
            kinds.push("extension");
        }
        if schema.extensions.iter().any(|e| e.schema.is_some()) {
            kinds.push("extension in a schema");
        }
        if !schema.sequences.is_empty() {
            kinds.push("sequence");
        }
        if schema.domains.iter().any(|d| !d.checks.is_empty()) {
            kinds.push("domain with a check");
        }
        if !schema.composite_types.is_empty() {
            kinds.push("composite type");
        }
        for function in &schema.functions {
            if function.returns.as_deref() == Some("trigger") {
                continue;
            }
            kinds.push(if function.language == "sql" {
                "sql function"
            } else {
                "plpgsql function"
            });
            if function.strict {
                kinds.push("strict function");
            }
        }
        if !schema.triggers.is_empty() {
            kinds.push("trigger");
        }
        if schema.triggers.iter().any(|t| t.for_each_row) {
            kinds.push("row trigger");
        }
        kinds.extend(schema.objects.iter().map(|object| object.kind.as_str()));
        if !schema.views.is_empty() {
            kinds.push("view");
        }
        seen.extend(kinds.into_iter().map(str::to_string));
    }
    for kind in [
        "extension",
        "extension in a schema",
        "sequence",
        "domain with a check",
        "composite type",
        "sql function",
        "plpgsql function",
        "strict function",
        "trigger",
        "row trigger",
        "collation",
        "aggregate",
        "view",
    ] {
        assert!(
            seen.contains(kind),
            "no random schema has a {kind}: {seen:?}"
        );
    }
}

/// The schema pairs carry the same objects on both sides now and then, and
/// now and then the second side changes or drops some of them.
#[test]
fn random_schema_pairs_now_and_then_carry_and_edit_objects() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = arbitrary_schema_pair();
    let (mut carried, mut edited) = (0, 0);
    for _ in 0..400 {
        let (old, new) = match strategy.new_tree(&mut runner) {
            Ok(tree) => tree.current(),
            Err(reason) => panic!("no schema pair: {reason}"),
        };
        let has_objects =
            |schema: &Schema| !schema.triggers.is_empty() && !schema.functions.is_empty();
        if has_objects(&old) && has_objects(&new) {
            carried += 1;
        }
        if old.functions != new.functions
            || old.triggers != new.triggers
            || old.extensions != new.extensions
            || old.objects != new.objects
        {
            edited += 1;
        }
    }
    assert!(
        carried > 10 && edited > 10,
        "carried {carried}, edited {edited}"
    );
}
