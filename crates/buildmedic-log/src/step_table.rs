//! The steps a log has shown so far, and how lines find theirs.
//!
//! Memory stays flat however many steps a log has: at most [`MAX_STEPS`] are recorded, and
//! a step that succeeded soon drops its command (only the failing step, `FROM` steps, which
//! name base images, and the `ARG` defaults they may expand need one), so a step costs ~100
//! bytes.
//!
//! Every change of a step to a succeeded status is also an [`StepEvent`] of the line that
//! caused it: consumers drop what they collected for the step at that line, which keeps
//! their memory flat too, at a point that does not depend on how the input was cut into
//! batches.

use std::collections::{HashMap, VecDeque};

use crate::framing::header::Header;
use crate::steps::{Step, StepId, StepOrigin, StepStatus, step_text};

/// Upper bound on recorded steps; later steps are counted but their lines get no step.
pub const MAX_STEPS: usize = 250_000;
/// Bound on the tty label map (labels of succeeded steps are rarely looked up again).
const MAX_LABELS: usize = 1 << 16;
/// Succeeded steps that keep their command for a while: a step marked done can still be
/// reported failed a few lines later (`#5 DONE` then `#5 ERROR`).
const RECENTLY_SUCCEEDED: usize = 64;
/// BuildKit vertex ids below this index a vector; larger ones (never seen in practice) a map.
const DIRECT_IDS: u32 = 1 << 16;

/// A step changed to a succeeded status ([`StepStatus::Done`] or [`StepStatus::Cached`])
/// at `Batch::lines[line]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepEvent {
    pub line: u32,
    pub step: StepId,
}

#[derive(Default)]
pub(crate) struct StepTable {
    pub steps: Vec<Step>,
    /// BuildKit vertex id → step.
    buildkit_ids: Vec<Option<StepId>>,
    buildkit_big_ids: HashMap<u32, StepId>,
    /// tty label (`[3/7]`, `[internal] load …`) → step.
    labels: HashMap<Vec<u8>, StepId>,
    recently_succeeded: VecDeque<StepId>,
    pub steps_dropped: u64,
    /// Events of the current batch.
    pub events: Vec<StepEvent>,
    /// Index in the current batch of the line being framed.
    pub line_index: u32,
}

impl StepTable {
    pub fn get(&self, id: StepId) -> &Step {
        &self.steps[id.index()]
    }

    pub fn get_mut(&mut self, id: StepId) -> &mut Step {
        &mut self.steps[id.index()]
    }

    pub fn status(&self, id: StepId) -> StepStatus {
        self.get(id).status
    }

    /// Sets a step's status; a change to a succeeded status is an event of the current line.
    pub fn set_status(&mut self, id: StepId, status: StepStatus) {
        let step = &mut self.steps[id.index()];
        let was = step.status.succeeded();
        step.status = status;
        // tty progress redraws mark steps done, even the one that fails next: tty logs are
        // small, their steps keep everything.
        if status.succeeded() && !was && step.origin != StepOrigin::BuildkitTty {
            self.events.push(StepEvent {
                line: self.line_index,
                step: id,
            });
            self.recently_succeeded.push_back(id);
            if self.recently_succeeded.len() > RECENTLY_SUCCEEDED
                && let Some(old) = self.recently_succeeded.pop_front()
            {
                self.drop_command(old);
            }
        }
    }

    /// A succeeded step no longer needs its command, unless it names a base image (`FROM`,
    /// or an `ARG NAME=default` a later `FROM ${NAME}` may use).
    fn drop_command(&mut self, id: StepId) {
        let st = &mut self.steps[id.index()];
        let names_image = match st.instruction.as_deref() {
            Some("FROM") => true,
            Some("ARG") => st.command.contains('='),
            _ => false,
        };
        if st.status.succeeded() && st.origin != StepOrigin::BuildkitTty && !names_image {
            st.command = String::new();
        }
    }

    /// Drops the commands of every succeeded step (the log has ended).
    pub fn drop_succeeded_commands(&mut self) {
        for i in 0..self.steps.len() {
            if let Some(id) = StepId::from_index(i) {
                self.drop_command(id);
            }
        }
    }

    pub fn add(
        &mut self,
        origin: StepOrigin,
        text: &[u8],
        h: &Header,
        buildkit_id: Option<u32>,
        line: u64,
    ) -> Option<StepId> {
        if self.steps.len() >= MAX_STEPS {
            self.steps_dropped += 1;
            return None;
        }
        let id = StepId::from_index(self.steps.len())?;
        let part = |r: (usize, usize)| step_text(&text[r.0..r.1]);
        let label = match (h.label, buildkit_id) {
            (Some(l), _) => Some(part(l)),
            (None, Some(id)) => Some(format!("#{id}")),
            (None, None) => None,
        };
        self.steps.push(Step {
            origin,
            index: h.index,
            label,
            instruction: h.instruction.map(|r| part(r).to_ascii_uppercase()),
            command: part(h.command),
            first_line: line,
            last_line: line,
            status: StepStatus::Running,
            exit_code: None,
            failed_at: None,
            buildkit_id,
        });
        Some(id)
    }

    pub fn buildkit(&self, vertex: u32) -> Option<StepId> {
        match self.buildkit_ids.get(vertex as usize) {
            Some(s) => *s,
            None => self.buildkit_big_ids.get(&vertex).copied(),
        }
    }

    pub fn set_buildkit(&mut self, vertex: u32, step: Option<StepId>) {
        if vertex < DIRECT_IDS {
            if self.buildkit_ids.len() <= vertex as usize {
                self.buildkit_ids.resize(vertex as usize + 1, None);
            }
            self.buildkit_ids[vertex as usize] = step;
        } else if let Some(s) = step {
            self.buildkit_big_ids.insert(vertex, s);
        } else {
            self.buildkit_big_ids.remove(&vertex);
        }
    }

    pub fn label(&self, key: &[u8]) -> Option<StepId> {
        self.labels.get(key).copied()
    }

    /// Records a tty label unless one is already known.
    pub fn add_label(&mut self, key: Vec<u8>, step: StepId) {
        if self.labels.len() >= MAX_LABELS {
            self.labels.clear();
        }
        self.labels.entry(key).or_insert(step);
    }

    /// The line `line` belongs to `id`.
    pub fn touch(&mut self, id: StepId, line: u64) {
        let st = &mut self.steps[id.index()];
        st.last_line = st.last_line.max(line);
    }
}
