//! The shop's domains, each with its schema module.

pub mod catalog;
pub mod order;
pub mod user;
