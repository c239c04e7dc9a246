//! Busy scripts yield their worker threads: a well-behaved invocation is
//! served while every worker thread has a `loop {}` on it.

use std::time::{Duration, Instant};

use picloud_shared::Limits;

use crate::common::{HELLO, executor, fixture, get, run_on};

const WORKERS: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_behaved_invocation_is_served_beside_busy_loops() {
    let executor = executor().await;
    // Loops with no Rhai limit and no fuel budget: only the deadline ends them.
    let busy = Limits {
        fuel: 0,
        timeout_ms: 3_000,
        ..Limits::default().without_rhai_limits()
    };
    let source = fixture("hostile/endless_loop.rhai");
    let loops: Vec<_> = (0..WORKERS)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move {
                let result = run_on(executor, &source, get("/"), busy).await;
                (Instant::now(), result)
            })
        })
        .collect();
    // Let the loops occupy the workers.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let hello = run_on(executor, HELLO, get("/"), Limits::default()).await;
    let hello_done = Instant::now();
    assert_eq!(hello.outcome.expect("hello succeeds").status, 200);

    for handle in loops {
        let (done, result) = handle.await.unwrap();
        assert_eq!(
            result.outcome.unwrap_err().limit(),
            Some(picloud_shared::LimitKind::Timeout)
        );
        // The hello did not wait for the loops to be killed.
        assert!(
            hello_done < done,
            "hello finished only after a busy loop ended"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pool_is_refused_not_queued() {
    use picloud_host::{Executor, HostConfig};
    use picloud_shared::{ExecutorClient, ExecutorError};

    let executor: &'static Executor = Box::leak(Box::new(
        Executor::new(HostConfig {
            max_instances: 1,
            ..crate::common::config()
        })
        .await
        .unwrap(),
    ));
    let busy = Limits {
        fuel: 0,
        timeout_ms: 1_000,
        ..Limits::default().without_rhai_limits()
    };
    let source = fixture("hostile/endless_loop.rhai");
    let running = tokio::spawn(async move { run_on(executor, &source, get("/"), busy).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(executor.in_flight(), 1);
    let refused = executor
        .invoke(crate::common::invocation(
            HELLO,
            get("/"),
            Limits::default(),
        ))
        .await;
    assert_eq!(refused, Err(ExecutorError::Busy { capacity: 1 }));
    running.await.unwrap();
    // The slot is free again once the loop is killed.
    assert_eq!(executor.in_flight(), 0);
    crate::common::assert_healthy(executor).await;
}
