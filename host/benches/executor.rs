//! The executor benchmark: per-invocation cost and CPU-bound speed of the
//! guest, against native in-process Rhai, with each limit mechanism on and
//! off. Measured in one run, so the ratios compare like with like.
//!
//! ```sh
//! cargo bench -p picloud-host --bench executor
//! ```
//!
//! Prints a Markdown table (median and p99 per case); `docs/benchmarks.md`
//! records a run. A plain harness rather than criterion because the targets
//! are about tail latency (p99), which criterion does not report.

use std::future::Future;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use picloud_host::{Executor, HostConfig};
use picloud_shared::{ExecutorClient, HttpRequest, Invocation, Limits, ScriptRef};
use rhai::{Dynamic, Engine, Map, Scope};

const HELLO: &str = r#"#{ message: "Hello, world!", path: request.path }"#;

const FIB: &str = r#"
fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
fib(20)
"#;

/// The Rhai book's sieve (`scripts/primes.rhai`), to 100 000.
const PRIMES: &str = r#"
const MAX_NUMBER_TO_CHECK = 100_000;
let prime_mask = [];
prime_mask.pad(MAX_NUMBER_TO_CHECK + 1, true);
prime_mask[0] = false;
prime_mask[1] = false;
let total_primes_found = 0;
for p in 2..=MAX_NUMBER_TO_CHECK {
    if !prime_mask[p] { continue; }
    total_primes_found += 1;
    for i in range(2 * p, MAX_NUMBER_TO_CHECK + 1, p) {
        prime_mask[i] = false;
    }
}
total_primes_found
"#;

struct Stats {
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn iterations(per_iter_estimate: Duration, budget: Duration) -> usize {
    (budget.as_nanos() / per_iter_estimate.as_nanos().max(1)).clamp(20, 50_000) as usize
}

/// Times `f` after a warm-up; the iteration count fits a ~2 s budget.
async fn measure<F, Fut>(mut f: F) -> Stats
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let start = Instant::now();
    for _ in 0..5 {
        f().await;
    }
    let n = iterations(start.elapsed() / 5, Duration::from_secs(2));
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    stats(samples)
}

fn measure_sync(mut f: impl FnMut()) -> Stats {
    let start = Instant::now();
    for _ in 0..5 {
        f();
    }
    let n = iterations(start.elapsed() / 5, Duration::from_secs(2));
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    stats(samples)
}

fn request() -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: "/hello".into(),
        ..HttpRequest::default()
    }
}

fn invocation(source: &str, limits: Limits) -> Invocation {
    Invocation {
        request_id: "bench".into(),
        script: ScriptRef {
            id: "bench".into(),
            name: "bench".into(),
            version: 1,
            source: source.into(),
        },
        request: request(),
        limits,
    }
}

/// Limits for the CPU-bound scripts: production, with room for the sieve.
fn cpu_limits() -> Limits {
    Limits {
        max_array_size: 200_000,
        ..Limits::default()
    }
}

async fn executor(name: &str, config: HostConfig) -> Executor {
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-guest-cache");
    let executor = Executor::new(HostConfig {
        cache_dir: Some(cache),
        ..config
    })
    .await
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    // Sanity: every configuration gives the same answers.
    for (source, expected) in [(FIB, "6765"), (PRIMES, "9592")] {
        let result = executor
            .invoke(invocation(source, cpu_limits()))
            .await
            .unwrap();
        let body = result.outcome.expect("benchmark script runs").body;
        assert_eq!(String::from_utf8(body).unwrap(), expected, "{name}");
    }
    executor
}

async fn guest(executor: &Executor, source: &'static str, limits: Limits) -> Stats {
    measure(|| async {
        let result = executor.invoke(invocation(source, limits)).await.unwrap();
        black_box(result.outcome.unwrap());
    })
    .await
}

fn apply_rhai_limits(engine: &mut Engine, l: &Limits) {
    engine
        .set_max_operations(l.max_operations)
        .set_max_call_levels(l.max_call_levels as usize)
        .set_max_expr_depths(
            l.max_expr_depth as usize,
            l.max_function_expr_depth as usize,
        )
        .set_max_string_size(l.max_string_size as usize)
        .set_max_array_size(l.max_array_size as usize)
        .set_max_map_size(l.max_map_size as usize);
}

fn request_map() -> Map {
    let mut map = Map::new();
    map.insert("method".into(), "GET".into());
    map.insert("path".into(), "/hello".into());
    map
}

/// Native Rhai handling the hello request: compile, run, serialize.
fn native_hello(engine: &Engine) {
    let ast = engine.compile(HELLO).unwrap();
    let mut scope = Scope::new();
    scope.push_constant("request", request_map());
    let value: Dynamic = engine.eval_ast_with_scope(&mut scope, &ast).unwrap();
    black_box(serde_json::to_vec(&value).unwrap());
}

fn native_engine(limits: &Limits) -> Engine {
    let mut engine = Engine::new();
    apply_rhai_limits(&mut engine, limits);
    engine
}

fn native_cpu(source: &str, limits: &Limits) -> Stats {
    let engine = native_engine(limits);
    measure_sync(|| {
        let ast = engine.compile(source).unwrap();
        let _ = black_box(engine.eval_ast::<Dynamic>(&ast).unwrap());
    })
}

fn us(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

fn row(case: &str, s: &Stats, note: &str) {
    println!("| {case} | {} | {} | {note} |", us(s.p50), us(s.p99));
}

fn ratio(a: &Stats, b: &Stats) -> String {
    format!("{:.2}x", a.p50.as_secs_f64() / b.p50.as_secs_f64())
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not and
    // only wants to know that this compiles and runs.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let prod = Limits::default();
    let cpu = cpu_limits();
    let cpu_no_rhai = Limits {
        max_operations: 0,
        ..cpu
    };

    let fuel = executor("fuel", HostConfig::default()).await;
    // `BENCH_PROFILE=N`: just N hello-world invocations, to run under `perf`.
    if let Some(n) = std::env::var("BENCH_PROFILE")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
    {
        for _ in 0..n {
            let result = fuel.invoke(invocation(HELLO, prod)).await.unwrap();
            black_box(result.outcome.unwrap());
        }
        return;
    }
    let epoch = executor(
        "epoch",
        HostConfig {
            fuel: false,
            epoch: true,
            ..HostConfig::default()
        },
    )
    .await;
    let both = executor(
        "fuel+epoch",
        HostConfig {
            epoch: true,
            ..HostConfig::default()
        },
    )
    .await;
    let none = executor(
        "unmetered",
        HostConfig {
            fuel: false,
            allow_unmetered: true,
            ..HostConfig::default()
        },
    )
    .await;
    let no_snapshot = executor(
        "no snapshot",
        HostConfig {
            snapshot: false,
            ..HostConfig::default()
        },
    )
    .await;

    println!("| case | p50 | p99 | note |");
    println!("|---|---|---|---|");

    // Per-invocation cost.
    let inst = measure(|| async { fuel.instantiate_only().await.unwrap() }).await;
    row(
        "instantiate only (store + instance)",
        &inst,
        "pooling allocator, snapshot",
    );
    let hello = guest(&fuel, HELLO, prod).await;
    row(
        "guest: instantiate + hello world",
        &hello,
        "production limits, fuel",
    );
    let hello_epoch = guest(&epoch, HELLO, prod).await;
    row(
        "guest: hello world, epoch instead of fuel",
        &hello_epoch,
        "",
    );
    let hello_cold = guest(&no_snapshot, HELLO, prod).await;
    row(
        "guest: hello world without the wizer snapshot",
        &hello_cold,
        &format!("{} the snapshotted guest", ratio(&hello_cold, &hello)),
    );
    let fresh = measure_sync(|| native_hello(&native_engine(&prod)));
    row(
        "native Rhai: fresh `Engine` per request + hello",
        &fresh,
        &format!("guest is {} faster", ratio(&fresh, &hello)),
    );
    let reused_engine = native_engine(&prod);
    let reused = measure_sync(|| native_hello(&reused_engine));
    row(
        "native Rhai: reused `Engine` + hello",
        &reused,
        "the interpreter's floor",
    );

    // CPU-bound: guest vs native, per limit mechanism.
    for (name, source) in [("fib(20)", FIB), ("primes to 100k", PRIMES)] {
        let native = native_cpu(source, &cpu);
        row(
            &format!("{name}: native Rhai (Rhai limits on)"),
            &native,
            "baseline",
        );
        let native_off = native_cpu(source, &cpu_no_rhai);
        row(
            &format!("{name}: native Rhai (Rhai limits off)"),
            &native_off,
            "",
        );
        for (label, executor, limits) in [
            ("guest, fuel + Rhai limits (production)", &fuel, cpu),
            ("guest, fuel, Rhai limits off", &fuel, cpu_no_rhai),
            ("guest, epoch + Rhai limits", &epoch, cpu),
            ("guest, fuel + epoch + Rhai limits", &both, cpu),
            ("guest, no fuel, no epoch, Rhai limits", &none, cpu),
        ] {
            let s = guest(executor, source, limits).await;
            row(
                &format!("{name}: {label}"),
                &s,
                &format!("{} native", ratio(&s, &native)),
            );
        }
    }
}
