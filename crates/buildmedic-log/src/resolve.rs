//! What the framing says once the log has ended: which step failed, which builder ran, and
//! the verdict on the build.

use crate::framing::Framer;
use crate::prefix::Wrapper;
use crate::steps::{Step, StepId, StepOrigin, StepStatus, same_command};
use crate::{BuildVerdict, Builder, LogSummary};

pub(crate) fn resolve(framer: Framer, bytes: u64) -> LogSummary {
    let Framer {
        steps: mut table,
        failures,
        successes,
        wrappers,
        builder_legacy,
        builder_buildkit,
        builder_buildah,
        line_no,
        code_frame_instruction,
        announced_images,
        ..
    } = framer;
    // Succeeded steps keep their command only while a later line may still report them
    // failed; the log has ended.
    table.drop_succeeded_commands();
    let steps_dropped = table.steps_dropped;
    let mut steps = table.steps;

    // A failure verdict that names a command pins the failing step.
    let named: Vec<(u64, String, Option<i32>)> = failures
        .iter()
        .filter_map(|f| f.command.clone().map(|c| (f.line, c, f.exit_code)))
        .collect();
    for (line, cmd, code) in &named {
        let found = steps
            .iter()
            .rposition(|s| s.status == StepStatus::Failed && same_command(&s.command, cmd))
            .or_else(|| steps.iter().rposition(|s| same_command(&s.command, cmd)));
        // A failed step that never printed its command (a reused BuildKit id, a cut log) is
        // the one the verdict names.
        let found = found.or_else(|| {
            let mut unnamed = (0..steps.len())
                .filter(|&i| steps[i].status == StepStatus::Failed && steps[i].command.is_empty());
            match (unnamed.next(), unnamed.next()) {
                (Some(i), None) => Some(i),
                _ => None,
            }
        });
        match found {
            Some(i) => {
                let st = &mut steps[i];
                if st.command.is_empty() {
                    st.command = cmd.clone();
                    st.instruction.get_or_insert_with(|| "RUN".to_string());
                }
                st.status = StepStatus::Failed;
                st.exit_code = st.exit_code.or(*code);
                st.failed_at.get_or_insert(*line);
            }
            None if !steps.iter().any(|s| s.status == StepStatus::Failed) => {
                // The log shows no step for it (a snippet): reconstruct one.
                let instruction = (!cmd.starts_with('[')).then(|| "RUN".to_string());
                steps.push(Step {
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
    let failed: Vec<usize> = (0..steps.len())
        .filter(|&i| steps[i].status == StepStatus::Failed)
        .collect();
    // Several failed steps: the one a verdict named wins, else the first to fail.
    let failing_step = failed
        .iter()
        .copied()
        .find(|&i| {
            named
                .iter()
                .any(|(_, c, _)| same_command(&steps[i].command, c))
        })
        .or_else(|| {
            failed
                .iter()
                .copied()
                .min_by_key(|&i| steps[i].failed_at.unwrap_or(u64::MAX))
        });
    if let Some(i) = failing_step {
        let st = &mut steps[i];
        if st.exit_code.is_none() {
            st.exit_code = failures
                .iter()
                .find_map(|f| f.exit_code.filter(|c| *c != 0));
        }
    }
    let last_running = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == StepStatus::Running)
        .max_by_key(|(_, s)| s.last_line)
        .map(|(i, _)| i);
    let buildkit_failed = failing_step.is_some_and(|i| {
        matches!(
            steps[i].origin,
            StepOrigin::Buildkit | StepOrigin::BuildkitTty
        )
    });
    let builder = if builder_buildkit && (!builder_legacy || buildkit_failed) {
        Builder::Buildkit
    } else if builder_legacy {
        Builder::Legacy
    } else if builder_buildah {
        Builder::Buildah
    } else {
        Builder::Plain
    };
    let verdict = match (failures.last(), successes.last()) {
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
            .filter(|w| wrappers & w.bit() != 0)
            .collect(),
        failing_step: failing_step.and_then(StepId::from_index),
        last_running_step: last_running.and_then(StepId::from_index),
        steps,
        steps_dropped,
        verdict,
        failures,
        successes,
        code_frame: code_frame_instruction,
        announced_images,
        lines: line_no,
        bytes,
    }
}
