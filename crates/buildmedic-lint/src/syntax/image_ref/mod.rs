//! Image references: the distribution/reference grammar.
//!
//! Owns: parsing and normalising `[registry[:port]/]path[:tag][@digest]` exactly like Docker
//! ([`grammar`]), locating the offending part of a rejected reference ([`explain`]), and
//! Docker's path pattern matching ([`path_match`], shared with `.dockerignore`).
//! Must not: talk to registries (existence and auth are build-time questions).

pub mod explain;
pub mod grammar;
pub mod path_match;

pub use grammar::{
    AnyReference, DigestAlgorithms, Reference, ReferenceError, parse, parse_any_reference,
    parse_docker_ref, parse_named, parse_normalized_named, with_digest, with_name, with_tag,
};
