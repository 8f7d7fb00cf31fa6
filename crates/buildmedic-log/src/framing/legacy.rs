//! docker's legacy builder: `Step 3/12 : RUN …`, ` ---> Running in …`, ` ---> 1a2b3c4d5e6f`,
//! `Removing intermediate container …`, `The command '…' returned a non-zero code: N`,
//! `Successfully built …`.

use super::{Framed, Framer, SummaryBlock, header, verdict};
use crate::reader::LineFlags;
use crate::steps::{StepOrigin, StepStatus, step_text};

impl Framer {
    /// Lines starting with `S`: step headers and the legacy builder's success lines.
    pub(super) fn legacy_s_line(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        if c.starts_with(b"Step ") {
            if let Some(h) = header::legacy_step(c) {
                *flags |= LineFlags::FRAMING;
                self.builder_legacy = true;
                self.finish_legacy_step();
                let id = self
                    .steps
                    .add(StepOrigin::Legacy, c, &h, None, self.line_no);
                self.current_legacy = id;
                self.error_block = SummaryBlock::Outside;
                return Framed::Step(id);
            }
        } else if (c.starts_with(b"Successfully built ") && is_image_id(&c[19..]))
            // pip also prints `Successfully built numpy`: docker's line names an image id.
            || c.starts_with(b"Successfully tagged ")
        {
            *flags |= LineFlags::FRAMING;
            self.finish_legacy_step();
            self.current_legacy = None;
            self.success();
        } else if c.starts_with(b"Sending build context to Docker daemon") {
            *flags |= LineFlags::FRAMING;
            self.builder_legacy = true;
        }
        Framed::Continue
    }

    /// ` ---> Using cache`, ` ---> 1a2b3c4d5e6f`: the end of a legacy step.
    pub(super) fn legacy_arrow(&mut self, rest: &[u8], flags: &mut LineFlags) {
        *flags |= LineFlags::FRAMING;
        self.builder_legacy = true;
        if let Some(id) = self.current_legacy {
            self.step_committed(id, rest);
        }
    }

    /// What follows a step's commit arrow (legacy ` ---> `, buildah's `--> `): `Using cache`
    /// marks step `id` cached, an image id (12 hex digits) marks a running step done.
    pub(super) fn step_committed(&mut self, id: crate::steps::StepId, rest: &[u8]) {
        if rest.starts_with(b"Using cache") {
            self.steps.set_status(id, StepStatus::Cached);
        } else if rest.len() >= 12
            && rest[..12].iter().all(u8::is_ascii_hexdigit)
            && self.steps.status(id) == StepStatus::Running
        {
            self.steps.set_status(id, StepStatus::Done);
        }
    }

    /// `The command '/bin/sh -c …' returned a non-zero code: N`.
    /// Also as docker-compose 1.x wraps it (`ERROR: Service 'web' failed to build: The
    /// command …`, compose/cli/main.py) and indented, as CI pages show it.
    pub(super) fn legacy_command_failed(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        let Some(c) = command_verdict(c) else {
            if self.builder_legacy
                && let Some(t) = verdict_start(c)
            {
                self.pending_verdict = Some((t.to_vec(), 0));
            }
            return Framed::Continue;
        };
        self.legacy_verdict(c, flags)
    }

    /// A line after the start of a verdict whose command spans lines: the verdict ends on the
    /// line that says `returned a non-zero code`. Gives up at a step's framing or after
    /// [`MAX_VERDICT_LINES`] lines (then the line is framed as usual).
    pub(super) fn legacy_verdict_continued(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        let Some((mut text, n)) = self.pending_verdict.take() else {
            return Framed::Continue;
        };
        // A step's framing, or a verdict of its own (the start was some tool's sentence).
        if c.starts_with(b"Step ")
            || c.starts_with(b" ---> ")
            || command_verdict(c).is_some()
            || n >= MAX_VERDICT_LINES
        {
            return Framed::Continue;
        }
        text.push(b' ');
        text.extend_from_slice(c.trim_ascii());
        if verdict::find(c, b"returned a non-zero code").is_some() {
            return match command_verdict(&text) {
                Some(_) => self.legacy_verdict(&text, flags),
                None => Framed::Continue,
            };
        }
        if text.len() <= MAX_VERDICT_BYTES {
            self.pending_verdict = Some((text, n + 1));
        }
        Framed::Continue
    }

    /// The verdict `c` (one line, or the lines of one joined): the current step failed. The
    /// verdict quotes the whole command; a step header that a paste cut (`RUN a && `) gets it.
    fn legacy_verdict(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        self.builder_legacy = true;
        self.failure(c, flags);
        if let Some(id) = self.current_legacy {
            let line = self.line_no;
            self.steps.set_status(id, StepStatus::Failed);
            let full = verdict::failed_command(c).map(|(a, b)| step_text(&c[a..b]));
            let st = self.steps.get_mut(id);
            st.exit_code = st.exit_code.or_else(|| verdict::exit_code(c));
            st.failed_at.get_or_insert(line);
            if let Some(full) = full
                && extends_command(&st.command, &full)
            {
                st.command = full;
            }
        }
        Framed::Step(self.context_step())
    }

    /// `Removing intermediate container …`: the step's container is gone, the step ended.
    pub(super) fn legacy_removing(&mut self, flags: &mut LineFlags) -> Framed {
        *flags |= LineFlags::FRAMING;
        self.finish_legacy_step();
        Framed::Step(self.context_step())
    }

    /// `COPY failed: …` / `ADD failed: …`: legacy COPY errors have no exit code; the running
    /// step failed.
    pub(super) fn legacy_copy_failed(&mut self) {
        if let Some(id) = self.current_legacy {
            let line = self.line_no;
            self.steps.set_status(id, StepStatus::Failed);
            self.steps.get_mut(id).failed_at.get_or_insert(line);
        }
    }

    pub(super) fn finish_legacy_step(&mut self) {
        if let Some(id) = self.current_legacy
            && self.steps.status(id) == StepStatus::Running
        {
            self.steps.set_status(id, StepStatus::Done);
        }
    }
}

/// Lines a verdict's quoted command may span.
const MAX_VERDICT_LINES: u8 = 32;
/// Bytes of a verdict that spans lines kept while waiting for its end.
const MAX_VERDICT_BYTES: usize = 64 * 1024;

/// The start of a legacy verdict whose quoted command does not end on this line:
/// `The command '/bin/sh -c a && ` (trimmed), with no `returned a non-zero code`.
fn verdict_start(c: &[u8]) -> Option<&[u8]> {
    let t = c.trim_ascii();
    let open = t.starts_with(b"The command '") || t.starts_with(b"The command [");
    (open && verdict::find(t, b"returned a ").is_none()).then_some(t)
}

/// Whether `full` (a verdict's command) is `cut` (a step header's) carried on: `cut` is a
/// strict prefix of it, whitespace runs aside.
fn extends_command(cut: &str, full: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (cut, full) = (norm(cut), norm(full));
    !cut.is_empty() && full.len() > cut.len() && full.starts_with(&cut)
}

/// The `The command '…' returned a non-zero code` verdict in `c`, without a compose
/// `ERROR: Service '…' failed to build: ` wrapper or indentation.
fn command_verdict(c: &[u8]) -> Option<&[u8]> {
    let t = c.trim_ascii_start();
    let t = match t.strip_prefix(b"ERROR: Service '") {
        Some(rest) => {
            let q = memchr::memchr(b'\'', rest)?;
            rest[q + 1..].strip_prefix(b" failed to build: ")?
        }
        None => t,
    };
    (t.starts_with(b"The command ") && verdict::find(t, b"returned a non-zero code").is_some())
        .then_some(t)
}

/// A docker image id as the legacy builder prints it (12 or 64 hex digits, maybe `sha256:`).
fn is_image_id(s: &[u8]) -> bool {
    let s = s.strip_prefix(b"sha256:").unwrap_or(s);
    let n = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    n >= 12 && s[n..].iter().all(u8::is_ascii_whitespace)
}
