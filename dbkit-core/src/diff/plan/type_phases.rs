//! The phases of sequences, domains and composite types.
//!
//! They are created and changed after the enums (a composite type's
//! attribute may be an enum) and before any table (a column may be of a
//! domain or composite type, a default may call `nextval` on a sequence),
//! in that order: sequences, domains, then composite types, each composite
//! type after those its attributes use. They are dropped after the tables
//! and the columns that use them, and before the enums: composite types
//! first (those that use others before them), then domains, then
//! sequences.

use super::super::change::Change;
use super::super::temporary::{DISPLACED, names_in_schema};
use super::super::user_types::{CompositeChange, DomainChange, DomainColumnUse, SequenceChange};
use super::Planner;
use crate::model::{BaseType, CompositeType, Domain, QualifiedName, Sequence};
use crate::naming::{MAX_IDENTIFIER_BYTES, clip_to_bytes};

/// Creates and changes the sequences, domains and composite types of the
/// new schema.
pub(super) fn create_and_alter_types(planner: &mut Planner<'_>) {
    let new = planner.new;
    for sequence in &new.sequences {
        let target = Sequence {
            source: None,
            ..sequence.clone()
        };
        match planner.current.sequence(&sequence.name) {
            None => planner.push(Change::Sequence(SequenceChange::Create(target))),
            Some(old) if *old != target => {
                let from = old.clone();
                planner.push(Change::Sequence(SequenceChange::Alter { from, to: target }));
            }
            Some(_) => {}
        }
    }
    for domain in domains_in_dependency_order(&new.domains) {
        let target = Domain {
            source: None,
            ..domain.clone()
        };
        match planner.current.domain(&domain.name).cloned() {
            None => planner.push(Change::Domain(DomainChange::Create(target))),
            Some(old) if old.ty != target.ty || old.collation != target.collation => {
                recreate_domain(planner, old, target);
            }
            Some(old) => alter_domain(planner, &old, &target),
        }
    }
    for composite in composites_in_dependency_order(&new.composite_types) {
        let target = CompositeType {
            source: None,
            ..composite.clone()
        };
        match planner.current.composite_type(&composite.name).cloned() {
            None => planner.push(Change::Composite(CompositeChange::Create(target))),
            Some(old) => alter_composite(planner, &old, &target),
        }
    }
}

/// Drops the composite types, domains and sequences the new schema does
/// not have.
pub(super) fn drop_types(planner: &mut Planner<'_>) {
    let mut dropped: Vec<CompositeType> = planner
        .current
        .composite_types
        .iter()
        .filter(|composite| planner.new.composite_type(&composite.name).is_none())
        .cloned()
        .collect();
    dropped = composites_in_dependency_order(&dropped)
        .into_iter()
        .cloned()
        .collect();
    for composite in dropped.into_iter().rev() {
        planner.push(Change::Composite(CompositeChange::Drop(composite.name)));
    }
    let dropped: Vec<Domain> = planner
        .current
        .domains
        .iter()
        .filter(|domain| planner.new.domain(&domain.name).is_none())
        .cloned()
        .collect();
    let domains: Vec<QualifiedName> = domains_in_dependency_order(&dropped)
        .into_iter()
        .rev()
        .map(|domain| domain.name.clone())
        .collect();
    for name in domains {
        planner.push(Change::Domain(DomainChange::Drop(name)));
    }
    let sequences: Vec<QualifiedName> = planner
        .current
        .sequences
        .iter()
        .filter(|sequence| planner.new.sequence(&sequence.name).is_none())
        .map(|sequence| sequence.name.clone())
        .collect();
    for name in sequences {
        planner.push(Change::Sequence(SequenceChange::Drop(name)));
    }
}

/// The default, `NOT NULL` and checks of a domain whose type stays.
fn alter_domain(planner: &mut Planner<'_>, old: &Domain, new: &Domain) {
    let name = &new.name;
    for check in &old.checks {
        if !new.checks.contains(check) {
            planner.push(Change::Domain(DomainChange::DropCheck {
                name: name.clone(),
                check: check.name.clone(),
            }));
        }
    }
    if old.default != new.default {
        planner.push(Change::Domain(match &new.default {
            Some(default) => DomainChange::SetDefault {
                name: name.clone(),
                default: default.clone(),
            },
            None => DomainChange::DropDefault { name: name.clone() },
        }));
    }
    if old.not_null != new.not_null {
        planner.push(Change::Domain(if new.not_null {
            DomainChange::SetNotNull { name: name.clone() }
        } else {
            DomainChange::DropNotNull { name: name.clone() }
        }));
    }
    for check in &new.checks {
        if !old.checks.contains(check) {
            planner.push(Change::Domain(DomainChange::AddCheck {
                name: name.clone(),
                check: check.clone(),
            }));
        }
    }
}

/// A domain whose base type or collation changes: recreated under its
/// name, with the columns that use it converted.
fn recreate_domain(planner: &mut Planner<'_>, old: Domain, new: Domain) {
    let mut columns = Vec::new();
    for table in &planner.current.tables {
        for column in &table.columns {
            if column.ty.base == BaseType::Domain(old.name.clone()) {
                columns.push(DomainColumnUse {
                    table: table.name.clone(),
                    column: column.name.clone(),
                    array_dims: column.ty.array_dims,
                });
            }
        }
    }
    let temporary_name = temporary_type_name(planner, &old.name);
    planner.push(Change::Domain(DomainChange::Recreate {
        from: Box::new(old),
        to: Box::new(new),
        temporary_name,
        columns,
    }));
}

/// A name for the old domain while the new one is created, free in its
/// schema before and after the migration.
fn temporary_type_name(planner: &Planner<'_>, name: &QualifiedName) -> QualifiedName {
    let taken = names_in_schema(&[&planner.current, planner.new], &name.schema);
    let stem = clip_to_bytes(&name.name, MAX_IDENTIFIER_BYTES - DISPLACED.len() - 4);
    let mut counter = 1u32;
    loop {
        let candidate = if counter == 1 {
            format!("{stem}{DISPLACED}")
        } else {
            format!("{stem}{DISPLACED}{counter}")
        };
        if !taken.contains(&candidate) || counter > 1000 {
            return QualifiedName::new(name.schema.clone(), candidate);
        }
        counter += 1;
    }
}

/// The attributes of a composite type that stays: dropped, retyped and
/// added so that they end in the new order. An attribute that must move
/// is dropped and added again (PostgreSQL adds at the end only).
fn alter_composite(planner: &mut Planner<'_>, old: &CompositeType, new: &CompositeType) {
    let name = &new.name;
    let kept_in_old_order: Vec<&str> = old
        .attributes
        .iter()
        .filter(|attribute| new.attributes.iter().any(|a| a.name == attribute.name))
        .map(|attribute| attribute.name.as_str())
        .collect();
    // The new attributes that stay where they are: kept ones, in their old
    // order, up to the first new or moved one; the others are added (again).
    let in_place = new
        .attributes
        .iter()
        .zip(&kept_in_old_order)
        .take_while(|(attribute, kept)| attribute.name == **kept)
        .count();
    let staying: Vec<&str> = new
        .attributes
        .iter()
        .take(in_place)
        .map(|attribute| attribute.name.as_str())
        .collect();
    for attribute in &old.attributes {
        if !staying.contains(&attribute.name.as_str()) {
            planner.push(Change::Composite(CompositeChange::DropAttribute {
                name: name.clone(),
                attribute: attribute.name.clone(),
            }));
        }
    }
    for attribute in new.attributes.iter().take(in_place) {
        if let Some(old_attribute) = old.attributes.iter().find(|a| a.name == attribute.name)
            && old_attribute.ty != attribute.ty
        {
            planner.push(Change::Composite(CompositeChange::AlterAttributeType {
                name: name.clone(),
                attribute: attribute.name.clone(),
                from: old_attribute.ty.clone(),
                to: attribute.ty.clone(),
            }));
        }
    }
    for attribute in new.attributes.iter().skip(in_place) {
        planner.push(Change::Composite(CompositeChange::AddAttribute {
            name: name.clone(),
            attribute: attribute.clone(),
        }));
    }
}

/// `composites` with each after the composite types of the list its
/// attributes use (a cycle, which PostgreSQL cannot create, keeps the
/// given order).
fn composites_in_dependency_order(composites: &[CompositeType]) -> Vec<&CompositeType> {
    let mut ordered: Vec<&CompositeType> = Vec::with_capacity(composites.len());
    let mut pending: Vec<&CompositeType> = composites.iter().collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|composite| {
            composite
                .attributes
                .iter()
                .all(|attribute| match &attribute.ty.base {
                    BaseType::Composite(used) => {
                        used == &composite.name || !pending.iter().any(|other| &other.name == used)
                    }
                    _ => true,
                })
        });
        ordered.push(pending.remove(ready.unwrap_or(0)));
    }
    ordered
}

/// `domains` with each after the domain of the list it is declared over
/// (a domain over a domain names it in its base type, as `format_type`
/// spells it: `positive_int`, or `app.positive_int` outside the search
/// path).
fn domains_in_dependency_order(domains: &[Domain]) -> Vec<&Domain> {
    let over = |domain: &Domain, other: &Domain| match &domain.ty.base {
        BaseType::Builtin(base) => {
            *base == other.name.name
                || *base == format!("{}.{}", other.name.schema, other.name.name)
        }
        _ => false,
    };
    let mut ordered: Vec<&Domain> = Vec::with_capacity(domains.len());
    let mut pending: Vec<&Domain> = domains.iter().collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|domain| {
            !pending
                .iter()
                .any(|other| other.name != domain.name && over(domain, other))
        });
        ordered.push(pending.remove(ready.unwrap_or(0)));
    }
    ordered
}
