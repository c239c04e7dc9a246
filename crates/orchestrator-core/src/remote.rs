//! [`RemoteExecutor`]: an [`ExecutorClient`] that runs scripts on a
//! `picloud-executor` process over HTTP.

use std::time::Duration;

use async_trait::async_trait;
use picloud_shared::executor::wire::{CHECK_PATH, CheckRequest, INVOKE_PATH};
use picloud_shared::{
    ExecutorClient, ExecutorError, Invocation, InvocationResult, Limits, ScriptError,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A bad executor URL.
#[derive(Debug, thiserror::Error)]
pub enum RemoteExecutorError {
    #[error("invalid executor URL `{url}`: expected http://host:port")]
    Url { url: String },
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Runs scripts on a remote executor. When it cannot be reached the answer
/// is [`ExecutorError::Unavailable`] (a 502 to callers), quickly: connects
/// time out after two seconds.
#[derive(Debug, Clone)]
pub struct RemoteExecutor {
    base: String,
    http: reqwest::Client,
}

/// Time beyond the script's own deadline for the round trip.
const SLACK: Duration = Duration::from_secs(5);
/// The wait for a script without a deadline (`timeout_ms = 0`).
const NO_DEADLINE: Duration = Duration::from_secs(3600);

impl RemoteExecutor {
    /// A client of the executor at `url` (`http://host:port`).
    pub fn new(url: &str) -> Result<Self, RemoteExecutorError> {
        let base = url.trim_end_matches('/');
        if !base.starts_with("http://") || base.len() <= "http://".len() {
            return Err(RemoteExecutorError::Url { url: url.into() });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()?;
        Ok(RemoteExecutor {
            base: base.to_owned(),
            http,
        })
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        deadline: Duration,
    ) -> Result<T, ExecutorError> {
        let unavailable = |e: reqwest::Error| ExecutorError::Unavailable {
            message: format!("{}{path}: {e}", self.base),
        };
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .timeout(deadline)
            .send()
            .await
            .map_err(unavailable)?;
        if !response.status().is_success() {
            return Err(ExecutorError::Unavailable {
                message: format!("{}{path} answered {}", self.base, response.status()),
            });
        }
        let result: Result<T, ExecutorError> = response.json().await.map_err(unavailable)?;
        result
    }
}

fn deadline(limits: &Limits) -> Duration {
    match limits.timeout_ms {
        0 => NO_DEADLINE,
        ms => Duration::from_millis(ms) + SLACK,
    }
}

#[async_trait]
impl ExecutorClient for RemoteExecutor {
    async fn invoke(&self, invocation: Invocation) -> Result<InvocationResult, ExecutorError> {
        let deadline = deadline(&invocation.limits);
        self.call(INVOKE_PATH, &invocation, deadline).await
    }

    async fn check(
        &self,
        source: &str,
        limits: &Limits,
    ) -> Result<Result<(), ScriptError>, ExecutorError> {
        let request = CheckRequest {
            source: source.to_owned(),
            limits: *limits,
        };
        self.call(CHECK_PATH, &request, deadline(limits)).await
    }
}
