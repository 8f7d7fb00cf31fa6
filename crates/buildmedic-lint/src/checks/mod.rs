//! One check per file, each opening with its documentation (What it does / Why it matters /
//! Example / Fix) captured by [`crate::declare_check!`]. [`ALL`] lists this crate's
//! environment-definition checks; the Dockerfile and image-reference modules bring their
//! own lists through [`crate::hooks`].

use crate::CheckInfo;

pub mod build_context_disallowed_attribute;
pub mod build_context_location_invalid;
pub mod build_context_location_type_unsupported;
pub mod build_context_path_missing;
pub mod conda_bad_spec;
pub mod conda_base_env_used;
pub mod conda_channels_missing;
pub mod conda_deps_unpinned;
pub mod conda_spec_invalid;
pub mod conda_spec_missing;
pub mod docker_attribute_deprecated;
pub mod docker_option_missing;
pub mod docker_options_conflict;
pub mod docker_section_missing;
pub mod dockerfile_path_missing;
pub mod env_name_missing;
pub mod env_name_reserved_prefix;
pub mod env_name_too_long;
pub mod forbidden_blob;
pub mod pip_interactive_auth;
pub mod pip_invalid_operator;
pub mod pip_invalid_requirement;
pub mod pip_invalid_wheel_filename;
pub mod pip_not_pinned;
pub mod pip_not_specified;
pub mod pip_requirement_option_ignored;
pub mod pip_requirements_file_missing;
pub mod python_section_missing;
pub mod python_version_invalid;
pub mod python_version_missing;
pub mod python_version_multiple;
pub mod python_version_not_recommended;
pub mod python_version_unsupported;
pub mod r_section_deprecated;
pub mod registry_credentials_incomplete;
pub mod registry_credentials_inline;
pub mod registry_credentials_multiple;
pub mod runtime_env_vars_in_definition;
pub mod utf8_decode;

/// The environment-definition checks of this crate.
pub static ALL: &[&CheckInfo] = &[
    &build_context_disallowed_attribute::CHECK,
    &build_context_location_invalid::CHECK,
    &build_context_location_type_unsupported::CHECK,
    &build_context_path_missing::CHECK,
    &conda_bad_spec::CHECK,
    &conda_base_env_used::CHECK,
    &conda_channels_missing::CHECK,
    &conda_deps_unpinned::CHECK,
    &conda_spec_invalid::CHECK,
    &conda_spec_missing::CHECK,
    &docker_attribute_deprecated::CHECK,
    &docker_option_missing::CHECK,
    &docker_options_conflict::CHECK,
    &docker_section_missing::CHECK,
    &dockerfile_path_missing::CHECK,
    &env_name_missing::CHECK,
    &env_name_reserved_prefix::CHECK,
    &env_name_too_long::CHECK,
    &forbidden_blob::CHECK,
    &pip_interactive_auth::CHECK,
    &pip_invalid_operator::CHECK,
    &pip_invalid_requirement::CHECK,
    &pip_invalid_wheel_filename::CHECK,
    &pip_not_pinned::CHECK,
    &pip_not_specified::CHECK,
    &pip_requirement_option_ignored::CHECK,
    &pip_requirements_file_missing::CHECK,
    &python_section_missing::CHECK,
    &python_version_invalid::CHECK,
    &python_version_missing::CHECK,
    &python_version_multiple::CHECK,
    &python_version_not_recommended::CHECK,
    &python_version_unsupported::CHECK,
    &r_section_deprecated::CHECK,
    &registry_credentials_incomplete::CHECK,
    &registry_credentials_inline::CHECK,
    &registry_credentials_multiple::CHECK,
    &runtime_env_vars_in_definition::CHECK,
    &utf8_decode::CHECK,
];
