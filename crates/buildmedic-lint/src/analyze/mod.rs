//! Readers of each definition format into the small models the checks work on, and the
//! order in which checks run on them. Checks live in [`crate::checks`], one per file.

pub(crate) mod azureml_v1;
pub(crate) mod azureml_v2;
pub(crate) mod conda;
pub(crate) mod python;
pub(crate) mod requirements;

/// True for values that are templates to be rendered later (`{{asset.name}}`, `${VAR}`):
/// they cannot be checked until rendered.
pub(crate) fn is_templated(value: &str) -> bool {
    value.contains("{{") || value.contains("${") || value.contains("<VERSION>")
}

/// True when `value` looks like a URL rather than a local path.
pub(crate) fn is_url(value: &str) -> bool {
    let v = value.trim();
    v.contains("://") || v.starts_with("git@") || v.starts_with("azureml:")
}
