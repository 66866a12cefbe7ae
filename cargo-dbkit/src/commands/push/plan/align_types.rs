//! Like with like for domains and composite types: a live domain's base
//! type, default, checks and collation, and a live composite type's
//! attribute types, take the code's spelling wherever they are canonically
//! equal to it. (A sequence holds no text to spell.)

use super::align_definitions;
use dbkit_core::model::Schema;

/// Aligns the domains and composite types of `live` (`aligned`) with those
/// of the same name in `code`.
pub(super) fn align_user_types(
    aligned: &mut Schema,
    code: &Schema,
    canonical_live: &Schema,
    canonical_code: &Schema,
) {
    for domain in &mut aligned.domains {
        let (Some(code_domain), Some(live_canonical), Some(code_canonical)) = (
            code.domain(&domain.name),
            canonical_live.domain(&domain.name),
            canonical_code.domain(&domain.name),
        ) else {
            continue;
        };
        if live_canonical.ty == code_canonical.ty {
            domain.ty.clone_from(&code_domain.ty);
        }
        if live_canonical.default == code_canonical.default {
            domain.default.clone_from(&code_domain.default);
        }
        if live_canonical.collation == code_canonical.collation {
            domain.collation.clone_from(&code_domain.collation);
        }
        align_definitions(
            &mut domain.checks,
            &code_domain.checks,
            (&live_canonical.checks, &code_canonical.checks),
            |check| &check.name,
            |check| check.expr.clone(),
        );
        domain.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    for composite in &mut aligned.composite_types {
        let (Some(code_composite), Some(live_canonical), Some(code_canonical)) = (
            code.composite_type(&composite.name),
            canonical_live.composite_type(&composite.name),
            canonical_code.composite_type(&composite.name),
        ) else {
            continue;
        };
        for attribute in &mut composite.attributes {
            let canonical_type = |attributes: &[dbkit_core::model::CompositeAttribute]| {
                attributes
                    .iter()
                    .find(|other| other.name == attribute.name)
                    .map(|other| other.ty.clone())
            };
            if let Some(code_attribute) = code_composite
                .attributes
                .iter()
                .find(|other| other.name == attribute.name)
                && canonical_type(&live_canonical.attributes)
                    == canonical_type(&code_canonical.attributes)
            {
                attribute.ty.clone_from(&code_attribute.ty);
            }
        }
    }
}
