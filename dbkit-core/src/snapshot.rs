//! Snapshots stored beside the migrations: stable, sorted JSON with a parent link.
