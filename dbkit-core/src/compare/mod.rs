//! Comparison of a declared schema with an introspected one, in PostgreSQL's canonical forms.
//!
//! PostgreSQL stores expressions as trees and prints them back its own way:
//! `age >= 0` comes back as `(age >= 0)`, `'x'` as `'x'::text`, `-1` as
//! `'-1'::integer`, `a > 0 AND b > 0` as `((a > 0) AND (b > 0))`, a varchar
//! column compared with a literal as `((code)::text = 'x'::text)`. Types come
//! back in `format_type` spelling (`character varying(320)` for
//! `varchar(320)`). [`canonical_schema`] rewrites a schema so that what a
//! user wrote and what PostgreSQL printed for it become equal:
//!
//! - expressions (defaults, generated columns, checks, index keys and
//!   predicates) are parsed and printed back fully parenthesised, lowercase
//!   outside quotes, with identifiers quoted only when they must be, every
//!   cast dropped (casts are either implicit ones PostgreSQL shows or
//!   decorations of literals, so they never tell two round-tripped schemas
//!   apart), numeric strings as numbers (`'-1'` = `-1`), `!=` as `<>`,
//!   `LIKE` as `~~`, `IN (…)` as `= ANY (ARRAY[…])`, `BETWEEN` as two
//!   comparisons and nested `AND`/`OR` flattened. Text that does not parse
//!   is compared with its whitespace and case outside quotes normalised;
//! - types are spelled the `format_type` way by the one table of
//!   spellings, [`crate::types::canonical_type`] (`int` → `integer`,
//!   `timestamptz` → `timestamp with time zone`, `numeric(10, 2)` →
//!   `numeric(10,2)`);
//! - columns that PostgreSQL makes `NOT NULL` (primary key, identity and
//!   serial columns) are not nullable, serial and identity columns have no
//!   default, empty comments are no comment, index methods are lowercase
//!   (`btree` when none is given) and an expression index whose keys are
//!   all plain columns is a column index;
//! - an extension in `public` has no schema; a generic object is its kind,
//!   identity and definition, compared with whitespace, comments and the
//!   case of unquoted words normalised;
//! - storage parameters are sorted by name, operator classes and access
//!   methods lowercase, and exclusion elements compared element by element
//!   in the canonical expression form (`compare/exclusion.rs`);
//! - hints and source locations are cleared and the schema list holds every
//!   schema but `public` that holds something or was declared.
//!
//! [`schema_differences`] lists, object by object, where two schemas differ
//! after that normalisation.

mod exclusion;
mod expression;
mod functions;
mod partition;
mod policy;
mod user_types;
mod views;

pub use expression::normalize_expression;
pub(crate) use partition::canonical_partition_by;

use crate::model::{BaseType, Column, ColumnType, Enum, Index, IndexKey, Schema, SqlObject, Table};
use crate::types::canonical_type;
use expression::{KeyList, canonical_key_list};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// `schema` with every part in canonical form, ready for `assert_eq!`
/// against another canonical schema.
pub fn canonical_schema(schema: &Schema) -> Schema {
    let mut canonical = schema.clone();
    let mut schema_names: BTreeSet<String> = canonical.schemas.iter().cloned().collect();
    schema_names.extend(
        canonical
            .tables
            .iter()
            .map(|table| table.name.schema.clone()),
    );
    schema_names.extend(
        canonical
            .enums
            .iter()
            .map(|enum_type| enum_type.name.schema.clone()),
    );
    schema_names.extend(user_types::schema_names(&canonical));
    schema_names.extend(canonical.views.iter().map(|view| view.name.schema.clone()));
    schema_names.extend(canonical.functions.iter().map(|f| f.name.schema.clone()));
    schema_names.extend(
        canonical
            .extensions
            .iter()
            .filter_map(crate::resolve::extension_user_schema),
    );
    schema_names.remove("public");
    canonical.schemas = schema_names.into_iter().collect();
    for view in &mut canonical.views {
        views::canonicalize_view(view);
    }
    for enum_type in &mut canonical.enums {
        canonicalize_enum(enum_type);
    }
    for table in &mut canonical.tables {
        canonicalize_table(table);
    }
    for extension in &mut canonical.extensions {
        extension.source = None;
        if extension.schema.as_deref() == Some("public") {
            extension.schema = None;
        }
    }
    for object in &mut canonical.objects {
        canonicalize_sql_object(object);
    }
    user_types::canonicalize(&mut canonical);
    for function in &mut canonical.functions {
        functions::canonicalize_function(function);
    }
    for trigger in &mut canonical.triggers {
        functions::canonicalize_trigger(trigger);
    }
    for policy in &mut canonical.policies {
        policy::canonicalize_policy(policy);
    }
    canonical.canonicalize();
    canonical
}

/// A generic object is its kind, identity and definition (compared token
/// by token); how it is dropped and the names it says it uses are for the
/// differ, and a database knows neither.
fn canonicalize_sql_object(object: &mut SqlObject) {
    object.source = None;
    object.drop = None;
    object.depends_on.clear();
    object.definition = crate::sql_tokens::normalize_sql(&object.definition);
}

fn canonical_comment(comment: &mut Option<String>) {
    if comment.as_deref().is_some_and(str::is_empty) {
        *comment = None;
    }
}

fn canonicalize_enum(enum_type: &mut Enum) {
    enum_type.renamed_from = None;
    enum_type.source = None;
    canonical_comment(&mut enum_type.comment);
}

fn canonicalize_table(table: &mut Table) {
    table.renamed_from = None;
    table.source = None;
    canonical_comment(&mut table.comment);
    let primary_key_columns: Vec<String> = table
        .primary_key
        .iter()
        .flat_map(|key| key.columns.iter().cloned())
        .collect();
    for column in &mut table.columns {
        canonicalize_column(column, primary_key_columns.contains(&column.name));
    }
    for foreign_key in &mut table.foreign_keys {
        foreign_key.source = None;
    }
    for check in &mut table.checks {
        check.expr = normalize_expression(&check.expr);
    }
    for index in &mut table.indexes {
        canonicalize_index(index);
    }
    crate::model::sort_storage_parameters(&mut table.storage_parameters);
    for exclusion in &mut table.exclusions {
        exclusion.method = exclusion.method.trim().to_lowercase();
        exclusion.elements = exclusion::canonical_elements(&exclusion.elements);
        exclusion.predicate = exclusion.predicate.as_deref().map(normalize_expression);
    }
    table.partition_by = table
        .partition_by
        .as_deref()
        .map(partition::canonical_partition_by);
    if let Some(partition_of) = &mut table.partition_of {
        partition_of.bounds = partition::canonical_bounds(&partition_of.bounds);
    }
}

fn canonicalize_column(column: &mut Column, in_primary_key: bool) {
    column.renamed_from = None;
    column.source = None;
    column.ty = canonical_column_type(&column.ty);
    canonical_comment(&mut column.comment);
    if column.serial || column.identity.is_some() {
        column.default = None;
    }
    if column.serial || column.identity.is_some() || in_primary_key {
        column.nullable = false;
    }
    column.default = column.default.as_deref().map(normalize_expression);
    column.generated = column.generated.as_deref().map(normalize_expression);
}

fn canonicalize_index(index: &mut Index) {
    index.method = if index.method.trim().is_empty() {
        "btree".to_string()
    } else {
        index.method.trim().to_lowercase()
    };
    index.predicate = index.predicate.as_deref().map(normalize_expression);
    crate::model::sort_storage_parameters(&mut index.storage_parameters);
    let key_options = std::mem::take(&mut index.key_options)
        .into_iter()
        .map(|mut options| {
            options.opclass = options.opclass.map(|opclass| opclass.to_lowercase());
            options
        })
        .collect();
    index.key_options = crate::model::canonical_key_options(key_options);
    if let IndexKey::Expression(text) = &index.key {
        index.key = match canonical_key_list(text) {
            KeyList::Columns(columns) => IndexKey::Columns(columns),
            KeyList::Expressions(text) => IndexKey::Expression(text),
        };
    }
}

/// The type with its base spelled the `format_type` way, by the one
/// table of spellings, [`crate::types::canonical_type`].
pub fn canonical_column_type(ty: &ColumnType) -> ColumnType {
    let base = match &ty.base {
        BaseType::Builtin(name) => BaseType::Builtin(canonical_type(name)),
        other => other.clone(),
    };
    ColumnType {
        base,
        array_dims: ty.array_dims,
    }
}

// ---------------------------------------------------------------------------
// Differences

/// One way two schemas differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What kind of object: `schema`, `enum`, `table`, `column`,
    /// `primary key`, `foreign key`, `unique constraint`,
    /// `check constraint`, `index`, `sequence`, `domain` or
    /// `composite type`.
    pub kind: &'static str,
    /// Its qualified name: `public.users`, `public.users.email` for a
    /// column, `public.users_email_key` for a constraint or an index.
    pub name: String,
    pub change: DifferenceChange,
}

/// What differs about the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DifferenceChange {
    /// In the expected schema, not in the actual one.
    Missing,
    /// In the actual schema, not in the expected one.
    Unexpected,
    /// In both, with a field that differs; the values in Rust's `Debug`
    /// form of the canonical model.
    Field {
        field: &'static str,
        expected: String,
        found: String,
    },
}

impl Difference {
    /// `column public.users.email`.
    pub fn object(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.kind, self.name)?;
        match &self.change {
            DifferenceChange::Missing => write!(f, "expected, but missing"),
            DifferenceChange::Unexpected => write!(f, "present, but not expected"),
            DifferenceChange::Field {
                field,
                expected,
                found,
            } => write!(f, "{field}: expected {expected}, found {found}"),
        }
    }
}

/// An object being compared: its kind and qualified name.
struct Object {
    kind: &'static str,
    name: String,
}

impl Object {
    fn difference(&self, change: DifferenceChange) -> Difference {
        Difference {
            kind: self.kind,
            name: self.name.clone(),
            change,
        }
    }
}

/// Where `actual` differs from `expected`, object by object, after both are
/// put in canonical form. Empty when they are equal.
pub fn schema_differences(expected: &Schema, actual: &Schema) -> Vec<Difference> {
    let expected = canonical_schema(expected);
    let actual = canonical_schema(actual);
    let mut differences = Vec::new();
    compare_named(
        &mut differences,
        "schema",
        &expected
            .schemas
            .iter()
            .map(|name| (name.clone(), name))
            .collect(),
        &actual
            .schemas
            .iter()
            .map(|name| (name.clone(), name))
            .collect(),
        |_, _, _, _| {},
    );
    compare_named(
        &mut differences,
        "enum",
        &expected
            .enums
            .iter()
            .map(|e| (e.name.to_string(), e))
            .collect(),
        &actual
            .enums
            .iter()
            .map(|e| (e.name.to_string(), e))
            .collect(),
        |differences, object, expected, actual| {
            compare_field(
                differences,
                object,
                "labels",
                &expected.values,
                &actual.values,
            );
            compare_field(
                differences,
                object,
                "comment",
                &expected.comment,
                &actual.comment,
            );
        },
    );
    compare_named(
        &mut differences,
        "table",
        &expected
            .tables
            .iter()
            .map(|t| (t.name.to_string(), t))
            .collect(),
        &actual
            .tables
            .iter()
            .map(|t| (t.name.to_string(), t))
            .collect(),
        |differences, _, expected, actual| compare_tables(differences, expected, actual),
    );
    compare_named(
        &mut differences,
        "extension",
        &expected
            .extensions
            .iter()
            .map(|e| (e.name.clone(), e))
            .collect(),
        &actual
            .extensions
            .iter()
            .map(|e| (e.name.clone(), e))
            .collect(),
        |differences, object, expected, actual| {
            compare_field(
                differences,
                object,
                "schema",
                &expected.schema,
                &actual.schema,
            );
        },
    );
    compare_named(
        &mut differences,
        "object",
        &expected
            .objects
            .iter()
            .map(|o| (format!("{} {}", o.kind, o.identity), o))
            .collect(),
        &actual
            .objects
            .iter()
            .map(|o| (format!("{} {}", o.kind, o.identity), o))
            .collect(),
        |differences, object, expected, actual| {
            compare_field(
                differences,
                object,
                "definition",
                &expected.definition,
                &actual.definition,
            );
        },
    );
    user_types::differences(&expected, &actual, &mut differences);
    views::compare_views(&mut differences, &expected.views, &actual.views);
    functions::compare_functions(&mut differences, &expected, &actual);
    policy::compare_policies(&mut differences, &expected.policies, &actual.policies);
    differences
}

/// Formats differences one per line, for test failures and reports.
pub fn format_differences(differences: &[Difference]) -> String {
    differences
        .iter()
        .map(|difference| format!("  - {difference}\n"))
        .collect()
}

fn compare_named<T>(
    differences: &mut Vec<Difference>,
    kind: &'static str,
    expected: &BTreeMap<String, T>,
    actual: &BTreeMap<String, T>,
    compare: impl Fn(&mut Vec<Difference>, &Object, &T, &T),
) {
    for (name, expected_item) in expected {
        let object = Object {
            kind,
            name: name.clone(),
        };
        match actual.get(name) {
            Some(actual_item) => compare(differences, &object, expected_item, actual_item),
            None => differences.push(object.difference(DifferenceChange::Missing)),
        }
    }
    for name in actual.keys().filter(|name| !expected.contains_key(*name)) {
        let object = Object {
            kind,
            name: name.clone(),
        };
        differences.push(object.difference(DifferenceChange::Unexpected));
    }
}

/// `items` keyed by `<schema>.<name>`, the way differences name them.
fn by_qualified_name<'a, T>(
    schema: &str,
    items: impl IntoIterator<Item = &'a T>,
    name: impl Fn(&T) -> &String,
) -> BTreeMap<String, &'a T> {
    items
        .into_iter()
        .map(|item| (format!("{schema}.{}", name(item)), item))
        .collect()
}

fn compare_field<T: PartialEq + fmt::Debug>(
    differences: &mut Vec<Difference>,
    object: &Object,
    field: &'static str,
    expected: &T,
    actual: &T,
) {
    if expected != actual {
        differences.push(object.difference(DifferenceChange::Field {
            field,
            expected: format!("{expected:?}"),
            found: format!("{actual:?}"),
        }));
    }
}

fn compare_tables(differences: &mut Vec<Difference>, expected: &Table, actual: &Table) {
    let table = &expected.name;
    let object = Object {
        kind: "table",
        name: table.to_string(),
    };
    compare_field(
        differences,
        &object,
        "comment",
        &expected.comment,
        &actual.comment,
    );
    compare_field(
        differences,
        &object,
        "row level security",
        &expected.row_level_security,
        &actual.row_level_security,
    );
    compare_field(
        differences,
        &object,
        "partition_by",
        &expected.partition_by,
        &actual.partition_by,
    );
    compare_field(
        differences,
        &object,
        "force row level security",
        &expected.force_row_level_security,
        &actual.force_row_level_security,
    );
    compare_field(
        differences,
        &object,
        "partition_of",
        &expected.partition_of,
        &actual.partition_of,
    );
    let names = |table: &Table| {
        table
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    let expected_order = names(expected);
    let actual_order = names(actual);
    let expected_set: BTreeSet<&String> = expected_order.iter().collect();
    if expected_set == actual_order.iter().collect() {
        compare_field(
            differences,
            &object,
            "column order",
            &expected_order,
            &actual_order,
        );
    }
    compare_named(
        differences,
        "column",
        &expected
            .columns
            .iter()
            .map(|c| (format!("{table}.{}", c.name), c))
            .collect(),
        &actual
            .columns
            .iter()
            .map(|c| (format!("{table}.{}", c.name), c))
            .collect(),
        |differences, object, expected: &&Column, actual: &&Column| {
            compare_field(differences, object, "type", &expected.ty, &actual.ty);
            compare_field(
                differences,
                object,
                "nullable",
                &expected.nullable,
                &actual.nullable,
            );
            compare_field(
                differences,
                object,
                "default",
                &expected.default,
                &actual.default,
            );
            compare_field(
                differences,
                object,
                "identity",
                &expected.identity,
                &actual.identity,
            );
            compare_field(
                differences,
                object,
                "serial",
                &expected.serial,
                &actual.serial,
            );
            compare_field(
                differences,
                object,
                "generated",
                &expected.generated,
                &actual.generated,
            );
            compare_field(
                differences,
                object,
                "comment",
                &expected.comment,
                &actual.comment,
            );
            compare_field(
                differences,
                object,
                "collation",
                &expected.collation,
                &actual.collation,
            );
        },
    );
    compare_field(
        differences,
        &object,
        "storage parameters",
        &expected.storage_parameters,
        &actual.storage_parameters,
    );
    let schema = &table.schema;
    compare_named(
        differences,
        "primary key",
        &by_qualified_name(schema, expected.primary_key.iter(), |key| &key.name),
        &by_qualified_name(schema, actual.primary_key.iter(), |key| &key.name),
        |d, o, e, a| {
            compare_field(d, o, "columns", &e.columns, &a.columns);
            compare_field(d, o, "deferrable", &e.deferrable, &a.deferrable);
        },
    );
    compare_named(
        differences,
        "foreign key",
        &by_qualified_name(schema, &expected.foreign_keys, |key| &key.name),
        &by_qualified_name(schema, &actual.foreign_keys, |key| &key.name),
        |d, o, e, a| {
            compare_field(d, o, "columns", &e.columns, &a.columns);
            compare_field(d, o, "referenced table", &e.references, &a.references);
            compare_field(
                d,
                o,
                "referenced columns",
                &e.referenced_columns,
                &a.referenced_columns,
            );
            compare_field(d, o, "on delete", &e.on_delete, &a.on_delete);
            compare_field(d, o, "on update", &e.on_update, &a.on_update);
            compare_field(d, o, "deferrable", &e.deferrable, &a.deferrable);
            compare_field(d, o, "not valid", &e.not_valid, &a.not_valid);
        },
    );
    compare_named(
        differences,
        "unique constraint",
        &by_qualified_name(schema, &expected.uniques, |unique| &unique.name),
        &by_qualified_name(schema, &actual.uniques, |unique| &unique.name),
        |d, o, e, a| {
            compare_field(d, o, "columns", &e.columns, &a.columns);
            compare_field(d, o, "deferrable", &e.deferrable, &a.deferrable);
        },
    );
    compare_named(
        differences,
        "check constraint",
        &by_qualified_name(schema, &expected.checks, |check| &check.name),
        &by_qualified_name(schema, &actual.checks, |check| &check.name),
        |d, o, e, a| {
            compare_field(d, o, "expression", &e.expr, &a.expr);
            compare_field(d, o, "not valid", &e.not_valid, &a.not_valid);
        },
    );
    compare_named(
        differences,
        "index",
        &by_qualified_name(schema, &expected.indexes, |index| &index.name),
        &by_qualified_name(schema, &actual.indexes, |index| &index.name),
        |d, o, e, a| {
            compare_field(d, o, "key", &e.key, &a.key);
            compare_field(d, o, "unique", &e.unique, &a.unique);
            compare_field(d, o, "method", &e.method, &a.method);
            compare_field(d, o, "predicate", &e.predicate, &a.predicate);
            compare_field(d, o, "key options", &e.key_options, &a.key_options);
            compare_field(d, o, "include", &e.include, &a.include);
            compare_field(
                d,
                o,
                "storage parameters",
                &e.storage_parameters,
                &a.storage_parameters,
            );
        },
    );
    compare_named(
        differences,
        "exclusion constraint",
        &by_qualified_name(schema, &expected.exclusions, |exclusion| &exclusion.name),
        &by_qualified_name(schema, &actual.exclusions, |exclusion| &exclusion.name),
        |d, o, e, a| {
            compare_field(d, o, "method", &e.method, &a.method);
            compare_field(d, o, "elements", &e.elements, &a.elements);
            compare_field(d, o, "predicate", &e.predicate, &a.predicate);
            compare_field(d, o, "deferrable", &e.deferrable, &a.deferrable);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Check, PrimaryKey};

    #[test]
    fn type_names_take_the_format_type_spelling() {
        let cases = [
            ("int", "integer"),
            ("INT4", "integer"),
            ("int8", "bigint"),
            ("int2", "smallint"),
            ("bool", "boolean"),
            ("float8", "double precision"),
            ("float4", "real"),
            ("decimal(10, 2)", "numeric(10,2)"),
            ("numeric( 10 ,2 )", "numeric(10,2)"),
            ("varchar(320)", "character varying(320)"),
            ("varchar", "character varying"),
            ("char(3)", "character(3)"),
            ("char", "character(1)"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp", "timestamp without time zone"),
            ("timestamptz(3)", "timestamp(3) with time zone"),
            ("time", "time without time zone"),
            ("timetz", "time with time zone"),
            ("jsonb", "jsonb"),
            ("citext", "citext"),
            ("character varying(40)", "character varying(40)"),
            ("timestamp with time zone", "timestamp with time zone"),
        ];
        for (written, expected) in cases {
            assert_eq!(
                canonical_column_type(&ColumnType::builtin(written)),
                ColumnType::builtin(expected),
                "canonical spelling of `{written}`"
            );
        }
    }

    /// The comparison once had a table of spellings of its own that read
    /// `float(10)` as `double precision(10)`; PostgreSQL 15 makes
    /// `float(1)` to `float(24)` a `real`, and `float` and `float(25)` to
    /// `float(53)` a `double precision`, as the generator always did.
    #[test]
    fn float_precisions_compare_as_the_generator_spells_them() {
        for (written, expected) in [
            ("float", "double precision"),
            ("float(1)", "real"),
            ("float(10)", "real"),
            ("float(24)", "real"),
            ("float(25)", "double precision"),
            ("float(53)", "double precision"),
        ] {
            let declared = ColumnType::builtin(written);
            assert_eq!(
                canonical_column_type(&declared),
                ColumnType::builtin(expected),
                "comparison's spelling of `{written}`"
            );
            assert_eq!(
                canonical_column_type(&declared),
                canonical_column_type(&crate::types::parse_sql_type(written)),
                "the comparison and the generator agree on `{written}`"
            );
        }
    }

    fn sample_table() -> Table {
        use crate::model::{Identity, QualifiedName};
        let column = |name: &str, ty: &str| Column {
            renamed_from: Some("old".to_string()),
            ..Column::new(name, ColumnType::builtin(ty)).with_nullable(true)
        };
        let mut id = column("id", "int8");
        id.identity = Some(Identity::Always);
        let mut age = column("age", "int");
        age.default = Some("0".to_string());
        age.comment = Some(String::new());
        Table {
            checks: vec![Check::new("users_age_check", "age >= 0")],
            indexes: vec![
                Index::new(
                    "users_lower_email_idx",
                    IndexKey::Expression("lower(email)".to_string()),
                )
                .with_unique(true)
                .with_method("BTREE")
                .with_predicate(Some("email IS NOT NULL".to_string())),
                Index::new(
                    "users_email_idx",
                    IndexKey::Expression("\"email\"".to_string()),
                )
                .with_method(""),
            ],
            ..Table::new(QualifiedName::new("public", "users"))
                .with_columns(vec![id, age, column("email", "varchar(320)")])
                .with_primary_key(PrimaryKey::new("users_pkey", vec!["id".to_string()]))
        }
    }

    #[test]
    fn declared_and_printed_schemas_become_equal() {
        let declared = Schema {
            schemas: Vec::new(),
            enums: Vec::new(),
            tables: vec![sample_table()],
            ..Schema::default()
        };
        let mut printed = sample_table();
        for column in &mut printed.columns {
            column.renamed_from = None;
        }
        printed.columns[0].ty = ColumnType::builtin("bigint");
        printed.columns[0].nullable = false;
        printed.columns[1].ty = ColumnType::builtin("integer");
        printed.columns[1].comment = None;
        printed.columns[2].ty = ColumnType::builtin("character varying(320)");
        printed.checks[0].expr = "(age >= 0)".to_string();
        printed.indexes[0].method = "btree".to_string();
        printed.indexes[0].predicate = Some("(email IS NOT NULL)".to_string());
        printed.indexes[1].key = IndexKey::Columns(vec!["email".to_string()]);
        printed.indexes[1].method = "btree".to_string();
        let introspected = Schema {
            schemas: Vec::new(),
            enums: Vec::new(),
            tables: vec![printed],
            ..Schema::default()
        };
        assert_eq!(canonical_schema(&declared), canonical_schema(&introspected));
        assert_eq!(schema_differences(&declared, &introspected), Vec::new());
    }

    #[test]
    fn differences_name_each_object() {
        let declared = Schema {
            schemas: vec!["app".to_string()],
            enums: Vec::new(),
            tables: vec![sample_table()],
            ..Schema::default()
        };
        let mut changed = sample_table();
        changed.columns[1].default = Some("1".to_string());
        changed.checks.clear();
        changed.indexes[0].unique = false;
        let actual = Schema {
            schemas: Vec::new(),
            enums: Vec::new(),
            tables: vec![changed],
            ..Schema::default()
        };
        let lines: Vec<String> = schema_differences(&declared, &actual)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            vec![
                "schema app: expected, but missing".to_string(),
                "column public.users.age: default: expected Some(\"0\"), found Some(\"1\")"
                    .to_string(),
                "check constraint public.users_age_check: expected, but missing".to_string(),
                "index public.users_lower_email_idx: unique: expected true, found false"
                    .to_string(),
            ]
        );
    }
}
