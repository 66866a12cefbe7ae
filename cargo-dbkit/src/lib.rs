//! Library behind `cargo dbkit`.

pub mod introspect;
