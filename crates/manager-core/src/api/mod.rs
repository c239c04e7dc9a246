//! The admin API (`/api/v1/admin`): JSON in and out, bearer-token auth.

mod config;
mod error;
mod logs;
mod routes;
mod scripts;
mod test_run;
mod tokens;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use error::{ApiError, ApiJson};

use crate::Manager;

/// Version of the admin API, reported by `/version`.
pub const ADMIN_API_VERSION: &str = "1.0";

type AppState = Arc<Manager>;

impl Manager {
    /// The admin API, to be nested at `/api/v1/admin`. Every request needs
    /// `Authorization: Bearer <token>`; without a valid one the answer is 401
    /// and nothing else happens.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/scripts", get(scripts::list).post(scripts::create))
            .route(
                "/scripts/{id}",
                get(scripts::show)
                    .put(scripts::update)
                    .delete(scripts::delete),
            )
            .route("/scripts/{id}/versions", get(scripts::versions))
            .route("/scripts/{id}/versions/{n}", get(scripts::version))
            .route(
                "/scripts/{id}/versions/{n}/activate",
                post(scripts::activate),
            )
            .route(
                "/scripts/{id}/routes",
                get(routes::list_for_script).post(routes::create),
            )
            .route("/scripts/{id}/test", post(test_run::saved))
            .route(
                "/scripts/{id}/limits",
                get(config::script_limits).put(config::set_script_limits),
            )
            .route("/scripts/{id}/logs", get(logs::list))
            .route("/logs/stream", get(logs::stream))
            .route("/config", get(config::show).put(config::update))
            .route("/test", post(test_run::draft))
            .route("/routes", get(routes::list))
            .route("/routes/check", post(routes::check))
            .route("/routes/match", get(routes::matching))
            .route("/routes/{route_id}", axum::routing::delete(routes::delete))
            .route("/tokens", get(tokens::list).post(tokens::create))
            .route("/tokens/{id}", axum::routing::delete(tokens::revoke))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(self.settings.max_body_bytes))
            .layer(middleware::from_fn_with_state(self.clone(), authenticate))
            .with_state(self.clone())
    }
}

async fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such admin endpoint",
    )
}

async fn authenticate(State(manager): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match presented {
        Some(token) if manager.tokens.verify(token).await.is_some() => next.run(request).await,
        _ => ApiError::unauthorized().into_response(),
    }
}
