//! Building the Rhai engine and applying per-invocation limits.

use rhai::{Dynamic, Engine, EvalAltResult, Module, NativeCallContext};

use crate::bindings::picloud::executor::host;
use crate::bindings::picloud::executor::types::{LogLevel, RhaiLimits};
use crate::errors::to_position;

const SLEEP_UNAVAILABLE: &str = "sleep() is not available: a PiCloud script may not block; it runs within a wall-clock deadline";

/// Builds the engine with the standard packages and PiCloud's additions:
/// `print`/`debug` and the `log::*` functions go to the host, and `sleep`
/// fails clearly instead of blocking a worker.
pub fn build() -> Engine {
    let mut engine = Engine::new();
    // No files to import from: the sandbox has no filesystem.
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.on_print(|text| host::log(LogLevel::Info, text, None));
    engine.on_debug(|text, _source, pos| host::log(LogLevel::Debug, text, to_position(pos)));

    let mut log = Module::new();
    // `debug` is a Rhai keyword, so debug-level lines come from `debug(..)`.
    for (name, level) in [
        ("info", LogLevel::Info),
        ("warn", LogLevel::Warn),
        ("error", LogLevel::Error),
    ] {
        log.set_native_fn(name, move |ctx: NativeCallContext, message: Dynamic| {
            log_value(level, &ctx, message);
            Ok(())
        });
    }
    engine.register_static_module("log", log.into());

    // Rhai's own `sleep` would block the instance's thread; replace it with
    // a clear error (exact parameter types, so these win over the package's).
    engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> {
        Err(SLEEP_UNAVAILABLE.into())
    });
    engine.register_fn(
        "sleep",
        |_: rhai::FLOAT| -> Result<(), Box<EvalAltResult>> { Err(SLEEP_UNAVAILABLE.into()) },
    );
    engine
}

fn log_value(level: LogLevel, ctx: &NativeCallContext, message: Dynamic) {
    let text = if message.is_string() {
        message
            .into_immutable_string()
            .unwrap_or_default()
            .to_string()
    } else {
        message.to_string()
    };
    host::log(level, &text, to_position(ctx.call_position()));
}

/// Rhai uses 0 for "unlimited" on size limits but for "none allowed" on
/// counts; the contract uses 0 for "unlimited" everywhere.
fn count(limit: u32) -> usize {
    if limit == 0 {
        usize::MAX
    } else {
        limit as usize
    }
}

pub fn apply_limits(engine: &mut Engine, l: &RhaiLimits) {
    engine
        .set_max_operations(l.max_operations)
        .set_max_call_levels(count(l.max_call_levels))
        .set_max_expr_depths(
            l.max_expr_depth as usize,
            l.max_function_expr_depth as usize,
        )
        .set_max_string_size(l.max_string_size as usize)
        .set_max_array_size(l.max_array_size as usize)
        .set_max_map_size(l.max_map_size as usize)
        .set_max_variables(count(l.max_variables))
        .set_max_functions(count(l.max_functions))
        .set_max_modules(count(l.max_modules));
}
