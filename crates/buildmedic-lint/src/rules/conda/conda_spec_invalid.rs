use crate::framework::context::FileCx;
use crate::syntax::conda::TOP_LEVEL_KEYS as KEYS;
use crate::syntax::yaml::{Node, Yaml};

crate::declare_check! {
    /// ## What it does
    /// Checks the shape of a conda spec: a mapping with the keys `name`, `channels`,
    /// `dependencies` (and `prefix`, `variables`); `channels` a list of strings;
    /// `dependencies` a list of strings plus at most one `pip:` list of strings. Flags
    /// unknown or capitalised keys such as `Name:`.
    ///
    /// ## Why it matters
    /// conda and Azure ML reject (or silently ignore parts of) a malformed spec.
    ///
    /// ## Example
    /// ```yaml
    /// Name: my_environment
    /// dependencies:
    ///   - python=3.11
    ///   - numpy: 1.26
    /// ```
    ///
    /// ## Fix
    /// Use lowercase keys and write every dependency as a string (`numpy=1.26`).
    id: "conda-spec-invalid", severity: Error, fixable: false, catalog: "D26"
}

/// Returns false when the spec is too broken for the other checks to make sense of.
pub(crate) fn check(root: &Node, cx: &mut FileCx<'_>) -> bool {
    let Some(map) = root.as_map() else {
        if root.is_null() {
            cx.report(&CHECK, root.span.clone(), "the conda spec is empty")
                .help("list `channels` and `dependencies`");
        } else {
            cx.report(
                &CHECK,
                root.span.clone(),
                format!("the conda spec is {}, expected a mapping", root.type_name()),
            )
            .help("write `name:`, `channels:` and `dependencies:` keys");
        }
        return false;
    };
    for (k, _) in map {
        let Some(key) = k.as_str() else {
            cx.report(&CHECK, k.span.clone(), "conda spec keys must be strings");
            continue;
        };
        if KEYS.contains(&key) {
            continue;
        }
        let lower = key.to_ascii_lowercase();
        if KEYS.contains(&lower.as_str()) {
            cx.report(
                &CHECK,
                k.span.clone(),
                format!("conda keys are lowercase: `{key}` is not `{lower}`"),
            )
            .help(format!("rename `{key}` to `{lower}`"));
        } else {
            cx.report(&CHECK, k.span.clone(), format!("unknown key `{key}` in the conda spec"))
                .help("conda environment files know `name`, `channels`, `dependencies`, `prefix` and `variables`");
        }
    }
    if let Some((k, channels)) = root.entry("channels") {
        match &channels.value {
            Yaml::Null => {}
            Yaml::Seq(items) => {
                for item in items {
                    if item.as_str().is_none() {
                        cx.report(
                            &CHECK,
                            item.span.clone(),
                            format!("channel is {}, expected a string", item.type_name()),
                        );
                    }
                }
            }
            _ => {
                cx.report(
                    &CHECK,
                    k.span.clone(),
                    format!("`channels` is {}, expected a list", channels.type_name()),
                )
                .help("write `channels:` followed by `- conda-forge` items");
            }
        }
    }
    if let Some((k, deps)) = root.entry("dependencies") {
        match &deps.value {
            Yaml::Null => {}
            Yaml::Seq(items) => {
                let mut pip_lists = 0;
                for item in items {
                    match &item.value {
                        Yaml::Str(_) => {}
                        Yaml::Map(m) if m.len() == 1 && m[0].0.as_str() == Some("pip") => {
                            pip_lists += 1;
                            if pip_lists == 2 {
                                cx.report(&CHECK, m[0].0.span.clone(), "more than one `pip:` list")
                                    .help("merge the `pip:` lists into one");
                            }
                            check_pip_list(&m[0].1, cx);
                        }
                        Yaml::Float(_) | Yaml::Int(_) => {
                            cx.report(
                                &CHECK,
                                item.span.clone(),
                                "dependency is a number, expected a package spec",
                            )
                            .help("quote it or add the package name");
                        }
                        _ => {
                            cx.report(
                                &CHECK,
                                item.span.clone(),
                                format!(
                                    "dependency is {}, expected a string or a `pip:` list",
                                    item.type_name()
                                ),
                            )
                            .help("write each dependency as a string such as `numpy=1.26`");
                        }
                    }
                }
            }
            _ => {
                cx.report(
                    &CHECK,
                    k.span.clone(),
                    format!("`dependencies` is {}, expected a list", deps.type_name()),
                )
                .help("write `dependencies:` followed by `- package=version` items");
            }
        }
    }
    true
}

fn check_pip_list(list: &Node, cx: &mut FileCx<'_>) {
    match &list.value {
        Yaml::Seq(items) => {
            for item in items {
                if item.as_str().is_none() {
                    cx.report(
                        &CHECK,
                        item.span.clone(),
                        format!("pip requirement is {}, expected a string", item.type_name()),
                    )
                    .help("write pip entries as strings such as `numpy==1.26.4`");
                }
            }
        }
        Yaml::Null => {}
        _ => {
            cx.report(
                &CHECK,
                list.span.clone(),
                format!("`pip:` is {}, expected a list", list.type_name()),
            );
        }
    }
}
