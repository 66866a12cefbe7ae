//! What `push` runs: the live schema aligned with the code, diffed, split
//! into transactions and sorted into steps that lose data and steps that
//! do not. Pure functions over the model; the database is read and written
//! by the command.
//!
//! **Like with like.** The introspector returns what PostgreSQL prints
//! (`'x'::text`, `character varying(20)`, `(age >= 0)`, a primary key's
//! columns `NOT NULL`, an index method always named), the code what the
//! user wrote (`'x'`, `varchar(20)`, `age >= 0`). Diffing those directly
//! would change what is already there. [`align_to_code`] rewrites the live
//! schema instead: wherever a live item and its counterpart in the code
//! (same name, or the old name of a rename) are equal in
//! `dbkit_core::compare`'s canonical form, the live item takes the code's
//! spelling, field by field (a column's type, nullability, default,
//! generated expression and comment each on their own; a check's
//! expression; an index whole). The differ then sees no difference where
//! there is none, and every change it emits is real. What it renders
//! stays valid SQL because no canonical text is ever rendered: new items
//! come from the code, as `generate` renders them, and what is only
//! dropped or converted comes from PostgreSQL's own printing. Canonical
//! forms drop casts, so a change that only adds or removes a cast in an
//! expression is not pushed (the same blind spot as `check`'s drift).
//! Names the code spells longer than PostgreSQL's 63 bytes are matched
//! with the truncated names the database holds.

use dbkit_core::compare::canonical_schema;
use dbkit_core::diff::{
    Change, CompositeChange, DiffOptions, DomainChange, Rename, SequenceChange,
    is_lossless_type_change, matched_renames, removed_labels_warning,
};
use dbkit_core::model::{Policy, Schema, Table};
use dbkit_core::naming::truncate_identifier;
use dbkit_core::render::render_statements;
use dbkit_core::sql_text::escape_control_characters;

mod align_types;

/// `live` with every item that is canonically equal to its counterpart in
/// `code` spelled as the code spells it (see the module documentation).
/// `renames` are the `--rename` arguments; the code's `renamed_from` hints
/// are read from `code`. Counterparts are matched as the differ matches
/// them ([`matched_renames`]): through renames, chains and cycles
/// included, else by name; an object whose name a rename takes and that
/// nothing renames has none.
pub fn align_to_code(live: &Schema, code: &Schema, renames: &[Rename]) -> Schema {
    let canonical_live = canonical_schema(live);
    let canonical_code = canonical_schema(code);
    let options = DiffOptions {
        renames: renames.to_vec(),
        assume_drop_and_create: true,
    };
    let matched = matched_renames(live, code, &options);
    let mut aligned = live.clone();
    for enum_type in &mut aligned.enums {
        let live_name = enum_type.name.clone();
        let Some(code_name) = counterpart(&matched.enums, &live_name) else {
            continue;
        };
        let Some(code_enum) = code.enum_type(code_name) else {
            continue;
        };
        let live_comment = canonical_live
            .enum_type(&live_name)
            .map(|found| found.comment.clone());
        let code_comment = canonical_code
            .enum_type(code_name)
            .map(|found| found.comment.clone());
        if live_comment == code_comment {
            enum_type.comment.clone_from(&code_enum.comment);
        }
    }
    let no_column_renames = Vec::new();
    for table in &mut aligned.tables {
        let live_name = table.name.clone();
        let Some(code_name) = counterpart(&matched.tables, &live_name) else {
            continue;
        };
        let (Some(code_table), Some(canonical_live_table), Some(canonical_code_table)) = (
            code.table(code_name),
            canonical_live.table(&live_name),
            canonical_code.table(code_name),
        ) else {
            continue;
        };
        let column_renames = matched.columns.get(code_name).unwrap_or(&no_column_renames);
        align_table(
            table,
            code_table,
            canonical_live_table,
            canonical_code_table,
            column_renames,
        );
    }
    align_types::align_user_types(&mut aligned, code, &canonical_live, &canonical_code);
    align_policies(&mut aligned, code, &canonical_live, &canonical_code);
    aligned
}

/// Each live policy canonically equal to the code's policy of that name on
/// that table takes the code's spelling (its expressions as written).
fn align_policies(
    aligned: &mut Schema,
    code: &Schema,
    canonical_live: &Schema,
    canonical_code: &Schema,
) {
    for policy in &mut aligned.policies {
        let same_key = |other: &&Policy| other.table == policy.table && other.name == policy.name;
        let live = canonical_live.policies.iter().find(same_key);
        let wanted = canonical_code.policies.iter().find(same_key);
        if live.is_some()
            && live == wanted
            && let Some(code_policy) = code.policies.iter().find(same_key)
        {
            *policy = Policy {
                source: None,
                ..code_policy.clone()
            };
        }
    }
}

/// The name in the code of what `renames` (old name, new name) and the
/// names say `live_name` became: its new name, else its own unless a
/// rename takes it.
fn counterpart<'a, Name: PartialEq>(
    renames: &'a [(Name, Name)],
    live_name: &'a Name,
) -> Option<&'a Name> {
    if let Some((_, to)) = renames.iter().find(|(from, _)| from == live_name) {
        return Some(to);
    }
    let taken = renames.iter().any(|(_, to)| to == live_name);
    (!taken).then_some(live_name)
}

/// Whether `live_name` is what PostgreSQL made of `code_name`.
fn same_name(live_name: &str, code_name: &str) -> bool {
    live_name == code_name || live_name == truncate_identifier(code_name)
}

/// Gives each live item (a check, an index) the code's spelling when its
/// counterpart of the same name has the same definition in canonical form
/// (`canonical`: the live and the code table's canonical items).
fn align_definitions<T: Clone, D: PartialEq>(
    live: &mut [T],
    code: &[T],
    canonical: (&[T], &[T]),
    name: impl Fn(&T) -> &String,
    definition: impl Fn(&T) -> D,
) {
    let canonical_definition = |items: &[T], wanted: &str| {
        items
            .iter()
            .find(|item| name(item) == wanted)
            .map(&definition)
    };
    for item in live.iter_mut() {
        let Some(code_item) = code
            .iter()
            .find(|code_item| same_name(name(item), name(code_item)))
        else {
            continue;
        };
        if canonical_definition(canonical.0, name(item))
            == canonical_definition(canonical.1, name(code_item))
        {
            item.clone_from(code_item);
        }
    }
}

fn align_table(
    table: &mut Table,
    code: &Table,
    canonical_live: &Table,
    canonical_code: &Table,
    column_renames: &[(String, String)],
) {
    if canonical_live.comment == canonical_code.comment {
        table.comment.clone_from(&code.comment);
    }
    if canonical_live.partition_by == canonical_code.partition_by {
        table.partition_by.clone_from(&code.partition_by);
    }
    if canonical_live.partition_of == canonical_code.partition_of {
        table.partition_of.clone_from(&code.partition_of);
    }
    for column in &mut table.columns {
        let Some(code_name) = counterpart(column_renames, &column.name) else {
            continue;
        };
        let (Some(code_column), Some(live_canonical), Some(code_canonical)) = (
            code.column(code_name),
            canonical_live.column(&column.name),
            canonical_code.column(code_name),
        ) else {
            continue;
        };
        if live_canonical.ty == code_canonical.ty {
            column.ty.clone_from(&code_column.ty);
        }
        if live_canonical.nullable == code_canonical.nullable {
            column.nullable = code_column.nullable;
        }
        if live_canonical.default == code_canonical.default {
            column.default.clone_from(&code_column.default);
        }
        if live_canonical.generated == code_canonical.generated {
            column.generated.clone_from(&code_column.generated);
        }
        if live_canonical.comment == code_canonical.comment {
            column.comment.clone_from(&code_column.comment);
        }
    }
    if let (Some(live_key), Some(code_key)) = (&mut table.primary_key, &code.primary_key)
        && same_name(&live_key.name, &code_key.name)
    {
        live_key.name.clone_from(&code_key.name);
    }
    for unique in &mut table.uniques {
        if let Some(code_unique) = code
            .uniques
            .iter()
            .find(|code_unique| same_name(&unique.name, &code_unique.name))
        {
            unique.name.clone_from(&code_unique.name);
        }
    }
    for foreign_key in &mut table.foreign_keys {
        if let Some(code_key) = code
            .foreign_keys
            .iter()
            .find(|code_key| same_name(&foreign_key.name, &code_key.name))
        {
            foreign_key.name.clone_from(&code_key.name);
        }
    }
    align_definitions(
        &mut table.checks,
        &code.checks,
        (&canonical_live.checks, &canonical_code.checks),
        |check| &check.name,
        |check| (check.expr.clone(), check.not_valid),
    );
    align_definitions(
        &mut table.indexes,
        &code.indexes,
        (&canonical_live.indexes, &canonical_code.indexes),
        |index| &index.name,
        |index| {
            (
                (index.key.clone(), index.unique, index.method.clone()),
                index.predicate.clone(),
                index.key_options.clone(),
                index.include.clone(),
                index.storage_parameters.clone(),
            )
        },
    );
    align_definitions(
        &mut table.exclusions,
        &code.exclusions,
        (&canonical_live.exclusions, &canonical_code.exclusions),
        |exclusion| &exclusion.name,
        Clone::clone,
    );
    table.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
    table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    table.checks.sort_by(|a, b| a.name.cmp(&b.name));
    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Why a step loses data, or `None`: drops of tables, columns that hold
/// data, enum types, enum labels, schemas, sequences (their values),
/// domains, composite types and their attributes, and type changes that
/// are not widening; one line, its control characters escaped, like
/// [`Change::destructive_warning`]. These need a yes (or `--force`). Other steps `generate` warns
/// about (a new `NOT NULL` column without a default, `SET NOT NULL`) can
/// only fail, and a failure rolls the push back, so they are listed but not
/// asked about.
pub fn data_loss(change: &Change) -> Option<String> {
    match change {
        Change::DropTable { .. }
        | Change::DropColumn {
            generated: false, ..
        }
        | Change::DropEnum { .. }
        | Change::DropExtension { .. }
        | Change::DropSchema { .. }
        | Change::Sequence(SequenceChange::Drop(_))
        | Change::Domain(DomainChange::Drop(_))
        | Change::Composite(CompositeChange::Drop(_) | CompositeChange::DropAttribute { .. }) => {
            change.destructive_warning()
        }
        Change::RecreateEnum {
            name,
            old_values,
            new_values,
            ..
        } => removed_labels_warning(name, old_values, new_values, "push")
            .map(|warning| escape_control_characters(&warning)),
        Change::AlterColumnType { from, to, .. } if !is_lossless_type_change(from, to) => {
            change.destructive_warning()
        }
        _ => None,
    }
}

/// One transaction of a push: its statements, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub statements: Vec<String>,
}

/// The statements of `changes`, in as few transactions as PostgreSQL
/// allows: one, unless a label that `ALTER TYPE … ADD VALUE` adds is used
/// by a later statement (PostgreSQL refuses a label whose transaction has
/// not committed). Then the label additions, which the differ puts first
/// and which depend on nothing else of the push, commit in a first
/// transaction and everything else runs in a second.
pub fn transactions(changes: &[Change]) -> Vec<Transaction> {
    let statements_of = |changes: &mut dyn Iterator<Item = &Change>| -> Vec<String> {
        changes.flat_map(render_statements).collect()
    };
    if !dbkit_core::render::render_migration(changes).no_transaction {
        let statements = statements_of(&mut changes.iter());
        return if statements.is_empty() {
            Vec::new()
        } else {
            vec![Transaction { statements }]
        };
    }
    let is_label = |change: &&Change| matches!(change, Change::AddEnumValue { .. });
    let labels = statements_of(&mut changes.iter().filter(is_label));
    let rest = statements_of(&mut changes.iter().filter(|change| !is_label(change)));
    [labels, rest]
        .into_iter()
        .filter(|statements| !statements.is_empty())
        .map(|statements| Transaction { statements })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dbkit_core::diff::{DiffOptions, EnumValuePosition, diff};
    use dbkit_core::model::{
        BaseType, Check, Column, ColumnType, Enum, Index, IndexKey, PrimaryKey, QualifiedName,
    };

    fn column(name: &str, ty: &str, nullable: bool, default: Option<&str>) -> Column {
        Column {
            default: default.map(str::to_string),
            ..Column::new(name, ColumnType::builtin(ty)).with_nullable(nullable)
        }
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        Table::new(QualifiedName::new("public", name))
            .with_columns(columns)
            .with_primary_key(PrimaryKey::new(
                format!("{name}_pkey"),
                vec!["id".to_string()],
            ))
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut schema = Schema {
            tables,
            ..Schema::default()
        };
        schema.canonicalize();
        schema
    }

    fn push_changes(live: &Schema, code: &Schema) -> Vec<Change> {
        let aligned = align_to_code(live, code, &[]);
        diff(&aligned, code, &DiffOptions::default()).expect("no ambiguity")
    }

    #[test]
    fn postgresql_spellings_of_the_same_schema_give_no_change() {
        let mut code_table = table(
            "users",
            vec![
                column("id", "int", true, None),
                column("name", "varchar(20)", false, Some("'x'")),
                column("age", "int4", true, Some("-1")),
            ],
        );
        code_table
            .checks
            .push(Check::new("users_age_check", "age >= 0"));
        code_table.indexes.push(
            Index::new(
                "users_lower_name_idx",
                IndexKey::Expression("lower(name)".to_string()),
            )
            .with_method("")
            .with_predicate(Some("age > 0".to_string())),
        );
        let mut live_table = table(
            "users",
            vec![
                column("id", "integer", false, None),
                column(
                    "name",
                    "character varying(20)",
                    false,
                    Some("'x'::character varying"),
                ),
                column("age", "integer", true, Some("'-1'::integer")),
            ],
        );
        live_table.checks.push(Check::new(
            "users_age_check",
            "CHECK ((age >= 0))".replace("CHECK ", ""),
        ));
        live_table.indexes.push(
            Index::new(
                "users_lower_name_idx",
                IndexKey::Expression("lower((name)::text)".to_string()),
            )
            .with_predicate(Some("(age > 0)".to_string())),
        );
        let changes = push_changes(&schema(vec![live_table]), &schema(vec![code_table]));
        assert_eq!(changes, Vec::new());
    }

    #[test]
    fn a_real_change_is_kept_and_rendered_in_the_codes_spelling() {
        let code = schema(vec![table(
            "users",
            vec![
                column("id", "int", false, None),
                column("name", "character varying(40)", false, Some("'y'")),
            ],
        )]);
        let live = schema(vec![table(
            "users",
            vec![
                column("id", "integer", false, None),
                column(
                    "name",
                    "character varying(20)",
                    false,
                    Some("'x'::character varying"),
                ),
            ],
        )]);
        let changes = push_changes(&live, &code);
        let sql: Vec<String> = changes.iter().flat_map(render_statements).collect();
        // The default typed with the old type is dropped around the conversion.
        assert_eq!(changes.len(), 3, "{changes:#?}\n{sql:#?}");
        assert!(
            sql.iter()
                .any(|statement| statement.contains("SET DEFAULT 'y'"))
        );
        assert!(changes.iter().all(|change| data_loss(change).is_none()));
    }

    #[test]
    fn a_renamed_column_is_aligned_under_its_new_name() {
        let mut code_table = table(
            "users",
            vec![
                column("id", "int", false, None),
                column("full_name", "varchar(20)", true, None),
            ],
        );
        if let Some(column) = code_table.columns.get_mut(1) {
            column.renamed_from = Some("name".to_string());
        }
        let live = schema(vec![table(
            "users",
            vec![
                column("id", "integer", false, None),
                column("name", "character varying(20)", true, None),
            ],
        )]);
        let changes = push_changes(&live, &schema(vec![code_table]));
        assert_eq!(
            changes,
            vec![Change::RenameColumn {
                table: QualifiedName::new("public", "users"),
                from: "name".to_string(),
                to: "full_name".to_string(),
            }]
        );
    }

    #[test]
    fn drops_and_narrowing_lose_data_while_not_null_only_fails() {
        let users = QualifiedName::new("public", "users");
        let ty = ColumnType::builtin;
        assert!(
            data_loss(&Change::DropColumn {
                table: users.clone(),
                column: "a".to_string(),
                generated: false,
            })
            .is_some()
        );
        assert!(
            data_loss(&Change::AlterColumnType {
                table: users.clone(),
                column: "a".to_string(),
                from: ty("bigint"),
                to: ty("integer"),
            })
            .is_some()
        );
        assert!(
            data_loss(&Change::AlterColumnType {
                table: users.clone(),
                column: "a".to_string(),
                from: ty("integer"),
                to: ty("bigint"),
            })
            .is_none()
        );
        assert!(
            data_loss(&Change::SetNotNull {
                table: users,
                column: "a".to_string(),
            })
            .is_none()
        );
    }

    #[test]
    fn a_label_used_in_the_same_push_commits_first() {
        let mood = QualifiedName::new("public", "mood");
        let mut code = schema(vec![table(
            "people",
            vec![
                column("id", "int", false, None),
                Column {
                    default: Some("'sad'".to_string()),
                    ..column("mood", "text", true, None)
                },
            ],
        )]);
        if let Some(column) = code.tables.first_mut().and_then(|t| t.columns.get_mut(1)) {
            column.ty.base = BaseType::Enum(mood.clone());
        }
        let mut live = code.clone();
        if let Some(column) = live.tables.first_mut().and_then(|t| t.columns.get_mut(1)) {
            column.default = None;
        }
        code.enums.push(Enum::new(
            mood.clone(),
            vec!["happy".to_string(), "sad".to_string()],
        ));
        live.enums.push(Enum::new(mood, vec!["happy".to_string()]));
        let changes = push_changes(&live, &code);
        assert!(changes.iter().any(|change| matches!(
            change,
            Change::AddEnumValue {
                position: EnumValuePosition::End,
                ..
            }
        )));
        let planned = transactions(&changes);
        assert_eq!(planned.len(), 2, "{planned:#?}");
        assert!(
            planned
                .first()
                .is_some_and(|first| first.statements.iter().all(|s| s.contains("ADD VALUE")))
        );
    }
}
