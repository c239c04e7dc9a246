//! PiCloud's per-node ingress.
//!
//! The orchestrator turns an HTTP request into a script invocation: it
//! matches the request against the user routes (or takes a script id from
//! `/api/v1/execute/{id}`), finds the script's deployment in its
//! [`CatalogCache`], runs it through an [`ExecutorClient`], maps the result
//! to a response and queues the invocation record for the
//! [`InvocationLog`]. It holds no state of its own: scripts and routes come
//! from a [`Catalog`] (the manager, in-process or remote), compute from an
//! executor (in-process or [`RemoteExecutor`]).
//!
//! ```no_run
//! # async fn demo(
//! #     catalog: std::sync::Arc<dyn picloud_shared::catalog::Catalog>,
//! #     log: std::sync::Arc<dyn picloud_shared::catalog::InvocationLog>,
//! #     executor: std::sync::Arc<dyn picloud_shared::ExecutorClient>,
//! # ) {
//! use picloud_orchestrator_core::{Orchestrator, Settings};
//!
//! let orchestrator = Orchestrator::new(catalog, log, executor, Settings::default());
//! let app = orchestrator.router(); // `/api/v1/execute/{id}`, `/metrics`, user routes
//! # let _ = app;
//! orchestrator.shutdown().await; // flush the invocation log
//! # }
//! ```

mod cache;
pub mod edge;
mod error;
mod ingress;
mod log_sink;
mod metrics;
mod remote;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use picloud_shared::ExecutorClient;
use picloud_shared::catalog::{Catalog, InvocationLog};

pub use cache::CatalogCache;
pub use error::PublicError;
pub use log_sink::{LogSink, LogSinkSettings};
pub use metrics::Metrics;
pub use remote::{RemoteExecutor, RemoteExecutorError};

/// Version of the execute API (`/api/v1/execute/{id}` and user routes),
/// reported by `/version`.
pub const EXECUTE_API_VERSION: &str = "1.0";

/// Ingress settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Largest request body a script may receive, in bytes.
    pub max_body_bytes: usize,
    /// Caps on request headers.
    pub headers: edge::HeaderCaps,
    /// Batching of the invocation log.
    pub log: LogSinkSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: 1 << 20,
            headers: edge::HeaderCaps::default(),
            log: LogSinkSettings::default(),
        }
    }
}

/// The ingress of one node.
pub struct Orchestrator {
    cache: Arc<CatalogCache>,
    executor: Arc<dyn ExecutorClient>,
    log: LogSink,
    metrics: Arc<Metrics>,
    settings: Settings,
}

impl std::fmt::Debug for Orchestrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orchestrator")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Orchestrator {
    /// An orchestrator over `catalog`, logging to `log` and running scripts
    /// on `executor`. Starts the log writer on the current Tokio runtime.
    pub fn new(
        catalog: Arc<dyn Catalog>,
        log: Arc<dyn InvocationLog>,
        executor: Arc<dyn ExecutorClient>,
        settings: Settings,
    ) -> Arc<Self> {
        let metrics = Arc::new(Metrics::default());
        Arc::new(Orchestrator {
            cache: CatalogCache::new(catalog),
            executor,
            log: LogSink::start(log, settings.log, metrics.clone()),
            metrics,
            settings,
        })
    }

    /// `/api/v1/execute/{id}` (any method), `/metrics`, and every other
    /// path as a user route (fallback). Merge PiCloud's own routes beside
    /// it, then wrap everything in [`Orchestrator::edge`].
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/api/v1/execute/{id}", any(ingress::execute))
            .route("/metrics", get(metrics))
            .fallback(ingress::user_route)
            .with_state(self.clone())
    }

    /// Wraps a whole server: header caps, then the request id on every
    /// response.
    pub fn edge(&self, app: Router) -> Router {
        app.layer(axum::middleware::from_fn_with_state(
            self.settings.headers,
            edge::header_caps,
        ))
        .layer(axum::middleware::from_fn(edge::request_id))
    }

    /// Stops taking invocation records and writes every queued one.
    pub async fn shutdown(&self) {
        self.log.flush_and_close().await;
    }
}

async fn metrics(State(orchestrator): State<Arc<Orchestrator>>) -> impl IntoResponse {
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        orchestrator.metrics.encode(&orchestrator.executor),
    )
}
