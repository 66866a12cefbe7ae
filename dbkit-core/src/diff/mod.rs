//! The differ: last snapshot × code → ordered changes.
//!
//! [`diff`] compares two schema models and returns the steps of a
//! migration ([`Change`]), ordered so that each applies on the database the
//! previous ones left (see the `plan` module for the phases).
//! [`apply_changes`] runs steps on a model, which is how the differ tracks
//! the state it emits against and how tests check it.

mod apply;
mod change;
mod describe;
pub(crate) mod lookup;
mod objects;
mod partitions;
mod plan;
mod renames;
mod row_security;
pub(crate) mod temporary;
mod user_types;
pub(crate) mod views;

/// The quoting rules, re-exported where the changes that use them live.
pub use crate::sql_text::{quote_column, quote_identifier, quote_literal, quote_qualified};
pub use apply::{apply_change, apply_changes};
pub use change::{
    Change, EnumColumnUse, EnumValuePosition, is_lossless_type_change, removed_labels_warning,
};
pub use describe::describe_change;
pub use partitions::{PartitioningRefusal, partitioning_refusals};
pub use plan::{diff, diff_owned};
pub use renames::{
    Ambiguity, DiffOptions, MatchedRenames, Rename, matched_renames, parse_rename_argument,
};
pub use user_types::{CompositeChange, DomainChange, DomainColumnUse, SequenceChange};
