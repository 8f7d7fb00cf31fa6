//! `POST /api/v1/lint`: the uploaded files are written under a fresh temporary directory
//! (names checked: relative, `[A-Za-z0-9._-]` components, no `.`/`..`), linted with
//! `buildmedic_lint::lint_paths` as `buildmedic lint FILE...` would, and the report is
//! rendered as the `buildmedic.lint/v1` JSON with the temporary directory removed from every
//! path. The whole call into the lint crate is in this module.
//!
//! References may only point inside the upload: a reference that is absolute or climbs out
//! (`conda_file: /etc/x`, `-r ../x.txt`, `build.path: ..`, `COPY ../x`) is refused before
//! linting, and whatever the linter still reached outside the directory is dropped from the
//! report, so the server's own files are neither read into a report nor probed.

use std::path::{Path, PathBuf};

use buildmedic_lint::{InputError, LintConfig};

/// One uploaded file: its relative path and content.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error("file name {0:?} is not allowed: use relative paths of [A-Za-z0-9._-] components")]
    BadName(String),
    #[error("{file}:{line}: {reference:?} points outside the uploaded files")]
    Escapes {
        file: String,
        line: usize,
        reference: String,
    },
    #[error("{0}")]
    Config(String),
    #[error("temporary directory: {0}")]
    Io(#[from] std::io::Error),
}

const MAX_DEPTH: usize = 8;

/// Checks an upload's name and returns it as a relative path.
pub fn check_name(name: &str) -> Result<PathBuf, LintError> {
    let bad = || LintError::BadName(name.chars().take(100).collect());
    if name.is_empty() || name.len() > 512 {
        return Err(bad());
    }
    let mut out = PathBuf::new();
    for (i, part) in name.split('/').enumerate() {
        if i >= MAX_DEPTH
            || part.is_empty()
            || part == "."
            || part == ".."
            || part.len() > 255
            || !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(bad());
        }
        out.push(part);
    }
    Ok(out)
}

fn escapes(reference: &str) -> bool {
    let r = reference.trim().trim_matches(|c| c == '"' || c == '\'');
    if r.contains("://") || r.contains("${") || r.contains("{{") {
        // URLs and templates are not followed by the linter.
        return false;
    }
    r.starts_with('/')
        || r.starts_with('\\')
        || r.starts_with('~')
        || (r.len() > 1 && r.as_bytes()[1] == b':')
        || r.split(['/', '\\']).any(|c| c == "..")
}

/// Finds references that would leave the upload (see the module documentation).
fn check_references(name: &str, text: &str) -> Result<(), LintError> {
    let escape = |line: usize, reference: &str| LintError::Escapes {
        file: name.to_string(),
        line,
        reference: buildmedic_redact::redact(reference)
            .chars()
            .take(200)
            .collect(),
    };
    let is_dockerfile = {
        let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
        base.contains("dockerfile") || base.ends_with(".containerfile")
    };
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = line.trim_start();
        // YAML and JSON keys whose values the linter opens as files or directories.
        for key in ["conda_file", "path", "dockerfile_path"] {
            for (at, _) in line.match_indices(key) {
                let before = line[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                    continue;
                }
                let rest = line[at + key.len()..]
                    .trim_start_matches(['"', '\''])
                    .trim_start();
                if let Some(value) = rest.strip_prefix(':') {
                    let value = value.trim().split([',', '}']).next().unwrap_or("");
                    if escapes(value) {
                        return Err(escape(line_no, value));
                    }
                }
            }
        }
        // pip includes: -r/-c FILE, --requirement[=]FILE, --constraint[=]FILE.
        let mut words = t.split_whitespace().peekable();
        while let Some(w) = words.next() {
            let target = match w {
                "-r" | "-c" | "--requirement" | "--constraint" => words.peek().copied(),
                _ => w
                    .strip_prefix("--requirement=")
                    .or_else(|| w.strip_prefix("--constraint="))
                    .or_else(|| {
                        w.strip_prefix("-r")
                            .filter(|s| !s.is_empty() && !s.starts_with('-'))
                    })
                    .or_else(|| {
                        w.strip_prefix("-c")
                            .filter(|s| !s.is_empty() && !s.starts_with('-'))
                    }),
            };
            if let Some(target) = target
                && escapes(target)
            {
                return Err(escape(line_no, target));
            }
        }
        // Dockerfile COPY/ADD sources (not `--from=` stages, whose paths are in an image).
        if is_dockerfile {
            let upper = t.get(..4).map(str::to_ascii_uppercase);
            let is_copy = upper.as_deref() == Some("COPY")
                || upper.as_deref().is_some_and(|u| u.starts_with("ADD"));
            if is_copy && !t.contains("--from") {
                let args: Vec<&str> = t
                    .split_whitespace()
                    .skip(1)
                    .filter(|a| !a.starts_with("--"))
                    .collect();
                if let Some((_, sources)) = args.split_last() {
                    for s in sources {
                        let s = s.trim_matches(|c| matches!(c, '[' | ']' | ',' | '"'));
                        if s.contains("://") {
                            continue;
                        }
                        if s.split(['/', '\\']).any(|c| c == "..") || s.starts_with('/') {
                            return Err(escape(line_no, s));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Lints the uploads; returns the lint JSON document.
pub fn lint(files: &[Upload], today: Option<&str>) -> Result<String, LintError> {
    let mut config = LintConfig::default();
    if let Some(today) = today {
        config = config
            .with_today_str(today)
            .map_err(|e| LintError::Config(format!("today={today}: {e}")))?;
    }
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    let mut paths = Vec::new();
    for f in files {
        let rel = check_name(&f.name)?;
        check_references(&f.name, &String::from_utf8_lossy(&f.bytes))?;
        let path = root.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &f.bytes)?;
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    let mut report = buildmedic_lint::lint_paths(&paths, &config);
    confine(&mut report, root);
    Ok(buildmedic_render::lint::render(
        &report,
        buildmedic_render::lint::LintFormat::Json,
    ))
}

/// Removes the temporary directory from the report's paths and drops whatever lies outside.
fn confine(report: &mut buildmedic_lint::LintReport, root: &Path) {
    let prefix = format!("{}/", root.display());
    let strip = |s: &str| s.replace(&prefix, "");
    let inside = |display: &str| display.starts_with(&prefix);
    report.files.retain(|f| inside(&f.display));
    for f in &mut report.files {
        f.display = strip(&f.display);
    }
    report.diagnostics.retain(|d| inside(&d.file));
    for d in &mut report.diagnostics {
        d.file = strip(&d.file);
        d.message = strip(&d.message);
        d.help = d.help.as_deref().map(strip);
    }
    for e in &mut report.errors {
        if inside(&e.path) {
            *e = InputError {
                path: strip(&e.path),
                message: strip(&e.message),
            };
        } else {
            *e = InputError {
                path: "(outside the upload)".to_string(),
                message: "references a file that was not uploaded".to_string(),
            };
        }
    }
    report.skipped = report
        .skipped
        .iter()
        .filter(|s| inside(s))
        .map(|s| strip(s))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_and_plain() {
        assert!(check_name("environment.yml").is_ok());
        assert!(check_name("docker/Dockerfile").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a\\b",
            "x y",
            ".",
            "a/./b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn references_out_of_the_upload_are_refused() {
        assert!(check_references("env.yml", "conda_file: conda.yml\n").is_ok());
        assert!(check_references("env.yml", "conda_file: ../../etc/passwd\n").is_err());
        assert!(check_references("env.yml", "build:\n  path: /etc\n").is_err());
        assert!(check_references("env.json", "{\"conda_file\": \"/root/x.yml\"}").is_err());
        assert!(check_references("env.yml", "build: {path: ../up}\n").is_err());
        assert!(check_references("env.yml", "classpath: /x\n").is_ok());
        assert!(check_references("requirements.txt", "-r base.txt\nnumpy\n").is_ok());
        assert!(check_references("requirements.txt", "-r /etc/passwd\n").is_err());
        assert!(check_references("requirements.txt", "--requirement=../x.txt\n").is_err());
        assert!(check_references("Dockerfile", "FROM x\nCOPY . /app\n").is_ok());
        assert!(check_references("Dockerfile", "COPY --from=build /out /app\n").is_ok());
        assert!(check_references("Dockerfile", "COPY ../secret /app\n").is_err());
        assert!(check_references("env.yml", "prefix: /opt/conda\nimage: x\n").is_ok());
    }
}
