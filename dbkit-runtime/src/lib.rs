//! The runtime crate of dbkit: what an application depends on.

#[cfg(feature = "testing")]
pub mod testing;
