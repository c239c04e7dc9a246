//! The measurements, in order, all in one run.

use std::time::{Duration, Instant};

use picloud_shared::routing::RouteTable;

use crate::process::{RssSampler, cpu_seconds, rss_bytes};
use crate::scripts;
use crate::server::{Admin, Process, start_baseline, start_picloud};
use crate::wrk::{self, Load};

/// One target under one load.
#[derive(Debug, Clone)]
pub struct Row {
    pub target: String,
    pub connections: u32,
    pub load: Load,
    pub cpu_us_per_request: f64,
    pub peak_rss: u64,
}

/// The deployed-scripts scale: at each count.
#[derive(Debug, Clone)]
pub struct ScaleRow {
    pub scripts: usize,
    pub deploy_p50_ms: f64,
    pub match_p50_ns: f64,
    pub hello_rps: f64,
}

#[derive(Debug, Default)]
pub struct Results {
    pub rows: Vec<Row>,
    pub scale: Vec<ScaleRow>,
    pub idle_rss_before: u64,
    pub peak_rss_256: u64,
    pub idle_rss_after: u64,
    pub cold_start_ms: f64,
    pub deploy_to_live_ms: f64,
    pub seconds: u64,
}

impl Results {
    pub fn find(&self, target: &str, connections: u32) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.target == target && r.connections == connections)
    }
}

/// Load runs of one length, with wrk's scripts in one directory.
struct Runner {
    seconds: Duration,
    dir: std::path::PathBuf,
}

impl Runner {
    async fn load(
        &self,
        process: &Process,
        target: &str,
        path: &str,
        connections: u32,
        body: Option<&str>,
    ) -> anyhow::Result<Row> {
        let (seconds, tmp) = (self.seconds, self.dir.as_path());
        let pid = process.pid();
        let cpu_before = cpu_seconds(pid);
        let sampler = RssSampler::start(pid);
        let url = format!("{}{path}", process.base);
        let body = body.map(str::to_owned);
        let dir = tmp.to_owned();
        let load = tokio::task::spawn_blocking(move || {
            wrk::run(&url, connections, seconds, body.as_deref(), &dir)
        })
        .await??;
        let peak_rss = sampler.finish();
        let cpu = cpu_seconds(pid) - cpu_before;
        let row = Row {
            target: target.to_owned(),
            connections,
            cpu_us_per_request: cpu * 1e6 / load.requests.max(1) as f64,
            load,
            peak_rss,
        };
        eprintln!(
            "{target:>24} c{connections:<3} {:>9.0} req/s  p50 {:>8.0} µs  p99 {:>8.0} µs  p999 {:>8.0} µs  cpu {:>6.1} µs/req  rss {:>5} MiB  errors {}",
            row.load.rps,
            row.load.p50_us,
            row.load.p99_us,
            row.load.p999_us,
            row.cpu_us_per_request,
            row.peak_rss >> 20,
            row.load.errors
        );
        Ok(row)
    }
}

pub async fn all(seconds: Duration, max_scripts: usize) -> anyhow::Result<Results> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data)?;
    // Keep the compiled guest between runs (the first run compiles it).
    let cache = std::env::current_exe()?.with_file_name("bench-guest-cache");
    std::fs::create_dir_all(&cache)?;
    std::os::unix::fs::symlink(&cache, data.join("cache"))?;

    let runner = Runner {
        seconds,
        dir: tmp.path().to_owned(),
    };
    let mut results = Results {
        seconds: seconds.as_secs(),
        ..Results::default()
    };
    let mut picloud = start_picloud(&data)?;
    picloud.wait_healthy().await?;
    let admin = Admin::new(&picloud.base);
    admin
        .deploy("hello", scripts::HELLO, "GET", "/hello")
        .await?;
    admin
        .deploy("realistic", scripts::REALISTIC, "POST", "/users")
        .await?;
    admin.deploy("fib", scripts::FIB, "GET", "/fib").await?;
    let slow = admin
        .deploy("fib16", scripts::FIB_SMALL, "GET", "/fib16")
        .await?;
    admin
        .limits(&slow, serde_json::json!({"timeout_ms": 30000}))
        .await?;
    // Warm up the server and the caches.
    wrk::run(
        &format!("{}/hello", picloud.base),
        4,
        Duration::from_secs(1),
        None,
        tmp.path(),
    )?;

    let body = Some(scripts::REALISTIC_BODY);
    for c in [1, 64] {
        results.rows.push(
            runner
                .load(&picloud, "picloud /healthz", "/healthz", c, None)
                .await?,
        );
        results.rows.push(
            runner
                .load(&picloud, "picloud hello", "/hello", c, None)
                .await?,
        );
        results.rows.push(
            runner
                .load(&picloud, "picloud realistic", "/users", c, body)
                .await?,
        );
    }
    results.rows.push(
        runner
            .load(&picloud, "picloud fib(20)", "/fib", 1, None)
            .await?,
    );
    for c in [16, 256] {
        results.rows.push(
            runner
                .load(&picloud, "picloud hello", "/hello", c, None)
                .await?,
        );
    }

    // 256 invocations in flight at once, and what memory does after.
    tokio::time::sleep(Duration::from_secs(2)).await;
    results.idle_rss_before = rss_bytes(picloud.pid());
    let row = runner
        .load(&picloud, "picloud fib(16) in flight", "/fib16", 256, None)
        .await?;
    results.peak_rss_256 = row.peak_rss;
    results.rows.push(row);
    tokio::time::sleep(Duration::from_secs(3)).await;
    results.idle_rss_after = rss_bytes(picloud.pid());

    // Baselines, one server at a time so each has the machine.
    for (kind, label) in [
        ("native", "native Rhai, fresh Engine"),
        ("process", "process per request"),
    ] {
        let mut baseline = start_baseline(kind, "hello")?;
        baseline.wait_healthy().await?;
        for c in [1, 64] {
            results.rows.push(
                runner
                    .load(&baseline, &format!("{label} hello"), "/hello", c, None)
                    .await?,
            );
        }
        drop(baseline);
    }
    let mut native_fib = start_baseline("native", "fib")?;
    native_fib.wait_healthy().await?;
    results.rows.push(
        runner
            .load(&native_fib, "native Rhai fib(20)", "/fib", 1, None)
            .await?,
    );
    drop(native_fib);

    // Deployed scripts: 1 (hello alone counts), 100, max.
    let mut deployed = 4;
    for target in [1usize, 100, max_scripts] {
        let mut deploys = Vec::new();
        while deployed < target {
            let started = Instant::now();
            admin
                .deploy(
                    &format!("s{deployed}"),
                    "\"ok\"",
                    "GET",
                    &format!("/s/{deployed}/{{id}}"),
                )
                .await?;
            deploys.push(started.elapsed());
            deployed += 1;
        }
        let recent = &deploys[deploys.len().saturating_sub(50)..];
        let deploy_p50_ms = if recent.is_empty() {
            f64::NAN
        } else {
            median(recent.to_vec()).as_secs_f64() * 1e3
        };
        let label = format!("picloud hello, {target} scripts");
        let hello = runner.load(&picloud, &label, "/hello", 64, None).await?;
        results.scale.push(ScaleRow {
            scripts: target.max(deployed),
            deploy_p50_ms,
            match_p50_ns: route_match_ns(target.max(deployed)),
            hello_rps: hello.load.rps,
        });
    }

    // Deploy to live: the first request after the deploy call returns.
    let started = Instant::now();
    admin.deploy("fresh", "\"fresh\"", "GET", "/fresh").await?;
    let returned = started.elapsed();
    let live_at = Instant::now();
    let client = reqwest::Client::new();
    loop {
        let r = client.get(format!("{}/fresh", picloud.base)).send().await?;
        if r.status().is_success() {
            break;
        }
    }
    results.deploy_to_live_ms = live_at.elapsed().as_secs_f64() * 1e3;
    eprintln!(
        "deploy call {returned:?}, then live in {:.2} ms",
        results.deploy_to_live_ms
    );

    // Cold start: a new process on the same data (cached compiled guest).
    let _ = std::process::Command::new("kill")
        .arg(picloud.pid().to_string())
        .status();
    let _ = picloud.child.wait();
    drop(picloud);
    let spawned = Instant::now();
    let restarted = start_picloud(&data)?;
    // A fresh client: no pooled connection from before the restart.
    let client = reqwest::Client::new();
    let mut last = String::new();
    loop {
        match client.get(format!("{}/hello", restarted.base)).send().await {
            Ok(r) if r.status().is_success() => break,
            Ok(r) => last = format!("answered {}", r.status()),
            Err(e) => last = format!("{e}"),
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    results.cold_start_ms = spawned.elapsed().as_secs_f64() * 1e3;
    eprintln!("(before the first response, the last attempt: {last})");
    eprintln!(
        "cold start to first response: {:.1} ms",
        results.cold_start_ms
    );
    Ok(results)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// p50 of `RouteTable::at` over a table of `n` routes shaped like the
/// deployed ones, for the last route's paths.
fn route_match_ns(n: usize) -> f64 {
    let mut table = RouteTable::new();
    table.insert("GET", "/hello", 0usize).unwrap();
    for i in 1..n {
        table.insert("GET", &format!("/s/{i}/{{id}}"), i).unwrap();
    }
    let paths: Vec<String> = (0..1000)
        .map(|i| format!("/s/{}/x{i}", (i * 7919) % n.max(2)))
        .collect();
    let mut samples = Vec::with_capacity(paths.len() * 20);
    for _ in 0..20 {
        for path in &paths {
            let started = Instant::now();
            let found = table.at("GET", path);
            let elapsed = started.elapsed();
            std::hint::black_box(found.ok());
            samples.push(elapsed);
        }
    }
    median(samples).as_nanos() as f64
}
