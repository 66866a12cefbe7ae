//! What tests of dbkit share, behind the `test-support` feature: builders
//! of schema models and proptest strategies for random schemas.

pub mod builders;
pub mod strategies;
