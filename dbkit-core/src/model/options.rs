//! The options of tables, columns, constraints and indexes that change how
//! PostgreSQL stores or checks them without changing what they are over:
//! deferrable constraints, constraints left unvalidated, exclusion
//! constraints, index key options (`DESC`, `NULLS FIRST/LAST`, operator
//! classes, collations), `INCLUDE` columns, storage parameters
//! (`WITH (fillfactor=70)`) and column collations.
//!
//! Each is held in the one form PostgreSQL's catalog gives back, so that a
//! declared schema and an introspected one compare equal field by field:
//! `NULLS` is kept only when it is not the default of the key's direction,
//! key options only when some key has one, storage parameters as
//! `name=value` sorted by name. Every field is left out of a snapshot when
//! it holds its default, so schemas that use none of them keep their
//! snapshots byte for byte.

use serde::{Deserialize, Serialize};

/// `DEFERRABLE` and `INITIALLY DEFERRED` of a unique, primary key, foreign
/// key or exclusion constraint.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Deferral {
    /// `NOT DEFERRABLE`, PostgreSQL's default.
    #[default]
    NotDeferrable,
    /// `DEFERRABLE INITIALLY IMMEDIATE`.
    Immediate,
    /// `DEFERRABLE INITIALLY DEFERRED`.
    Deferred,
}

impl Deferral {
    /// The default, left out of snapshots.
    pub fn is_not_deferrable(&self) -> bool {
        *self == Deferral::NotDeferrable
    }

    /// The snapshot's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Deferral::NotDeferrable => "not_deferrable",
            Deferral::Immediate => "immediate",
            Deferral::Deferred => "deferred",
        }
    }

    /// ` DEFERRABLE` or ` DEFERRABLE INITIALLY DEFERRED` after a
    /// constraint's definition; empty for the default.
    pub fn sql_suffix(self) -> &'static str {
        match self {
            Deferral::NotDeferrable => "",
            Deferral::Immediate => " DEFERRABLE",
            Deferral::Deferred => " DEFERRABLE INITIALLY DEFERRED",
        }
    }

    /// From the catalog's `condeferrable` and `condeferred`.
    pub fn from_catalog(deferrable: bool, deferred: bool) -> Deferral {
        match (deferrable, deferred) {
            (false, _) => Deferral::NotDeferrable,
            (true, false) => Deferral::Immediate,
            (true, true) => Deferral::Deferred,
        }
    }
}

/// `NULLS FIRST` or `NULLS LAST` of an index key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullsOrder {
    First,
    Last,
}

/// The options of one key column of an index. The default (ascending,
/// nulls where the direction puts them, the type's default operator class
/// and the column's collation) is all `false`/`None`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyOptions {
    /// `DESC`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descending: bool,
    /// `NULLS FIRST`/`NULLS LAST`, only when it is not the default of the
    /// direction (`NULLS LAST` for `ASC`, `NULLS FIRST` for `DESC`); see
    /// [`KeyOptions::new`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
    /// An operator class that is not the type's default (`text_pattern_ops`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
    /// `COLLATE` when it is not the column's own collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

impl KeyOptions {
    /// The options of a key, with `nulls` dropped when it is the default of
    /// the direction, as PostgreSQL's catalog holds it.
    pub fn new(
        descending: bool,
        nulls: Option<NullsOrder>,
        opclass: Option<String>,
        collation: Option<String>,
    ) -> Self {
        let default_nulls = if descending {
            NullsOrder::First
        } else {
            NullsOrder::Last
        };
        KeyOptions {
            descending,
            nulls: nulls.filter(|nulls| *nulls != default_nulls),
            opclass,
            collation,
        }
    }

    /// Whether the key has no option.
    pub fn is_default(&self) -> bool {
        *self == KeyOptions::default()
    }

    /// The options after a key column in `CREATE INDEX`
    /// (` COLLATE "C" "text_pattern_ops" DESC NULLS LAST`), in the order
    /// PostgreSQL's grammar takes them; empty for none.
    pub fn sql_suffix(&self) -> String {
        let mut text = String::new();
        if let Some(collation) = &self.collation {
            text.push_str(" COLLATE ");
            text.push_str(&crate::sql_text::quote_identifier(collation));
        }
        if let Some(opclass) = &self.opclass {
            text.push(' ');
            text.push_str(&quoted_dotted_name(opclass));
        }
        if self.descending {
            text.push_str(" DESC");
        }
        match self.nulls {
            Some(NullsOrder::First) => text.push_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => text.push_str(" NULLS LAST"),
            None => {}
        }
        text
    }
}

/// The key options of an index, one per key column, or none when every key
/// has the default ones (the form the model keeps).
pub fn canonical_key_options(options: Vec<KeyOptions>) -> Vec<KeyOptions> {
    if options.iter().all(KeyOptions::is_default) {
        Vec::new()
    } else {
        options
    }
}

/// `EXCLUDE USING method (element WITH operator, …) [WHERE (predicate)]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    pub name: String,
    /// Access method, lowercase (`gist`, `btree`, …).
    pub method: String,
    /// The elements as SQL text: `room WITH =, during WITH &&`.
    pub elements: String,
    /// Partial constraint predicate.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    #[serde(default, skip_serializing_if = "Deferral::is_not_deferrable")]
    pub deferrable: Deferral,
}

impl Exclusion {
    /// A non-deferrable exclusion constraint without a predicate.
    pub fn new(
        name: impl Into<String>,
        method: impl Into<String>,
        elements: impl Into<String>,
    ) -> Self {
        Exclusion {
            name: name.into(),
            method: method.into(),
            elements: elements.into(),
            predicate: None,
            deferrable: Deferral::NotDeferrable,
        }
    }

    pub fn with_predicate(self, predicate: Option<String>) -> Self {
        Exclusion { predicate, ..self }
    }

    pub fn with_deferrable(self, deferrable: Deferral) -> Self {
        Exclusion { deferrable, ..self }
    }
}

/// Why a storage parameter list was refused, for the parser's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageParameterError {
    /// The entry that is wrong, as written.
    pub entry: String,
}

/// `fillfactor=70, autovacuum_enabled = off` as PostgreSQL's catalog
/// (`reloptions`) holds it: `name=value` entries, names lowercase, sorted
/// by name. A name is letters, digits and `_`, with one `.` for a
/// namespace (`toast.autovacuum_enabled`); a value is letters, digits and
/// `_ . + -`, so that no parameter can end its context when written into
/// SQL. A name given twice keeps its last value, as PostgreSQL does.
pub fn parse_storage_parameters(text: &str) -> Result<Vec<String>, StorageParameterError> {
    let mut parameters: Vec<(String, String)> = Vec::new();
    for entry in text.split(',') {
        let error = || StorageParameterError {
            entry: entry.trim().to_string(),
        };
        let (name, value) = entry.split_once('=').ok_or_else(error)?;
        let name = name.trim().to_lowercase();
        let value = value.trim();
        let name_ok = !name.is_empty()
            && name.split('.').count() <= 2
            && name.split('.').all(|part| {
                !part.is_empty()
                    && !part.starts_with(|c: char| c.is_ascii_digit())
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        let value_ok = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-'));
        if !name_ok || !value_ok {
            return Err(error());
        }
        parameters.retain(|(existing, _)| *existing != name);
        parameters.push((name, value.to_string()));
    }
    parameters.sort();
    Ok(parameters
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect())
}

/// The name of a `name=value` storage parameter.
pub fn storage_parameter_name(parameter: &str) -> &str {
    parameter
        .split_once('=')
        .map_or(parameter, |(name, _)| name)
}

/// `(fillfactor=70, autovacuum_enabled=off)`, for `WITH`, `SET` and the
/// like. Entries [`parse_storage_parameters`] accepts are written as they
/// are; anything else (only a snapshot edited by hand or an odd catalog
/// could hold it) has its name quoted and its value written as a literal,
/// so that it cannot end its context.
pub fn storage_parameters_sql(parameters: &[String]) -> String {
    let entries: Vec<String> = parameters
        .iter()
        .map(|parameter| {
            // As written only when the value is a plain word or number: any
            // other (`--`, which would start a comment) is a literal.
            let plain_value = parameter.split_once('=').is_none_or(|(_, value)| {
                let digits = value.strip_prefix('-').unwrap_or(value);
                !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            });
            if plain_value
                && parse_storage_parameters(parameter)
                    .is_ok_and(|parsed| parsed == [parameter.clone()])
            {
                return parameter.clone();
            }
            let (name, value) = match parameter.split_once('=') {
                Some((name, value)) if name.split('.').all(|part| !part.is_empty()) => {
                    (name, value)
                }
                _ => (parameter.as_str(), ""),
            };
            format!(
                "{}={}",
                quoted_dotted_name(name),
                crate::sql_text::quote_literal(value)
            )
        })
        .collect();
    format!("({})", entries.join(", "))
}

/// The names alone, for `RESET (…)`, each written as
/// [`storage_parameters_sql`] writes it.
pub fn storage_parameter_names_sql(parameters: &[String]) -> String {
    let names: Vec<String> = parameters
        .iter()
        .map(|parameter| {
            let name = storage_parameter_name(parameter);
            let plain = !name.is_empty()
                && name.split('.').all(|part| {
                    !part.is_empty()
                        && !part.starts_with(|c: char| c.is_ascii_digit())
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                });
            if plain {
                name.to_string()
            } else if name.split('.').all(|part| !part.is_empty()) {
                quoted_dotted_name(name)
            } else {
                quoted_dotted_name(parameter)
            }
        })
        .collect();
    format!("({})", names.join(", "))
}

/// A name quoted: `"a"."b"` for a name with a namespace (a storage
/// parameter's, an operator class's schema), the whole text as one name
/// when a part of it would be empty.
fn quoted_dotted_name(name: &str) -> String {
    if name.split('.').all(|part| !part.is_empty()) {
        let parts: Vec<String> = name
            .split('.')
            .map(crate::sql_text::quote_identifier)
            .collect();
        parts.join(".")
    } else {
        crate::sql_text::quote_identifier(name)
    }
}

/// Sorts `name=value` storage parameters by name, the order the model
/// keeps them in.
pub fn sort_storage_parameters(parameters: &mut [String]) {
    parameters.sort_by(|a, b| storage_parameter_name(a).cmp(storage_parameter_name(b)));
}
