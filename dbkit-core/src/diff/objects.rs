//! Objects defined by SQL text (views, functions, triggers, policies,
//! generic objects) and extensions: which of them a migration creates,
//! replaces and drops, and in what order around the tables' steps.
//!
//! **Identity and change.** An object is known by its key
//! ([`ObjectKey`]); it changes when its definition does, compared token by
//! token ([`crate::sql_tokens::normalize_sql`]): layout, comments and the
//! case of unquoted words are no change, anything else is. A changed object
//! is replaced in place where PostgreSQL can (`CREATE OR REPLACE` of a view
//! that only appends columns, of a function whose signature, argument names
//! and result stay), and dropped and created again otherwise.
//!
//! **Dependencies** are found by name: an object depends on every table,
//! view, function, type and object whose name it mentions
//! ([`crate::sql_tokens::mentioned_names`]), besides the table a trigger or
//! policy is on. Mentions are an over-approximation (a column or keyword
//! with a table's name counts), which costs at most a view recreated for
//! nothing; missing a dependency would cost a failed migration.
//!
//! **Around the tables.** PostgreSQL refuses to drop or retype a column a
//! view uses, and to drop a function a trigger calls, so before the
//! tables' steps every object is dropped that goes, that changes and
//! cannot be replaced, or that depends on something that does: a table
//! dropped or renamed, a column dropped, renamed or retyped, an enum
//! recreated or renamed, another object dropped. Dependents go first. After
//! the tables' steps (and their keys and foreign keys) the objects are
//! created and replaced, each after what it depends on. Functions and
//! generic objects (a domain, a sequence) that use no table or view and
//! that tables' column types, defaults, checks or index expressions may
//! use are created before the tables instead; objects such a table
//! expression uses are dropped after the tables' steps.
//!
//! **Extensions** are created first, before schemas' contents, and dropped
//! last.

use super::change::Change;
use super::renames::Renames;
use crate::model::{
    BaseType, Extension, Function, IndexKey, ObjectKey, QualifiedName, Schema, SchemaObject, Table,
    canonical_returns,
};
use crate::sql_tokens::{mentioned_names, normalize_sql};
use crate::types::canonical_type;
use std::collections::{BTreeMap, BTreeSet};

/// What the planner emits for objects, phase by phase.
#[derive(Debug, Default)]
pub(super) struct ObjectSteps {
    /// `CREATE EXTENSION`, first.
    pub extensions_created: Vec<Change>,
    /// Before the tables' steps, dependents first.
    pub drops: Vec<Change>,
    /// Before the tables are created: functions table expressions use.
    pub early_creates: Vec<Change>,
    /// After the tables' steps, in dependency order.
    pub creates: Vec<Change>,
    /// After the tables are dropped: objects old table expressions used.
    pub late_drops: Vec<Change>,
    /// `DROP EXTENSION`, last.
    pub extensions_dropped: Vec<Change>,
}

/// The steps for the objects and extensions of `old` and `new`.
pub(super) fn plan_objects(
    old: &Schema,
    new: &Schema,
    renames: &Renames,
    recreated_enums: &BTreeSet<QualifiedName>,
) -> ObjectSteps {
    let mut steps = ObjectSteps::default();
    plan_extensions(old, new, &mut steps);

    let old_objects: BTreeMap<ObjectKey, SchemaObject> =
        old.sql_objects().map(|o| (o.key(), o)).collect();
    let new_objects: BTreeMap<ObjectKey, SchemaObject> =
        new.sql_objects().map(|o| (o.key(), o)).collect();
    if old_objects.is_empty() && new_objects.is_empty() {
        return steps;
    }

    // What the tables' steps disturb, by every name an object may use. A
    // recreated enum converts every column of its type, which PostgreSQL
    // refuses while a view uses the column, so those tables count too.
    let mut disturbed: BTreeSet<String> = disturbed_names(old, new, renames);
    for name in recreated_enums {
        disturbed.insert(name.name.clone());
    }
    // Recreated enums by their old names too (an enum may be renamed and
    // recreated in one migration).
    let recreated_old_names: BTreeSet<&QualifiedName> = recreated_enums
        .iter()
        .map(|name| {
            renames
                .enums
                .iter()
                .find(|(_, to)| to == name)
                .map_or(name, |(from, _)| from)
        })
        .collect();
    for table in &old.tables {
        let uses_recreated_enum = table.columns.iter().any(|column| {
            matches!(&column.ty.base, BaseType::Enum(name) if recreated_old_names.contains(name))
        });
        if uses_recreated_enum {
            disturbed.insert(table.name.name.clone());
        }
    }
    for (from, to) in &renames.enums {
        if from != to {
            disturbed.insert(from.name.clone());
        }
    }

    let mut dropped: BTreeSet<ObjectKey> = BTreeSet::new();
    let mut replaced: BTreeSet<ObjectKey> = BTreeSet::new();
    for (key, old_object) in &old_objects {
        match new_objects.get(key) {
            None => {
                dropped.insert(key.clone());
            }
            Some(new_object) if !same_definition(old_object, new_object) => {
                if replaceable(old_object, new_object) {
                    replaced.insert(key.clone());
                } else {
                    dropped.insert(key.clone());
                }
            }
            Some(_) => {}
        }
    }

    // Dependents of anything disturbed or dropped go too, transitively
    // (what each object uses is read from its SQL only when something goes:
    // a change of one object's body reads no other).
    let uses: BTreeMap<&ObjectKey, BTreeSet<String>> = if disturbed.is_empty() && dropped.is_empty()
    {
        BTreeMap::new()
    } else {
        old_objects
            .iter()
            .map(|(k, o)| (k, object_uses(o)))
            .collect()
    };
    while !uses.is_empty() {
        let mut gone = disturbed.clone();
        gone.extend(dropped.iter().map(key_name));
        let more: Vec<ObjectKey> = old_objects
            .keys()
            .filter(|key| !dropped.contains(*key))
            .filter(|key| uses[key].iter().any(|name| gone.contains(name)))
            .cloned()
            .collect();
        if more.is_empty() {
            break;
        }
        for key in more {
            replaced.remove(&key);
            dropped.insert(key);
        }
    }

    // Objects that table expressions and types use: created before the
    // tables, dropped after them.
    let used_by_old_tables = if dropped.is_empty() {
        BTreeSet::new()
    } else {
        table_expression_names(old)
    };

    let drop_order = dependency_order(&old_objects, &dropped);
    for key in drop_order.into_iter().rev() {
        let object = old_objects[&key].clone();
        let change = Change::DropObject { object };
        if may_precede_tables(&key)
            && used_by_old_tables.contains(&key_name(&key))
            && !new_objects.contains_key(&key)
        {
            steps.late_drops.push(change);
        } else {
            steps.drops.push(change);
        }
    }

    let created: BTreeSet<ObjectKey> = new_objects
        .keys()
        .filter(|key| !old_objects.contains_key(*key) || dropped.contains(*key))
        .cloned()
        .collect();
    let mut wanted = created.clone();
    wanted.extend(replaced.iter().cloned());
    let order = dependency_order(&new_objects, &wanted);
    let early = if order.iter().any(may_precede_tables) {
        let used_by_new_tables = table_expression_names(new);
        let relation_names = relation_names(new);
        early_objects(&new_objects, &order, &used_by_new_tables, &relation_names)
    } else {
        BTreeSet::new()
    };
    for key in order {
        let object = new_objects[&key].clone();
        let change = if replaced.contains(&key) {
            Change::ReplaceObject {
                old: old_objects[&key].clone(),
                new: object,
            }
        } else {
            Change::CreateObject { object }
        };
        if early.contains(&key) {
            steps.early_creates.push(change);
        } else {
            steps.creates.push(change);
        }
    }
    steps
}

fn plan_extensions(old: &Schema, new: &Schema, steps: &mut ObjectSteps) {
    let old_names: BTreeMap<&str, &Extension> = old
        .extensions
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    let new_names: BTreeMap<&str, &Extension> = new
        .extensions
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    for (name, extension) in &new_names {
        if !old_names.contains_key(name) {
            steps.extensions_created.push(Change::CreateExtension {
                extension: (*extension).clone(),
            });
        }
    }
    for name in old_names.keys() {
        if !new_names.contains_key(name) {
            steps.extensions_dropped.push(Change::DropExtension {
                name: (*name).to_string(),
            });
        }
    }
}

/// Whether two objects with one key have the same definition: equal once
/// their SQL text is normalised and where they were declared is forgotten.
pub(crate) fn same_definition(a: &SchemaObject, b: &SchemaObject) -> bool {
    // Most objects are unchanged, as written: equal without reading their
    // SQL into tokens.
    without_source(a) == without_source(b) || comparable(a) == comparable(b)
}

fn without_source(object: &SchemaObject) -> SchemaObject {
    let mut object = object.clone();
    match &mut object {
        SchemaObject::View(view) => view.source = None,
        SchemaObject::Function(function) => function.source = None,
        SchemaObject::Trigger(trigger) => trigger.source = None,
        SchemaObject::Policy(policy) => policy.source = None,
        SchemaObject::Generic(object) => object.source = None,
    }
    object
}

fn comparable(object: &SchemaObject) -> SchemaObject {
    let mut object = object.clone();
    match &mut object {
        SchemaObject::View(view) => super::views::comparable(view),
        SchemaObject::Function(function) => comparable_function(function),
        SchemaObject::Trigger(trigger) => {
            trigger.source = None;
            trigger.when = trigger.when.as_deref().map(normalize_sql);
        }
        SchemaObject::Policy(policy) => {
            policy.source = None;
            policy.canonicalize_roles();
            policy.using = policy.using.as_deref().map(normalize_sql);
            policy.with_check = policy.with_check.as_deref().map(normalize_sql);
        }
        SchemaObject::Generic(object) => {
            object.source = None;
            object.definition = normalize_sql(&object.definition);
            object.drop = object.drop.as_deref().map(normalize_sql);
            object.depends_on.sort();
        }
    }
    object
}

/// A function with its types in canonical spelling and its body and
/// defaults as tokens.
fn comparable_function(function: &mut Function) {
    function.source = None;
    function.body = normalize_sql(&function.body);
    function.language = function.language.to_lowercase();
    function.returns = function.returns.as_deref().map(canonical_returns);
    for argument in &mut function.arguments {
        argument.ty = canonical_type(&argument.ty);
        argument.default = argument.default.as_deref().map(normalize_sql);
    }
}

/// Whether PostgreSQL can turn `old` into `new` in place.
fn replaceable(old: &SchemaObject, new: &SchemaObject) -> bool {
    match (old, new) {
        (SchemaObject::View(old), SchemaObject::View(new)) => super::views::replaceable(old, new),
        // CREATE OR REPLACE FUNCTION keeps the signature (the key), the
        // result type, the names and modes of the arguments, and every
        // default it had (it may add or change one, not remove one).
        (SchemaObject::Function(old), SchemaObject::Function(new)) => {
            let (old, new) = (
                comparable(&SchemaObject::Function(old.clone())),
                comparable(&SchemaObject::Function(new.clone())),
            );
            let (SchemaObject::Function(old), SchemaObject::Function(new)) = (old, new) else {
                return false;
            };
            old.procedure == new.procedure
                && old.returns == new.returns
                && old.arguments.len() == new.arguments.len()
                && old.arguments.iter().zip(&new.arguments).all(|(a, b)| {
                    a.mode == b.mode
                        && a.name == b.name
                        && a.ty == b.ty
                        && (a.default.is_none() || b.default.is_some())
                })
        }
        // ALTER POLICY changes the roles and the expressions.
        (SchemaObject::Policy(old), SchemaObject::Policy(new)) => old.alterable_to(new),
        _ => false,
    }
}

/// The names an object uses (see the module documentation).
fn object_uses(object: &SchemaObject) -> BTreeSet<String> {
    match object {
        SchemaObject::View(view) => mentioned_names(&view.query),
        SchemaObject::Function(function) => {
            let mut names = mentioned_names(&function.body);
            for argument in &function.arguments {
                names.extend(mentioned_names(&argument.ty));
                if let Some(default) = &argument.default {
                    names.extend(mentioned_names(default));
                }
            }
            if let Some(returns) = &function.returns {
                names.extend(mentioned_names(returns));
            }
            names
        }
        SchemaObject::Trigger(trigger) => {
            let mut names = trigger
                .when
                .as_deref()
                .map(mentioned_names)
                .unwrap_or_default();
            names.insert(trigger.table.name.clone());
            names.insert(trigger.function.name.clone());
            names
        }
        SchemaObject::Policy(policy) => {
            let mut names = BTreeSet::from([policy.table.name.clone()]);
            for text in policy.using.iter().chain(&policy.with_check) {
                names.extend(mentioned_names(text));
            }
            names
        }
        SchemaObject::Generic(object) => {
            let mut names = mentioned_names(&object.definition);
            // Its own name, which its definition mentions, is no use.
            names.remove(&generic_name(&object.identity));
            // A name, or an identity: an operator's
            // (`public.<<<(public.score,public.score)`) is known by its
            // symbol, which no text mentions as a name.
            for dependency in &object.depends_on {
                names.extend(mentioned_names(dependency));
                names.insert(generic_name(dependency));
            }
            names
        }
    }
}

/// A generic object of a table (a constraint, a trigger, a rule: its
/// identity is `name on table`), which no other object uses by name.
fn is_part_of_a_table(key: &ObjectKey) -> bool {
    matches!(key, ObjectKey::Generic { identity, .. } if identity.contains(" on "))
}

/// The name other objects use for the object `key` names.
fn key_name(key: &ObjectKey) -> String {
    match key {
        ObjectKey::View(name) | ObjectKey::Function(name, _) => name.name.clone(),
        ObjectKey::Trigger { name, .. } | ObjectKey::Policy { name, .. } => name.clone(),
        ObjectKey::Generic { identity, .. } => generic_name(identity),
    }
}

/// `public.group_concat(text)` → `group_concat`; an object of a table
/// (`users_pkey on public.users`, a trigger, a rule) by its own name; an
/// operator class or family without its access method
/// (`public.score_ops USING btree` → `score_ops`).
fn generic_name(identity: &str) -> String {
    let own = identity.split(" on ").next().unwrap_or(identity);
    let own = own.split(" USING ").next().unwrap_or(own);
    let before_arguments = own.split('(').next().unwrap_or(own);
    let last = before_arguments
        .rsplit('.')
        .next()
        .unwrap_or(before_arguments);
    let last = last.trim();
    match last.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => last.to_lowercase(),
    }
}

/// Kinds a table's column type or expression may use: functions, and
/// generic objects (a domain, a sequence, a collation, a type).
fn may_precede_tables(key: &ObjectKey) -> bool {
    matches!(key, ObjectKey::Function(..) | ObjectKey::Generic { .. })
}

/// Of `order` (the objects created, in dependency order), those created
/// before the tables: every function or generic object that the tables'
/// expressions and types use (an index's operator class), and what those
/// use in turn (the class's operators and their functions), as long as
/// none of them uses a table or view.
fn early_objects(
    objects: &BTreeMap<ObjectKey, SchemaObject>,
    order: &[ObjectKey],
    used_by_tables: &BTreeSet<String>,
    relation_names: &BTreeSet<String>,
) -> BTreeSet<ObjectKey> {
    let may_be_early = |key: &ObjectKey| {
        may_precede_tables(key)
            && object_uses(&objects[key])
                .iter()
                .all(|name| !relation_names.contains(name))
    };
    let mut wanted: BTreeSet<String> = used_by_tables.clone();
    let mut early: BTreeSet<ObjectKey> = BTreeSet::new();
    // Dependents come after what they use, so one pass from the end
    // reaches every use.
    for key in order.iter().rev() {
        if wanted.contains(&key_name(key)) && may_be_early(key) {
            wanted.extend(object_uses(&objects[key]));
            early.insert(key.clone());
        }
    }
    early
}

/// `keys` of `objects` ordered so that each comes after the others of
/// `keys` it uses; cycles (which PostgreSQL would refuse too) are broken by
/// key order.
fn dependency_order(
    objects: &BTreeMap<ObjectKey, SchemaObject>,
    keys: &BTreeSet<ObjectKey>,
) -> Vec<ObjectKey> {
    let names: BTreeMap<&ObjectKey, String> = keys.iter().map(|k| (k, key_name(k))).collect();
    let uses: BTreeMap<&ObjectKey, BTreeSet<String>> =
        keys.iter().map(|k| (k, object_uses(&objects[k]))).collect();
    // Kinds that never use the others' names (a view does not use a
    // trigger) still come after them when mentioned; a trigger or policy
    // comes after the functions it names.
    let depends = |a: &ObjectKey, b: &ObjectKey| -> bool {
        a != b
            && !matches!(b, ObjectKey::Trigger { .. } | ObjectKey::Policy { .. })
            && !is_part_of_a_table(b)
            && uses[a].contains(&names[b])
    };
    let mut ordered: Vec<ObjectKey> = Vec::with_capacity(keys.len());
    let mut placed: BTreeSet<&ObjectKey> = BTreeSet::new();
    let mut visiting: BTreeSet<&ObjectKey> = BTreeSet::new();
    fn visit<'k>(
        key: &'k ObjectKey,
        keys: &'k BTreeSet<ObjectKey>,
        depends: &dyn Fn(&ObjectKey, &ObjectKey) -> bool,
        placed: &mut BTreeSet<&'k ObjectKey>,
        visiting: &mut BTreeSet<&'k ObjectKey>,
        ordered: &mut Vec<ObjectKey>,
    ) {
        if placed.contains(key) || !visiting.insert(key) {
            return;
        }
        for other in keys {
            if depends(key, other) {
                visit(other, keys, depends, placed, visiting, ordered);
            }
        }
        visiting.remove(key);
        placed.insert(key);
        ordered.push(key.clone());
    }
    for key in keys {
        visit(
            key,
            keys,
            &depends,
            &mut placed,
            &mut visiting,
            &mut ordered,
        );
    }
    ordered
}

/// Names of old tables and their parts that the tables' steps disturb: the
/// table's name when it is dropped, renamed or moved, or when one of its
/// columns is dropped, renamed, retyped or regenerated.
fn disturbed_names(old: &Schema, new: &Schema, renames: &Renames) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let new_tables: BTreeMap<&QualifiedName, &Table> = new
        .tables
        .iter()
        .map(|table| (&table.name, table))
        .collect();
    for old_table in &old.tables {
        let new_name = renames.new_table_name(&old_table.name);
        let Some(new_table) = new_tables.get(&new_name).copied() else {
            names.insert(old_table.name.name.clone());
            continue;
        };
        if new_name != old_table.name || columns_disturbed(old_table, new_table, renames) {
            names.insert(old_table.name.name.clone());
        }
    }
    names
}

fn columns_disturbed(old: &Table, new: &Table, renames: &Renames) -> bool {
    let column_renames: BTreeMap<&str, &str> = renames
        .columns
        .get(&new.name)
        .map(|pairs| {
            pairs
                .iter()
                .map(|(from, to)| (from.as_str(), to.as_str()))
                .collect()
        })
        .unwrap_or_default();
    old.columns.iter().any(|old_column| {
        if column_renames.contains_key(old_column.name.as_str()) {
            return true;
        }
        match new.column(&old_column.name) {
            None => true,
            Some(new_column) => {
                new_column.ty != old_column.ty || new_column.generated != old_column.generated
            }
        }
    })
}

/// Names of tables and views, which an early function must not use.
fn relation_names(schema: &Schema) -> BTreeSet<String> {
    schema
        .tables
        .iter()
        .map(|t| t.name.name.clone())
        .chain(schema.views.iter().map(|v| v.name.name.clone()))
        .collect()
}

/// Every name the tables' own expressions and types mention: defaults,
/// generated columns, checks, index keys and predicates, column types.
fn table_expression_names(schema: &Schema) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for table in &schema.tables {
        for column in &table.columns {
            for text in column.default.iter().chain(&column.generated) {
                names.extend(mentioned_names(text));
            }
            if let BaseType::Builtin(ty) = &column.ty.base {
                names.extend(mentioned_names(ty));
            }
        }
        for check in &table.checks {
            names.extend(mentioned_names(&check.expr));
        }
        for index in &table.indexes {
            for options in &index.key_options {
                if let Some(opclass) = &options.opclass {
                    names.extend(mentioned_names(opclass));
                }
            }
            if let IndexKey::Expression(expression) = &index.key {
                names.extend(mentioned_names(expression));
            }
            if let Some(predicate) = &index.predicate {
                names.extend(mentioned_names(predicate));
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{DiffOptions, diff};
    use crate::model::{
        Argument, Column, ColumnType, Trigger, TriggerEvent, TriggerTiming, View, ViewColumn,
    };
    use crate::render::render_migration;

    fn users(email_type: &str) -> Table {
        Table::new(QualifiedName::new("public", "users")).with_columns(vec![
            Column::new("id", ColumnType::builtin("bigint")),
            Column::new("email", ColumnType::builtin(email_type)),
        ])
    }

    fn view(name: &str, query: &str) -> View {
        View {
            columns: vec![ViewColumn {
                name: "email".into(),
                ty: ColumnType::builtin("text"),
            }],
            ..View::new(QualifiedName::new("public", name), query)
        }
    }

    fn sql(old: &Schema, new: &Schema) -> String {
        let changes = diff(old, new, &DiffOptions::default()).expect("no ambiguity");
        render_migration(&changes).sql
    }

    #[test]
    fn a_view_on_a_view_on_a_retyped_column_is_dropped_before_and_created_after_in_order() {
        let mut old = Schema {
            tables: vec![users("text")],
            views: vec![
                view("emails", "select email from users"),
                view(
                    "short_emails",
                    "select email from emails where length(email) < 9",
                ),
            ],
            ..Schema::default()
        };
        old.canonicalize();
        let mut new = old.clone();
        new.tables = vec![users("character varying(320)")];
        let sql = sql(&old, &new);
        let at = |needle: &str| {
            sql.find(needle)
                .unwrap_or_else(|| panic!("{needle}:\n{sql}"))
        };
        assert!(
            at("DROP VIEW \"public\".\"short_emails\"") < at("DROP VIEW \"public\".\"emails\"")
        );
        assert!(at("DROP VIEW \"public\".\"emails\"") < at("ALTER TABLE"));
        assert!(at("ALTER TABLE") < at("CREATE VIEW \"public\".\"emails\""));
        assert!(
            at("CREATE VIEW \"public\".\"emails\"") < at("CREATE VIEW \"public\".\"short_emails\"")
        );
    }

    #[test]
    fn a_view_over_a_column_of_a_recreated_enum_is_dropped_before_the_conversion() {
        use crate::model::Enum;
        let mood = QualifiedName::new("public", "mood");
        let table =
            Table::new(QualifiedName::new("public", "people")).with_columns(vec![Column::new(
                "feeling",
                ColumnType::enumeration(mood.clone()),
            )]);
        let old = Schema {
            enums: vec![Enum::new(mood.clone(), vec!["happy".into(), "sad".into()])],
            tables: vec![table],
            views: vec![View::new(
                QualifiedName::new("public", "feelings"),
                "select feeling from people",
            )],
            ..Schema::default()
        };
        let mut new = old.clone();
        new.enums[0].values = vec!["sad".into(), "happy".into()];
        let sql = sql(&old, &new);
        let at = |needle: &str| {
            sql.find(needle)
                .unwrap_or_else(|| panic!("{needle}:\n{sql}"))
        };
        assert!(at("DROP VIEW") < at("ALTER TABLE"));
        assert!(at("ALTER TABLE") < at("CREATE VIEW"));
    }

    #[test]
    fn a_reformatted_query_is_no_change_and_an_appended_column_replaces_in_place() {
        let old = Schema {
            tables: vec![users("text")],
            views: vec![view("emails", "select email from users")],
            ..Schema::default()
        };
        let mut reformatted = old.clone();
        reformatted.views[0].query = "SELECT\n  email\nFROM users -- all".into();
        assert_eq!(sql(&old, &reformatted), "");

        let mut appended = old.clone();
        appended.views[0].query = "select email, id from users".into();
        appended.views[0].columns.push(ViewColumn {
            name: "id".into(),
            ty: ColumnType::builtin("bigint"),
        });
        let sql = sql(&old, &appended);
        assert!(sql.starts_with("CREATE OR REPLACE VIEW"), "{sql}");
        assert!(!sql.contains("DROP"), "{sql}");
    }

    #[test]
    fn a_trigger_goes_and_comes_back_with_its_functions_new_signature() {
        let function = |arguments: Vec<Argument>| Function {
            arguments,
            ..Function::new(
                QualifiedName::new("public", "touch"),
                Some("trigger".into()),
                "plpgsql",
                "begin return new; end",
            )
        };
        let trigger = Trigger {
            for_each_row: true,
            ..Trigger::new(
                "users_touch",
                QualifiedName::new("public", "users"),
                TriggerTiming::Before,
                vec![TriggerEvent::Update],
                QualifiedName::new("public", "touch"),
            )
        };
        let old = Schema {
            tables: vec![users("text")],
            functions: vec![function(vec![])],
            triggers: vec![trigger.clone()],
            ..Schema::default()
        };
        let mut new = old.clone();
        new.functions = vec![function(vec![Argument::new(None, "text")])];
        new.triggers[0].arguments = vec!["x".into()];
        let sql = sql(&old, &new);
        let at = |needle: &str| {
            sql.find(needle)
                .unwrap_or_else(|| panic!("{needle}:\n{sql}"))
        };
        assert!(at("DROP TRIGGER") < at("DROP FUNCTION \"public\".\"touch\"()"));
        assert!(at("CREATE FUNCTION \"public\".\"touch\"(text)") < at("CREATE TRIGGER"));
    }
}

#[cfg(test)]
mod operator_class_tests {
    use super::*;
    use crate::diff::{DiffOptions, diff};
    use crate::model::{Column, ColumnType, Index, KeyOptions, SqlObject};
    use crate::render::render_migration;

    fn object(kind: &str, identity: &str, definition: &str, depends_on: &[&str]) -> SqlObject {
        SqlObject {
            kind: kind.to_string(),
            identity: identity.to_string(),
            definition: definition.to_string(),
            drop: None,
            depends_on: depends_on.iter().map(|name| name.to_string()).collect(),
            source: None,
        }
    }

    /// An index's operator class is created before its table, after its
    /// family of the same name and the operators it names only by symbol,
    /// and those after the function they call.
    #[test]
    fn an_index_operator_class_comes_before_the_table_after_what_it_uses() {
        let index =
            Index::new("t_v_idx", IndexKey::Columns(vec!["v".into()])).with_key_options(vec![
                KeyOptions::new(false, None, Some("v_ops".into()), None),
            ]);
        let mut table = Table::new(QualifiedName::new("public", "t"))
            .with_columns(vec![Column::new("v", ColumnType::builtin("integer"))]);
        table.indexes = vec![index];
        let new = Schema {
            tables: vec![table],
            objects: vec![
                object(
                    "operator class",
                    "public.v_ops USING btree",
                    "CREATE OPERATOR CLASS public.v_ops FOR TYPE integer USING btree FAMILY public.v_ops AS OPERATOR 1 public.<<<(integer, integer)",
                    &["public.<<<(integer,integer)", "public.v_ops USING btree"],
                ),
                object(
                    "operator family",
                    "public.v_ops USING btree",
                    "CREATE OPERATOR FAMILY public.v_ops USING btree",
                    &[],
                ),
                object(
                    "operator",
                    "public.<<<(integer,integer)",
                    "CREATE OPERATOR public.<<< (FUNCTION = v_lt, LEFTARG = integer, RIGHTARG = integer)",
                    &[],
                ),
                object(
                    "untyped function",
                    "public.v_lt(integer,integer)",
                    "CREATE FUNCTION public.v_lt(integer, integer) RETURNS boolean LANGUAGE sql AS $$ SELECT $1 < $2 $$",
                    &[],
                ),
            ],
            ..Schema::default()
        };
        let changes =
            diff(&Schema::default(), &new, &DiffOptions::default()).expect("no ambiguity");
        let sql = render_migration(&changes).sql;
        let at = |needle: &str| {
            sql.find(needle)
                .unwrap_or_else(|| panic!("{needle}:\n{sql}"))
        };
        assert!(at("CREATE FUNCTION public.v_lt") < at("CREATE OPERATOR public.<<<"));
        assert!(at("CREATE OPERATOR public.<<<") < at("CREATE OPERATOR CLASS"));
        assert!(at("CREATE OPERATOR FAMILY") < at("CREATE OPERATOR CLASS"));
        assert!(at("CREATE OPERATOR CLASS") < at("CREATE TABLE"));
    }
}
