//! What `cargo dbkit` prints and how it ends.
//!
//! - [`diagnostics`]: errors and warnings rendered as rustc renders them;
//! - [`errors`]: the one error type at the CLI edge and the exit codes;
//! - [`terminal`]: colour, status lines, questions, spinners;
//! - [`redact`]: passwords kept out of everything printed;
//! - [`format`](mod@format): the short phrases the commands share (durations, counts,
//!   migration names).

pub(crate) mod diagnostics;
pub(crate) mod errors;
pub(crate) mod format;
pub(crate) mod redact;
pub(crate) mod terminal;
