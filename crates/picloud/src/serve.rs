//! `picloud serve`: manager, orchestrator and executor in one process.
//!
//! One listener serves the admin API (`/api/v1/admin`), the execute API
//! and user routes (the orchestrator), `/healthz`, `/version` and
//! `/metrics`. Shutdown (SIGTERM/SIGINT) stops accepting, lets in-flight
//! requests finish for a bounded time, then flushes the invocation log.

use std::sync::Arc;

use anyhow::Context;
use axum::Json;
use axum::routing::get;
use picloud_host::{Executor, HostConfig, WIT_CONTRACT_VERSION};
use picloud_manager_core::api::ADMIN_API_VERSION;
use picloud_manager_core::store::{Store, StoreLocation};
use picloud_manager_core::{Manager, Settings};
use picloud_orchestrator_core::{EXECUTE_API_VERSION, Orchestrator, RemoteExecutor};
use picloud_shared::{ExecutorClient, SCRIPTING_CONTRACT_VERSION};
use serde_json::json;

use crate::config::{ServeArgs, ServeConfig};

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Settings first: a bad flag fails before anything starts.
    let config = args.resolve(Settings::default().ceiling)?;
    let ServeConfig {
        listen,
        ref data_dir,
        ..
    } = config;
    let settings = Settings {
        max_body_bytes: config.max_upload_bytes,
        limits: config.limits,
        ceiling: config.ceiling,
        ..Settings::default()
    };
    let location = StoreLocation::from_settings(config.database_url.as_deref(), data_dir)?;
    let store = Store::open(&location).await.context("opening the store")?;
    let executor: Arc<dyn ExecutorClient> = match &config.executor_url {
        Some(url) => Arc::new(RemoteExecutor::new(url)?),
        None => {
            let defaults = HostConfig::default();
            let executor = Executor::new(HostConfig {
                cache_dir: Some(data_dir.join("cache")),
                max_instances: config.max_instances.unwrap_or(defaults.max_instances),
                ..defaults
            })
            .await
            .context("starting the executor")?;
            Arc::new(executor)
        }
    };
    let manager = Manager::new(store.clone(), executor.clone(), settings).await?;
    if let Some(token) = manager
        .bootstrap_token(config.admin_token.as_deref())
        .await?
    {
        eprintln!(
            "Created the first admin token (shown only once; store it now):\n\n    {token}\n"
        );
    }
    let orchestrator = Orchestrator::new(
        manager.clone(),
        manager.clone(),
        executor,
        picloud_orchestrator_core::Settings {
            max_body_bytes: config.max_request_bytes,
            ..Default::default()
        },
    );

    let version = json!({
        "picloud": env!("CARGO_PKG_VERSION"),
        "admin_api": ADMIN_API_VERSION,
        "execute_api": EXECUTE_API_VERSION,
        "wit_contract": WIT_CONTRACT_VERSION,
        "scripting_contract": SCRIPTING_CONTRACT_VERSION,
        "public_base_url": config.public_base_url,
    });
    let app = axum::Router::new()
        .merge(manager.router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/version", get(move || async move { Json(version) }))
        .merge(crate::dashboard::router())
        .merge(orchestrator.router());
    let app = orchestrator.edge(app);

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    eprintln!("PiCloud listening on http://{}", listener.local_addr()?);
    tracing::info!(%listen, executor = config.executor_url.as_deref().unwrap_or("in-process"), "serving");

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    shutdown_signal().await;
    eprintln!("PiCloud shutting down: finishing in-flight requests");
    let _ = stop_tx.send(());
    match tokio::time::timeout(config.shutdown_timeout, server).await {
        Ok(joined) => joined.context("the server task")??,
        Err(_) => tracing::warn!(
            timeout = ?config.shutdown_timeout,
            "in-flight requests did not finish in time; closing anyway"
        ),
    }
    orchestrator.shutdown().await;
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
