//! The invocation log sink: batches off the response path, never blocks,
//! counts what it has to drop, and drains on shutdown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use picloud_orchestrator_core::{LogSink, LogSinkSettings, Metrics};
use picloud_shared::InvocationRecord;
use picloud_shared::catalog::{CatalogError, InvocationLog};
use tokio::sync::Semaphore;

/// Keeps every batch it is given; `gate` holds writes back while closed.
struct Recorder {
    batches: Mutex<Vec<Vec<String>>>,
    gate: Semaphore,
}

#[async_trait]
impl InvocationLog for Recorder {
    async fn record(&self, records: &[InvocationRecord]) -> Result<(), CatalogError> {
        self.gate.acquire().await.expect("open").forget();
        self.gate.add_permits(1);
        let ids = records.iter().map(|r| r.id.clone()).collect();
        self.batches.lock().unwrap().push(ids);
        Ok(())
    }
}

fn record(n: usize) -> InvocationRecord {
    InvocationRecord {
        id: format!("req-{n}"),
        script_id: "s".into(),
        version: 1,
        started_at: 0,
        method: "GET".into(),
        path: "/".into(),
        status: 200,
        error: None,
        duration_us: 1,
        logs: Vec::new(),
    }
}

fn recorder(open: bool) -> Arc<Recorder> {
    Arc::new(Recorder {
        batches: Mutex::new(Vec::new()),
        gate: Semaphore::new(usize::from(open)),
    })
}

#[tokio::test]
async fn records_are_written_in_bounded_batches_and_drained_on_close() {
    let log = recorder(true);
    let metrics = Arc::new(Metrics::default());
    let settings = LogSinkSettings {
        queue: 10_000,
        batch: 100,
        linger: Duration::from_millis(20),
    };
    let sink = LogSink::start(log.clone(), settings, metrics.clone());
    for n in 0..1_050 {
        sink.push(record(n));
    }
    sink.flush_and_close().await;
    let batches = log.batches.lock().unwrap().clone();
    assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= 100));
    let ids: Vec<String> = batches.into_iter().flatten().collect();
    let expected: Vec<String> = (0..1_050).map(|n| format!("req-{n}")).collect();
    assert_eq!(ids, expected, "every record, once, in order");
    assert_eq!(metrics.log_drops(), 0);
    // After close, pushes are dropped and counted, not queued.
    sink.push(record(9_999));
    assert_eq!(metrics.log_drops(), 1);
}

#[tokio::test]
async fn a_stalled_log_drops_and_counts_instead_of_blocking() {
    let log = recorder(false);
    let metrics = Arc::new(Metrics::default());
    let settings = LogSinkSettings {
        queue: 10,
        batch: 5,
        linger: Duration::from_millis(1),
    };
    let sink = LogSink::start(log.clone(), settings, metrics.clone());
    // The writer takes one batch and waits on the gate; the queue fills.
    for n in 0..100 {
        sink.push(record(n));
        tokio::task::yield_now().await;
    }
    let dropped = metrics.log_drops();
    assert!(
        dropped >= 80,
        "only {dropped} of 100 dropped with room for ~15"
    );
    // Once the log recovers, what was queued is written.
    log.gate.add_permits(1);
    sink.flush_and_close().await;
    let written: usize = log.batches.lock().unwrap().iter().map(Vec::len).sum();
    assert_eq!(
        written as u64 + dropped,
        100,
        "each record written or counted"
    );
}

#[tokio::test]
async fn a_lone_record_is_written_after_the_linger_without_waiting_for_a_full_batch() {
    let log = recorder(true);
    let settings = LogSinkSettings {
        queue: 100,
        batch: 50,
        linger: Duration::from_millis(10),
    };
    let sink = LogSink::start(log.clone(), settings, Arc::new(Metrics::default()));
    sink.push(record(1));
    for _ in 0..200 {
        if !log.batches.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        *log.batches.lock().unwrap(),
        vec![vec!["req-1".to_string()]]
    );
    sink.flush_and_close().await;
}
