//! Renderers: turn a [`Diagnosis`](buildmedic_engine::Diagnosis) or a lint report into text,
//! JSON, Markdown, GitHub annotations or SARIF.
//!
//! A renderer never re-reads the input and never decides anything about it: it prints what
//! the engine or the linter concluded. Every string that came from user input is already
//! redacted by the producer; renderers redact again only where they build new strings from
//! raw parts.

pub mod diagnosis;
pub mod explain;
pub mod lint;

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
