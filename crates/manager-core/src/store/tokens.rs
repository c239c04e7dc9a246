//! Admin tokens, stored as SHA-256 hashes only.

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, now_ms};

/// A token as it is listed: never the secret, never its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub label: String,
    #[serde(serialize_with = "super::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

impl Store {
    pub async fn create_token(&self, label: &str, hash: &str) -> Result<TokenInfo, StoreError> {
        let info = TokenInfo {
            id: uuid::Uuid::new_v4().to_string(),
            label: label.to_string(),
            created_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO admin_tokens (id, label, token_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&info.id)
        .bind(&info.label)
        .bind(hash)
        .bind(info.created_at)
        .execute(self.pool())
        .await?;
        Ok(info)
    }

    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows =
            sqlx::query("SELECT id, label, created_at FROM admin_tokens ORDER BY created_at, id")
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|row| {
                Ok(TokenInfo {
                    id: row.try_get("id")?,
                    label: row.try_get("label")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// `(id, hash)` of every token, for the authenticator's cache.
    pub async fn token_hashes(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, token_hash FROM admin_tokens")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("token_hash")?)))
            .collect()
    }

    pub async fn revoke_token(&self, id: &str) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM admin_tokens WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found("token", id));
        }
        Ok(())
    }
}
