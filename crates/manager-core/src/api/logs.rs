//! A script's invocation log: filters and cursor pagination.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use picloud_shared::LogLevel;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson};
use crate::store::{InvocationFilter, StoredInvocation};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// RFC 3339 time or Unix milliseconds.
    since: Option<String>,
    level: Option<LogLevel>,
    /// `ok`, `error` or an HTTP status.
    status: Option<String>,
    cursor: Option<i64>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct LogPage {
    invocations: Vec<StoredInvocation>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<i64>,
}

fn parse_since(since: &str) -> Result<i64, ApiError> {
    if let Ok(ms) = since.parse::<i64>() {
        return Ok(ms);
    }
    humantime::parse_rfc3339_weak(since)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .ok_or_else(|| {
            ApiError::invalid(
                "invalid_query",
                format!("`since` must be an RFC 3339 time or Unix milliseconds, not `{since}`"),
            )
        })
}

pub async fn list(
    State(manager): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<LogQuery>, QueryRejection>,
) -> Result<ApiJson<LogPage>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::invalid("invalid_query", e.body_text()))?;
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let filter = InvocationFilter {
        since: query.since.as_deref().map(parse_since).transpose()?,
        level: query.level,
        status: query.status,
        cursor: query.cursor,
        limit,
    };
    let invocations = manager.store.invocations(&id, &filter).await?;
    let next_cursor = (invocations.len() == limit as usize)
        .then(|| invocations.last().map(|i| i.seq))
        .flatten();
    Ok(ApiJson(LogPage {
        invocations,
        next_cursor,
    }))
}
