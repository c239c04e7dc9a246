//! Routes: create, list, delete, check for conflicts, and match a request.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use picloud_shared::routing::{MatchError, RouteError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::error::{ApiError, ApiJson};
use crate::store::Route;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    method: String,
    path: String,
}

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
    manager.reload_routes().await?;
    Ok((StatusCode::CREATED, ApiJson(route)))
}

pub async fn list(State(manager): State<AppState>) -> Result<ApiJson<Vec<Route>>, ApiError> {
    Ok(ApiJson(manager.store.routes(None).await?))
}

pub async fn list_for_script(
    State(manager): State<AppState>,
    Path(script_id): Path<String>,
) -> Result<ApiJson<Vec<Route>>, ApiError> {
    manager.store.script(&script_id).await?;
    Ok(ApiJson(manager.store.routes(Some(&script_id)).await?))
}

pub async fn delete(
    State(manager): State<AppState>,
    Path(route_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _guard = manager.route_writes.lock().await;
    manager.store.delete_route(&route_id).await?;
    manager.reload_routes().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
pub struct CheckResult {
    ok: bool,
    method: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
}

/// Whether a route could be created. Always 200 for a well-formed request:
/// the verdict is in the body (a conflict names the route it collides with).
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchQuery {
    method: String,
    path: String,
}

/// Which script and route would answer `METHOD path`, with the parameters.
pub async fn matching(
    State(manager): State<AppState>,
    query: Result<Query<MatchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<serde_json::Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::invalid("invalid_query", e.body_text()))?;
    let table = manager.route_table().await;
    match table.at(&query.method, &query.path) {
        Ok(found) => Ok(ApiJson(json!({
            "route_id": found.value.route_id,
            "script_id": found.value.script_id,
            "method": found.route.method,
            "pattern": found.route.path,
            "params": found.params.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect::<serde_json::Map<_, _>>(),
        }))),
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
