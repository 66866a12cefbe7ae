//! Derive macros of dbkit.
