//! Admin tokens: list (never the secret), create (the secret, once), revoke.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson};
use crate::store::TokenInfo;
use crate::{generate_token, hash_token};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    label: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    info: TokenInfo,
    /// The secret; shown only in this response.
    token: String,
}

#[utoipa::path(
    get,
    path = "/tokens",
    tag = "tokens",
    responses((status = 200, description = "Tokens, without secrets", body = [TokenInfo]), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn list(State(manager): State<AppState>) -> Result<ApiJson<Vec<TokenInfo>>, ApiError> {
    Ok(ApiJson(manager.store.tokens().await?))
}

#[utoipa::path(
    post,
    path = "/tokens",
    tag = "tokens",
    request_body = CreateToken,
    responses((status = 201, description = "Created; the secret is shown only here", body = CreatedToken), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn create(
    State(manager): State<AppState>,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, ApiJson<CreatedToken>), ApiError> {
    let label = body.label.trim();
    if label.is_empty() || label.len() > 100 {
        return Err(ApiError::invalid(
            "invalid_label",
            "a token label must be 1-100 characters",
        ));
    }
    let token = generate_token();
    let info = manager
        .store
        .create_token(label, &hash_token(&token))
        .await?;
    manager.tokens.reload(&manager.store).await?;
    Ok((StatusCode::CREATED, ApiJson(CreatedToken { info, token })))
}

#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    responses((status = 204, description = "Revoked"), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn revoke(
    State(manager): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let tokens = manager.store.tokens().await?;
    if tokens.len() == 1 && tokens[0].id == id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "last_token",
            "this is the only admin token; create another before revoking it",
        ));
    }
    manager.store.revoke_token(&id).await?;
    manager.tokens.reload(&manager.store).await?;
    Ok(StatusCode::NO_CONTENT)
}
