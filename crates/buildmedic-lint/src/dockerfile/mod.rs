//! Dockerfiles: a BuildKit-faithful lexer with byte spans, and the checks that read it.
//!
//! Owns: reading Dockerfile syntax ([`parser`]), the bits of shell needed to reason about
//! `RUN` lines ([`shell`]), build stages ([`stages`]), and the Dockerfile checks (one file
//! each). `FROM` images go through [`crate::image_ref`]. Must not: read other definition
//! files or print anything.
//!
//! Comments are exposed as [`parser::Dockerfile::comments`] with spans, so suppression
//! comments (`# buildmedic: ignore[...]`) are visible to the framework; a suppression placed
//! before a continued instruction should cover all of its lines
//! ([`instruction_line_ranges`]).

pub mod parser;
pub mod shell;
pub mod stages;

mod apt_get_failed;
mod conda_bare_redirection;
mod conda_command_not_found;
mod copy_file_not_found;
mod dockerfile_malformed;
mod dockerfile_too_large;
mod script;
mod unknown_docker_instruction;

use std::path::Path;

use crate::CheckInfo;
use crate::context::FileCx;
use crate::hooks::{DockerfileChecks, DockerfileInput, ImageRefOrigin};

pub use parser::{Dockerfile, parse};

/// The checks of this module.
pub static CHECKS: [&CheckInfo; 7] = [
    &unknown_docker_instruction::CHECK,
    &dockerfile_malformed::CHECK,
    &dockerfile_too_large::CHECK,
    &copy_file_not_found::CHECK,
    &conda_bare_redirection::CHECK,
    &apt_get_failed::CHECK,
    &conda_command_not_found::CHECK,
];

/// The 0-based (first, last) physical lines of every instruction, for line-based suppression.
pub fn instruction_line_ranges(text: &str) -> Vec<(usize, usize)> {
    parse(text)
        .instructions
        .iter()
        .map(|i| (i.first_line, i.last_line))
        .collect()
}

/// Whether the text is too damaged to parse (e.g. UTF-16 decoded as UTF-8): more than one
/// character in ten is a replacement character.
fn unreadable(text: &str) -> bool {
    let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
    bad > 0 && bad * 10 > text.chars().count()
}

/// Lint `cx.file` as a Dockerfile whose build context is `context_dir` (when known).
pub fn lint_dockerfile(cx: &mut FileCx<'_>, context_dir: Option<&Path>) {
    let file = cx.file;
    dockerfile_too_large::check(cx);
    if unreadable(&file.text) {
        return;
    }
    let df = parse(&file.text);
    unknown_docker_instruction::check(&df, cx);
    dockerfile_malformed::check(&df, cx);
    copy_file_not_found::check(&df, context_dir, cx);
    conda_bare_redirection::check(&df, cx);
    apt_get_failed::check(&df, cx);
    conda_command_not_found::check(&df, cx);
    for stage in stages::stages(&df) {
        if let stages::Base::Image {
            reference,
            span,
            substituted,
        } = stage.base
        {
            // After ARG substitution the text differs from the file; check it against the
            // whole token so positions stay honest.
            let _ = substituted;
            crate::image_ref::check_image_reference(
                cx,
                &reference,
                span,
                ImageRefOrigin::Dockerfile,
            );
        }
    }
}

/// The framework hook ([`crate::hooks::DockerfileChecks`]).
pub struct DockerfileLinter;

impl DockerfileChecks for DockerfileLinter {
    fn checks(&self) -> &'static [&'static CheckInfo] {
        &CHECKS
    }

    fn lint_dockerfile(&self, input: &DockerfileInput<'_>, cx: &mut FileCx<'_>) {
        lint_dockerfile(cx, input.context_dir);
    }
}
