//! What of the catalog's "the DSL cannot declare it" the code now
//! declares: the introspector reads extensions and every object no typed
//! reader covers as generic SQL objects (`dbkit_introspect`'s objects
//! reader), so `pull` writes them into the code (`sql_objects.rs`) and the
//! baseline creates them from it, and neither names nor carries them.

use super::prerequisites::CarriedObject;
use super::unsupported::UnsupportedObject;

/// Kinds of [`UnsupportedObject`] that the code declares as extensions or
/// generic objects.
const DECLARED_KINDS: &[&str] = &[
    "aggregate",
    "composite type",
    "domain",
    "exclusion constraint",
    "extension",
    "function",
    "index",
    "materialized view",
    "partition",
    "partitioned table",
    "policy",
    "procedure",
    "range type",
    "rule",
    "sequence",
    "trigger",
    "view",
    "window function",
];

/// `unsupported` without what the code declares, and `carried` without
/// everything but the schemas it creates: the extensions, sequences,
/// functions, domains and indexes the tables need are in the code.
pub(super) fn leave_out_declared(
    unsupported: &mut Vec<UnsupportedObject>,
    carried: &mut Vec<CarriedObject>,
) {
    unsupported.retain(|object| !DECLARED_KINDS.contains(&object.kind.as_str()));
    carried.retain(|object| object.kind == "schema");
}
