//! The boundary between ingress and compute.

use async_trait::async_trait;

use crate::{ExecutorError, Invocation, InvocationResult, Limits, ScriptError};

/// Runs scripts. The local implementation (`picloud-host`) runs them
/// in-process; a remote one speaks HTTP to a `picloud-executor`. Callers
/// never know which.
#[async_trait]
pub trait ExecutorClient: Send + Sync + 'static {
    /// Runs one invocation in a fresh sandbox. `Ok` whenever the script ran,
    /// whatever it did; `Err` only when the executor itself failed.
    async fn invoke(&self, invocation: Invocation) -> Result<InvocationResult, ExecutorError>;

    /// Compiles `source` without running it. The inner result is the
    /// script's verdict; the outer one the executor's.
    async fn check(
        &self,
        source: &str,
        limits: &Limits,
    ) -> Result<Result<(), ScriptError>, ExecutorError>;

    /// How many instance slots are in use right now, if this client knows
    /// (for metrics; a remote client does not).
    fn occupancy(&self) -> Option<Occupancy> {
        None
    }
}

/// Instance slots in use and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    pub in_use: usize,
    pub capacity: usize,
}

/// The wire protocol between a remote `ExecutorClient` and a
/// `picloud-executor` process: JSON over HTTP. Each endpoint answers 200
/// with a `Result` whenever the executor itself ran (`{"Ok": …}` or
/// `{"Err": ExecutorError}`); any other status means the process could not.
pub mod wire {
    use serde::{Deserialize, Serialize};

    use crate::Limits;

    /// `POST`: an [`Invocation`](crate::Invocation) in,
    /// `Result<InvocationResult, ExecutorError>` out.
    pub const INVOKE_PATH: &str = "/v1/invoke";
    /// `POST`: a [`CheckRequest`] in,
    /// `Result<Result<(), ScriptError>, ExecutorError>` out.
    pub const CHECK_PATH: &str = "/v1/check";

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CheckRequest {
        pub source: String,
        pub limits: Limits,
    }
}
