//! Routes: `METHOD /pattern` bound to a script.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, conflict_on_unique, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Route {
    pub id: String,
    pub script_id: String,
    /// `GET`, `POST`, … or `*` for any.
    pub method: String,
    pub path: String,
    #[serde(serialize_with = "super::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

fn route(row: &AnyRow) -> Result<Route, sqlx::Error> {
    Ok(Route {
        id: row.try_get("id")?,
        script_id: row.try_get("script_id")?,
        method: row.try_get("method")?,
        path: row.try_get("path")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Every route, or those of one script.
    pub async fn routes(&self, script_id: Option<&str>) -> Result<Vec<Route>, StoreError> {
        let sql = "SELECT id, script_id, method, path, created_at FROM routes \
                   WHERE ($1 IS NULL OR script_id = $1) ORDER BY path, method";
        let rows = sqlx::query(sql)
            .bind(script_id)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(route).collect::<Result<_, _>>()?)
    }

    /// Stores a route. Whether it conflicts with another is decided by the
    /// caller's route table; the unique constraint is the last line.
    pub async fn create_route(
        &self,
        script_id: &str,
        method: &str,
        path: &str,
    ) -> Result<Route, StoreError> {
        self.script(script_id).await?;
        let route = Route {
            id: uuid::Uuid::new_v4().to_string(),
            script_id: script_id.to_string(),
            method: method.to_string(),
            path: path.to_string(),
            created_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO routes (id, script_id, method, path, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&route.id)
        .bind(&route.script_id)
        .bind(&route.method)
        .bind(&route.path)
        .bind(route.created_at)
        .execute(self.pool())
        .await
        .map_err(|e| conflict_on_unique(e, || format!("the route {method} {path} already exists")))?;
        Ok(route)
    }

    pub async fn delete_route(&self, id: &str) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM routes WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found("route", id));
        }
        Ok(())
    }
}
