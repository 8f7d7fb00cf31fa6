//! pip requirements: requirements files, conda `pip:` lists, options and private indexes.

pub mod pip_interactive_auth;
pub mod pip_invalid_operator;
pub mod pip_invalid_option;
pub mod pip_invalid_requirement;
pub mod pip_invalid_wheel_filename;
pub mod pip_not_pinned;
pub mod pip_not_specified;
pub mod pip_requirement_option_ignored;
pub mod pip_requirements_file_missing;
