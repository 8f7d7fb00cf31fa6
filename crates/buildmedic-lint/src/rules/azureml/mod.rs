//! Azure ML v1 JSON and v2 YAML environment definitions: names, sections, build contexts, Docker options.

pub mod build_context_disallowed_attribute;
pub mod build_context_location_invalid;
pub mod build_context_location_type_unsupported;
pub mod build_context_path_missing;
pub mod conda_base_env_used;
pub mod conda_spec_missing;
pub mod docker_attribute_deprecated;
pub mod docker_option_missing;
pub mod docker_options_conflict;
pub mod docker_section_missing;
pub mod dockerfile_path_missing;
pub mod env_name_missing;
pub mod env_name_reserved_prefix;
pub mod env_name_too_long;
pub mod python_section_missing;
pub mod r_section_deprecated;
pub mod runtime_env_vars_in_definition;
