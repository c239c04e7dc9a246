//! The `picloud-executor` binary on a real socket, driven by the remote
//! `ExecutorClient` the orchestrator uses.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use picloud_orchestrator_core::RemoteExecutor;
use picloud_shared::{
    ExecutorClient, ExecutorError, HttpRequest, Invocation, Limits, ScriptError, ScriptRef,
};

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Process, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picloud-guest-cache");
    let child = Command::new(env!("CARGO_BIN_EXE_picloud-executor"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--cache-dir")
        .arg(cache)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "picloud-executor did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Process(child), format!("http://127.0.0.1:{port}"))
}

fn invocation(source: &str) -> Invocation {
    Invocation {
        request_id: "req-1".into(),
        script: ScriptRef {
            id: "s1".into(),
            name: "test".into(),
            version: 1,
            source: source.into(),
        },
        request: HttpRequest {
            method: "GET".into(),
            path: "/x".into(),
            body: vec![1, 2, 255],
            ..HttpRequest::default()
        },
        limits: Limits::default(),
    }
}

#[tokio::test]
async fn invokes_and_checks_over_http_and_reports_being_down() {
    let (process, base) = start();
    let remote = RemoteExecutor::new(&base).unwrap();

    // The script's error and its logs travel back typed.
    let result = remote
        .invoke(invocation("log::warn(\"w\");\nthrow \"boom\""))
        .await
        .unwrap();
    match result.outcome {
        Err(ScriptError::Runtime { message, position }) => {
            assert!(message.contains("boom"), "{message}");
            assert_eq!(position.unwrap().line, 2);
        }
        other => panic!("expected a runtime error, got {other:?}"),
    }
    assert_eq!(result.logs.len(), 1);
    assert_eq!(result.logs[0].message, "w");

    let result = remote
        .invoke(invocation("#{ path: request.path, ctx: ctx.request_id }"))
        .await
        .unwrap();
    let response = result.outcome.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        String::from_utf8(response.body).unwrap(),
        r#"{"ctx":"req-1","path":"/x"}"#
    );

    let checked = remote.check("let x = ;", &Limits::default()).await.unwrap();
    match checked {
        Err(ScriptError::Compile { position, .. }) => assert_eq!(position.unwrap().column, 9),
        other => panic!("expected a compile error, got {other:?}"),
    }

    drop(process);
    let down = remote.invoke(invocation("1")).await;
    assert!(
        matches!(down, Err(ExecutorError::Unavailable { .. })),
        "{down:?}"
    );
    assert!(RemoteExecutor::new("ftp://x").is_err());
}
