//! The streaming reader: bytes in, batches of cleaned and framed lines out.
//!
//! # Why batches over one buffer
//!
//! The reader fills a fixed buffer ([`ReaderOptions::buffer_size`], 1 MiB by default),
//! splits it into lines with `memchr`, cleans the few lines that need it *in place* and hands
//! the whole buffer plus a table of line records to a [`Sink`]. A sink can then run one
//! multi-pattern search over the entire buffer instead of one search per line, which is what
//! makes matching run at memory speed: per-line calls into a searcher cost more than the
//! search itself on 100-byte lines. Memory stays bounded by the buffer whatever the size of
//! the log.
//!
//! Cleaning only shrinks a line, so a line's content is `buf[start..end]` and the bytes
//! between `end` and the next line are stale. Sinks must ignore matches that cross a line's
//! `end` (see [`Batch::line_at`]).
//!
//! # Lines longer than the buffer
//!
//! A line that does not fit is handled without growing memory: if it is a carriage-return
//! progress bar, everything before its last `\r` is dropped (the terminal would have
//! overwritten it anyway); otherwise the buffer is emitted as a segment of the line and the
//! next segment carries the same line number with [`LineFlags::CONTINUED`] set.

use std::io::{self, Read};

use crate::LogSummary;
use crate::framing::Framer;
use crate::step_table::StepEvent;
use crate::steps::{Step, StepId};

/// A progress-bar line keeps at most this many bytes before its first `\r` (its prefixes).
const KEEP_BEFORE_CR: usize = 256;
/// Smallest buffer the reader accepts (tests use tiny ones to cross batch boundaries).
const MIN_BUFFER: usize = 16;

/// How the reader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderOptions {
    /// Bytes per batch. Large enough that per-batch costs vanish, small enough for cache
    /// and RSS. Lines longer than this are split into segments. At least 16.
    pub buffer_size: usize,
    /// Lines before each batch the reader keeps for the sink ([`Batch::before`]), so that
    /// looking back does not depend on where a batch starts.
    pub carry_lines: usize,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            buffer_size: 1 << 20,
            carry_lines: 0,
        }
    }
}

/// What the framing says about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct LineFlags(u8);

impl LineFlags {
    pub const NONE: LineFlags = LineFlags(0);
    /// The builder's own framing: step headers, `DONE`, failure verdicts, code frames.
    pub const FRAMING: LineFlags = LineFlags(1);
    /// A later segment of a line longer than the buffer (same `number` as the previous one).
    pub const CONTINUED: LineFlags = LineFlags(2);
    /// A build-level failure verdict (`returned a non-zero code`, `failed to solve`, ...).
    pub const VERDICT: LineFlags = LineFlags(4);
    /// Inside BuildKit's error summary block, which repeats lines of the failed step.
    pub const SUMMARY: LineFlags = LineFlags(8);
    /// A shell prompt or CI echo of a command (`$ docker build .`, `+ pip install x`); see
    /// [`crate::prompt::prompt_command`].
    pub const PROMPT: LineFlags = LineFlags(16);
    /// The tool logged the line at its fatal level (logrus' `level=fatal`/`level=panic`,
    /// whose prefix is stripped): it ended the tool, whatever the message says.
    pub const FATAL: LineFlags = LineFlags(32);

    pub fn contains(self, other: LineFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for LineFlags {
    type Output = LineFlags;
    fn bitor(self, rhs: LineFlags) -> LineFlags {
        LineFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for LineFlags {
    fn bitor_assign(&mut self, rhs: LineFlags) {
        self.0 |= rhs.0;
    }
}

/// One physical line of the log after cleaning. `start..end` indexes [`Batch::buf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRec {
    /// 1-based line number in the input.
    pub number: u64,
    pub start: u32,
    pub end: u32,
    /// Step the line belongs to; `None` outside steps.
    pub step: Option<StepId>,
    pub flags: LineFlags,
}

impl LineRec {
    pub fn is(&self, flag: LineFlags) -> bool {
        self.flags.contains(flag)
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A buffer of lines handed to a [`Sink`].
pub struct Batch<'a> {
    pub buf: &'a [u8],
    pub lines: &'a [LineRec],
    /// Steps that succeeded at one of these lines, in line order.
    pub events: &'a [StepEvent],
    /// The lines just before this batch ([`ReaderOptions::carry_lines`] of them at most).
    pub before: &'a CarriedLines,
}

/// Lines kept from earlier batches: their records (`start..end` index [`CarriedLines::text`])
/// and cleaned text, oldest first.
#[derive(Debug, Default, Clone)]
pub struct CarriedLines {
    text: Vec<u8>,
    lines: Vec<LineRec>,
}

impl CarriedLines {
    pub fn lines(&self) -> &[LineRec] {
        &self.lines
    }

    pub fn text(&self, line: &LineRec) -> &[u8] {
        &self.text[line.range()]
    }

    /// Keeps the last `keep` lines of `self` followed by `lines` (of `buf`).
    pub(crate) fn advance(&mut self, buf: &[u8], lines: &[LineRec], keep: usize) {
        if keep == 0 {
            return;
        }
        let new = lines.len().min(keep);
        let old = (keep - new).min(self.lines.len());
        let mut text = Vec::with_capacity(self.text.len());
        let mut recs = Vec::with_capacity(old + new);
        let from_old = &self.lines[self.lines.len() - old..];
        let from_new = &lines[lines.len() - new..];
        for (src, l) in from_old
            .iter()
            .map(|l| (&self.text[..], l))
            .chain(from_new.iter().map(|l| (buf, l)))
        {
            let start = text.len() as u32;
            text.extend_from_slice(&src[l.range()]);
            recs.push(LineRec {
                start,
                end: text.len() as u32,
                ..*l
            });
        }
        self.text = text;
        self.lines = recs;
    }
}

impl Batch<'_> {
    pub fn text(&self, line: &LineRec) -> &[u8] {
        &self.buf[line.range()]
    }

    /// Index of the line whose content contains `buf[pos..pos + len]`, if any. `hint` is a
    /// line index at or before the answer (matches arrive in order, so callers pass the
    /// previous answer and the walk is amortised O(1)).
    pub fn line_at(&self, pos: usize, len: usize, hint: usize) -> Option<usize> {
        let mut i = hint;
        while i < self.lines.len() && (self.lines[i].end as usize) < pos + len {
            if self.lines[i].start as usize > pos {
                // The match starts in stale bytes or a stripped prefix of this line.
                return None;
            }
            i += 1;
        }
        let line = self.lines.get(i)?;
        (line.start as usize <= pos).then_some(i)
    }
}

/// Receives batches in input order.
pub trait Sink {
    /// One batch; `steps` are the steps seen so far, as far as the framing knows them.
    fn batch(&mut self, batch: &Batch<'_>, steps: &[Step]);

    /// The log has ended; `summary` is what the framing established.
    fn finish(&mut self, _summary: &LogSummary) {}
}

/// A sink that does nothing (for measuring the reader alone).
pub struct NullSink;

impl Sink for NullSink {
    fn batch(&mut self, _: &Batch<'_>, _: &[Step]) {}
}

/// Reads a whole log from `input`, feeding `sink`, and returns what the framing told.
pub fn read_log<R: Read, S: Sink>(input: R, sink: &mut S) -> io::Result<LogSummary> {
    read_log_with(input, sink, &ReaderOptions::default())
}

/// [`read_log`] with options.
pub fn read_log_with<R: Read, S: Sink>(
    input: R,
    sink: &mut S,
    options: &ReaderOptions,
) -> io::Result<LogSummary> {
    let mut filler = Filler::new(input, options);
    let mut reader = LineReader::new();
    let mut carried = CarriedLines::default();
    let mut buf = Vec::new();
    while let Some((end, complete)) = filler.fill(&mut buf)? {
        reader.process(&mut buf[..end], complete);
        let framer = &reader.framer;
        sink.batch(
            &Batch {
                buf: &buf[..end],
                lines: &framer.lines,
                events: &framer.steps.events,
                before: &carried,
            },
            &framer.steps.steps,
        );
        carried.advance(&buf[..end], &framer.lines, options.carry_lines);
    }
    let summary = reader.finish(filler.bytes);
    sink.finish(&summary);
    Ok(summary)
}

/// Fills buffers with whole lines of the input: every batch ends at a line end, except a
/// segment of a line longer than the buffer. Sequential and parallel reading cut the input
/// at the same places.
pub(crate) struct Filler<R> {
    input: R,
    size: usize,
    /// The start of the next batch (what followed the last line end).
    pending: Vec<u8>,
    eof: bool,
    pub bytes: u64,
}

impl<R: Read> Filler<R> {
    pub fn new(input: R, options: &ReaderOptions) -> Self {
        Filler {
            input,
            size: options.buffer_size.clamp(MIN_BUFFER, u32::MAX as usize),
            pending: Vec::new(),
            eof: false,
            bytes: 0,
        }
    }

    /// Fills `buf` with the next batch: `Some((end, complete))` when `buf[..end]` is one
    /// (`complete` false: a segment of a longer line), `None` at the end of the input.
    pub fn fill(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<(usize, bool)>> {
        buf.resize(self.size, 0);
        let mut filled = self.pending.len();
        buf[..filled].copy_from_slice(&self.pending);
        self.pending.clear();
        loop {
            // Fill the buffer: pipes deliver 64 KiB at a time, batches should be large.
            while !self.eof && filled < self.size {
                match self.input.read(&mut buf[filled..]) {
                    Ok(0) => self.eof = true,
                    Ok(n) => {
                        filled += n;
                        self.bytes += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if filled == 0 {
                return Ok(None);
            }
            let (end, complete) = match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(nl) => (nl + 1, true),
                None if self.eof => (filled, true),
                None => {
                    // One line fills the whole buffer.
                    if let Some(kept) = drop_overwritten_progress(&mut buf[..filled]) {
                        filled = kept;
                        continue;
                    }
                    (filled, false)
                }
            };
            self.pending.extend_from_slice(&buf[end..filled]);
            return Ok(Some((end, complete)));
        }
    }
}

/// Splits buffers into lines and frames them.
pub(crate) struct LineReader {
    pub framer: Framer,
    /// Escapes mangled into U+FFFD by copy-paste (`\u{fffd}[91m`) need cleaning too.
    mangled_escape: memchr::memmem::Finder<'static>,
    /// The next segment continues a line longer than the buffer.
    continuing: bool,
}

impl LineReader {
    pub fn new() -> Self {
        LineReader {
            framer: Framer::default(),
            mangled_escape: memchr::memmem::Finder::new("\u{fffd}[".as_bytes()),
            continuing: false,
        }
    }

    /// Splits `buf` into lines, cleans and frames them into the framer's records. When
    /// `complete` is false, `buf` is one segment of a longer line.
    pub fn process(&mut self, buf: &mut [u8], complete: bool) {
        let framer = &mut self.framer;
        framer.lines.clear();
        framer.steps.events.clear();
        let total = buf.len();
        // Lines that hold ESC, CR, NUL or a mangled escape are cleaned; the others are not
        // touched. The next such byte is looked up once and reused until a line passes it,
        // so a buffer costs one search per line that needs cleaning, not one per escape.
        let mut next_control = 0usize;
        let mut next_mangled = 0usize;
        let mut start = 0usize;
        while start < total {
            let (end, next) = match memchr::memchr(b'\n', &buf[start..]) {
                Some(p) => (start + p, start + p + 1),
                None => (total, total),
            };
            if next_control < start {
                next_control =
                    memchr::memchr3(0x1b, b'\r', 0, &buf[start..]).map_or(total, |p| start + p);
            }
            if next_mangled < start {
                next_mangled = self
                    .mangled_escape
                    .find(&buf[start..])
                    .map_or(total, |p| start + p);
            }
            let special = next_control < end || next_mangled < end;
            let continued = self.continuing;
            if !continued {
                framer.line_no += 1;
            }
            framer.steps.line_index = framer.lines.len() as u32;
            let rec = framer.line(buf, start, end, special, continued);
            framer.lines.push(rec);
            self.continuing = false;
            start = next;
        }
        if !complete {
            self.continuing = true;
        }
    }

    pub fn finish(self, bytes: u64) -> LogSummary {
        crate::resolve::resolve(self.framer, bytes)
    }
}

/// For a buffer holding one partial line: if it is a progress bar, drop the overwritten
/// part before the last `\r` (keeping a short head with the line's prefixes) and return the
/// new length. `None` if nothing can be dropped.
fn drop_overwritten_progress(buf: &mut [u8]) -> Option<usize> {
    let first_cr = memchr::memchr(b'\r', buf)?;
    let last_cr = memchr::memrchr(b'\r', buf)?;
    let head = if first_cr <= KEEP_BEFORE_CR {
        first_cr
    } else {
        0
    };
    // Need to free a meaningful amount, or the buffer would stay full forever.
    if last_cr <= head + buf.len() / 4 {
        return None;
    }
    let len = buf.len();
    buf.copy_within(last_cr..len, head);
    Some(head + (len - last_cr))
}
