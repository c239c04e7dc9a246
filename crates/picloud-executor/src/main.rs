//! `picloud-executor`: runs scripts for remote orchestrators.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use picloud_host::{Executor, HostConfig};

/// Serves PiCloud's executor over HTTP (no authentication: bind it to a
/// private address).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(
        long,
        env = "PICLOUD_EXECUTOR_LISTEN",
        default_value = "127.0.0.1:8081"
    )]
    listen: SocketAddr,
    /// Directory for the compiled-guest cache.
    #[arg(
        long,
        env = "PICLOUD_CACHE_DIR",
        default_value = "./picloud-data/cache"
    )]
    cache_dir: PathBuf,
    /// Concurrent invocations at most (instance pool size); more are
    /// refused at once as busy.
    #[arg(long, env = "PICLOUD_MAX_INSTANCES")]
    max_instances: Option<u32>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PICLOUD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let defaults = HostConfig::default();
    let executor = Executor::new(HostConfig {
        cache_dir: Some(args.cache_dir),
        max_instances: args.max_instances.unwrap_or(defaults.max_instances),
        ..defaults
    })
    .await
    .context("starting the executor")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    eprintln!(
        "picloud-executor listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, picloud_executor::router(Arc::new(executor)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
