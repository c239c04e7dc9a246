//! The scripting contract (docs/scripting.md), row by row.

use picloud_shared::{
    ExecutorClient, HttpRequest, HttpResponse, Limits, LogLevel, Position, ScriptError,
};
use serde_json::{Value, json};

use crate::common::{executor, get, run, run_on};

async fn respond(source: &str) -> HttpResponse {
    let result = run(source).await;
    result
        .outcome
        .unwrap_or_else(|e| panic!("{source:?} failed: {e}"))
}

fn json_body(response: &HttpResponse) -> Value {
    assert_eq!(response.header("content-type"), Some("application/json"));
    serde_json::from_slice(&response.body).expect("the body is JSON")
}

#[tokio::test]
async fn a_string_is_200_plain_text() {
    let response = respond(r#""hello""#).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(response.body, b"hello");
}

#[tokio::test]
async fn a_response_map_sets_status_headers_and_body() {
    let response = respond(
        r#"#{ status: 201, headers: #{ "X-Thing": "yes", "Retry-After": 3 }, body: "made" }"#,
    )
    .await;
    assert_eq!(response.status, 201);
    assert_eq!(response.header("x-thing"), Some("yes"));
    assert_eq!(response.header("retry-after"), Some("3"));
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(response.body, b"made");
}

#[tokio::test]
async fn a_map_or_array_body_is_json() {
    let response = respond(r#"#{ status: 202, body: #{ ok: true, items: [1, 2] } }"#).await;
    assert_eq!(response.status, 202);
    assert_eq!(json_body(&response), json!({"ok": true, "items": [1, 2]}));

    let response = respond(r#"#{ body: [1, "two"] }"#).await;
    assert_eq!(response.status, 200);
    assert_eq!(json_body(&response), json!([1, "two"]));
}

#[tokio::test]
async fn an_explicit_content_type_is_kept() {
    let response =
        respond(r#"#{ headers: #{ "content-type": "text/html" }, body: "<p>hi</p>" }"#).await;
    assert_eq!(response.header("content-type"), Some("text/html"));
    assert_eq!(response.body, b"<p>hi</p>");
}

#[tokio::test]
async fn status_only_is_an_empty_body() {
    let response = respond(r#"#{ status: 404 }"#).await;
    assert_eq!(response.status, 404);
    assert!(response.body.is_empty());
    assert_eq!(response.header("content-type"), None);
}

#[tokio::test]
async fn other_maps_arrays_numbers_and_bools_are_json() {
    for (source, expected) in [
        (
            r#"#{ name: "ada", tags: ["x"] }"#,
            json!({"name": "ada", "tags": ["x"]}),
        ),
        ("[1, 2, 3]", json!([1, 2, 3])),
        ("42", json!(42)),
        ("1.5", json!(1.5)),
        ("true", json!(true)),
    ] {
        let response = respond(source).await;
        assert_eq!(response.status, 200, "{source}");
        assert_eq!(json_body(&response), expected, "{source}");
    }
}

#[tokio::test]
async fn unit_is_204() {
    let response = respond("let x = 1;").await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    assert!(response.headers.is_empty());
}

#[tokio::test]
async fn a_blob_is_octet_stream() {
    let response = respond("let b = blob(3, 7); b").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(response.body, [7, 7, 7]);
}

#[tokio::test]
async fn a_thrown_error_is_a_runtime_error_with_its_position() {
    let result = run("let a = 1;\nlet b = 2;\n  throw \"broken\";").await;
    match result.outcome {
        Err(ScriptError::Runtime { message, position }) => {
            assert!(message.contains("broken"), "{message}");
            assert_eq!(position, Some(Position { line: 3, column: 3 }));
        }
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_error_inside_a_function_points_at_the_failing_line() {
    let result = run("fn inner(x) {\n  x.no_such_method()\n}\ninner(1)").await;
    match result.outcome {
        Err(ScriptError::Runtime { message, position }) => {
            assert!(message.contains("no_such_method"), "{message}");
            assert!(message.contains("in call to 'inner'"), "{message}");
            assert_eq!(position.map(|p| p.line), Some(2));
        }
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_syntax_error_is_a_compile_error_with_line_and_column() {
    let result = run("let x = 1;\nlet y = ;").await;
    match result.outcome {
        Err(ScriptError::Compile { message, position }) => {
            assert!(!message.is_empty());
            assert_eq!(position, Some(Position { line: 2, column: 9 }));
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[tokio::test]
async fn values_that_cannot_be_responses_are_rejected_clearly() {
    for (source, needle) in [
        (r#"#{ status: "ok" }"#, "`status` must be an integer"),
        ("#{ status: 99 }", "between 100 and 599"),
        (
            r#"#{ status: 200, headers: "x" }"#,
            "`headers` must be a map",
        ),
        (
            r#"#{ body: "x", colour: "red" }"#,
            "unknown response field `colour`",
        ),
        (
            r#"#{ headers: #{ "bad name": "x" } }"#,
            "invalid header name",
        ),
        (r#"#{ headers: #{ "x-a": "1\r\nx-b: 2" } }"#, "line break"),
        ("Fn(\"nothing\")", "cannot be a response body"),
    ] {
        match run(source).await.outcome {
            Err(ScriptError::InvalidResponse { message }) => {
                assert!(message.contains(needle), "{source}: {message}")
            }
            other => panic!("{source}: expected an invalid response, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_request_arrives_as_documented() {
    let request = HttpRequest {
        method: "POST".into(),
        path: "/users/42".into(),
        params: vec![("id".into(), "42".into())],
        query: vec![("q".into(), "rust".into()), ("page".into(), "2".into())],
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-multi".into(), "a".into()),
            ("x-multi".into(), "b".into()),
        ],
        body: br#"{"name":"Ada","age":36}"#.to_vec(),
    };
    let source = r#"#{
        method: request.method,
        path: request.path,
        id: request.params.id,
        query: request.query,
        ctype: request.headers["content-type"],
        multi: request.headers["x-multi"],
        raw: request.body,
        name: request.json.name,
        age: request.json.age + 1,
        ctx: ctx,
    }"#;
    let result = run_on(executor().await, source, request, Limits::default()).await;
    let response = result.outcome.expect("runs");
    assert_eq!(
        json_body(&response),
        json!({
            "method": "POST",
            "path": "/users/42",
            "id": "42",
            "query": {"q": "rust", "page": "2"},
            "ctype": "application/json",
            "multi": "a, b",
            "raw": r#"{"name":"Ada","age":36}"#,
            "name": "Ada",
            "age": 37,
            "ctx": {"script_id": "script-1", "script_name": "test", "version": 3, "request_id": "req-test"},
        })
    );
}

#[tokio::test]
async fn json_is_unit_when_the_body_is_not_json() {
    let mut request = get("/");
    request.body = b"plain words".to_vec();
    let source = r#"#{ is_unit: request.json == (), raw: request.body }"#;
    let response = run_on(executor().await, source, request, Limits::default())
        .await
        .outcome
        .unwrap();
    assert_eq!(
        json_body(&response),
        json!({"is_unit": true, "raw": "plain words"})
    );
    let response = respond("#{ empty: request.json == () }").await;
    assert_eq!(json_body(&response), json!({"empty": true}));
}

#[tokio::test]
async fn logs_are_captured_in_order_with_levels_and_positions() {
    let source = "print(\"one\");\ndebug(\"two\");\nlog::info(\"three\");\nlog::warn(#{ n: 4 });\nlog::error(\"five\");\ndebug(6);\n\"done\"";
    let result = run(source).await;
    assert!(result.outcome.is_ok());
    let seen: Vec<(LogLevel, &str, Option<u32>)> = result
        .logs
        .iter()
        .map(|l| (l.level, l.message.as_str(), l.position.map(|p| p.line)))
        .collect();
    assert_eq!(
        seen,
        vec![
            (LogLevel::Info, "one", None),
            (LogLevel::Debug, "\"two\"", Some(2)),
            (LogLevel::Info, "three", Some(3)),
            (LogLevel::Warn, "#{\"n\": 4}", Some(4)),
            (LogLevel::Error, "five", Some(5)),
            (LogLevel::Debug, "6", Some(6)),
        ]
    );
    let times: Vec<u64> = result.logs.iter().map(|l| l.elapsed_us).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[tokio::test]
async fn logs_survive_a_failing_script() {
    let result = run("log::info(\"before\");\nthrow \"after\";").await;
    assert!(matches!(result.outcome, Err(ScriptError::Runtime { .. })));
    assert_eq!(result.logs.len(), 1);
    assert_eq!(result.logs[0].message, "before");
}

#[tokio::test]
async fn check_compiles_without_running() {
    let executor = executor().await;
    let limits = Limits::default();
    let ok = executor
        .check("log::info(\"never\"); loop {}", &limits)
        .await
        .expect("check runs");
    assert_eq!(ok, Ok(()));
    let bad = executor
        .check("fn f( {", &limits)
        .await
        .expect("check runs");
    match bad {
        Err(ScriptError::Compile { position, .. }) => {
            assert_eq!(position.map(|p| p.line), Some(1))
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[tokio::test]
async fn fuel_and_duration_are_reported() {
    let result = run(crate::common::HELLO).await;
    assert!(result.fuel_consumed.unwrap() > 0);
    assert!(result.duration_us > 0);
}
