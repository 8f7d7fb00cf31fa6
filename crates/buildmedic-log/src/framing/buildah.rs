//! podman build and buildah (containers/buildah imagebuildah/stage_executor.go):
//! `STEP 3/7: RUN pip install x` (`STEP 3: ...` before 1.20; `[2/2] STEP 3/7: ...` in
//! multi-stage builds), `--> 5e7a9c1b3d2f` or `--> Using cache 5e7a...` once a step is
//! committed, and the verdict `Error: building at STEP "RUN x": while running runtime: exit
//! status 1` (`error building at STEP "..."` up to 1.26, the message's `error ` prefix).

use super::header;
use super::{Framed, Framer};
use crate::reader::LineFlags;
use crate::steps::{StepOrigin, StepStatus, step_text};

/// What the verdict quotes: `building at STEP "`.
const AT_STEP: &[u8] = b"building at STEP \"";

impl Framer {
    /// `STEP 3/7: RUN ...`, also after a stage's `[2/2] `.
    pub(super) fn buildah_step(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        let Some(h) = header::buildah_step(c) else {
            return Framed::Continue;
        };
        *flags |= LineFlags::FRAMING;
        self.builder_buildah = true;
        self.finish_legacy_step();
        let id = self
            .steps
            .add(StepOrigin::Buildah, c, &h, None, self.line_no);
        self.current_legacy = id;
        Framed::Step(id)
    }

    /// `--> 5e7a9c1b3d2f`, `--> Using cache 5e7a...`: the step before it is committed.
    pub(super) fn buildah_arrow(&mut self, rest: &[u8], flags: &mut LineFlags) -> Framed {
        if !self.builder_buildah {
            return Framed::Continue;
        }
        let Some(id) = self.current_legacy else {
            return Framed::Continue;
        };
        *flags |= LineFlags::FRAMING;
        self.step_committed(id, rest);
        Framed::Step(Some(id))
    }

    /// `Error: building at STEP "RUN x": ...: exit status 1`: the build failed at that step.
    pub(super) fn buildah_failed(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        let Some(at) = buildah_verdict(c) else {
            return Framed::Continue;
        };
        let quoted = &c[at..];
        let Some(end) = memchr::memchr(b'"', quoted) else {
            return Framed::Continue;
        };
        let step_text_quoted = &quoted[..end];
        let exit_code = exit_status(c);
        let line = self.line_no;
        let id = self.current_legacy;
        if let Some(id) = id {
            self.steps.set_status(id, StepStatus::Failed);
            let st = self.steps.get_mut(id);
            st.exit_code = st.exit_code.or(exit_code);
            st.failed_at.get_or_insert(line);
        }
        self.failure(c, flags);
        if let Some(f) = self.failures.last_mut().filter(|f| f.line == line) {
            // `RUN pip install x` names a command (what follows the instruction); `COPY a b`
            // does not.
            f.command = step_text_quoted.strip_prefix(b"RUN ").map(step_text);
            f.exit_code = f.exit_code.or(exit_code);
        }
        Framed::Step(id)
    }
}

/// Where the quoted step of a buildah verdict starts: `Error: building at STEP "`,
/// `Error: error building at STEP "`, `error building at STEP "` (a CI's copy).
fn buildah_verdict(c: &[u8]) -> Option<usize> {
    let rest = c.strip_prefix(b"Error: ").unwrap_or(c);
    let rest = rest.strip_prefix(b"error ").unwrap_or(rest);
    rest.starts_with(AT_STEP)
        .then(|| c.len() - rest.len() + AT_STEP.len())
}

/// `exit status N` (Go's os/exec ExitError) in the verdict.
fn exit_status(c: &[u8]) -> Option<i32> {
    let at = memchr::memmem::rfind(c, b"exit status ")? + 12;
    let digits = c[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&c[at..at + digits]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{buildah_verdict, exit_status};

    #[test]
    fn verdicts() {
        fn v(s: &str) -> Option<&str> {
            buildah_verdict(s.as_bytes()).map(|i| &s[i..])
        }
        assert_eq!(
            v("Error: building at STEP \"RUN make\": while running runtime: exit status 2"),
            Some("RUN make\": while running runtime: exit status 2")
        );
        assert_eq!(
            v("Error: error building at STEP \"COPY a b\": no such file"),
            Some("COPY a b\": no such file")
        );
        assert_eq!(
            v("error building at STEP \"RUN x\": exit status 1"),
            Some("RUN x\": exit status 1")
        );
        assert_eq!(v("Error: something else"), None);
        assert_eq!(exit_status(b"...: exit status 127"), Some(127));
        assert_eq!(exit_status(b"no code"), None);
    }
}
