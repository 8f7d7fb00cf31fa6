//! `--format markdown`: a section for a CI job summary (`$GITHUB_STEP_SUMMARY`).

use std::fmt::Write as _;

use buildmedic_engine::{Diagnosis, Severity, Status};

/// Code spans cannot contain their own delimiter; pick a fence longer than any run inside.
fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn fence_for(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`').map(str::len))
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

pub fn markdown(d: &Diagnosis) -> String {
    let mut out = String::new();
    if d.status == Status::Succeeded {
        let _ = writeln!(
            out,
            "### ✅ buildmedic: {} — the build succeeded\n",
            code(&d.source)
        );
        latent(&mut out, d);
        return out;
    }
    let Some(p) = d.primary() else {
        return out;
    };
    let _ = writeln!(out, "### ❌ buildmedic: {} — {}\n", code(&p.kind), p.title);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| **Log** | {} ({} format) |",
        code(&d.source),
        d.format
    );
    if let Some(s) = &d.failing_step {
        let code_part = s
            .exit_code
            .map(|c| format!(", exit code {c}"))
            .unwrap_or_default();
        let meaning = s
            .exit_meaning
            .map(|m| format!(" — {m}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| **Failing step** | {} (lines {}–{}{code_part}{meaning}) |",
            code(&super::step_title(s)),
            s.lines[0],
            s.lines[1]
        );
    }
    let _ = writeln!(out, "| **Confidence** | {:.2} |", p.confidence);
    for (name, values) in &p.entities {
        let vals: Vec<String> = values.iter().map(|v| code(v)).collect();
        let _ = writeln!(out, "| **{name}** | {} |", vals.join(", "));
    }
    out.push('\n');
    if !p.evidence.is_empty() {
        let width = p.lines.iter().max().map_or(1, |l| l.to_string().len());
        let body: Vec<String> = p
            .lines
            .iter()
            .zip(&p.evidence)
            .map(|(l, e)| format!("{l:>width$} | {e}"))
            .collect();
        let fence = fence_for(&body);
        let _ = writeln!(
            out,
            "<details open><summary>Evidence</summary>\n\n{fence}text"
        );
        for b in &body {
            let _ = writeln!(out, "{b}");
        }
        let _ = writeln!(out, "{fence}\n\n</details>\n");
    }
    if !p.causes.is_empty() {
        let _ = writeln!(out, "**Likely causes**\n");
        for c in &p.causes {
            let _ = writeln!(out, "- {c}");
        }
        out.push('\n');
    }
    if !p.steps.is_empty() {
        let _ = writeln!(out, "**How to fix**\n");
        for (i, s) in p.steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {s}", i + 1);
        }
        out.push('\n');
    }
    definition(&mut out, p);
    let others: Vec<String> = d
        .findings
        .iter()
        .filter(|f| !f.primary && f.severity == Severity::Error)
        .map(|f| format!("{} ({:.2})", code(&f.kind), f.confidence))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "Also found: {}\n", others.join(", "));
    }
    if !d.suppressed.is_empty() {
        let s: Vec<String> = d
            .suppressed
            .iter()
            .map(|s| format!("{} ({})", code(&s.kind), s.reason))
            .collect();
        let _ = writeln!(out, "Symptoms explained away: {}\n", s.join(", "));
    }
    if !p.references.is_empty() {
        let refs: Vec<String> = p.references.iter().map(|r| format!("<{r}>")).collect();
        let _ = writeln!(out, "References: {}\n", refs.join(" · "));
    }
    latent(&mut out, d);
    out
}

/// The definition line (`diagnose --env`), lint's findings on it and the suggested edit.
fn definition(out: &mut String, f: &buildmedic_engine::Finding) {
    let Some(def) = &f.definition else {
        return;
    };
    let _ = writeln!(
        out,
        "**Definition**: {} line {}, column {} — {}\n",
        code(&def.file),
        def.line,
        def.column,
        def.what
    );
    let width = def
        .frame
        .iter()
        .map(|l| l.line)
        .max()
        .map_or(1, |l| l.to_string().len());
    let body: Vec<String> = def
        .frame
        .iter()
        .map(|l| {
            let mark = if l.line >= def.line && l.line <= def.end_line {
                '>'
            } else {
                ' '
            };
            format!("{mark}{:>width$} | {}", l.line, l.text)
        })
        .collect();
    let fence = fence_for(&body);
    let _ = writeln!(out, "{fence}text");
    for b in &body {
        let _ = writeln!(out, "{b}");
    }
    let _ = writeln!(out, "{fence}\n");
    for n in &def.lint {
        let _ = writeln!(
            out,
            "- lint {} (line {}): {}",
            code(&n.check),
            n.line,
            n.message
        );
    }
    if !def.lint.is_empty() {
        out.push('\n');
    }
    if let Some(e) = &f.edit {
        let _ = writeln!(
            out,
            "**Suggested edit** ({}): {}\n",
            e.verification, e.description
        );
        let lines: Vec<String> = e.diff.lines().map(str::to_string).collect();
        let fence = fence_for(&lines);
        let _ = writeln!(out, "{fence}diff");
        for l in &lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = writeln!(out, "{fence}\n");
    }
}

/// Latent problems (warning findings): one bullet each, with the first evidence line and
/// the first fix step.
fn latent(out: &mut String, d: &Diagnosis) {
    let warnings: Vec<&buildmedic_engine::Finding> = d
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(out, "**⚠️ Latent problems**\n");
    for f in &warnings {
        let at = f
            .lines
            .first()
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default();
        let _ = writeln!(out, "- {} — {}{at}", code(&f.kind), f.title);
        if let Some(e) = f.evidence.first() {
            let _ = writeln!(out, "  {}", code(e));
        }
        if let Some(s) = f.steps.first() {
            let _ = writeln!(out, "  {s}");
        }
    }
    out.push('\n');
    for f in warnings.iter().filter(|f| f.definition.is_some()) {
        definition(out, f);
    }
}
