use crate::framework::context::FileCx;
use crate::syntax::requirements::{Logical, Token};

crate::declare_check! {
    /// ## What it does
    /// Flags `--index-url` / `--extra-index-url` / `-i` options that point at a private
    /// package feed (Azure Artifacts `pkgs.dev.azure.com` / `*.pkgs.visualstudio.com`,
    /// JFrog, Artifactory, Nexus, CodeArtifact, ...; the list is in `data/facts.toml`)
    /// without credentials supplied from the environment.
    ///
    /// ## Why it matters
    /// pip prompts `User for <host>:` and the non-interactive image build dies with
    /// `EOFError`. Azure ML only authenticates to feeds that have a `PythonFeed` workspace
    /// connection.
    ///
    /// ## Example
    /// ```text
    /// --extra-index-url https://pkgs.dev.azure.com/org/_packaging/feed/pypi/simple/
    /// ```
    ///
    /// ## Fix
    /// Create a `PythonFeed` workspace connection for the feed (`az ml connection create`),
    /// or inject the token at build time (`https://${FEED_TOKEN}@host/...`); never commit it.
    id: "pip-interactive-auth", severity: Warning, fixable: false, catalog: "B15"
}

pub(crate) fn check(l: &Logical, value: &Token<'_>, cx: &mut FileCx<'_>) {
    check_index_url(value.text, l.span(value.range.clone()), cx);
}

/// Checks one `--index-url` / `--extra-index-url` value found at `span` of `cx.file` (also
/// for `pip install` options in Dockerfile `RUN` lines).
pub fn check_index_url(url: &str, span: crate::Span, cx: &mut FileCx<'_>) {
    let Some((_, rest)) = url.split_once("://") else {
        return;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') || url.contains("${") {
        return; // credentials are supplied (inline or from the environment)
    }
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .to_ascii_lowercase();
    let facts = &cx.facts().pip;
    let private = facts
        .private_index_host_suffixes
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")))
        || facts
            .private_index_host_markers
            .iter()
            .any(|m| host.contains(m.as_str()));
    if !private {
        return;
    }
    cx.report(&CHECK, span, format!("package index `{host}` needs credentials; pip will prompt for them and the build will fail"))
        .help("create a PythonFeed workspace connection for this feed, or pass a token from the environment");
}
