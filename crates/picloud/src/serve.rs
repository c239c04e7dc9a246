//! `picloud serve`: the control plane and the executor in one process.
//!
//! Serves the admin API at `/api/v1/admin`, `/healthz` and `/version`. User
//! routes (the orchestrator) are the next milestone; until then every other
//! path is a JSON 404.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Args;
use picloud_host::{Executor, HostConfig, WIT_CONTRACT_VERSION};
use picloud_manager_core::api::ADMIN_API_VERSION;
use picloud_manager_core::store::{Store, StoreLocation};
use picloud_manager_core::{Manager, Settings};
use picloud_shared::SCRIPTING_CONTRACT_VERSION;
use serde_json::json;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PICLOUD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory of the embedded SQLite store (and the compiled-guest cache).
    #[arg(long, env = "PICLOUD_DATA_DIR", default_value = "./picloud-data")]
    data_dir: PathBuf,
    /// A postgres:// URL: use PostgreSQL instead of the embedded store.
    #[arg(long, env = "PICLOUD_DATABASE_URL")]
    database_url: Option<String>,
    /// The URL users reach this server at (reported by /version).
    #[arg(long, env = "PICLOUD_PUBLIC_BASE_URL")]
    public_base_url: Option<String>,
    /// Largest admin request body (script uploads included), in bytes.
    #[arg(long, env = "PICLOUD_MAX_UPLOAD_BYTES", default_value_t = 1 << 20)]
    max_upload_bytes: usize,
    /// The operator's ceiling for a limit, `NAME=VALUE` (repeatable): no
    /// default or per-script override set through the admin API may exceed it.
    #[arg(long = "limit-ceiling", value_name = "NAME=VALUE")]
    limit_ceilings: Vec<String>,
    /// An admin token to accept (otherwise the first start creates one).
    #[arg(long, env = "PICLOUD_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Settings first: a bad flag fails before anything starts.
    let mut settings = Settings {
        max_body_bytes: args.max_upload_bytes,
        ..Settings::default()
    };
    for assignment in &args.limit_ceilings {
        settings
            .ceiling
            .apply(assignment)
            .context("--limit-ceiling")?;
    }
    let location = StoreLocation::from_settings(args.database_url.as_deref(), &args.data_dir)?;
    let store = Store::open(&location).await.context("opening the store")?;
    let executor = Executor::new(HostConfig {
        cache_dir: Some(args.data_dir.join("cache")),
        ..HostConfig::default()
    })
    .await
    .context("starting the executor")?;
    let manager = Manager::new(store.clone(), Arc::new(executor), settings).await?;
    if let Some(token) = manager.bootstrap_token(args.admin_token.as_deref()).await? {
        eprintln!(
            "Created the first admin token (shown only once; store it now):\n\n    {token}\n"
        );
    }

    let public_base_url = args
        .public_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let version = json!({
        "picloud": env!("CARGO_PKG_VERSION"),
        "admin_api": ADMIN_API_VERSION,
        "wit_contract": WIT_CONTRACT_VERSION,
        "scripting_contract": SCRIPTING_CONTRACT_VERSION,
        "public_base_url": public_base_url,
    });
    let app = axum::Router::new()
        .merge(manager.router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/version", get(move || async move { Json(version) }))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"error": {"code": "route_not_found", "message": "no route matches this request"}})),
            )
                .into_response()
        });

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    eprintln!("PiCloud listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
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
