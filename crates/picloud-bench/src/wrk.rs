//! Load from `wrk` (Debian's package), with a Lua hook that reports the
//! percentiles wrk's summary leaves out (p99.9) as one JSON line.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

/// What one wrk run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Load {
    pub requests: u64,
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    /// Responses that were not 2xx, plus socket errors.
    pub errors: u64,
}

const REPORT: &str = r#"
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    "PICLOUD_BENCH {\"requests\":%d,\"seconds\":%f,\"p50\":%f,\"p99\":%f,\"p999\":%f,\"errors\":%d}\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), errors))
end
"#;

const POST: &str = r#"
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = os.getenv("PICLOUD_BENCH_BODY")
"#;

/// Runs wrk against `url` with `connections` for `duration`.
pub fn run(
    url: &str,
    connections: u32,
    duration: Duration,
    body: Option<&str>,
    dir: &Path,
) -> anyhow::Result<Load> {
    let script = dir.join(if body.is_some() {
        "post.lua"
    } else {
        "get.lua"
    });
    let lua = match body {
        Some(_) => format!("{POST}\n{REPORT}"),
        None => REPORT.to_owned(),
    };
    std::fs::write(&script, lua)?;
    let threads = connections.clamp(1, 2);
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(&script)
        .arg(url)
        .env("PICLOUD_BENCH_BODY", body.unwrap_or(""))
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PICLOUD_BENCH "))
    else {
        bail!(
            "wrk did not report: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let v: serde_json::Value = serde_json::from_str(line)?;
    let requests = v["requests"].as_u64().unwrap_or(0);
    Ok(Load {
        requests,
        rps: requests as f64 / v["seconds"].as_f64().unwrap_or(1.0),
        p50_us: v["p50"].as_f64().unwrap_or(0.0),
        p99_us: v["p99"].as_f64().unwrap_or(0.0),
        p999_us: v["p999"].as_f64().unwrap_or(0.0),
        errors: v["errors"].as_u64().unwrap_or(0),
    })
}
