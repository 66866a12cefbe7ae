//! Snapshots stored beside the migrations: stable, sorted JSON with a parent link.
//!
//! `migrations/V<n>__<name>.sql` has its snapshot in
//! `migrations/meta/V<n>__<name>.json`: the schema the migrations up to and
//! including it produce. Each snapshot names its parent's id, so two
//! migrations generated from the same parent (on two branches) show up as
//! two snapshots with one parent.

use crate::diff::lookup::is_canonical;
mod user_types;

use crate::model::{
    BaseType, Column, ColumnType, Deferral, Enum, Exclusion, ForeignKey, ForeignKeyAction,
    Identity, Index, IndexKey, KeyOptions, NullsOrder, QualifiedName, Schema, Table,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// The snapshot format this version of dbkit writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// The folder of snapshots, inside the migrations folder.
pub const SNAPSHOT_FOLDER: &str = "meta";

/// The schema after one migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SNAPSHOT_FORMAT`] when written.
    pub format: u32,
    /// The `<n>` of `V<n>__<name>.sql`.
    pub version: u64,
    /// The migration's file name, `V3__add_email_to_users.sql`.
    pub migration: String,
    /// [`compute_snapshot_id`] of the parent, the migration and the schema.
    pub id: String,
    /// The id of the previous snapshot; `None` for the first migration.
    #[serde(default)]
    pub parent: Option<String>,
    pub schema: Schema,
}

impl Snapshot {
    /// A snapshot of `schema` after `migration`, with its id computed.
    pub fn new(version: u64, migration: &str, parent: Option<&str>, schema: &Schema) -> Snapshot {
        Snapshot::of_schema(version, migration, parent, schema.clone())
    }

    /// [`Snapshot::new`] with its [`Snapshot::to_json`] text, taking the
    /// schema instead of copying it and converting it to JSON once for both
    /// the id and the text.
    pub fn with_json(
        version: u64,
        migration: &str,
        parent: Option<&str>,
        schema: Schema,
    ) -> (Snapshot, String) {
        let mut schema = schema;
        schema.canonicalize();
        // The schema is printed once, already indented as the snapshot
        // holds it; its id is the hash of the same text printed alone.
        let embedded_schema_json = schema_json_at_depth(&schema, 1);
        let snapshot = Snapshot {
            format: SNAPSHOT_FORMAT,
            version,
            migration: migration.to_string(),
            id: snapshot_id_of_embedded_json(parent, migration, &embedded_schema_json),
            parent: parent.map(str::to_string),
            schema,
        };
        let text = snapshot.json_around(&embedded_schema_json);
        (snapshot, text)
    }

    fn of_schema(version: u64, migration: &str, parent: Option<&str>, schema: Schema) -> Snapshot {
        let mut schema = schema;
        schema.canonicalize();
        Snapshot {
            format: SNAPSHOT_FORMAT,
            version,
            migration: migration.to_string(),
            id: compute_snapshot_id(parent, migration, &schema),
            parent: parent.map(str::to_string),
            schema,
        }
    }

    /// Pretty JSON with the keys of every object sorted and a trailing
    /// newline; the same snapshot always gives the same bytes.
    pub fn to_json(&self) -> String {
        self.json_around(&schema_json_at_depth(&canonical(&self.schema), 1))
    }

    /// The snapshot's pretty JSON around the schema's pretty JSON printed
    /// one level deep.
    fn json_around(&self, embedded_schema_json: &str) -> String {
        snapshot_json(
            self.format,
            &self.id,
            &self.migration,
            self.parent.as_deref(),
            self.version,
            embedded_schema_json,
        )
    }

    /// Reads a snapshot; errors name the line and column of the problem.
    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        let snapshot: Snapshot =
            serde_json::from_str(text).map_err(|error| SnapshotError::Json {
                line: error.line(),
                column: error.column(),
                message: error.to_string(),
            })?;
        if snapshot.format > SNAPSHOT_FORMAT {
            return Err(SnapshotError::NewerFormat {
                found: snapshot.format,
            });
        }
        Ok(snapshot)
    }

    /// Whether the stored id matches the content (a hand-edited snapshot
    /// does not).
    pub fn id_is_consistent(&self) -> bool {
        self.id == compute_snapshot_id(self.parent.as_deref(), &self.migration, &self.schema)
    }
}

/// A schema's canonical JSON, printed once for both the id and the text of
/// a new snapshot of it, possibly on another thread while other work goes
/// on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedSchema {
    /// Printed one level deep, as a snapshot holds it.
    embedded_json: String,
}

impl PrintedSchema {
    /// Prints the schema in canonical order (copying it only when it is not
    /// canonical).
    pub fn of(schema: &Schema) -> PrintedSchema {
        PrintedSchema {
            embedded_json: schema_json_at_depth(&canonical(schema), 1),
        }
    }

    /// The [`Snapshot::to_json`] text of the snapshot of this schema after
    /// `migration`, its id computed.
    pub fn snapshot_text(&self, version: u64, migration: &str, parent: Option<&str>) -> String {
        let id = snapshot_id_of_embedded_json(parent, migration, &self.embedded_json);
        snapshot_json(
            SNAPSHOT_FORMAT,
            &id,
            migration,
            parent,
            version,
            &self.embedded_json,
        )
    }
}

/// A snapshot's pretty JSON around the schema's pretty JSON printed one
/// level deep: the keys in sorted order, each value as serde_json's pretty
/// printer writes it one level deep.
fn snapshot_json(
    format: u32,
    id: &str,
    migration: &str,
    parent: Option<&str>,
    version: u64,
    embedded_schema_json: &str,
) -> String {
    let scalar = |value: Value| serde_json::to_string(&value).unwrap_or_default();
    let fields = [
        ("format", scalar(Value::from(format))),
        ("id", scalar(Value::from(id))),
        ("migration", scalar(Value::from(migration))),
        ("parent", scalar(parent.map_or(Value::Null, Value::from))),
        ("schema", String::new()),
        ("version", scalar(Value::from(version))),
    ];
    let mut text = String::with_capacity(embedded_schema_json.len() + 256);
    text.push('{');
    for (index, (key, value)) in fields.iter().enumerate() {
        text.push_str(if index == 0 { "\n  \"" } else { ",\n  \"" });
        text.push_str(key);
        text.push_str("\": ");
        if *key == "schema" {
            text.push_str(embedded_schema_json);
        } else {
            text.push_str(value);
        }
    }
    text.push_str("\n}\n");
    text
}

/// Why a snapshot could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// Not JSON, or not a snapshot's JSON.
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// Written by a newer dbkit.
    NewerFormat { found: u32 },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Json {
                line,
                column,
                message,
            } => {
                write!(
                    f,
                    "invalid snapshot at line {line}, column {column}: {message}"
                )
            }
            SnapshotError::NewerFormat { found } => write!(
                f,
                "snapshot format {found} is newer than the format {SNAPSHOT_FORMAT} this dbkit reads: upgrade dbkit"
            ),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// The schema in canonical order, copied only when it is not.
fn canonical(schema: &Schema) -> Cow<'_, Schema> {
    if is_canonical(schema) {
        Cow::Borrowed(schema)
    } else {
        let mut schema = schema.clone();
        schema.canonicalize();
        Cow::Owned(schema)
    }
}

/// The schema's pretty JSON with sorted keys, as serde_json's pretty printer
/// writes the sorted `Value` of the schema `depth` levels deep (two more
/// spaces after each line break per level).
///
/// Written field by field by the functions below, without a `Value`: each
/// mirrors the serde attributes of its type in [`crate::model`] (names,
/// renames, skipped and omitted fields, enum forms) with the keys in sorted
/// order. The tests compare it with the sorted `Value` printed whole; a
/// field added to the model must be added here too.
fn schema_json_at_depth(schema: &Schema, depth: usize) -> String {
    let mut json = PrettyJson::at_depth(depth);
    json.open_object();
    user_types::write_composite_types_and_domains(&mut json, schema);
    json.key("enums");
    json.array(&schema.enums, write_enum);
    json.optional_array("extensions", &schema.extensions);
    json.optional_array("functions", &schema.functions);
    json.optional_array("objects", &schema.objects);
    json.optional_array("policies", &schema.policies);
    json.key("schemas");
    json.array(&schema.schemas, |json, name| json.string(name));
    user_types::write_sequences(&mut json, schema);
    json.key("tables");
    json.array(&schema.tables, write_table);
    json.optional_array("triggers", &schema.triggers);
    json.optional_array("views", &schema.views);
    json.close_object();
    json.finish()
}

fn write_enum(json: &mut PrettyJson, enum_type: &Enum) {
    json.open_object();
    json.optional_string_field("comment", enum_type.comment.as_deref());
    json.key("name");
    write_qualified_name(json, &enum_type.name);
    json.key("values");
    json.strings(&enum_type.values);
    json.close_object();
}

fn write_table(json: &mut PrettyJson, table: &Table) {
    json.open_object();
    if !table.checks.is_empty() {
        json.key("checks");
        json.array(&table.checks, |json, check| {
            json.open_object();
            json.string_field("expr", &check.expr);
            json.string_field("name", &check.name);
            json.true_field("not_valid", check.not_valid);
            json.close_object();
        });
    }
    json.key("columns");
    json.array(&table.columns, write_column);
    json.optional_string_field("comment", table.comment.as_deref());
    if !table.exclusions.is_empty() {
        json.key("exclusions");
        json.array(&table.exclusions, write_exclusion);
    }
    if table.force_row_level_security {
        json.key("force_row_level_security");
        json.raw("true");
    }
    if !table.foreign_keys.is_empty() {
        json.key("foreign_keys");
        json.array(&table.foreign_keys, write_foreign_key);
    }
    if !table.indexes.is_empty() {
        json.key("indexes");
        json.array(&table.indexes, write_index);
    }
    json.key("name");
    write_qualified_name(json, &table.name);
    json.optional_string_field("partition_by", table.partition_by.as_deref());
    if let Some(partition_of) = &table.partition_of {
        json.key("partition_of");
        json.open_object();
        json.string_field("bounds", &partition_of.bounds);
        json.key("parent");
        write_qualified_name(json, &partition_of.parent);
        json.close_object();
    }
    if let Some(primary_key) = &table.primary_key {
        json.key("primary_key");
        json.open_object();
        json.key("columns");
        json.strings(&primary_key.columns);
        json.deferral_field(primary_key.deferrable);
        json.string_field("name", &primary_key.name);
        json.close_object();
    }
    if table.row_level_security {
        json.key("row_level_security");
        json.raw("true");
    }
    json.strings_field("storage_parameters", &table.storage_parameters);
    if !table.uniques.is_empty() {
        json.key("uniques");
        json.array(&table.uniques, |json, unique| {
            json.open_object();
            json.key("columns");
            json.strings(&unique.columns);
            json.deferral_field(unique.deferrable);
            json.string_field("name", &unique.name);
            json.close_object();
        });
    }
    json.close_object();
}

fn write_column(json: &mut PrettyJson, column: &Column) {
    json.open_object();
    json.optional_string_field("collation", column.collation.as_deref());
    json.optional_string_field("comment", column.comment.as_deref());
    json.optional_string_field("default", column.default.as_deref());
    json.optional_string_field("generated", column.generated.as_deref());
    if let Some(identity) = column.identity {
        json.string_field(
            "identity",
            match identity {
                Identity::ByDefault => "by_default",
                Identity::Always => "always",
            },
        );
    }
    json.string_field("name", &column.name);
    json.key("nullable");
    json.raw(if column.nullable { "true" } else { "false" });
    if column.serial {
        json.key("serial");
        json.raw("true");
    }
    json.key("type");
    write_column_type(json, &column.ty);
    json.close_object();
}

fn write_column_type(json: &mut PrettyJson, ty: &ColumnType) {
    json.open_object();
    if ty.array_dims != 0 {
        json.key("array_dims");
        json.raw(&ty.array_dims.to_string());
    }
    json.key("base");
    json.open_object();
    match &ty.base {
        BaseType::Builtin(name) => json.string_field("builtin", name),
        BaseType::Enum(name) => {
            json.key("enum");
            write_qualified_name(json, name);
        }
        BaseType::Domain(name) => {
            json.key("domain");
            write_qualified_name(json, name);
        }
        BaseType::Composite(name) => {
            json.key("composite");
            write_qualified_name(json, name);
        }
    }
    json.close_object();
    json.close_object();
}

fn write_foreign_key(json: &mut PrettyJson, foreign_key: &ForeignKey) {
    let action = |action: ForeignKeyAction| match action {
        ForeignKeyAction::NoAction => "no_action",
        ForeignKeyAction::Restrict => "restrict",
        ForeignKeyAction::Cascade => "cascade",
        ForeignKeyAction::SetNull => "set_null",
        ForeignKeyAction::SetDefault => "set_default",
    };
    json.open_object();
    json.key("columns");
    json.strings(&foreign_key.columns);
    json.deferral_field(foreign_key.deferrable);
    json.string_field("name", &foreign_key.name);
    json.true_field("not_valid", foreign_key.not_valid);
    json.string_field("on_delete", action(foreign_key.on_delete));
    json.string_field("on_update", action(foreign_key.on_update));
    json.key("referenced_columns");
    json.strings(&foreign_key.referenced_columns);
    json.key("references");
    write_qualified_name(json, &foreign_key.references);
    json.close_object();
}

fn write_index(json: &mut PrettyJson, index: &Index) {
    json.open_object();
    json.strings_field("include", &index.include);
    json.key("key");
    json.open_object();
    match &index.key {
        IndexKey::Columns(columns) => {
            json.key("columns");
            json.strings(columns);
        }
        IndexKey::Expression(expression) => json.string_field("expression", expression),
    }
    json.close_object();
    if !index.key_options.is_empty() {
        json.key("key_options");
        json.array(&index.key_options, write_key_options);
    }
    json.string_field("method", &index.method);
    json.string_field("name", &index.name);
    json.strings_field("storage_parameters", &index.storage_parameters);
    if index.unique {
        json.key("unique");
        json.raw("true");
    }
    json.optional_string_field("where", index.predicate.as_deref());
    json.close_object();
}

fn write_key_options(json: &mut PrettyJson, options: &KeyOptions) {
    json.open_object();
    json.optional_string_field("collation", options.collation.as_deref());
    json.true_field("descending", options.descending);
    if let Some(nulls) = options.nulls {
        json.string_field(
            "nulls",
            match nulls {
                NullsOrder::First => "first",
                NullsOrder::Last => "last",
            },
        );
    }
    json.optional_string_field("opclass", options.opclass.as_deref());
    json.close_object();
}

fn write_exclusion(json: &mut PrettyJson, exclusion: &Exclusion) {
    json.open_object();
    json.deferral_field(exclusion.deferrable);
    json.string_field("elements", &exclusion.elements);
    json.string_field("method", &exclusion.method);
    json.string_field("name", &exclusion.name);
    json.optional_string_field("where", exclusion.predicate.as_deref());
    json.close_object();
}

fn write_qualified_name(json: &mut PrettyJson, name: &QualifiedName) {
    json.open_object();
    json.string_field("name", &name.name);
    json.string_field("schema", &name.schema);
    json.close_object();
}

/// Pretty JSON written piece by piece exactly as serde_json's pretty
/// printer writes it: two spaces per level, `[]` and `{}` when empty,
/// strings escaped by serde_json itself.
struct PrettyJson {
    text: Vec<u8>,
    depth: usize,
    /// Whether the innermost open array or object has no element yet.
    empty: bool,
}

impl PrettyJson {
    fn at_depth(depth: usize) -> PrettyJson {
        PrettyJson {
            text: Vec::new(),
            depth,
            empty: false,
        }
    }

    fn finish(self) -> String {
        String::from_utf8(self.text)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }

    fn line_break(&mut self) {
        self.text.push(b'\n');
        self.text.resize(self.text.len() + 2 * self.depth, b' ');
    }

    fn open(&mut self, bracket: u8) {
        self.text.push(bracket);
        self.depth += 1;
        self.empty = true;
    }

    fn close(&mut self, bracket: u8) {
        self.depth -= 1;
        if !self.empty {
            self.line_break();
        }
        self.text.push(bracket);
        self.empty = false;
    }

    fn open_object(&mut self) {
        self.open(b'{');
    }

    fn close_object(&mut self) {
        self.close(b'}');
    }

    /// Starts the next element of the innermost array or object.
    fn next_element(&mut self) {
        if !self.empty {
            self.text.push(b',');
        }
        self.line_break();
        self.empty = false;
    }

    fn key(&mut self, key: &str) {
        self.next_element();
        self.string(key);
        self.text.extend_from_slice(b": ");
    }

    fn string(&mut self, value: &str) {
        // Writing to a `Vec` cannot fail, nor can serialising a `str`.
        let _ = serde_json::to_writer(&mut self.text, value);
    }

    fn raw(&mut self, value: &str) {
        self.text.extend_from_slice(value.as_bytes());
    }

    fn string_field(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
    }

    fn optional_string_field(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.string_field(key, value);
        }
    }

    /// `"key": true` when set; nothing for `false`, the default.
    fn true_field(&mut self, key: &str, value: bool) {
        if value {
            self.key(key);
            self.raw("true");
        }
    }

    /// `"deferrable": "…"` unless it is the default.
    fn deferral_field(&mut self, deferral: Deferral) {
        if !deferral.is_not_deferrable() {
            self.string_field("deferrable", deferral.name());
        }
    }

    /// A list of strings, left out when empty.
    fn strings_field(&mut self, key: &str, items: &[String]) {
        if !items.is_empty() {
            self.key(key);
            self.strings(items);
        }
    }

    fn array<T>(&mut self, items: &[T], mut write_item: impl FnMut(&mut PrettyJson, &T)) {
        self.open(b'[');
        for item in items {
            self.next_element();
            write_item(self, item);
        }
        self.close(b']');
    }

    fn strings(&mut self, items: &[String]) {
        self.array(items, |json, item| json.string(item));
    }

    /// `key` and `items` printed by serde, when there are items: for the
    /// model's less common parts, whose speed does not matter. serde_json's
    /// maps are sorted, so the keys come out in order.
    fn optional_array<T: serde::Serialize>(&mut self, key: &str, items: &[T]) {
        if items.is_empty() {
            return;
        }
        self.key(key);
        self.serialized(items);
    }

    /// `value` as serde_json's pretty printer writes it at this depth.
    fn serialized<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        let Ok(value) = serde_json::to_value(value) else {
            return;
        };
        let Ok(text) = serde_json::to_string_pretty(&value) else {
            return;
        };
        let indent = "  ".repeat(self.depth);
        for (index, line) in text.lines().enumerate() {
            if index > 0 {
                self.text.push(b'\n');
                self.text.extend_from_slice(indent.as_bytes());
            }
            self.text.extend_from_slice(line.as_bytes());
        }
        self.empty = false;
    }
}

const FNV_OFFSET_BASIS_128: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV_PRIME_128: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// FNV-1a over one part of an id, followed by the byte 0xff that ends
/// each part.
fn fnv1a_128(hash: u128, part: &[u8]) -> u128 {
    fnv1a_128_bytes(fnv1a_128_bytes(hash, part), &[0xff])
}

fn fnv1a_128_bytes(mut hash: u128, bytes: &[u8]) -> u128 {
    for byte in bytes {
        hash ^= u128::from(*byte);
        // The prime is 2^88 + 0x13b: this is `hash * FNV_PRIME_128`
        // (mod 2^128) with a shift and a short multiplication.
        hash = (hash << 88).wrapping_add(hash.wrapping_mul(FNV_PRIME_128 & 0xffff));
    }
    hash
}

/// A snapshot's id: the 128-bit FNV-1a, as 32 hex digits, of the parent id,
/// the migration's file name and the canonical JSON of the schema.
pub fn compute_snapshot_id(parent: Option<&str>, migration: &str, schema: &Schema) -> String {
    let embedded = schema_json_at_depth(&canonical(schema), 1);
    snapshot_id_of_embedded_json(parent, migration, &embedded)
}

/// The id, given the schema's canonical JSON printed one level deep: the
/// hash is that of the JSON printed alone, which has two spaces fewer after
/// each line break.
fn snapshot_id_of_embedded_json(
    parent: Option<&str>,
    migration: &str,
    embedded_schema_json: &str,
) -> String {
    let mut hash = fnv1a_128(FNV_OFFSET_BASIS_128, parent.unwrap_or("").as_bytes());
    hash = fnv1a_128(hash, migration.as_bytes());
    let mut lines = embedded_schema_json.split('\n');
    if let Some(first) = lines.next() {
        hash = fnv1a_128_bytes(hash, first.as_bytes());
    }
    for line in lines {
        hash = fnv1a_128_bytes(hash, b"\n");
        let unindented = line.strip_prefix("  ").unwrap_or(line);
        hash = fnv1a_128_bytes(hash, unindented.as_bytes());
    }
    hash = fnv1a_128_bytes(hash, &[0xff]);
    format!("{hash:032x}")
}

/// `V3__add_email_to_users.sql` → `V3__add_email_to_users.json`.
pub fn snapshot_file_name(migration_file_name: &str) -> String {
    let stem = migration_file_name
        .strip_suffix(".sql")
        .unwrap_or(migration_file_name);
    format!("{stem}.json")
}

/// `V<version>__<name>.sql`.
pub fn migration_file_name(version: u64, name: &str) -> String {
    format!("V{version}__{name}.sql")
}

/// The version and name of `V<n>__<name>.sql` (refinery's naming: `V`,
/// digits, `__`, word characters), or `None` for any other file name.
pub fn parse_migration_file_name(name: &str) -> Option<(u64, String)> {
    let stem = name.strip_suffix(".sql")?;
    let rest = stem.strip_prefix('V')?;
    let (digits, migration_name) = rest.split_once("__")?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    if migration_name.is_empty() || !migration_name.chars().all(is_word) {
        return None;
    }
    let version = digits.parse().ok()?;
    Some((version, migration_name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Check, CompositeAttribute, CompositeType, Domain, PrimaryKey, Sequence, Unique,
    };

    fn schema() -> Schema {
        let column = |name: &str, comment: Option<&str>| Column {
            collation: None,
            name: name.to_string(),
            ty: ColumnType {
                base: BaseType::Builtin("text".to_string()),
                array_dims: 0,
            },
            nullable: true,
            default: Some("'a\nb \"quoted\"'".to_string()),
            identity: None,
            serial: false,
            generated: None,
            comment: comment.map(str::to_string),
            renamed_from: None,
            source: None,
        };
        Schema {
            schemas: vec!["app".to_string()],
            enums: vec![Enum {
                name: QualifiedName::new("app", "mood"),
                values: vec!["happy".to_string(), "sad".to_string()],
                comment: None,
                renamed_from: None,
                source: None,
            }],
            tables: vec![Table {
                columns: vec![column("name", Some("line\nbreak")), column("ünïcode", None)],
                comment: Some("tab\there".to_string()),
                row_level_security: false,
                force_row_level_security: false,
                ..Table::new(QualifiedName::new("public", "users"))
            }],
            ..Schema::default()
        }
    }

    /// A schema that uses every field and every variant of the model.
    fn every_field() -> Schema {
        let mut schema = schema();
        let mut table = schema.tables[0].clone();
        table.name = QualifiedName::new("app", "orders");
        table.comment = None;
        let mut identity = table.columns[0].clone();
        identity.name = "id".to_string();
        identity.ty.base = BaseType::Builtin("bigint".to_string());
        identity.nullable = false;
        identity.default = None;
        identity.identity = Some(Identity::ByDefault);
        let mut always = identity.clone();
        always.name = "number".to_string();
        always.identity = Some(Identity::Always);
        let mut serial = identity.clone();
        serial.name = "position".to_string();
        serial.identity = None;
        serial.serial = true;
        let mut moods = table.columns[1].clone();
        moods.name = "moods".to_string();
        moods.ty = ColumnType {
            base: BaseType::Enum(QualifiedName::new("app", "mood")),
            array_dims: 1,
        };
        moods.generated = Some("ARRAY['happy'::app.mood]".to_string());
        moods.comment = Some("control \u{1} and \\ backslash".to_string());
        table.columns = vec![identity, always, serial, moods];
        table.primary_key = Some(
            PrimaryKey::new("orders_pkey", vec!["id".to_string()])
                .with_deferrable(Deferral::Deferred),
        );
        table.columns[3].collation = Some("C".to_string());
        table.storage_parameters = vec!["fillfactor=70".to_string()];
        table.exclusions = vec![
            Exclusion::new("orders_number_excl", "gist", "number WITH =")
                .with_predicate(Some("number > 2".to_string()))
                .with_deferrable(Deferral::Immediate),
        ];
        table.row_level_security = true;
        table.force_row_level_security = true;
        let actions = [
            ForeignKeyAction::NoAction,
            ForeignKeyAction::Restrict,
            ForeignKeyAction::Cascade,
            ForeignKeyAction::SetNull,
            ForeignKeyAction::SetDefault,
        ];
        table.foreign_keys = actions
            .iter()
            .enumerate()
            .map(|(index, action)| ForeignKey {
                name: format!("orders_fk{index}"),
                columns: vec!["number".to_string()],
                references: QualifiedName::new("public", "users"),
                referenced_columns: vec!["name".to_string()],
                on_delete: *action,
                on_update: actions[actions.len() - 1 - index],
                deferrable: [
                    Deferral::NotDeferrable,
                    Deferral::Immediate,
                    Deferral::Deferred,
                ][index % 3],
                not_valid: index % 2 == 1,
                source: None,
            })
            .collect();
        table.uniques = vec![
            Unique::new(
                "orders_number_key",
                vec!["number".to_string(), "position".to_string()],
            )
            .with_deferrable(Deferral::Immediate),
        ];
        table.checks = vec![Check::new("orders_number_check", "number > 0").with_not_valid(true)];
        table.indexes = vec![
            Index::new(
                "orders_lower_idx",
                IndexKey::Expression("lower(\"moods\"::text)".to_string()),
            )
            .with_unique(true)
            .with_predicate(Some("number > 1".to_string())),
            Index::new(
                "orders_moods_idx",
                IndexKey::Columns(vec!["moods".to_string()]),
            )
            .with_method("gin"),
            Index::new(
                "orders_number_idx",
                IndexKey::Columns(vec!["number".to_string(), "position".to_string()]),
            )
            .with_key_options(vec![
                KeyOptions::new(true, Some(NullsOrder::Last), None, Some("C".to_string())),
                KeyOptions::new(
                    false,
                    Some(NullsOrder::First),
                    Some("int8_ops".to_string()),
                    None,
                ),
            ])
            .with_include(vec!["id".to_string()])
            .with_storage_parameters(vec![
                "deduplicate_items=off".to_string(),
                "fillfactor=70".to_string(),
            ]),
        ];
        let parent = table.name.clone();
        table.partition_by = Some("RANGE (id)".to_string());
        schema.tables.push(table);
        schema.tables.push(
            Table::new(QualifiedName::new("app", "orders_default"))
                .with_partition_of(parent.clone(), "DEFAULT")
                .with_partition_by("LIST (number)"),
        );
        schema.tables.push(
            Table::new(QualifiedName::new("app", "orders_low"))
                .with_partition_of(parent, "FOR VALUES FROM (MINVALUE) TO ('1\"0')"),
        );
        schema.enums.push(Enum {
            name: QualifiedName::new("app", "empty"),
            values: Vec::new(),
            comment: Some("no values".to_string()),
            renamed_from: None,
            source: None,
        });
        let orders = QualifiedName::new("app", "orders");
        schema
            .extensions
            .push(crate::model::Extension::new("citext"));
        schema.views.push(crate::model::View {
            materialized: true,
            columns: vec![crate::model::ViewColumn {
                name: "n".to_string(),
                ty: ColumnType::builtin("bigint"),
            }],
            comment: Some("counted".to_string()),
            ..crate::model::View::new(
                QualifiedName::new("app", "order_count"),
                "select count(*) as n from app.orders",
            )
        });
        schema.functions.push(crate::model::Function {
            arguments: vec![
                crate::model::Argument::new(Some("x".to_string()), "integer"),
                crate::model::Argument {
                    mode: crate::model::ArgumentMode::InOut,
                    default: Some("1".to_string()),
                    ..crate::model::Argument::new(None, "bigint")
                },
            ],
            volatility: crate::model::Volatility::Stable,
            strict: true,
            security_definer: true,
            parallel: crate::model::Parallel::Safe,
            settings: vec![crate::model::FunctionSetting {
                name: "search_path".to_string(),
                value: "app, pg_temp".to_string(),
            }],
            comment: Some("touches".to_string()),
            ..crate::model::Function::new(
                QualifiedName::new("app", "touch"),
                Some("trigger".to_string()),
                "plpgsql",
                "begin return new; end",
            )
        });
        schema.triggers.push(crate::model::Trigger {
            columns: vec!["total".to_string()],
            for_each_row: true,
            when: Some("old.* is distinct from new.*".to_string()),
            arguments: vec!["1".to_string()],
            ..crate::model::Trigger::new(
                "orders_touch",
                orders.clone(),
                crate::model::TriggerTiming::Before,
                vec![
                    crate::model::TriggerEvent::Update,
                    crate::model::TriggerEvent::Insert,
                ],
                QualifiedName::new("app", "touch"),
            )
        });
        schema.policies.push(crate::model::Policy {
            using: Some("true".to_string()),
            ..crate::model::Policy::new("mine", orders.clone())
        });
        schema.policies.push(crate::model::Policy {
            command: crate::model::PolicyCommand::Insert,
            restrictive: true,
            roles: vec!["app_user".to_string()],
            with_check: Some("id > 0".to_string()),
            ..crate::model::Policy::new("theirs", orders)
        });
        schema.objects.push(crate::model::SqlObject {
            kind: "aggregate".to_string(),
            identity: "app.total(integer)".to_string(),
            definition: "CREATE AGGREGATE app.total(integer) (sfunc = int4pl, stype = integer)"
                .to_string(),
            drop: None,
            depends_on: Vec::new(),
            source: None,
        });
        schema.sequences = vec![
            Sequence::new(QualifiedName::new("app", "numbers")),
            Sequence {
                cycle: true,
                cache: 20,
                ..Sequence::with_defaults(
                    QualifiedName::new("public", "down"),
                    "smallint",
                    -2,
                    None,
                    None,
                    None,
                )
            },
        ];
        schema.domains = vec![
            Domain::new(
                QualifiedName::new("public", "plain"),
                ColumnType::builtin("integer"),
            ),
            Domain {
                not_null: true,
                default: Some("'a@b'".to_string()),
                checks: vec![Check::new("email_check", "VALUE ~ '@'")],
                collation: Some("C".to_string()),
                ..Domain::new(
                    QualifiedName::new("app", "email"),
                    ColumnType::builtin("text").with_array_dims(1),
                )
            },
        ];
        schema.composite_types = vec![CompositeType::new(
            QualifiedName::new("app", "address"),
            vec![
                CompositeAttribute::new("street", ColumnType::builtin("text")),
                CompositeAttribute::new(
                    "kind",
                    ColumnType {
                        base: BaseType::Domain(QualifiedName::new("app", "email")),
                        array_dims: 0,
                    },
                ),
                CompositeAttribute::new(
                    "parts",
                    ColumnType {
                        base: BaseType::Composite(QualifiedName::new("app", "other")),
                        array_dims: 1,
                    },
                ),
            ],
        )];
        schema.canonicalize();
        schema
    }

    /// The reference the writer must match: `Value`s with sorted keys,
    /// printed by serde_json.
    fn sort_keys(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key, sort_keys(value)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
            other => other,
        }
    }

    fn sorted_json<T: Serialize>(value: &T) -> String {
        let value = sort_keys(serde_json::to_value(value).unwrap_or(Value::Null));
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// The text as the whole snapshot's sorted `Value` prints it.
    fn printed_whole(snapshot: &Snapshot) -> String {
        sorted_json(snapshot) + "\n"
    }

    /// The id as the hash of the schema's sorted `Value` printed alone.
    fn reference_id(parent: Option<&str>, migration: &str, schema: &Schema) -> String {
        let json = sorted_json(schema);
        let mut hash = FNV_OFFSET_BASIS_128;
        for part in [
            parent.unwrap_or("").as_bytes(),
            migration.as_bytes(),
            json.as_bytes(),
        ] {
            // FNV-1a as written down, one multiplication per byte.
            for byte in part.iter().chain(&[0xff]) {
                hash ^= u128::from(*byte);
                hash = hash.wrapping_mul(FNV_PRIME_128);
            }
        }
        format!("{hash:032x}")
    }

    fn schemas() -> Vec<Schema> {
        let two_tables = {
            let mut schema = schema();
            let mut other = schema.tables[0].clone();
            other.name = QualifiedName::new("public", "accounts");
            schema.tables.insert(0, other);
            schema
        };
        vec![schema(), two_tables, every_field(), Schema::default()]
    }

    #[test]
    fn a_schema_is_printed_as_its_sorted_value_whole() {
        for schema in schemas() {
            assert_eq!(schema_json_at_depth(&schema, 0), sorted_json(&schema));
            assert_eq!(
                schema_json_at_depth(&schema, 1),
                sorted_json(&schema).replace('\n', "\n  ")
            );
        }
    }

    #[test]
    fn the_text_is_the_sorted_snapshot_printed_whole() {
        for schema in schemas() {
            for parent in [Some("p\"arent"), None] {
                let (snapshot, text) = Snapshot::with_json(7, "V7__x.sql", parent, schema.clone());
                assert_eq!(text, printed_whole(&snapshot));
                assert_eq!(snapshot.to_json(), text);
                assert_eq!(snapshot.id, reference_id(parent, "V7__x.sql", &schema));
                assert!(snapshot.id_is_consistent());
                assert_eq!(
                    snapshot,
                    Snapshot::new(7, "V7__x.sql", parent, &snapshot.schema)
                );
                assert_eq!(Snapshot::from_json(&text).as_ref(), Ok(&snapshot));
                let mut reversed = schema.clone();
                reversed.tables.reverse();
                for printed in [PrintedSchema::of(&schema), PrintedSchema::of(&reversed)] {
                    assert_eq!(printed.snapshot_text(7, "V7__x.sql", parent), text);
                }
            }
        }
    }

    #[cfg(feature = "test-support")]
    proptest::proptest! {
        #[test]
        fn random_schemas_are_printed_as_their_sorted_value(
            schema in crate::test_support::strategies::arbitrary_unchecked_schema()
        ) {
            let mut schema = schema;
            schema.canonicalize();
            proptest::prop_assert_eq!(schema_json_at_depth(&schema, 0), sorted_json(&schema));
            proptest::prop_assert_eq!(
                compute_snapshot_id(None, "V1__a.sql", &schema),
                reference_id(None, "V1__a.sql", &schema)
            );
        }
    }
}
