//! The Rust type → PostgreSQL type mapping and canonical spellings of PostgreSQL types.
