//! Names an object holds for a moment: on the way through a cycle of
//! renames (`_dbkit_tmp`), or while it waits to be dropped because a
//! rename takes its name (`_dbkit_old`).
//!
//! A temporary name is free in its PostgreSQL schema in both the schema a
//! migration starts from and the one it ends at, among tables, types,
//! indexes and constraints alike (PostgreSQL keeps tables, indexes and the
//! indexes behind primary keys and unique constraints in one namespace, and
//! a table's row type shares the types' namespace), and it is never one of
//! the names the caller has already handed out. The sequences PostgreSQL
//! names for serial and identity columns end in `_seq`, which no temporary
//! name does.

use crate::model::Schema;
use crate::naming::{MAX_IDENTIFIER_BYTES, clip_to_bytes};
use std::collections::BTreeSet;

/// Suffix of a name held on the way through a cycle of renames.
pub(crate) const ON_THE_WAY: &str = "_dbkit_tmp";
/// Suffix of the name of an object a rename displaces, until it is dropped.
pub(crate) const DISPLACED: &str = "_dbkit_old";

/// Every name used in the PostgreSQL schema `pg_schema` by the schemas
/// given: tables, enums, sequences, domains, composite types, and the indexes and constraints of its tables.
pub(crate) fn names_in_schema(schemas: &[&Schema], pg_schema: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for schema in schemas {
        for enum_type in &schema.enums {
            if enum_type.name.schema == pg_schema {
                names.insert(enum_type.name.name.clone());
            }
        }
        let other_names = schema
            .sequences
            .iter()
            .map(|sequence| &sequence.name)
            .chain(schema.domains.iter().map(|domain| &domain.name))
            .chain(
                schema
                    .composite_types
                    .iter()
                    .map(|composite| &composite.name),
            );
        for name in other_names {
            if name.schema == pg_schema {
                names.insert(name.name.clone());
            }
        }
        for table in &schema.tables {
            if table.name.schema != pg_schema {
                continue;
            }
            names.insert(table.name.name.clone());
            names.extend(table.primary_key.iter().map(|key| key.name.clone()));
            names.extend(table.uniques.iter().map(|unique| unique.name.clone()));
            names.extend(table.checks.iter().map(|check| check.name.clone()));
            names.extend(table.indexes.iter().map(|index| index.name.clone()));
            names.extend(table.foreign_keys.iter().map(|key| key.name.clone()));
        }
    }
    names
}

/// What a temporary name was made from (`users` for `users_dbkit_tmp2`),
/// or `None` for a name that does not end like one. `displaced_only`
/// accepts only the names of displaced objects.
pub(crate) fn stem_of_temporary(name: &str, displaced_only: bool) -> Option<&str> {
    let suffixes: &[&str] = if displaced_only {
        &[DISPLACED]
    } else {
        &[ON_THE_WAY, DISPLACED]
    };
    let without_counter = name.trim_end_matches(|c: char| c.is_ascii_digit());
    suffixes.iter().find_map(|suffix| {
        without_counter
            .strip_suffix(suffix)
            .filter(|stem| !stem.is_empty())
    })
}

/// `stem` followed by `suffix` (then `2`, `3`, … while that is taken),
/// `stem` cut at a character boundary so that the whole fits PostgreSQL's
/// 63 bytes. The name returned is added to `taken`.
pub(crate) fn temporary_name(stem: &str, suffix: &str, taken: &mut BTreeSet<String>) -> String {
    let mut counter: u32 = 1;
    loop {
        let ending = if counter == 1 {
            suffix.to_string()
        } else {
            format!("{suffix}{counter}")
        };
        let room = MAX_IDENTIFIER_BYTES.saturating_sub(ending.len());
        let candidate = format!("{}{ending}", clip_to_bytes(stem, room));
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        counter += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_name_fits_63_bytes_and_skips_taken_names() {
        let mut taken = BTreeSet::from(["users_dbkit_tmp".to_string()]);
        assert_eq!(
            temporary_name("users", ON_THE_WAY, &mut taken),
            "users_dbkit_tmp2"
        );
        assert_eq!(
            temporary_name("users", ON_THE_WAY, &mut taken),
            "users_dbkit_tmp3"
        );
        let long = "é".repeat(40);
        let name = temporary_name(&long, DISPLACED, &mut taken);
        assert!(name.len() <= MAX_IDENTIFIER_BYTES, "{name}");
        assert!(name.ends_with(DISPLACED), "{name}");
        assert!(name.starts_with('é'), "{name}");
        assert_eq!(stem_of_temporary("users_dbkit_tmp2", false), Some("users"));
        assert_eq!(stem_of_temporary("users_dbkit_old", true), Some("users"));
        assert_eq!(stem_of_temporary("users_dbkit_tmp", true), None);
        assert_eq!(stem_of_temporary("users2", false), None);
    }
}
