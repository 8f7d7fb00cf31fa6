//! Runs the conda checks on a conda specification (a file, or an inline mapping of an
//! Azure ML definition), then the pip checks on its `pip:` list.

use crate::framework::context::FileCx;
use crate::rules::conda::{
    conda_bad_spec, conda_channels_missing, conda_deps_unpinned, conda_spec_invalid,
};
use crate::rules::pip::{pip_not_pinned, pip_not_specified};
use crate::rules::python::{
    python_version_invalid, python_version_missing, python_version_multiple,
    python_version_not_recommended, python_version_unsupported,
};
use crate::syntax::conda::CondaEnv;
use crate::syntax::requirements::ReqOrigin;
use crate::syntax::yaml::Node;

/// Lints a conda spec rooted at `root` (a whole file or an inline mapping).
pub(crate) fn lint(root: &Node, cx: &mut FileCx<'_>) {
    if !conda_spec_invalid::check(root, cx) {
        return;
    }
    let env = CondaEnv::read(root);
    conda_channels_missing::check(&env, cx);
    conda_bad_spec::check(&env, cx);
    python_version_missing::check(&env, cx);
    python_version_multiple::check(&env, cx);
    python_version_invalid::check(&env, cx);
    python_version_unsupported::check(&env, cx);
    python_version_not_recommended::check(&env, cx);
    conda_deps_unpinned::check_conda(&env, cx);
    pip_not_specified::check(&env, cx);
    pip_not_pinned::check(&env, cx);
    for logical in env.pip_lines(&cx.file.text) {
        super::requirements::lint_logical(&logical, cx, ReqOrigin::CondaPipSection);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn conda_documents_never_panic(doc in "(name: [a-z]{1,5}\n)?(channels:\n(  - [a-z:/.-]{0,12}\n){0,2})?dependencies:\n(  - [a-zA-Z0-9=<>!~*.,:|\\[\\]' @/+-]{0,24}\n){0,6}(  - pip:\n(    - [a-zA-Z0-9=<>!~*.,;:'\" @/+\\[\\]-]{0,30}\n){0,4})?") {
            let Ok(root) = crate::syntax::yaml::parse(&doc) else { return Ok(()) };
            let config = crate::LintConfig::default();
            let file = crate::SourceFile::new("/nonexistent/env.yml", "env.yml", crate::FileKind::Conda, doc.clone());
            let mut cx = FileCx::new(&config, &file);
            lint(&root, &mut cx);
            for d in cx.into_diagnostics() {
                proptest::prop_assert!(d.span.end <= doc.len());
            }
        }
    }
}
