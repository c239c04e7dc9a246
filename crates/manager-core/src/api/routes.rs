//! Routes: create, list, delete, check for conflicts, and match a request.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use picloud_shared::routing::{MatchError, RouteError};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiQuery};
use crate::store::Route;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    method: String,
    path: String,
}

#[utoipa::path(
    post,
    path = "/scripts/{id}/routes",
    tag = "routes",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    request_body = RouteSpec,
    responses((status = 201, description = "Created", body = Route), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn create(
    State(manager): State<AppState>,
    Path(script_id): Path<String>,
    ApiJson(spec): ApiJson<RouteSpec>,
) -> Result<(StatusCode, ApiJson<Route>), ApiError> {
    let _guard = manager.route_writes.lock().await;
    manager.store.script(&script_id).await?;
    let (method, pattern) = manager
        .route_table()
        .await
        .check(&spec.method, &spec.path)?;
    let route = manager
        .store
        .create_route(&script_id, &method, pattern.as_str())
        .await?;
    manager.add_route(&route).await;
    Ok((StatusCode::CREATED, ApiJson(route)))
}

#[utoipa::path(
    get,
    path = "/routes",
    tag = "routes",
    responses((status = 200, description = "Every route", body = [Route]), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn list(State(manager): State<AppState>) -> Result<ApiJson<Vec<Route>>, ApiError> {
    Ok(ApiJson(manager.store.routes(None).await?))
}

#[utoipa::path(
    get,
    path = "/scripts/{id}/routes",
    tag = "routes",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    responses((status = 200, description = "The script's routes", body = [Route]), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn list_for_script(
    State(manager): State<AppState>,
    Path(script_id): Path<String>,
) -> Result<ApiJson<Vec<Route>>, ApiError> {
    manager.store.script(&script_id).await?;
    Ok(ApiJson(manager.store.routes(Some(&script_id)).await?))
}

#[utoipa::path(
    delete,
    path = "/routes/{route_id}",
    tag = "routes",
    params(("route_id" = String, Path, description = "Route id")),
    responses((status = 204, description = "Deleted"), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn delete(
    State(manager): State<AppState>,
    Path(route_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _guard = manager.route_writes.lock().await;
    manager.store.delete_route(&route_id).await?;
    manager.reload_routes().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckResult {
    ok: bool,
    method: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
}

/// Whether a route could be created. Always 200 for a well-formed request:
/// the verdict is in the body (a conflict names the route it collides with).
#[utoipa::path(
    post,
    path = "/routes/check",
    tag = "routes",
    request_body = RouteSpec,
    responses((status = 200, description = "Whether the route can be created", body = CheckResult), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn check(
    State(manager): State<AppState>,
    ApiJson(spec): ApiJson<RouteSpec>,
) -> Result<ApiJson<CheckResult>, ApiError> {
    let verdict = manager.route_table().await.check(&spec.method, &spec.path);
    let error = verdict.err().map(|err: RouteError| {
        let api = ApiError::from(err);
        let mut body = serde_json::Map::new();
        body.insert("code".into(), api.code.into());
        body.insert("message".into(), api.message.into());
        body.extend(api.details);
        serde_json::Value::Object(body)
    });
    Ok(ApiJson(CheckResult {
        ok: error.is_none(),
        method: spec.method.to_ascii_uppercase(),
        path: spec.path,
        error,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    method: String,
    path: String,
}

/// The route that answers a request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatchResult {
    route_id: String,
    script_id: String,
    /// The route's method (`*` for any).
    method: String,
    /// The route's path pattern.
    pattern: String,
    /// Extracted parameters.
    params: std::collections::BTreeMap<String, String>,
}

/// Which script and route would answer `METHOD path`, with the parameters.
#[utoipa::path(
    get,
    path = "/routes/match",
    tag = "routes",
    params(MatchQuery),
    responses((status = 200, description = "The route and script that answer", body = MatchResult), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn matching(
    State(manager): State<AppState>,
    ApiQuery(query): ApiQuery<MatchQuery>,
) -> Result<ApiJson<MatchResult>, ApiError> {
    let table = manager.route_table().await;
    match table.at(&query.method, &query.path) {
        Ok(found) => Ok(ApiJson(MatchResult {
            route_id: found.value.route_id.clone(),
            script_id: found.value.script_id.clone(),
            method: found.route.method.clone(),
            pattern: found.route.path.clone(),
            params: found.params.into_iter().collect(),
        })),
        Err(MatchError::NotFound) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            format!("no route matches {} {}", query.method, query.path),
        )),
        Err(MatchError::MethodNotAllowed { allowed }) => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!(
                "{} matches a route, but not for {}",
                query.path, query.method
            ),
        )
        .with("allowed", allowed)),
    }
}
