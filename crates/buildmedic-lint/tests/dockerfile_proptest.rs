//! Property tests: the Dockerfile lexer, the checks, `.dockerignore` matching and the image
//! reference grammar never panic, and every span they hand out lies inside the input on char
//! boundaries.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_lint::syntax::dockerfile::parse;
use buildmedic_lint::syntax::dockerignore::DockerIgnore;
use buildmedic_lint::syntax::image_ref::{explain, grammar};
use buildmedic_lint::{FileCx, FileKind, LintConfig, SourceFile};
use proptest::prelude::*;

/// Pieces that exercise the lexer's decisions more often than random bytes do.
fn dockerfile_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("FROM ".to_string()),
        Just("RUN ".to_string()),
        Just("run ".to_string()),
        Just("COPY ".to_string()),
        Just("ADD --from=x ".to_string()),
        Just("ONBUILD ".to_string()),
        Just("ARG A=b\n".to_string()),
        Just("# escape=`\n".to_string()),
        Just("# syntax=docker/dockerfile:1\n".to_string()),
        Just("\\\n".to_string()),
        Just("`\n".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("  # c\n".to_string()),
        Just("<<EOF ".to_string()),
        Just("<<-'E' ".to_string()),
        Just("2<<\"X\" ".to_string()),
        Just("EOF\n".to_string()),
        Just("\tE\n".to_string()),
        Just("[\"a\", ".to_string()),
        Just("]".to_string()),
        Just("${A:-x}".to_string()),
        Just("pip install a>=1 ".to_string()),
        Just("conda install -y b<2 ".to_string()),
        Just("apt-get install x && ".to_string()),
        Just("sudo ".to_string()),
        Just("USER u\n".to_string()),
        Just("'\"".to_string()),
        Just("$(".to_string()),
        Just("é".to_string()),
        Just("\u{FEFF}".to_string()),
        Just("\u{FFFD}".to_string()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn lint(text: &str) {
    let config = LintConfig::default();
    let file = SourceFile::new("Dockerfile", "Dockerfile", FileKind::Dockerfile, text);
    let mut cx = FileCx::new(&config, &file);
    buildmedic_lint::run::lint_dockerfile(&mut cx, None);
    for d in cx.diagnostics() {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "{d:?}"
        );
        if let Some(fix) = &d.fix {
            for edit in &fix.edits {
                assert!(text.is_char_boundary(edit.range.start), "{d:?}");
                assert!(text.is_char_boundary(edit.range.end), "{d:?}");
            }
        }
    }
}

fn check_spans(text: &str) {
    let df = parse(text);
    for ins in &df.instructions {
        for span in [&ins.span, &ins.keyword_span] {
            assert!(span.start <= span.end && span.end <= text.len());
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
        for h in &ins.heredocs {
            assert_eq!(&text[h.body_span.clone()], h.body);
        }
        let _ = ins.all_args_span();
    }
    for c in &df.comments {
        assert!(text[c.span.clone()].starts_with('#'));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn lexer_and_checks_never_panic_on_dockerfile_like_text(text in dockerfile_like()) {
        check_spans(&text);
        lint(&text);
    }

    #[test]
    fn lexer_and_checks_never_panic_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        check_spans(&text);
        lint(&text);
    }

    #[test]
    fn image_grammar_never_panics(s in "[a-zA-Z0-9:/@._\\-\\[\\]%é ]{0,80}") {
        let _ = grammar::parse(&s);
        let _ = grammar::parse_any_reference(&s);
        let _ = grammar::parse_docker_ref(&s);
        if let Some(p) = explain::explain(&s) {
            prop_assert!(p.range.start <= p.range.end && p.range.end <= s.len().max(1));
        }
        // The explanation and the verdict agree.
        prop_assert_eq!(explain::explain(&s).is_none(), grammar::parse_normalized_named(&s).is_ok());
    }

    #[test]
    fn dockerignore_never_panics(text in "[a-z*?!/#\\[\\]\\\\. \n-]{0,60}", path in "[a-z./]{0,20}") {
        let ignore = DockerIgnore::parse(&text);
        let _ = ignore.is_excluded(&path);
    }
}
