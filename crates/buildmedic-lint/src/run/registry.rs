//! The list of every check: the one place that names them all.
//!
//! Adding a check is a file in `rules/<area>/` plus one line in [`ALL`]. The dispatchers
//! (`run/<format>.rs`) call the check's function where its format is read; the fixture
//! tests (`tests/fixtures.rs`) find the check through this list.

use std::sync::LazyLock;

use crate::framework::check::CheckInfo;
use crate::rules::{any, azureml, conda, dockerfile, image_ref, pip, python, registry};

/// Every check, in id order. `tests/registry.rs` fails when an id appears twice.
pub static ALL: &[&CheckInfo] = &[
    &dockerfile::apt_get_failed::CHECK,
    &image_ref::base_image_deprecated::CHECK,
    &image_ref::base_image_unpinned::CHECK,
    &azureml::build_context_disallowed_attribute::CHECK,
    &azureml::build_context_location_invalid::CHECK,
    &azureml::build_context_location_type_unsupported::CHECK,
    &azureml::build_context_path_missing::CHECK,
    &conda::conda_bad_spec::CHECK,
    &dockerfile::conda_bare_redirection::CHECK,
    &azureml::conda_base_env_used::CHECK,
    &conda::conda_channels_missing::CHECK,
    &dockerfile::conda_command_not_found::CHECK,
    &conda::conda_deps_unpinned::CHECK,
    &conda::conda_spec_invalid::CHECK,
    &azureml::conda_spec_missing::CHECK,
    &dockerfile::copy_file_not_found::CHECK,
    &azureml::docker_attribute_deprecated::CHECK,
    &azureml::docker_option_missing::CHECK,
    &azureml::docker_options_conflict::CHECK,
    &azureml::docker_section_missing::CHECK,
    &dockerfile::dockerfile_malformed::CHECK,
    &azureml::dockerfile_path_missing::CHECK,
    &dockerfile::dockerfile_too_large::CHECK,
    &azureml::env_name_missing::CHECK,
    &azureml::env_name_reserved_prefix::CHECK,
    &azureml::env_name_too_long::CHECK,
    &any::forbidden_blob::CHECK,
    &image_ref::image_reference_invalid::CHECK,
    &pip::pip_interactive_auth::CHECK,
    &pip::pip_invalid_operator::CHECK,
    &pip::pip_invalid_option::CHECK,
    &pip::pip_invalid_requirement::CHECK,
    &pip::pip_invalid_wheel_filename::CHECK,
    &pip::pip_not_pinned::CHECK,
    &pip::pip_not_specified::CHECK,
    &pip::pip_requirement_option_ignored::CHECK,
    &pip::pip_requirements_file_missing::CHECK,
    &azureml::python_section_missing::CHECK,
    &python::python_version_invalid::CHECK,
    &python::python_version_missing::CHECK,
    &python::python_version_multiple::CHECK,
    &python::python_version_not_recommended::CHECK,
    &python::python_version_unsupported::CHECK,
    &azureml::r_section_deprecated::CHECK,
    &registry::registry_credentials_incomplete::CHECK,
    &registry::registry_credentials_inline::CHECK,
    &registry::registry_credentials_multiple::CHECK,
    &azureml::runtime_env_vars_in_definition::CHECK,
    &dockerfile::unknown_docker_instruction::CHECK,
    &any::utf8_decode::CHECK,
];

static SORTED: LazyLock<Vec<&'static CheckInfo>> = LazyLock::new(|| {
    let mut all = ALL.to_vec();
    all.sort_by_key(|c| c.id);
    all
});

/// Every check, sorted by id.
pub fn registry() -> &'static [&'static CheckInfo] {
    &SORTED
}

/// The check with this id.
pub fn find_check(id: &str) -> Option<&'static CheckInfo> {
    registry().iter().copied().find(|c| c.id == id)
}

/// Whether `id` names a built-in check (the predicate [`crate::LintConfig::from_toml`] takes).
pub fn is_known_check(id: &str) -> bool {
    find_check(id).is_some()
}

/// The generated "Checks" section of `docs/lint.md`: a table, then each check's documentation.
pub fn checks_markdown() -> String {
    let mut out = String::from(
        "| check | default severity | fixable | catalog | what it does |\n|---|---|---|---|---|\n",
    );
    for c in registry() {
        out.push_str(&format!(
            "| [`{id}`](#{id}) | {sev} | {fix} | {cat} | {sum} |\n",
            id = c.id,
            sev = c.default_severity,
            fix = if c.fixable { "yes" } else { "" },
            cat = c.catalog,
            sum = c.summary().replace('|', "\\|"),
        ));
    }
    for c in registry() {
        out.push_str(&format!("\n### {}\n\n", c.id));
        for line in c.doc_markdown().lines() {
            match line.strip_prefix("## ") {
                Some(h) => out.push_str(&format!("**{h}**\n")),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}
