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

/// Runs the image checks on the image reference an environment definition names (`image:`
/// in v2 YAML, `docker.baseImage` in v1 JSON), pointing at the string's content. Empty and
/// templated values (`{{...}}`, `${VAR}`) are left for when they are rendered.
pub(crate) fn check_definition_image(
    image: &crate::yaml::Node,
    hooks: &crate::hooks::Hooks,
    cx: &mut crate::context::FileCx<'_>,
) {
    let Some(reference) = image.as_str() else {
        return;
    };
    if reference.trim().is_empty() || is_templated(reference) {
        return;
    }
    let span = image
        .content_offset(&cx.file.text)
        .map(|o| o..o + reference.len())
        .unwrap_or_else(|| image.span.clone());
    hooks.image_ref.check_image_reference(
        reference,
        span,
        crate::hooks::ImageRefOrigin::EnvironmentDefinition,
        cx,
    );
}
