//! The scripting contract through real HTTP: what goes in, what comes out.

use serde_json::json;

use crate::common::{Server, client, get, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_contract_over_http() {
    let server = Server::start(&[]);
    let rows: &[(&str, &str)] = &[
        ("/text", r#""hello""#),
        (
            "/made",
            r#"#{ status: 201, headers: #{ "X-Thing": "yes" }, body: "made" }"#,
        ),
        (
            "/json-body",
            r#"#{ status: 202, body: #{ ok: true, items: [1, 2] } }"#,
        ),
        ("/map", r#"#{ name: "ada", tags: ["x"] }"#),
        ("/array", "[1, 2, 3]"),
        ("/number", "42"),
        ("/bool", "true"),
        ("/unit", "let x = 1;"),
        ("/blob", "let b = blob(3, 7); b"),
        ("/throw", "let a = 1;\nthrow \"broken\";"),
        (
            "/html",
            r#"#{ headers: #{ "content-type": "text/html" }, body: "<p>hi</p>" }"#,
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (path, source) in rows {
        let name = path.trim_start_matches('/');
        ids.insert(
            *path,
            server.deploy(name, source, &[&format!("GET {path}")]),
        );
    }

    let reply = get(server.url("/text")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(reply.text(), "hello");

    let reply = get(server.url("/made")).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("x-thing"), Some("yes"));
    assert_eq!(reply.text(), "made");

    let reply = get(server.url("/json-body")).await;
    assert_eq!(reply.status, 202);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), json!({"ok": true, "items": [1, 2]}));

    for (path, expected) in [
        ("/map", json!({"name": "ada", "tags": ["x"]})),
        ("/array", json!([1, 2, 3])),
        ("/number", json!(42)),
        ("/bool", json!(true)),
    ] {
        let reply = get(server.url(path)).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{path}"
        );
        assert_eq!(reply.json(), expected, "{path}");
    }

    let reply = get(server.url("/unit")).await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());

    let reply = get(server.url("/blob")).await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(reply.body, [7, 7, 7]);

    let reply = get(server.url("/html")).await;
    assert_eq!(reply.header("content-type"), Some("text/html"));

    // A thrown error: a generic 500 for the caller, with the request id
    // that finds the full error in the log.
    let reply = get(server.url("/throw")).await;
    assert_eq!(reply.status, 500);
    let error = reply.json()["error"].clone();
    assert_eq!(error["code"], "script_error");
    assert!(
        !error["message"].as_str().unwrap().contains("broken"),
        "no detail leaks: {error}"
    );
    let request_id = reply.header("x-request-id").unwrap();
    assert_eq!(error["request_id"], request_id);
    crate::common::invocations(&server, &ids["/throw"], 1).await;
    let logs = server.cli_ok(&["logs", "throw"]);
    assert!(logs.contains(request_id), "{logs}");
    assert!(logs.contains("broken") && logs.contains("line 2"), "{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_reaches_the_script_whole() {
    let server = Server::start(&[]);
    server.deploy(
        "echo",
        r#"#{
            method: request.method,
            path: request.path,
            id: request.params.id,
            rest: request.params.rest,
            query: request.query,
            ctype: request.headers["content-type"],
            custom: request.headers["x-custom"],
            raw: request.body,
            name: request.json.name,
            script: ctx.script_name,
            request_id: ctx.request_id,
        }"#,
        &["POST /users/{id}/{*rest}"],
    );
    let reply = send(
        client()
            .post(server.url("/users/42/a/b?q=rust&page=2"))
            .header("content-type", "application/json")
            .header("X-Custom", "yes")
            .header("x-request-id", "my-request-1")
            .body(r#"{"name":"Ada"}"#),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-request-id"), Some("my-request-1"));
    assert_eq!(
        reply.json(),
        json!({
            "method": "POST",
            "path": "/users/42/a/b",
            "id": "42",
            "rest": "a/b",
            "query": {"q": "rust", "page": "2"},
            "ctype": "application/json",
            "custom": "yes",
            "raw": r#"{"name":"Ada"}"#,
            "name": "Ada",
            "script": "echo",
            "request_id": "my-request-1",
        })
    );
}
