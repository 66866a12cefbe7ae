//! Reads a live database (pg_catalog, through sqlx) into the schema model.
