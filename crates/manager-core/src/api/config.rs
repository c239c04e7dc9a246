//! Configuration: limit defaults and per-script overrides, within the
//! operator's ceiling.

use axum::extract::{Path, State};
use picloud_shared::Limits;
use picloud_shared::catalog::CatalogChange;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson};
use crate::store::LimitValues;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConfigView {
    /// The defaults every script runs with (built-in, then changed values).
    limits: Limits,
    /// The values changed from the built-in defaults.
    overrides: LimitValues,
    /// The operator's ceiling (`0`: none).
    ceiling: Limits,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigUpdate {
    /// Limit name → value; replaces the changed defaults.
    limits: LimitValues,
}

/// Checks names and the ceiling. `0` means "no limit", which only a `0`
/// ceiling allows.
fn validate(values: &LimitValues, ceiling: &Limits) -> Result<(), ApiError> {
    for (name, &value) in values {
        let mut probe = Limits::default();
        probe
            .set(name, &value.to_string())
            .map_err(|e| ApiError::invalid("unknown_limit", e.to_string()))?;
        let max = ceiling.get(name).unwrap_or(0);
        if max != 0 && (value == 0 || value > max) {
            return Err(ApiError::invalid(
                "limit_above_ceiling",
                format!("{name} = {value} is above the operator's ceiling of {max}"),
            )
            .with("limit", name.as_str())
            .with("ceiling", max));
        }
    }
    Ok(())
}

#[utoipa::path(
    get,
    path = "/config",
    tag = "config",
    responses((status = 200, description = "Limit defaults and the ceiling", body = ConfigView), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn show(State(manager): State<AppState>) -> Result<ApiJson<ConfigView>, ApiError> {
    Ok(ApiJson(ConfigView {
        limits: manager.effective_limits(None).await?,
        overrides: manager.store.limit_defaults().await?,
        ceiling: manager.settings.ceiling,
    }))
}

#[utoipa::path(
    put,
    path = "/config",
    tag = "config",
    request_body = ConfigUpdate,
    responses((status = 200, description = "Updated", body = ConfigView), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn update(
    State(manager): State<AppState>,
    ApiJson(body): ApiJson<ConfigUpdate>,
) -> Result<ApiJson<ConfigView>, ApiError> {
    validate(&body.limits, &manager.settings.ceiling)?;
    manager.store.set_limit_defaults(&body.limits).await?;
    manager.changed(CatalogChange::All);
    show(State(manager)).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScriptLimitsView {
    /// What the script runs with.
    limits: Limits,
    /// The script's own overrides.
    overrides: LimitValues,
}

#[utoipa::path(
    get,
    path = "/scripts/{id}/limits",
    tag = "config",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    responses((status = 200, description = "The script's limits", body = ScriptLimitsView), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn script_limits(
    State(manager): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<ScriptLimitsView>, ApiError> {
    Ok(ApiJson(ScriptLimitsView {
        overrides: manager.store.script_limits(&id).await?,
        limits: manager.effective_limits(Some(&id)).await?,
    }))
}

#[utoipa::path(
    put,
    path = "/scripts/{id}/limits",
    tag = "config",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    request_body = ConfigUpdate,
    responses((status = 200, description = "Updated", body = ScriptLimitsView), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn set_script_limits(
    State(manager): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConfigUpdate>,
) -> Result<ApiJson<ScriptLimitsView>, ApiError> {
    validate(&body.limits, &manager.settings.ceiling)?;
    manager.store.set_script_limits(&id, &body.limits).await?;
    manager.changed(CatalogChange::Script(id.clone()));
    script_limits(State(manager), Path(id)).await
}
