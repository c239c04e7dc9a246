//! Scripts and their immutable versions.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, conflict_on_unique, now_ms};

/// A script, pointing at its active version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Script {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The version that runs.
    pub version: i64,
    /// The newest version (≥ `version` after a rollback).
    pub latest_version: i64,
    #[serde(serialize_with = "super::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "super::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
}

/// One immutable version of a script's source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScriptVersion {
    pub version: i64,
    #[serde(serialize_with = "super::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct NewScript {
    pub name: String,
    pub description: String,
    pub source: String,
}

/// A change to a script; `None` leaves a field as it is. A new source makes
/// a new version and activates it.
#[derive(Debug, Clone, Default)]
pub struct ScriptUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
}

const COLUMNS: &str =
    "id, name, description, active_version, latest_version, created_at, updated_at";

fn script(row: &AnyRow) -> Result<Script, sqlx::Error> {
    Ok(Script {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        version: row.try_get("active_version")?,
        latest_version: row.try_get("latest_version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn script_version(row: &AnyRow) -> Result<ScriptVersion, sqlx::Error> {
    Ok(ScriptVersion {
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        source: row.try_get("source")?,
    })
}

fn name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("a script named `{name}` already exists")
}

impl Store {
    /// Creates a script as version 1, atomically.
    pub async fn create_script(&self, new: NewScript) -> Result<Script, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO scripts (id, name, description, active_version, latest_version, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, 1, $4, $4)",
        )
        .bind(&id)
        .bind(&new.name)
        .bind(&new.description)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, name_taken(&new.name)))?;
        sqlx::query(
            "INSERT INTO script_versions (script_id, version, source, created_at) VALUES ($1, 1, $2, $3)",
        )
        .bind(&id)
        .bind(&new.source)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.script(&id).await
    }

    pub async fn scripts(&self) -> Result<Vec<Script>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM scripts ORDER BY name"))
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(script).collect::<Result<_, _>>()?)
    }

    pub async fn script(&self, id: &str) -> Result<Script, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM scripts WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("script", id))?;
        Ok(script(&row)?)
    }

    /// A script by id or, failing that, by name.
    pub async fn script_by_id_or_name(&self, key: &str) -> Result<Script, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scripts WHERE id = $1 OR name = $1"
        ))
        .bind(key)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("script", key))?;
        Ok(script(&row)?)
    }

    /// Applies an update in one transaction. Concurrent updates of one script
    /// are serialized by the row lock taken by the first `UPDATE`, so each
    /// new source gets its own version number and none is lost.
    pub async fn update_script(
        &self,
        id: &str,
        update: ScriptUpdate,
    ) -> Result<Script, StoreError> {
        let now = now_ms();
        let mut tx = self.pool().begin().await?;
        let touched = sqlx::query(
            "UPDATE scripts SET name = COALESCE($2, name), description = COALESCE($3, description), updated_at = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(update.name.as_deref())
        .bind(update.description.as_deref())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, name_taken(update.name.as_deref().unwrap_or(""))))?;
        if touched.rows_affected() == 0 {
            return Err(StoreError::not_found("script", id));
        }
        if let Some(source) = &update.source {
            let row = sqlx::query(
                "UPDATE scripts SET latest_version = latest_version + 1, active_version = latest_version + 1 \
                 WHERE id = $1 RETURNING latest_version",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let version: i64 = row.try_get("latest_version")?;
            sqlx::query(
                "INSERT INTO script_versions (script_id, version, source, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(version)
            .bind(source)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.script(id).await
    }

    /// Deletes a script with its versions and routes.
    pub async fn delete_script(&self, id: &str) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        // Explicit, not only ON DELETE CASCADE: the same on both backends.
        for table in ["routes", "script_limits", "invocations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE script_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM script_versions WHERE script_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM scripts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found("script", id));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every version of a script, newest first.
    pub async fn versions(&self, id: &str) -> Result<Vec<ScriptVersion>, StoreError> {
        self.script(id).await?;
        let rows = sqlx::query(
            "SELECT version, source, created_at FROM script_versions WHERE script_id = $1 ORDER BY version DESC",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(script_version).collect::<Result<_, _>>()?)
    }

    pub async fn version(&self, id: &str, number: i64) -> Result<ScriptVersion, StoreError> {
        let row = sqlx::query(
            "SELECT version, source, created_at FROM script_versions WHERE script_id = $1 AND version = $2",
        )
        .bind(id)
        .bind(number)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("version", format!("{id}@{number}")))?;
        Ok(script_version(&row)?)
    }

    /// Makes an existing version the active one (rollback or roll forward).
    pub async fn activate_version(&self, id: &str, version: i64) -> Result<Script, StoreError> {
        self.script(id).await?;
        self.version(id, version).await?;
        sqlx::query("UPDATE scripts SET active_version = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(version)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        self.script(id).await
    }

    /// The active version's source.
    pub async fn active_source(&self, id: &str) -> Result<(Script, String), StoreError> {
        let script = self.script(id).await?;
        let version = self.version(id, script.version).await?;
        Ok((script, version.source))
    }
}
