//! Comparison of a declared schema with an introspected one, in PostgreSQL's canonical forms.
