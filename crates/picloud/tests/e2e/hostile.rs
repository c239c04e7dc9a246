//! Hostile scripts through HTTP: a clean 5xx each, and the server keeps
//! serving everyone else.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::common::{Server, get, hostile, invocations, send};

/// A loop with no operation limit: only the wall-clock deadline stops it.
const SPIN: &str = "let i = 0; loop { i += 1; }";

async fn set_limits(server: &Server, script_id: &str, limits: serde_json::Value) {
    let reply = send(
        server
            .admin(Method::PUT, &format!("/scripts/{script_id}/limits"))
            .json(&json!({ "limits": limits })),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_script_ends_in_its_clean_error() {
    let server = Server::start(&[]);
    for (fixture, code, limit) in [
        ("endless_loop", "limit_exceeded", Some("operations")),
        ("string_doubling", "limit_exceeded", Some("string_size")),
        ("huge_array", "limit_exceeded", Some("array_size")),
        ("deep_recursion", "limit_exceeded", Some("call_levels")),
        ("huge_response", "limit_exceeded", Some("array_size")),
        ("log_flood", "limit_exceeded", Some("log_lines")),
        ("sleep", "script_error", None),
    ] {
        let id = server.deploy(fixture, &hostile(fixture), &[&format!("GET /{fixture}")]);
        let reply = get(server.url(&format!("/{fixture}"))).await;
        assert_eq!(reply.status, 500, "{fixture}: {}", reply.text());
        let error = reply.json()["error"].clone();
        assert_eq!(error["code"], code, "{fixture}");
        assert_eq!(error["request_id"], reply.header("x-request-id").unwrap());
        // The owner sees exactly which limit fired.
        let logged = invocations(&server, &id, 1).await;
        assert_eq!(logged[0]["status"], 500);
        match limit {
            Some(limit) => assert_eq!(logged[0]["error"]["limit"], limit, "{fixture}"),
            None => assert_eq!(logged[0]["error"]["kind"], "runtime", "{fixture}"),
        }
    }
    // Too deep to even compile: refused at deploy, with the limit named.
    let file = server.data_dir.join("nested.rhai");
    std::fs::write(&file, hostile("nested_parens")).unwrap();
    let output = server.cli(&["deploy", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("max_expr_depth"));
    // And the server is fine.
    assert_eq!(get(server.url("/healthz")).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_runaway_scripts_do_not_stop_well_behaved_requests() {
    let server = Server::start(&[]);
    let spin = server.deploy("spin", SPIN, &["GET /spin"]);
    set_limits(
        &server,
        &spin,
        json!({"max_operations": 0, "timeout_ms": 1000}),
    )
    .await;
    server.deploy("ok", "#{ ok: true }", &["GET /ok"]);

    let started = Instant::now();
    let runaways: Vec<_> = (0..4)
        .map(|_| tokio::spawn(get(server.url("/spin"))))
        .collect();
    // While the four spin, requests keep being answered.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut served = 0;
    while started.elapsed() < Duration::from_millis(900) {
        let reply = get(server.url("/ok")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        served += 1;
    }
    assert!(
        served >= 5,
        "only {served} requests were served beside the runaways"
    );
    for runaway in runaways {
        let reply = runaway.await.unwrap();
        assert_eq!(reply.status, 504);
        assert_eq!(reply.json()["error"]["code"], "timeout");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(10),
        "runaways took {elapsed:?}"
    );
    let logged = invocations(&server, &spin, 4).await;
    assert!(logged.iter().all(|i| i["error"]["limit"] == "timeout"));

    // Limit kills show in the metrics.
    let metrics = get(server.url("/metrics")).await.text();
    assert!(
        metrics.contains(r#"picloud_limit_kills_total{limit="timeout_ms"} 4"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"picloud_invocations_total{script="spin",outcome="limit"} 4"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pool_is_a_fast_503_with_retry_after() {
    let server = Server::start(&["--max-instances", "2"]);
    let spin = server.deploy("spin", SPIN, &["GET /spin"]);
    set_limits(
        &server,
        &spin,
        json!({"max_operations": 0, "timeout_ms": 1500}),
    )
    .await;
    server.deploy("ok", "\"fine\"", &["GET /ok"]);

    let runaways: Vec<_> = (0..2)
        .map(|_| tokio::spawn(get(server.url("/spin"))))
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reply = get(server.url("/ok")).await;
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(reply.json()["error"]["code"], "busy");
    for runaway in runaways {
        assert_eq!(runaway.await.unwrap().status, 504);
    }
    // Slots come back.
    assert_eq!(get(server.url("/ok")).await.text(), "fine");
}
