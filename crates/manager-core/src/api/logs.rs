//! A script's invocation log: filters and cursor pagination.

use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use picloud_shared::LogLevel;
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::{Stream, StreamExt};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiQuery};
use crate::store::{InvocationFilter, ScriptStats, StoredInvocation};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// RFC 3339 time or Unix milliseconds.
    since: Option<String>,
    level: Option<LogLevel>,
    /// `ok`, `error` or an HTTP status.
    status: Option<String>,
    cursor: Option<i64>,
    limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

#[utoipa::path(
    get,
    path = "/scripts/{id}/logs",
    tag = "logs",
    params(("id" = String, Path, description = "Script id (or name where noted)"), LogQuery),
    responses((status = 200, description = "A page of invocations, newest first", body = LogPage), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn list(
    State(manager): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<ApiJson<LogPage>, ApiError> {
    page(&manager, Some(&id), query).await
}

/// Every script's invocations, newest first.
#[utoipa::path(
    get,
    path = "/logs",
    tag = "logs",
    params(LogQuery),
    responses((status = 200, description = "A page of invocations of every script, newest first", body = LogPage), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn list_all(
    State(manager): State<AppState>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<ApiJson<LogPage>, ApiError> {
    page(&manager, None, query).await
}

/// Per script: invocations, 5xx answers and the last invocation, over the
/// retained log.
#[utoipa::path(
    get,
    path = "/stats",
    tag = "logs",
    responses((status = 200, description = "One entry per script that has been invoked", body = Vec<ScriptStats>), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn stats(State(manager): State<AppState>) -> Result<ApiJson<Vec<ScriptStats>>, ApiError> {
    Ok(ApiJson(manager.store.invocation_stats().await?))
}

async fn page(
    manager: &crate::Manager,
    script: Option<&str>,
    query: LogQuery,
) -> Result<ApiJson<LogPage>, ApiError> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let filter = InvocationFilter {
        since: query.since.as_deref().map(parse_since).transpose()?,
        level: query.level,
        status: query.status,
        cursor: query.cursor,
        limit,
    };
    let invocations = manager.store.invocations(script, &filter).await?;
    let next_cursor = (invocations.len() == limit as usize)
        .then(|| invocations.last().map(|i| i.seq))
        .flatten();
    Ok(ApiJson(LogPage {
        invocations,
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Only this script's invocations (id or name).
    script: Option<String>,
}

/// Live tail of the invocation log as Server-Sent Events: an `invocation`
/// event (JSON, as in the log listing) per finished invocation, and a
/// `lagged` event with the number of events missed when the client reads
/// too slowly.
#[utoipa::path(
    get,
    path = "/logs/stream",
    tag = "logs",
    params(StreamQuery),
    responses((status = 200, description = "Server-Sent Events: `invocation` (JSON) and `lagged`", content_type = "text/event-stream", body = String), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn stream(
    State(manager): State<AppState>,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let script = match query.script {
        Some(key) => Some(manager.store.script_by_id_or_name(&key).await?.id),
        None => None,
    };
    let events =
        BroadcastStream::new(manager.live.subscribe()).filter_map(move |item| match item {
            Ok(record) if script.as_ref().is_none_or(|id| *id == record.script_id) => {
                Some(Ok(Event::default()
                    .event("invocation")
                    .id(record.id.clone())
                    .json_data(&*record)
                    .unwrap_or_else(|_| Event::default().event("invocation"))))
            }
            Ok(_) => None,
            Err(BroadcastStreamRecvError::Lagged(missed)) => Some(Ok(Event::default()
                .event("lagged")
                .data(missed.to_string()))),
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
