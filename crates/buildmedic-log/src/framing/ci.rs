//! Lines that CI systems and build services print around a build: Azure Container Registry
//! tasks (`Executing step ID: …`, `Run ID: … failed after …`), GitHub Actions
//! (`##[error]Process completed with exit code 1.`), AWS CodeBuild (`Phase complete: BUILD
//! State: FAILED`, `Command did not exit successfully …`) and Jenkins (`Finished: FAILURE`,
//! `Build step '…' marked build as failure`).

use super::{Framed, Framer, verdict};
use crate::prefix::Wrapper;
use crate::reader::LineFlags;

impl Framer {
    /// Lines starting with `R`: legacy `Removing intermediate container`, ACR `Run ID: `.
    pub(super) fn r_line(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        if c.starts_with(b"Removing intermediate container") {
            return self.legacy_removing(flags);
        }
        if c.starts_with(b"Run ID: ") {
            self.wrappers |= Wrapper::Acr.bit();
            if verdict::find(c, b" failed after ").is_some() {
                self.failure(c, flags);
            } else if verdict::find(c, b" was successful after ").is_some() {
                *flags |= LineFlags::FRAMING;
                self.success();
            }
        }
        Framed::Continue
    }

    /// `Executing step ID: acb_step_0`: an ACR task step; whatever legacy build ran before
    /// has ended.
    pub(super) fn acr_step(&mut self, flags: &mut LineFlags) {
        self.wrappers |= Wrapper::Acr.bit();
        *flags |= LineFlags::FRAMING;
        self.finish_legacy_step();
        self.current_legacy = None;
    }

    /// `##[group]`, `##[error]Process completed with exit code N.`
    pub(super) fn github_line(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        if c.starts_with(b"##[") {
            self.wrappers |= Wrapper::GithubActions.bit();
            if c.starts_with(b"##[error]Process completed with exit code ")
                && verdict::exit_code(c) != Some(0)
            {
                self.failure(c, flags);
            }
        }
        Framed::Continue
    }

    /// `Phase complete: BUILD State: FAILED` (CodeBuild).
    pub(super) fn codebuild_phase(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        if c.starts_with(b"Phase complete: BUILD State: ") {
            self.wrappers |= Wrapper::Codebuild.bit();
            if verdict::find(c, b"FAILED").is_some() {
                self.failure(c, flags);
            } else if verdict::find(c, b"SUCCEEDED").is_some() {
                *flags |= LineFlags::FRAMING;
                self.success();
            }
        }
        Framed::Continue
    }

    /// `Finished: SUCCESS` / `Finished: FAILURE`: Jenkins' last line.
    pub(super) fn jenkins_finished(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        if c.starts_with(b"Finished: SUCCESS") {
            *flags |= LineFlags::FRAMING;
            self.success();
        } else if c.starts_with(b"Finished: FAILURE") || c.starts_with(b"Finished: ABORTED") {
            self.failure(c, flags);
        }
        Framed::Continue
    }

    /// `Build step 'Execute shell' marked build as failure` (Jenkins).
    pub(super) fn jenkins_step_failed(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        if c.starts_with(b"Build step '")
            && verdict::find(c, b"' marked build as failure").is_some()
        {
            self.failure(c, flags);
        }
        Framed::Continue
    }

    /// Lines starting with `C` or `A`: CodeBuild's `Command did not exit successfully`,
    /// legacy `COPY failed:` / `ADD failed:`.
    pub(super) fn c_line(&mut self, c: &[u8], flags: &mut LineFlags) -> Framed {
        if c.starts_with(b"Command did not exit successfully ") {
            self.wrappers |= Wrapper::Codebuild.bit();
            self.failure(c, flags);
        } else if c.starts_with(b"COPY failed: ") || c.starts_with(b"ADD failed: ") {
            self.legacy_copy_failed();
        }
        Framed::Continue
    }
}
