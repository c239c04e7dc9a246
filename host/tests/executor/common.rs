//! Helpers shared by the executor's integration tests.

use std::path::PathBuf;

use picloud_host::{Executor, HostConfig};
use picloud_shared::{
    ExecutorClient, HttpRequest, Invocation, InvocationResult, Limits, ScriptRef,
};
use tokio::sync::OnceCell;

/// One artifact cache for every test (and test binary) of a run, so the
/// guest is compiled with Cranelift once.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picloud-guest-cache")
}

pub fn config() -> HostConfig {
    HostConfig {
        cache_dir: Some(cache_dir()),
        ..HostConfig::default()
    }
}

/// The executor with production settings, shared by the tests of a binary.
pub async fn executor() -> &'static Executor {
    static EXECUTOR: OnceCell<Executor> = OnceCell::const_new();
    EXECUTOR
        .get_or_init(|| async { Executor::new(config()).await.expect("executor starts") })
        .await
}

pub fn fixture(path: &str) -> String {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

pub fn get(path: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: path.into(),
        ..HttpRequest::default()
    }
}

pub fn invocation(source: &str, request: HttpRequest, limits: Limits) -> Invocation {
    Invocation {
        request_id: "req-test".into(),
        script: ScriptRef {
            id: "script-1".into(),
            name: "test".into(),
            version: 3,
            source: source.into(),
        },
        request,
        limits,
    }
}

pub async fn run_on(
    executor: &Executor,
    source: &str,
    request: HttpRequest,
    limits: Limits,
) -> InvocationResult {
    executor
        .invoke(invocation(source, request, limits))
        .await
        .expect("the executor runs the invocation")
}

/// Runs `source` for `GET /` with production limits.
pub async fn run(source: &str) -> InvocationResult {
    run_on(executor().await, source, get("/"), Limits::default()).await
}

pub const HELLO: &str = r#"#{ hello: "world" }"#;

/// Asserts that a well-behaved script still gets its response.
pub async fn assert_healthy(executor: &Executor) {
    let result = run_on(executor, HELLO, get("/"), Limits::default()).await;
    let response = result.outcome.expect("a well-behaved script succeeds");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"{"hello":"world"}"#);
}
