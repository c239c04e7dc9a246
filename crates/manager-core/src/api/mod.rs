//! The admin API (`/api/v1/admin`): JSON in and out, bearer-token auth.

mod config;
mod error;
mod logs;
mod routes;
mod scripts;
mod session;
mod test_run;
mod tokens;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, ApiJson, ApiQuery};

use crate::Manager;

/// Version of the admin API, reported by `/version`.
pub const ADMIN_API_VERSION: &str = "1.0";

type AppState = Arc<Manager>;

/// The error body every failing admin request gets.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorFields,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct ErrorFields {
    /// Stable error code (docs/http-api.md).
    code: String,
    /// What went wrong, for a human.
    message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "PiCloud admin API", version = "1.0"),
    servers((url = "/api/v1/admin")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

impl Manager {
    /// The admin routes and their OpenAPI description, from one table, so
    /// the document lists exactly what is served.
    fn admin_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
        OpenApiRouter::with_openapi(ApiDoc::openapi())
            .routes(routes!(scripts::list, scripts::create))
            .routes(routes!(scripts::show, scripts::update, scripts::delete))
            .routes(routes!(scripts::versions))
            .routes(routes!(scripts::version))
            .routes(routes!(scripts::activate))
            .routes(routes!(routes::list_for_script, routes::create))
            .routes(routes!(test_run::saved))
            .routes(routes!(config::script_limits, config::set_script_limits))
            .routes(routes!(logs::list))
            .routes(routes!(logs::stream))
            .routes(routes!(config::show, config::update))
            .routes(routes!(test_run::draft))
            .routes(routes!(routes::list))
            .routes(routes!(routes::check))
            .routes(routes!(routes::matching))
            .routes(routes!(routes::delete))
            .routes(routes!(tokens::list, tokens::create))
            .routes(routes!(tokens::revoke))
            .routes(routes!(session::sign_in, session::show, session::sign_out))
            .routes(routes!(scripts::check))
            .routes(routes!(logs::list_all))
            .routes(routes!(logs::stats))
            .split_for_parts()
    }

    /// The OpenAPI 3 document of the admin API.
    pub fn openapi() -> utoipa::openapi::OpenApi {
        Self::admin_routes().1
    }

    /// The admin API under `/api/v1/admin`, and its OpenAPI document at
    /// `/api/v1/openapi.json`; merge it into the server's router. Every
    /// admin request needs `Authorization: Bearer <token>`; without a valid
    /// one the answer is 401 and nothing else happens.
    pub fn router(self: &Arc<Self>) -> Router {
        let (admin, openapi) = Self::admin_routes();
        let admin = admin
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(self.settings.max_body_bytes))
            .layer(middleware::from_fn_with_state(self.clone(), authenticate))
            .with_state(self.clone());
        let openapi = Arc::new(openapi);
        Router::new().nest("/api/v1/admin", admin).route(
            "/api/v1/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { Json(openapi.as_ref().clone()) }
            }),
        )
    }
}

async fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such admin endpoint",
    )
}

/// Admits a request with a valid token, as `Authorization: Bearer` or
/// the dashboard's session cookie. Signing in and out needs none.
async fn authenticate(State(manager): State<AppState>, request: Request, next: Next) -> Response {
    let session = request.uri().path().ends_with("/session");
    if session && request.method() != axum::http::Method::GET {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .or_else(|| session::cookie_token(request.headers()));
    match presented {
        Some(token) if manager.tokens.verify(token).await.is_some() => next.run(request).await,
        _ => ApiError::unauthorized().into_response(),
    }
}
