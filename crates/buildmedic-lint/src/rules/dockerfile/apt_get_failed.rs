use crate::framework::context::FileCx;
use crate::framework::diagnostic::{Fix, Severity};

use crate::syntax::dockerfile::script::run_scripts;
use crate::syntax::dockerfile::stages::{self, Base};
use crate::syntax::dockerfile::{Dockerfile, Keyword};
use buildmedic_shell::{self as shell, Manager, SimpleCommand};

crate::declare_check! {
    /// ## What it does
    /// Finds `RUN` lines where `apt-get`/`apt` is likely to fail: `install` (or `upgrade`,
    /// `remove`, ...) without `-y`/`--yes`, `install` without `apt-get update` earlier in the
    /// same `RUN`, `sudo` (most images have none, and `RUN` is already root), and `apt-get`
    /// after a `USER` that is not root.
    ///
    /// ## Why it matters
    /// A build has no terminal: without `-y` apt asks `Do you want to continue? [Y/n]`, reads
    /// nothing and aborts. Base images ship with empty package lists and a separate
    /// `apt-get update` layer goes stale in the cache (`E: Unable to locate package`). A
    /// non-root user cannot take the dpkg lock (`are you root?`), and `sudo` is usually
    /// `not found`. All end in exit code 100 or 127: "Failed to run apt-get command".
    ///
    /// ## Example
    /// ```dockerfile
    /// USER appuser
    /// RUN sudo apt-get install libgl1
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// USER root
    /// RUN apt-get update && apt-get install -y --no-install-recommends libgl1 \
    ///     && rm -rf /var/lib/apt/lists/*
    /// USER appuser
    /// ```
    /// `--fix` adds a missing `-y`.
    id: "apt-get-failed", severity: Error, fixable: true, catalog: "B29"
}

const PROMPTING: &[&str] = &[
    "install",
    "upgrade",
    "dist-upgrade",
    "full-upgrade",
    "remove",
    "purge",
    "autoremove",
    "build-dep",
];

fn has_yes(cmd: &SimpleCommand, program_index: usize) -> bool {
    cmd.words[program_index + 1..].iter().any(|w| {
        let v = w.value.as_str();
        matches!(v, "--yes" | "--assume-yes")
            || v.to_ascii_lowercase().contains("assume-yes=")
            || (v.starts_with('-') && !v.starts_with("--") && v.contains('y'))
    })
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user);
    name == "root" || name == "0"
}

pub(crate) fn check(df: &Dockerfile, cx: &mut FileCx<'_>) {
    let stages = stages::stages(df);
    // Final USER of each stage, to inherit in `FROM <stage>`.
    let mut stage_users: Vec<Option<(String, usize)>> = Vec::new();
    let global_assume_yes = df
        .instructions
        .iter()
        .any(|i| i.args.contains("Assume-Yes"));
    for stage in &stages {
        let mut user: Option<(String, usize)> = match stage.base {
            Base::Stage(parent) => stage_users.get(parent).cloned().flatten(),
            _ => None,
        };
        let mut updated_earlier = false;
        for ins in &df.instructions[stage.body.clone()] {
            if ins.kind == Some(Keyword::User) {
                let value = ins.args.split_whitespace().next().unwrap_or("");
                user = if value.contains('$') || is_root(value) {
                    None
                } else {
                    Some((value.to_string(), ins.first_line + 1))
                };
                continue;
            }
            let mut updated_here = false;
            let mut sudo_reported = false;
            let mut user_reported = false;
            for script in run_scripts(ins) {
                let cmds = shell::commands(script.text);
                for (n, cmd) in cmds.iter().enumerate() {
                    let Some(inv) = shell::invocation(cmd) else {
                        continue;
                    };
                    if let Some(sudo) = inv.sudo.filter(|_| !sudo_reported) {
                        sudo_reported = true;
                        cx.report(&CHECK, script.span(cmd.words[sudo].range.clone()), "`sudo` in a RUN step: most base images have no sudo (`sudo: not found`), and RUN already runs as root unless a USER line changed that")
                            .help("drop `sudo`; if the stage switched to another user, put `USER root` before this RUN and switch back after it")
                            .severity(Severity::Warning);
                    }
                    let Some(call) = shell::subcommand(cmd).filter(|c| c.manager == Manager::Apt)
                    else {
                        continue;
                    };
                    let program = call.program.clone();
                    let sub = call.index;
                    let sub_word = &cmd.words[sub];
                    let sub_name = sub_word.value.as_str();
                    let at = script.span(cmd.words[inv.index].range.start..sub_word.range.end);
                    let read_only = matches!(
                        sub_name,
                        "show"
                            | "policy"
                            | "search"
                            | "list"
                            | "depends"
                            | "rdepends"
                            | "changelog"
                            | "download"
                            | "source"
                            | "moo"
                    );
                    if let (Some((name, line)), None, false, false) =
                        (&user, inv.sudo, read_only, user_reported)
                    {
                        user_reported = true;
                        cx.report(&CHECK, at.clone(), format!("`{program} {sub_name}` runs as user `{name}` (USER on line {line}), but apt needs root: `E: Could not open lock file ... Permission denied`"))
                            .help(format!("put `USER root` before this RUN and `USER {name}` after it"));
                    }
                    if sub_name == "update" {
                        updated_here = true;
                        continue;
                    }
                    if !PROMPTING.contains(&sub_name) {
                        continue;
                    }
                    let piped_from_yes = n > 0
                        && cmd.after == Some("|")
                        && shell::invocation(&cmds[n - 1]).is_some_and(|p| p.program == "yes");
                    if !has_yes(cmd, inv.index) && !piped_from_yes && !global_assume_yes {
                        let d = cx.report(&CHECK, at.clone(), format!("`{program} {sub_name}` without `-y`: the build cannot answer `Do you want to continue? [Y/n]`, so apt aborts"));
                        d.help(format!("add `-y`: `{program} {sub_name} -y ...`"));
                        if let Some(exact) = script.exact_span(sub_word.range.clone()) {
                            d.fix(Fix::insert("add -y", exact.end, " -y"));
                        }
                    }
                    if matches!(sub_name, "install" | "build-dep") && !updated_here {
                        let local_only = shell::install(cmd)
                            .is_some_and(|i| i.packages.iter().all(|t| t.value.ends_with(".deb")));
                        if !local_only {
                            let d = cx.report(&CHECK, at.clone(), format!("`{program} {sub_name}` without `{program} update` earlier in the same RUN"));
                            if updated_earlier {
                                d.help("an update in an earlier RUN is cached as its own layer and goes stale (`E: Unable to locate package`); run `apt-get update && apt-get install ...` in one RUN")
                                    .severity(Severity::Warning);
                            } else {
                                d.help("base images ship with empty package lists: start this RUN with `apt-get update && `")
                                    .severity(Severity::Warning);
                            }
                        }
                    }
                }
            }
            updated_earlier |= updated_here;
        }
        stage_users.push(user);
    }
}
