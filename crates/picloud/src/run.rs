//! `picloud run`: one invocation of a local script file, printed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use picloud_host::{Executor, HostConfig};
use picloud_shared::{ExecutorClient, HttpRequest, Invocation, Limits, LogLine, ScriptRef};

/// Exit code when the script failed or hit a limit (2 is a usage or setup error).
const SCRIPT_FAILED: u8 = 1;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Rhai script to run.
    script: PathBuf,
    /// Request method.
    #[arg(long, short = 'X', default_value = "GET")]
    method: String,
    /// Request path (a query string after `?` is parsed too).
    #[arg(long, default_value = "/")]
    path: String,
    /// A query parameter, `KEY=VALUE`; repeatable.
    #[arg(long = "query", short = 'q', value_name = "KEY=VALUE")]
    query: Vec<String>,
    /// A request header, `NAME:VALUE`; repeatable.
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    headers: Vec<String>,
    /// A route parameter, `NAME=VALUE`, as a route `/users/{id}` would extract; repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The request body.
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// Read the request body from a file.
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// Override a limit, `NAME=VALUE` (e.g. `max_operations=1000`); repeatable.
    #[arg(long = "limit", short = 'l', value_name = "NAME=VALUE")]
    limits: Vec<String>,
    /// Print the response only, not the logs.
    #[arg(long)]
    quiet: bool,
    /// Where the compiled guest is cached.
    #[arg(long, env = "PICLOUD_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
}

fn split_pair<'a>(value: &'a str, sep: char, what: &str) -> anyhow::Result<(&'a str, &'a str)> {
    value
        .split_once(sep)
        .with_context(|| format!("{what} `{value}` must look like NAME{sep}VALUE"))
}

fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|dir| dir.join("picloud"))
}

fn build_request(args: &RunArgs) -> anyhow::Result<HttpRequest> {
    let (path, inline_query) = match args.path.split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query)),
        None => (args.path.clone(), None),
    };
    if !path.starts_with('/') {
        bail!("--path must start with `/`, got `{path}`");
    }
    let mut query = Vec::new();
    for pair in inline_query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query.push((k.to_string(), v.to_string()));
    }
    for q in &args.query {
        let (k, v) = split_pair(q, '=', "--query")?;
        query.push((k.to_string(), v.to_string()));
    }
    let mut headers = Vec::new();
    for h in &args.headers {
        let (name, value) = split_pair(h, ':', "--header")?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut params = Vec::new();
    for p in &args.params {
        let (k, v) = split_pair(p, '=', "--param")?;
        params.push((k.to_string(), v.to_string()));
    }
    let body = match (&args.body, &args.body_file) {
        (Some(body), _) => body.clone().into_bytes(),
        (None, Some(file)) => std::fs::read(file)
            .with_context(|| format!("reading the body file {}", file.display()))?,
        (None, None) => Vec::new(),
    };
    Ok(HttpRequest {
        method: args.method.to_ascii_uppercase(),
        path,
        params,
        query,
        headers,
        body,
    })
}

fn print_logs(logs: &[LogLine]) {
    for line in logs {
        let at = line
            .position
            .map(|p| format!(" {}:{}", p.line, p.column))
            .unwrap_or_default();
        eprintln!(
            "[{:>5}{at} +{}µs] {}",
            line.level.as_str(),
            line.elapsed_us,
            line.message
        );
    }
}

pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let source = std::fs::read_to_string(&args.script)
        .with_context(|| format!("reading {}", args.script.display()))?;
    let mut limits = Limits::default();
    for assignment in &args.limits {
        limits.apply(assignment)?;
    }
    let request = build_request(&args)?;
    let name = args
        .script
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "script".into());

    let config = HostConfig {
        cache_dir: args.cache_dir.clone().or_else(default_cache_dir),
        ..HostConfig::default()
    };
    let executor = Executor::new(config)
        .await
        .context("starting the executor")?;
    let request_id = uuid::Uuid::new_v4().to_string();
    let result = executor
        .invoke(Invocation {
            request_id: request_id.clone(),
            script: ScriptRef {
                id: format!("local:{}", args.script.display()),
                name,
                version: 1,
                source: source.into(),
            },
            request,
            limits,
        })
        .await?;

    if !args.quiet {
        print_logs(&result.logs);
    }
    match result.outcome {
        Ok(response) => {
            println!("HTTP/1.1 {}", response.status);
            for (name, value) in &response.headers {
                println!("{name}: {value}");
            }
            println!();
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&response.body)?;
            if !response.body.ends_with(b"\n") && !response.body.is_empty() {
                writeln!(out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("{}: {err}", args.script.display());
            let fuel = result
                .fuel_consumed
                .map(|f| format!(", {f} fuel"))
                .unwrap_or_default();
            eprintln!("(request id {request_id}, {} µs{fuel})", result.duration_us);
            Ok(ExitCode::from(SCRIPT_FAILED))
        }
    }
}
