//! What a [`Store`](wasmtime::Store) holds for one invocation: the memory
//! limiter, the captured logs and an empty WASI context.

use std::time::Instant;

use picloud_shared::{LimitKind, Limits, LogLine, Position};
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Result};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::guest::bindings::picloud::executor::host;
use crate::guest::wit;

/// Bytes of the guest's stderr kept, to explain an interpreter crash.
const STDERR_CAPTURE: usize = 4096;

/// Per-invocation store data. Nothing in it outlives the invocation.
pub(crate) struct InvocationState {
    wasi: WasiCtx,
    table: ResourceTable,
    stderr: MemoryOutputPipe,
    pub(crate) memory: MemoryLimiter,
    pub(crate) logs: LogCapture,
}

impl InvocationState {
    pub(crate) fn new(limits: &Limits, memory_ceiling: u64, started: Instant) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE);
        // No preopens, no environment, no arguments, no network: the guest
        // gets nothing from WASI but clocks, randomness and a captured stderr.
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let cap = match limits.memory_bytes {
            0 => memory_ceiling,
            n => n.min(memory_ceiling),
        };
        InvocationState {
            wasi,
            table: ResourceTable::new(),
            stderr,
            memory: MemoryLimiter {
                max_bytes: cap,
                exceeded: None,
            },
            logs: LogCapture {
                started,
                lines: Vec::new(),
                bytes: 0,
                max_lines: limits.max_log_lines,
                max_bytes: limits.max_log_bytes,
                exceeded: None,
            },
        }
    }

    /// What the guest wrote to stderr (a panic message, if it crashed).
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

impl WasiView for InvocationState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps linear memory and remembers that it did, so that the trap that
/// follows (the guest's allocator aborts) is reported as the memory limit.
pub(crate) struct MemoryLimiter {
    pub(crate) max_bytes: u64,
    /// The size the guest asked for when it was refused.
    pub(crate) exceeded: Option<u64>,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> Result<bool> {
        if desired as u64 > self.max_bytes {
            self.exceeded = Some(desired as u64);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The script's log lines, within the per-invocation line and byte budgets.
pub(crate) struct LogCapture {
    started: Instant,
    pub(crate) lines: Vec<LogLine>,
    bytes: u64,
    max_lines: u32,
    max_bytes: u64,
    pub(crate) exceeded: Option<LimitKind>,
}

/// Raised as a trap from the `log` import when a log budget is spent.
#[derive(Debug, thiserror::Error)]
#[error("log limit exceeded")]
pub(crate) struct LogLimitExceeded;

impl host::Host for InvocationState {
    fn log(
        &mut self,
        level: wit::LogLevel,
        message: String,
        position: Option<wit::Position>,
    ) -> Result<()> {
        let logs = &mut self.logs;
        let bytes = logs.bytes + message.len() as u64;
        if logs.max_lines != 0 && logs.lines.len() as u64 >= u64::from(logs.max_lines) {
            logs.exceeded = Some(LimitKind::LogLines);
        } else if logs.max_bytes != 0 && bytes > logs.max_bytes {
            logs.exceeded = Some(LimitKind::LogBytes);
        }
        if logs.exceeded.is_some() {
            return Err(LogLimitExceeded.into());
        }
        logs.bytes = bytes;
        logs.lines.push(LogLine {
            elapsed_us: logs.started.elapsed().as_micros() as u64,
            level: level.into(),
            message,
            position: position.map(Position::from),
        });
        Ok(())
    }
}

impl wit::Host for InvocationState {}
