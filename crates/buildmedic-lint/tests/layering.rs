//! The crate's layers, checked on its source: `syntax/` (models) → `framework/` (names no
//! check) → `rules/` (one file per check) → `run/` (lists and dispatches checks), and no
//! import cycle beyond a module and its own children.
//!
//! The module graph is read from the source text: every `crate::…`, `super::…`, `self::…`
//! and `$crate::…` path (use trees with braces included; comments, strings and doc
//! comments ignored) is resolved to the file of the module it names. Names the crate root
//! re-exports (`crate::FileCx`) are resolved to the module that defines them. Declaring a
//! child (`mod x;`) is not an edge.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path: `["syntax", "dockerfile", "lexer"]`; the crate root is `[]`.
type Module = Vec<String>;

/// The crate's sources (`LAYERING_SRC=dir` reads another tree, e.g. an older checkout,
/// for `report_cycles`).
fn src_dir() -> PathBuf {
    std::env::var_os("LAYERING_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src is readable")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module a file defines.
fn module_of(file: &Path) -> Module {
    let rel = file.strip_prefix(src_dir()).expect("under src");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    match last.as_str() {
        "lib.rs" | "mod.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_string()),
    }
    parts
}

/// Whether `file` is `mod.rs`/`lib.rs` (its `super` is then its directory's parent).
fn is_dir_module(file: &Path) -> bool {
    matches!(
        file.file_name().and_then(|n| n.to_str()),
        Some("mod.rs" | "lib.rs")
    )
}

/// The code of a Rust file with comments, string and char literals blanked out.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
            continue;
        }
        // Raw strings: r"..." / r#"..."# (also br"...").
        if c == 'r' && matches!(next, Some('"' | '#')) && !prev_is_ident(&chars, i) {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                j += 1;
                while j < chars.len() {
                    if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
                continue;
            }
        }
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
            continue;
        }
        if c == '\'' {
            // A char literal ('x', '\n', '\u{1F}'), not a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
                continue;
            }
            if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Tokens: identifiers (with `$crate`), `::`, `{`, `}`, `,`, `*` and other single chars.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' || (c == '$' && chars.get(i + 1) == Some(&'c')) {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".into());
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Expands the path (or use tree) starting at `toks[i]` into full paths.
fn expand(toks: &[String], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        match toks.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                loop {
                    i = expand(toks, i, path.clone(), out);
                    match toks.get(i).map(String::as_str) {
                        Some(",") => i += 1,
                        Some("}") => return i + 1,
                        _ => return i,
                    }
                    if toks.get(i).map(String::as_str) == Some("}") {
                        return i + 1;
                    }
                }
            }
            Some(t)
                if t.chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_') =>
            {
                path.push(t.to_string());
                i += 1;
                if toks.get(i).map(String::as_str) == Some("::") {
                    i += 1;
                    continue;
                }
                out.push(path);
                return i;
            }
            Some("*") => {
                out.push(path);
                return i + 1;
            }
            _ => {
                out.push(path);
                return i;
            }
        }
    }
}

/// The module paths `file` names: crate paths, and paths through names a `use` brought in
/// (`use crate::checks;` then `checks::x::check`), when `modules` says which names are
/// modules.
fn references(file: &Path, text: &str) -> Vec<Module> {
    references_with(file, text, &BTreeMap::new())
}

fn references_with(file: &Path, text: &str, modules: &BTreeMap<Module, PathBuf>) -> Vec<Module> {
    let here = module_of(file);
    // `super` of a file module is its parent; of a directory module, the directory's parent.
    let parent = |m: &Module, dir_module: bool| -> Module {
        let mut m = m.clone();
        if !dir_module || !m.is_empty() {
            m.pop();
        }
        m
    };
    let toks = tokens(&code_only(text));
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i].as_str();
        let starts_path = matches!(t, "crate" | "$crate" | "super" | "self")
            && toks.get(i + 1).map(String::as_str) == Some("::")
            && (i == 0 || toks[i - 1] != "::");
        if !starts_path {
            i += 1;
            continue;
        }
        let mut base: Module = match t {
            "crate" | "$crate" => Vec::new(),
            "self" => here.clone(),
            _ => parent(&here, is_dir_module(file)),
        };
        let mut j = i + 2;
        // `super::super::x`
        while toks.get(j).map(String::as_str) == Some("super")
            && toks.get(j + 1).map(String::as_str) == Some("::")
        {
            base.pop();
            j += 2;
        }
        let mut paths = Vec::new();
        i = expand(&toks, j, base, &mut paths);
        out.extend(paths);
    }
    // Names bound to modules by `use` (`checks`, `self` → its parent's name).
    let mut aliases: BTreeMap<String, Module> = BTreeMap::new();
    for p in &out {
        let (name, module) = match p.split_last() {
            Some((last, rest)) if last == "self" => match rest.last() {
                Some(n) => (n.clone(), rest.to_vec()),
                None => continue,
            },
            Some((last, _)) => (last.clone(), p.clone()),
            None => continue,
        };
        if modules.contains_key(&module) {
            aliases.insert(name, module);
        }
    }
    let mut through = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if let Some(base) = aliases.get(t)
            && toks.get(k + 1).map(String::as_str) == Some("::")
            && (k == 0 || !matches!(toks[k - 1].as_str(), "::" | "."))
        {
            expand(&toks, k + 2, base.clone(), &mut through);
        }
    }
    out.extend(through);
    out
}

struct Crate {
    /// Every module with its file.
    modules: BTreeMap<Module, PathBuf>,
    /// Root re-exports: name → the module path it comes from.
    root_items: BTreeMap<String, Module>,
}

impl Crate {
    fn read() -> Crate {
        let mut files = Vec::new();
        rust_files(&src_dir(), &mut files);
        let modules: BTreeMap<Module, PathBuf> =
            files.iter().map(|f| (module_of(f), f.clone())).collect();
        let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("lib.rs");
        let mut root_items = BTreeMap::new();
        let toks = tokens(&code_only(&lib));
        for (k, w) in toks.windows(2).enumerate() {
            if w[0] == "pub" && w[1] == "use" {
                let mut paths = Vec::new();
                expand(&toks, k + 2, Vec::new(), &mut paths);
                for p in paths {
                    if let Some(name) = p.last() {
                        root_items.insert(name.clone(), p[..p.len() - 1].to_vec());
                    }
                }
            }
        }
        // `#[macro_export]` macros live at the root but belong to their module.
        root_items.insert(
            "declare_check".into(),
            vec!["framework".into(), "check".into()],
        );
        Crate {
            modules,
            root_items,
        }
    }

    /// The module (file) a path resolves to: its longest prefix that is a module, with root
    /// re-exports followed.
    fn resolve(&self, path: &Module) -> Option<Module> {
        let path = match path.first().and_then(|first| self.root_items.get(first)) {
            Some(target) if !self.modules.contains_key(&path[..1]) => {
                let mut p = target.clone();
                p.extend_from_slice(&path[1..]);
                p
            }
            _ => path.clone(),
        };
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|m| self.modules.contains_key(m))
    }

    /// Edges between modules (self-references dropped).
    fn graph(&self) -> BTreeMap<Module, BTreeSet<Module>> {
        let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (m, file) in &self.modules {
            let text = std::fs::read_to_string(file).expect("readable");
            let targets = g.entry(m.clone()).or_default();
            for r in references_with(file, &text, &self.modules) {
                if let Some(t) = self.resolve(&r)
                    && &t != m
                {
                    targets.insert(t);
                }
            }
        }
        g
    }
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

fn layer(m: &Module) -> &str {
    m.first().map_or("crate", String::as_str)
}

#[test]
fn layers_only_use_the_layers_above() {
    let krate = Crate::read();
    let forbidden: &[(&str, &[&str])] = &[
        (
            "syntax",
            &["framework", "rules", "run", "definition", "crate"],
        ),
        ("framework", &["rules", "run", "definition", "crate"]),
        ("rules", &["run", "definition", "crate"]),
    ];
    let mut violations = Vec::new();
    for (from, targets) in krate.graph() {
        let Some((_, banned)) = forbidden.iter().find(|(l, _)| *l == layer(&from)) else {
            continue;
        };
        for to in &targets {
            if banned.contains(&layer(to)) {
                violations.push(format!("{} names {}", name(&from), name(to)));
            }
            // A rule uses models and the framework, never another rule.
            if layer(&from) == "rules" && layer(to) == "rules" && to.len() > 2 {
                violations.push(format!("{} names another rule, {}", name(&from), name(to)));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations:\n  {}",
        violations.join("\n  ")
    );
}

/// Tarjan's strongly connected components.
fn components(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        g: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let g = s.g;
        for w in g.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_import_cycle_beyond_a_module_and_its_children() {
    let krate = Crate::read();
    let graph = krate.graph();
    let mut bad = Vec::new();
    for comp in components(&graph) {
        if comp.len() < 2 {
            continue;
        }
        // Allowed: one module and modules below it.
        let top = comp.iter().min_by_key(|m| m.len()).expect("non-empty");
        let family = comp.iter().all(|m| m.starts_with(top));
        if !family {
            let mut names: Vec<String> = comp.iter().map(name).collect();
            names.sort();
            bad.push(names.join(", "));
        }
    }
    assert!(bad.is_empty(), "import cycles:\n  {}", bad.join("\n  "));
}

/// Prints every import cycle (strongly connected component of more than one module):
/// `LAYERING_SRC=/tmp/old/src cargo test -p buildmedic-lint --test layering report_cycles -- --ignored --nocapture`.
#[test]
#[ignore = "a report, not a check"]
fn report_cycles() {
    let graph = Crate::read().graph();
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    println!("{} modules, {edges} edges", graph.len());
    for comp in components(&graph) {
        if comp.len() > 1 {
            let mut names: Vec<String> = comp.iter().map(name).collect();
            names.sort();
            println!("cycle of {}: {}", comp.len(), names.join(", "));
        }
    }
}

/// The reader itself: paths in use trees, `super`, root re-exports, and text in comments
/// and strings that must not count.
#[test]
fn the_graph_reader_sees_what_it_should() {
    let file = src_dir().join("syntax/dockerfile/lexer.rs");
    let refs = references(
        &file,
        "use super::ast::{A, B};\nuse crate::{framework::context::FileCx, run};\n// crate::rules::x\nlet s = \"crate::run::y\";\nlet c = '\"'; crate::syntax::yaml::parse(x); let l: &'a str;",
    );
    let names: Vec<String> = refs.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        names,
        [
            "syntax::dockerfile::ast::A",
            "syntax::dockerfile::ast::B",
            "framework::context::FileCx",
            "run",
            "syntax::yaml::parse",
        ]
    );
    let krate = Crate::read();
    assert_eq!(
        krate.resolve(&vec!["FileCx".into()]),
        Some(vec!["framework".to_string(), "context".to_string()])
    );
    let graph = krate.graph();
    // Known edges exist (so an empty graph cannot pass the tests above).
    let linter = vec!["run".to_string(), "linter".to_string()];
    assert!(graph[&linter].contains(&vec!["run".to_string(), "discover".to_string()]));
    let rule = vec![
        "rules".to_string(),
        "conda".to_string(),
        "conda_bad_spec".to_string(),
    ];
    assert!(graph[&rule].contains(&vec!["syntax".to_string(), "conda".to_string()]));
    assert!(graph.len() > 80, "{} modules", graph.len());
}
