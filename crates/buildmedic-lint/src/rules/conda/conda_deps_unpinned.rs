use crate::framework::context::FileCx;
use crate::syntax::conda::CondaEnv;
use crate::syntax::requirements::{Logical, ReqText};

crate::declare_check! {
    /// ## What it does
    /// Flags dependencies without a version constraint: conda entries (other than `python`
    /// and `pip`, which have their own checks), `pip:` entries and requirements-file lines.
    /// Any constraint counts (`>=` included), as do direct URLs and local paths; VCS
    /// references (`git+https://...`) count only with a commit or tag, not a branch.
    ///
    /// ## Why it matters
    /// A rebuild resolves to whatever is newest that day: builds stop being reproducible,
    /// solves get slower, and a new release can break the environment without any change.
    ///
    /// ## Example
    /// ```yaml
    /// dependencies:
    ///   - numpy
    ///   - pip:
    ///     - pandas
    ///     - git+https://github.com/org/lib.git
    /// ```
    ///
    /// ## Fix
    /// Give each package a version (`numpy=1.26`, `pandas==2.2.2`) and VCS references a
    /// commit (`git+https://github.com/org/lib.git@<sha>`).
    id: "conda-deps-unpinned", severity: Warning, fixable: false, catalog: "D29"
}

pub(crate) fn check_conda(env: &CondaEnv<'_>, cx: &mut FileCx<'_>) {
    if !cx.enabled(&CHECK) {
        return;
    }
    for dep in &env.deps {
        if matches!(dep.name.as_deref(), Some("python" | "pip")) || dep.is_pinned() {
            continue;
        }
        let name = dep.name.clone().unwrap_or_else(|| dep.text.to_string());
        cx.report(
            &CHECK,
            dep.node.span.clone(),
            format!("conda dependency `{name}` has no version"),
        )
        .help(format!(
            "pin a version, e.g. `{name}=<version>` or `{name}>=<version>`"
        ));
    }
}

pub(crate) fn check_requirement(
    l: &Logical,
    req: &ReqText<'_>,
    parsed: &uv_pep508::Requirement,
    cx: &mut FileCx<'_>,
) {
    if !cx.enabled(&CHECK) {
        return;
    }
    if matches!(parsed.version_or_url, Some(uv_pep508::VersionOrUrl::Url(_))) {
        // `name @ git+https://...`: judge the URL like a bare VCS reference.
        if let Some(at) = req.text.find('@') {
            let url_text = req.text[at + 1..].trim_start();
            let start = req.text.len() - req.text[at + 1..].trim_start().len();
            let url = url_text.split([' ', ';']).next().unwrap_or("");
            let sub = ReqText {
                text: url,
                range: req.range.start + start..req.range.start + start + url.len(),
                direct: true,
            };
            check_direct(l, &sub, cx);
        }
        return;
    }
    // uv-pep508 cannot hold an arbitrary-equality specifier (`pkg===foobar`): ask the
    // grammar whether the requirement has any.
    if parsed.version_or_url.is_some()
        || crate::syntax::pep508::parse_requirement(req.text)
            .is_ok_and(|p| !p.specifiers.is_empty())
    {
        return;
    }
    let name = parsed.name.to_string();
    let name_end = req
        .text
        .find(|c: char| c == '[' || c == ';' || c.is_whitespace())
        .unwrap_or(req.text.len());
    let span = l.span(req.range.start..req.range.start + name_end);
    cx.report(
        &CHECK,
        span,
        format!("pip requirement `{name}` has no version"),
    )
    .help(format!("pin a version, e.g. `{name}==<version>`"));
}

/// VCS references without a fixed revision.
pub(crate) fn check_direct(l: &Logical, req: &ReqText<'_>, cx: &mut FileCx<'_>) {
    let lower = req.text.to_ascii_lowercase();
    if !["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return;
    }
    let url = req.text.split('#').next().unwrap_or(req.text);
    // The revision follows the last '@' after the host part.
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path = after_scheme.split_once('/').map_or("", |(_, p)| p);
    let revision = path.rsplit_once('@').map(|(_, r)| r);
    let message = match revision {
        None => {
            "VCS requirement has no commit or tag; it installs whatever the default branch holds"
                .to_string()
        }
        Some(r)
            if ["master", "main", "develop", "dev", "trunk", "head"]
                .contains(&r.to_ascii_lowercase().as_str()) =>
        {
            format!("VCS requirement follows the branch `{r}`, which moves")
        }
        Some(_) => return,
    };
    cx.report(&CHECK, l.span(req.range.clone()), message)
        .help("append `@<commit-sha>` (or a release tag) to the repository URL");
}
