//! Knowledge-base entries as documentation: `buildmedic explain KIND`, `buildmedic kinds`
//! and the kind list of the README (generated, and checked current by a test).

use std::fmt::Write as _;

use buildmedic_kb::{Entry, KnowledgeBase};

pub fn kind_text(e: &Entry) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}\n", e.kind, e.title);
    let _ = writeln!(out, "{}\n", e.summary.trim());
    let section = |out: &mut String, title: &str, items: &[String], numbered: bool| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "{title}:");
        for (i, item) in items.iter().enumerate() {
            if numbered {
                let _ = writeln!(out, "  {}. {item}", i + 1);
            } else {
                let _ = writeln!(out, "  - {item}");
            }
        }
        out.push('\n');
    };
    section(&mut out, "Potential causes", &e.causes, false);
    section(&mut out, "Affected areas", &e.affected, false);
    section(&mut out, "Fix steps", &e.fix, true);
    section(&mut out, "References", &e.references, false);
    if !e.explains.is_empty() {
        let _ = writeln!(out, "Explains away: {}\n", e.explains.join(", "));
    }
    if !e.signatures.is_empty() {
        let _ = writeln!(out, "Signatures:");
        for s in &e.signatures {
            let _ = writeln!(out, "  {:<28} weight {:.2}  {}", s.id, s.weight, s.pattern);
        }
    }
    out
}

pub fn kind_markdown(e: &Entry) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## `{}` — {}\n", e.kind, e.title);
    let _ = writeln!(out, "{}\n", e.summary.trim());
    let section = |out: &mut String, title: &str, items: &[String], numbered: bool| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "**{title}**\n");
        for (i, item) in items.iter().enumerate() {
            if numbered {
                let _ = writeln!(out, "{}. {item}", i + 1);
            } else {
                let _ = writeln!(out, "- {item}");
            }
        }
        out.push('\n');
    };
    section(&mut out, "Potential causes", &e.causes, false);
    section(&mut out, "Affected areas", &e.affected, false);
    section(&mut out, "Fix steps", &e.fix, true);
    let refs: Vec<String> = e.references.iter().map(|r| format!("<{r}>")).collect();
    section(&mut out, "References", &refs, false);
    if !e.signatures.is_empty() {
        let _ = writeln!(
            out,
            "**Signatures**\n\n| id | weight | pattern |\n|---|---|---|"
        );
        for s in &e.signatures {
            let _ = writeln!(
                out,
                "| `{}` | {:.2} | `{}` |",
                s.id,
                s.weight,
                s.pattern.replace('|', "\\|").replace('`', "'")
            );
        }
        out.push('\n');
    }
    out
}

pub fn kinds_text(kb: &KnowledgeBase) -> String {
    let mut out = String::new();
    for e in kb.entries() {
        let _ = writeln!(out, "{:<30} {}", e.kind, e.title);
    }
    out
}

pub fn kinds_json(kb: &KnowledgeBase) -> String {
    let list: Vec<serde_json::Value> = kb
        .entries()
        .map(|e| {
            let signatures: Vec<serde_json::Value> = e
                .signatures
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "id": s.id, "pattern": s.pattern, "weight": s.weight,
                        "triggers": s.triggers.iter().map(|t| String::from_utf8_lossy(t)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::json!({
                "kind": e.kind, "title": e.title, "catalog": e.catalog,
                "signatures": signatures, "fixtures": e.fixtures.len(),
                "builtin": e.origin == buildmedic_kb::Origin::Builtin,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
    s.push('\n');
    s
}

/// The README's kind table.
pub fn kinds_markdown(kb: &KnowledgeBase) -> String {
    let mut out = String::from(
        "| kind | what failed | catalog | signatures | fixtures |\n|---|---|---|---|---|\n",
    );
    for e in kb.entries() {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            e.kind,
            e.title,
            if e.catalog.is_empty() {
                "—".to_string()
            } else {
                e.catalog.join(", ")
            },
            e.signatures.len(),
            e.fixtures.len()
        );
    }
    out
}
