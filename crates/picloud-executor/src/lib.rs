//! The executor as an HTTP service, for orchestrators that run scripts
//! through a remote `ExecutorClient` (`picloud-orchestrator-core`'s
//! `RemoteExecutor`). The wire protocol is
//! [`picloud_shared::executor::wire`]: JSON in, a JSON `Result` out.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::sync::Arc;
//! use picloud_host::{Executor, HostConfig};
//!
//! let executor = Executor::new(HostConfig::default()).await?;
//! let app = picloud_executor::router(Arc::new(executor));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use picloud_shared::executor::wire::{CHECK_PATH, CheckRequest, INVOKE_PATH};
use picloud_shared::{ExecutorClient, ExecutorError, Invocation, InvocationResult, ScriptError};

/// Largest request: a script, a request body and their JSON/base64
/// overhead, well within what an orchestrator sends.
const MAX_REQUEST_BYTES: usize = 64 << 20;

type Shared = Arc<dyn ExecutorClient>;

/// `POST /v1/invoke`, `POST /v1/check` and `GET /healthz` over `executor`.
pub fn router(executor: Shared) -> Router {
    Router::new()
        .route(INVOKE_PATH, post(invoke))
        .route(CHECK_PATH, post(check))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(executor)
}

async fn invoke(
    State(executor): State<Shared>,
    Json(invocation): Json<Invocation>,
) -> Json<Result<InvocationResult, ExecutorError>> {
    Json(executor.invoke(invocation).await)
}

async fn check(
    State(executor): State<Shared>,
    Json(request): Json<CheckRequest>,
) -> Json<Result<Result<(), ScriptError>, ExecutorError>> {
    Json(executor.check(&request.source, &request.limits).await)
}
