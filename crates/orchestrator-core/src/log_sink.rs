//! Hands finished invocations to the [`InvocationLog`] in batches, off the
//! response path: a request only pushes its record onto a bounded queue.
//! When the queue is full (the log store is down or too slow) the record
//! is dropped and counted, never waited for.

use std::sync::Arc;
use std::time::Duration;

use picloud_shared::InvocationRecord;
use picloud_shared::catalog::InvocationLog;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

use crate::metrics::Metrics;

/// How the sink batches.
#[derive(Debug, Clone, Copy)]
pub struct LogSinkSettings {
    /// Records waiting to be written, at most.
    pub queue: usize,
    /// Records per write, at most.
    pub batch: usize,
    /// How long a record may wait for its batch to fill.
    pub linger: Duration,
}

impl Default for LogSinkSettings {
    fn default() -> Self {
        LogSinkSettings {
            queue: 10_000,
            batch: 256,
            linger: Duration::from_millis(50),
        }
    }
}

/// The sending side, shared by every request.
pub struct LogSink {
    tx: std::sync::Mutex<Option<mpsc::Sender<InvocationRecord>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for LogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSink").finish_non_exhaustive()
    }
}

impl LogSink {
    /// Starts the writer task (on the current Tokio runtime).
    pub fn start(
        log: Arc<dyn InvocationLog>,
        settings: LogSinkSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(settings.queue.max(1));
        let writer = tokio::spawn(write_batches(log, rx, settings, metrics.clone()));
        LogSink {
            tx: std::sync::Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            metrics,
        }
    }

    /// Queues a record; drops it (and counts the drop) if the queue is full
    /// or the sink is closed.
    pub fn push(&self, record: InvocationRecord) {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        let sent = match tx.as_ref() {
            Some(tx) => tx.try_send(record).is_ok(),
            None => false,
        };
        if !sent {
            self.metrics.log_drops.inc();
        }
    }

    /// Stops taking records and waits until every queued one is written.
    pub async fn flush_and_close(&self) {
        drop(self.tx.lock().unwrap_or_else(|p| p.into_inner()).take());
        if let Some(writer) = self.writer.lock().await.take() {
            let _ = writer.await;
        }
    }
}

async fn write_batches(
    log: Arc<dyn InvocationLog>,
    mut rx: mpsc::Receiver<InvocationRecord>,
    settings: LogSinkSettings,
    metrics: Arc<Metrics>,
) {
    let mut batch = Vec::with_capacity(settings.batch);
    loop {
        // Wait for the first record, then give the batch a moment to fill.
        if rx.recv_many(&mut batch, settings.batch).await == 0 {
            return;
        }
        let deadline = tokio::time::Instant::now() + settings.linger;
        while batch.len() < settings.batch {
            let more = settings.batch - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, more)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        if let Err(err) = log.record(&batch).await {
            tracing::warn!(%err, records = batch.len(), "dropping invocation records");
            metrics.log_drops.inc_by(batch.len() as u64);
        }
        batch.clear();
    }
}
