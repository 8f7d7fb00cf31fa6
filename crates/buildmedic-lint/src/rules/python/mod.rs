//! The Python version a conda specification asks for.

pub mod python_version_invalid;
pub mod python_version_missing;
pub mod python_version_multiple;
pub mod python_version_not_recommended;
pub mod python_version_unsupported;
