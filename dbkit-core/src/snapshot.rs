//! Snapshots stored beside the migrations: stable, sorted JSON with a parent link.
//!
//! `migrations/V<n>__<name>.sql` has its snapshot in
//! `migrations/meta/V<n>__<name>.json`: the schema the migrations up to and
//! including it produce. Each snapshot names its parent's id, so two
//! migrations generated from the same parent (on two branches) show up as
//! two snapshots with one parent.

use crate::diff::lookup::is_canonical;
use crate::model::Schema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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
        let schema_json = schema_json(&schema);
        let snapshot = Snapshot {
            format: SNAPSHOT_FORMAT,
            version,
            migration: migration.to_string(),
            id: snapshot_id_of_json(parent, migration, &schema_json),
            parent: parent.map(str::to_string),
            schema,
        };
        let text = snapshot.json_around(&schema_json);
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
        self.json_around(&schema_json(&canonical(&self.schema)))
    }

    /// The snapshot's pretty JSON around the schema's own pretty JSON: the
    /// keys in sorted order, each value as serde_json's pretty printer
    /// writes it one level deep. A nested value differs from the same value
    /// printed alone only by the two spaces that start each of its lines
    /// after the first (JSON strings hold no raw line breaks).
    fn json_around(&self, schema_json: &str) -> String {
        let scalar = |value: Value| serde_json::to_string(&value).unwrap_or_default();
        let fields = [
            ("format", scalar(Value::from(self.format))),
            ("id", scalar(Value::from(self.id.as_str()))),
            ("migration", scalar(Value::from(self.migration.as_str()))),
            (
                "parent",
                scalar(self.parent.as_deref().map_or(Value::Null, Value::from)),
            ),
            ("schema", schema_json.replace('\n', "\n  ")),
            ("version", scalar(Value::from(self.version))),
        ];
        let mut text = String::with_capacity(schema_json.len() + schema_json.len() / 8 + 256);
        text.push('{');
        for (index, (key, value)) in fields.iter().enumerate() {
            text.push_str(if index == 0 { "\n  \"" } else { ",\n  \"" });
            text.push_str(key);
            text.push_str("\": ");
            text.push_str(value);
        }
        text.push_str("\n}\n");
        text
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

/// `serde_json::Value` with every object's keys sorted, whatever map type
/// serde_json was built with.
fn sorted_value<T: Serialize>(value: &T) -> Value {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    if maps_keep_keys_sorted() {
        value
    } else {
        sort_keys(value)
    }
}

/// Whether serde_json's `Map` is ordered by key (its default) rather than by
/// insertion (its `preserve_order` feature, which any crate of a build can
/// turn on).
fn maps_keep_keys_sorted() -> bool {
    let mut map = Map::new();
    map.insert("b".to_string(), Value::Null);
    map.insert("a".to_string(), Value::Null);
    map.keys().next().is_some_and(|first| first == "a")
}

/// Pretty JSON with every object's keys sorted.
fn sorted_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(&sorted_value(value)).unwrap_or_default()
}

/// `sorted_json(schema)`, one enum or table at a time: the `Value` of a
/// whole schema of a thousand tables takes tens of megabytes, that of one
/// table a few kilobytes. The keys of [`Schema`] in sorted order; each item
/// as the pretty printer writes it two levels deep (see
/// [`Snapshot::json_around`]). The test below checks that this stays the
/// text of the whole schema.
fn schema_json(schema: &Schema) -> String {
    let mut text = String::from("{");
    push_array_field(&mut text, "enums", &schema.enums, true);
    push_array_field(&mut text, "schemas", &schema.schemas, false);
    push_array_field(&mut text, "tables", &schema.tables, false);
    text.push_str("\n}");
    text
}

fn push_array_field<T: Serialize>(text: &mut String, key: &str, items: &[T], first: bool) {
    text.push_str(if first { "\n  \"" } else { ",\n  \"" });
    text.push_str(key);
    text.push_str("\": ");
    if items.is_empty() {
        text.push_str("[]");
        return;
    }
    text.push('[');
    for (index, item) in items.iter().enumerate() {
        text.push_str(if index == 0 { "\n    " } else { ",\n    " });
        text.push_str(&sorted_json(item).replace('\n', "\n    "));
    }
    text.push_str("\n  ]");
}

fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut sorted = Map::new();
            for (key, value) in entries {
                sorted.insert(key, sort_keys(value));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

const FNV_OFFSET_BASIS_128: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV_PRIME_128: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

fn fnv1a_128(parts: &[&[u8]]) -> u128 {
    let mut hash = FNV_OFFSET_BASIS_128;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u128::from(*byte);
            hash = hash.wrapping_mul(FNV_PRIME_128);
        }
    }
    hash
}

/// A snapshot's id: the 128-bit FNV-1a, as 32 hex digits, of the parent id,
/// the migration's file name and the canonical JSON of the schema.
pub fn compute_snapshot_id(parent: Option<&str>, migration: &str, schema: &Schema) -> String {
    snapshot_id_of_json(parent, migration, &schema_json(&canonical(schema)))
}

/// The id, given the schema's canonical JSON.
fn snapshot_id_of_json(parent: Option<&str>, migration: &str, schema_json: &str) -> String {
    let hash = fnv1a_128(&[
        parent.unwrap_or("").as_bytes(),
        migration.as_bytes(),
        schema_json.as_bytes(),
    ]);
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
    use crate::model::{BaseType, Column, ColumnType, Enum, QualifiedName, Table};

    fn schema() -> Schema {
        let column = |name: &str, comment: Option<&str>| Column {
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
                source: None,
            }],
            tables: vec![Table {
                name: QualifiedName::new("public", "users"),
                columns: vec![column("name", Some("line\nbreak")), column("ünïcode", None)],
                primary_key: None,
                foreign_keys: Vec::new(),
                uniques: Vec::new(),
                checks: Vec::new(),
                indexes: Vec::new(),
                comment: Some("tab\there".to_string()),
                renamed_from: None,
                source: None,
            }],
        }
    }

    /// The text as the whole snapshot's sorted `Value` prints it.
    fn printed_whole(snapshot: &Snapshot) -> String {
        let value = sort_keys(serde_json::to_value(snapshot).unwrap_or(Value::Null));
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }

    #[test]
    fn a_schema_is_printed_as_its_sorted_value_whole() {
        let two_tables = {
            let mut schema = schema();
            let mut other = schema.tables[0].clone();
            other.name = QualifiedName::new("public", "accounts");
            schema.tables.insert(0, other);
            schema
        };
        for schema in [schema(), two_tables, Schema::default()] {
            assert_eq!(schema_json(&schema), sorted_json(&schema));
        }
    }

    #[test]
    fn the_text_is_the_sorted_snapshot_printed_whole() {
        for (parent, schema) in [(Some("p\"arent"), schema()), (None, Schema::default())] {
            let (snapshot, text) = Snapshot::with_json(7, "V7__x.sql", parent, schema);
            assert_eq!(text, printed_whole(&snapshot));
            assert_eq!(snapshot.to_json(), text);
            assert!(snapshot.id_is_consistent());
            assert_eq!(
                snapshot,
                Snapshot::new(7, "V7__x.sql", parent, &snapshot.schema)
            );
        }
    }
}
