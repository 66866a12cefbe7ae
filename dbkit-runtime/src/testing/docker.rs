//! A PostgreSQL server in a Docker container, started through testcontainers.
