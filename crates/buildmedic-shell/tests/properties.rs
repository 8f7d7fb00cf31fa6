//! Property tests: no input makes the reader panic, and every range it hands out lies inside
//! the input on char boundaries.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use buildmedic_shell::{
    Token, commands, install, installs, invocation, raw_words, tokenize, unquote,
};
use proptest::prelude::*;

/// Pieces that exercise the lexer's and the install reader's decisions more often than random
/// text does.
fn command_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("pip ".to_string()),
        Just("pip3.11 ".to_string()),
        Just("python3 -m pip ".to_string()),
        Just("uv pip ".to_string()),
        Just("conda ".to_string()),
        Just("mamba env ".to_string()),
        Just("apt-get ".to_string()),
        Just("apk ".to_string()),
        Just("dnf ".to_string()),
        Just("install ".to_string()),
        Just("create ".to_string()),
        Just("add ".to_string()),
        Just("sudo -u ".to_string()),
        Just("sh -c ".to_string()),
        Just("/bin/bash -lc '".to_string()),
        Just("A=b ".to_string()),
        Just("-r ".to_string()),
        Just("-rreq.txt ".to_string()),
        Just("--index-url=".to_string()),
        Just("-c ".to_string()),
        Just("-n ".to_string()),
        Just("-- ".to_string()),
        Just("&& ".to_string()),
        Just("|| ".to_string()),
        Just("; ".to_string()),
        Just("| ".to_string()),
        Just("\n".to_string()),
        Just("\\\n".to_string()),
        Just("> ".to_string()),
        Just("2>&1 ".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("$(".to_string()),
        Just(")".to_string()),
        Just("`".to_string()),
        Just("#".to_string()),
        Just("é".to_string()),
        Just("numpy<2 ".to_string()),
        "[ -~]{0,10}",
    ];
    prop::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

fn assert_range(text: &str, r: &std::ops::Range<usize>) {
    assert!(r.start <= r.end && r.end <= text.len(), "{r:?} in {text:?}");
    assert!(
        text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
        "{r:?} in {text:?}"
    );
}

fn exercise(text: &str) {
    for token in tokenize(text) {
        match token {
            Token::Word(w) => assert_range(text, &w.range),
            Token::Operator { range, .. } => assert_range(text, &range),
        }
    }
    for r in raw_words(text) {
        assert_range(text, &r);
        let _ = unquote(&text[r]);
    }
    for cmd in commands(text) {
        if let Some(inv) = invocation(&cmd) {
            assert!(inv.index < cmd.words.len());
        }
        if let Some(i) = install(&cmd) {
            assert!(i.program_index < i.subcommand_index && i.subcommand_index < cmd.words.len());
            assert_range(text, &i.range);
            for t in i
                .targets()
                .chain(&i.constraint_files)
                .chain(&i.index_urls)
                .chain(&i.extra_index_urls)
                .chain(&i.find_links)
                .chain(&i.channels)
                .chain(i.environment.as_ref())
            {
                assert_range(text, &t.range);
                let _ = t.is_path_or_url();
            }
        }
    }
    for i in installs(text) {
        assert_range(text, &i.range);
        for t in i.targets().chain(&i.index_urls).chain(&i.channels) {
            assert_range(text, &t.range);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_text(text in "\\PC{0,120}") {
        exercise(&text);
    }

    #[test]
    fn never_panics_on_command_like_text(text in command_like()) {
        exercise(&text);
    }

    /// A verbatim (unquoted, unescaped) target's range is exactly its value.
    #[test]
    fn plain_targets_are_exact(names in prop::collection::vec("[a-z][a-z0-9_.=-]{0,8}", 1..5)) {
        let line = format!("pip install {}", names.join(" "));
        let found = installs(&line);
        prop_assert_eq!(found.len(), 1);
        for (t, name) in found[0].packages.iter().zip(&names) {
            prop_assert_eq!(&line[t.range.clone()], name.as_str());
            prop_assert_eq!(&t.value, name);
        }
    }
}

#[test]
fn known_hard_inputs() {
    for s in [
        "\\",
        "'",
        "\"",
        "$(",
        "`",
        "&",
        "é\\",
        "\"\\",
        "$(\"",
        "a>|b",
        "&>x",
        ">&",
        "pip install -",
        "pip install -r",
        "conda env",
        "python -m",
        "python -m pip",
        "uv",
        "apt-get -o",
        "pip install --index-url=",
        "pip install -é",
        "conda install -cé",
        "sudo -u",
    ] {
        exercise(s);
    }
}
