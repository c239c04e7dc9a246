//! Nothing a script leaves behind is visible to the next invocation.

use picloud_host::{Executor, HostConfig};
use picloud_shared::{Limits, ScriptError};

use crate::common::{config, get, run_on};

/// A single pool slot, so consecutive invocations reuse the same memory.
async fn one_slot_executor() -> Executor {
    Executor::new(HostConfig {
        max_instances: 1,
        ..config()
    })
    .await
    .expect("executor starts")
}

#[tokio::test]
async fn globals_functions_and_memory_do_not_leak_between_invocations() {
    let executor = one_slot_executor().await;
    let leave_behind = r#"
        let secret = "s3cr3t-" + "marker";
        fn planted() { "planted" }
        let big = "";
        big.pad(200_000, 'z');
        print(big.len());
        print(secret);
        secret
    "#;
    let first = run_on(&executor, leave_behind, get("/"), Limits::default()).await;
    assert_eq!(first.outcome.unwrap().body, b"s3cr3t-marker");
    assert_eq!(first.logs[0].message, "200000");

    match run_on(&executor, "secret", get("/"), Limits::default())
        .await
        .outcome
    {
        Err(ScriptError::Runtime { message, .. }) => {
            assert!(message.contains("Variable not found: secret"), "{message}")
        }
        other => panic!("a global leaked: {other:?}"),
    }
    match run_on(&executor, "planted()", get("/"), Limits::default())
        .await
        .outcome
    {
        Err(ScriptError::Runtime { message, .. }) => {
            assert!(message.contains("Function not found: planted"), "{message}")
        }
        other => panic!("a function leaked: {other:?}"),
    }
    // The engine's limits come from each invocation, not from the last one.
    let strict = Limits {
        max_operations: 50,
        ..Limits::default()
    };
    let stopped = run_on(&executor, "loop {}", get("/"), strict).await;
    assert!(stopped.outcome.is_err());
    let relaxed = run_on(
        &executor,
        "let n = 0; for i in 0..1000 { n += i; } n",
        get("/"),
        Limits::default(),
    )
    .await;
    assert_eq!(relaxed.outcome.unwrap().body, b"499500");
    // A fresh instance logs only its own lines.
    let quiet = run_on(&executor, "1", get("/"), Limits::default()).await;
    assert!(quiet.logs.is_empty());
}

#[tokio::test]
async fn a_reused_slot_starts_from_clean_memory() {
    let executor = one_slot_executor().await;
    // Fill memory with a recognisable pattern, then fail with it in place.
    let dirty = r#"
        let keep = [];
        for i in 0..50 { let p = "PATTERN-"; p.pad(4000, 'P'); keep.push(p); }
        throw "left it all behind";
    "#;
    let _ = run_on(&executor, dirty, get("/"), Limits::default()).await;
    // A new instance allocating the same amount sees only what it wrote.
    let fresh = r#"
        let seen = 0;
        for i in 0..50 {
            let s = ""; s.pad(4000, 'a');
            if s.contains("P") { seen += 1; }
        }
        seen
    "#;
    let result = run_on(&executor, fresh, get("/"), Limits::default()).await;
    assert_eq!(result.outcome.unwrap().body, b"0");
}
