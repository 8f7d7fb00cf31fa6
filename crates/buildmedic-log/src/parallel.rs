//! Reading one log on several cores.
//!
//! Framing is a state machine over the whole log (which step a line belongs to depends on
//! every line before it), so one thread reads and frames; what costs most, matching, runs on
//! the others. The framing thread cuts the input into the same batches as sequential reading
//! ([`crate::reader`]), hands each batch (its buffer, line records, success events and the
//! lines carried from before it) to a pool of scanning threads, and the calling thread merges
//! their results **in input order**. A sink whose scan of a batch depends on nothing but the
//! batch therefore gives exactly what one thread gives.
//!
//! ```text
//! input ──► framer thread ──► batch 1, 2, 3 … ──► scan threads (any order)
//!              └─ scans too while batches wait ──┘    └──► merge in order (caller) ──► result
//! ```
//!
//! The framer is one of the `threads`: it spawns `threads - 1` scanners and, whenever framed
//! batches are waiting (every scanner is busy), scans one itself before it frames the next.
//! With a framer thread beside `threads` scanners, the scheduler would share the cores
//! fairly among `threads + 1` busy threads and slow the framer, whose work every batch waits
//! for, by that share; helping instead keeps every core busy with no thread waiting.
//!
//! Memory stays bounded: at most [`POOL_LIMIT`] buffers exist at once; the framer waits for
//! merged ones to come back before it reads more. Any input works the same way (files,
//! stdin, gzip decoded on the framing thread or ahead of it, see
//! [`crate::input::read_ahead`]).

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::LogSummary;
use crate::reader::{Batch, CarriedLines, Filler, LineReader, LineRec, ReaderOptions};
use crate::step_table::StepEvent;

/// Most buffers alive at once (each [`ReaderOptions::buffer_size`] bytes).
pub const POOL_LIMIT: usize = 12;

/// A sink whose work on a batch can run on any thread: [`ParallelSink::scan`] sees one batch
/// and nothing else; the caller's `merge` gets the results in input order.
pub trait ParallelSink: Sync {
    type Part: Send;

    fn scan(&self, batch: &Batch<'_>) -> Self::Part;
}

/// A framed batch, owned, on its way to a scanning thread and back.
struct Chunk {
    seq: u64,
    buf: Vec<u8>,
    end: usize,
    lines: Vec<LineRec>,
    events: Vec<StepEvent>,
    before: CarriedLines,
}

impl Chunk {
    fn batch(&self) -> Batch<'_> {
        Batch {
            buf: &self.buf[..self.end],
            lines: &self.lines,
            events: &self.events,
            before: &self.before,
        }
    }
}

/// The receiving end of the framed batches, shared by the scanners and the framer, with the
/// count of batches sent and not yet taken (an mpsc channel has no length).
struct WorkQueue {
    rx: Mutex<mpsc::Receiver<Chunk>>,
    waiting: AtomicUsize,
}

impl WorkQueue {
    /// Called by the framer before it sends a batch.
    fn sent(&self) {
        self.waiting.fetch_add(1, Ordering::AcqRel);
    }

    /// More than one batch waits: every scanner is busy (an idle one would have taken it).
    fn backlogged(&self) -> bool {
        self.waiting.load(Ordering::Acquire) > 1
    }

    fn took(&self, chunk: Chunk) -> Chunk {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        chunk
    }

    /// Waits for the next batch; `None` when the framer is done, or when another scanner
    /// panicked holding the lock (the scope reports the panic).
    fn take(&self) -> Option<Chunk> {
        let next = self.rx.lock().ok()?.recv();
        next.ok().map(|chunk| self.took(chunk))
    }

    /// Takes a waiting batch, if any, without blocking. A scanner waits for work holding the
    /// lock: then it is idle and takes the batch itself (the framer waiting for the lock
    /// would wait for a batch only it can send).
    fn try_take(&self) -> Option<Chunk> {
        let next = self.rx.try_lock().ok()?.try_recv();
        next.ok().map(|chunk| self.took(chunk))
    }
}

/// Reads a whole log from `input` on `threads` threads (the framer among them): each batch
/// is scanned by `sink` on some thread, and `merge` gets every batch with its part, in input
/// order, on the calling thread. Returns what the framing told.
pub fn read_log_parallel<R, S, M>(
    input: R,
    sink: &S,
    mut merge: M,
    options: &ReaderOptions,
    threads: usize,
) -> io::Result<LogSummary>
where
    R: Read + Send,
    S: ParallelSink,
    M: FnMut(&Batch<'_>, S::Part),
{
    let threads = threads.max(1);
    let pool = (2 * threads + 2).min(POOL_LIMIT);
    // The pool bounds the batches in flight; the queue never blocks the framer.
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(pool);
    let queue = WorkQueue {
        rx: Mutex::new(work_rx),
        waiting: AtomicUsize::new(0),
    };
    let (done_tx, done_rx) = mpsc::channel::<(Chunk, S::Part)>();
    // Merged buffers and line tables go back to the framer (large allocations are not
    // made again for every batch).
    let (free_tx, free_rx) = mpsc::channel::<(Vec<u8>, Vec<LineRec>, Vec<StepEvent>)>();
    std::thread::scope(|scope| {
        let framer_done = done_tx.clone();
        let queue = &queue;
        let framer = scope.spawn(move || -> io::Result<LogSummary> {
            let mut filler = Filler::new(input, options);
            let mut reader = LineReader::new();
            let mut carried = CarriedLines::default();
            let mut allocated = 0;
            let mut seq = 0;
            loop {
                let (mut buf, mut lines, mut events) = match free_rx.try_recv() {
                    Ok(b) => b,
                    Err(_) if allocated < pool => {
                        allocated += 1;
                        (Vec::new(), Vec::new(), Vec::new())
                    }
                    Err(_) => match free_rx.recv() {
                        Ok(b) => b,
                        // The merging side is gone: nothing more to do.
                        Err(_) => break,
                    },
                };
                let Some((end, complete)) = filler.fill(&mut buf)? else {
                    break;
                };
                // The framer fills the recycled tables (it clears them first).
                std::mem::swap(&mut reader.framer.lines, &mut lines);
                std::mem::swap(&mut reader.framer.steps.events, &mut events);
                reader.process(&mut buf[..end], complete);
                std::mem::swap(&mut reader.framer.lines, &mut lines);
                std::mem::swap(&mut reader.framer.steps.events, &mut events);
                let before = carried.clone();
                carried.advance(&buf[..end], &lines, options.carry_lines);
                let chunk = Chunk {
                    seq,
                    buf,
                    end,
                    lines,
                    events,
                    before,
                };
                queue.sent();
                if work_tx.send(chunk).is_err() {
                    break;
                }
                seq += 1;
                // Every scanner is busy while a batch waits (a free one would have taken
                // it): scan one here rather than frame further ahead.
                if threads > 1
                    && queue.backlogged()
                    && let Some(chunk) = queue.try_take()
                {
                    let part = sink.scan(&chunk.batch());
                    if framer_done.send((chunk, part)).is_err() {
                        break;
                    }
                }
            }
            drop(work_tx);
            drop(framer_done);
            Ok(reader.finish(filler.bytes))
        });

        // The framer scans when batches wait, so `threads - 1` scanners; with one thread,
        // one scanner beside the framer (the framer never scans then: reading ahead of the
        // scanner is what it is for).
        for _ in 0..threads.saturating_sub(1).max(1) {
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                while let Some(chunk) = queue.take() {
                    let part = sink.scan(&chunk.batch());
                    if done_tx.send((chunk, part)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);

        let mut next = 0u64;
        let mut waiting: BTreeMap<u64, (Chunk, S::Part)> = BTreeMap::new();
        for (chunk, part) in done_rx {
            waiting.insert(chunk.seq, (chunk, part));
            while let Some((chunk, part)) = waiting.remove(&next) {
                merge(&chunk.batch(), part);
                next += 1;
                // The framer may have finished already: then the buffer is simply dropped.
                let _ = free_tx.send((chunk.buf, chunk.lines, chunk.events));
            }
        }
        drop(free_tx);
        match framer.join() {
            Ok(summary) => summary,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
