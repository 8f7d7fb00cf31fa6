//! Fuzz the streaming log reader: any bytes, checked against the reader's invariants.
//!
//! Run: `cargo +nightly fuzz run read_log fuzz/seeds/read_log -- -max_len=65536`.
//!
//! The reader runs with a small buffer (16 to 4111 bytes, from the input's first byte), so
//! batch boundaries, `CONTINUED` segments of lines longer than the buffer and dropped
//! progress bars are reached with small inputs, and each input costs little (thousands per
//! second). Inputs `\xffR<unit>\n<rest>` repeat `unit` (which has no newline) past two
//! buffers, then `\n<rest>` follows. Inputs starting with the gzip magic go through
//! `input::sniff`.

#![no_main]

use std::io::{self, Read};

use buildmedic_log::{Batch, LineFlags, LineRec, ReaderOptions, Sink, Step, read_log_with};
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Check {
    last: Option<LineRec>,
    batches: usize,
}

fn check_steps(steps: &[Step]) {
    for (i, s) in steps.iter().enumerate() {
        assert!(
            s.first_line <= s.last_line,
            "step {i}: first_line {} > last_line {}",
            s.first_line,
            s.last_line
        );
    }
}

impl Sink for Check {
    fn batch(&mut self, batch: &Batch<'_>, steps: &[Step]) {
        self.batches += 1;
        for l in batch.lines {
            assert!(
                l.start <= l.end && l.end as usize <= batch.buf.len(),
                "line {}: range {}..{} outside a buffer of {}",
                l.number,
                l.start,
                l.end,
                batch.buf.len()
            );
            let _ = batch.text(l);
            match self.last {
                Some(prev) if l.is(LineFlags::CONTINUED) => assert_eq!(
                    l.number, prev.number,
                    "a CONTINUED segment changes the line number"
                ),
                Some(prev) => assert!(
                    l.number > prev.number,
                    "line numbers not increasing: {} after {}",
                    l.number,
                    prev.number
                ),
                None => {
                    assert!(!l.is(LineFlags::CONTINUED), "first line is CONTINUED");
                    assert_eq!(l.number, 1, "first line is not line 1");
                }
            }
            if let Some(i) = l.step.map(|s| s.index()) {
                assert!(i < steps.len(), "line {} in unknown step {i}", l.number);
                let st = &steps[i];
                assert!(
                    st.first_line <= l.number && l.number <= st.last_line,
                    "line {} outside its step's lines {}..={}",
                    l.number,
                    st.first_line,
                    st.last_line
                );
            }
            self.last = Some(*l);
        }
        for ev in batch.events {
            assert!(
                (ev.line as usize) < batch.lines.len(),
                "event at line index {} of a batch of {} lines",
                ev.line,
                batch.lines.len()
            );
            assert!(ev.step.index() < steps.len(), "event of an unknown step");
        }
        for l in batch.before.lines() {
            assert!(l.number < batch.lines.first().map_or(u64::MAX, |f| f.number + 1));
            let _ = batch.before.text(l);
        }
        // Matches are located with `line_at`; it must never point outside the batch.
        if let Some(l) = batch.lines.first() {
            let hit = batch.line_at(l.start as usize, 0, 0);
            assert!(hit.is_none_or(|i| i < batch.lines.len()));
        }
        check_steps(steps);
    }
}

/// `unit` repeated until `left` bytes, without materialising it.
struct Repeat<'a> {
    unit: &'a [u8],
    pos: usize,
    left: usize,
}

impl Read for Repeat<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out.len().min(self.left).min(self.unit.len() - self.pos);
        out[..n].copy_from_slice(&self.unit[self.pos..self.pos + n]);
        self.pos = (self.pos + n) % self.unit.len();
        self.left -= n;
        Ok(n)
    }
}

fn run<R: Read>(input: R, len: Option<u64>, options: &ReaderOptions) {
    let mut sink = Check::default();
    let summary = match read_log_with(input, &mut sink, options) {
        Ok(s) => s,
        // Only a broken gzip stream can fail.
        Err(_) if len.is_none() => return,
        Err(e) => panic!("in-memory read failed: {e}"),
    };
    if let Some(len) = len {
        assert_eq!(summary.bytes, len, "bytes counted");
    }
    assert_eq!(
        summary.lines,
        sink.last.map_or(0, |l| l.number),
        "summary.lines is not the last line number"
    );
    check_steps(&summary.steps);
    for (what, id) in [
        ("failing_step", summary.failing_step),
        ("last_running_step", summary.last_running_step),
    ] {
        if let Some(id) = id {
            assert!(
                summary.step(id).is_some(),
                "{what} {id:?} is not one of {} steps",
                summary.steps.len()
            );
        }
    }
    for s in &summary.steps {
        assert!(s.last_line <= summary.lines.max(1));
        assert!(s.command.len() <= buildmedic_log::steps::MAX_COMMAND);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, data)) = data.split_first() else {
        return;
    };
    let options = ReaderOptions {
        buffer_size: 16 + usize::from(size) * 16,
        carry_lines: usize::from(size % 8),
    };
    // A bit more than two buffers.
    let repeat_to = 2 * options.buffer_size + 17;
    let repeat = data
        .strip_prefix(b"\xffR")
        .map(|body| body.split_at(body.iter().position(|&c| c == b'\n').unwrap_or(body.len())))
        .filter(|(unit, _)| !unit.is_empty());
    if let Some((unit, rest)) = repeat {
        let input = Repeat {
            unit,
            pos: 0,
            left: repeat_to,
        }
        .chain(rest);
        run(input, Some((repeat_to + rest.len()) as u64), &options);
    } else if data.starts_with(&[0x1f, 0x8b]) {
        let Ok(input) = buildmedic_log::input::sniff(Box::new(io::Cursor::new(data.to_vec())))
        else {
            return;
        };
        // A decompression bomb is not what this target looks for.
        run(input.take(1 << 20), None, &options);
    } else {
        run(data, Some(data.len() as u64), &options);
    }
});
