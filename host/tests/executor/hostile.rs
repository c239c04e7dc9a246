//! Hostile scripts: each ends with its precise error, within its limit, and
//! the executor keeps serving.

use picloud_shared::{LimitKind, Limits, ScriptError};

use crate::common::{assert_healthy, executor, fixture, get, run_on};

/// Runs a fixture and returns the limit that stopped it, checking that the
/// error names the configured value.
async fn limit_hit(name: &str, limits: Limits) -> LimitKind {
    let executor = executor().await;
    let source = fixture(&format!("hostile/{name}.rhai"));
    let result = run_on(executor, &source, get("/"), limits).await;
    let kind = match result.outcome {
        Err(ScriptError::Limit { limit, value, .. }) => {
            let expected = match limit {
                LimitKind::WasmStack => executor.config().max_wasm_stack as u64,
                LimitKind::Memory => limits.memory_bytes,
                other => limits.get(other.setting()).expect("a Limits field"),
            };
            assert_eq!(
                value, expected,
                "{name}: the error reports the configured value"
            );
            limit
        }
        other => panic!("{name}: expected a limit error, got {other:?}"),
    };
    assert_healthy(executor).await;
    kind
}

#[tokio::test]
async fn rhai_limits_stop_hostile_scripts_first() {
    let limits = Limits::default();
    let stack = Limits {
        max_call_levels: 100_000,
        ..limits
    };
    for (fixture, limits, expected) in [
        ("endless_loop", limits, LimitKind::Operations),
        ("string_doubling", limits, LimitKind::StringSize),
        ("huge_array", limits, LimitKind::ArraySize),
        ("deep_recursion", limits, LimitKind::CallLevels),
        // With the call limit raised, the wasm stack guard is what fires.
        ("deep_recursion", stack, LimitKind::WasmStack),
        ("nested_parens", limits, LimitKind::ExprDepth),
        ("huge_response", limits, LimitKind::ArraySize),
        ("log_flood", limits, LimitKind::LogLines),
    ] {
        assert_eq!(limit_hit(fixture, limits).await, expected, "{fixture}");
    }
}

#[tokio::test]
async fn sandbox_limits_alone_stop_hostile_scripts() {
    let limits = Limits::default().without_rhai_limits();
    let roomy = Limits {
        memory_bytes: 256 << 20,
        ..limits
    };
    for (fixture, limits, expected) in [
        ("endless_loop", limits, LimitKind::Fuel),
        ("string_doubling", limits, LimitKind::Memory),
        ("huge_array", limits, LimitKind::Memory),
        ("deep_recursion", limits, LimitKind::WasmStack),
        ("nested_parens", limits, LimitKind::WasmStack),
        ("huge_response", limits, LimitKind::Memory),
        ("huge_response", roomy, LimitKind::ResponseSize),
        ("log_flood", limits, LimitKind::LogLines),
    ] {
        assert_eq!(limit_hit(fixture, limits).await, expected, "{fixture}");
    }
}

#[tokio::test]
async fn the_deadline_stops_a_script_when_nothing_else_does() {
    let limits = Limits {
        fuel: 0,
        timeout_ms: 300,
        ..Limits::default().without_rhai_limits()
    };
    assert_eq!(limit_hit("endless_loop", limits).await, LimitKind::Timeout);
}

#[tokio::test]
async fn log_bytes_are_capped() {
    let limits = Limits {
        max_log_bytes: 1000,
        ..Limits::default()
    };
    assert_eq!(limit_hit("log_flood", limits).await, LimitKind::LogBytes);
}

#[tokio::test]
async fn sleep_is_refused_at_once() {
    let executor = executor().await;
    let result = run_on(
        executor,
        &fixture("hostile/sleep.rhai"),
        get("/"),
        Limits::default(),
    )
    .await;
    match result.outcome {
        Err(ScriptError::Runtime { message, position }) => {
            assert!(message.contains("sleep() is not available"), "{message}");
            assert_eq!(position.map(|p| p.line), Some(1));
        }
        other => panic!("expected a runtime error, got {other:?}"),
    }
    // Refused, not slept through: far below the deadline.
    assert!(result.duration_us < Limits::default().timeout_ms * 1000 / 2);
    assert_healthy(executor).await;
}

#[tokio::test]
async fn logs_before_a_limit_are_kept() {
    let limits = Limits {
        max_log_lines: 10,
        ..Limits::default()
    };
    let result = run_on(
        executor().await,
        &fixture("hostile/log_flood.rhai"),
        get("/"),
        limits,
    )
    .await;
    assert_eq!(
        result.outcome.unwrap_err().limit(),
        Some(LimitKind::LogLines)
    );
    let messages: Vec<&str> = result.logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(messages.len(), 10);
    assert_eq!(messages[0], "line 0");
    assert_eq!(messages[9], "line 9");
}
