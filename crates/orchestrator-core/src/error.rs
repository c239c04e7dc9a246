//! The JSON errors public callers get: `{"error": {"code", "message",
//! "request_id"}}`. Script failures are generic here; the full error goes
//! to the invocation log under the request id.

use axum::Json;
use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use picloud_shared::{ExecutorError, LimitKind, ScriptError};
use serde_json::json;

use crate::edge::RequestId;

/// An error response for a public caller.
#[derive(Debug)]
pub struct PublicError {
    status: StatusCode,
    code: &'static str,
    message: String,
    request_id: Option<RequestId>,
    allow: Option<String>,
    retry_after: Option<u32>,
}

impl PublicError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        PublicError {
            status,
            code,
            message: message.into(),
            request_id: None,
            allow: None,
            retry_after: None,
        }
    }

    pub fn with_request_id(mut self, id: Option<RequestId>) -> Self {
        self.request_id = id;
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            "no route matches this request",
        )
    }

    pub(crate) fn method_not_allowed(allowed: &[String]) -> Self {
        let allow = allowed.join(", ");
        let mut err = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("this path answers {allow} only"),
        );
        err.allow = Some(allow);
        err
    }

    /// What a caller sees when the script failed.
    pub(crate) fn script(error: &ScriptError) -> Self {
        let hint = "its owner can find the details in the invocation log under this request id";
        match error.limit() {
            Some(LimitKind::Timeout) => Self::new(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout",
                format!("the script did not finish in time; {hint}"),
            ),
            Some(_) => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "limit_exceeded",
                format!("the script exceeded a resource limit; {hint}"),
            ),
            None => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "script_error",
                format!("the script failed; {hint}"),
            ),
        }
    }

    pub(crate) fn executor(error: &ExecutorError) -> Self {
        match error {
            ExecutorError::Busy { .. } => {
                let mut err = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the server is at capacity; retry shortly",
                );
                err.retry_after = Some(1);
                err
            }
            ExecutorError::Unavailable { .. } => Self::new(
                StatusCode::BAD_GATEWAY,
                "executor_unavailable",
                "the executor could not be reached",
            ),
            ExecutorError::Internal { .. } => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the executor failed",
            ),
        }
    }
}

impl IntoResponse for PublicError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if let Some(id) = &self.request_id {
            body["request_id"] = id.0.clone().into();
        }
        let mut response = (self.status, Json(json!({ "error": body }))).into_response();
        let headers = response.headers_mut();
        if let Some(allow) = self.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            headers.insert(ALLOW, allow);
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
