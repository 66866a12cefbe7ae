//! The one parser of the schema DSL, shared by the derive macros and `cargo dbkit`.
