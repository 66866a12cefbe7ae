//! Default names of constraints and indexes, PostgreSQL's 63-byte identifier rule and snake_case.
