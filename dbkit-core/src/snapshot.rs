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

    /// [`Snapshot::new`], taking the schema instead of copying it.
    pub fn of_schema(version: u64, migration: &str, parent: Option<&str>, schema: Schema) -> Snapshot {
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
        // The keys of `Snapshot` in sorted order; the schema is converted
        // once, without a copy when it is already canonical.
        let schema = canonical(&self.schema);
        let mut object = Map::new();
        object.insert("format".to_string(), Value::from(self.format));
        object.insert("id".to_string(), Value::from(self.id.as_str()));
        object.insert("migration".to_string(), Value::from(self.migration.as_str()));
        object.insert("parent".to_string(), self.parent.as_deref().map_or(Value::Null, Value::from));
        object.insert("schema".to_string(), sorted_value(&*schema));
        object.insert("version".to_string(), Value::from(self.version));
        let mut text = serde_json::to_string_pretty(&Value::Object(object)).unwrap_or_default();
        text.push('\n');
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
    serde_json::to_value(value)
        .map(sort_keys)
        .unwrap_or(Value::Null)
}

/// Pretty JSON with every object's keys sorted.
fn sorted_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(&sorted_value(value)).unwrap_or_default()
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
    let schema_json = sorted_json(&*canonical(schema));
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
