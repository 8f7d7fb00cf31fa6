//! `--format github`: workflow commands that GitHub Actions turns into annotations.
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>

use crate::github_command::{escape_data, escape_property};
use buildmedic_engine::{Diagnosis, Status};

pub fn github(d: &Diagnosis) -> String {
    let mut out = String::new();
    if d.status == Status::Succeeded {
        out.push_str(&format!(
            "::notice file={},title=buildmedic::The build succeeded\n",
            escape_property(&d.source)
        ));
    }
    for f in &d.findings {
        let level = if f.primary { "error" } else { "warning" };
        let line = f
            .lines
            .first()
            .map(|l| format!(",line={l}"))
            .unwrap_or_default();
        let end = f
            .lines
            .last()
            .filter(|_| f.lines.len() > 1)
            .map(|l| format!(",endLine={l}"))
            .unwrap_or_default();
        let title = format!("buildmedic {}", f.kind);
        let mut message = f.title.clone();
        if let Some(step) = d.failing_step.as_ref().filter(|_| f.primary) {
            message.push_str(&format!("\nFailing step: {}", super::step_title(step)));
            if let Some(code) = step.exit_code {
                message.push_str(&format!(" (exit code {code})"));
            }
        }
        for e in f.evidence.iter().take(5) {
            message.push_str(&format!("\n> {e}"));
        }
        if f.primary {
            for (i, s) in f.steps.iter().enumerate() {
                message.push_str(&format!("\nFix {}: {s}", i + 1));
            }
        }
        out.push_str(&format!(
            "::{level} file={}{line}{end},title={}::{}\n",
            escape_property(&d.source),
            escape_property(&title),
            escape_data(&message)
        ));
        if let Some(def) = &f.definition {
            let mut msg = format!("{}: {}", f.title, def.what);
            for n in &def.lint {
                msg.push_str(&format!("\nlint {}: {}", n.check, n.message));
            }
            if let Some(e) = &f.edit {
                msg.push_str(&format!(
                    "\nSuggested edit ({}): {}\n{}",
                    e.verification, e.description, e.diff
                ));
            }
            out.push_str(&format!(
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                escape_property(&def.file),
                def.line,
                def.column,
                def.end_line,
                def.end_column,
                escape_property(&title),
                escape_data(&msg)
            ));
        }
    }
    out
}
