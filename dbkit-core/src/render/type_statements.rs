//! The SQL of the steps on sequences, domains and composite types.
//!
//! A new sequence is written with every option, so that what it does
//! never depends on PostgreSQL's defaults; `ALTER SEQUENCE` names only
//! what changes (all bounds and the start when its type changes, since
//! `AS` moves bounds that were the old type's limits) and never
//! `RESTART`, so a live sequence goes on from where it is.

use super::{render_type, type_without_modifier};
use crate::diff::{CompositeChange, DomainChange, DomainColumnUse, SequenceChange};
use crate::model::{Check, CompositeType, Domain, Sequence};
use crate::sql_text::{quote_identifier, quote_qualified};

/// The statements of a sequence step.
pub(super) fn render_sequence_change(change: &SequenceChange) -> Vec<String> {
    match change {
        SequenceChange::Create(sequence) => vec![format!(
            "CREATE SEQUENCE {} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {}{};",
            quote_qualified(&sequence.name),
            sequence.data_type,
            sequence.increment,
            sequence.min_value,
            sequence.max_value,
            sequence.start,
            sequence.cache,
            if sequence.cycle {
                " CYCLE"
            } else {
                " NO CYCLE"
            }
        )],
        SequenceChange::Drop(name) => vec![format!("DROP SEQUENCE {};", quote_qualified(name))],
        SequenceChange::Alter { from, to } => {
            vec![format!(
                "ALTER SEQUENCE {}{};",
                quote_qualified(&to.name),
                sequence_options(from, to)
            )]
        }
    }
}

/// ` AS integer MAXVALUE 100 …`: the options of `to` that differ from
/// `from`.
fn sequence_options(from: &Sequence, to: &Sequence) -> String {
    let retyped = from.data_type != to.data_type;
    let mut options = String::new();
    if retyped {
        options.push_str(&format!(" AS {}", to.data_type));
    }
    if from.increment != to.increment {
        options.push_str(&format!(" INCREMENT BY {}", to.increment));
    }
    if retyped || from.min_value != to.min_value {
        options.push_str(&format!(" MINVALUE {}", to.min_value));
    }
    if retyped || from.max_value != to.max_value {
        options.push_str(&format!(" MAXVALUE {}", to.max_value));
    }
    if retyped || from.start != to.start {
        options.push_str(&format!(" START WITH {}", to.start));
    }
    if from.cache != to.cache {
        options.push_str(&format!(" CACHE {}", to.cache));
    }
    if from.cycle != to.cycle {
        options.push_str(if to.cycle { " CYCLE" } else { " NO CYCLE" });
    }
    options
}

/// The statements of a domain step.
pub(super) fn render_domain_change(change: &DomainChange) -> Vec<String> {
    let alter = |name| format!("ALTER DOMAIN {}", quote_qualified(name));
    match change {
        DomainChange::Create(domain) => vec![render_create_domain(domain)],
        DomainChange::Drop(name) => vec![format!("DROP DOMAIN {};", quote_qualified(name))],
        DomainChange::SetDefault { name, default } => {
            vec![format!("{} SET DEFAULT {default};", alter(name))]
        }
        DomainChange::DropDefault { name } => vec![format!("{} DROP DEFAULT;", alter(name))],
        DomainChange::SetNotNull { name } => vec![format!("{} SET NOT NULL;", alter(name))],
        DomainChange::DropNotNull { name } => vec![format!("{} DROP NOT NULL;", alter(name))],
        DomainChange::AddCheck { name, check } => {
            vec![format!("{} ADD {};", alter(name), render_check(check))]
        }
        DomainChange::DropCheck { name, check } => vec![format!(
            "{} DROP CONSTRAINT {};",
            alter(name),
            quote_identifier(check)
        )],
        DomainChange::Recreate {
            from,
            to,
            temporary_name,
            columns,
        } => {
            let mut statements = vec![format!(
                "{} RENAME TO {};",
                alter(&from.name),
                quote_identifier(&temporary_name.name)
            )];
            statements.push(render_create_domain(to));
            statements.extend(columns.iter().map(|column| convert_column(column, to)));
            statements.push(format!("DROP DOMAIN {};", quote_qualified(temporary_name)));
            statements
        }
    }
}

/// `CREATE DOMAIN … AS … COLLATE … DEFAULT … NOT NULL CONSTRAINT … CHECK (…)`.
fn render_create_domain(domain: &Domain) -> String {
    let mut sql = format!(
        "CREATE DOMAIN {} AS {}",
        quote_qualified(&domain.name),
        render_type(&domain.ty)
    );
    if let Some(collation) = &domain.collation {
        sql.push_str(&format!(" COLLATE {}", quote_identifier(collation)));
    }
    if let Some(default) = &domain.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if domain.not_null {
        sql.push_str(" NOT NULL");
    }
    for check in &domain.checks {
        sql.push(' ');
        sql.push_str(&render_check(check));
    }
    sql.push(';');
    sql
}

fn render_check(check: &Check) -> String {
    format!(
        "CONSTRAINT {} CHECK ({})",
        quote_identifier(&check.name),
        check.expr
    )
}

/// A column of a recreated domain converted to the new one, through the
/// new base type without its modifier (a cast to `varchar(10)` would cut
/// values that the new domain must refuse).
fn convert_column(column: &DomainColumnUse, to: &Domain) -> String {
    let arrays = "[]".repeat(usize::from(column.array_dims));
    let base = type_without_modifier(&render_type(&to.ty));
    format!(
        "ALTER TABLE {} ALTER COLUMN {} TYPE {}{arrays} USING {}::{base}{arrays};",
        quote_qualified(&column.table),
        quote_identifier(&column.column),
        quote_qualified(&to.name),
        quote_identifier(&column.column)
    )
}

/// The statements of a composite type step.
pub(super) fn render_composite_change(change: &CompositeChange) -> Vec<String> {
    let alter = |name| format!("ALTER TYPE {}", quote_qualified(name));
    match change {
        CompositeChange::Create(composite) => vec![render_create_composite(composite)],
        CompositeChange::Drop(name) => vec![format!("DROP TYPE {};", quote_qualified(name))],
        CompositeChange::AddAttribute { name, attribute } => vec![format!(
            "{} ADD ATTRIBUTE {} {};",
            alter(name),
            quote_identifier(&attribute.name),
            render_type(&attribute.ty)
        )],
        CompositeChange::DropAttribute { name, attribute } => vec![format!(
            "{} DROP ATTRIBUTE {};",
            alter(name),
            quote_identifier(attribute)
        )],
        CompositeChange::AlterAttributeType {
            name,
            attribute,
            to,
            ..
        } => vec![format!(
            "{} ALTER ATTRIBUTE {} TYPE {};",
            alter(name),
            quote_identifier(attribute),
            render_type(to)
        )],
    }
}

fn render_create_composite(composite: &CompositeType) -> String {
    let attributes: Vec<String> = composite
        .attributes
        .iter()
        .map(|attribute| {
            format!(
                "    {} {}",
                quote_identifier(&attribute.name),
                render_type(&attribute.ty)
            )
        })
        .collect();
    format!(
        "CREATE TYPE {} AS (\n{}\n);",
        quote_qualified(&composite.name),
        attributes.join(",\n")
    )
}

/// What a step is about for the migration's name: rank, verb and object.
pub(super) fn headline_parts(change: &crate::diff::Change) -> Option<(u8, &'static str, &str)> {
    use crate::diff::Change;
    match change {
        Change::Sequence(SequenceChange::Create(sequence)) => {
            Some((2, "create", &sequence.name.name))
        }
        Change::Sequence(SequenceChange::Drop(name)) => Some((2, "drop", &name.name)),
        Change::Sequence(SequenceChange::Alter { to, .. }) => Some((2, "alter", &to.name.name)),
        Change::Domain(DomainChange::Create(domain)) => Some((2, "create", &domain.name.name)),
        Change::Domain(DomainChange::Drop(name)) => Some((2, "drop", &name.name)),
        Change::Domain(
            DomainChange::SetDefault { name, .. }
            | DomainChange::DropDefault { name }
            | DomainChange::SetNotNull { name }
            | DomainChange::DropNotNull { name }
            | DomainChange::AddCheck { name, .. }
            | DomainChange::DropCheck { name, .. },
        ) => Some((2, "alter", &name.name)),
        Change::Domain(DomainChange::Recreate { to, .. }) => Some((2, "alter", &to.name.name)),
        Change::Composite(CompositeChange::Create(composite)) => {
            Some((2, "create", &composite.name.name))
        }
        Change::Composite(CompositeChange::Drop(name)) => Some((2, "drop", &name.name)),
        Change::Composite(
            CompositeChange::AddAttribute { name, .. }
            | CompositeChange::DropAttribute { name, .. }
            | CompositeChange::AlterAttributeType { name, .. },
        ) => Some((2, "alter", &name.name)),
        _ => None,
    }
}
