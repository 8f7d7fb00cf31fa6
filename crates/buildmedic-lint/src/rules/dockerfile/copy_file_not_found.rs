use std::path::{Path, PathBuf};

use crate::framework::context::FileCx;
use crate::syntax::dockerignore::{DockerIgnore, clean_path};

use crate::syntax::dockerfile::{CopySource, Dockerfile, Instruction, Keyword, copy_sources};

crate::declare_check! {
    /// ## What it does
    /// Resolves every `COPY`/`ADD` source against the build context directory, the way
    /// Docker does: paths relative to the context root (not to the Dockerfile), and the
    /// `.dockerignore` (or `<Dockerfile>.dockerignore`) patterns with `**` and `!`
    /// exceptions. It flags sources that do not exist, that the ignore file leaves out, that
    /// climb out of the context with `..`, and `#` "comments" at the end of a `COPY` line
    /// (Dockerfile comments are whole lines only, so the words become sources).
    /// `COPY --from=<stage>`, URLs in `ADD` and wildcard sources are not checked: BuildKit
    /// copies with empty wildcards allowed, so a pattern that matches nothing is no error.
    ///
    /// ## Why it matters
    /// The build fails at that step: `COPY failed: file not found in build context or
    /// excluded by .dockerignore` (legacy builder) or `failed to compute cache key: "/x" not
    /// found` (BuildKit), which Azure ML reports as "File not found".
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY requirements.txt /app/   # install list
    /// COPY ../shared/utils.py /app/
    /// ```
    ///
    /// ## Fix
    /// Put the file inside the build context (paths are relative to the context root), fix
    /// the spelling (paths are case-sensitive), add a `!exception` to `.dockerignore`, and
    /// move comments onto their own line.
    id: "copy-file-not-found", severity: Error, fixable: false, catalog: "B28"
}

/// Most directory entries the "did you mean" search may visit.
const GLOB_BUDGET: usize = 20_000;

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// A file next to where `rel` should be whose name is one or two edits away (a typo).
fn similar_name(context: &Path, rel: &str) -> Option<String> {
    let (dir, name) = match rel.rsplit_once('/') {
        Some((d, n)) => (context.join(d), n),
        None => (context.to_path_buf(), rel),
    };
    if name.chars().count() < 4 {
        return None;
    }
    let lower = name.to_lowercase();
    let best = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .take(GLOB_BUDGET)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .map(|n| {
            (
                crate::framework::suggest::edit_distance(&lower, &n.to_lowercase()),
                n,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)?;
    Some(match rel.rsplit_once('/') {
        Some((d, _)) => format!("{d}/{}", best.1),
        None => best.1,
    })
}

/// A case-insensitive match of `rel` in the context, for "did you mean" help.
fn case_insensitive_match(context: &Path, rel: &str) -> Option<String> {
    let mut found = String::new();
    let mut dir = context.to_path_buf();
    for component in rel.split('/') {
        let entries = std::fs::read_dir(&dir).ok()?;
        let name = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .find(|n| n.eq_ignore_ascii_case(component))?;
        dir = dir.join(&name);
        if !found.is_empty() {
            found.push('/');
        }
        found.push_str(&name);
    }
    Some(found)
}

pub(crate) fn check(df: &Dockerfile, context: Option<&Path>, cx: &mut FileCx<'_>) {
    let dockerfile_path: PathBuf = cx.file.path.clone();
    let ignore = context.and_then(|c| DockerIgnore::load(c, Some(&dockerfile_path)));
    for ins in &df.instructions {
        let Some(kind @ (Keyword::Copy | Keyword::Add)) = ins.kind else {
            continue;
        };
        if ins.flag("from").is_some() {
            continue;
        }
        let (srcs, comment) = copy_sources(ins, df.escape);
        if let Some(span) = comment {
            cx.report(
                &CHECK,
                span,
                format!("`#` does not start a comment at the end of a {} line; Docker reads these words as source paths", kind.name()),
            )
            .help("move the comment onto its own line above the instruction");
        }
        for src in srcs {
            check_source(
                kind,
                &src,
                context,
                ignore.as_ref(),
                &dockerfile_path,
                ins,
                cx,
            );
        }
    }
}

fn check_source(
    kind: Keyword,
    src: &CopySource,
    context: Option<&Path>,
    ignore: Option<&(PathBuf, DockerIgnore)>,
    dockerfile: &Path,
    ins: &Instruction,
    cx: &mut FileCx<'_>,
) {
    let value = src.value.as_str();
    if value.is_empty() || value.contains('$') {
        return;
    }
    if ins.heredocs.iter().any(|h| {
        value
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .starts_with("<<")
            && value.contains(h.name.as_str())
    }) {
        return;
    }
    if kind == Keyword::Add && (value.contains("://") || value.starts_with("git@")) {
        return;
    }
    let cleaned = clean_path(value);
    if cleaned == ".." || cleaned.starts_with("../") {
        cx.report(
            &CHECK,
            src.span.clone(),
            format!("`{value}` points outside the build context"),
        )
        .help("Docker only sees files inside the build context: move the file into it, or build from a parent directory");
        return;
    }
    let Some(context) = context else { return };
    let rel = cleaned.trim_start_matches('/').to_string();
    if rel.is_empty() || rel == "." {
        return;
    }
    // BuildKit copies with AllowWildcard and AllowEmptyWildcard: a wildcard that matches
    // nothing (or only files the ignore file leaves out) copies nothing and is not an error.
    if has_wildcard(&rel) {
        return;
    }
    if !context.join(&rel).exists() {
        let d = cx.report(
            &CHECK,
            src.span.clone(),
            format!("`{value}` is not in the build context"),
        );
        if let Some(found) = case_insensitive_match(context, &rel) {
            d.help(format!(
                "did you mean `{found}`? paths in the build context are case-sensitive"
            ));
        } else if let Some(found) = similar_name(context, &rel) {
            d.help(format!("did you mean `{found}`?"));
        } else if value.starts_with('/') {
            d.help("an absolute source path is read from the root of the build context, not from the host or the image");
        } else if let Some(dir) = dockerfile.parent()
            && dir != context
            && dir.join(&rel).exists()
        {
            d.help("the file is next to the Dockerfile, but sources are resolved from the build context root");
        } else {
            d.help("sources are resolved from the root of the build context; check the spelling and that the file is inside it");
        }
        return;
    }
    let Some((ignore_path, ignore)) = ignore else {
        return;
    };
    if let Some(pattern) = ignore.excluded_by(&rel) {
        let file_name = ignore_path.file_name().map_or_else(
            || ".dockerignore".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        cx.report(
            &CHECK,
            src.span.clone(),
            format!(
                "`{value}` is excluded from the build context by {file_name} line {} (`{}`)",
                pattern.line, pattern.pattern
            ),
        )
        .help(format!(
            "add `!{rel}` after that line in {file_name}, or stop excluding it"
        ));
    }
}
