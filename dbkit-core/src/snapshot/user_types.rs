//! The snapshot writer's part for sequences, domains and composite types:
//! each list is written only when it holds something, as serde skips it
//! when empty, so the snapshots of schemas without them keep their bytes.

use super::{PrettyJson, write_column_type, write_qualified_name};
use crate::model::{CompositeType, Domain, Schema, Sequence};

/// `composite_types` and `domains`, the keys sorted before `enums`.
pub(super) fn write_composite_types_and_domains(json: &mut PrettyJson, schema: &Schema) {
    if !schema.composite_types.is_empty() {
        json.key("composite_types");
        json.array(&schema.composite_types, write_composite_type);
    }
    if !schema.domains.is_empty() {
        json.key("domains");
        json.array(&schema.domains, write_domain);
    }
}

/// `sequences`, the key sorted between `schemas` and `tables`.
pub(super) fn write_sequences(json: &mut PrettyJson, schema: &Schema) {
    if !schema.sequences.is_empty() {
        json.key("sequences");
        json.array(&schema.sequences, write_sequence);
    }
}

fn write_composite_type(json: &mut PrettyJson, composite: &CompositeType) {
    json.open_object();
    json.key("attributes");
    json.array(&composite.attributes, |json, attribute| {
        json.open_object();
        json.string_field("name", &attribute.name);
        json.key("type");
        write_column_type(json, &attribute.ty);
        json.close_object();
    });
    json.key("name");
    write_qualified_name(json, &composite.name);
    json.close_object();
}

fn write_domain(json: &mut PrettyJson, domain: &Domain) {
    json.open_object();
    if !domain.checks.is_empty() {
        json.key("checks");
        json.array(&domain.checks, |json, check| {
            json.open_object();
            json.string_field("expr", &check.expr);
            json.string_field("name", &check.name);
            json.close_object();
        });
    }
    json.optional_string_field("collation", domain.collation.as_deref());
    json.optional_string_field("default", domain.default.as_deref());
    json.key("name");
    write_qualified_name(json, &domain.name);
    if domain.not_null {
        json.key("not_null");
        json.raw("true");
    }
    json.key("type");
    write_column_type(json, &domain.ty);
    json.close_object();
}

fn write_sequence(json: &mut PrettyJson, sequence: &Sequence) {
    json.open_object();
    json.key("cache");
    json.raw(&sequence.cache.to_string());
    if sequence.cycle {
        json.key("cycle");
        json.raw("true");
    }
    json.string_field("data_type", &sequence.data_type);
    json.key("increment");
    json.raw(&sequence.increment.to_string());
    json.key("max_value");
    json.raw(&sequence.max_value.to_string());
    json.key("min_value");
    json.raw(&sequence.min_value.to_string());
    json.key("name");
    write_qualified_name(json, &sequence.name);
    json.key("start");
    json.raw(&sequence.start.to_string());
    json.close_object();
}
