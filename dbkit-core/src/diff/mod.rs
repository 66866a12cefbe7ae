//! The differ: last snapshot × code → ordered changes.

mod change;

pub use change::{
    Change, EnumColumnUse, EnumValuePosition, is_lossless_type_change, quote_column,
    quote_identifier, quote_literal, quote_qualified,
};
