//! Running the engine over many logs: expanding what the user named into files, and
//! diagnosing them on every core with one shared engine.
//!
//! Work is handed out one file at a time from a shared counter (logs differ in size by
//! orders of magnitude, so static chunks would leave cores idle); each worker adds into
//! its own [`StatsReport`] and the parts are merged at the end with the same
//! [`StatsReport::merge`] that `stats merge` uses, so nothing is locked per log.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use buildmedic_engine::{Diagnosis, Engine};

use crate::report::{LogOutcome, StatsReport};
use crate::timestamp::{HeadCapture, first_day};

/// The files to read, and the arguments that named none.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    /// `(path, why)`: missing paths, globs that match nothing, unreadable directories,
    /// directory loops.
    pub errors: Vec<(String, String)>,
}

/// Expands paths: files as given (`-` is stdin), directories recursively (hidden entries
/// skipped, symbolic links followed, loops reported), glob patterns (`logs/**/*.gz`) when
/// the path does not exist as written.
pub fn expand(args: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    for arg in args {
        if arg == Path::new("-") {
            inputs.files.push(arg.clone());
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk(arg, &mut inputs),
            Ok(_) => inputs.files.push(arg.clone()),
            Err(e) => {
                let text = arg.to_string_lossy();
                if text.contains(['*', '?', '[']) {
                    glob_into(&text, &mut inputs);
                } else {
                    inputs.errors.push((text.into_owned(), e.to_string()));
                }
            }
        }
    }
    inputs
}

fn glob_into(pattern: &str, inputs: &mut Inputs) {
    let paths = match glob::glob(pattern) {
        Ok(p) => p,
        Err(e) => {
            inputs
                .errors
                .push((pattern.to_string(), format!("invalid glob pattern: {e}")));
            return;
        }
    };
    let mut matched = false;
    for p in paths {
        matched = true;
        match p {
            Ok(p) if p.is_dir() => walk(&p, inputs),
            Ok(p) => inputs.files.push(p),
            Err(e) => inputs.errors.push((
                e.path().to_string_lossy().into_owned(),
                e.error().to_string(),
            )),
        }
    }
    if !matched {
        inputs.errors.push((
            pattern.to_string(),
            "no file matches the pattern".to_string(),
        ));
    }
}

fn walk(dir: &Path, inputs: &mut Inputs) {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => inputs.files.push(e.into_path()),
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_string_lossy().into_owned();
                let why = match e.loop_ancestor() {
                    Some(a) => format!("directory loop: links back to {}", a.display()),
                    None => e
                        .io_error()
                        .map_or_else(|| e.to_string(), std::string::ToString::to_string),
                };
                inputs.errors.push((path, why));
            }
        }
    }
}

/// Diagnoses one file: the diagnosis, the time it took and the day of its first timestamp.
pub fn diagnose_file(
    engine: &Engine,
    path: &Path,
) -> Result<(Diagnosis, u64, Option<String>), String> {
    let start = Instant::now();
    let source = path.to_string_lossy();
    let input = buildmedic_log::open_input(path).map_err(|e| match e {
        buildmedic_log::InputError::IsDirectory { .. } => {
            "is a directory, not a log file".to_string()
        }
        buildmedic_log::InputError::Io { source, .. } => source.to_string(),
    })?;
    let mut reader = HeadCapture::new(input);
    // A bug in the engine on one log must not end a run over ten thousand: it is reported
    // as that log's error (the panic message is printed by the default hook).
    let result = catch_unwind(AssertUnwindSafe(|| engine.diagnose(&mut reader, &source)));
    let d = match result {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Err(format!("read failed: {e}")),
        Err(_) => return Err("internal error while diagnosing this log (please report it)".into()),
    };
    let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    Ok((d, micros, first_day(&reader.head)))
}

/// Diagnoses `files` on `jobs` threads sharing `engine`; `on_log(bytes)` is called after
/// each file (from the worker threads) for progress display. Input errors of `inputs` and of
/// the files are recorded in the report; nothing is printed.
pub fn run(
    engine: &Engine,
    inputs: &Inputs,
    jobs: usize,
    on_log: &(dyn Fn(u64) + Sync),
) -> StatsReport {
    let start = Instant::now();
    let files = &inputs.files;
    let next = AtomicUsize::new(0);
    let jobs = jobs.clamp(1, files.len().max(1));
    let worker = || {
        let mut part = StatsReport::default();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = files.get(i) else {
                break;
            };
            match diagnose_file(engine, path) {
                Ok((d, micros, day)) => {
                    on_log(d.stats.bytes);
                    part.add(&LogOutcome {
                        diagnosis: &d,
                        micros,
                        day,
                    });
                }
                Err(why) => {
                    on_log(0);
                    part.add_error(&path.to_string_lossy(), &why);
                }
            }
        }
        part
    };
    let mut report = if jobs == 1 {
        worker()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..jobs).map(|_| s.spawn(worker)).collect();
            let mut total = StatsReport::default();
            for h in handles {
                // Workers catch the engine's panics; a panic here would be in the report
                // code itself, which is a bug worth surfacing.
                match h.join() {
                    Ok(part) => total.merge(part),
                    Err(p) => std::panic::resume_unwind(p),
                }
            }
            total
        })
    };
    for (path, why) in &inputs.errors {
        report.add_error(path, why);
    }
    report.run.shards = 1;
    report.run.jobs = jobs;
    report.run.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    report.finish();
    report
}

/// The number of threads to use by default: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

// One engine is shared by every worker thread.
const _: fn() = || {
    fn shared<T: Sync>() {}
    shared::<Engine>();
};
