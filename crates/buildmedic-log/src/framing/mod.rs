//! The framer: the state machine that reads a builder's framing line by line.
//!
//! For each line it strips the capturer's prefixes ([`crate::prefix`]), cleans what needs
//! cleaning, decides which step the line belongs to, flags the builder's own lines and
//! records what the framing says (step headers and statuses, verdicts). One module per
//! framing:
//!
//! - [`legacy`]: docker's legacy builder (`Step 3/12 : …`, ` ---> …`, `The command … returned`);
//! - [`buildkit`]: BuildKit plain (`#8 …`), tty (` => …`) and the error summary
//!   (` > [3/7] RUN …:`, `Dockerfile:12` code frames);
//! - [`ci`]: the verdict lines of CI systems (ACR, GitHub Actions, CodeBuild, Jenkins);
//! - [`header`] and [`verdict`]: pure parsers of step headers and verdict lines.
//!
//! Everything stateful is here; everything in the submodules' free functions is pure.

mod buildah;
mod buildkit;
mod ci;
pub mod header;
mod legacy;
pub mod verdict;

use crate::prefix::{self, Wrapper};
use crate::reader::{LineFlags, LineRec};
use crate::step_table::StepTable;
use crate::steps::{StepId, step_text};
use crate::{FramedInstruction, VerdictLine, clean, prompt};

/// Upper bound on recorded verdict lines of each kind.
const MAX_VERDICTS: usize = 64;

/// BuildKit's error summary block, ` > [3/7] RUN …:` … `------`, which repeats the last
/// lines of the failed step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SummaryBlock {
    #[default]
    Outside,
    /// Inside the block of this step (`None` when its header named no step we know).
    Inside(Option<StepId>),
}

/// Where a line is relative to a BuildKit `Dockerfile:12` code frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CodeFrame {
    #[default]
    Outside,
    /// `Dockerfile:12` was seen; the dashed rule that opens the frame comes next.
    Header,
    /// Between the dashed rules: Dockerfile lines, not tool output.
    Inside,
}

#[derive(Default)]
pub(crate) struct Framer {
    pub steps: StepTable,
    /// Records of the current batch.
    pub lines: Vec<LineRec>,
    /// The legacy step whose output is being printed.
    current_legacy: Option<StepId>,
    error_block: SummaryBlock,
    /// After the summary block, `Dockerfile:12` code frames still belong to that step.
    last_error_step: Option<StepId>,
    code_frame: CodeFrame,
    /// The current code frame: its header's line, and its `>>>` lines so far.
    code_frame_marked: (u64, Vec<u8>),
    /// The instruction the first complete code frame marked.
    pub code_frame_instruction: Option<FramedInstruction>,
    /// Images that pull progress (`TAG: Pulling from REPO`) or a pull or push announcement
    /// names ([`image_announced`]), in line order.
    pub announced_images: Vec<(u64, String)>,
    /// [`Wrapper::bit`]s of the capturers seen.
    pub wrappers: u8,
    pub builder_legacy: bool,
    /// podman build / buildah step framing seen (`STEP 3/7: ...`).
    pub builder_buildah: bool,
    pub builder_buildkit: bool,
    pub failures: Vec<VerdictLine>,
    pub successes: Vec<VerdictLine>,
    /// Number of the line being framed (1-based).
    pub line_no: u64,
    /// Step of the last line framed (a continued segment stays in it).
    last_step: Option<StepId>,
    /// A legacy `The command '…` verdict whose quoted command goes on over the next lines
    /// (a command holding newlines, a paste that wrapped it): its text so far, and lines.
    pending_verdict: Option<(Vec<u8>, u8)>,
    /// The number a CI web viewer put before the previous line (`41 Collecting pip`, a page
    /// copied with its line numbers).
    viewer_line: Option<u64>,
}

impl Framer {
    /// Frames one physical line, `buf[start..end]`, cleaning it in place if `special` (it
    /// holds ESC, CR or NUL). A `continued` segment carries on the line before it.
    pub fn line(
        &mut self,
        buf: &mut [u8],
        start: usize,
        end: usize,
        special: bool,
        continued: bool,
    ) -> LineRec {
        let mut flags = if continued {
            LineFlags::CONTINUED
        } else {
            LineFlags::NONE
        };
        let mut s = start;
        let mut e = end;
        if special && matches!(buf.get(start), Some(0x1b | b'\r')) {
            // Escapes before any prefix: clean first, then look for prefixes.
            e = s + clean::clean_in_place(&mut buf[s..e]);
        }
        let mut buildkit = None;
        let mut elapsed = false;
        if !continued {
            s = strip_pasting(buf, s, &mut e);
            s = self.strip_viewer_line_number(buf, s, e);
            s = self.strip_wrappers(buf, s, e);
            s = self.strip_tool_prefixes(buf, s, &mut e, &mut flags);
            if let Some((id, n)) = prefix::strip_buildkit_id(&buf[s..e]) {
                buildkit = Some(id);
                s += n;
                if let Some(n) = prefix::strip_elapsed(&buf[s..e]) {
                    s += n;
                    elapsed = true;
                }
            } else if buf.get(s).is_some_and(u8::is_ascii_digit)
                && (self.builder_buildkit
                    || self.error_block != SummaryBlock::Outside
                    || !self.builder_legacy)
                && let Some(n) = prefix::strip_elapsed(&buf[s..e])
            {
                s += n;
                elapsed = true;
            }
        }
        if special {
            e = s + clean::clean_in_place(&mut buf[s..e]);
        }
        if !continued
            && let Some(image) = pulling_from(&buf[s..e]).or_else(|| image_announced(&buf[s..e]))
        {
            // Full: the latest replaces the last kept, so the image of the push or pull that
            // ends a long log is still known.
            if self.announced_images.len() == MAX_ANNOUNCED_IMAGES {
                self.announced_images.pop();
            }
            self.announced_images.push((self.line_no, image));
        }
        let step = if continued {
            self.last_step
        } else {
            self.frame(&buf[s..e], buildkit, elapsed, &mut flags)
        };
        if let Some(id) = step {
            self.steps.touch(id, self.line_no);
        }
        self.last_step = step;
        LineRec {
            number: self.line_no,
            start: s as u32,
            end: e as u32,
            step,
            flags,
        }
    }

    /// The line numbers of a CI page copied with them (GitLab's job log: `40 Collecting pip`,
    /// `41   Downloading ...`): a number and one space, counted as such only when the line
    /// before carried the number before it (a lone `3 packages upgraded` is output).
    fn strip_viewer_line_number(&mut self, buf: &[u8], s: usize, e: usize) -> usize {
        let l = &buf[s..e];
        let digits = l.iter().take_while(|b| b.is_ascii_digit()).count();
        let number = (1..=6)
            .contains(&digits)
            .then(|| std::str::from_utf8(&l[..digits]).ok()?.parse::<u64>().ok())
            .flatten()
            .filter(|_| matches!(l.get(digits), None | Some(b' ')));
        let Some(n) = number else {
            self.viewer_line = None;
            return s;
        };
        let follows = self.viewer_line.is_some_and(|p| p + 1 == n);
        self.viewer_line = Some(n);
        if follows {
            s + (digits + 1).min(l.len())
        } else {
            s
        }
    }

    fn strip_wrappers(&mut self, buf: &[u8], mut s: usize, e: usize) -> usize {
        for _ in 0..3 {
            let l = &buf[s..e];
            let stripped = match l.first() {
                Some(b'0'..=b'9' | b'[') => prefix::strip_timestamp(l)
                    .or_else(|| prefix::strip_codebuild(l).map(|n| (n, Wrapper::Codebuild)))
                    .or_else(|| prefix::strip_time_of_day(l).map(|n| (n, Wrapper::Timestamps))),
                Some(b'S') => prefix::strip_cloud_build(l).map(|n| (n, Wrapper::CloudBuild)),
                _ => None,
            };
            match stripped {
                Some((mut n, mut w)) if n > 0 => {
                    // GitLab follows its timestamp with a stream marker: `00O `.
                    if w == Wrapper::Timestamps
                        && let Some(m) = prefix::strip_gitlab_stream(&l[n..])
                    {
                        n += m;
                        w = Wrapper::Gitlab;
                    }
                    self.wrappers |= w.bit();
                    s += n;
                }
                _ => break,
            }
        }
        s
    }

    /// CI annotations (`##[error]`, `::error::`) and the tools' own log formats (kaniko's
    /// `ERRO[0003] `, logrus' `time="…" level=… msg="…"`, whose message is unquoted in place).
    fn strip_tool_prefixes(
        &mut self,
        buf: &mut [u8],
        mut s: usize,
        e: &mut usize,
        flags: &mut LineFlags,
    ) -> usize {
        match buf.get(s) {
            Some(b'#' | b':') => {
                if let Some((n, kind)) = prefix::strip_annotation(&buf[s..*e]) {
                    if buf[s] == b'#' {
                        self.wrappers |= Wrapper::GithubActions.bit();
                    }
                    s += n;
                    let c = &buf[s..*e];
                    if kind == prefix::Annotation::Error
                        && c.starts_with(b"Process completed with exit code ")
                        && verdict::exit_code(c) != Some(0)
                    {
                        let c = c.to_vec();
                        self.failure(&c, flags);
                    }
                }
            }
            Some(b'A'..=b'Z') => {
                if let Some(n) = prefix::strip_kaniko_level(&buf[s..*e]) {
                    if matches!(&buf[s..s + 4], b"FATA" | b"PANI") {
                        *flags |= LineFlags::FATAL;
                    }
                    s += n;
                }
            }
            Some(b't' | b'l') => {
                if let Some(l) = prefix::logrus(&buf[s..*e]) {
                    if l.fatal {
                        *flags |= LineFlags::FATAL;
                    }
                    let (a, b) = (s + l.msg.0, s + l.msg.1);
                    let n = if l.quoted {
                        prefix::unquote_in_place(&mut buf[a..b])
                    } else {
                        b - a
                    };
                    let (ra, rb) = (s + l.rest.0, s + l.rest.1);
                    let mut end = a + n;
                    if rb > ra {
                        buf[end] = b' ';
                        buf.copy_within(ra..rb, end + 1);
                        end += 1 + (rb - ra);
                    }
                    *e = end;
                    s = a;
                }
            }
            _ => {}
        }
        s
    }

    /// Applies the framing meaning of line content `c` and returns its step.
    fn frame(
        &mut self,
        c: &[u8],
        buildkit: Option<u32>,
        elapsed: bool,
        flags: &mut LineFlags,
    ) -> Option<StepId> {
        if let Some(id) = buildkit {
            self.builder_buildkit = true;
            return self.buildkit_line(id, c, elapsed, flags);
        }
        let Some(&first) = c.first() else {
            return self.context_step_of(flags);
        };
        if self.code_frame == CodeFrame::Inside && !c.starts_with(b"--------") {
            *flags |= LineFlags::FRAMING;
            if self.code_frame_instruction.is_none()
                && let Some(text) = buildkit::marked_frame_line(c)
                && self.code_frame_marked.1.len() < 4096
            {
                let buf = &mut self.code_frame_marked.1;
                if !buf.is_empty() {
                    buf.push(b'\n');
                }
                buf.extend_from_slice(text);
            }
            return self.last_error_step;
        }
        if self.pending_verdict.is_some()
            && let Framed::Step(step) = self.legacy_verdict_continued(c, flags)
        {
            return step;
        }
        let framed = match first {
            b'S' if c.starts_with(b"STEP ") => self.buildah_step(c, flags),
            b'S' => self.legacy_s_line(c, flags),
            b'[' => self.buildah_step(c, flags),
            // The legacy verdict indented by a CI page, else an indented framing line.
            b' ' => match self.legacy_command_failed(c, flags) {
                Framed::Continue => self.indented_line(c, flags),
                framed => framed,
            },
            b'=' | b'>' => self.indented_line(c, flags),
            b'-' if c.starts_with(b"------") => return self.dashes(c, flags),
            b'-' if c.starts_with(b"--> ") => self.buildah_arrow(&c[4..], flags),
            b'D' if c.starts_with(b"Dockerfile:") && c[11..].iter().all(u8::is_ascii_digit) => {
                *flags |= LineFlags::FRAMING;
                self.code_frame = CodeFrame::Header;
                self.code_frame_marked = (self.line_no, Vec::new());
                return self.last_error_step;
            }
            b'T' => self.legacy_command_failed(c, flags),
            b'R' => self.r_line(c, flags),
            // docker-compose's wrapping of the legacy verdict, else a BuildKit one.
            b'E' => match self.legacy_command_failed(c, flags) {
                Framed::Continue => match self.buildah_failed(c, flags) {
                    Framed::Continue => self.solve_failed(c, flags),
                    framed => framed,
                },
                framed => framed,
            },
            b'e' => match self.buildah_failed(c, flags) {
                Framed::Continue => self.solve_failed(c, flags),
                framed => framed,
            },
            b'f' | b'b' => self.solve_failed(c, flags),
            b'#' => self.github_line(c, flags),
            b'P' => self.codebuild_phase(c, flags),
            b'F' => self.jenkins_finished(c, flags),
            b'B' => self.jenkins_step_failed(c, flags),
            b'C' | b'A' => self.c_line(c, flags),
            _ => Framed::Continue,
        };
        if let Framed::Step(step) = framed {
            return step;
        }
        if matches!(first, b'$' | b'+' | b'#' | b'%' | b'(' | b'[' | b'A'..=b'Z' | b'a'..=b'z' | 0xe2 | b' ' | b'\t')
            && prompt::prompt_command(c).is_some()
        {
            *flags |= LineFlags::PROMPT;
        }
        self.context_step_of(flags)
    }

    /// The step an unframed line belongs to (and, inside the summary block, that it repeats
    /// the failed step's output).
    fn context_step_of(&self, flags: &mut LineFlags) -> Option<StepId> {
        if matches!(self.error_block, SummaryBlock::Inside(_)) {
            *flags |= LineFlags::SUMMARY;
        }
        self.context_step()
    }

    fn context_step(&self) -> Option<StepId> {
        match self.error_block {
            SummaryBlock::Inside(step) => step,
            SummaryBlock::Outside => self.current_legacy,
        }
    }

    fn failure(&mut self, c: &[u8], flags: &mut LineFlags) {
        *flags |= LineFlags::FRAMING | LineFlags::VERDICT;
        if self.failures.len() < MAX_VERDICTS {
            self.failures.push(VerdictLine {
                line: self.line_no,
                exit_code: verdict::exit_code(c),
                command: verdict::failed_command(c).map(|(a, b)| step_text(&c[a..b])),
            });
        }
    }

    fn success(&mut self) {
        if self.successes.len() < MAX_VERDICTS {
            self.successes.push(VerdictLine {
                line: self.line_no,
                exit_code: Some(0),
                command: None,
            });
        }
    }
}

/// Markdown a pasted line is wrapped in: `> ` quoting, `` `…` `` inline code, a leading
/// `**bold**` part (its markers are removed in place). Returns the content start.
fn strip_pasting(buf: &mut [u8], mut s: usize, e: &mut usize) -> usize {
    for _ in 0..3 {
        let l = &buf[s..*e];
        match l.first() {
            Some(b'>') => match prefix::strip_markdown_quote(l) {
                Some(n) => s += n,
                None => break,
            },
            Some(b'`') => match prefix::inline_code(l) {
                Some((a, b)) => {
                    *e = s + b;
                    s += a;
                }
                None => break,
            },
            Some(b'*') => match prefix::bold_start(l) {
                Some((_, close)) => {
                    buf.copy_within(s + close + 2..*e, s + close);
                    *e -= 2;
                    s += 2;
                }
                None => break,
            },
            _ => break,
        }
    }
    s
}

/// What a framing handler made of a line.
pub(crate) enum Framed {
    /// Go on with the generic handling: prompt detection, the context step.
    Continue,
    /// The line belongs to this step (or to none); nothing else to do.
    Step(Option<StepId>),
}

/// At most this many announced images are kept: the first ones (later pulls of a long log are
/// mostly the same images again) and the latest.
const MAX_ANNOUNCED_IMAGES: usize = 16;

/// The longest tag the distribution spec allows (`[\w][\w.-]{0,127}`).
const MAX_TAG: usize = 128;

/// The image of the daemon's pull progress line `TAG: Pulling from REPO` (moby
/// distribution/pull_v2.go prints the tag or digest, then `Pulling from` and the repository's
/// path: no registry host, `library/` for official images): `REPO:TAG` or `REPO@DIGEST`,
/// `library/` dropped.
pub(crate) fn pulling_from(line: &[u8]) -> Option<String> {
    const MARK: &[u8] = b": Pulling from ";
    if line.len() > 512 || line.first().is_none_or(u8::is_ascii_whitespace) {
        return None;
    }
    // Every line comes here: no substring search over the line. The tag (at most 128
    // characters) or digest (`sha256:` + 64 hex) comes first, so the mark starts at one of
    // the colons near the start.
    let head = &line[..line.len().min(MAX_TAG + 8)];
    let at = memchr::memchr_iter(b':', head).find(|&i| line[i..].starts_with(MARK))?;
    let tag = std::str::from_utf8(&line[..at]).ok()?;
    let repo = std::str::from_utf8(&line[at + MARK.len()..])
        .ok()?
        .trim_end();
    let repo_ok = |r: &str| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/:".contains(&b))
    };
    let tag_ok = !tag.is_empty()
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b));
    if !tag_ok || !repo_ok(repo) {
        return None;
    }
    let repo = hub_short_name(repo);
    Some(if tag.starts_with("sha256:") {
        format!("{repo}@{tag}")
    } else {
        format!("{repo}:{tag}")
    })
}

/// The image of a line a client prints before it pulls or pushes, as printed:
/// - pulls: docker/cli's `Unable to find image 'IMAGE' locally`
///   (cli/command/container/create.go), containers/common's `Trying to pull IMAGE...`
///   (libimage/pull.go, podman and buildah), the RHEL docker 1.x `Trying to pull repository
///   IMAGE ...`, moby's v1 `Pulling repository IMAGE` (distribution/pull_v1.go) and kaniko's
///   `Retrieving image manifest IMAGE` (pkg/image/remote/remote.go, after its level prefix);
/// - pushes: moby's `The push refers to repository [REPO]` (distribution/push_v2.go; `to a
///   repository` before 1.10), kaniko's `Pushing image to IMAGE` (pkg/executor/push.go),
///   OpenShift's docker builder's `Pushing image IMAGE ...` (openshift/origin
///   pkg/build/builder, as its build logs show), ACR Tasks' `Pushing image: IMAGE, attempt N` and
///   Replicate cog's `Pushing image 'IMAGE'...` (pkg/docker/push.go).
pub(crate) fn image_announced(line: &[u8]) -> Option<String> {
    const ANNOUNCES: [(&[u8], &[u8]); 10] = [
        (b"Unable to find image '", b"' locally"),
        (b"Trying to pull repository ", b" ..."),
        (b"Trying to pull ", b"..."),
        (b"Pulling repository ", b""),
        (b"Retrieving image manifest ", b""),
        (b"The push refers to repository [", b"]"),
        (b"The push refers to a repository [", b"]"),
        (b"Pushing image to ", b""),
        (b"Pushing image '", b"'..."),
        (b"Pushing image ", b" ..."),
    ];
    if line.len() > 512 || !matches!(line.first(), Some(b'U' | b'T' | b'P' | b'R')) {
        return None;
    }
    let line = line.trim_ascii_end();
    let image = ANNOUNCES
        .iter()
        .find_map(|(head, tail)| {
            line.strip_prefix(*head)?
                .strip_suffix(*tail)
                .map(<[u8]>::trim_ascii)
        })
        .or_else(|| {
            // ACR Tasks: `Pushing image: IMAGE, attempt 2`.
            let rest = line.strip_prefix(b"Pushing image: ")?;
            let comma = memchr::memchr(b',', rest)?;
            let n = rest[comma..].strip_prefix(b", attempt ")?;
            (!n.is_empty() && n.iter().all(u8::is_ascii_digit)).then(|| rest[..comma].trim_ascii())
        })?;
    let image = std::str::from_utf8(image).ok()?;
    let ok = !image.is_empty()
        && image
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b));
    ok.then(|| hub_short_name(image).to_string())
}

/// A Docker Hub official image by its short name, as the daemon's pull progress names it
/// (`library/mysql` and `docker.io/library/mysql` are `mysql`).
fn hub_short_name(repo: &str) -> &str {
    ["docker.io/library/", "library/"]
        .iter()
        .find_map(|p| repo.strip_prefix(p))
        .unwrap_or(repo)
}

#[cfg(test)]
mod pull_tests {
    use super::{image_announced, pulling_from};

    #[test]
    fn pull_announcements_name_the_image() {
        let p = |l: &str| image_announced(l.as_bytes());
        assert_eq!(
            p("Unable to find image 'hello-world:latest' locally").as_deref(),
            Some("hello-world:latest")
        );
        assert_eq!(
            p("Trying to pull repository docker.io/acme/app ... ").as_deref(),
            Some("docker.io/acme/app")
        );
        assert_eq!(
            p("Trying to pull quay.io/acme/app:1.2...").as_deref(),
            Some("quay.io/acme/app:1.2")
        );
        assert_eq!(
            p("Pulling repository docker.io/library/busybox").as_deref(),
            Some("busybox")
        );
        assert_eq!(
            p("Retrieving image manifest build_base").as_deref(),
            Some("build_base")
        );
        // Sentences that start alike are not announcements.
        assert_eq!(p("Trying to pull the image again in 5 seconds"), None);
        assert_eq!(p("Unable to find image 'a b' locally"), None);
        assert_eq!(p("Retrieving image manifest"), None);
    }

    #[test]
    fn push_announcements_name_the_image() {
        let p = |l: &str| image_announced(l.as_bytes());
        assert_eq!(
            p("The push refers to repository [docker.io/acme/app]").as_deref(),
            Some("docker.io/acme/app")
        );
        assert_eq!(
            p("The push refers to a repository [docker.io/library/web] (len: 1)"),
            None,
            "what follows the bracket is not part of the reference"
        );
        assert_eq!(
            p("Pushing image to registry.example.com/acme/app:1.0").as_deref(),
            Some("registry.example.com/acme/app:1.0")
        );
        assert_eq!(
            p("Pushing image registry.svc:5000/ns/app:latest ...").as_deref(),
            Some("registry.svc:5000/ns/app:latest")
        );
        assert_eq!(
            p("Pushing image: acme.azurecr.io/api:v3, attempt 1").as_deref(),
            Some("acme.azurecr.io/api:v3")
        );
        assert_eq!(
            p("Pushing image 'r8.im/acme/segmenter'...").as_deref(),
            Some("r8.im/acme/segmenter")
        );
        assert_eq!(p("Pushing image layers to the cache ..."), None);
        assert_eq!(p("Pushing image: done, attempt 1 of 3 ok"), None);
    }

    #[test]
    fn pull_progress_names_the_image() {
        let p = |l: &str| pulling_from(l.as_bytes());
        assert_eq!(
            p("latest: Pulling from library/mysql").as_deref(),
            Some("mysql:latest")
        );
        assert_eq!(
            p("3.11-slim: Pulling from acme/python-base").as_deref(),
            Some("acme/python-base:3.11-slim")
        );
        assert_eq!(
            p("sha256:4f1e2d3c: Pulling from ghcr.io/acme/app").as_deref(),
            Some("ghcr.io/acme/app@sha256:4f1e2d3c")
        );
        assert_eq!(p("  latest: Pulling from library/mysql"), None);
        assert_eq!(p("note: Pulling from the cache is disabled"), None);
        assert_eq!(p("Step 3: Pulling from registry"), None);
    }
}
