//! Turning a raw physical line into the text a human saw on the terminal.
//!
//! Three things hide the text of a build log line: carriage-return progress bars (each `\r`
//! starts over; the terminal keeps the last state), ANSI escape sequences (colours, cursor
//! moves, erase-line) and stray control bytes (NUL, BEL, backspace). Cleaning happens in
//! place and only ever shrinks the line, so the reader never allocates per line.
//!
//! The reader calls [`clean_in_place`] only for lines that contain ESC, CR or a NUL (found
//! with one `memchr3` pass over the whole buffer); clean lines cost nothing here.

/// Cleans `buf[..]` in place and returns the new length.
///
/// * `\r` — the line keeps its final state: the last segment that still has visible text
///   after escape stripping (a trailing `\r` from CRLF, or a segment holding only
///   `ESC[2K`, does not blank the line).
/// * ANSI escapes — CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \`), charset
///   designations (`ESC ( B`) and two-byte escapes are removed.
/// * Other C0 control bytes except TAB, and DEL, are removed.
pub fn clean_in_place(buf: &mut [u8]) -> usize {
    // Walk the CR-separated segments from the last one backwards and keep the first that
    // still shows something. Segments are cleaned into the start of the buffer: the write
    // cursor never overtakes the read cursor because cleaning only removes bytes.
    let mut seg_end = buf.len();
    loop {
        let seg_start = match memchr::memrchr(b'\r', &buf[..seg_end]) {
            Some(cr) => cr + 1,
            None => 0,
        };
        let len = strip_segment(buf, seg_start, seg_end);
        if seg_start == 0 || buf[..len].iter().any(|b| !b.is_ascii_whitespace()) {
            return len;
        }
        // Nothing visible in this segment: the terminal still showed the previous one.
        seg_end = seg_start - 1;
    }
}

/// Copies `buf[start..end]` to `buf[0..]` without escapes and control bytes; returns the
/// written length.
fn strip_segment(buf: &mut [u8], start: usize, end: usize) -> usize {
    let mut r = start;
    let mut w = 0;
    while r < end {
        // Copy the run of ordinary bytes up to the next one that needs a look.
        let plain = r + plain_run(&buf[r..end]);
        if plain > r {
            buf.copy_within(r..plain, w);
            w += plain - r;
            r = plain;
            if r == end {
                break;
            }
        }
        let b = buf[r];
        match b {
            0x1b => r = skip_escape(buf, r, end),
            // Logs copied through tools that replaced ESC with U+FFFD: `\u{fffd}[91m`.
            0xef if buf[r..end].starts_with(b"\xef\xbf\xbd[") => {
                let after = skip_escape(buf, r + 2, end);
                if after > r + 4 && buf[after - 1].is_ascii_alphabetic() {
                    r = after;
                } else {
                    buf[w] = b;
                    w += 1;
                    r += 1;
                }
            }
            0x00..=0x08 | 0x0a..=0x1f | 0x7f => r += 1,
            _ => {
                buf[w] = b;
                w += 1;
                r += 1;
            }
        }
    }
    w
}

/// Length of the leading run of `s` that cleaning keeps as it is: no control byte other than
/// TAB, no DEL, no 0xEF (which may start a mangled escape). Eight bytes at a time.
fn plain_run(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // Bytes below 0x20, and bytes equal to 0x7f or 0xef (zero after the xor). Each test
        // may flag false bytes, but only above a true one: the lowest flag is exact.
        let low = x.wrapping_sub(0x20 * ONES) & !x;
        let del = x ^ (0x7f * ONES);
        let del = del.wrapping_sub(ONES) & !del;
        let ef = x ^ (0xef * ONES);
        let ef = ef.wrapping_sub(ONES) & !ef;
        let flagged = (low | del | ef) & HIGHS;
        if flagged == 0 {
            i += 8;
            continue;
        }
        let j = i + (flagged.trailing_zeros() / 8) as usize;
        if needs_look(s[j]) {
            return j;
        }
        // A tab: kept as it is.
        i = j + 1;
    }
    while i < s.len() && !needs_look(s[i]) {
        i += 1;
    }
    i
}

fn needs_look(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f || b == 0xef
}

/// Given `buf[at] == ESC`, returns the index just after the escape sequence.
fn skip_escape(buf: &[u8], at: usize, end: usize) -> usize {
    let Some(&kind) = buf.get(at + 1).filter(|_| at + 1 < end) else {
        return end.min(at + 1);
    };
    match kind {
        // CSI: parameters and intermediates, then one final byte in 0x40..=0x7e.
        b'[' => {
            let mut i = at + 2;
            while i < end {
                if (0x40..=0x7e).contains(&buf[i]) {
                    return i + 1;
                }
                // A byte outside the CSI alphabet ends a malformed sequence early.
                if !(0x20..=0x3f).contains(&buf[i]) {
                    return i;
                }
                i += 1;
            }
            end
        }
        // OSC (and DCS, PM, APC): until BEL or ST (`ESC \`).
        b']' | b'P' | b'^' | b'_' => {
            let mut i = at + 2;
            while i < end {
                match buf[i] {
                    0x07 => return i + 1,
                    0x1b if buf.get(i + 1) == Some(&b'\\') && i + 1 < end => return i + 2,
                    _ => i += 1,
                }
            }
            end
        }
        // Character set designation: ESC ( X, ESC ) X, ...
        b'(' | b')' | b'*' | b'+' | b'-' | b'.' | b'/' | b'#' | b'%' => (at + 3).min(end),
        // Two-byte escapes: ESC 7, ESC 8, ESC =, ESC >, ESC M, ...
        _ => at + 2,
    }
}

/// How [`lossy_text`] shows that it cut a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Nothing is added (step commands: the bound is documented).
    Silent,
    /// `…` is appended (evidence shown to people).
    Ellipsis,
}

/// The text of at most `max` bytes of `bytes`, invalid UTF-8 replaced, cut at a character
/// boundary. Every invalid byte becomes a 3-byte replacement character, so the bound is
/// enforced on the decoded text too. The one conversion of log bytes to stored text.
pub fn lossy_text(bytes: &[u8], max: usize, cut: Cut) -> String {
    let mut was_cut = bytes.len() > max;
    let mut s = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    // A cut inside a multi-byte character shows up as a trailing replacement char: drop it.
    if was_cut && s.ends_with('\u{fffd}') {
        s.pop();
    }
    if s.len() > max {
        let end = (0..=max)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        s.truncate(end);
        was_cut = true;
    }
    if was_cut && cut == Cut::Ellipsis {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &[u8]) -> String {
        let mut v = s.to_vec();
        let n = clean_in_place(&mut v);
        String::from_utf8_lossy(&v[..n]).into_owned()
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(clean(b"Collecting numpy==1.26"), "Collecting numpy==1.26");
        assert_eq!(clean(b"a\tb"), "a\tb");
    }

    #[test]
    fn colours_are_removed() {
        assert_eq!(
            clean(b"\x1b[31mERROR\x1b[0m: \x1b[1;33mNo matching\x1b[0m"),
            "ERROR: No matching"
        );
        assert_eq!(clean(b"\x1b[38;5;197mred\x1b[0m"), "red");
    }

    #[test]
    fn progress_bar_keeps_final_state() {
        assert_eq!(
            clean(b"\r\x1b[2K  10%\r\x1b[2K  50%\r\x1b[2K 100% done"),
            " 100% done"
        );
        assert_eq!(
            clean(b"Downloading 10%\rDownloading 100%"),
            "Downloading 100%"
        );
    }

    #[test]
    fn trailing_carriage_return_does_not_blank_the_line() {
        assert_eq!(
            clean(b"E: Unable to locate package foo\r"),
            "E: Unable to locate package foo"
        );
        assert_eq!(clean(b"text\r\x1b[2K\r"), "text");
    }

    #[test]
    fn osc_and_charset_sequences() {
        assert_eq!(clean(b"\x1b]0;title\x07after"), "after");
        assert_eq!(clean(b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
        assert_eq!(clean(b"\x1b(Bplain"), "plain");
    }

    #[test]
    fn mangled_escapes_are_removed() {
        assert_eq!(
            clean("\u{fffd}[91m/bin/sh: 1: cannot open x\u{fffd}[0m".as_bytes()),
            "/bin/sh: 1: cannot open x"
        );
        assert_eq!(
            clean("keep \u{fffd} alone".as_bytes()),
            "keep \u{fffd} alone"
        );
    }

    #[test]
    fn lossy_texts_stay_within_their_bound() {
        assert_eq!(lossy_text(b"abc", 8, Cut::Ellipsis), "abc");
        assert_eq!(lossy_text("é".repeat(3).as_bytes(), 3, Cut::Silent), "é");
        assert_eq!(lossy_text("é".repeat(3).as_bytes(), 3, Cut::Ellipsis), "é…");
        let s = lossy_text(&[0xff; 10], 10, Cut::Silent);
        assert!(s.len() <= 10);
        assert!(lossy_text(&[0xff; 10], 10, Cut::Ellipsis).ends_with('…'));
    }

    #[test]
    fn control_bytes_are_dropped() {
        assert_eq!(clean(b"a\0b\x07c\x08d\x7f"), "abcd");
    }

    #[test]
    fn truncated_escapes_do_not_panic() {
        assert_eq!(clean(b"abc\x1b"), "abc");
        assert_eq!(clean(b"abc\x1b["), "abc");
        assert_eq!(clean(b"abc\x1b]unterminated"), "abc");
        assert_eq!(clean(b"\x1b(abc"), "bc");
    }

    #[test]
    fn only_control_content_becomes_empty() {
        assert_eq!(clean(b"\r\r\r"), "");
        assert_eq!(clean(b"\x1b[2K\r\x1b[1A"), "");
    }

    /// Byte at a time, the definition of what a segment keeps.
    fn reference_segment(buf: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut r = 0;
        while r < buf.len() {
            match buf[r] {
                0x1b => r = skip_escape(buf, r, buf.len()),
                0xef if buf[r..].starts_with(b"\xef\xbf\xbd[") => {
                    let after = skip_escape(buf, r + 2, buf.len());
                    if after > r + 4 && buf[after - 1].is_ascii_alphabetic() {
                        r = after;
                    } else {
                        out.push(buf[r]);
                        r += 1;
                    }
                }
                b'\t' => {
                    out.push(b'\t');
                    r += 1;
                }
                0x00..=0x1f | 0x7f => r += 1,
                b => {
                    out.push(b);
                    r += 1;
                }
            }
        }
        out
    }

    fn special_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        let bytes = vec![
            b'a', b'[', b'm', b'1', b';', b'\t', 0x1b, 0x1f, 0x7f, 0xef, 0xbf, 0xbd, 0x80, 0x20,
            0x00, 0xff, b']', 0x07, b'\\',
        ];
        proptest::collection::vec(proptest::sample::select(bytes), 0..64)
    }

    proptest::proptest! {
        #[test]
        fn plain_runs_stop_at_the_first_byte_that_needs_a_look(bytes in special_bytes()) {
            let expected = bytes.iter().position(|b| needs_look(*b)).unwrap_or(bytes.len());
            proptest::prop_assert_eq!(plain_run(&bytes), expected);
        }

        #[test]
        fn segments_keep_what_the_byte_loop_keeps(bytes in special_bytes()) {
            let mut v = bytes.clone();
            let n = strip_segment(&mut v, 0, bytes.len());
            proptest::prop_assert_eq!(&v[..n], &reference_segment(&bytes)[..]);
        }

        #[test]
        fn never_grows_and_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut v = bytes.clone();
            let n = clean_in_place(&mut v);
            proptest::prop_assert!(n <= bytes.len());
            proptest::prop_assert!(!v[..n].contains(&0x1b));
            proptest::prop_assert!(!v[..n].contains(&b'\r'));
        }
    }
}
