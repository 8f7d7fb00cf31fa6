//! BuildKit: plain progress (`#8 [3/7] RUN …`, `#8 0.512 output`, `#8 DONE 1.2s`,
//! `#8 ERROR: …`), tty progress (` => ERROR [3/7] RUN …  1.2s`), the error summary block
//! (`------` / ` > [3/7] RUN …:` / repeated output / `------`), `Dockerfile:12` code frames and
//! the build-level verdicts (`ERROR: failed to solve: …`).

use super::header::{self, Header};
use super::{CodeFrame, Framed, Framer, SummaryBlock, verdict};
use crate::FramedInstruction;
use crate::reader::LineFlags;
use crate::steps::{StepId, StepOrigin, StepStatus, step_text};

impl Framer {
    /// A `#N` line (`elapsed`: it had a `1.234 ` time, so it is the step's output).
    pub(super) fn buildkit_line(
        &mut self,
        id: u32,
        c: &[u8],
        elapsed: bool,
        flags: &mut LineFlags,
    ) -> Option<StepId> {
        // `#0 building with "default" instance using docker driver`: buildx's preamble, not a
        // step (it never ends, and would pass for the last unfinished step).
        if id == 0 && c.starts_with(b"building with ") {
            *flags |= LineFlags::FRAMING;
            return None;
        }
        let known = self.steps.buildkit(id);
        // A vertex id printed again after its step ended belongs to a new build in the same
        // log (CI jobs often run several): start a new step rather than revive the old one.
        let reused = known
            .is_some_and(|s| self.steps.status(s).succeeded() && (elapsed || !is_status_line(c)));
        if let Some(step) = known.filter(|_| !reused) {
            return self.buildkit_status(Some(step), c, elapsed, flags);
        }
        // Output lines (with an elapsed time) of a step whose header was not seen (a cut
        // log, a reused id) give the step no description.
        let header = if elapsed {
            NO_HEADER
        } else {
            *flags |= LineFlags::FRAMING;
            header::bracket_header(c, 0).unwrap_or(Header {
                command: (0, c.trim_ascii_end().len()),
                ..NO_HEADER
            })
        };
        let step = self
            .steps
            .add(StepOrigin::Buildkit, c, &header, Some(id), self.line_no);
        self.steps.set_buildkit(id, step);
        if let Some(s) = step
            && header.label.is_some()
        {
            self.steps
                .add_label(label_key(c, &header, header.command.1), s);
        }
        if header.command == (0, 0) {
            // Not a header: the line is the step's first output and may be a status.
            return self.buildkit_status(step, c, elapsed, flags);
        }
        step
    }

    fn buildkit_status(
        &mut self,
        step: Option<StepId>,
        c: &[u8],
        elapsed: bool,
        flags: &mut LineFlags,
    ) -> Option<StepId> {
        if self.error_block == SummaryBlock::Inside(step) {
            *flags |= LineFlags::SUMMARY;
        }
        let Some(id) = step.filter(|_| !elapsed) else {
            return step;
        };
        let status = self.steps.status(id);
        if c.starts_with(b"DONE") {
            *flags |= LineFlags::FRAMING;
            if status != StepStatus::Failed {
                self.steps.set_status(id, StepStatus::Done);
            }
        } else if c.starts_with(b"CACHED") {
            *flags |= LineFlags::FRAMING;
            self.steps.set_status(id, StepStatus::Cached);
        } else if c.starts_with(b"CANCELED") {
            *flags |= LineFlags::FRAMING;
            if status != StepStatus::Failed {
                self.steps.set_status(id, StepStatus::Canceled);
            }
        } else if c.starts_with(b"ERROR") {
            *flags |= LineFlags::FRAMING;
            let line = self.line_no;
            self.steps.set_status(id, StepStatus::Failed);
            let st = self.steps.get_mut(id);
            if st.command.is_empty()
                && let Some((a, b)) = verdict::failed_command(c)
            {
                st.command = step_text(&c[a..b]);
                st.instruction.get_or_insert_with(|| "RUN".to_string());
            }
            st.exit_code = st.exit_code.or_else(|| verdict::exit_code(c));
            st.failed_at.get_or_insert(line);
            self.last_error_step = Some(id);
        }
        step
    }

    /// Lines starting with a space, `=` or `>`: legacy ` ---> …`, tty ` => …` progress and
    /// the summary header ` > [3/7] RUN …:`.
    pub(super) fn indented_line(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        let t = c.trim_ascii_start();
        if let Some(rest) = t.strip_prefix(b"---> ") {
            self.legacy_arrow(rest, flags);
        } else if let Some(rest) = t.strip_prefix(b"=> ") {
            *flags |= LineFlags::FRAMING;
            self.builder_buildkit = true;
            return Framed::Step(self.tty_progress(rest));
        } else if t.starts_with(b"> [") && t.trim_ascii_end().ends_with(b":") {
            // Terminals pad the line: the colon may be followed by spaces.
            let t = t.trim_ascii_end();
            *flags |= LineFlags::FRAMING | LineFlags::SUMMARY;
            self.builder_buildkit = true;
            let id = self.summary_header(&t[2..t.len() - 1]);
            self.error_block = SummaryBlock::Inside(id);
            self.last_error_step = id;
            return Framed::Step(id);
        }
        Framed::Continue
    }

    /// ` => [3/7] RUN …  1.2s`, ` => ERROR [3/7] …`, ` => CACHED [2/7] …`.
    fn tty_progress(&mut self, t: &[u8]) -> Option<StepId> {
        let (status, rest) = if let Some(r) = t.strip_prefix(b"ERROR ") {
            (StepStatus::Failed, r)
        } else if let Some(r) = t.strip_prefix(b"CACHED ") {
            (StepStatus::Cached, r)
        } else if let Some(r) = t.strip_prefix(b"CANCELED ") {
            (StepStatus::Canceled, r)
        } else {
            (StepStatus::Done, t)
        };
        let h = header::bracket_header(rest, 0)?;
        let cmd_end = strip_duration(rest, h.command.0, h.command.1);
        let label = label_key(rest, &h, cmd_end);
        let id = match self.steps.label(&label) {
            Some(id) => id,
            None => {
                let h = Header {
                    command: (h.command.0, cmd_end),
                    ..h
                };
                let id = self
                    .steps
                    .add(StepOrigin::BuildkitTty, rest, &h, None, self.line_no)?;
                self.steps.add_label(label, id);
                id
            }
        };
        match status {
            StepStatus::Failed => {
                let line = self.line_no;
                self.steps.set_status(id, StepStatus::Failed);
                self.steps.get_mut(id).failed_at.get_or_insert(line);
                self.last_error_step = Some(id);
            }
            _ if self.steps.status(id) == StepStatus::Failed => {}
            s => self.steps.set_status(id, s),
        }
        Some(id)
    }

    /// ` > [3/7] RUN pip install x` (without the trailing colon): the failed step's summary.
    fn summary_header(&mut self, t: &[u8]) -> Option<StepId> {
        let h = header::bracket_header(t, 0)?;
        let label = label_key(t, &h, h.command.1);
        let id = match self.steps.label(&label) {
            Some(id) => id,
            None => {
                let id = self
                    .steps
                    .add(StepOrigin::BuildkitTty, t, &h, None, self.line_no)?;
                self.steps.add_label(label, id);
                id
            }
        };
        let line = self.line_no;
        if self.steps.status(id) != StepStatus::Failed {
            self.steps.set_status(id, StepStatus::Failed);
            self.steps.get_mut(id).failed_at = Some(line);
        }
        let st = self.steps.get_mut(id);
        let command = &t[h.command.0..h.command.1];
        // The tty progress line (` => ERROR [4/12] RUN echo x >> /tmp/env.  14.1s`) is cut
        // at the terminal's width; the summary header has the whole command.
        let cut_short = !st.command.is_empty()
            && command.len() > st.command.len()
            && command.starts_with(st.command.as_bytes());
        if st.command.is_empty() || cut_short {
            st.command = step_text(command);
            st.instruction = h
                .instruction
                .map(|(a, b)| step_text(&t[a..b]).to_ascii_uppercase());
        }
        Some(id)
    }

    /// `------` and longer dashed rules: the edges of the summary block and of code frames.
    pub(super) fn dashes(&mut self, c: &[u8], flags: &mut LineFlags) -> Option<StepId> {
        *flags |= LineFlags::FRAMING;
        if let SummaryBlock::Inside(id) = self.error_block {
            if c.len() == 6 {
                self.error_block = SummaryBlock::Outside;
            }
            *flags |= LineFlags::SUMMARY;
            return id;
        }
        if c.len() > 6 {
            if self.code_frame == CodeFrame::Inside && self.code_frame_instruction.is_none() {
                let (line, marked) = std::mem::take(&mut self.code_frame_marked);
                self.code_frame_instruction = framed_instruction(line, &marked);
            }
            self.code_frame = match self.code_frame {
                CodeFrame::Header => CodeFrame::Inside,
                _ => CodeFrame::Outside,
            };
            // The code frame around `Dockerfile:12` belongs to the failed step.
            return self.last_error_step;
        }
        None
    }

    /// Lines starting with `E`, `e`, `f` or `b`: BuildKit's build-level verdicts (and ACR's
    /// `Executing step ID`), also as docker/build-push-action rethrows them.
    pub(super) fn solve_failed(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        // docker/build-push-action (src/main.ts) throws `buildx failed with: <buildx's last
        // stderr line>`; the Actions toolkit prints it after `Error: `, or as an annotation
        // (`##[error]`, already stripped).
        let c = [&b"Error: buildx failed with: "[..], b"buildx failed with: "]
            .iter()
            .find_map(|p| c.strip_prefix(*p))
            .unwrap_or(c);
        let lower_start = |p: &[u8]| c.len() >= p.len() && c[..p.len()].eq_ignore_ascii_case(p);
        if lower_start(b"ERROR: failed to solve")
            || lower_start(b"ERROR: failed to build")
            || lower_start(b"failed to solve")
            || lower_start(b"ERROR: executor failed running")
            || lower_start(b"executor failed running")
            || lower_start(b"failed to run step ID")
            // A step's `#8 ERROR: process "…" did not complete successfully` copied without
            // its `#8 ` (an excerpt of the failing lines).
            || (lower_start(b"ERROR: process \"")
                && verdict::find(c, b"\" did not complete successfully").is_some())
        {
            self.builder_buildkit |= !lower_start(b"failed to run step ID");
            self.failure(c, flags);
            return Framed::Step(self.last_error_step.or(self.current_legacy));
        }
        if c.starts_with(b"Executing step ID: ") {
            self.acr_step(flags);
        }
        Framed::Continue
    }
}

const NO_HEADER: Header = Header {
    label: None,
    instruction: None,
    command: (0, 0),
    index: None,
};

/// `DONE 1.2s`, `CACHED`, `CANCELED`, `ERROR: ...`: lines BuildKit prints about a vertex
/// after its output.
fn is_status_line(c: &[u8]) -> bool {
    c.starts_with(b"DONE")
        || c.starts_with(b"CACHED")
        || c.starts_with(b"CANCELED")
        || c.starts_with(b"ERROR")
}

/// How tty lines refer to a step: `[3/7]` is unique; `[internal]` is shared by several
/// steps, so those are told apart by their description too. Descriptions can be cut short
/// by the terminal width, so only their start is used.
fn label_key(c: &[u8], h: &Header, cmd_end: usize) -> Vec<u8> {
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

/// The Dockerfile text of a code frame line the frame marks (` 23 | >>> RUN x`: `RUN x`);
/// `None` for the unmarked context lines (` 22 |     FROM y`) and other lines.
pub(super) fn marked_frame_line(c: &[u8]) -> Option<&[u8]> {
    // The number may be gone: a paste that lost the indentation had `9 ` read as BuildKit's
    // elapsed time.
    let i = c.iter().take_while(|b| **b == b' ').count();
    let digits = c[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = &c[i + digits..];
    let rest = rest
        .strip_prefix(b" | >>>")
        .or_else(|| (digits == 0).then(|| rest.strip_prefix(b"| >>>")).flatten())?;
    Some(rest.strip_prefix(b" ").unwrap_or(rest))
}

/// The instruction of a code frame's marked lines: continuations (`\` at a line's end)
/// joined, the keyword upper-cased and split from its arguments. Comment lines inside a
/// continued instruction are dropped, as the parser drops them.
pub(super) fn framed_instruction(line: u64, marked: &[u8]) -> Option<FramedInstruction> {
    let text = String::from_utf8_lossy(marked);
    let mut joined = String::new();
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with('#') && !joined.is_empty() {
            continue;
        }
        let t = t.strip_suffix('\\').unwrap_or(t).trim_end();
        if t.is_empty() {
            continue;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(t);
    }
    let (keyword, args) = joined.split_once(char::is_whitespace)?;
    if keyword.is_empty() || !keyword.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let args = step_text(args.trim().as_bytes());
    (!args.is_empty()).then(|| FramedInstruction {
        line,
        instruction: keyword.to_ascii_uppercase(),
        args,
    })
}
