//! Typed errors: what went wrong with a script, and what went wrong with the
//! executor that was running it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A 1-based line and column in a script's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Which limit stopped a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    // Interpreter limits, enforced by Rhai inside the guest.
    Operations,
    CallLevels,
    ExprDepth,
    StringSize,
    ArraySize,
    MapSize,
    Variables,
    Functions,
    Modules,
    // Sandbox limits, enforced by wasmtime.
    Fuel,
    Memory,
    Timeout,
    WasmStack,
    // Output limits, enforced by the host.
    LogLines,
    LogBytes,
    ResponseSize,
}

impl LimitKind {
    /// The name of the setting that controls this limit (a [`crate::Limits`]
    /// field, or the executor's `max_wasm_stack`).
    pub fn setting(self) -> &'static str {
        match self {
            LimitKind::Operations => "max_operations",
            LimitKind::CallLevels => "max_call_levels",
            LimitKind::ExprDepth => "max_expr_depth",
            LimitKind::StringSize => "max_string_size",
            LimitKind::ArraySize => "max_array_size",
            LimitKind::MapSize => "max_map_size",
            LimitKind::Variables => "max_variables",
            LimitKind::Functions => "max_functions",
            LimitKind::Modules => "max_modules",
            LimitKind::Fuel => "fuel",
            LimitKind::Memory => "memory_bytes",
            LimitKind::Timeout => "timeout_ms",
            LimitKind::WasmStack => "max_wasm_stack",
            LimitKind::LogLines => "max_log_lines",
            LimitKind::LogBytes => "max_log_bytes",
            LimitKind::ResponseSize => "max_response_bytes",
        }
    }
}

/// Everything that can go wrong with a script. Public callers see only a
/// generic error and the request id; this full form goes to the invocation
/// log and the admin API.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, thiserror::Error,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScriptError {
    /// The script does not parse.
    #[error("compile error{}: {message}", at(position))]
    Compile {
        message: String,
        position: Option<Position>,
    },
    /// The script threw, or failed while running.
    #[error("runtime error{}: {message}", at(position))]
    Runtime {
        message: String,
        position: Option<Position>,
    },
    /// A limit stopped the script.
    #[error("limit exceeded: {setting} = {value}{}: {message}", at(position), setting = limit.setting())]
    Limit {
        limit: LimitKind,
        /// The configured value of the limit that fired.
        value: u64,
        message: String,
        /// Where the script was when it was stopped, if known.
        position: Option<Position>,
    },
    /// The script returned a value that cannot become an HTTP response.
    #[error("invalid response: {message}")]
    InvalidResponse { message: String },
    /// The guest stopped for a reason that is not the script's: an
    /// interpreter bug. Reported rather than hidden.
    #[error("the interpreter crashed: {message}")]
    Crashed { message: String },
}

fn at(position: &Option<Position>) -> String {
    position.map(|p| format!(" at {p}")).unwrap_or_default()
}

impl ScriptError {
    /// The stable error code used in JSON error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            ScriptError::Compile { .. } => "compile_error",
            ScriptError::Runtime { .. } => "runtime_error",
            ScriptError::Limit { .. } => "limit_exceeded",
            ScriptError::InvalidResponse { .. } => "invalid_response",
            ScriptError::Crashed { .. } => "interpreter_crashed",
        }
    }

    /// The limit that fired, if this is a limit error.
    pub fn limit(&self) -> Option<LimitKind> {
        match self {
            ScriptError::Limit { limit, .. } => Some(*limit),
            _ => None,
        }
    }

    /// Where in the source the error is, if known.
    pub fn position(&self) -> Option<Position> {
        match self {
            ScriptError::Compile { position, .. }
            | ScriptError::Runtime { position, .. }
            | ScriptError::Limit { position, .. } => *position,
            _ => None,
        }
    }
}

/// A failure of the executor itself, not of the script: the invocation did
/// not run to a script outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExecutorError {
    /// Every instance slot is busy; retry shortly.
    #[error("the executor is at capacity ({capacity} concurrent invocations)")]
    Busy { capacity: u32 },
    /// The executor could not be reached (remote executors).
    #[error("the executor is unavailable: {message}")]
    Unavailable { message: String },
    /// The executor failed in a way that is a bug or a misconfiguration.
    #[error("executor failure: {message}")]
    Internal { message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_error_names_the_setting_value_and_position() {
        let err = ScriptError::Limit {
            limit: LimitKind::Operations,
            value: 500,
            message: "Too many operations".into(),
            position: Some(Position { line: 3, column: 7 }),
        };
        assert_eq!(
            err.to_string(),
            "limit exceeded: max_operations = 500 at line 3, column 7: Too many operations"
        );
        assert_eq!(err.code(), "limit_exceeded");
    }

    #[test]
    fn script_error_serializes_with_a_kind_tag() {
        let err = ScriptError::Compile {
            message: "oops".into(),
            position: Some(Position { line: 1, column: 2 }),
        };
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "compile", "message": "oops", "position": {"line": 1, "column": 2}})
        );
        assert_eq!(serde_json::from_value::<ScriptError>(json).unwrap(), err);
    }
}
