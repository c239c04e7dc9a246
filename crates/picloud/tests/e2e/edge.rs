//! Limits at the edge and PiCloud's own paths.

use reqwest::Method;

use crate::common::{Server, client, get, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_headers_unknown_paths_and_methods_get_their_errors() {
    let server = Server::start(&["--max-request-bytes", "1024"]);
    server.deploy("echo", "request.body.len()", &["POST /echo", "PUT /echo"]);

    let reply = send(client().post(server.url("/echo")).body("x".repeat(1000))).await;
    assert_eq!(reply.text(), "1000");
    let reply = send(client().post(server.url("/echo")).body("x".repeat(2048))).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json()["error"]["code"], "payload_too_large");
    // A chunked body without a length is cut off at the cap too.
    let chunks =
        futures_util::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 512])));
    let reply = send(
        client()
            .post(server.url("/echo"))
            .body(reqwest::Body::wrap_stream(chunks)),
    )
    .await;
    assert_eq!(reply.status, 413);

    let reply = get(server.url("/nowhere")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"]["code"], "route_not_found");
    assert!(reply.header("x-request-id").is_some());

    let reply = get(server.url("/echo")).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST, PUT"));
    assert_eq!(reply.json()["error"]["code"], "method_not_allowed");

    let mut request = client().get(server.url("/echo"));
    for i in 0..80 {
        request = request.header(format!("x-h{i}"), "v");
    }
    let reply = send(request).await;
    assert_eq!(reply.status, 431);
    assert_eq!(reply.json()["error"]["code"], "headers_too_large");

    // Reserved paths are PiCloud's: no script can take them, and they
    // answer as PiCloud does.
    for path in ["/healthz", "/metrics", "/api/x", "/admin/x", "/version"] {
        let reply = send(
            server
                .admin(Method::POST, "/routes/check")
                .json(&serde_json::json!({"method": "GET", "path": path})),
        )
        .await;
        assert_eq!(reply.json()["ok"], false, "{path}");
    }
    assert_eq!(get(server.url("/api/v1/admin/scripts")).await.status, 401);
    assert_eq!(
        get(server.url("/api/v1/execute/no-such-id")).await.status,
        404
    );
    let metrics = get(server.url("/metrics")).await;
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .contains("openmetrics")
    );
    assert!(
        metrics
            .text()
            .contains("picloud_executor_pool_capacity 256")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_file_sets_limits_and_flags_win() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("picloud.toml");
    std::fs::write(
        &config,
        "max_request_bytes = 10\npublic_base_url = \"https://fn.example.com/\"\n[limits]\nmax_operations = 500\n",
    )
    .unwrap();
    let server = Server::start(&[
        "--config",
        config.to_str().unwrap(),
        "--max-request-bytes",
        "20",
    ]);
    server.deploy(
        "count",
        "let n = 0; for i in 0..10000 { n += i; } n",
        &["POST /count"],
    );
    let reply = send(client().post(server.url("/count")).body("x".repeat(15))).await;
    assert_eq!(reply.status, 500, "the file's operation limit applies");
    let reply = send(client().post(server.url("/count")).body("x".repeat(25))).await;
    assert_eq!(
        reply.status, 413,
        "the flag's body cap wins over the file's"
    );
    let version = get(server.url("/version")).await.json();
    assert_eq!(version["public_base_url"], "https://fn.example.com");
}
