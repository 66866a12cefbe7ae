//! proptest strategies for random, valid schemas and schema pairs.
//!
//! Schemas are built from a stream of choices (`Vec<u32>`) in which `0`
//! always means the simplest option and a missing choice reads as `0`, so
//! proptest's shrinking (shorter vectors, smaller numbers) yields smaller
//! schemas.
//!
//! [`arbitrary_schema`] and [`arbitrary_schema_pair`] give only schemas
//! PostgreSQL accepts, with their migrations applicable to empty tables:
//! names that need quoting, enums, every column feature, keys, checks,
//! foreign keys onto existing keys of the same types, every index kind,
//! comments, and sequences, domains and composite types (of
//! `user_types`). [`arbitrary_unchecked_schema_pair`] gives anything at all
//! (dangling references, duplicate names, hints pointing nowhere), as a
//! hand-edited snapshot could.

use crate::model::{
    BaseType, Check, Column, ColumnType, Deferral, Enum, Exclusion, ForeignKey, ForeignKeyAction,
    Identity, Index, IndexKey, KeyOptions, NullsOrder, Policy, PolicyCommand, PrimaryKey,
    QualifiedName, Schema, Table, Unique, canonical_key_options,
};
use proptest::collection::vec;
use proptest::prelude::{Strategy, any};
use std::collections::BTreeSet;

mod partitions;
mod sql_objects;
mod user_types;
mod views;

const SCHEMA_CHOICES: usize = 400;
const EDIT_CHOICES: usize = 300;

const SCHEMA_NAMES: &[&str] = &["app", "Order", "user name"];
const TABLE_NAMES: &[&str] = &[
    "users",
    "orders",
    "Order",
    "user name",
    "items",
    "accounts",
    "tags",
    "events",
    "payments",
    "line_items",
    "Audit Log",
    "products",
    "carts",
    "notes",
];
const COLUMN_NAMES: &[&str] = &[
    "id",
    "name",
    "email",
    "age",
    "created_at",
    "Order",
    "user name",
    "select",
    "amount",
    "note",
    "status",
    "score",
    "flag",
    "data",
    "code",
    "title",
    "body",
    "price",
    "count",
    "label",
    "kind",
    "rank",
];
const ENUM_NAMES: &[&str] = &["mood", "order state", "Priority", "color"];
const LABELS: &[&str] = &[
    "draft",
    "published",
    "in-review",
    "it's",
    "Archived",
    "a b",
    "low",
    "high",
];
const COMMENTS: &[&str] = &[
    "Who signs in.",
    "It's quoted.",
    "Ünïcode ✓",
    "Line one; line two.",
];
const BUILTIN_TYPES: &[&str] = &[
    "integer",
    "text",
    "bigint",
    "boolean",
    "smallint",
    "numeric",
    "numeric(10,2)",
    "character varying(40)",
    "double precision",
    "real",
    "uuid",
    "date",
    "timestamp with time zone",
    "timestamp without time zone",
    "jsonb",
    "bytea",
    "inet",
    "time without time zone",
];

/// A random valid schema, with views over its tables now and then,
/// sometimes a partitioned table and its partitions, and extensions,
/// functions, triggers and generic objects (which the edits of
/// [`arbitrary_schema_pair`] leave out).
pub fn arbitrary_schema() -> impl Strategy<Value = Schema> {
    vec(any::<u32>(), 0..SCHEMA_CHOICES).prop_map(|values| {
        let mut choices = Choices::new(values);
        let mut schema = build_schema(&mut choices);
        views::add_random_views(&mut schema, &mut choices);
        partitions::add_random_partitioned_table(&mut schema, &mut choices);
        sql_objects::add_random_sql_objects(&mut schema, &mut choices);
        schema
    })
}

/// A random valid schema and a second one derived from it by random edits
/// (tables, columns, constraints, indexes, enum labels, comments), renames
/// expressed through `renamed_from` hints; both with the same extensions,
/// functions, triggers and generic objects now and then, a few of them
/// edited or dropped in the second.
pub fn arbitrary_schema_pair() -> impl Strategy<Value = (Schema, Schema)> {
    (
        vec(any::<u32>(), 0..SCHEMA_CHOICES),
        vec(any::<u32>(), 0..EDIT_CHOICES),
    )
        .prop_map(|(schema_values, edit_values)| {
            let mut old = build_schema(&mut Choices::new(schema_values));
            let mut edits = Choices::new(edit_values);
            let mut new = edit_schema(&old, &mut edits);
            sql_objects::add_random_sql_objects_to_pair(&mut old, &mut new, &mut edits);
            (old, new)
        })
}

/// Any schema at all, valid or not.
pub fn arbitrary_unchecked_schema() -> impl Strategy<Value = Schema> {
    vec(any::<u32>(), 0..SCHEMA_CHOICES)
        .prop_map(|values| build_unchecked_schema(&mut Choices::new(values)))
}

/// Two unrelated schemas drawn from the same small pools of names, so that
/// they overlap; valid or not.
pub fn arbitrary_unchecked_schema_pair() -> impl Strategy<Value = (Schema, Schema)> {
    (arbitrary_unchecked_schema(), arbitrary_unchecked_schema())
}

/// A stream of choices; `0` (also past the end) is the simplest option.
#[derive(Debug)]
struct Choices {
    values: Vec<u32>,
    position: usize,
}

impl Choices {
    fn new(values: Vec<u32>) -> Self {
        Choices {
            values,
            position: 0,
        }
    }

    fn next(&mut self) -> u32 {
        let value = self.values.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        value
    }

    /// A number in `0..n` (`0` when `n` is `0`).
    fn below(&mut self, n: usize) -> usize {
        let value = self.next() as usize;
        if n == 0 { 0 } else { value % n }
    }

    /// True with about `percent` % probability; false for a `0` choice.
    fn chance(&mut self, percent: u32) -> bool {
        self.next() % 100 >= 100 - percent.min(100)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let index = self.below(items.len());
        items.get(index)
    }

    /// An item of `pool` not in `taken`.
    fn pick_fresh(&mut self, pool: &[&str], taken: &BTreeSet<String>) -> Option<String> {
        let free: Vec<&&str> = pool.iter().filter(|name| !taken.contains(**name)).collect();
        self.pick(&free).map(|name| name.to_string())
    }
}

fn builtin(name: &str) -> ColumnType {
    ColumnType {
        base: BaseType::Builtin(name.to_string()),
        array_dims: 0,
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn builtin_name(ty: &ColumnType) -> Option<&str> {
    match (&ty.base, ty.array_dims) {
        (BaseType::Builtin(name), 0) => Some(name.as_str()),
        _ => None,
    }
}

fn is_integer(ty: &ColumnType) -> bool {
    matches!(builtin_name(ty), Some("integer" | "bigint" | "smallint"))
}

fn is_text(ty: &ColumnType) -> bool {
    matches!(builtin_name(ty), Some("text" | "character varying(40)"))
}

/// Types with a btree operator class and equality, usable in keys.
fn is_keyable(ty: &ColumnType) -> bool {
    if ty.array_dims != 0 {
        return false;
    }
    match &ty.base {
        BaseType::Enum(_) => true,
        BaseType::Domain(_) | BaseType::Composite(_) => false,
        BaseType::Builtin(name) => matches!(
            name.as_str(),
            "integer"
                | "bigint"
                | "smallint"
                | "text"
                | "character varying(40)"
                | "uuid"
                | "date"
                | "boolean"
                | "numeric"
        ),
    }
}

fn plain_column(name: &str, ty: ColumnType) -> Column {
    Column {
        name: name.to_string(),
        ty,
        nullable: true,
        default: None,
        identity: None,
        serial: false,
        generated: None,
        collation: None,
        comment: None,
        renamed_from: None,
        source: None,
    }
}

/// A default PostgreSQL accepts for a column of type `ty`.
fn default_for(ty: &ColumnType, enums: &[Enum], choices: &mut Choices) -> Option<String> {
    if ty.array_dims > 0 {
        return Some("'{}'".to_string());
    }
    let second = choices.chance(50);
    let default = match &ty.base {
        BaseType::Enum(name) => {
            let values = &enums.iter().find(|e| &e.name == name)?.values;
            literal(choices.pick(values)?)
        }
        BaseType::Builtin(name) => match name.as_str() {
            "integer" | "bigint" | "smallint" | "numeric" | "numeric(10,2)" => {
                if second { "42" } else { "0" }.to_string()
            }
            "text" | "character varying(40)" => if second { "'it''s'" } else { "''" }.to_string(),
            "boolean" => if second { "true" } else { "false" }.to_string(),
            "double precision" | "real" => "1.5".to_string(),
            "uuid" => "gen_random_uuid()".to_string(),
            "date" => "CURRENT_DATE".to_string(),
            "timestamp with time zone" | "timestamp without time zone" => {
                if second { "CURRENT_TIMESTAMP" } else { "now()" }.to_string()
            }
            "jsonb" => "'{}'::jsonb".to_string(),
            "bytea" => "'\\x'::bytea".to_string(),
            "inet" => "'127.0.0.1'::inet".to_string(),
            "time without time zone" => "'12:00:00'::time without time zone".to_string(),
            _ => return None,
        },
        BaseType::Domain(_) | BaseType::Composite(_) => return None,
    };
    Some(default)
}

/// Names that live in a schema's relation namespace (tables, indexes,
/// constraint indexes, sequences) or type namespace, across `schemas`.
fn taken_relation_names(schemas: &[&Schema], schema_name: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for schema in schemas {
        for enum_type in schema.enums.iter().filter(|e| e.name.schema == schema_name) {
            names.insert(enum_type.name.name.clone());
        }
        for table in schema
            .tables
            .iter()
            .filter(|t| t.name.schema == schema_name)
        {
            names.insert(table.name.name.clone());
            names.extend(table.primary_key.iter().map(|key| key.name.clone()));
            names.extend(table.uniques.iter().map(|unique| unique.name.clone()));
            names.extend(table.indexes.iter().map(|index| index.name.clone()));
            names.extend(
                table
                    .exclusions
                    .iter()
                    .map(|exclusion| exclusion.name.clone()),
            );
            for column in &table.columns {
                names.insert(format!("{}_{}_seq", table.name.name, column.name));
            }
        }
    }
    names
}

/// `stem`, or `stem` with a number, not in `taken`.
fn fresh_name(stem: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(stem) {
        return stem.to_string();
    }
    (1..)
        .map(|n| format!("{stem}{n}"))
        .find(|name| !taken.contains(name))
        .unwrap_or_default()
}

/// All constraint names of a table (one namespace per table).
fn constraint_names(table: &Table) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = table
        .primary_key
        .iter()
        .map(|key| key.name.clone())
        .collect();
    names.extend(table.uniques.iter().map(|unique| unique.name.clone()));
    names.extend(table.checks.iter().map(|check| check.name.clone()));
    names.extend(table.foreign_keys.iter().map(|key| key.name.clone()));
    names.extend(
        table
            .exclusions
            .iter()
            .map(|exclusion| exclusion.name.clone()),
    );
    names
}

/// Now and then deferrable, initially immediate or deferred.
fn random_deferral(choices: &mut Choices) -> Deferral {
    match choices.below(10) {
        0 => Deferral::Immediate,
        1 => Deferral::Deferred,
        _ => Deferral::NotDeferrable,
    }
}

fn build_schema(choices: &mut Choices) -> Schema {
    let mut schema = Schema::default();
    if choices.chance(50)
        && let Some(name) = choices.pick(SCHEMA_NAMES)
    {
        schema.schemas.push(name.to_string());
    }
    let enum_count = choices.below(3);
    for _ in 0..enum_count {
        add_random_enum(&mut schema, choices, &[]);
    }
    let table_count = 1 + choices.below(4);
    for _ in 0..table_count {
        add_random_table(&mut schema, choices, &[]);
    }
    for index in 0..schema.tables.len() {
        if choices.chance(40) {
            let name = schema.tables[index].name.clone();
            add_random_foreign_key(&mut schema, &name, choices);
        }
    }
    randomize_comments(&mut schema, choices);
    user_types::add_random_user_types(&mut schema, choices);
    for index in 0..schema.tables.len() {
        if choices.chance(20) {
            let table = schema.tables[index].name.clone();
            add_random_policy(&mut schema, &table, choices);
        }
    }
    schema.canonicalize();
    schema
}

/// Policy names, and the roles policies name: tests create those roles on
/// their servers (they are named by the migrations' policies).
const POLICY_NAMES: &[&str] = &["readers", "writers", "Own rows", "audit"];
const POLICY_ROLES: &[&str] = &["dbkit_rls_app_user", "dbkit_rls_admin"];

/// A policy on `table` of any command, permissive or restrictive, for
/// PUBLIC or some roles; its expressions use no column, so that it stays
/// valid whatever happens to the columns.
fn add_random_policy(schema: &mut Schema, table: &QualifiedName, choices: &mut Choices) {
    let taken: BTreeSet<String> = schema
        .policies
        .iter()
        .filter(|policy| &policy.table == table)
        .map(|policy| policy.name.clone())
        .collect();
    let Some(name) = choices.pick_fresh(POLICY_NAMES, &taken) else {
        return;
    };
    let command = *choices
        .pick(&[
            PolicyCommand::All,
            PolicyCommand::Select,
            PolicyCommand::Insert,
            PolicyCommand::Update,
            PolicyCommand::Delete,
        ])
        .unwrap_or(&PolicyCommand::All);
    let mut policy = Policy {
        command,
        restrictive: choices.chance(30),
        ..Policy::new(name, table.clone())
    };
    for role in POLICY_ROLES {
        if choices.chance(40) {
            policy.roles.push(role.to_string());
        }
    }
    if command.takes_using() {
        policy.using = Some(
            choices
                .pick(&["true", "false", "1 = 1"])
                .unwrap_or(&"true")
                .to_string(),
        );
    }
    if command.takes_with_check() && (command == PolicyCommand::Insert || choices.chance(50)) {
        policy.with_check = Some("true".to_string());
    }
    policy.canonicalize_roles();
    schema.policies.push(policy);
}

/// Row-level security switched on or off on a table, policies added,
/// changed or dropped; policies whose table is gone (dropped or renamed)
/// go with it.
fn edit_row_security(new: &mut Schema, choices: &mut Choices) {
    if choices.chance(20)
        && let Some(table) = pick_table(new, choices)
        && let Some(table) = new.tables.iter_mut().find(|t| t.name == table)
    {
        if choices.chance(50) {
            table.row_level_security = !table.row_level_security;
        } else {
            table.force_row_level_security = !table.force_row_level_security;
        }
    }
    if choices.chance(20)
        && let Some(table) = pick_table(new, choices)
    {
        add_random_policy(new, &table, choices);
    }
    if choices.chance(15) && !new.policies.is_empty() {
        let index = choices.below(new.policies.len());
        if choices.chance(50) {
            new.policies.remove(index);
        } else {
            let policy = &mut new.policies[index];
            policy.roles = if policy.roles.is_empty() {
                vec![POLICY_ROLES[0].to_string()]
            } else {
                Vec::new()
            };
        }
    }
    let tables: BTreeSet<QualifiedName> = new.tables.iter().map(|t| t.name.clone()).collect();
    new.policies.retain(|policy| tables.contains(&policy.table));
}

fn available_schemas(schema: &Schema) -> Vec<String> {
    let mut names = vec!["public".to_string()];
    names.extend(schema.schemas.iter().cloned());
    names
}

fn add_random_enum(
    schema: &mut Schema,
    choices: &mut Choices,
    also_taken: &[&Schema],
) -> Option<QualifiedName> {
    let schema_names = available_schemas(schema);
    let schema_name = choices.pick(&schema_names)?.clone();
    let mut all: Vec<&Schema> = vec![schema];
    all.extend(also_taken);
    let taken = taken_relation_names(&all, &schema_name);
    let name = choices.pick_fresh(ENUM_NAMES, &taken)?;
    let mut values = Vec::new();
    let label_count = 1 + choices.below(4);
    for _ in 0..label_count {
        let used: BTreeSet<String> = values.iter().cloned().collect();
        if let Some(label) = choices.pick_fresh(LABELS, &used) {
            values.push(label);
        }
    }
    let qualified = QualifiedName::new(schema_name, name);
    schema.enums.push(Enum {
        name: qualified.clone(),
        values,
        comment: None,
        renamed_from: None,
        source: None,
    });
    Some(qualified)
}

fn random_column_type(schema: &Schema, choices: &mut Choices) -> ColumnType {
    if !schema.enums.is_empty()
        && choices.chance(15)
        && let Some(enum_type) = choices.pick(&schema.enums)
    {
        let array_dims = u8::from(choices.chance(15));
        return ColumnType {
            base: BaseType::Enum(enum_type.name.clone()),
            array_dims,
        };
    }
    let name = choices.pick(BUILTIN_TYPES).copied().unwrap_or("integer");
    let array_dims = u8::from(matches!(name, "integer" | "text") && choices.chance(10));
    ColumnType {
        base: BaseType::Builtin(name.to_string()),
        array_dims,
    }
}

fn random_column(schema: &Schema, name: &str, choices: &mut Choices) -> Column {
    let ty = random_column_type(schema, choices);
    let mut column = plain_column(name, ty);
    column.nullable = choices.chance(40);
    if choices.chance(30) {
        column.default = default_for(&column.ty, &schema.enums, choices);
    }
    if is_text(&column.ty) && choices.chance(10) {
        column.collation = Some("C".to_string());
    }
    if is_integer(&column.ty) && column.default.is_none() {
        if choices.chance(20) {
            column.identity = Some(if choices.chance(50) {
                Identity::Always
            } else {
                Identity::ByDefault
            });
            column.nullable = false;
        } else if choices.chance(10) {
            column.serial = true;
            column.nullable = false;
        }
    }
    column
}

/// A generated column over a plain text or integer column of `table`.
fn random_generated_column(table: &Table, choices: &mut Choices) -> Option<Column> {
    let sources: Vec<&Column> = table
        .columns
        .iter()
        .filter(|column| column.generated.is_none() && column.identity.is_none() && !column.serial)
        .filter(|column| {
            is_text(&column.ty) || matches!(builtin_name(&column.ty), Some("integer" | "bigint"))
        })
        .collect();
    let source = choices.pick(&sources)?;
    let taken: BTreeSet<String> = table
        .columns
        .iter()
        .map(|column| column.name.clone())
        .collect();
    let name = choices.pick_fresh(COLUMN_NAMES, &taken)?;
    let (ty, expression) = if is_text(&source.ty) {
        (builtin("text"), format!("lower({})", quote(&source.name)))
    } else {
        (source.ty.clone(), format!("{} + 1", quote(&source.name)))
    };
    let mut column = plain_column(&name, ty);
    column.generated = Some(expression);
    column.nullable = !choices.chance(20);
    Some(column)
}

fn add_random_table(
    schema: &mut Schema,
    choices: &mut Choices,
    also_taken: &[&Schema],
) -> Option<QualifiedName> {
    let schema_names = available_schemas(schema);
    let schema_name = choices.pick(&schema_names)?.clone();
    let mut all: Vec<&Schema> = vec![schema];
    all.extend(also_taken);
    let mut taken = taken_relation_names(&all, &schema_name);
    for other in &all {
        taken.extend(other.tables.iter().map(|table| table.name.name.clone()));
    }
    let name = choices.pick_fresh(TABLE_NAMES, &taken)?;
    let qualified = QualifiedName::new(schema_name, name);
    let mut table = Table::new(qualified.clone());
    if choices.chance(10) {
        table.storage_parameters = vec!["fillfactor=70".to_string()];
    }
    table.row_level_security = choices.chance(15);
    table.force_row_level_security = choices.chance(5);
    let column_count = 1 + choices.below(5);
    for _ in 0..column_count {
        let taken: BTreeSet<String> = table
            .columns
            .iter()
            .map(|column| column.name.clone())
            .collect();
        if let Some(column_name) = choices.pick_fresh(COLUMN_NAMES, &taken) {
            let column = random_column(schema, &column_name, choices);
            table.columns.push(column);
        }
    }
    if choices.chance(25)
        && let Some(column) = random_generated_column(&table, choices)
    {
        table.columns.push(column);
    }
    if choices.chance(70) {
        set_random_primary_key(&mut table, choices);
    }
    schema.tables.push(table);
    let extras = choices.below(5);
    for _ in 0..extras {
        add_random_table_item(schema, &qualified, choices, also_taken);
    }
    Some(qualified)
}

fn key_candidates(table: &Table) -> Vec<String> {
    table
        .columns
        .iter()
        .filter(|column| column.generated.is_none() && is_keyable(&column.ty))
        .map(|column| column.name.clone())
        .collect()
}

/// One or two distinct columns of `candidates`.
fn pick_column_set(candidates: &[String], choices: &mut Choices) -> Option<Vec<String>> {
    let first = choices.pick(candidates)?.clone();
    let mut columns = vec![first];
    if candidates.len() > 1 && choices.chance(30) {
        let rest: Vec<&String> = candidates.iter().filter(|c| !columns.contains(c)).collect();
        if let Some(second) = choices.pick(&rest) {
            columns.push((*second).clone());
        }
    }
    Some(columns)
}

fn set_random_primary_key(table: &mut Table, choices: &mut Choices) {
    let candidates = key_candidates(table);
    let Some(columns) = pick_column_set(&candidates, choices) else {
        return;
    };
    for column in &mut table.columns {
        if columns.contains(&column.name) {
            column.nullable = false;
        }
    }
    let taken = constraint_names(table);
    table.primary_key = Some(PrimaryKey::new(
        fresh_name(&format!("{}_pkey", table.name.name), &taken),
        columns,
    ));
}

fn column_set_taken(table: &Table, columns: &[String]) -> bool {
    let wanted: BTreeSet<&String> = columns.iter().collect();
    let same = |other: &[String]| other.iter().collect::<BTreeSet<_>>() == wanted;
    table
        .primary_key
        .as_ref()
        .is_some_and(|key| same(&key.columns))
        || table.uniques.iter().any(|unique| same(&unique.columns))
}

/// Adds a unique constraint, a check or an index to `table_name`.
fn add_random_table_item(
    schema: &mut Schema,
    table_name: &QualifiedName,
    choices: &mut Choices,
    also_taken: &[&Schema],
) {
    let mut all: Vec<&Schema> = vec![schema];
    all.extend(also_taken);
    let relation_names = taken_relation_names(&all, &table_name.schema);
    let Some(table) = schema
        .tables
        .iter_mut()
        .find(|table| &table.name == table_name)
    else {
        return;
    };
    let prefix = table.name.name.clone();
    let mut taken_constraints = constraint_names(table);
    taken_constraints.extend(relation_names.iter().cloned());
    let plain: Vec<&Column> = table.columns.iter().collect();
    match choices.below(9) {
        0 => {
            let candidates = key_candidates(table);
            if let Some(columns) = pick_column_set(&candidates, choices)
                && !column_set_taken(table, &columns)
            {
                let name = fresh_name(
                    &format!("{prefix}_{}_key", columns.join("_")),
                    &taken_constraints,
                );
                table
                    .uniques
                    .push(Unique::new(name, columns).with_deferrable(random_deferral(choices)));
            }
        }
        1 => {
            let candidates: Vec<&&Column> = plain
                .iter()
                .filter(|column| is_integer(&column.ty) || is_text(&column.ty))
                .collect();
            if let Some(column) = choices.pick(&candidates) {
                let expr = if is_integer(&column.ty) {
                    if choices.chance(50) {
                        format!("{} >= 0", quote(&column.name))
                    } else {
                        format!("{} <> 13", quote(&column.name))
                    }
                } else {
                    format!("char_length({}) < 1000", quote(&column.name))
                };
                let name = fresh_name(
                    &format!("{prefix}_{}_check", column.name),
                    &taken_constraints,
                );
                table
                    .checks
                    .push(Check::new(name, expr).with_not_valid(choices.chance(20)));
            }
        }
        8 => {
            let candidates: Vec<&&Column> = plain
                .iter()
                .filter(|column| column.generated.is_none() && is_keyable(&column.ty))
                .collect();
            if let Some(column) = choices.pick(&candidates) {
                let name = fresh_name(
                    &format!("{prefix}_{}_excl", column.name),
                    &taken_constraints,
                );
                let predicate = choices
                    .chance(30)
                    .then(|| format!("{} IS NOT NULL", quote(&column.name)));
                let exclusion =
                    Exclusion::new(name, "btree", format!("{} WITH =", quote(&column.name)))
                        .with_predicate(predicate)
                        .with_deferrable(random_deferral(choices));
                table.exclusions.push(exclusion);
            }
        }
        kind => {
            let index = random_index(table, kind, choices, &relation_names);
            if let Some(index) = index {
                table.indexes.push(index);
            }
        }
    }
}

/// An index of one of several kinds (columns, unique, expression, hash,
/// gin, brin, partial), when `table` has a column it fits.
fn random_index(
    table: &Table,
    kind: usize,
    choices: &mut Choices,
    relation_names: &BTreeSet<String>,
) -> Option<Index> {
    let prefix = &table.name.name;
    let columns_where = |test: &dyn Fn(&Column) -> bool| -> Vec<String> {
        table
            .columns
            .iter()
            .filter(|column| test(column))
            .map(|column| column.name.clone())
            .collect()
    };
    let mut index = Index::new(String::new(), IndexKey::Columns(Vec::new()));
    match kind {
        2 => {
            let candidates =
                columns_where(&|column| is_keyable(&column.ty) || column.ty.array_dims > 0);
            index.key = IndexKey::Columns(pick_column_set(&candidates, choices)?);
            add_random_btree_options(table, &mut index, choices);
        }
        3 => {
            let candidates = columns_where(&|column| is_keyable(&column.ty));
            index.key = IndexKey::Columns(pick_column_set(&candidates, choices)?);
            index.unique = true;
            add_random_btree_options(table, &mut index, choices);
        }
        4 => {
            // Not over a column with a collation: PostgreSQL prints
            // `lower("c")` over a `character varying COLLATE "C"` column
            // as `lower((c)::text) COLLATE "C"`, which the comparison does
            // not take for the code's expression.
            let candidates = columns_where(&|column| {
                (is_text(&column.ty) && column.collation.is_none()) || is_integer(&column.ty)
            });
            let column = choices.pick(&candidates)?;
            let is_text_column = table.column(column).is_some_and(|c| is_text(&c.ty));
            let expression = if is_text_column {
                format!("lower({})", quote(column))
            } else {
                format!("({} + 1)", quote(column))
            };
            index.key = IndexKey::Expression(expression);
            index.unique = choices.chance(30);
        }
        5 => {
            let candidates = columns_where(&|column| is_keyable(&column.ty));
            index.key = IndexKey::Columns(vec![choices.pick(&candidates)?.clone()]);
            index.method = "hash".to_string();
        }
        6 => {
            let candidates = columns_where(&|column| {
                column.ty.array_dims > 0 || builtin_name(&column.ty) == Some("jsonb")
            });
            index.key = IndexKey::Columns(vec![choices.pick(&candidates)?.clone()]);
            index.method = "gin".to_string();
        }
        _ => {
            let candidates = columns_where(&|column| {
                matches!(
                    builtin_name(&column.ty),
                    Some("integer" | "bigint" | "date" | "timestamp with time zone")
                )
            });
            let column = choices.pick(&candidates)?.clone();
            if choices.chance(50) {
                index.method = "brin".to_string();
            } else {
                index.predicate = Some(format!("{} IS NOT NULL", quote(&column)));
            }
            index.key = IndexKey::Columns(vec![column]);
        }
    }
    let stem = match &index.key {
        IndexKey::Columns(columns) => format!("{prefix}_{}_idx", columns.join("_")),
        IndexKey::Expression(_) => format!("{prefix}_expr_idx"),
    };
    index.name = fresh_name(&stem, relation_names);
    Some(index)
}

/// Now and then options of a btree index over columns: a direction and
/// NULLS order per key, `text_pattern_ops` or `COLLATE "C"` on a text key,
/// an `INCLUDE` column, a fillfactor.
fn add_random_btree_options(table: &Table, index: &mut Index, choices: &mut Choices) {
    let IndexKey::Columns(columns) = &index.key else {
        return;
    };
    if choices.chance(30) {
        let options = columns
            .iter()
            .map(|name| {
                let text = table
                    .column(name)
                    .is_some_and(|column| builtin_name(&column.ty) == Some("text"));
                let nulls = match choices.below(3) {
                    0 => Some(NullsOrder::First),
                    1 => Some(NullsOrder::Last),
                    _ => None,
                };
                let opclass = (text && choices.chance(30)).then(|| "text_pattern_ops".to_string());
                let collation =
                    (text && opclass.is_none() && choices.chance(30)).then(|| "C".to_string());
                KeyOptions::new(choices.chance(50), nulls, opclass, collation)
            })
            .collect();
        index.key_options = canonical_key_options(options);
    }
    if choices.chance(20) {
        let rest: Vec<&Column> = table
            .columns
            .iter()
            .filter(|column| !columns.contains(&column.name) && column.generated.is_none())
            .collect();
        if let Some(column) = choices.pick(&rest) {
            index.include = vec![column.name.clone()];
        }
    }
    if choices.chance(20) {
        index.storage_parameters = vec!["fillfactor=80".to_string()];
    }
}

/// A foreign key from `table_name` onto a primary key or unique constraint
/// of any table (itself included), through new columns of the same types.
fn add_random_foreign_key(schema: &mut Schema, table_name: &QualifiedName, choices: &mut Choices) {
    let mut keys: Vec<(QualifiedName, Vec<String>, Vec<ColumnType>)> = Vec::new();
    for table in &schema.tables {
        // PostgreSQL refuses a deferrable key as the referenced one.
        let key_sets = table
            .primary_key
            .iter()
            .filter(|key| key.deferrable.is_not_deferrable())
            .map(|key| key.columns.clone())
            .chain(
                table
                    .uniques
                    .iter()
                    .filter(|unique| unique.deferrable.is_not_deferrable())
                    .map(|unique| unique.columns.clone()),
            );
        for columns in key_sets {
            let types: Option<Vec<ColumnType>> = columns
                .iter()
                .map(|name| table.column(name).map(|column| column.ty.clone()))
                .collect();
            if let Some(types) = types {
                keys.push((table.name.clone(), columns, types));
            }
        }
    }
    let Some((referenced, referenced_columns, types)) = choices.pick(&keys).cloned() else {
        return;
    };
    let Some(table) = schema
        .tables
        .iter_mut()
        .find(|table| &table.name == table_name)
    else {
        return;
    };
    let mut columns = Vec::new();
    let nullable = choices.chance(50);
    for (referenced_column, ty) in referenced_columns.iter().zip(types) {
        let taken: BTreeSet<String> = table
            .columns
            .iter()
            .map(|column| column.name.clone())
            .collect();
        let name = fresh_name(&format!("{}_{referenced_column}", referenced.name), &taken);
        let mut column = plain_column(&name, ty);
        column.nullable = nullable;
        table.columns.push(column);
        columns.push(name);
    }
    let actions = [
        ForeignKeyAction::NoAction,
        ForeignKeyAction::Cascade,
        ForeignKeyAction::Restrict,
        ForeignKeyAction::SetNull,
        ForeignKeyAction::SetDefault,
    ];
    let on_delete = choices.pick(&actions).copied().unwrap_or_default();
    let on_update = choices.pick(&actions).copied().unwrap_or_default();
    let name = fresh_name(
        &format!("{}_{}_fkey", table.name.name, columns.join("_")),
        &constraint_names(table),
    );
    let foreign_key = ForeignKey::new(name, columns, referenced, referenced_columns)
        .with_actions(on_delete, on_update)
        .with_deferrable(random_deferral(choices))
        .with_not_valid(choices.chance(20));
    table.foreign_keys.push(foreign_key);
}

fn random_comment(choices: &mut Choices, percent: u32) -> Option<String> {
    if choices.chance(percent) {
        choices.pick(COMMENTS).map(|c| c.to_string())
    } else {
        None
    }
}

fn randomize_comments(schema: &mut Schema, choices: &mut Choices) {
    for enum_type in &mut schema.enums {
        enum_type.comment = random_comment(choices, 30);
    }
    for table in &mut schema.tables {
        table.comment = random_comment(choices, 30);
        for column in &mut table.columns {
            column.comment = random_comment(choices, 20);
        }
    }
}

/// `new` derived from `old` by a few random edits; renames carry
/// `renamed_from` hints naming what `old` calls the table or column.
fn edit_schema(old: &Schema, choices: &mut Choices) -> Schema {
    let mut new = old.clone();
    let edits = 1 + choices.below(5);
    for _ in 0..edits {
        match choices.below(17) {
            0 => {
                if let Some(name) = add_random_table(&mut new, choices, &[old])
                    && choices.chance(40)
                {
                    add_random_foreign_key(&mut new, &name, choices);
                }
            }
            1 => {
                if let Some(name) = pick_table(&new, choices) {
                    drop_table(&mut new, &name);
                }
            }
            2 => rename_random_table(old, &mut new, choices),
            3 => add_random_column(old, &mut new, choices),
            4 => {
                if let Some((table, column)) = pick_column(&new, choices) {
                    drop_column_with_dependents(&mut new, &table, &column);
                }
            }
            5 => rename_random_column(old, &mut new, choices),
            6 => alter_random_column(&mut new, choices),
            7 => edit_random_enum_labels(&mut new, choices),
            8 => {
                if let Some(enum_name) = add_random_enum(&mut new, choices, &[old])
                    && let Some(table) = pick_table(&new, choices)
                {
                    add_column_of_type(
                        old,
                        &mut new,
                        &table,
                        ColumnType {
                            base: BaseType::Enum(enum_name),
                            array_dims: 0,
                        },
                        choices,
                    );
                }
            }
            9 => drop_random_enum(&mut new, choices),
            10 => {
                if let Some(table) = pick_table(&new, choices) {
                    if choices.chance(30) {
                        add_random_foreign_key(&mut new, &table, choices);
                    } else {
                        add_random_table_item(&mut new, &table, choices, &[old]);
                    }
                }
            }
            11 => drop_random_table_item(&mut new, choices),
            12 => {
                let mut commented = new.clone();
                randomize_comments(&mut commented, choices);
                new = commented;
            }
            14 => rename_random_enum(old, &mut new, choices),
            15 => user_types::edit_random_user_type(&mut new, choices),
            16 => edit_random_options(&mut new, choices),
            _ => {
                if let Some(table) = pick_table(&new, choices) {
                    drop_primary_key(&mut new, &table);
                    if choices.chance(60)
                        && let Some(table) = new.tables.iter_mut().find(|t| t.name == table)
                    {
                        set_random_primary_key(table, choices);
                    }
                }
            }
        }
    }
    edit_row_security(&mut new, choices);
    // A sequence of both sides whose new range leaves out where it is (its
    // old start, on a database that never used it) is an ALTER SEQUENCE
    // PostgreSQL refuses, and generate writes no RESTART yet: such a pair
    // keeps the old sequence (dropped and added again under one name, or
    // re-randomised, it can end so).
    for sequence in &mut new.sequences {
        if let Some(before) = old.sequence(&sequence.name)
            && !(sequence.min_value..=sequence.max_value).contains(&before.start)
        {
            *sequence = before.clone();
        }
    }
    new.canonicalize();
    new
}

fn pick_table(schema: &Schema, choices: &mut Choices) -> Option<QualifiedName> {
    choices.pick(&schema.tables).map(|table| table.name.clone())
}

fn pick_column(schema: &Schema, choices: &mut Choices) -> Option<(QualifiedName, String)> {
    let table = choices.pick(&schema.tables)?;
    let column = choices.pick(&table.columns)?;
    Some((table.name.clone(), column.name.clone()))
}

fn table_mut<'a>(schema: &'a mut Schema, name: &QualifiedName) -> Option<&'a mut Table> {
    schema.tables.iter_mut().find(|table| &table.name == name)
}

/// What `old` calls the table `name` of `new`, if it has it.
fn original_table<'a>(old: &'a Schema, new: &Schema, name: &QualifiedName) -> Option<&'a Table> {
    let table = new.table(name)?;
    match &table.renamed_from {
        Some(hint) => {
            let qualified = match hint.split_once('.') {
                Some((schema, table)) => QualifiedName::new(schema, table),
                None => QualifiedName::new(name.schema.clone(), hint.clone()),
            };
            old.table(&qualified)
        }
        None => old.table(name),
    }
}

fn drop_table(schema: &mut Schema, name: &QualifiedName) {
    schema.tables.retain(|table| &table.name != name);
    for table in &mut schema.tables {
        table.foreign_keys.retain(|key| &key.references != name);
    }
}

fn rename_random_table(old: &Schema, new: &mut Schema, choices: &mut Choices) {
    let Some(from) = pick_table(new, choices) else {
        return;
    };
    let schemas = available_schemas(new);
    let target_schema = if choices.chance(30) {
        choices
            .pick(&schemas)
            .cloned()
            .unwrap_or_else(|| from.schema.clone())
    } else {
        from.schema.clone()
    };
    let mut taken = taken_relation_names(&[old, new], &target_schema);
    for schema in [old, &*new] {
        taken.extend(schema.tables.iter().map(|table| table.name.name.clone()));
    }
    let Some(to_name) = choices.pick_fresh(TABLE_NAMES, &taken) else {
        return;
    };
    let to = QualifiedName::new(target_schema, to_name);
    let original = original_table(old, new, &from).map(|table| table.name.clone());
    let Some(table) = table_mut(new, &from) else {
        return;
    };
    if table.renamed_from.is_none() {
        table.renamed_from = original.map(|original| {
            if original.schema == to.schema {
                original.name
            } else {
                format!("{}.{}", original.schema, original.name)
            }
        });
    } else if let Some(original) = original {
        table.renamed_from = Some(format!("{}.{}", original.schema, original.name));
    }
    table.name = to.clone();
    let old_prefix = format!("{}_", from.name);
    let new_prefix = format!("{}_", to.name);
    let rename = |name: &mut String| {
        if let Some(rest) = name.strip_prefix(&old_prefix) {
            *name = format!("{new_prefix}{rest}");
        }
    };
    if let Some(key) = &mut table.primary_key {
        rename(&mut key.name);
    }
    table
        .uniques
        .iter_mut()
        .for_each(|unique| rename(&mut unique.name));
    table
        .checks
        .iter_mut()
        .for_each(|check| rename(&mut check.name));
    table
        .indexes
        .iter_mut()
        .for_each(|index| rename(&mut index.name));
    table
        .foreign_keys
        .iter_mut()
        .for_each(|key| rename(&mut key.name));
    for table in &mut new.tables {
        for key in &mut table.foreign_keys {
            if key.references == from {
                key.references = to.clone();
            }
        }
    }
}

/// Column names neither table version has.
fn taken_column_names(old: &Schema, new: &Schema, table: &QualifiedName) -> BTreeSet<String> {
    let mut taken: BTreeSet<String> = new
        .table(table)
        .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    if let Some(original) = original_table(old, new, table) {
        taken.extend(original.columns.iter().map(|c| c.name.clone()));
    }
    taken
}

fn add_random_column(old: &Schema, new: &mut Schema, choices: &mut Choices) {
    let Some(table_name) = pick_table(new, choices) else {
        return;
    };
    if choices.chance(25) {
        if let Some(table) = new.table(&table_name)
            && let Some(column) = random_generated_column(table, choices)
            && !taken_column_names(old, new, &table_name).contains(&column.name)
            && let Some(table) = table_mut(new, &table_name)
        {
            table.columns.push(column);
        }
        return;
    }
    let taken = taken_column_names(old, new, &table_name);
    let Some(name) = choices.pick_fresh(COLUMN_NAMES, &taken) else {
        return;
    };
    let column = random_column(new, &name, choices);
    if let Some(table) = table_mut(new, &table_name) {
        table.columns.push(column);
    }
}

fn add_column_of_type(
    old: &Schema,
    new: &mut Schema,
    table_name: &QualifiedName,
    ty: ColumnType,
    choices: &mut Choices,
) {
    let taken = taken_column_names(old, new, table_name);
    let Some(name) = choices.pick_fresh(COLUMN_NAMES, &taken) else {
        return;
    };
    let mut column = plain_column(&name, ty);
    if choices.chance(50) {
        column.default = default_for(&column.ty, &new.enums, choices);
    }
    if let Some(table) = table_mut(new, table_name) {
        table.columns.push(column);
    }
}

fn mentions(expression: &str, column: &str) -> bool {
    expression.contains(&quote(column))
}

/// Whether anything but the column itself depends on it: keys, foreign
/// keys (either side), indexes, checks, generated columns.
fn is_column_referenced(schema: &Schema, table: &Table, column: &str) -> bool {
    let has = |columns: &[String]| columns.iter().any(|c| c == column);
    table
        .primary_key
        .as_ref()
        .is_some_and(|key| has(&key.columns))
        || table.uniques.iter().any(|unique| has(&unique.columns))
        || table.foreign_keys.iter().any(|key| has(&key.columns))
        || table
            .checks
            .iter()
            .any(|check| mentions(&check.expr, column))
        || table
            .columns
            .iter()
            .any(|c| c.generated.as_deref().is_some_and(|g| mentions(g, column)))
        || table.exclusions.iter().any(|exclusion| {
            mentions(&exclusion.elements, column)
                || exclusion
                    .predicate
                    .as_deref()
                    .is_some_and(|p| mentions(p, column))
        })
        || table.indexes.iter().any(|index| {
            has(&index.include)
                || index
                    .predicate
                    .as_deref()
                    .is_some_and(|p| mentions(p, column))
                || match &index.key {
                    IndexKey::Columns(columns) => has(columns),
                    IndexKey::Expression(expression) => mentions(expression, column),
                }
        })
        || schema.tables.iter().any(|other| {
            other
                .foreign_keys
                .iter()
                .any(|key| key.references == table.name && has(&key.referenced_columns))
        })
}

/// Drops the foreign keys onto `columns` of `table` unless another key
/// with the same columns remains.
fn drop_foreign_keys_onto(schema: &mut Schema, table_name: &QualifiedName, columns: &[String]) {
    let wanted: BTreeSet<&String> = columns.iter().collect();
    let still_keyed = schema.table(table_name).is_some_and(|table| {
        table
            .primary_key
            .iter()
            .map(|k| &k.columns)
            .chain(table.uniques.iter().map(|u| &u.columns))
            .any(|key| key.iter().collect::<BTreeSet<_>>() == wanted)
    });
    if still_keyed {
        return;
    }
    for table in &mut schema.tables {
        table.foreign_keys.retain(|key| {
            !(&key.references == table_name
                && key.referenced_columns.iter().collect::<BTreeSet<_>>() == wanted)
        });
    }
}

fn drop_primary_key(schema: &mut Schema, table_name: &QualifiedName) {
    let Some(table) = table_mut(schema, table_name) else {
        return;
    };
    if let Some(key) = table.primary_key.take() {
        drop_foreign_keys_onto(schema, table_name, &key.columns);
    }
}

fn drop_column_with_dependents(schema: &mut Schema, table_name: &QualifiedName, column: &str) {
    let Some(table) = schema.table(table_name) else {
        return;
    };
    let dependent_generated: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.name != column && c.generated.as_deref().is_some_and(|g| mentions(g, column)))
        .map(|c| c.name.clone())
        .collect();
    for dependent in dependent_generated {
        drop_column_with_dependents(schema, table_name, &dependent);
    }
    let Some(table) = table_mut(schema, table_name) else {
        return;
    };
    let has = |columns: &[String]| columns.iter().any(|c| c == column);
    let mut dropped_keys = Vec::new();
    if table
        .primary_key
        .as_ref()
        .is_some_and(|key| has(&key.columns))
    {
        dropped_keys.extend(table.primary_key.take().map(|key| key.columns));
    }
    dropped_keys.extend(
        table
            .uniques
            .iter()
            .filter(|u| has(&u.columns))
            .map(|u| u.columns.clone()),
    );
    table.uniques.retain(|unique| !has(&unique.columns));
    table.foreign_keys.retain(|key| !has(&key.columns));
    table.checks.retain(|check| !mentions(&check.expr, column));
    table.indexes.retain(|index| {
        let in_key = match &index.key {
            IndexKey::Columns(columns) => has(columns),
            IndexKey::Expression(expression) => mentions(expression, column),
        };
        !in_key
            && !has(&index.include)
            && !index
                .predicate
                .as_deref()
                .is_some_and(|p| mentions(p, column))
    });
    table.exclusions.retain(|exclusion| {
        !mentions(&exclusion.elements, column)
            && !exclusion
                .predicate
                .as_deref()
                .is_some_and(|p| mentions(p, column))
    });
    table.columns.retain(|c| c.name != column);
    for key in dropped_keys {
        drop_foreign_keys_onto(schema, table_name, &key);
    }
    for table in &mut schema.tables {
        table
            .foreign_keys
            .retain(|key| !(&key.references == table_name && has(&key.referenced_columns)));
    }
}

fn rename_random_column(old: &Schema, new: &mut Schema, choices: &mut Choices) {
    let Some((table_name, from)) = pick_column(new, choices) else {
        return;
    };
    let taken = taken_column_names(old, new, &table_name);
    let Some(to) = choices.pick_fresh(COLUMN_NAMES, &taken) else {
        return;
    };
    let original_has =
        original_table(old, new, &table_name).is_some_and(|t| t.column(&from).is_some());
    let Some(table) = table_mut(new, &table_name) else {
        return;
    };
    let rename_in = |columns: &mut Vec<String>| {
        for column in columns.iter_mut() {
            if *column == from {
                *column = to.clone();
            }
        }
    };
    let rewrite =
        |expression: &mut String| *expression = expression.replace(&quote(&from), &quote(&to));
    for column in &mut table.columns {
        if column.name == from {
            if column.renamed_from.is_none() && original_has {
                column.renamed_from = Some(from.clone());
            }
            column.name = to.clone();
        }
        if let Some(generated) = &mut column.generated {
            rewrite(generated);
        }
    }
    if let Some(key) = &mut table.primary_key {
        rename_in(&mut key.columns);
    }
    table
        .uniques
        .iter_mut()
        .for_each(|unique| rename_in(&mut unique.columns));
    table
        .foreign_keys
        .iter_mut()
        .for_each(|key| rename_in(&mut key.columns));
    table
        .checks
        .iter_mut()
        .for_each(|check| rewrite(&mut check.expr));
    for index in &mut table.indexes {
        match &mut index.key {
            IndexKey::Columns(columns) => rename_in(columns),
            IndexKey::Expression(expression) => rewrite(expression),
        }
        if let Some(predicate) = &mut index.predicate {
            rewrite(predicate);
        }
        rename_in(&mut index.include);
    }
    for exclusion in &mut table.exclusions {
        rewrite(&mut exclusion.elements);
        if let Some(predicate) = &mut exclusion.predicate {
            rewrite(predicate);
        }
    }
    for table in &mut new.tables {
        for key in &mut table.foreign_keys {
            if key.references == table_name {
                rename_in(&mut key.referenced_columns);
            }
        }
    }
}

/// Types a column of type `from` converts to with `USING column::type`.
fn type_change_targets(from: &ColumnType) -> Vec<ColumnType> {
    if from.array_dims > 0 {
        return Vec::new();
    }
    let names: &[&str] = if matches!(from.base, BaseType::Enum(_)) {
        &["text"]
    } else if is_text(from) {
        &[
            "integer",
            "bigint",
            "uuid",
            "date",
            "jsonb",
            "boolean",
            "character varying(40)",
            "text",
        ]
    } else if is_integer(from) || builtin_name(from) == Some("numeric") {
        &[
            "bigint",
            "integer",
            "smallint",
            "numeric",
            "text",
            "double precision",
        ]
    } else {
        &["text"]
    };
    names
        .iter()
        .map(|name| builtin(name))
        .filter(|ty| ty != from)
        .collect()
}

fn alter_random_column(new: &mut Schema, choices: &mut Choices) {
    let Some((table_name, column_name)) = pick_column(new, choices) else {
        return;
    };
    let Some(table) = new.table(&table_name) else {
        return;
    };
    let referenced = is_column_referenced(new, table, &column_name);
    let in_primary_key = table
        .primary_key
        .as_ref()
        .is_some_and(|key| key.columns.contains(&column_name));
    let enums = new.enums.clone();
    let Some(column) = table_mut(new, &table_name)
        .and_then(|t| t.columns.iter_mut().find(|c| c.name == column_name))
    else {
        return;
    };
    let plain = column.identity.is_none() && !column.serial && column.generated.is_none();
    let integer_without_extras =
        is_integer(&column.ty) && column.default.is_none() && column.generated.is_none();
    match choices.below(6) {
        0 => {
            if !in_primary_key && column.identity.is_none() && !column.serial {
                column.nullable = !column.nullable;
            }
        }
        1 => {
            if plain {
                column.default = if column.default.is_some() && choices.chance(50) {
                    None
                } else {
                    default_for(&column.ty, &enums, choices)
                };
            }
        }
        2 => {
            if plain && !referenced {
                let targets = type_change_targets(&column.ty);
                if let Some(target) = choices.pick(&targets) {
                    column.ty = target.clone();
                    if !is_text(&column.ty) {
                        column.collation = None;
                    }
                    if column.default.is_some() {
                        column.default = default_for(&column.ty, &enums, choices);
                    }
                }
            }
        }
        3 => {
            if integer_without_extras && !column.serial {
                column.identity = match column.identity {
                    None => Some(if choices.chance(50) {
                        Identity::Always
                    } else {
                        Identity::ByDefault
                    }),
                    Some(Identity::Always) if choices.chance(50) => Some(Identity::ByDefault),
                    Some(Identity::ByDefault) if choices.chance(50) => Some(Identity::Always),
                    Some(_) => None,
                };
                if column.identity.is_some() {
                    column.nullable = false;
                }
            }
        }
        4 => {
            if integer_without_extras && column.identity.is_none() {
                column.serial = !column.serial;
                column.nullable = false;
            }
        }
        _ => {
            if let Some(expression) = column.generated.clone() {
                column.generated = if choices.chance(40) {
                    None
                } else if expression.starts_with("lower(") {
                    Some(expression.replacen("lower(", "upper(", 1))
                } else if expression.starts_with("upper(") {
                    Some(expression.replacen("upper(", "lower(", 1))
                } else if expression.ends_with(" + 1") {
                    Some(format!("{} + 2", expression.trim_end_matches(" + 1")))
                } else {
                    Some(format!("{} + 1", expression.trim_end_matches(" + 2")))
                };
            }
        }
    }
}

/// Changes an option: a table's storage parameters, an index's key
/// options or fillfactor, a check's or a foreign key's `NOT VALID`, a
/// foreign key's deferral, a text column's collation.
fn edit_random_options(new: &mut Schema, choices: &mut Choices) {
    let Some(table_name) = pick_table(new, choices) else {
        return;
    };
    let unreferenced_text: Vec<String> = new
        .table(&table_name)
        .map(|table| {
            table
                .columns
                .iter()
                .filter(|column| {
                    is_text(&column.ty)
                        && column.generated.is_none()
                        && !is_column_referenced(new, table, &column.name)
                })
                .map(|column| column.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let Some(table) = table_mut(new, &table_name) else {
        return;
    };
    match choices.below(5) {
        0 => {
            table.storage_parameters = match table.storage_parameters.as_slice() {
                [] => vec!["fillfactor=70".to_string()],
                _ if choices.chance(50) => Vec::new(),
                _ => vec![
                    "autovacuum_enabled=false".to_string(),
                    "fillfactor=60".to_string(),
                ],
            };
        }
        1 => {
            let btree: Vec<usize> = (0..table.indexes.len())
                .filter(|&position| {
                    table.indexes[position].method == "btree"
                        && matches!(table.indexes[position].key, IndexKey::Columns(_))
                })
                .collect();
            if let Some(&position) = choices.pick(&btree) {
                let index = &mut table.indexes[position];
                if choices.chance(50) {
                    index.storage_parameters = if index.storage_parameters.is_empty() {
                        vec!["fillfactor=90".to_string()]
                    } else {
                        Vec::new()
                    };
                } else if index.key_options.is_empty() {
                    let IndexKey::Columns(columns) = &index.key else {
                        return;
                    };
                    let mut options = vec![KeyOptions::default(); columns.len()];
                    options[0] = KeyOptions::new(true, Some(NullsOrder::Last), None, None);
                    index.key_options = options;
                } else {
                    index.key_options = Vec::new();
                }
            }
        }
        2 => {
            if !table.checks.is_empty() {
                let position = choices.below(table.checks.len());
                table.checks[position].not_valid = !table.checks[position].not_valid;
            }
        }
        3 => {
            if !table.foreign_keys.is_empty() {
                let position = choices.below(table.foreign_keys.len());
                let foreign_key = &mut table.foreign_keys[position];
                if choices.chance(50) {
                    foreign_key.not_valid = !foreign_key.not_valid;
                } else {
                    foreign_key.deferrable = random_deferral(choices);
                }
            }
        }
        _ => {
            if let Some(name) = choices.pick(&unreferenced_text)
                && let Some(column) = table.columns.iter_mut().find(|column| &column.name == name)
            {
                column.collation = match column.collation {
                    None => Some("C".to_string()),
                    Some(_) => None,
                };
            }
        }
    }
}

fn edit_random_enum_labels(new: &mut Schema, choices: &mut Choices) {
    let Some(index) = (!new.enums.is_empty()).then(|| choices.below(new.enums.len())) else {
        return;
    };
    let Some(enum_type) = new.enums.get_mut(index) else {
        return;
    };
    let name = enum_type.name.clone();
    if choices.chance(70) {
        let used: BTreeSet<String> = enum_type.values.iter().cloned().collect();
        let Some(label) = choices.pick_fresh(LABELS, &used) else {
            return;
        };
        let position = choices.below(enum_type.values.len() + 1);
        enum_type.values.insert(position, label.clone());
        if choices.chance(50) {
            set_default_of_enum_columns(new, &name, None, &literal(&label), choices);
        }
        return;
    }
    if enum_type.values.len() < 2 {
        return;
    }
    if choices.chance(50) {
        let removed = enum_type
            .values
            .remove(choices.below(enum_type.values.len()));
        let replacement = literal(
            enum_type
                .values
                .first()
                .map(String::as_str)
                .unwrap_or_default(),
        );
        set_default_of_enum_columns(new, &name, Some(&literal(&removed)), &replacement, choices);
    } else {
        let last = enum_type.values.len() - 1;
        enum_type.values.swap(0, last);
    }
}

/// Sets `default` on scalar columns of enum `name` whose default is `only`
/// (all of them when `only` is `None`, each with some chance).
fn set_default_of_enum_columns(
    new: &mut Schema,
    name: &QualifiedName,
    only: Option<&str>,
    default: &str,
    choices: &mut Choices,
) {
    for table in &mut new.tables {
        for column in &mut table.columns {
            let of_enum = matches!(&column.ty.base, BaseType::Enum(e) if e == name)
                && column.ty.array_dims == 0;
            if !of_enum || column.generated.is_some() {
                continue;
            }
            match only {
                Some(only) if column.default.as_deref() == Some(only) => {
                    column.default = Some(default.to_string())
                }
                None if choices.chance(50) => column.default = Some(default.to_string()),
                _ => {}
            }
        }
    }
}

/// Renames an enum, or moves it to another schema, or both; the hint names
/// what `old` calls it, and the columns of the type follow it.
fn rename_random_enum(old: &Schema, new: &mut Schema, choices: &mut Choices) {
    let Some(index) = (!new.enums.is_empty()).then(|| choices.below(new.enums.len())) else {
        return;
    };
    let Some(from) = new.enums.get(index).map(|e| e.name.clone()) else {
        return;
    };
    let schemas = available_schemas(new);
    let target_schema = if choices.chance(30) {
        choices
            .pick(&schemas)
            .cloned()
            .unwrap_or_else(|| from.schema.clone())
    } else {
        from.schema.clone()
    };
    let taken = taken_relation_names(&[old, new], &target_schema);
    let Some(to_name) = choices.pick_fresh(ENUM_NAMES, &taken) else {
        return;
    };
    let to = QualifiedName::new(target_schema, to_name);
    let Some(enum_type) = new.enums.get_mut(index) else {
        return;
    };
    // Hints are written `schema.name`; enum and schema names hold no dot.
    let original = match &enum_type.renamed_from {
        Some(hint) => hint
            .split_once('.')
            .map(|(schema, name)| QualifiedName::new(schema, name)),
        None => old.enum_type(&from).map(|_| from.clone()),
    };
    enum_type.renamed_from =
        original.map(|original| format!("{}.{}", original.schema, original.name));
    enum_type.name = to.clone();
    for table in &mut new.tables {
        for column in &mut table.columns {
            if matches!(&column.ty.base, BaseType::Enum(e) if *e == from) {
                column.ty.base = BaseType::Enum(to.clone());
            }
        }
    }
}

fn drop_random_enum(new: &mut Schema, choices: &mut Choices) {
    let Some(enum_type) = choices.pick(&new.enums).cloned() else {
        return;
    };
    for table in &mut new.tables {
        for column in &mut table.columns {
            if matches!(&column.ty.base, BaseType::Enum(e) if *e == enum_type.name) {
                column.ty.base = BaseType::Builtin("text".to_string());
            }
        }
    }
    new.enums.retain(|e| e.name != enum_type.name);
}

fn drop_random_table_item(new: &mut Schema, choices: &mut Choices) {
    let Some(table_name) = pick_table(new, choices) else {
        return;
    };
    let Some(table) = table_mut(new, &table_name) else {
        return;
    };
    match choices.below(4) {
        0 => {
            if !table.uniques.is_empty() {
                let unique = table.uniques.remove(choices.below(table.uniques.len()));
                drop_foreign_keys_onto(new, &table_name, &unique.columns);
            }
        }
        1 => {
            if !table.checks.is_empty() {
                table.checks.remove(choices.below(table.checks.len()));
            }
        }
        2 => {
            if !table.indexes.is_empty() {
                table.indexes.remove(choices.below(table.indexes.len()));
            }
        }
        _ => {
            if !table.foreign_keys.is_empty() {
                table
                    .foreign_keys
                    .remove(choices.below(table.foreign_keys.len()));
            }
        }
    }
}

/// Anything goes: duplicate and dangling names, impossible types,
/// contradictory column features, hints that point nowhere.
fn build_unchecked_schema(choices: &mut Choices) -> Schema {
    const NAMES: &[&str] = &["a", "b", "A b", "it's", "x\"y"];
    const TYPES: &[&str] = &["integer", "text", "bogus type", "bigint", ""];
    const EXPRESSIONS: &[&str] = &["0", "'l'", "nonsense(", "a + 1", ""];
    let pick_name = |choices: &mut Choices| choices.pick(NAMES).copied().unwrap_or("a").to_string();
    let pick_names = |choices: &mut Choices| -> Vec<String> {
        let count = choices.below(3);
        (0..count)
            .map(|_| choices.pick(NAMES).copied().unwrap_or("a").to_string())
            .collect()
    };
    let pick_qualified = |choices: &mut Choices| {
        let schema = if choices.chance(30) { "app" } else { "public" };
        QualifiedName::new(schema, choices.pick(NAMES).copied().unwrap_or("a"))
    };
    let pick_optional = |choices: &mut Choices, pool: &[&str]| {
        if choices.chance(40) {
            choices.pick(pool).map(|s| s.to_string())
        } else {
            None
        }
    };
    let mut schema = Schema {
        schemas: pick_names(choices),
        ..Schema::default()
    };
    let enum_count = choices.below(3);
    for _ in 0..enum_count {
        let values = pick_names(choices);
        schema.enums.push(Enum {
            name: pick_qualified(choices),
            values,
            comment: pick_optional(choices, NAMES),
            renamed_from: pick_optional(choices, &["a", "b", "app.a", "nowhere.z", "A b"]),
            source: None,
        });
    }
    let table_count = choices.below(4);
    for _ in 0..table_count {
        let mut table = Table {
            comment: pick_optional(choices, NAMES),
            row_level_security: choices.chance(20),
            force_row_level_security: choices.chance(20),
            partition_by: None,
            partition_of: None,
            renamed_from: pick_optional(choices, &["a", "b", "app.a", "nowhere.z", "A b"]),
            storage_parameters: pick_optional(choices, &["fillfactor=70", "a b='c", "x"])
                .into_iter()
                .collect(),
            ..Table::new(pick_qualified(choices))
        };
        let column_count = choices.below(4);
        for _ in 0..column_count {
            let base = if choices.chance(20) {
                BaseType::Enum(pick_qualified(choices))
            } else {
                BaseType::Builtin(
                    choices
                        .pick(TYPES)
                        .copied()
                        .unwrap_or("integer")
                        .to_string(),
                )
            };
            let array_dims = u8::try_from(choices.below(3)).unwrap_or(0);
            table.columns.push(Column {
                name: pick_name(choices),
                ty: ColumnType { base, array_dims },
                nullable: choices.chance(50),
                default: pick_optional(choices, EXPRESSIONS),
                identity: if choices.chance(20) {
                    Some(Identity::Always)
                } else {
                    None
                },
                serial: choices.chance(20),
                generated: pick_optional(choices, EXPRESSIONS),
                collation: pick_optional(choices, NAMES),
                comment: pick_optional(choices, NAMES),
                renamed_from: pick_optional(choices, NAMES),
                source: None,
            });
        }
        if choices.chance(50) {
            table.primary_key = Some(
                PrimaryKey::new(pick_name(choices), pick_names(choices))
                    .with_deferrable(random_deferral(choices)),
            );
        }
        let item_count = choices.below(5);
        for _ in 0..item_count {
            match choices.below(5) {
                0 => table.uniques.push(
                    Unique::new(pick_name(choices), pick_names(choices))
                        .with_deferrable(random_deferral(choices)),
                ),
                1 => table.checks.push(
                    Check::new(pick_name(choices), pick_name(choices))
                        .with_not_valid(choices.chance(50)),
                ),
                2 => {
                    let key = if choices.chance(50) {
                        IndexKey::Columns(pick_names(choices))
                    } else {
                        IndexKey::Expression(pick_name(choices))
                    };
                    let index = Index::new(pick_name(choices), key)
                        .with_unique(choices.chance(50))
                        .with_method(
                            choices
                                .pick(&["btree", "gin", "", "Weird Method"])
                                .copied()
                                .unwrap_or("btree"),
                        )
                        .with_predicate(pick_optional(choices, EXPRESSIONS))
                        .with_key_options(vec![KeyOptions::new(
                            choices.chance(50),
                            Some(NullsOrder::First),
                            pick_optional(choices, NAMES),
                            pick_optional(choices, NAMES),
                        )])
                        .with_include(pick_names(choices))
                        .with_storage_parameters(
                            pick_optional(choices, &["fillfactor=70", "a b='c"])
                                .into_iter()
                                .collect(),
                        );
                    table.indexes.push(index);
                }
                3 => table.exclusions.push(
                    Exclusion::new(
                        pick_name(choices),
                        choices
                            .pick(&["gist", "Weird Method"])
                            .copied()
                            .unwrap_or("gist"),
                        pick_name(choices),
                    )
                    .with_predicate(pick_optional(choices, EXPRESSIONS))
                    .with_deferrable(random_deferral(choices)),
                ),
                _ => table.foreign_keys.push(
                    ForeignKey::new(
                        pick_name(choices),
                        pick_names(choices),
                        pick_qualified(choices),
                        pick_names(choices),
                    )
                    .with_actions(ForeignKeyAction::Cascade, ForeignKeyAction::SetNull)
                    .with_deferrable(random_deferral(choices))
                    .with_not_valid(choices.chance(50)),
                ),
            }
        }
        schema.tables.push(table);
    }
    if choices.chance(50) {
        schema.canonicalize();
    }
    schema
}

/// A schema pair in which tables and columns trade names, built by
/// [`arbitrary_rename_shuffle`], with where everything of `new` comes from.
#[derive(Debug, Clone)]
pub struct RenameShuffle {
    pub old: Schema,
    pub new: Schema,
    /// The renames declared on the command line rather than by a
    /// `renamed_from` hint in `new`.
    pub renames: Vec<crate::diff::Rename>,
    /// Each table of `new` and the table of `old` it continues, with each
    /// of its columns and the old column it continues.
    pub origins: Vec<TableOrigin>,
}

/// Where a table of [`RenameShuffle::new`] comes from.
#[derive(Debug, Clone)]
pub struct TableOrigin {
    pub table: QualifiedName,
    pub from: QualifiedName,
    /// `(new column, old column)`.
    pub columns: Vec<(String, String)>,
}

const SHUFFLED_TABLES: &[&str] = &["a", "b", "c", "d", "e"];
const SHUFFLED_COLUMNS: &[&str] = &["c1", "c2", "c3", "c4", "c5"];

/// Plain tables (an `id` primary key named after the table, text columns,
/// an index named after the table and its first column) in `public` and
/// `app`, and the same tables with names traded: chains (`a` → `b`, `b` →
/// `c`), swaps, longer cycles and moves between the schemas, for tables and
/// for the columns of each table; some tables and columns are dropped, and
/// their names may be taken by others. Every rename is declared by a
/// `renamed_from` hint or, now and then, on the command line; nothing is
/// created, so nothing is ambiguous.
pub fn arbitrary_rename_shuffle() -> impl Strategy<Value = RenameShuffle> {
    vec(any::<u32>(), 0..120).prop_map(|values| build_rename_shuffle(&mut Choices::new(values)))
}

fn shuffled_table(name: &QualifiedName, columns: &[String]) -> Table {
    let mut all = vec![Column {
        nullable: false,
        ..plain_column("id", builtin("integer"))
    }];
    all.extend(
        columns
            .iter()
            .map(|column| plain_column(column, builtin("text"))),
    );
    Table {
        primary_key: Some(PrimaryKey::new(
            format!("{}_pkey", name.name),
            vec!["id".to_string()],
        )),
        indexes: columns
            .first()
            .map(|first| {
                Index::new(
                    format!("{}_{first}_idx", name.name),
                    IndexKey::Columns(vec![first.clone()]),
                )
            })
            .into_iter()
            .collect(),
        columns: all,
        ..Table::new(name.clone())
    }
}

/// Targets for `sources` drawn from `pool`: each source is kept (with
/// probability `keep` %) under a name not given yet, preferably the name of
/// another source, so that names are reused.
fn shuffled_names<N: Clone + Ord>(
    sources: &[N],
    pool: &[N],
    keep: u32,
    choices: &mut Choices,
) -> Vec<Option<N>> {
    let mut given: BTreeSet<N> = BTreeSet::new();
    let mut targets = Vec::new();
    for _ in sources {
        if !choices.chance(keep) {
            targets.push(None);
            continue;
        }
        let reused: Vec<&N> = sources
            .iter()
            .filter(|name| !given.contains(*name))
            .collect();
        let free: Vec<&N> = pool.iter().filter(|name| !given.contains(*name)).collect();
        let target = if choices.chance(70) && !reused.is_empty() {
            choices.pick(&reused).map(|name| (*name).clone())
        } else {
            choices.pick(&free).map(|name| (*name).clone())
        };
        if let Some(target) = &target {
            given.insert(target.clone());
        }
        targets.push(target);
    }
    targets
}

fn build_rename_shuffle(choices: &mut Choices) -> RenameShuffle {
    use crate::diff::Rename;
    let pool: Vec<QualifiedName> = ["public", "app"]
        .iter()
        .flat_map(|schema| {
            SHUFFLED_TABLES
                .iter()
                .map(|name| QualifiedName::new(*schema, *name))
        })
        .collect();
    let column_pool: Vec<String> = SHUFFLED_COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut table_names: Vec<QualifiedName> = Vec::new();
    for _ in 0..1 + choices.below(4) {
        let schema = if choices.chance(25) { "app" } else { "public" };
        let name = QualifiedName::new(
            schema,
            SHUFFLED_TABLES[choices.below(SHUFFLED_TABLES.len())],
        );
        if !table_names.contains(&name) {
            table_names.push(name);
        }
    }
    let mut old = Schema::default();
    let mut columns_of: Vec<Vec<String>> = Vec::new();
    for name in &table_names {
        let mut columns: Vec<String> = Vec::new();
        for _ in 0..choices.below(4) {
            let column = SHUFFLED_COLUMNS[choices.below(SHUFFLED_COLUMNS.len())].to_string();
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
        old.tables.push(shuffled_table(name, &columns));
        columns_of.push(columns);
    }
    let targets = shuffled_names(&table_names, &pool, 90, choices);
    let mut new = Schema::default();
    let mut renames = Vec::new();
    let mut origins = Vec::new();
    for ((from, columns), target) in table_names.iter().zip(&columns_of).zip(targets) {
        let Some(to) = target else {
            continue;
        };
        let column_targets = shuffled_names(columns, &column_pool, 85, choices);
        let mut column_origins = Vec::new();
        let mut hints = Vec::new();
        for (old_column, new_column) in columns.iter().zip(column_targets) {
            let Some(new_column) = new_column else {
                continue;
            };
            if &new_column != old_column {
                if choices.chance(20) {
                    renames.push(Rename::Column {
                        table: to.clone(),
                        from: old_column.clone(),
                        to: new_column.clone(),
                    });
                } else {
                    hints.push((new_column.clone(), old_column.clone()));
                }
            }
            column_origins.push((new_column, old_column.clone()));
        }
        let new_columns: Vec<String> = column_origins.iter().map(|(c, _)| c.clone()).collect();
        let mut table = shuffled_table(&to, &new_columns);
        for (column, hint) in hints {
            if let Some(found) = table.columns.iter_mut().find(|c| c.name == column) {
                found.renamed_from = Some(hint);
            }
        }
        if &to != from {
            if choices.chance(20) {
                renames.push(Rename::Table {
                    from: from.clone(),
                    to: to.clone(),
                });
            } else {
                table.renamed_from = Some(if from.schema == to.schema {
                    from.name.clone()
                } else {
                    from.to_string()
                });
            }
        }
        new.tables.push(table);
        origins.push(TableOrigin {
            table: to,
            from: from.clone(),
            columns: column_origins,
        });
    }
    for schema in [&mut old, &mut new] {
        if schema.tables.iter().any(|table| table.name.schema == "app") {
            schema.schemas.push("app".to_string());
        }
        schema.canonicalize();
    }
    RenameShuffle {
        old,
        new,
        renames,
        origins,
    }
}
