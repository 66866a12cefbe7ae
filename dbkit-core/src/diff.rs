//! The differ: last snapshot × code → ordered changes.
