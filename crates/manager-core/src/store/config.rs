//! Configuration: limit defaults and per-script overrides.

use std::collections::BTreeMap;

use sqlx::Row;

use super::{Store, StoreError};

/// Limit values by name, as stored and as sent over the API.
pub type LimitValues = BTreeMap<String, u64>;

const LIMIT_DEFAULTS: &str = "limit_defaults";

fn parse(json: &str) -> Result<LimitValues, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Config(format!("stored limits are not valid JSON: {e}")))
}

impl Store {
    /// Reads one optional JSON map of limits: `sql` selects it as `value`
    /// for the key `$1`.
    async fn read_limits(&self, sql: &str, key: &str) -> Result<LimitValues, StoreError> {
        let row = sqlx::query(sql)
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => parse(&row.try_get::<String, _>("value")?),
            None => Ok(LimitValues::new()),
        }
    }

    /// Upserts a JSON map of limits: `sql` takes the key as `$1` and the
    /// JSON as `$2`.
    async fn write_limits(
        &self,
        sql: &str,
        key: &str,
        values: &LimitValues,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(values).expect("a map of numbers serializes");
        sqlx::query(sql)
            .bind(key)
            .bind(json)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The limit defaults set through the API (only the ones changed).
    pub async fn limit_defaults(&self) -> Result<LimitValues, StoreError> {
        self.read_limits("SELECT value FROM config WHERE key = $1", LIMIT_DEFAULTS)
            .await
    }

    pub async fn set_limit_defaults(&self, values: &LimitValues) -> Result<(), StoreError> {
        self.write_limits(
            "INSERT INTO config (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            LIMIT_DEFAULTS,
            values,
        )
        .await
    }

    pub async fn script_limits(&self, script_id: &str) -> Result<LimitValues, StoreError> {
        self.script(script_id).await?;
        self.read_limits(
            "SELECT overrides AS value FROM script_limits WHERE script_id = $1",
            script_id,
        )
        .await
    }

    pub async fn set_script_limits(
        &self,
        script_id: &str,
        values: &LimitValues,
    ) -> Result<(), StoreError> {
        self.script(script_id).await?;
        self.write_limits(
            "INSERT INTO script_limits (script_id, overrides) VALUES ($1, $2) \
             ON CONFLICT (script_id) DO UPDATE SET overrides = excluded.overrides",
            script_id,
            values,
        )
        .await
    }
}
