//! A real `picloud serve` (the release binary next to this one) and the
//! admin calls the benchmark needs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub const TOKEN: &str = "pic_bench_token_000000000000000000000000000000000000000000000000";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running child process serving HTTP.
pub struct Process {
    pub child: Child,
    pub base: String,
}

impl Process {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `/healthz` answers; the time it took.
    pub async fn wait_healthy(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let client = reqwest::Client::new();
        while started.elapsed() < Duration::from_secs(120) {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(started.elapsed());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited: {status}", self.base);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        bail!("{} did not become healthy", self.base)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `picloud` binary built beside this one.
pub fn picloud_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name("picloud");
    if !path.exists() {
        bail!(
            "{} is missing: build it with `cargo build --release -p picloud`",
            path.display()
        );
    }
    Ok(path)
}

/// Starts `picloud serve` on `data_dir` (which may hold a compiled guest).
pub fn start_picloud(data_dir: &Path) -> anyhow::Result<Process> {
    let port = free_port();
    let child = Command::new(picloud_binary()?)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .env("PICLOUD_ADMIN_TOKEN", TOKEN)
        .env("PICLOUD_LOG", "error")
        .env_remove("PICLOUD_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting picloud serve")?;
    Ok(Process {
        child,
        base: format!("http://127.0.0.1:{port}"),
    })
}

/// Starts this binary as a baseline server (`native` or `process`).
pub fn start_baseline(kind: &str, script: &str) -> anyhow::Result<Process> {
    let port = free_port();
    let child = Command::new(std::env::current_exe()?)
        .args([
            "baseline",
            kind,
            script,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .spawn()?;
    Ok(Process {
        child,
        base: format!("http://127.0.0.1:{port}"),
    })
}

/// Admin calls.
#[derive(Clone)]
pub struct Admin {
    base: String,
    client: reqwest::Client,
}

impl Admin {
    pub fn new(base: &str) -> Self {
        Admin {
            base: format!("{base}/api/v1/admin"),
            client: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status} {value}");
        }
        Ok(value)
    }

    /// Creates a script bound to `GET|POST path`; its id.
    pub async fn deploy(
        &self,
        name: &str,
        source: &str,
        method: &str,
        path: &str,
    ) -> anyhow::Result<String> {
        let script = self
            .call(
                reqwest::Method::POST,
                "/scripts",
                json!({"name": name, "source": source}),
            )
            .await?;
        let id = script["id"].as_str().context("script id")?.to_owned();
        self.call(
            reqwest::Method::POST,
            &format!("/scripts/{id}/routes"),
            json!({"method": method, "path": path}),
        )
        .await?;
        Ok(id)
    }

    /// Sets per-script limits.
    pub async fn limits(&self, id: &str, limits: Value) -> anyhow::Result<()> {
        self.call(
            reqwest::Method::PUT,
            &format!("/scripts/{id}/limits"),
            json!({ "limits": limits }),
        )
        .await?;
        Ok(())
    }
}
