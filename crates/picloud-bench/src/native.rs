//! The baselines: the same scripts in native, in-process Rhai with a fresh
//! `Engine` per request, and in a fresh process per request, each behind
//! an axum server as small as PiCloud's ingress.

use std::io::Write;
use std::net::SocketAddr;
use std::process::Stdio;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rhai::{Dynamic, Engine, Map, Scope};

/// Runs `source` once in a fresh engine, with PiCloud's default operation
/// limits, against a request map; the result as JSON text.
pub fn run_once(source: &str, path: &str, body: &str) -> Result<String, String> {
    let mut engine = Engine::new();
    engine.set_max_operations(5_000_000);
    engine.set_max_call_levels(64);
    engine.set_max_expr_depths(64, 32);
    engine.set_max_string_size(1 << 20);
    engine.set_max_array_size(10_000);
    engine.set_max_map_size(10_000);
    let mut request = Map::new();
    request.insert("method".into(), "GET".into());
    request.insert("path".into(), path.into());
    request.insert("body".into(), body.into());
    let json = if body.is_empty() {
        Dynamic::UNIT
    } else {
        engine
            .parse_json(body, true)
            .map(Dynamic::from)
            .unwrap_or(Dynamic::UNIT)
    };
    request.insert("json".into(), json);
    let mut scope = Scope::new();
    scope.push("request", request);
    let value: Dynamic = engine
        .eval_with_scope(&mut scope, source)
        .map_err(|e| e.to_string())?;
    serde_json::to_string(&value).map_err(|e| e.to_string())
}

#[derive(Clone)]
struct Baseline {
    source: &'static str,
    process: bool,
}

/// Serves `source` natively at every path: in-process with a fresh engine
/// per request, or (with `process`) by running `picloud-bench rhai-once`
/// per request.
pub async fn serve(listen: SocketAddr, source: &'static str, process: bool) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(handle)
        .with_state(Baseline { source, process });
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn handle(State(baseline): State<Baseline>, uri: Uri, body: Bytes) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    let path = uri.path().to_owned();
    let result = if baseline.process {
        spawn_once(baseline.source, &path, &body).await
    } else {
        // Off the async workers, as PiCloud's executor is.
        let source = baseline.source;
        tokio::task::spawn_blocking(move || run_once(source, &path, &body))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    };
    match result {
        Ok(json) => ([("content-type", "application/json")], json).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

async fn spawn_once(source: &str, path: &str, body: &str) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(exe)
        .args(["rhai-once", "--path", path])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut input = source.as_bytes().to_vec();
    input.push(0);
    input.extend_from_slice(body.as_bytes());
    if let Some(mut stdin) = child.stdin.take() {
        use tokio::io::AsyncWriteExt;
        stdin.write_all(&input).await.map_err(|e| e.to_string())?;
    }
    let output = child.wait_with_output().await.map_err(|e| e.to_string())?;
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

/// `picloud-bench rhai-once`: reads `source\0body` on stdin, prints JSON.
pub fn rhai_once(path: &str) -> anyhow::Result<()> {
    let mut input = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)?;
    let split = input.iter().position(|&b| b == 0).unwrap_or(input.len());
    let source = String::from_utf8_lossy(&input[..split]);
    let body = String::from_utf8_lossy(input.get(split + 1..).unwrap_or_default());
    let json = run_once(&source, path, &body).map_err(anyhow::Error::msg)?;
    std::io::stdout().write_all(json.as_bytes())?;
    Ok(())
}
