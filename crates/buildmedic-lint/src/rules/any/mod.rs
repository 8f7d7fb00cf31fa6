//! Checks that run on every file: text encoding, expired SAS tokens.

pub mod forbidden_blob;
pub mod utf8_decode;
