//! The steps that create, change and drop sequences, domains and composite
//! types, what each does to the model, and what each can lose.
//!
//! They are three families of [`super::Change`] (`Change::Sequence`,
//! `Change::Domain`, `Change::Composite`), so that the rest of the differ
//! handles each family in one place. A sequence changes in place
//! (`ALTER SEQUENCE`, which never touches its current value); a domain
//! changes its default, `NOT NULL` and checks in place, and is recreated
//! when its base type or collation changes (see [`DomainChange::Recreate`]);
//! a composite type adds, drops and retypes its attributes in place.

use crate::model::{
    Check, ColumnType, CompositeAttribute, CompositeType, Domain, QualifiedName, Schema, Sequence,
};
use crate::sql_text::{quote_identifier, quote_qualified};

/// A step on a sequence that no column owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequenceChange {
    Create(Sequence),
    Drop(QualifiedName),
    /// `ALTER SEQUENCE` with the options that differ; `RESTART` is never
    /// written, so the sequence goes on from the value it has reached.
    Alter {
        from: Sequence,
        to: Sequence,
    },
}

/// A column converted to the new domain when a domain is recreated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainColumnUse {
    pub table: QualifiedName,
    pub column: String,
    /// `1` when the column is an array of the domain.
    pub array_dims: u8,
}

/// A step on a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainChange {
    Create(Domain),
    Drop(QualifiedName),
    SetDefault {
        name: QualifiedName,
        default: String,
    },
    DropDefault {
        name: QualifiedName,
    },
    SetNotNull {
        name: QualifiedName,
    },
    DropNotNull {
        name: QualifiedName,
    },
    /// `ADD CONSTRAINT … CHECK`, which checks every value stored.
    AddCheck {
        name: QualifiedName,
        check: Check,
    },
    DropCheck {
        name: QualifiedName,
        check: String,
    },
    /// The base type or the collation changes, which `ALTER DOMAIN` cannot
    /// do: the old domain is renamed to `temporary_name`, the new one
    /// created, every column of the old one converted (through the new
    /// base type) and the old one dropped.
    Recreate {
        from: Box<Domain>,
        to: Box<Domain>,
        temporary_name: QualifiedName,
        columns: Vec<DomainColumnUse>,
    },
}

/// A step on a composite type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompositeChange {
    Create(CompositeType),
    Drop(QualifiedName),
    AddAttribute {
        name: QualifiedName,
        attribute: CompositeAttribute,
    },
    DropAttribute {
        name: QualifiedName,
        attribute: String,
    },
    AlterAttributeType {
        name: QualifiedName,
        attribute: String,
        from: ColumnType,
        to: ColumnType,
    },
}

/// Applies a sequence step to the model.
pub(super) fn apply_sequence_change(schema: &mut Schema, change: &SequenceChange) {
    match change {
        SequenceChange::Create(sequence) => {
            schema
                .sequences
                .retain(|existing| existing.name != sequence.name);
            schema.sequences.push(sequence.clone());
            schema.sequences.sort_by(|a, b| a.name.cmp(&b.name));
        }
        SequenceChange::Drop(name) => schema.sequences.retain(|existing| &existing.name != name),
        SequenceChange::Alter { to, .. } => {
            if let Some(sequence) = schema.sequences.iter_mut().find(|s| s.name == to.name) {
                *sequence = to.clone();
            }
        }
    }
}

/// Applies a domain step to the model.
pub(super) fn apply_domain_change(schema: &mut Schema, change: &DomainChange) {
    match change {
        DomainChange::Create(domain) => {
            schema
                .domains
                .retain(|existing| existing.name != domain.name);
            schema.domains.push(domain.clone());
            schema.domains.sort_by(|a, b| a.name.cmp(&b.name));
        }
        DomainChange::Drop(name) => schema.domains.retain(|existing| &existing.name != name),
        DomainChange::Recreate { to, .. } => {
            if let Some(domain) = domain_mut(schema, &to.name) {
                *domain = Domain::clone(to);
            }
        }
        DomainChange::SetDefault { name, default } => {
            if let Some(domain) = domain_mut(schema, name) {
                domain.default = Some(default.clone());
            }
        }
        DomainChange::DropDefault { name } => {
            if let Some(domain) = domain_mut(schema, name) {
                domain.default = None;
            }
        }
        DomainChange::SetNotNull { name } => {
            if let Some(domain) = domain_mut(schema, name) {
                domain.not_null = true;
            }
        }
        DomainChange::DropNotNull { name } => {
            if let Some(domain) = domain_mut(schema, name) {
                domain.not_null = false;
            }
        }
        DomainChange::AddCheck { name, check } => {
            if let Some(domain) = domain_mut(schema, name)
                && !domain
                    .checks
                    .iter()
                    .any(|existing| existing.name == check.name)
            {
                domain.checks.push(check.clone());
                domain.checks.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        DomainChange::DropCheck { name, check } => {
            if let Some(domain) = domain_mut(schema, name) {
                domain.checks.retain(|existing| &existing.name != check);
            }
        }
    }
}

fn domain_mut<'a>(schema: &'a mut Schema, name: &QualifiedName) -> Option<&'a mut Domain> {
    schema
        .domains
        .iter_mut()
        .find(|domain| &domain.name == name)
}

/// Applies a composite type step to the model.
pub(super) fn apply_composite_change(schema: &mut Schema, change: &CompositeChange) {
    match change {
        CompositeChange::Create(composite) => {
            schema
                .composite_types
                .retain(|existing| existing.name != composite.name);
            schema.composite_types.push(composite.clone());
            schema.composite_types.sort_by(|a, b| a.name.cmp(&b.name));
        }
        CompositeChange::Drop(name) => schema
            .composite_types
            .retain(|existing| &existing.name != name),
        CompositeChange::AddAttribute { name, attribute } => {
            if let Some(composite) = composite_mut(schema, name)
                && !composite
                    .attributes
                    .iter()
                    .any(|a| a.name == attribute.name)
            {
                composite.attributes.push(attribute.clone());
            }
        }
        CompositeChange::DropAttribute { name, attribute } => {
            if let Some(composite) = composite_mut(schema, name) {
                composite.attributes.retain(|a| &a.name != attribute);
            }
        }
        CompositeChange::AlterAttributeType {
            name,
            attribute,
            to,
            ..
        } => {
            if let Some(composite) = composite_mut(schema, name)
                && let Some(existing) = composite
                    .attributes
                    .iter_mut()
                    .find(|a| &a.name == attribute)
            {
                existing.ty = to.clone();
            }
        }
    }
}

fn composite_mut<'a>(
    schema: &'a mut Schema,
    name: &QualifiedName,
) -> Option<&'a mut CompositeType> {
    schema
        .composite_types
        .iter_mut()
        .find(|composite| &composite.name == name)
}

/// What a sequence step does, in words.
pub(super) fn describe_sequence_change(change: &SequenceChange) -> String {
    match change {
        SequenceChange::Create(sequence) => {
            format!("create sequence {}", quote_qualified(&sequence.name))
        }
        SequenceChange::Drop(name) => format!("drop sequence {}", quote_qualified(name)),
        SequenceChange::Alter { to, .. } => format!("alter sequence {}", quote_qualified(&to.name)),
    }
}

/// What a domain step does, in words.
pub(super) fn describe_domain_change(change: &DomainChange) -> String {
    match change {
        DomainChange::Create(domain) => format!("create domain {}", quote_qualified(&domain.name)),
        DomainChange::Drop(name) => format!("drop domain {}", quote_qualified(name)),
        DomainChange::SetDefault { name, .. } | DomainChange::DropDefault { name } => {
            format!("change the default of domain {}", quote_qualified(name))
        }
        DomainChange::SetNotNull { name } => {
            format!("set NOT NULL on domain {}", quote_qualified(name))
        }
        DomainChange::DropNotNull { name } => {
            format!("drop NOT NULL from domain {}", quote_qualified(name))
        }
        DomainChange::AddCheck { name, check } => format!(
            "add check {} to domain {}",
            quote_identifier(&check.name),
            quote_qualified(name)
        ),
        DomainChange::DropCheck { name, check } => format!(
            "drop check {} from domain {}",
            quote_identifier(check),
            quote_qualified(name)
        ),
        DomainChange::Recreate { to, .. } => {
            format!(
                "recreate domain {} with its new type",
                quote_qualified(&to.name)
            )
        }
    }
}

/// What a composite type step does, in words.
pub(super) fn describe_composite_change(change: &CompositeChange) -> String {
    match change {
        CompositeChange::Create(composite) => {
            format!("create composite type {}", quote_qualified(&composite.name))
        }
        CompositeChange::Drop(name) => format!("drop composite type {}", quote_qualified(name)),
        CompositeChange::AddAttribute { name, attribute } => format!(
            "add attribute {} to composite type {}",
            quote_identifier(&attribute.name),
            quote_qualified(name)
        ),
        CompositeChange::DropAttribute { name, attribute } => format!(
            "drop attribute {} from composite type {}",
            quote_identifier(attribute),
            quote_qualified(name)
        ),
        CompositeChange::AlterAttributeType {
            name, attribute, ..
        } => format!(
            "change the type of attribute {} of composite type {}",
            quote_identifier(attribute),
            quote_qualified(name)
        ),
    }
}

/// Why a sequence step can lose data or fail, unescaped.
pub(super) fn sequence_warning(change: &SequenceChange) -> Option<String> {
    match change {
        SequenceChange::Drop(name) => Some(format!(
            "drops sequence {}: the value it has reached is lost",
            quote_qualified(name)
        )),
        SequenceChange::Alter { from, to }
            if to.min_value > from.min_value || to.max_value < from.max_value =>
        {
            Some(format!(
                "narrows the bounds of sequence {}: fails if its current value is outside them",
                quote_qualified(&to.name)
            ))
        }
        _ => None,
    }
}

/// Why a domain step can lose data or fail, unescaped.
pub(super) fn domain_warning(change: &DomainChange) -> Option<String> {
    match change {
        DomainChange::Drop(name) => Some(format!("drops domain {}", quote_qualified(name))),
        DomainChange::SetNotNull { name } => Some(format!(
            "sets NOT NULL on domain {}: fails if a column of it holds NULLs",
            quote_qualified(name)
        )),
        DomainChange::AddCheck { name, check } => Some(format!(
            "adds check {} to domain {}: fails if a stored value breaks it",
            quote_identifier(&check.name),
            quote_qualified(name)
        )),
        DomainChange::Recreate { to, .. } => Some(format!(
            "recreates domain {} and converts its columns: values may fail to convert",
            quote_qualified(&to.name)
        )),
        _ => None,
    }
}

/// Why a composite type step can lose data or fail, unescaped.
pub(super) fn composite_warning(change: &CompositeChange) -> Option<String> {
    match change {
        CompositeChange::Drop(name) => {
            Some(format!("drops composite type {}", quote_qualified(name)))
        }
        CompositeChange::DropAttribute { name, attribute } => Some(format!(
            "drops attribute {} of composite type {}: its data is lost",
            quote_identifier(attribute),
            quote_qualified(name)
        )),
        CompositeChange::AlterAttributeType {
            name, attribute, ..
        } => Some(format!(
            "changes the type of attribute {} of composite type {}: fails if the type is in use",
            quote_identifier(attribute),
            quote_qualified(name)
        )),
        _ => None,
    }
}
