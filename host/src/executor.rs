//! The executor: one engine, one pre-linked component, a fresh store and
//! instance per invocation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use picloud_shared::{
    ExecutorClient, ExecutorError, HttpResponse, Invocation, InvocationResult, LimitKind, Limits,
    Occupancy, ScriptError,
};
use tokio::sync::Semaphore;
use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap};

use crate::guest::{self, RhaiGuest, RhaiGuestPre};
use crate::state::{InvocationState, LogLimitExceeded};
use crate::ticker::EpochTicker;
use crate::{HostConfig, HostError, artifact};

/// Runs Rhai scripts in per-invocation wasm sandboxes. Cheap to share
/// (`Arc`); every method takes `&self`.
pub struct Executor {
    engine: Engine,
    pre: RhaiGuestPre<InvocationState>,
    config: HostConfig,
    slots: Arc<Semaphore>,
    _ticker: Option<EpochTicker>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("config", &self.config)
            .field("available_slots", &self.slots.available_permits())
            .finish_non_exhaustive()
    }
}

/// Links what the guest imports: WASI (with an empty context) and the
/// PiCloud host interface.
pub(crate) fn link(linker: &mut Linker<InvocationState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    RhaiGuest::add_to_linker::<_, wasmtime::component::HasSelf<_>>(linker, |s| s)?;
    Ok(())
}

fn engine_config(config: &HostConfig) -> Config {
    let mut pool = PoolingAllocationConfig::new();
    let n = config.max_instances;
    // The guest is one component of a few core instances (the interpreter,
    // WASI shims) with one memory and a few tables.
    pool.total_component_instances(n)
        .total_core_instances(n * 8)
        .total_memories(n * 2)
        .total_tables(n * 8)
        .total_stacks(n)
        .max_memories_per_component(2)
        .max_tables_per_component(8)
        .max_core_instances_per_component(8)
        .max_memory_size(config.max_memory_bytes as usize)
        .linear_memory_keep_resident(config.keep_resident_bytes as usize)
        // With PAGEMAP_SCAN (Linux 6.7+) only the pages an instance dirtied
        // are reset, and they stay mapped: no page faults on the next use.
        .pagemap_scan(wasmtime::Enabled::Auto)
        .table_keep_resident(64 << 10);

    let mut c = Config::new();
    c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .consume_fuel(config.fuel)
        .epoch_interruption(config.epoch)
        .max_wasm_stack(config.max_wasm_stack)
        .wasm_component_model(true);
    c
}

impl Executor {
    /// Builds the engine and loads the guest: from the artifact cache when
    /// one is configured and warm, else by pre-initializing and compiling it.
    pub async fn new(config: HostConfig) -> Result<Self, HostError> {
        config.validate()?;
        let engine = Engine::new(&engine_config(&config))
            .map_err(|e| HostError::Engine(format!("{e:?}")))?;
        let component = artifact::load(&engine, &config).await?;
        let mut linker = Linker::new(&engine);
        link(&mut linker).map_err(|e| HostError::Link(e.to_string()))?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| HostError::Link(format!("{e:?}")))?;
        let pre = RhaiGuestPre::new(instance_pre).map_err(|e| HostError::Link(format!("{e:?}")))?;
        let ticker = config
            .epoch
            .then(|| EpochTicker::start(engine.clone(), config.epoch_tick));
        Ok(Executor {
            slots: Arc::new(Semaphore::new(config.max_instances as usize)),
            engine,
            pre,
            config,
            _ticker: ticker,
        })
    }

    /// The engine settings this executor was built with.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// Creates a store and instantiates the guest, then drops both: the fixed
    /// cost of every invocation, for benchmarks.
    #[doc(hidden)]
    pub async fn instantiate_only(&self) -> Result<(), ExecutorError> {
        let mut store = self.new_store(&Limits::default(), Instant::now());
        self.pre
            .instantiate_async(&mut store)
            .await
            .map(drop)
            .map_err(|e| ExecutorError::Internal {
                message: format!("{e:#}"),
            })
    }

    /// Invocations running right now.
    pub fn in_flight(&self) -> usize {
        self.config.max_instances as usize - self.slots.available_permits()
    }

    fn new_store(&self, limits: &Limits, started: Instant) -> Store<InvocationState> {
        let state = InvocationState::new(limits, self.config.max_memory_bytes, started);
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.memory);
        if self.config.fuel {
            store
                .set_fuel(fuel_budget(limits))
                .expect("fuel is enabled");
            store
                .fuel_async_yield_interval(Some(self.config.fuel_yield_interval))
                .expect("fuel is enabled");
        }
        if self.config.epoch {
            store.set_epoch_deadline(1);
            store.epoch_deadline_async_yield_and_update(1);
        }
        store
    }

    /// Runs `call` against a fresh instance under the wall-clock deadline,
    /// and turns every way it can end into a script outcome.
    async fn run_sandboxed<T>(
        &self,
        limits: &Limits,
        started: Instant,
        call: impl AsyncFnOnce(
            &RhaiGuest,
            &mut Store<InvocationState>,
        ) -> wasmtime::Result<Result<T, guest::wit::ScriptError>>,
    ) -> Result<(Result<T, ScriptError>, Store<InvocationState>), ExecutorError> {
        let _slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| ExecutorError::Busy {
                capacity: self.config.max_instances,
            })?;
        let mut store = self.new_store(limits, started);
        let deadline = match limits.timeout_ms {
            0 => Duration::MAX,
            ms => Duration::from_millis(ms),
        };
        let ran = tokio::time::timeout(deadline, async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            call(&instance, &mut store).await
        })
        .await;
        let outcome = match ran {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(script_error))) => Err(script_error.into()),
            Ok(Err(trap)) => Err(self.classify_trap(trap, limits, &store)),
            // The future was dropped mid-run; the store is discarded with it.
            Err(_elapsed) => Err(ScriptError::Limit {
                limit: LimitKind::Timeout,
                value: limits.timeout_ms,
                message: format!(
                    "the script ran past its {} ms wall-clock deadline",
                    limits.timeout_ms
                ),
                position: None,
            }),
        };
        Ok((outcome, store))
    }

    /// Explains why the guest trapped, in terms of the limit that caused it.
    fn classify_trap(
        &self,
        err: wasmtime::Error,
        limits: &Limits,
        store: &Store<InvocationState>,
    ) -> ScriptError {
        let state = store.data();
        let limit = |limit: LimitKind, value: u64, message: String| ScriptError::Limit {
            limit,
            value,
            message,
            position: None,
        };
        if let Some(kind) = state.logs.exceeded.filter(|_| err.is::<LogLimitExceeded>()) {
            let (value, what) = match kind {
                LimitKind::LogLines => (u64::from(limits.max_log_lines), "lines"),
                _ => (limits.max_log_bytes, "bytes"),
            };
            return limit(
                kind,
                value,
                format!("the script logged more than {value} {what}"),
            );
        }
        if let Some(wanted) = state.memory.exceeded {
            let cap = state.memory.max_bytes;
            return limit(
                LimitKind::Memory,
                cap,
                format!("the script needed more than {cap} bytes of memory (asked for {wanted})"),
            );
        }
        match err.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => limit(
                LimitKind::Fuel,
                limits.fuel,
                format!(
                    "the script used its whole CPU budget of {} fuel",
                    limits.fuel
                ),
            ),
            Some(Trap::StackOverflow) => limit(
                LimitKind::WasmStack,
                self.config.max_wasm_stack as u64,
                "the script recursed too deeply: the wasm stack is exhausted".into(),
            ),
            // The guest's shadow stack sits at the bottom of linear memory,
            // so running off its end is an out-of-bounds access.
            Some(Trap::MemoryOutOfBounds) => limit(
                LimitKind::WasmStack,
                self.config.max_wasm_stack as u64,
                "the script recursed too deeply: the guest stack is exhausted".into(),
            ),
            Some(Trap::Interrupt) => limit(
                LimitKind::Timeout,
                limits.timeout_ms,
                "the script was interrupted at its deadline".into(),
            ),
            _ => {
                let stderr = state.stderr();
                let detail = stderr.trim();
                ScriptError::Crashed {
                    message: if detail.is_empty() {
                        format!("{err:#}")
                    } else {
                        format!("{err:#}: {detail}")
                    },
                }
            }
        }
    }
}

/// The fuel an invocation starts with (`0` in the limits: unlimited).
fn fuel_budget(limits: &Limits) -> u64 {
    match limits.fuel {
        0 => u64::MAX,
        n => n,
    }
}

fn fuel_consumed(
    config: &HostConfig,
    limits: &Limits,
    store: &Store<InvocationState>,
) -> Option<u64> {
    if !config.fuel {
        return None;
    }
    store.get_fuel().ok().map(|left| fuel_budget(limits) - left)
}

#[async_trait]
impl ExecutorClient for Executor {
    async fn invoke(&self, invocation: Invocation) -> Result<InvocationResult, ExecutorError> {
        let started = Instant::now();
        let limits = invocation.limits;
        let ctx = guest::context(&invocation);
        let source = invocation.script.source;
        let request = guest::request(invocation.request);
        let rhai_limits = guest::rhai_limits(&limits);
        let (outcome, store) = self
            .run_sandboxed(&limits, started, async |instance, store| {
                instance
                    .call_run(store, &source, &request, &ctx, rhai_limits)
                    .await
            })
            .await?;
        let outcome = outcome.map(HttpResponse::from).and_then(|response| {
            // The guest checks this too; the host does not rely on it.
            let max = limits.max_response_bytes;
            if max != 0 && response.body.len() as u64 > max {
                return Err(ScriptError::Limit {
                    limit: LimitKind::ResponseSize,
                    value: max,
                    message: format!(
                        "response body of {} bytes exceeds the limit of {max} bytes",
                        response.body.len()
                    ),
                    position: None,
                });
            }
            Ok(response)
        });
        let fuel_consumed = fuel_consumed(&self.config, &limits, &store);
        let logs = store.into_data().logs.lines;
        Ok(InvocationResult {
            outcome,
            logs,
            duration_us: started.elapsed().as_micros() as u64,
            fuel_consumed,
        })
    }

    async fn check(
        &self,
        source: &str,
        limits: &Limits,
    ) -> Result<Result<(), ScriptError>, ExecutorError> {
        let rhai_limits = guest::rhai_limits(limits);
        let (outcome, _) = self
            .run_sandboxed(limits, Instant::now(), async |instance, store| {
                instance.call_check(store, source, rhai_limits).await
            })
            .await?;
        Ok(outcome)
    }

    fn occupancy(&self) -> Option<Occupancy> {
        Some(Occupancy {
            in_use: self.in_flight(),
            capacity: self.config.max_instances as usize,
        })
    }
}
