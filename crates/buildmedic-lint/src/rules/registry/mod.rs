//! Container registry credentials in definitions.

pub mod registry_credentials_incomplete;
pub mod registry_credentials_inline;
pub mod registry_credentials_multiple;
