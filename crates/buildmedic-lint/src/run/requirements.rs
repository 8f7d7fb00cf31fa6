//! Runs the pip checks on requirement lines: requirements files, and the items of a conda
//! `pip:` list (which conda hands to pip as a requirements file).

use crate::framework::context::FileCx;
use crate::rules::conda::conda_deps_unpinned;
use crate::rules::pip::{
    pip_interactive_auth, pip_invalid_operator, pip_invalid_option, pip_invalid_requirement,
    pip_invalid_wheel_filename, pip_requirement_option_ignored, pip_requirements_file_missing,
};
use crate::syntax::requirements::{
    Logical, ReqLine, ReqOption, ReqOrigin, ReqText, logical_lines, parse_pep508,
};

use super::discover::{Include, include};

/// Lints every logical line of a requirements file.
pub(crate) fn lint_file(cx: &mut FileCx<'_>) {
    let lines = logical_lines(&cx.file.text);
    for l in &lines {
        lint_logical(l, cx, ReqOrigin::RequirementsFile);
    }
}

/// Lints one requirement line (a requirements file line or a conda `pip:` item).
pub(crate) fn lint_logical(l: &Logical, cx: &mut FileCx<'_>, origin: ReqOrigin) {
    let Some(line) = ReqLine::parse(l) else {
        return;
    };
    pip_invalid_option::check(l, cx);
    if !line.trailing_options {
        for opt in &line.options {
            lint_option(l, opt, cx, origin);
        }
        if let Some(req) = &line.requirement {
            lint_requirement(l, req, cx);
        }
        return;
    }
    if let Some(req) = &line.requirement {
        lint_requirement(l, req, cx);
    }
    for opt in &line.options {
        pip_requirement_option_ignored::check(l, opt, cx);
        lint_option(l, opt, cx, origin);
    }
}

fn lint_option(l: &Logical, opt: &ReqOption<'_>, cx: &mut FileCx<'_>, origin: ReqOrigin) {
    let Some(value) = &opt.value else { return };
    match opt.name.as_str() {
        "requirement" | "constraint" => {
            // Files that exist are linted in turn (discovery follows them).
            if let Include::Missing { display, is_dir } = include(cx.file, value.text) {
                pip_requirements_file_missing::report(
                    l.span(value.range.clone()),
                    &display,
                    is_dir,
                    origin,
                    cx,
                );
            }
        }
        "index-url" | "extra-index-url" => pip_interactive_auth::check(l, value, cx),
        _ => {}
    }
}

fn lint_requirement(l: &Logical, req: &ReqText<'_>, cx: &mut FileCx<'_>) {
    if req.text.contains("${") {
        return; // pip expands environment variables; the value is not known here.
    }
    if req.direct {
        pip_invalid_wheel_filename::check_direct(l, req, cx);
        conda_deps_unpinned::check_direct(l, req, cx);
        return;
    }
    if pip_invalid_operator::check(l, req, cx) {
        return;
    }
    match parse_pep508(req.text) {
        Ok(parsed) => {
            pip_invalid_wheel_filename::check_named(l, req, &parsed, cx);
            conda_deps_unpinned::check_requirement(l, req, &parsed, cx);
        }
        Err(err) => pip_invalid_requirement::report(l, req, &err, cx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileKind;

    proptest::proptest! {
        #[test]
        fn lines_never_panic(s in "\\PC{0,200}") {
            let config = crate::LintConfig::default();
            let file = crate::SourceFile::new("/nonexistent/r.txt", "r.txt", FileKind::Requirements, s.clone());
            let mut cx = FileCx::new(&config, &file);
            lint_file(&mut cx);
            for d in cx.into_diagnostics() {
                proptest::prop_assert!(d.span.end <= s.len());
            }
        }
    }
}
