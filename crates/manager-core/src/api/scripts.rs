//! Scripts and their versions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use picloud_shared::catalog::CatalogChange;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson, script_rejected};
use crate::Manager;
use crate::store::{NewScript, Script, ScriptUpdate, ScriptVersion};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateScript {
    name: String,
    source: String,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateScript {
    name: Option<String>,
    source: Option<String>,
    description: Option<String>,
}

/// A version as listed: without its source.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionSummary {
    version: i64,
    #[serde(serialize_with = "crate::store::rfc3339")]
    created_at: i64,
    active: bool,
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "invalid_name",
            format!("invalid script name {name:?}: use 1-100 letters, digits, `-`, `_` or `.`"),
        ))
    }
}

impl Manager {
    /// Rejects a source over the script size cap.
    pub(crate) fn check_script_size(&self, source: &str) -> Result<(), ApiError> {
        let max = self.settings.max_script_bytes;
        if source.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "script_too_large",
                format!("the script is {} bytes; the limit is {max}", source.len()),
            ));
        }
        Ok(())
    }

    /// Rejects a source that is too large or does not compile. Nothing is
    /// stored before this passes.
    pub(crate) async fn validate_source(&self, source: &str) -> Result<(), ApiError> {
        self.check_script_size(source)?;
        self.executor
            .check(source, &self.settings.limits)
            .await?
            .map_err(|e| script_rejected(&e))
    }
}

#[utoipa::path(
    post,
    path = "/scripts",
    tag = "scripts",
    request_body = CreateScript,
    responses((status = 201, description = "Created (version 1)", body = Script), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn create(
    State(manager): State<AppState>,
    ApiJson(body): ApiJson<CreateScript>,
) -> Result<(StatusCode, ApiJson<Script>), ApiError> {
    validate_name(&body.name)?;
    manager.validate_source(&body.source).await?;
    let script = manager
        .store
        .create_script(NewScript {
            name: body.name,
            description: body.description,
            source: body.source,
        })
        .await?;
    Ok((StatusCode::CREATED, ApiJson(script)))
}

#[utoipa::path(
    get,
    path = "/scripts",
    tag = "scripts",
    responses((status = 200, description = "Every script", body = [Script]), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn list(State(manager): State<AppState>) -> Result<ApiJson<Vec<Script>>, ApiError> {
    Ok(ApiJson(manager.store.scripts().await?))
}

/// A script with its active source.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScriptDetail {
    #[serde(flatten)]
    script: Script,
    source: String,
}

#[utoipa::path(
    get,
    path = "/scripts/{id}",
    tag = "scripts",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    responses((status = 200, description = "The script with its active source", body = ScriptDetail), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn show(
    State(manager): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<ScriptDetail>, ApiError> {
    let script = manager.store.script_by_id_or_name(&id).await?;
    let (script, source) = manager.store.active_source(&script.id).await?;
    Ok(ApiJson(ScriptDetail { script, source }))
}

#[utoipa::path(
    put,
    path = "/scripts/{id}",
    tag = "scripts",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    request_body = UpdateScript,
    responses((status = 200, description = "Updated; a new source is a new version", body = Script), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn update(
    State(manager): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateScript>,
) -> Result<ApiJson<Script>, ApiError> {
    if let Some(name) = &body.name {
        validate_name(name)?;
    }
    let current = manager.store.script(&id).await?;
    // An unchanged source is not a new version.
    let source = match body.source {
        Some(source) => {
            let (_, active) = manager.store.active_source(&current.id).await?;
            if source == active {
                None
            } else {
                manager.validate_source(&source).await?;
                Some(source)
            }
        }
        None => None,
    };
    let script = manager
        .store
        .update_script(
            &id,
            ScriptUpdate {
                name: body.name,
                description: body.description,
                source,
            },
        )
        .await?;
    manager.changed(CatalogChange::Script(script.id.clone()));
    Ok(ApiJson(script))
}

#[utoipa::path(
    delete,
    path = "/scripts/{id}",
    tag = "scripts",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    responses((status = 204, description = "Deleted with its versions, routes, limits and logs"), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn delete(
    State(manager): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _guard = manager.route_writes.lock().await;
    manager.store.delete_script(&id).await?;
    manager.changed(CatalogChange::Script(id));
    manager.reload_routes().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/scripts/{id}/versions",
    tag = "scripts",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    responses((status = 200, description = "Versions, newest first", body = [VersionSummary]), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn versions(
    State(manager): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<Vec<VersionSummary>>, ApiError> {
    let script = manager.store.script(&id).await?;
    let versions = manager.store.versions(&id).await?;
    Ok(ApiJson(
        versions
            .into_iter()
            .map(|v| VersionSummary {
                active: v.version == script.version,
                created_at: v.created_at,
                version: v.version,
            })
            .collect(),
    ))
}

fn version_number(n: &str) -> Result<i64, ApiError> {
    n.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
        ApiError::invalid(
            "invalid_version",
            format!("`{n}` is not a version number (1, 2, …)"),
        )
    })
}

#[utoipa::path(
    get,
    path = "/scripts/{id}/versions/{n}",
    tag = "scripts",
    params(("id" = String, Path, description = "Script id (or name where noted)"), ("n" = i64, Path, description = "Version number")),
    responses((status = 200, description = "One version", body = ScriptVersion), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn version(
    State(manager): State<AppState>,
    Path((id, n)): Path<(String, String)>,
) -> Result<ApiJson<ScriptVersion>, ApiError> {
    manager.store.script(&id).await?;
    Ok(ApiJson(
        manager.store.version(&id, version_number(&n)?).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/scripts/{id}/versions/{n}/activate",
    tag = "scripts",
    params(("id" = String, Path, description = "Script id (or name where noted)"), ("n" = i64, Path, description = "Version number")),
    responses((status = 200, description = "The version is active", body = Script), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn activate(
    State(manager): State<AppState>,
    Path((id, n)): Path<(String, String)>,
) -> Result<ApiJson<Script>, ApiError> {
    let n = version_number(&n)?;
    let script = manager.store.activate_version(&id, n).await?;
    manager.changed(CatalogChange::Script(script.id.clone()));
    Ok(ApiJson(script))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckScript {
    source: String,
}

/// The verdict on a source: `ok`, or the error with its line and column.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SourceCheck {
    ok: bool,
    /// `{code, message, line, column}` when the source does not compile.
    error: Option<serde_json::Value>,
}

/// Compiles a source without storing or running it (the editor's live check).
#[utoipa::path(
    post,
    path = "/check",
    tag = "scripts",
    request_body = CheckScript,
    responses((status = 200, description = "The verdict (a compile error is a 200 with `ok: false`)", body = SourceCheck), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn check(
    State(manager): State<AppState>,
    ApiJson(body): ApiJson<CheckScript>,
) -> Result<ApiJson<SourceCheck>, ApiError> {
    manager.check_script_size(&body.source)?;
    let verdict = manager
        .executor
        .check(&body.source, &manager.settings.limits)
        .await?;
    Ok(ApiJson(match verdict {
        Ok(()) => SourceCheck {
            ok: true,
            error: None,
        },
        Err(err) => {
            let position = err.position();
            SourceCheck {
                ok: false,
                error: Some(serde_json::json!({
                    "code": err.code(),
                    "message": err.to_string(),
                    "line": position.map(|p| p.line),
                    "column": position.map(|p| p.column),
                })),
            }
        }
    }))
}
