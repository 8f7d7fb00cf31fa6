use std::sync::LazyLock;

use jiff::Timestamp;
use regex::Regex;

use crate::framework::context::FileCx;

crate::declare_check! {
    /// ## What it does
    /// Reads the SAS token of every Azure Blob Storage URL in the file (conda, pip,
    /// requirements, Dockerfile, YAML) and flags tokens that have expired (`se=` before now)
    /// or are not valid yet (`st=` after now). "Now" is the clock, or `--today`/`--now`.
    ///
    /// ## Why it matters
    /// Storage answers `403 AuthenticationFailed ... Signature not valid in the specified
    /// time frame`, and pip/conda/curl fail the build on that download.
    ///
    /// ## Example
    /// ```text
    /// https://acct.blob.core.windows.net/wheels/pkg-1.0-py3-none-any.whl?sv=2022-11-02&se=2024-01-01T00%3A00%3A00Z&sp=r&sig=...
    /// ```
    ///
    /// ## Fix
    /// Generate a new SAS token with a later expiry (or use a managed identity / workspace
    /// datastore) and replace it; keep tokens out of committed files.
    id: "forbidden-blob", severity: Error, fixable: false, catalog: "B16"
}

// A constant pattern: `blob_url_pattern_compiles` forces it in every test run.
#[allow(clippy::expect_used)]
static BLOB_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"https?://[A-Za-z0-9.-]+\.blob\.core\.[A-Za-z.]+/[^\s'"<>`]*"#)
        .expect("valid regex")
});

/// Scans the whole file text (every file kind) for blob URLs with SAS tokens.
pub(crate) fn scan(cx: &mut FileCx<'_>) {
    if !cx.file.text.contains(".blob.core.") || !cx.enabled(&CHECK) {
        return;
    }
    let text = cx.file.text.clone();
    let now = cx.config.now;
    for m in BLOB_URL.find_iter(&text) {
        let url = m.as_str();
        let Some(q) = url.find('?') else { continue };
        let query = url[q + 1..].split('#').next().unwrap_or("");
        let mut offset = m.start() + q + 1;
        for param in query.split('&') {
            let here = offset;
            offset += param.len() + 1;
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            if key != "se" && key != "st" {
                continue;
            }
            let Some(when) = parse_sas_time(&percent_decode(value)) else {
                continue;
            };
            let span = here..here + param.len();
            if key == "se" && when <= now {
                cx.report(
                    &CHECK,
                    span,
                    format!("the SAS token of this blob URL expired on {}", show(when)),
                )
                .help("generate a new SAS token with a later expiry (se=) and replace it");
            } else if key == "st" && when > now {
                cx.report(
                    &CHECK,
                    span,
                    format!(
                        "the SAS token of this blob URL is not valid before {}",
                        show(when)
                    ),
                )
                .help("use a SAS token whose start time (st=) is in the past");
            }
        }
    }
}

fn show(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn percent_decode(s: &str) -> String {
    s.replace("%3A", ":")
        .replace("%3a", ":")
        .replace("%2B", "+")
        .replace("%2b", "+")
}

/// SAS times: `2024-01-01`, `2024-01-01T00:00Z`, `2024-01-01T00:00:00Z`, `...T00:00:00.000Z`.
pub(crate) fn parse_sas_time(s: &str) -> Option<Timestamp> {
    if s.len() == 10 {
        let d: jiff::civil::Date = s.parse().ok()?;
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let with_seconds = s.strip_suffix('Z').map(|h| format!("{h}:00Z"))?;
    with_seconds.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_url_pattern_compiles() {
        assert!(BLOB_URL.is_match("https://a.blob.core.windows.net/c/x?sig=1"));
    }

    #[test]
    fn sas_time_formats() {
        assert!(parse_sas_time("2024-01-01").is_some());
        assert!(parse_sas_time("2024-01-01T10:00Z").is_some());
        assert!(parse_sas_time("2024-01-01T10:00:00Z").is_some());
        assert!(parse_sas_time("2024-01-01T10:00:00.123Z").is_some());
        assert!(parse_sas_time("soon").is_none());
    }
}
