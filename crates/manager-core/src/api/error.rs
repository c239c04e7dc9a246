//! The admin API's error responses: `{"error": {"code", "message", ...}}`
//! with stable codes (documented in `docs/http-api.md`).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use picloud_shared::routing::RouteError;
use picloud_shared::{ExecutorError, ScriptError};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::store::StoreError;

/// An error as the admin API reports it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Extra fields beside `code` and `message` (line, column, conflict, …).
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid admin token is required: Authorization: Bearer <token>",
        )
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("code".into(), self.code.into());
        error.insert("message".into(), self.message.into());
        error.extend(self.details);
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { what, id } => {
                let code = match what {
                    "script" => "script_not_found",
                    "version" => "version_not_found",
                    "route" => "route_not_found",
                    "token" => "token_not_found",
                    _ => "not_found",
                };
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    code,
                    format!("{what} `{id}` not found"),
                )
            }
            StoreError::Conflict(message) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the store failed; see the server log",
                )
            }
        }
    }
}

impl From<RouteError> for ApiError {
    fn from(err: RouteError) -> Self {
        let message = err.to_string();
        match err {
            RouteError::Method(_) => ApiError::invalid("invalid_method", message),
            RouteError::Path { .. } => ApiError::invalid("invalid_route", message),
            RouteError::Reserved { prefix, .. } => {
                ApiError::invalid("reserved_route", message).with("prefix", prefix)
            }
            RouteError::Conflict { existing, .. } => {
                ApiError::new(StatusCode::CONFLICT, "route_conflict", message).with(
                    "conflicts_with",
                    json!({ "method": existing.method, "path": existing.path }),
                )
            }
        }
    }
}

impl From<ExecutorError> for ApiError {
    fn from(err: ExecutorError) -> Self {
        let status = match err {
            ExecutorError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ExecutorError::Unavailable { .. } => StatusCode::BAD_GATEWAY,
            ExecutorError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, "executor_unavailable", err.to_string())
    }
}

/// A script error as a 400 for uploads: the compile message with its line
/// and column.
pub fn script_rejected(err: &ScriptError) -> ApiError {
    let mut api = ApiError::invalid(err.code(), err.to_string());
    if let Some(pos) = err.position() {
        api = api.with("line", pos.line).with("column", pos.column);
    }
    api
}

/// `axum::Json`, with its rejections reported in the API's error format.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// `axum::extract::Query`, with its rejection reported as `invalid_query`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|e| ApiError::invalid("invalid_query", e.body_text()))
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::JsonSyntaxError(_) => ApiError::invalid("invalid_json", detail),
        JsonRejection::JsonDataError(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", detail)
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `content-type: application/json`",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than the configured limit",
        ),
        other => ApiError::new(other.status(), "invalid_body", detail),
    }
}

impl<T> IntoResponse for ApiJson<T>
where
    Json<T>: IntoResponse,
{
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
