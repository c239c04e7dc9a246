//! One invocation of a script: what goes in and what comes out.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Limits, Position, ScriptError};

/// The script to run: identity and source of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRef {
    pub id: String,
    pub name: String,
    pub version: u32,
    /// Shared so that a cached script is not copied per request.
    pub source: Arc<str>,
}

/// The HTTP request a script handles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// Route parameters (`/users/{id}` → `id`).
    pub params: Vec<(String, String)>,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header pairs; names lower-case.
    pub headers: Vec<(String, String)>,
    #[serde(with = "base64_body")]
    pub body: Vec<u8>,
}

/// Everything the executor needs to run a script once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    pub request_id: String,
    pub script: ScriptRef,
    pub request: HttpRequest,
    pub limits: Limits,
}

/// The response a script produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    /// Header pairs; names lower-case.
    pub headers: Vec<(String, String)>,
    #[serde(with = "base64_body")]
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// One line a script logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogLine {
    /// Microseconds since the invocation started.
    pub elapsed_us: u64,
    pub level: LogLevel,
    pub message: String,
    /// Where in the script it was logged, when known.
    pub position: Option<Position>,
}

/// The outcome of an invocation that ran: the script's response or error,
/// and everything it logged either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvocationResult {
    pub outcome: Result<HttpResponse, ScriptError>,
    pub logs: Vec<LogLine>,
    /// Wall-clock time of the invocation, in microseconds.
    pub duration_us: u64,
    /// Fuel the script consumed, when fuel metering is on.
    pub fuel_consumed: Option<u64>,
}

/// What the orchestrator reports about one finished invocation, for the
/// manager's invocation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvocationRecord {
    /// The request id.
    pub id: String,
    pub script_id: String,
    pub version: u32,
    /// Unix milliseconds.
    pub started_at: i64,
    pub method: String,
    pub path: String,
    /// The HTTP status sent to the caller.
    pub status: u16,
    /// The script's error, if it failed.
    pub error: Option<ScriptError>,
    pub duration_us: u64,
    pub logs: Vec<LogLine>,
}

/// Bodies travel as base64 strings in JSON (to a remote executor), not as
/// arrays of numbers.
mod base64_body {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_travel_as_base64() {
        let request = HttpRequest {
            method: "POST".into(),
            body: vec![0, 255, b'a'],
            ..HttpRequest::default()
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["body"], "AP9h");
        assert_eq!(
            serde_json::from_value::<HttpRequest>(json).unwrap(),
            request
        );
    }
}
