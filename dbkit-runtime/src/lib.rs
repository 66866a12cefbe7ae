//! The runtime crate of dbkit.
