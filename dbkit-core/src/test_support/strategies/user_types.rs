//! Random sequences, domains and composite types, cheaply: a few of each,
//! with names of pools of their own (so they never take a table's or an
//! enum's name), that no column uses, built and edited by the same stream of
//! choices as the rest of the schema.

use super::{BUILTIN_TYPES, Choices, available_schemas, builtin, literal};
use crate::model::{
    BaseType, Check, ColumnType, CompositeAttribute, CompositeType, Domain, QualifiedName, Schema,
    Sequence,
};
use std::collections::BTreeSet;

const SEQUENCE_NAMES: &[&str] = &["counter", "Order Numbers", "tickets"];
const DOMAIN_NAMES: &[&str] = &["email", "Positive", "short text"];
const COMPOSITE_NAMES: &[&str] = &["address", "Money Pair", "point"];
const ATTRIBUTE_NAMES: &[&str] = &["street", "zip", "Amount", "x", "y"];

/// Adds up to one of each kind (a `0` choice adds none).
pub(super) fn add_random_user_types(schema: &mut Schema, choices: &mut Choices) {
    if choices.chance(25) {
        add_random_sequence(schema, choices);
    }
    if choices.chance(25) {
        add_random_domain(schema, choices);
    }
    if choices.chance(25) {
        add_random_composite(schema, choices);
    }
}

/// One edit: adds, changes or drops a sequence, a domain or a composite
/// type.
pub(super) fn edit_random_user_type(new: &mut Schema, choices: &mut Choices) {
    match choices.below(6) {
        0 => add_random_sequence(new, choices),
        1 => {
            if let Some(index) = index_in(new.sequences.len(), choices) {
                let sequence = &mut new.sequences[index];
                let (name, data_type) = (sequence.name.clone(), sequence.data_type.clone());
                let changed = random_sequence(name, &data_type, choices);
                // A range that leaves out where the sequence is (its start,
                // on a database that never used it) is refused by
                // PostgreSQL's ALTER SEQUENCE, and generate writes no
                // RESTART yet: such an edit is not generated.
                if (changed.min_value..=changed.max_value).contains(&sequence.start) {
                    *sequence = changed;
                }
            }
        }
        2 => add_random_domain(new, choices),
        3 => {
            if let Some(index) = index_in(new.domains.len(), choices) {
                let domain = &mut new.domains[index];
                domain.not_null = choices.chance(50);
                domain.default = default_of(&domain.ty, choices);
                domain.checks = checks_of(&domain.name.name, &domain.ty, choices);
            }
        }
        4 => add_random_composite(new, choices),
        _ => match choices.below(3) {
            0 if !new.sequences.is_empty() => {
                let index = choices.below(new.sequences.len());
                new.sequences.remove(index);
            }
            1 if !new.domains.is_empty() && !domain_in_use(new, choices) => {}
            _ => {
                if let Some(index) = index_in(new.composite_types.len(), choices) {
                    let composite = &mut new.composite_types[index];
                    if composite.attributes.len() > 1 && choices.chance(50) {
                        composite.attributes.pop();
                    } else {
                        let taken: BTreeSet<String> = composite
                            .attributes
                            .iter()
                            .map(|a| a.name.clone())
                            .collect();
                        if let Some(name) = choices.pick_fresh(ATTRIBUTE_NAMES, &taken) {
                            composite
                                .attributes
                                .push(CompositeAttribute::new(name, builtin("text")));
                        }
                    }
                }
            }
        },
    }
}

fn index_in(len: usize, choices: &mut Choices) -> Option<usize> {
    (len > 0).then(|| choices.below(len))
}

/// Drops a domain that no composite type uses, and says whether one was
/// kept because one does.
fn domain_in_use(schema: &mut Schema, choices: &mut Choices) -> bool {
    let index = choices.below(schema.domains.len());
    let Some(domain) = schema.domains.get(index) else {
        return false;
    };
    let used = schema.composite_types.iter().any(|composite| {
        composite
            .attributes
            .iter()
            .any(|attribute| attribute.ty.base == BaseType::Domain(domain.name.clone()))
    });
    if !used {
        schema.domains.remove(index);
    }
    used
}

/// A schema for a new object and a name from `pool` free in it.
fn fresh_name(
    schema: &Schema,
    pool: &[&str],
    taken: impl Fn(&QualifiedName) -> bool,
    choices: &mut Choices,
) -> Option<QualifiedName> {
    let schema_names = available_schemas(schema);
    let schema_name = choices.pick(&schema_names)?.clone();
    let taken: BTreeSet<String> = pool
        .iter()
        .filter(|name| taken(&QualifiedName::new(schema_name.clone(), **name)))
        .map(|name| name.to_string())
        .collect();
    let name = choices.pick_fresh(pool, &taken)?;
    Some(QualifiedName::new(schema_name, name))
}

fn add_random_sequence(schema: &mut Schema, choices: &mut Choices) {
    let Some(name) = fresh_name(
        schema,
        SEQUENCE_NAMES,
        |n| schema.sequence(n).is_some(),
        choices,
    ) else {
        return;
    };
    let data_type = *choices
        .pick(&["bigint", "integer", "smallint"])
        .unwrap_or(&"bigint");
    let sequence = random_sequence(name, data_type, choices);
    schema.sequences.push(sequence);
}

/// A sequence of `data_type` with random options PostgreSQL accepts.
fn random_sequence(name: QualifiedName, data_type: &str, choices: &mut Choices) -> Sequence {
    let increment = *choices.pick(&[1i64, 2, -1, 10]).unwrap_or(&1);
    let bounded = choices.chance(30);
    let (min_value, max_value) = if bounded {
        (Some(-100), Some(1000))
    } else {
        (None, None)
    };
    let mut sequence =
        Sequence::with_defaults(name, data_type, increment, min_value, max_value, None);
    if bounded && choices.chance(50) {
        sequence.start = 7;
    }
    sequence.cycle = choices.chance(20);
    sequence.cache = *choices.pick(&[1i64, 5, 20]).unwrap_or(&1);
    sequence
}

fn add_random_domain(schema: &mut Schema, choices: &mut Choices) {
    let Some(name) = fresh_name(
        schema,
        DOMAIN_NAMES,
        |n| schema.domain(n).is_some(),
        choices,
    ) else {
        return;
    };
    let ty = match choices.below(3) {
        0 => builtin("text"),
        1 => builtin("integer"),
        _ => builtin(choices.pick(BUILTIN_TYPES).copied().unwrap_or("text")),
    };
    let mut domain = Domain::new(name.clone(), ty);
    domain.not_null = choices.chance(30);
    domain.default = default_of(&domain.ty, choices);
    domain.checks = checks_of(&name.name, &domain.ty, choices);
    if domain.ty == builtin("text") && choices.chance(20) {
        domain.collation = Some("C".to_string());
    }
    schema.domains.push(domain);
}

fn default_of(ty: &ColumnType, choices: &mut Choices) -> Option<String> {
    if !choices.chance(30) {
        return None;
    }
    match &ty.base {
        BaseType::Builtin(name) if name == "text" => Some(literal("it's")),
        BaseType::Builtin(name) if name == "integer" => Some("7".to_string()),
        _ => None,
    }
}

fn checks_of(domain: &str, ty: &ColumnType, choices: &mut Choices) -> Vec<Check> {
    if !choices.chance(40) {
        return Vec::new();
    }
    let expression = match &ty.base {
        BaseType::Builtin(name) if name == "text" => "VALUE <> ''",
        BaseType::Builtin(name) if name == "integer" => {
            if choices.chance(50) {
                "VALUE > 0"
            } else {
                "VALUE < 1000"
            }
        }
        _ => "VALUE IS NOT NULL",
    };
    vec![Check::new(format!("{domain}_check"), expression)]
}

fn add_random_composite(schema: &mut Schema, choices: &mut Choices) {
    let Some(name) = fresh_name(
        schema,
        COMPOSITE_NAMES,
        |n| schema.composite_type(n).is_some(),
        choices,
    ) else {
        return;
    };
    let mut attributes: Vec<CompositeAttribute> = Vec::new();
    let count = 1 + choices.below(3);
    for _ in 0..count {
        let taken: BTreeSet<String> = attributes.iter().map(|a| a.name.clone()).collect();
        let Some(attribute) = choices.pick_fresh(ATTRIBUTE_NAMES, &taken) else {
            break;
        };
        // Enums stay out: recreating one converts columns, not attributes.
        let ty = match (choices.below(4), schema.domains.first()) {
            (1, Some(domain)) => ColumnType {
                base: BaseType::Domain(domain.name.clone()),
                array_dims: u8::from(choices.chance(30)),
            },
            _ => builtin(choices.pick(BUILTIN_TYPES).copied().unwrap_or("text")),
        };
        attributes.push(CompositeAttribute::new(attribute, ty));
    }
    schema
        .composite_types
        .push(CompositeType::new(name, attributes));
}
