//! Library behind `cargo dbkit`.
