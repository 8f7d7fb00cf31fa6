//! The streaming reader: bytes in, batches of cleaned and framed lines out.
//!
//! # Why batches over one buffer
//!
//! The reader fills a fixed buffer (1 MiB), splits it into lines with `memchr`, cleans the
//! few lines that need it *in place* and hands the whole buffer plus a table of line records
//! to a [`Sink`]. A sink can then run one multi-pattern search over the entire buffer instead
//! of one search per line, which is what makes matching run at memory speed: per-line calls
//! into a searcher cost more than the search itself on 100-byte lines. Memory stays bounded
//! by the buffer whatever the size of the log.
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
//! next segment carries the same line number with [`LineRec::CONTINUED`] set.

use std::io::{self, Read};

use crate::frame::{self, Wrapper};
use crate::steps::{Step, StepId, StepOrigin, StepStatus, lossy_truncated, same_command};
use crate::{BuildVerdict, Builder, LogSummary, VerdictLine};

/// Bytes per batch. Large enough that per-batch costs vanish, small enough for cache and RSS.
const BUF_SIZE: usize = 1 << 20;
/// A progress-bar line keeps at most this many bytes before its first `\r` (its prefixes).
const KEEP_BEFORE_CR: usize = 256;
/// Upper bound on recorded steps; later steps are counted but their lines get no step.
/// Steps that succeed drop their command (see [`LogReader::compact`]), so a step costs
/// ~100 bytes: this bounds the step table to ~25 MB on logs no real build produces.
const MAX_STEPS: usize = 250_000;
/// Bound on the tty label map (labels of succeeded steps are rarely looked up again).
const MAX_LABELS: usize = 1 << 16;
/// Upper bound on recorded verdict lines of each kind.
const MAX_VERDICTS: usize = 64;

/// One physical line of the log after cleaning. `start..end` indexes [`Batch::buf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRec {
    /// 1-based line number in the input.
    pub number: u64,
    pub start: u32,
    pub end: u32,
    /// Step the line belongs to, [`StepId::NONE`] outside steps.
    pub step: StepId,
    /// [`LineRec::FRAMING`] | [`LineRec::CONTINUED`] | ...
    pub flags: u8,
}

impl LineRec {
    /// The builder's own framing: step headers, `DONE`, failure verdicts, code frames.
    pub const FRAMING: u8 = 1;
    /// A later segment of a line longer than the buffer (same `number` as the previous one).
    pub const CONTINUED: u8 = 2;
    /// A build-level failure verdict (`returned a non-zero code`, `failed to solve`, ...).
    pub const VERDICT: u8 = 4;
    /// Inside BuildKit's error summary block, which repeats lines of the failed step.
    pub const SUMMARY: u8 = 8;
    /// A shell prompt or CI echo of a command (`$ docker build .`, `+ pip install x`); see
    /// [`crate::frame::prompt_command`].
    pub const PROMPT: u8 = 16;

    pub fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A buffer of lines handed to a [`Sink`].
pub struct Batch<'a> {
    pub buf: &'a [u8],
    pub lines: &'a [LineRec],
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
    fn batch(&mut self, batch: &Batch<'_>, steps: &[Step]);
}

/// A sink that does nothing (for measuring the reader alone).
pub struct NullSink;

impl Sink for NullSink {
    fn batch(&mut self, _: &Batch<'_>, _: &[Step]) {}
}

/// Reads a whole log from `input`, feeding `sink`, and returns what the framing told.
pub fn read_log<R: Read, S: Sink>(input: R, sink: &mut S) -> io::Result<LogSummary> {
    let mut reader = LogReader::default();
    reader.run(input, sink)?;
    Ok(reader.finish())
}

#[derive(Default)]
struct LogReader {
    steps: Vec<Step>,
    /// BuildKit vertex id → step. Ids are small integers, so a vector is the map.
    buildkit_ids: Vec<StepId>,
    /// Vertex ids too large for the vector (never seen in practice, but bytes are bytes).
    buildkit_big_ids: std::collections::HashMap<u32, StepId>,
    /// Positions of ESC, CR and NUL in the current buffer (reused across batches).
    specials: Vec<u32>,
    /// Steps that have not ended yet; compacted once they succeed.
    open_steps: Vec<usize>,
    labels: std::collections::HashMap<Vec<u8>, StepId>,
    /// The legacy step whose output is being printed.
    current_legacy: Option<StepId>,
    /// Inside ` > [3/7] RUN …:` … `------`: the step the summary block repeats.
    error_block: Option<StepId>,
    /// After the summary block, `Dockerfile:12` code frames still belong to that step.
    last_error_step: Option<StepId>,
    /// Saw a `------` that may open a summary block.
    dashes_open: bool,
    /// `Dockerfile:12` code frame: 1 = header seen, 2 = inside the dashed frame.
    code_frame: u8,
    wrappers: u8,
    builder_legacy: bool,
    builder_buildkit: bool,
    failures: Vec<VerdictLine>,
    successes: Vec<VerdictLine>,
    lines: Vec<LineRec>,
    line_no: u64,
    bytes: u64,
    /// The next segment continues a line longer than the buffer.
    continuing: bool,
    steps_dropped: u64,
}

impl LogReader {
    fn run<R: Read, S: Sink>(&mut self, mut input: R, sink: &mut S) -> io::Result<()> {
        let mut buf = vec![0u8; BUF_SIZE];
        let mut filled = 0usize;
        let mut eof = false;
        while !eof || filled > 0 {
            // Fill the buffer: pipes deliver 64 KiB at a time, batches should be large.
            while !eof && filled < BUF_SIZE {
                match input.read(&mut buf[filled..]) {
                    Ok(0) => eof = true,
                    Ok(n) => {
                        filled += n;
                        self.bytes += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let (end, complete) = match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(nl) => (nl + 1, true),
                None if eof => (filled, true),
                None => {
                    // One line fills the whole buffer.
                    if let Some(kept) = drop_overwritten_progress(&mut buf[..filled]) {
                        filled = kept;
                        continue;
                    }
                    (filled, false)
                }
            };
            self.process(&mut buf[..end], complete);
            sink.batch(
                &Batch {
                    buf: &buf[..end],
                    lines: &self.lines,
                },
                &self.steps,
            );
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
        Ok(())
    }

    /// Splits `buf` into lines, cleans and frames them into `self.lines`. When `complete` is
    /// false, `buf` is one segment of a longer line.
    fn process(&mut self, buf: &mut [u8], complete: bool) {
        self.lines.clear();
        // One pass finds every byte that needs cleaning; lines without one skip cleaning.
        let mut specials = std::mem::take(&mut self.specials);
        specials.clear();
        specials.extend(memchr::memchr3_iter(0x1b, b'\r', 0, buf).map(|p| p as u32));
        // Escapes mangled into U+FFFD by copy-paste (`\u{fffd}[91m`) need cleaning too.
        let before = specials.len();
        specials.extend(memchr::memmem::find_iter(buf, "\u{fffd}[").map(|p| p as u32));
        if specials.len() > before {
            specials.sort_unstable();
        }
        let mut special_at = 0usize;
        let mut start = 0usize;
        let total = buf.len();
        while start < total {
            let (end, next) = match memchr::memchr(b'\n', &buf[start..]) {
                Some(p) => (start + p, start + p + 1),
                None => (total, total),
            };
            while special_at < specials.len() && (specials[special_at] as usize) < start {
                special_at += 1;
            }
            let special = special_at < specials.len() && (specials[special_at] as usize) < end;
            let continued = self.continuing;
            if !continued {
                self.line_no += 1;
            }
            let rec = self.line(buf, start, end, special, continued);
            self.lines.push(rec);
            self.continuing = false;
            start = next;
        }
        if !complete {
            self.continuing = true;
        }
        self.specials = specials;
        self.compact();
    }

    /// Steps that succeeded keep their place and status but not their command, which only
    /// the failing step and `FROM` steps (base images) need: memory stays flat however many
    /// steps a log has.
    fn compact(&mut self) {
        let steps = &mut self.steps;
        self.open_steps.retain(|&i| {
            let st = &mut steps[i];
            match st.status {
                // tty progress marks steps done on every redraw, even the one that fails
                // next; tty logs are small, their steps keep everything.
                StepStatus::Done | StepStatus::Cached if st.origin == StepOrigin::BuildkitTty => {
                    true
                }
                StepStatus::Done | StepStatus::Cached => {
                    if st.instruction.as_deref() != Some("FROM") {
                        st.command = String::new();
                    }
                    false
                }
                StepStatus::Failed | StepStatus::Canceled => false,
                StepStatus::Running => true,
            }
        });
        if self.labels.len() > MAX_LABELS {
            self.labels.clear();
        }
    }

    fn buildkit_step(&self, id: u32) -> Option<StepId> {
        match self.buildkit_ids.get(id as usize) {
            Some(&s) if s != StepId::NONE => Some(s),
            Some(_) => None,
            None => self.buildkit_big_ids.get(&id).copied(),
        }
    }

    fn set_buildkit_step(&mut self, id: u32, step: StepId) {
        const DIRECT: u32 = 1 << 16;
        if id < DIRECT {
            if self.buildkit_ids.len() <= id as usize {
                self.buildkit_ids.resize(id as usize + 1, StepId::NONE);
            }
            self.buildkit_ids[id as usize] = step;
        } else {
            self.buildkit_big_ids.insert(id, step);
        }
    }

    fn line(
        &mut self,
        buf: &mut [u8],
        start: usize,
        end: usize,
        special: bool,
        continued: bool,
    ) -> LineRec {
        let mut flags = if continued { LineRec::CONTINUED } else { 0 };
        let mut s = start;
        let mut e = end;
        if special && matches!(buf.get(start), Some(0x1b | b'\r')) {
            // Escapes before any prefix: clean first, then look for prefixes.
            e = s + crate::clean::clean_in_place(&mut buf[s..e]);
        }
        let mut buildkit = None;
        let mut elapsed = false;
        if !continued {
            s = self.strip_wrappers(buf, s, e);
            if let Some((id, n)) = frame::strip_buildkit_id(&buf[s..e]) {
                buildkit = Some(id);
                s += n;
                if let Some(n) = frame::strip_elapsed(&buf[s..e]) {
                    s += n;
                    elapsed = true;
                }
            } else if buf.get(s).is_some_and(u8::is_ascii_digit)
                && (self.builder_buildkit || self.error_block.is_some() || !self.builder_legacy)
                && let Some(n) = frame::strip_elapsed(&buf[s..e])
            {
                s += n;
                elapsed = true;
            }
        }
        if special {
            e = s + crate::clean::clean_in_place(&mut buf[s..e]);
        }
        let step = if continued {
            self.lines.last().map_or(StepId::NONE, |l| l.step)
        } else {
            self.frame(&buf[s..e], buildkit, elapsed, &mut flags)
        };
        if let Some(i) = step.get() {
            let st = &mut self.steps[i];
            st.last_line = st.last_line.max(self.line_no);
        }
        LineRec {
            number: self.line_no,
            start: s as u32,
            end: e as u32,
            step,
            flags,
        }
    }

    fn strip_wrappers(&mut self, buf: &[u8], mut s: usize, e: usize) -> usize {
        for _ in 0..3 {
            let l = &buf[s..e];
            let stripped = match l.first() {
                Some(b'0'..=b'9' | b'[') => frame::strip_timestamp(l)
                    .or_else(|| frame::strip_codebuild(l).map(|n| (n, Wrapper::Codebuild)))
                    .or_else(|| frame::strip_time_of_day(l).map(|n| (n, Wrapper::Timestamps))),
                Some(b'S') => frame::strip_cloud_build(l).map(|n| (n, Wrapper::CloudBuild)),
                _ => None,
            };
            match stripped {
                Some((n, w)) if n > 0 => {
                    self.wrappers |= w.bit();
                    s += n;
                }
                _ => break,
            }
        }
        s
    }

    /// Applies the framing meaning of a line and returns its step.
    fn frame(&mut self, c: &[u8], buildkit: Option<u32>, elapsed: bool, flags: &mut u8) -> StepId {
        if let Some(id) = buildkit {
            self.builder_buildkit = true;
            return self.buildkit_line(id, c, elapsed, flags);
        }
        let Some(&first) = c.first() else {
            return self.context_step();
        };
        if self.code_frame == 2 && !c.starts_with(b"--------") {
            *flags |= LineRec::FRAMING;
            return self.last_error_step.unwrap_or(StepId::NONE);
        }
        let starts = |p: &[u8]| c.starts_with(p);
        match first {
            b'S' if starts(b"Step ") => {
                if let Some(h) = frame::legacy_step(c) {
                    *flags |= LineRec::FRAMING;
                    self.builder_legacy = true;
                    if let Some(prev) = self.current_legacy.and_then(StepId::get)
                        && self.steps[prev].status == StepStatus::Running
                    {
                        self.steps[prev].status = StepStatus::Done;
                    }
                    let id = self.new_step(StepOrigin::Legacy, c, &h, None);
                    self.current_legacy = Some(id);
                    self.error_block = None;
                    return id;
                }
            }
            // pip also prints `Successfully built numpy`: docker's line names an image id.
            b'S' if (starts(b"Successfully built ") && is_image_id(&c[19..]))
                || starts(b"Successfully tagged ") =>
            {
                *flags |= LineRec::FRAMING;
                self.finish_legacy_step();
                self.current_legacy = None;
                self.success(c);
            }
            b'S' if starts(b"Sending build context to Docker daemon") => {
                *flags |= LineRec::FRAMING;
                self.builder_legacy = true;
            }
            b' ' | b'=' | b'>' => {
                let t = c.trim_ascii_start();
                if t.starts_with(b"---> ") {
                    *flags |= LineRec::FRAMING;
                    self.builder_legacy = true;
                    let rest = &t[5..];
                    if let Some(i) = self.current_legacy.and_then(StepId::get) {
                        let st = &mut self.steps[i];
                        if rest.starts_with(b"Using cache") {
                            st.status = StepStatus::Cached;
                        } else if rest.len() >= 12
                            && rest[..12].iter().all(u8::is_ascii_hexdigit)
                            && st.status == StepStatus::Running
                        {
                            st.status = StepStatus::Done;
                        }
                    }
                } else if t.starts_with(b"=> ") {
                    *flags |= LineRec::FRAMING;
                    self.builder_buildkit = true;
                    return self.tty_progress(&t[3..]);
                } else if t.starts_with(b"> [") && t.trim_ascii_end().ends_with(b":") {
                    // Terminals pad the line: the colon may be followed by spaces.
                    let t = t.trim_ascii_end();
                    *flags |= LineRec::FRAMING | LineRec::SUMMARY;
                    self.builder_buildkit = true;
                    let id = self.summary_header(&t[2..t.len() - 1]);
                    self.error_block = Some(id);
                    self.last_error_step = Some(id);
                    self.dashes_open = false;
                    return id;
                }
            }
            b'-' if starts(b"------") => {
                *flags |= LineRec::FRAMING;
                if let Some(id) = self.error_block {
                    if c.len() == 6 {
                        self.error_block = None;
                    }
                    *flags |= LineRec::SUMMARY;
                    return id;
                }
                self.dashes_open = c.len() == 6;
                if c.len() > 6 {
                    self.code_frame = match self.code_frame {
                        1 => 2,
                        _ => 0,
                    };
                    // The code frame around `Dockerfile:12` belongs to the failed step.
                    return self.last_error_step.unwrap_or(StepId::NONE);
                }
                return StepId::NONE;
            }
            b'D' if starts(b"Dockerfile:") && c[11..].iter().all(u8::is_ascii_digit) => {
                *flags |= LineRec::FRAMING;
                self.code_frame = 1;
                return self.last_error_step.unwrap_or(StepId::NONE);
            }
            b'T' if starts(b"The command ")
                && frame::find(c, b"returned a non-zero code").is_some() =>
            {
                self.builder_legacy = true;
                self.failure(c, flags);
                if let Some(i) = self.current_legacy.and_then(StepId::get) {
                    let st = &mut self.steps[i];
                    st.status = StepStatus::Failed;
                    st.exit_code = st.exit_code.or_else(|| frame::exit_code(c));
                    st.failed_at.get_or_insert(self.line_no);
                }
                return self.context_step();
            }
            b'R' if starts(b"Removing intermediate container") => {
                *flags |= LineRec::FRAMING;
                self.finish_legacy_step();
                return self.context_step();
            }
            b'R' if starts(b"Run ID: ") => {
                self.wrappers |= Wrapper::Acr.bit();
                if frame::find(c, b" failed after ").is_some() {
                    self.failure(c, flags);
                } else if frame::find(c, b" was successful after ").is_some() {
                    *flags |= LineRec::FRAMING;
                    self.success(c);
                }
            }
            b'E' | b'e' | b'f' => {
                let lower_start =
                    |p: &[u8]| c.len() >= p.len() && c[..p.len()].eq_ignore_ascii_case(p);
                if lower_start(b"ERROR: failed to solve")
                    || lower_start(b"ERROR: failed to build")
                    || lower_start(b"failed to solve")
                    || lower_start(b"ERROR: executor failed running")
                    || lower_start(b"executor failed running")
                    || lower_start(b"failed to run step ID")
                {
                    self.builder_buildkit |= !lower_start(b"failed to run step ID");
                    self.failure(c, flags);
                    return self
                        .last_error_step
                        .or(self.current_legacy)
                        .unwrap_or(StepId::NONE);
                }
                if starts(b"Executing step ID: ") {
                    // An ACR task step: whatever legacy build ran before has ended.
                    self.wrappers |= Wrapper::Acr.bit();
                    *flags |= LineRec::FRAMING;
                    self.finish_legacy_step();
                    self.current_legacy = None;
                }
            }
            b'#' if starts(b"##[") => {
                self.wrappers |= Wrapper::GithubActions.bit();
                if starts(b"##[error]Process completed with exit code ")
                    && frame::exit_code(c) != Some(0)
                {
                    self.failure(c, flags);
                }
            }
            b'P' if starts(b"Phase complete: BUILD State: ") => {
                self.wrappers |= Wrapper::Codebuild.bit();
                if frame::find(c, b"FAILED").is_some() {
                    self.failure(c, flags);
                } else if frame::find(c, b"SUCCEEDED").is_some() {
                    *flags |= LineRec::FRAMING;
                    self.success(c);
                }
            }
            b'F' if starts(b"Finished: ") => {
                // Jenkins' last line.
                if starts(b"Finished: SUCCESS") {
                    *flags |= LineRec::FRAMING;
                    self.success(c);
                } else if starts(b"Finished: FAILURE") || starts(b"Finished: ABORTED") {
                    self.failure(c, flags);
                }
            }
            b'B' if starts(b"Build step '")
                && frame::find(c, b"' marked build as failure").is_some() =>
            {
                self.failure(c, flags);
            }
            b'C' if starts(b"Command did not exit successfully ") => {
                self.wrappers |= Wrapper::Codebuild.bit();
                self.failure(c, flags);
            }
            b'C' | b'A' if starts(b"COPY failed: ") || starts(b"ADD failed: ") => {
                // Legacy COPY errors have no exit code; the running COPY step failed.
                if let Some(i) = self.current_legacy.and_then(StepId::get) {
                    let st = &mut self.steps[i];
                    st.status = StepStatus::Failed;
                    st.failed_at.get_or_insert(self.line_no);
                }
            }
            _ => {}
        }
        if self.dashes_open && !c.is_empty() {
            self.dashes_open = false;
        }
        if matches!(first, b'$' | b'+' | b'#' | b'%' | b'(' | b'[' | b'A'..=b'Z' | b'a'..=b'z' | 0xe2)
            && frame::prompt_command(c).is_some()
        {
            *flags |= LineRec::PROMPT;
        }
        self.context_step()
    }

    /// The step an unframed line belongs to.
    fn context_step(&self) -> StepId {
        self.error_block
            .or(self.current_legacy)
            .unwrap_or(StepId::NONE)
    }

    fn finish_legacy_step(&mut self) {
        if let Some(i) = self.current_legacy.and_then(StepId::get)
            && self.steps[i].status == StepStatus::Running
        {
            self.steps[i].status = StepStatus::Done;
        }
    }

    fn buildkit_line(&mut self, id: u32, c: &[u8], elapsed: bool, flags: &mut u8) -> StepId {
        // `#0 building with "default" instance using docker driver`: buildx's preamble, not a
        // step (it never ends, and would pass for the last unfinished step).
        if id == 0 && c.starts_with(b"building with ") {
            *flags |= LineRec::FRAMING;
            return StepId::NONE;
        }
        // A vertex id printed again after its step ended belongs to a new build in the same
        // log (CI jobs often run several): start a new step rather than revive the old one.
        let reused = self.buildkit_step(id).filter(|s| {
            s.get().is_some_and(|i| {
                let st = &self.steps[i];
                st.status.succeeded() && (elapsed || !is_status_line(c))
            })
        });
        let step = match self.buildkit_step(id).filter(|_| reused.is_none()) {
            Some(s) => s,
            None => {
                // Output lines (with an elapsed time) of a step whose header was not seen
                // (a cut log, a reused id) give the step no description.
                let header = if elapsed {
                    None
                } else {
                    *flags |= LineRec::FRAMING;
                    Some(frame::bracket_header(c, 0).unwrap_or(frame::Header {
                        label: None,
                        instruction: None,
                        command: (0, c.trim_ascii_end().len()),
                        index: None,
                    }))
                };
                let header = header.unwrap_or(frame::Header {
                    label: None,
                    instruction: None,
                    command: (0, 0),
                    index: None,
                });
                let step = self.new_step(StepOrigin::Buildkit, c, &header, Some(id));
                self.set_buildkit_step(id, step);
                if header.label.is_some() {
                    self.labels
                        .entry(label_key(c, &header, header.command.1))
                        .or_insert(step);
                }
                if header.command == (0, 0) {
                    // Not a header: the line is the step's first output and may be a status.
                    return self.buildkit_status(step, c, elapsed, flags);
                }
                return step;
            }
        };
        self.buildkit_status(step, c, elapsed, flags)
    }

    fn buildkit_status(&mut self, step: StepId, c: &[u8], elapsed: bool, flags: &mut u8) -> StepId {
        if self.error_block.is_some_and(|b| b == step) {
            *flags |= LineRec::SUMMARY;
        }
        if !elapsed && let Some(i) = step.get() {
            let st = &mut self.steps[i];
            if c.starts_with(b"DONE") {
                *flags |= LineRec::FRAMING;
                if st.status != StepStatus::Failed {
                    st.status = StepStatus::Done;
                }
            } else if c.starts_with(b"CACHED") {
                *flags |= LineRec::FRAMING;
                st.status = StepStatus::Cached;
            } else if c.starts_with(b"CANCELED") {
                *flags |= LineRec::FRAMING;
                if st.status != StepStatus::Failed {
                    st.status = StepStatus::Canceled;
                }
            } else if c.starts_with(b"ERROR") {
                *flags |= LineRec::FRAMING;
                if st.command.is_empty()
                    && let Some((a, b)) = frame::failed_command(c)
                {
                    st.command = lossy_truncated(&c[a..b]);
                    st.instruction.get_or_insert_with(|| "RUN".to_string());
                }
                st.status = StepStatus::Failed;
                st.exit_code = st.exit_code.or_else(|| frame::exit_code(c));
                st.failed_at.get_or_insert(self.line_no);
                self.last_error_step = Some(step);
            }
        }
        step
    }

    /// ` => [3/7] RUN …  1.2s`, ` => ERROR [3/7] …`, ` => CACHED [2/7] …`.
    fn tty_progress(&mut self, t: &[u8]) -> StepId {
        let (status, rest) = if let Some(r) = t.strip_prefix(b"ERROR ") {
            (StepStatus::Failed, r)
        } else if let Some(r) = t.strip_prefix(b"CACHED ") {
            (StepStatus::Cached, r)
        } else if let Some(r) = t.strip_prefix(b"CANCELED ") {
            (StepStatus::Canceled, r)
        } else {
            (StepStatus::Done, t)
        };
        let Some(h) = frame::bracket_header(rest, 0) else {
            return StepId::NONE;
        };
        let cmd_end = strip_duration(rest, h.command.0, h.command.1);
        let label = label_key(rest, &h, cmd_end);
        let id = match self.labels.get(&label) {
            Some(&id) => id,
            None => {
                let h = frame::Header {
                    command: (h.command.0, cmd_end),
                    ..h
                };
                let id = self.new_step(StepOrigin::BuildkitTty, rest, &h, None);
                self.labels.insert(label, id);
                id
            }
        };
        if let Some(i) = id.get() {
            let st = &mut self.steps[i];
            match status {
                StepStatus::Failed => {
                    st.status = StepStatus::Failed;
                    st.failed_at.get_or_insert(self.line_no);
                    self.last_error_step = Some(id);
                }
                _ if st.status == StepStatus::Failed => {}
                s => st.status = s,
            }
        }
        id
    }

    /// ` > [3/7] RUN pip install x` (without the trailing colon): the failed step's summary.
    fn summary_header(&mut self, t: &[u8]) -> StepId {
        let Some(h) = frame::bracket_header(t, 0) else {
            return StepId::NONE;
        };
        let label = label_key(t, &h, h.command.1);
        let id = match self.labels.get(&label) {
            Some(&id) => id,
            None => {
                let id = self.new_step(StepOrigin::BuildkitTty, t, &h, None);
                self.labels.insert(label, id);
                id
            }
        };
        if let Some(i) = id.get() {
            let st = &mut self.steps[i];
            if st.status != StepStatus::Failed {
                st.status = StepStatus::Failed;
                st.failed_at = Some(self.line_no);
            }
            if st.command.is_empty() {
                st.command = lossy_truncated(&t[h.command.0..h.command.1]);
                st.instruction = h
                    .instruction
                    .map(|(a, b)| lossy_truncated(&t[a..b]).to_ascii_uppercase());
            }
        }
        id
    }

    fn new_step(
        &mut self,
        origin: StepOrigin,
        c: &[u8],
        h: &frame::Header,
        buildkit_id: Option<u32>,
    ) -> StepId {
        if self.steps.len() >= MAX_STEPS {
            self.steps_dropped += 1;
            return StepId::NONE;
        }
        let text = |r: (usize, usize)| lossy_truncated(&c[r.0..r.1]);
        let label = match (h.label, buildkit_id) {
            (Some(l), _) => Some(text(l)),
            (None, Some(id)) => Some(format!("#{id}")),
            (None, None) => None,
        };
        self.open_steps.push(self.steps.len());
        self.steps.push(Step {
            origin,
            index: h.index,
            label,
            instruction: h.instruction.map(|r| text(r).to_ascii_uppercase()),
            command: text(h.command),
            first_line: self.line_no,
            last_line: self.line_no,
            status: StepStatus::Running,
            exit_code: None,
            failed_at: None,
            buildkit_id,
        });
        StepId((self.steps.len() - 1) as u32)
    }

    fn failure(&mut self, c: &[u8], flags: &mut u8) {
        *flags |= LineRec::FRAMING | LineRec::VERDICT;
        if self.failures.len() < MAX_VERDICTS {
            self.failures.push(VerdictLine {
                line: self.line_no,
                exit_code: frame::exit_code(c),
                command: frame::failed_command(c).map(|(a, b)| lossy_truncated(&c[a..b])),
            });
        }
    }

    fn success(&mut self, _c: &[u8]) {
        if self.successes.len() < MAX_VERDICTS {
            self.successes.push(VerdictLine {
                line: self.line_no,
                exit_code: Some(0),
                command: None,
            });
        }
    }

    fn finish(mut self) -> LogSummary {
        // A failure verdict that names a command pins the failing step.
        let named: Vec<(u64, String, Option<i32>)> = self
            .failures
            .iter()
            .filter_map(|f| f.command.clone().map(|c| (f.line, c, f.exit_code)))
            .collect();
        for (line, cmd, code) in &named {
            let found = self
                .steps
                .iter()
                .rposition(|s| s.status == StepStatus::Failed && same_command(&s.command, cmd))
                .or_else(|| {
                    self.steps
                        .iter()
                        .rposition(|s| same_command(&s.command, cmd))
                });
            // A failed step that never printed its command (a reused BuildKit id, a cut
            // log) is the one the verdict names.
            let found = found.or_else(|| {
                let unnamed: Vec<usize> = (0..self.steps.len())
                    .filter(|&i| {
                        self.steps[i].status == StepStatus::Failed
                            && self.steps[i].command.is_empty()
                    })
                    .collect();
                (unnamed.len() == 1).then(|| unnamed[0])
            });
            match found {
                Some(i) => {
                    if self.steps[i].command.is_empty() {
                        self.steps[i].command = cmd.clone();
                        self.steps[i]
                            .instruction
                            .get_or_insert_with(|| "RUN".to_string());
                    }
                    let st = &mut self.steps[i];
                    st.status = StepStatus::Failed;
                    st.exit_code = st.exit_code.or(*code);
                    st.failed_at.get_or_insert(*line);
                }
                None if !self.steps.iter().any(|s| s.status == StepStatus::Failed) => {
                    // The log shows no step for it (a snippet): reconstruct one.
                    let instruction = if cmd.starts_with('[') {
                        None
                    } else {
                        Some("RUN".to_string())
                    };
                    self.steps.push(Step {
                        origin: StepOrigin::FailureLine,
                        index: None,
                        label: None,
                        instruction,
                        command: cmd.clone(),
                        first_line: *line,
                        last_line: *line,
                        status: StepStatus::Failed,
                        exit_code: *code,
                        failed_at: Some(*line),
                        buildkit_id: None,
                    });
                }
                None => {}
            }
        }
        let failed: Vec<usize> = (0..self.steps.len())
            .filter(|&i| self.steps[i].status == StepStatus::Failed)
            .collect();
        // Several failed steps: the one a verdict named wins, else the first to fail.
        let failing_step = failed
            .iter()
            .copied()
            .find(|&i| {
                named
                    .iter()
                    .any(|(_, c, _)| same_command(&self.steps[i].command, c))
            })
            .or_else(|| {
                failed
                    .iter()
                    .copied()
                    .min_by_key(|&i| self.steps[i].failed_at.unwrap_or(u64::MAX))
            });
        if let Some(i) = failing_step {
            let st = &mut self.steps[i];
            if st.exit_code.is_none() {
                st.exit_code = self
                    .failures
                    .iter()
                    .find_map(|f| f.exit_code.filter(|c| *c != 0));
            }
        }
        let last_running = self
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == StepStatus::Running)
            .max_by_key(|(_, s)| s.last_line)
            .map(|(i, _)| i);
        let builder = if self.builder_buildkit
            && (!self.builder_legacy || self.buildkit_failed(failing_step))
        {
            Builder::Buildkit
        } else if self.builder_legacy {
            Builder::Legacy
        } else {
            Builder::Plain
        };
        let verdict = match (self.failures.last(), self.successes.last()) {
            (Some(f), Some(s)) if s.line > f.line => BuildVerdict::Succeeded,
            (Some(_), _) => BuildVerdict::Failed,
            (None, Some(_)) => BuildVerdict::Succeeded,
            (None, None) if failing_step.is_some() => BuildVerdict::Failed,
            (None, None) => BuildVerdict::Unknown,
        };
        LogSummary {
            builder,
            wrappers: Wrapper::ALL
                .into_iter()
                .filter(|w| self.wrappers & w.bit() != 0)
                .collect(),
            failing_step: failing_step.map(|i| StepId(i as u32)),
            last_running_step: last_running.map(|i| StepId(i as u32)),
            steps: self.steps,
            steps_dropped: self.steps_dropped,
            verdict,
            failures: self.failures,
            successes: self.successes,
            lines: self.line_no,
            bytes: self.bytes,
        }
    }

    fn buildkit_failed(&self, failing: Option<usize>) -> bool {
        failing.is_some_and(|i| {
            matches!(
                self.steps[i].origin,
                StepOrigin::Buildkit | StepOrigin::BuildkitTty
            )
        })
    }
}

/// `DONE 1.2s`, `CACHED`, `CANCELED`, `ERROR: ...`: lines BuildKit prints about a vertex
/// after its output.
fn is_status_line(c: &[u8]) -> bool {
    c.starts_with(b"DONE")
        || c.starts_with(b"CACHED")
        || c.starts_with(b"CANCELED")
        || c.starts_with(b"ERROR")
}

/// A docker image id as the legacy builder prints it (12 or 64 hex digits, maybe `sha256:`).
fn is_image_id(s: &[u8]) -> bool {
    let s = s.strip_prefix(b"sha256:").unwrap_or(s);
    let n = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    n >= 12 && s[n..].iter().all(u8::is_ascii_whitespace)
}

/// How tty lines refer to a step: `[3/7]` is unique; `[internal]` is shared by several
/// steps, so those are told apart by their description too. Descriptions can be cut short
/// by the terminal width, so only their start is used.
fn label_key(c: &[u8], h: &frame::Header, cmd_end: usize) -> Vec<u8> {
    let Some((a, b)) = h.label else {
        return Vec::new();
    };
    let mut key = c[a..b].to_vec();
    if h.index.is_none() {
        let cmd = &c[h.command.0..cmd_end.max(h.command.0)];
        key.push(b' ');
        key.extend_from_slice(&cmd[..cmd.len().min(24)]);
    }
    key
}

/// Drops a trailing BuildKit duration column (`   12.3s`) from a tty progress line.
fn strip_duration(c: &[u8], start: usize, end: usize) -> usize {
    let s = &c[start..end];
    if let Some(sp) = s.iter().rposition(|b| *b == b' ') {
        let tail = &s[sp + 1..];
        if tail.len() >= 2
            && tail.ends_with(b"s")
            && tail[..tail.len() - 1]
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b'.')
        {
            return start + s[..sp].trim_ascii_end().len();
        }
    }
    end
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
    if last_cr <= head + BUF_SIZE / 4 {
        return None;
    }
    let len = buf.len();
    buf.copy_within(last_cr..len, head);
    Some(head + (len - last_cr))
}
