//! Runs the Dockerfile checks, then the image checks on every `FROM` image.

use std::path::Path;

use crate::framework::context::FileCx;
use crate::rules::dockerfile::{
    apt_get_failed, conda_bare_redirection, conda_command_not_found, copy_file_not_found,
    dockerfile_malformed, dockerfile_too_large, unknown_docker_instruction,
};
use crate::syntax::asks::{self, ImageSource};
use crate::syntax::dockerfile::{parse, unreadable};

/// Lints `cx.file` as a Dockerfile whose build context is `context_dir` (when known).
pub fn lint(cx: &mut FileCx<'_>, context_dir: Option<&Path>) {
    let file = cx.file;
    dockerfile_too_large::check(cx);
    if unreadable(&file.text) {
        return;
    }
    let df = parse(&file.text);
    unknown_docker_instruction::check(&df, cx);
    dockerfile_malformed::check(&df, cx);
    copy_file_not_found::check(&df, context_dir, cx);
    conda_bare_redirection::check(&df, cx);
    apt_get_failed::check(&df, cx);
    conda_command_not_found::check(&df, cx);
    // Only the bases of stages: `COPY --from` images are not built on. After ARG
    // substitution the reference differs from the file; it is reported at the whole token.
    for image in asks::dockerfile_images(&df, file)
        .iter()
        .filter(|i| i.source == ImageSource::DockerfileFrom)
    {
        super::image_ref::check(image, cx);
    }
}
