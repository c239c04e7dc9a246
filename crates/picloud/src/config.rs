//! `picloud serve`'s settings: flags, then `PICLOUD_*` environment
//! variables, then the `--config` TOML file, then the defaults.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use picloud_shared::Limits;
use serde::Deserialize;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML file with any of the settings below (snake_case keys, plus
    /// `[limits]` and `[limit_ceiling]` tables); flags and environment win.
    #[arg(long, env = "PICLOUD_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "PICLOUD_LISTEN")]
    listen: Option<SocketAddr>,
    /// Directory of the embedded SQLite store and the compiled-guest cache
    /// [default: ./picloud-data].
    #[arg(long, env = "PICLOUD_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A postgres:// URL: use PostgreSQL instead of the embedded store.
    #[arg(long, env = "PICLOUD_DATABASE_URL")]
    database_url: Option<String>,
    /// The URL users reach this server at (reported by /version, printed
    /// by `picloud deploy`) [default: http://LISTEN].
    #[arg(long, env = "PICLOUD_PUBLIC_BASE_URL")]
    public_base_url: Option<String>,
    /// Run scripts on a `picloud-executor` at this URL instead of in-process.
    #[arg(long, env = "PICLOUD_EXECUTOR_URL")]
    executor_url: Option<String>,
    /// Largest admin request body (script uploads included), in bytes
    /// [default: 1048576].
    #[arg(long, env = "PICLOUD_MAX_UPLOAD_BYTES")]
    max_upload_bytes: Option<usize>,
    /// Largest request body a script receives, in bytes; more is a 413
    /// [default: 1048576].
    #[arg(long, env = "PICLOUD_MAX_REQUEST_BYTES")]
    max_request_bytes: Option<usize>,
    /// Concurrent invocations at most (the in-process instance pool); more
    /// get a 503 with Retry-After at once [default: 256].
    #[arg(long, env = "PICLOUD_MAX_INSTANCES")]
    max_instances: Option<u32>,
    /// How long a shutdown waits for in-flight requests, in seconds
    /// [default: 30].
    #[arg(long, env = "PICLOUD_SHUTDOWN_TIMEOUT")]
    shutdown_timeout: Option<u64>,
    /// A default limit, `NAME=VALUE` (repeatable; see docs/limits.md).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    limits: Vec<String>,
    /// The operator's ceiling for a limit, `NAME=VALUE` (repeatable): no
    /// default or per-script override set through the admin API may exceed it.
    #[arg(long = "limit-ceiling", value_name = "NAME=VALUE")]
    limit_ceilings: Vec<String>,
    /// An admin token to accept (otherwise the first start creates one).
    #[arg(long, env = "PICLOUD_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

/// The `--config` file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_base_url: Option<String>,
    executor_url: Option<String>,
    max_upload_bytes: Option<usize>,
    max_request_bytes: Option<usize>,
    max_instances: Option<u32>,
    shutdown_timeout: Option<u64>,
    admin_token: Option<String>,
    limits: BTreeMap<String, u64>,
    limit_ceiling: BTreeMap<String, u64>,
}

/// Everything `serve` runs with, resolved.
#[derive(Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub public_base_url: String,
    pub executor_url: Option<String>,
    pub max_upload_bytes: usize,
    pub max_request_bytes: usize,
    pub max_instances: Option<u32>,
    pub shutdown_timeout: Duration,
    pub admin_token: Option<String>,
    pub limits: Limits,
    pub ceiling: Limits,
}

impl ServeArgs {
    /// Merges flags and environment over the file over the defaults; any
    /// bad value (unknown key, unknown limit) is an error naming it.
    pub fn resolve(self, default_ceiling: Limits) -> anyhow::Result<ServeConfig> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let listen = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let mut limits = Limits::default();
        let mut ceiling = default_ceiling;
        for (name, value) in &file.limits {
            limits
                .set(name, &value.to_string())
                .context("[limits] in the config file")?;
        }
        for (name, value) in &file.limit_ceiling {
            ceiling
                .set(name, &value.to_string())
                .context("[limit_ceiling] in the config file")?;
        }
        for assignment in &self.limits {
            limits.apply(assignment).context("--limit")?;
        }
        for assignment in &self.limit_ceilings {
            ceiling.apply(assignment).context("--limit-ceiling")?;
        }
        // An empty variable (`PICLOUD_DATABASE_URL=`) means "not set".
        let set = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let executor_url = set(self.executor_url).or(set(file.executor_url));
        Ok(ServeConfig {
            listen,
            data_dir: self
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("./picloud-data")),
            database_url: set(self.database_url).or(set(file.database_url)),
            public_base_url: self
                .public_base_url
                .or(file.public_base_url)
                .unwrap_or_else(|| format!("http://{listen}"))
                .trim_end_matches('/')
                .to_owned(),
            executor_url,
            max_upload_bytes: self
                .max_upload_bytes
                .or(file.max_upload_bytes)
                .unwrap_or(1 << 20),
            max_request_bytes: self
                .max_request_bytes
                .or(file.max_request_bytes)
                .unwrap_or(1 << 20),
            max_instances: self.max_instances.or(file.max_instances),
            shutdown_timeout: Duration::from_secs(
                self.shutdown_timeout
                    .or(file.shutdown_timeout)
                    .unwrap_or(30),
            ),
            admin_token: self.admin_token.or(file.admin_token),
            limits,
            ceiling,
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in the config file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn resolve(args: &[&str]) -> anyhow::Result<ServeConfig> {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))?;
        cli.serve.resolve(Limits::default())
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("picloud.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9999\"\nmax_request_bytes = 10\n[limits]\ntimeout_ms = 1234\nmax_operations = 7\n",
        )
        .unwrap();
        let path = path.to_str().unwrap();
        let config = resolve(&["--config", path, "--limit", "max_operations=9"]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9999");
        assert_eq!(config.max_request_bytes, 10);
        assert_eq!(config.limits.timeout_ms, 1234);
        assert_eq!(config.limits.max_operations, 9);
        assert_eq!(config.public_base_url, "http://127.0.0.1:9999");
        let config = resolve(&["--config", path, "--listen", "127.0.0.1:1"]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:1");
        let config = resolve(&[]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.limits, Limits::default());
    }

    #[test]
    fn a_bad_file_names_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("picloud.toml");
        std::fs::write(&path, "listn = \"x\"\n").unwrap();
        let err = resolve(&["--config", path.to_str().unwrap()]).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `listn`"),
            "{err:#}"
        );
        std::fs::write(&path, "[limits]\nmax_potatoes = 1\n").unwrap();
        let err = resolve(&["--config", path.to_str().unwrap()]).unwrap_err();
        assert!(format!("{err:#}").contains("max_potatoes"), "{err:#}");
    }
}
