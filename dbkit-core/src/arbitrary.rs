//! proptest strategies for random, valid schemas and schema pairs.
