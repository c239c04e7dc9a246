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
}
