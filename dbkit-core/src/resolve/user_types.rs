//! The resolver's part for sequences, domains and composite types.
//!
//! Their names share PostgreSQL's namespaces with tables and enums: a
//! domain or composite type takes a type name (as every enum and table
//! does), a sequence or composite type a relation name (as every table
//! does); two declarations that would take the same name are errors naming
//! both. Enums, domains and composite types are the types a field can name
//! by its Rust name; a composite type's attributes are resolved as a
//! table's columns are.

use super::{Context, location_key};
use crate::model::{
    BaseType, ColumnType, CompositeAttribute, CompositeType, Domain, QualifiedName, Schema,
    Sequence, SourceLocation,
};
use crate::parse::{
    CompositeTypeDeclaration, Declaration, DomainDeclaration, EnumDeclaration, SchemaError,
    SequenceDeclaration, SourcePlace, TableDeclaration,
};
use std::collections::HashMap;

/// An enum, domain or composite type a field can name.
pub(super) struct NamedType {
    pub name: QualifiedName,
    pub base: BaseType,
    pub place: SourceLocation,
}

/// The sequence, domain and composite type declarations, in source order.
#[derive(Default)]
pub(super) struct UserTypeDeclarations {
    sequences: Vec<SequenceDeclaration>,
    domains: Vec<DomainDeclaration>,
    composites: Vec<CompositeTypeDeclaration>,
}

impl UserTypeDeclarations {
    /// Takes a declaration; those of other kinds are the caller's.
    pub fn push(&mut self, declaration: Declaration) {
        match declaration {
            Declaration::Sequence(sequence) => self.sequences.push(sequence),
            Declaration::Domain(domain) => self.domains.push(domain),
            Declaration::CompositeType(composite) => self.composites.push(composite),
            Declaration::Table(_)
            | Declaration::Enum(_)
            | Declaration::Extension(_)
            | Declaration::SqlObject(_)
            | Declaration::View(_)
            | Declaration::Function(_) => {}
        }
    }
}

/// Which declarations are kept (not a second declaration of a name).
#[derive(Default)]
pub(super) struct Kept {
    sequences: Vec<bool>,
    domains: Vec<bool>,
    composites: Vec<bool>,
}

/// What takes a name: a type, a relation or both.
#[derive(Clone, Copy)]
struct Takes {
    type_name: bool,
    relation_name: bool,
}

/// Reports every sequence, domain and composite type whose name is taken
/// already (by an earlier one of them, or by any enum or table), and says
/// which are kept.
pub(super) fn check_names(
    declarations: &UserTypeDeclarations,
    enums: &HashMap<QualifiedName, &EnumDeclaration>,
    tables: &HashMap<QualifiedName, &TableDeclaration>,
    errors: &mut Vec<SchemaError>,
) -> Kept {
    // Every owner of a name: (name, what, takes, place).
    let mut owners: Vec<(QualifiedName, &str, Takes, SourceLocation)> = Vec::new();
    for enum_declaration in enums.values() {
        owners.push((
            enum_declaration.name.clone(),
            "an enum",
            Takes {
                type_name: true,
                relation_name: false,
            },
            enum_declaration.place.location.clone(),
        ));
    }
    for table in tables.values() {
        owners.push((
            table.name.clone(),
            "a table",
            Takes {
                type_name: true,
                relation_name: true,
            },
            table.place.location.clone(),
        ));
    }
    // Each new declaration with what it takes, in source order.
    let mut new: Vec<(usize, usize, &QualifiedName, &str, Takes, &SourcePlace)> = Vec::new();
    for (index, sequence) in declarations.sequences.iter().enumerate() {
        let takes = Takes {
            type_name: false,
            relation_name: true,
        };
        new.push((
            0,
            index,
            &sequence.name,
            "a sequence",
            takes,
            &sequence.place,
        ));
    }
    for (index, domain) in declarations.domains.iter().enumerate() {
        let takes = Takes {
            type_name: true,
            relation_name: false,
        };
        new.push((1, index, &domain.name, "a domain", takes, &domain.place));
    }
    for (index, composite) in declarations.composites.iter().enumerate() {
        let takes = Takes {
            type_name: true,
            relation_name: true,
        };
        new.push((
            2,
            index,
            &composite.name,
            "a composite type",
            takes,
            &composite.place,
        ));
    }
    new.sort_by(|a, b| location_key(&a.5.location).cmp(&location_key(&b.5.location)));
    let mut kept = Kept {
        sequences: vec![false; declarations.sequences.len()],
        domains: vec![false; declarations.domains.len()],
        composites: vec![false; declarations.composites.len()],
    };
    for (kind, index, name, what, takes, place) in new {
        let clash = owners.iter().find(|(owner, _, owner_takes, _)| {
            owner == name
                && ((takes.type_name && owner_takes.type_name)
                    || (takes.relation_name && owner_takes.relation_name))
        });
        if let Some((_, owner_what, _, owner_place)) = clash {
            errors.push(
                SchemaError::at(place, format!("the name `{name}` is taken by {owner_what}"))
                    .with_label(format!("{what} of this name"))
                    .with_related(owner_place.clone(), format!("{owner_what} of this name is declared here"))
                    .with_help("PostgreSQL keeps tables, sequences and types in one namespace per schema: give one of them another `name` or `schema`"),
            );
            continue;
        }
        owners.push((name.clone(), what, takes, place.location.clone()));
        let slot = match kind {
            0 => kept.sequences.get_mut(index),
            1 => kept.domains.get_mut(index),
            _ => kept.composites.get_mut(index),
        };
        if let Some(slot) = slot {
            *slot = true;
        }
    }
    kept
}

/// The domains and composite types kept, by their Rust names.
pub(super) fn named_types<'a>(
    declarations: &'a UserTypeDeclarations,
    kept: &Kept,
) -> Vec<(&'a str, NamedType)> {
    let domains = declarations
        .domains
        .iter()
        .zip(&kept.domains)
        .filter(|(_, kept)| **kept)
        .map(|(domain, _)| {
            (
                domain.rust_name.as_str(),
                NamedType {
                    name: domain.name.clone(),
                    base: BaseType::Domain(domain.name.clone()),
                    place: domain.place.location.clone(),
                },
            )
        });
    let composites = declarations
        .composites
        .iter()
        .zip(&kept.composites)
        .filter(|(_, kept)| **kept)
        .map(|(composite, _)| {
            (
                composite.rust_name.as_str(),
                NamedType {
                    name: composite.name.clone(),
                    base: BaseType::Composite(composite.name.clone()),
                    place: composite.place.location.clone(),
                },
            )
        });
    domains.chain(composites).collect()
}

/// The types of each kept composite type's attributes (empty for one not
/// kept); an attribute of the type itself is an error.
pub(super) fn resolve_attribute_types(
    context: &Context<'_>,
    declarations: &UserTypeDeclarations,
    kept: &Kept,
    errors: &mut Vec<SchemaError>,
) -> Vec<Vec<ColumnType>> {
    let mut resolved = Vec::with_capacity(declarations.composites.len());
    for (composite, kept) in declarations.composites.iter().zip(&kept.composites) {
        let mut types = Vec::new();
        if *kept {
            for attribute in &composite.attributes {
                match context.resolve_declared_type(
                    &composite.name.schema,
                    &attribute.ty,
                    &attribute.type_place,
                ) {
                    Ok(ty) if ty.base == BaseType::Composite(composite.name.clone()) => {
                        errors.push(
                            SchemaError::at(
                                &attribute.type_place,
                                format!("the composite type `{}` contains itself", composite.name),
                            )
                            .with_help("PostgreSQL refuses a type that contains itself: use another type for the attribute"),
                        );
                    }
                    Ok(ty) => types.push(ty),
                    Err(error) => errors.push(*error),
                }
            }
        }
        resolved.push(types);
    }
    resolved
}

/// Adds the kept declarations to the schema, with the schemas they need.
pub(super) fn build(
    schema: &mut Schema,
    declarations: UserTypeDeclarations,
    kept: &Kept,
    attribute_types: Vec<Vec<ColumnType>>,
) {
    let add_schema = |name: &QualifiedName, schemas: &mut Vec<String>| {
        if name.schema != "public" {
            schemas.push(name.schema.clone());
        }
    };
    for (sequence, _) in declarations
        .sequences
        .into_iter()
        .zip(&kept.sequences)
        .filter(|(_, kept)| **kept)
    {
        add_schema(&sequence.name, &mut schema.schemas);
        schema.sequences.push(Sequence {
            data_type: sequence.data_type,
            start: sequence.start,
            increment: sequence.increment,
            min_value: sequence.min_value,
            max_value: sequence.max_value,
            cycle: sequence.cycle,
            cache: sequence.cache,
            source: Some(sequence.place.location),
            ..Sequence::new(sequence.name)
        });
    }
    for (domain, _) in declarations
        .domains
        .into_iter()
        .zip(&kept.domains)
        .filter(|(_, kept)| **kept)
    {
        add_schema(&domain.name, &mut schema.schemas);
        schema.domains.push(Domain {
            not_null: domain.not_null,
            default: domain.default,
            checks: domain.checks,
            collation: domain.collation,
            source: Some(domain.place.location),
            ..Domain::new(domain.name, domain.ty)
        });
    }
    for ((composite, _), types) in declarations
        .composites
        .into_iter()
        .zip(&kept.composites)
        .zip(attribute_types)
        .filter(|((_, kept), _)| **kept)
    {
        add_schema(&composite.name, &mut schema.schemas);
        let attributes = composite
            .attributes
            .into_iter()
            .zip(types)
            .map(|(attribute, ty)| CompositeAttribute::new(attribute.name, ty))
            .collect();
        schema.composite_types.push(CompositeType {
            source: Some(composite.place.location),
            ..CompositeType::new(composite.name, attributes)
        });
    }
}
