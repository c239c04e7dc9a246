//! Bindings to the guest's world (`wit/picloud.wit`) and conversions between
//! the contract's types and `picloud_shared`'s.

use picloud_shared::{
    HttpRequest, HttpResponse, Invocation, LimitKind, Limits, LogLevel, Position, ScriptError,
};

pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "rhai-guest",
        imports: { default: trappable },
        exports: { default: async },
    });
}

pub(crate) use bindings::picloud::executor::types as wit;
pub(crate) use bindings::{RhaiGuest, RhaiGuestPre};

impl From<wit::Position> for Position {
    fn from(p: wit::Position) -> Self {
        Position {
            line: p.line,
            column: p.column,
        }
    }
}

impl From<wit::LogLevel> for LogLevel {
    fn from(level: wit::LogLevel) -> Self {
        match level {
            wit::LogLevel::Debug => LogLevel::Debug,
            wit::LogLevel::Info => LogLevel::Info,
            wit::LogLevel::Warn => LogLevel::Warn,
            wit::LogLevel::Error => LogLevel::Error,
        }
    }
}

fn limit_kind(limit: wit::RhaiLimit) -> LimitKind {
    match limit {
        wit::RhaiLimit::Operations => LimitKind::Operations,
        wit::RhaiLimit::CallLevels => LimitKind::CallLevels,
        wit::RhaiLimit::ExprDepth => LimitKind::ExprDepth,
        wit::RhaiLimit::StringSize => LimitKind::StringSize,
        wit::RhaiLimit::ArraySize => LimitKind::ArraySize,
        wit::RhaiLimit::MapSize => LimitKind::MapSize,
        wit::RhaiLimit::Variables => LimitKind::Variables,
        wit::RhaiLimit::Functions => LimitKind::Functions,
        wit::RhaiLimit::Modules => LimitKind::Modules,
        wit::RhaiLimit::ResponseSize => LimitKind::ResponseSize,
    }
}

impl From<wit::ScriptError> for ScriptError {
    fn from(err: wit::ScriptError) -> Self {
        match err {
            wit::ScriptError::Compile(d) => ScriptError::Compile {
                message: d.message,
                position: d.position.map(Into::into),
            },
            wit::ScriptError::Runtime(d) => ScriptError::Runtime {
                message: d.message,
                position: d.position.map(Into::into),
            },
            wit::ScriptError::Limit(d) => ScriptError::Limit {
                limit: limit_kind(d.limit),
                value: d.value,
                message: d.message,
                position: d.position.map(Into::into),
            },
            wit::ScriptError::InvalidResponse(message) => ScriptError::InvalidResponse { message },
        }
    }
}

impl From<wit::Response> for HttpResponse {
    fn from(r: wit::Response) -> Self {
        HttpResponse {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

pub(crate) fn rhai_limits(l: &Limits) -> wit::RhaiLimits {
    wit::RhaiLimits {
        max_operations: l.max_operations,
        max_call_levels: l.max_call_levels,
        max_expr_depth: l.max_expr_depth,
        max_function_expr_depth: l.max_function_expr_depth,
        max_string_size: l.max_string_size,
        max_array_size: l.max_array_size,
        max_map_size: l.max_map_size,
        max_variables: l.max_variables,
        max_functions: l.max_functions,
        max_modules: l.max_modules,
        max_response_bytes: l.max_response_bytes,
    }
}

pub(crate) fn request(r: HttpRequest) -> wit::Request {
    wit::Request {
        method: r.method,
        path: r.path,
        params: r.params,
        query: r.query,
        headers: r.headers,
        body: r.body,
    }
}

pub(crate) fn context(inv: &Invocation) -> wit::ScriptContext {
    wit::ScriptContext {
        script_id: inv.script.id.clone(),
        script_name: inv.script.name.clone(),
        version: inv.script.version,
        request_id: inv.request_id.clone(),
    }
}
