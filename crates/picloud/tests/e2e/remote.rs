//! `picloud serve --executor-url` with `picloud-executor` as a separate
//! process.

use reqwest::Method;
use serde_json::json;

use crate::common::{ExecutorProcess, Server, get, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_executor_runs_scripts_and_its_absence_is_a_502() {
    let executor = ExecutorProcess::start();
    let server = Server::start(&["--executor-url", &executor.base]);

    // Deploy checks the script on the remote executor: a compile error
    // still comes back with its position.
    let bad = send(
        server
            .admin(Method::POST, "/scripts")
            .json(&json!({"name": "bad", "source": "let x = ;"})),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["line"], 1);

    let id = server.deploy(
        "greet",
        "log::info(\"remote\"); #{ hi: request.query.name, raw: request.body }",
        &["POST /greet"],
    );
    let reply = send(
        crate::common::client()
            .post(server.url("/greet?name=ada"))
            .body(vec![0xffu8, b'a']),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json(), json!({"hi": "ada", "raw": "\u{fffd}a"}));
    crate::common::invocations(&server, &id, 1).await;
    let logs = server.cli_ok(&["logs", "greet"]);
    assert!(logs.contains("[info] remote"), "{logs}");

    // Limits travel with the invocation.
    let spin = server.deploy("spin", "loop {}", &["GET /spin"]);
    let reply = get(server.url("/spin")).await;
    assert_eq!(reply.json()["error"]["code"], "limit_exceeded");
    let _ = spin;

    executor.kill();
    let reply = send(crate::common::client().post(server.url("/greet"))).await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.json()["error"]["code"], "executor_unavailable");
    // The rest of the server keeps serving.
    assert_eq!(get(server.url("/healthz")).await.status, 200);
    let listed = send(server.admin(Method::GET, &format!("/scripts/{id}"))).await;
    assert_eq!(listed.status, 200);
    server.stop();
}
