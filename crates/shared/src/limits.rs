//! Per-invocation limits: the interpreter's, the sandbox's and the host's.

use serde::{Deserialize, Serialize};

/// Every limit that applies to one invocation. `0` means "no limit".
///
/// The Rhai limits are enforced by the interpreter inside the guest; the
/// sandbox limits (`fuel`, `memory_bytes`, `timeout_ms`) by wasmtime, so they
/// still hold when every Rhai limit is off; the output limits by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Rhai operations (roughly: expressions evaluated).
    pub max_operations: u64,
    /// Depth of nested Rhai function calls.
    pub max_call_levels: u32,
    /// Depth of nested expressions at the top level of a script.
    pub max_expr_depth: u32,
    /// Depth of nested expressions inside functions.
    pub max_function_expr_depth: u32,
    /// Length of a string, in bytes.
    pub max_string_size: u32,
    /// Elements of an array or bytes of a blob.
    pub max_array_size: u32,
    /// Entries of an object map.
    pub max_map_size: u32,
    /// Variables in scope.
    pub max_variables: u32,
    /// Functions a script may define.
    pub max_functions: u32,
    /// Modules a script may import.
    pub max_modules: u32,
    /// Wasm fuel: the CPU budget that means the same on every machine. Only
    /// enforced when the executor runs with fuel metering (the default).
    pub fuel: u64,
    /// Guest linear memory, in bytes.
    pub memory_bytes: u64,
    /// Wall-clock deadline, in milliseconds.
    pub timeout_ms: u64,
    /// Log lines per invocation.
    pub max_log_lines: u32,
    /// Bytes of log messages per invocation.
    pub max_log_bytes: u64,
    /// Bytes of response body.
    pub max_response_bytes: u64,
}

impl Default for Limits {
    /// Production defaults: generous for an HTTP handler, small enough that a
    /// runaway script is stopped within about a second of CPU.
    fn default() -> Self {
        Limits {
            max_operations: 5_000_000,
            max_call_levels: 64,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 1 << 20,
            max_array_size: 10_000,
            max_map_size: 10_000,
            max_variables: 1_000,
            max_functions: 256,
            max_modules: 16,
            fuel: 10_000_000_000,
            memory_bytes: 64 << 20,
            timeout_ms: 5_000,
            max_log_lines: 1_000,
            max_log_bytes: 256 << 10,
            max_response_bytes: 8 << 20,
        }
    }
}

/// A `--limit NAME=VALUE` that names no limit or has a bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownLimit {
    #[error("unknown limit `{0}` (known: {known})", known = Limits::NAMES.join(", "))]
    Name(String),
    #[error("limit `{name}` needs a non-negative integer, got `{value}`")]
    Value { name: String, value: String },
    #[error("limit `{0}` needs a value: NAME=VALUE")]
    Missing(String),
}

macro_rules! limit_fields {
    ($($field:ident: $ty:ty),* $(,)?) => {
        impl Limits {
            /// The names accepted by [`Limits::set`], as in the config file.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Sets one limit by name, as `picloud run --limit NAME=VALUE` does.
            pub fn set(&mut self, name: &str, value: &str) -> Result<(), UnknownLimit> {
                let bad = || UnknownLimit::Value { name: name.to_string(), value: value.to_string() };
                match name {
                    $(stringify!($field) => self.$field = value.parse::<$ty>().map_err(|_| bad())?,)*
                    _ => return Err(UnknownLimit::Name(name.to_string())),
                }
                Ok(())
            }

            /// The value of one limit by name.
            pub fn get(&self, name: &str) -> Option<u64> {
                match name {
                    $(stringify!($field) => Some(self.$field as u64),)*
                    _ => None,
                }
            }
        }
    };
}

limit_fields! {
    max_operations: u64,
    max_call_levels: u32,
    max_expr_depth: u32,
    max_function_expr_depth: u32,
    max_string_size: u32,
    max_array_size: u32,
    max_map_size: u32,
    max_variables: u32,
    max_functions: u32,
    max_modules: u32,
    fuel: u64,
    memory_bytes: u64,
    timeout_ms: u64,
    max_log_lines: u32,
    max_log_bytes: u64,
    max_response_bytes: u64,
}

impl Limits {
    /// Parses `NAME=VALUE` and applies it.
    pub fn apply(&mut self, assignment: &str) -> Result<(), UnknownLimit> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| UnknownLimit::Missing(assignment.to_string()))?;
        self.set(name.trim(), value.trim())
    }

    /// These limits with every interpreter (Rhai) limit switched off, leaving
    /// the sandbox and host limits alone.
    pub fn without_rhai_limits(self) -> Self {
        Limits {
            max_operations: 0,
            max_call_levels: 0,
            max_expr_depth: 0,
            max_function_expr_depth: 0,
            max_string_size: 0,
            max_array_size: 0,
            max_map_size: 0,
            max_variables: 0,
            max_functions: 0,
            max_modules: 16,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_by_name_and_reject_unknown() {
        let mut limits = Limits::default();
        limits.apply("max_operations=42").unwrap();
        assert_eq!(limits.max_operations, 42);
        assert_eq!(limits.get("max_operations"), Some(42));
        assert_eq!(
            limits.apply("nope=1"),
            Err(UnknownLimit::Name("nope".into()))
        );
        assert!(matches!(
            limits.apply("fuel=-1"),
            Err(UnknownLimit::Value { .. })
        ));
        assert!(matches!(
            limits.apply("fuel"),
            Err(UnknownLimit::Missing(_))
        ));
    }

    #[test]
    fn names_cover_every_field() {
        let json = serde_json::to_value(Limits::default()).unwrap();
        let fields = json.as_object().unwrap();
        assert_eq!(fields.len(), Limits::NAMES.len());
        for name in Limits::NAMES {
            assert!(fields.contains_key(*name), "{name} is not a field");
        }
    }

    #[test]
    fn partial_json_fills_defaults_and_rejects_unknown_fields() {
        let limits: Limits = serde_json::from_str(r#"{"timeout_ms": 10}"#).unwrap();
        assert_eq!(limits.timeout_ms, 10);
        assert_eq!(limits.fuel, Limits::default().fuel);
        assert!(serde_json::from_str::<Limits>(r#"{"bogus": 1}"#).is_err());
    }
}
