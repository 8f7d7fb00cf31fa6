//! Renderers: turn a [`Diagnosis`](buildmedic_engine::Diagnosis) or a lint report into text,
//! JSON, Markdown, GitHub annotations or SARIF.
//!
//! A renderer never re-reads the input and never decides anything about it: it prints what
//! the engine or the linter concluded. Every string that came from user input is already
//! redacted by the producer; renderers redact again only where they build new strings from
//! raw parts.

pub mod coverage;
pub mod diagnosis;
pub mod explain;
pub mod lint;
pub mod preflight;
pub mod stats;
pub mod trace;

/// Escaping for GitHub Actions workflow commands (`::error file=...::message`), shared by the
/// diagnosis and lint renderers.
/// <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>
pub(crate) mod github_command {
    /// The message part: `%`, CR and LF.
    pub fn escape_data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }

    /// A property value (`file=`, `title=`): also `:` and `,`.
    pub fn escape_property(s: &str) -> String {
        escape_data(s).replace(':', "%3A").replace(',', "%2C")
    }
}

/// Whether text output may use ANSI colours.
///
/// Colours are used only when the stream is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>); `CLICOLOR_FORCE` turns them on regardless.
pub fn use_color(stream_is_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("NO_COLOR") {
        return false;
    }
    if set("CLICOLOR_FORCE") {
        return true;
    }
    stream_is_terminal
}
