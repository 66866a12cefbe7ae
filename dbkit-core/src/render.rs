//! The PostgreSQL renderer: changes → a migration's SQL.
