//! Example shop app.
