//! Executor-wide settings: what is fixed when the engine is built, as opposed
//! to the per-invocation [`picloud_shared::Limits`].

use std::path::PathBuf;
use std::time::Duration;

/// How the executor is built. Per-invocation limits live in
/// [`picloud_shared::Limits`]; these are the settings that shape the engine.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Meter fuel: the machine-independent CPU budget (`Limits::fuel`). With
    /// fuel on, the guest also yields its worker thread every
    /// [`fuel_yield_interval`](Self::fuel_yield_interval) units, which is what
    /// lets the wall-clock deadline fire without epoch interruption.
    pub fuel: bool,
    /// Fuel consumed between two yields to the async runtime.
    pub fuel_yield_interval: u64,
    /// Epoch interruption: a ticker thread bumps the engine's epoch every
    /// [`epoch_tick`](Self::epoch_tick) and a running guest yields on each
    /// tick. Needed for the deadline only when fuel is off.
    pub epoch: bool,
    pub epoch_tick: Duration,
    /// Pre-initialize the guest with wizer so instances start with a ready
    /// Rhai engine. Off only to measure what it buys.
    pub snapshot: bool,
    /// Instance slots in the pooling allocator: the most invocations that run
    /// at once. One more is refused with `ExecutorError::Busy`.
    pub max_instances: u32,
    /// Ceiling of one instance's linear memory; `Limits::memory_bytes` is
    /// clamped to it.
    pub max_memory_bytes: u64,
    /// Bytes of each pool slot's memory kept resident between instances
    /// (reset with `memset` instead of `madvise`): faster instantiation for
    /// more resident memory.
    pub keep_resident_bytes: u64,
    /// Native stack available to wasm code; deep recursion past it traps as
    /// the `max_wasm_stack` limit.
    pub max_wasm_stack: usize,
    /// Where the compiled guest is cached. `None` compiles in memory at every
    /// start (about two seconds).
    pub cache_dir: Option<PathBuf>,
    /// Benchmarks only: accept a configuration with neither fuel nor epoch
    /// interruption (a script could then run forever), to measure what each
    /// mechanism costs against none.
    #[doc(hidden)]
    pub allow_unmetered: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            fuel: true,
            fuel_yield_interval: 2_000_000,
            epoch: false,
            epoch_tick: Duration::from_millis(5),
            snapshot: true,
            max_instances: 256,
            max_memory_bytes: 256 << 20,
            keep_resident_bytes: 16 << 20,
            max_wasm_stack: 1 << 20,
            cache_dir: None,
            allow_unmetered: false,
        }
    }
}

impl HostConfig {
    pub(crate) fn validate(&self) -> Result<(), HostError> {
        if !self.fuel && !self.epoch && !self.allow_unmetered {
            return Err(HostError::Config(
                "enable fuel or epoch interruption: without either a running script \
                 cannot be stopped at its deadline"
                    .into(),
            ));
        }
        if self.max_instances == 0 {
            return Err(HostError::Config("max_instances must be at least 1".into()));
        }
        if self.fuel && self.fuel_yield_interval == 0 {
            return Err(HostError::Config(
                "fuel_yield_interval must be at least 1".into(),
            ));
        }
        if self.epoch && self.epoch_tick.is_zero() {
            return Err(HostError::Config("epoch_tick must not be zero".into()));
        }
        Ok(())
    }
}

/// Why the executor could not be built.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("invalid executor configuration: {0}")]
    Config(String),
    #[error("building the wasmtime engine: {0}")]
    Engine(String),
    #[error("pre-initializing the guest with wizer: {0}")]
    Snapshot(String),
    #[error("compiling the guest component: {0}")]
    Compile(String),
    #[error("artifact cache {path}: {source}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("linking the guest component: {0}")]
    Link(String),
}
