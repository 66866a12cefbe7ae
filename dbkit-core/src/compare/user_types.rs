//! The comparison's part for sequences, domains and composite types: their
//! canonical forms (a domain's default and checks as expressions, types in
//! `format_type` spelling) and their differences, field by field.

use super::{
    Difference, Object, canonical_column_type, compare_field, compare_named, normalize_expression,
};
use crate::model::{CompositeType, Domain, Schema, Sequence};

/// Puts the sequences, domains and composite types of `schema` in
/// canonical form.
pub(super) fn canonicalize(schema: &mut Schema) {
    for sequence in &mut schema.sequences {
        sequence.source = None;
    }
    for domain in &mut schema.domains {
        domain.source = None;
        domain.ty = canonical_column_type(&domain.ty);
        domain.default = domain.default.as_deref().map(normalize_expression);
        for check in &mut domain.checks {
            check.expr = normalize_expression(&check.expr);
        }
    }
    for composite in &mut schema.composite_types {
        composite.source = None;
        for attribute in &mut composite.attributes {
            attribute.ty = canonical_column_type(&attribute.ty);
        }
    }
}

/// The schemas other than `public` that hold one of them.
pub(super) fn schema_names(schema: &Schema) -> impl Iterator<Item = String> + '_ {
    schema
        .sequences
        .iter()
        .map(|sequence| &sequence.name)
        .chain(schema.domains.iter().map(|domain| &domain.name))
        .chain(
            schema
                .composite_types
                .iter()
                .map(|composite| &composite.name),
        )
        .map(|name| name.schema.clone())
}

/// Where the sequences, domains and composite types of two canonical
/// schemas differ.
pub(super) fn differences(expected: &Schema, actual: &Schema, differences: &mut Vec<Difference>) {
    compare_named(
        differences,
        "sequence",
        &expected
            .sequences
            .iter()
            .map(|s| (s.name.to_string(), s))
            .collect(),
        &actual
            .sequences
            .iter()
            .map(|s| (s.name.to_string(), s))
            .collect(),
        |differences, object, expected: &&Sequence, actual: &&Sequence| {
            compare_sequences(differences, object, expected, actual);
        },
    );
    compare_named(
        differences,
        "domain",
        &expected
            .domains
            .iter()
            .map(|d| (d.name.to_string(), d))
            .collect(),
        &actual
            .domains
            .iter()
            .map(|d| (d.name.to_string(), d))
            .collect(),
        |differences, object, expected: &&Domain, actual: &&Domain| {
            compare_field(differences, object, "type", &expected.ty, &actual.ty);
            compare_field(
                differences,
                object,
                "not null",
                &expected.not_null,
                &actual.not_null,
            );
            compare_field(
                differences,
                object,
                "default",
                &expected.default,
                &actual.default,
            );
            compare_field(
                differences,
                object,
                "checks",
                &expected.checks,
                &actual.checks,
            );
            compare_field(
                differences,
                object,
                "collation",
                &expected.collation,
                &actual.collation,
            );
        },
    );
    compare_named(
        differences,
        "composite type",
        &expected
            .composite_types
            .iter()
            .map(|c| (c.name.to_string(), c))
            .collect(),
        &actual
            .composite_types
            .iter()
            .map(|c| (c.name.to_string(), c))
            .collect(),
        |differences, object, expected: &&CompositeType, actual: &&CompositeType| {
            compare_field(
                differences,
                object,
                "attributes",
                &expected.attributes,
                &actual.attributes,
            );
        },
    );
}

fn compare_sequences(
    differences: &mut Vec<Difference>,
    object: &Object,
    expected: &Sequence,
    actual: &Sequence,
) {
    compare_field(
        differences,
        object,
        "type",
        &expected.data_type,
        &actual.data_type,
    );
    compare_field(differences, object, "start", &expected.start, &actual.start);
    compare_field(
        differences,
        object,
        "increment",
        &expected.increment,
        &actual.increment,
    );
    compare_field(
        differences,
        object,
        "min value",
        &expected.min_value,
        &actual.min_value,
    );
    compare_field(
        differences,
        object,
        "max value",
        &expected.max_value,
        &actual.max_value,
    );
    compare_field(differences, object, "cycle", &expected.cycle, &actual.cycle);
    compare_field(differences, object, "cache", &expected.cache, &actual.cache);
}

#[cfg(test)]
mod tests {
    use super::super::schema_differences;
    use crate::model::{
        Check, ColumnType, CompositeAttribute, CompositeType, Domain, QualifiedName, Schema,
        Sequence,
    };

    fn declared() -> Schema {
        Schema {
            sequences: vec![Sequence::new(QualifiedName::new("app", "numbers"))],
            domains: vec![Domain {
                default: Some("'a@b'".to_string()),
                checks: vec![Check::new("email_check", "VALUE ~ '@'")],
                ..Domain::new(
                    QualifiedName::new("public", "email"),
                    ColumnType::builtin("varchar(320)"),
                )
            }],
            composite_types: vec![CompositeType::new(
                QualifiedName::new("public", "address"),
                vec![CompositeAttribute::new("zip", ColumnType::builtin("int"))],
            )],
            ..Schema::default()
        }
    }

    #[test]
    fn declared_and_printed_domains_and_types_become_equal() {
        let mut printed = declared();
        printed.schemas = vec!["app".to_string()];
        printed.domains[0].ty = ColumnType::builtin("character varying(320)");
        printed.domains[0].default = Some("'a@b'::text".to_string());
        printed.domains[0].checks[0].expr = "(VALUE ~ '@'::text)".to_string();
        printed.composite_types[0].attributes[0].ty = ColumnType::builtin("integer");
        assert_eq!(schema_differences(&declared(), &printed), Vec::new());
    }

    #[test]
    fn differences_name_the_sequence_domain_or_type() {
        let mut changed = declared();
        changed.sequences[0].cache = 5;
        changed.domains[0].not_null = true;
        changed.composite_types[0].attributes.clear();
        let lines: Vec<String> = schema_differences(&declared(), &changed)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "sequence app.numbers: cache: expected 1, found 5",
                "domain public.email: not null: expected false, found true",
                "composite type public.address: attributes: expected [CompositeAttribute { name: \"zip\", ty: ColumnType { base: Builtin(\"integer\"), array_dims: 0 } }], found []",
            ]
        );
    }
}
