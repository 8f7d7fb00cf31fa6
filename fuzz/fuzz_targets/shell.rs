//! Fuzz the shell command reader: simple commands, the program they run, and what install
//! commands install (the reader the linter and the diagnosis engine share).
//!
//! Run: `cargo +nightly fuzz run shell fuzz/seeds/shell`.

#![no_main]

use std::ops::Range;

use libfuzzer_sys::fuzz_target;

fn in_text(text: &str, r: &Range<usize>) {
    assert!(r.start <= r.end && r.end <= text.len(), "{r:?}");
    assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end), "{r:?}");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for r in buildmedic_shell::raw_words(&text) {
        in_text(&text, &r);
        let _ = buildmedic_shell::unquote(&text[r]);
    }
    for cmd in buildmedic_shell::commands(&text) {
        for w in &cmd.words {
            in_text(&text, &w.range);
            for &a in &w.unquoted_angles {
                assert!(w.range.contains(&a));
            }
        }
        if let Some(sub) = buildmedic_shell::subcommand(&cmd) {
            assert!(sub.program_index < sub.index && sub.index < cmd.words.len());
        }
        if let Some(install) = buildmedic_shell::install(&cmd) {
            in_text(&text, &install.range);
            for t in install
                .targets()
                .chain(&install.constraint_files)
                .chain(&install.index_urls)
                .chain(&install.extra_index_urls)
                .chain(&install.find_links)
                .chain(&install.channels)
                .chain(install.environment.as_ref())
            {
                in_text(&text, &t.range);
            }
        }
    }
});
