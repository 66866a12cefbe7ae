//! Writing sequences, domains and composite types: a unit struct per
//! sequence, a newtype per domain, a struct per composite type, in the
//! file of their schema that is not a group of tables (`public.rs` or the
//! schema's own file), after its enums and tables.
//!
//! Their Rust names are allocated after every enum's and table's, so the
//! names a schema without them gets do not change.

use super::super::column_types::{EnumPlace, FieldType, Import, field_type};
use super::super::grouping::{FileKind, FilePlan};
use super::super::identifiers::{NameAllocator, snake_case_identifier};
use super::super::layout::{AttributePlace, Meta, write_dbkit_attribute};
use super::super::unexpressed::Unexpressed;
use super::{Context, PUBLIC, type_name_candidates};
use crate::model::{ColumnType, CompositeType, Domain, QualifiedName, Sequence};
use crate::naming;
use std::collections::{BTreeMap, BTreeSet};

/// Whether `plan` is the file that holds its schema's sequences, domains
/// and composite types.
pub(super) fn hosts_user_types(plan: &FilePlan) -> bool {
    !matches!(plan.kind, FileKind::Group { .. })
}

/// Allocates the Rust names of the domains and composite types (which
/// fields name) and of the sequences.
pub(super) fn name_user_types(
    context: &mut Context<'_>,
    plans: &[FilePlan],
    allocator: &mut NameAllocator,
) {
    let host: BTreeMap<&str, &str> = plans
        .iter()
        .filter(|plan| hosts_user_types(plan))
        .map(|plan| (plan.schema.as_str(), plan.module_name.as_str()))
        .collect();
    let public_first = |name: &QualifiedName| (name.schema != PUBLIC, name.clone());
    let mut names: Vec<(&QualifiedName, &str)> = context
        .schema
        .domains
        .iter()
        .map(|domain| (&domain.name, "Domain"))
        .chain(
            context
                .schema
                .composite_types
                .iter()
                .map(|composite| (&composite.name, "Type")),
        )
        .chain(
            context
                .schema
                .sequences
                .iter()
                .map(|sequence| (&sequence.name, "Sequence")),
        )
        .collect();
    names.sort_by_key(|(name, _)| public_first(name));
    for (name, fallback) in names {
        let rust_name = allocator.allocate(&type_name_candidates(name, fallback), "");
        let module = host.get(name.schema.as_str()).copied().unwrap_or_default();
        context.user_types.insert(
            name.clone(),
            EnumPlace {
                module: module.to_string(),
                rust_name,
            },
        );
    }
}

/// The items of the sequences, domains and composite types of the plan's
/// schema, when the plan hosts them.
pub(super) fn write_user_types(
    context: &mut Context<'_>,
    plan: &FilePlan,
    imports: &mut BTreeSet<Import>,
    derives: &mut Vec<&'static str>,
) -> Vec<String> {
    if !hosts_user_types(plan) {
        return Vec::new();
    }
    let schema = context.schema;
    let mut items = Vec::new();
    let derive = |name: &'static str, derives: &mut Vec<&'static str>| {
        if !derives.contains(&name) {
            derives.push(name);
        }
    };
    for domain in schema
        .domains
        .iter()
        .filter(|d| d.name.schema == plan.schema)
    {
        if let Some(item) = write_domain(context, domain, &plan.module_name, imports) {
            items.push(item);
            derive("Domain", derives);
        }
    }
    for composite in schema
        .composite_types
        .iter()
        .filter(|c| c.name.schema == plan.schema)
    {
        if let Some(item) = write_composite(context, composite, &plan.module_name, imports) {
            items.push(item);
            derive("CompositeType", derives);
        }
    }
    for sequence in schema
        .sequences
        .iter()
        .filter(|s| s.name.schema == plan.schema)
    {
        if let Some(item) = write_sequence(context, sequence) {
            items.push(item);
            derive("Sequence", derives);
        }
    }
    items
}

/// `name` (when not the snake_case of the Rust name) and `schema` (when
/// not `public`).
fn name_attributes(rust_name: &str, name: &QualifiedName) -> Vec<Meta> {
    let mut attributes = Vec::new();
    if naming::snake_case(rust_name) != name.name {
        attributes.push(Meta::text("name", name.name.clone()));
    }
    if name.schema != PUBLIC {
        attributes.push(Meta::text("schema", name.schema.clone()));
    }
    attributes
}

fn write_sequence(context: &Context<'_>, sequence: &Sequence) -> Option<String> {
    let rust_name = &context.user_types.get(&sequence.name)?.rust_name;
    let mut attributes = name_attributes(rust_name, &sequence.name);
    let defaults = Sequence::with_defaults(
        sequence.name.clone(),
        &sequence.data_type,
        sequence.increment,
        None,
        None,
        None,
    );
    if sequence.data_type != "bigint" {
        attributes.push(Meta::text("as", sequence.data_type.clone()));
    }
    let mut number = |name: &str, value: i64, default: i64| {
        if value != default {
            attributes.push(Meta::word(format!("{name} = {value}")));
        }
    };
    number("start", sequence.start, defaults.start);
    number("increment", sequence.increment, 1);
    number("min_value", sequence.min_value, defaults.min_value);
    number("max_value", sequence.max_value, defaults.max_value);
    number("cache", sequence.cache, 1);
    if sequence.cycle {
        attributes.push(Meta::word("cycle"));
    }
    let mut out = String::from("#[derive(Sequence)]\n");
    if !attributes.is_empty() {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &attributes);
    }
    out.push_str(&format!("pub struct {rust_name};\n"));
    Some(out)
}

fn write_domain(
    context: &mut Context<'_>,
    domain: &Domain,
    module: &str,
    imports: &mut BTreeSet<Import>,
) -> Option<String> {
    let rust_name = context.user_types.get(&domain.name)?.rust_name.clone();
    let mut attributes = name_attributes(&rust_name, &domain.name);
    let (rust, sql_type) = written_type(context, &domain.ty, module, imports, false, || {
        format!("domain `{}`", domain.name)
    });
    if let Some(sql_type) = sql_type {
        attributes.push(Meta::text("sql_type", sql_type));
    }
    if domain.not_null {
        attributes.push(Meta::word("not_null"));
    }
    if let Some(default) = &domain.default {
        attributes.push(Meta::text("default", default.clone()));
    }
    for check in &domain.checks {
        attributes.push(Meta::List(
            "check",
            vec![
                Meta::text("name", check.name.clone()),
                Meta::text("expr", check.expr.clone()),
            ],
        ));
    }
    if let Some(collation) = &domain.collation {
        attributes.push(Meta::text("collate", collation.clone()));
    }
    let mut out = String::from("#[derive(Debug, Clone, Domain)]\n");
    if !attributes.is_empty() {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &attributes);
    }
    out.push_str(&format!("pub struct {rust_name}(pub {rust});\n"));
    Some(out)
}

fn write_composite(
    context: &mut Context<'_>,
    composite: &CompositeType,
    module: &str,
    imports: &mut BTreeSet<Import>,
) -> Option<String> {
    let rust_name = context.user_types.get(&composite.name)?.rust_name.clone();
    let attributes = name_attributes(&rust_name, &composite.name);
    let mut out = String::from("#[derive(Debug, Clone, CompositeType)]\n");
    if !attributes.is_empty() {
        write_dbkit_attribute(&mut out, AttributePlace::Item, &attributes);
    }
    out.push_str(&format!("pub struct {rust_name} {{\n"));
    let mut fields = NameAllocator::with_reserved(&[]);
    for attribute in &composite.attributes {
        let field = fields.allocate(&[snake_case_identifier(&attribute.name, "field")], "_");
        let (rust, sql_type) = written_type(context, &attribute.ty, module, imports, true, || {
            format!(
                "attribute `{}` of composite type `{}`",
                attribute.name, composite.name
            )
        });
        let mut metas = Vec::new();
        if field.trim_start_matches("r#") != attribute.name {
            metas.push(Meta::text("rename", attribute.name.clone()));
        }
        if let Some(sql_type) = sql_type {
            metas.push(Meta::text("sql_type", sql_type));
        }
        if !metas.is_empty() {
            write_dbkit_attribute(&mut out, AttributePlace::Field, &metas);
        }
        out.push_str(&format!("    pub {field}: {rust},\n"));
    }
    out.push_str("}\n");
    Some(out)
}

/// The Rust type (and `sql_type`) of a domain's base type or an
/// attribute's type, as a column's is written; a type that does not read
/// back is reported. `resolved`: the parser resolves a `sql_type` that
/// names a declared type (an attribute's does, a domain's base type does
/// not: a domain over another keeps its name as written).
fn written_type(
    context: &mut Context<'_>,
    ty: &ColumnType,
    module: &str,
    imports: &mut BTreeSet<Import>,
    resolved: bool,
    object: impl Fn() -> String,
) -> (String, Option<String>) {
    let enums = &context.enums;
    let user_types = &context.user_types;
    let place = |name: &QualifiedName| {
        enums
            .get(name)
            .map(|written| EnumPlace {
                module: written.module.clone(),
                rust_name: written.rust_name.clone(),
            })
            .or_else(|| user_types.get(name).cloned())
    };
    let names_type = |text: &str| {
        let name = match text.split_once('.') {
            Some((schema, name)) => QualifiedName::new(schema, name),
            None => QualifiedName::new(PUBLIC, text),
        };
        resolved && (enums.contains_key(&name) || user_types.contains_key(&name))
    };
    let mut problem = None;
    let FieldType {
        rust,
        sql_type,
        imports: needed,
    } = field_type(
        ty,
        false,
        module,
        &place,
        &names_type,
        context.type_relatives,
        &mut problem,
    );
    imports.extend(needed);
    if let Some(reason) = problem {
        context.unexpressed.push(Unexpressed::TypeOf {
            object: object(),
            reason,
        });
    }
    (rust, sql_type)
}
