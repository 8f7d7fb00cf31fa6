//! Group commit: one task takes records off a bounded queue, writes every record waiting at
//! that moment in one transaction (up to `batch` records), and acknowledges each request
//! after the commit. Under load batches grow by themselves; alone a record is written at once.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{NewRecord, Store};

type Ack = oneshot::Sender<Result<(), String>>;

/// The write side of the store.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<(NewRecord, Ack)>,
}

impl Writer {
    /// Starts the writer task on the current runtime. The task ends when every `Writer`
    /// clone is dropped, after writing what was queued.
    pub fn start(
        store: Arc<Store>,
        batch: usize,
        on_commit: impl Fn(usize, std::time::Duration) + Send + 'static,
    ) -> (Writer, tokio::task::JoinHandle<()>) {
        let batch = batch.max(1);
        let (tx, mut rx) = mpsc::channel::<(NewRecord, Ack)>(batch * 4);
        let task = tokio::spawn(async move {
            let mut pending = Vec::with_capacity(batch);
            while rx.recv_many(&mut pending, batch).await > 0 {
                let (records, acks): (Vec<NewRecord>, Vec<Ack>) = pending.drain(..).unzip();
                let n = records.len();
                let started = std::time::Instant::now();
                let result = store.insert_batch(records).await.map_err(|e| e.to_string());
                on_commit(n, started.elapsed());
                for ack in acks {
                    // A client that went away does not need its acknowledgement.
                    let _ = ack.send(result.clone());
                }
            }
        });
        (Writer { tx }, task)
    }

    /// Queues `record` and waits until its transaction committed.
    pub async fn write(&self, record: NewRecord) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.tx
            .send((record, ack))
            .await
            .map_err(|_| "the store is shutting down".to_string())?;
        done.await
            .map_err(|_| "the store writer stopped".to_string())?
    }
}
