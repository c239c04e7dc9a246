//! Test runs: run a saved script or a draft with a given request, without
//! saving anything, and return the full result (response, logs, the precise
//! error).

use axum::extract::{Path, State};
use picloud_shared::{HttpRequest, Invocation, InvocationResult, LogLine, ScriptError, ScriptRef};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson};

/// The request to run the script with; everything optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TestRequest {
    method: Option<String>,
    path: Option<String>,
    params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedTest {
    #[serde(default)]
    request: TestRequest,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftTest {
    source: String,
    #[serde(default)]
    request: TestRequest,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestResponse {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced).
    body: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestResult {
    ok: bool,
    response: Option<TestResponse>,
    error: Option<ScriptErrorView>,
    logs: Vec<LogLine>,
    duration_us: u64,
}

/// A script error: its stable code, the full human message, and the typed
/// detail (kind, limit, value, position).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScriptErrorView {
    code: &'static str,
    message: String,
    detail: ScriptError,
}

fn request(test: TestRequest) -> HttpRequest {
    HttpRequest {
        method: test
            .method
            .unwrap_or_else(|| "GET".into())
            .to_ascii_uppercase(),
        path: test.path.unwrap_or_else(|| "/".into()),
        params: test.params,
        query: test.query,
        headers: test
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        body: test.body.into_bytes(),
    }
}

fn view(result: InvocationResult) -> TestResult {
    let (response, error) = match result.outcome {
        Ok(r) => (
            Some(TestResponse {
                status: r.status,
                headers: r.headers,
                body: String::from_utf8_lossy(&r.body).into_owned(),
            }),
            None,
        ),
        Err(e) => (
            None,
            Some(ScriptErrorView {
                code: e.code(),
                message: e.to_string(),
                detail: e,
            }),
        ),
    };
    TestResult {
        ok: error.is_none(),
        response,
        error,
        logs: result.logs,
        duration_us: result.duration_us,
    }
}

async fn run(
    manager: &crate::Manager,
    script: ScriptRef,
    test: TestRequest,
) -> Result<TestResult, ApiError> {
    let saved = (script.version != 0).then_some(script.id.as_str());
    let limits = manager.effective_limits(saved).await?;
    let invocation = Invocation {
        request_id: format!("test-{}", uuid::Uuid::new_v4()),
        script,
        request: request(test),
        limits,
    };
    Ok(view(manager.executor.invoke(invocation).await?))
}

#[utoipa::path(
    post,
    path = "/scripts/{id}/test",
    tag = "test",
    params(("id" = String, Path, description = "Script id (or name where noted)")),
    request_body = SavedTest,
    responses((status = 200, description = "The run's response or error, and its logs", body = TestResult), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn saved(
    State(manager): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SavedTest>,
) -> Result<ApiJson<TestResult>, ApiError> {
    let (script, source) = manager.store.active_source(&id).await?;
    let script = ScriptRef {
        id: script.id,
        name: script.name,
        version: script.version as u32,
        source: source.into(),
    };
    Ok(ApiJson(run(&manager, script, body.request).await?))
}

#[utoipa::path(
    post,
    path = "/test",
    tag = "test",
    request_body = DraftTest,
    responses((status = 200, description = "The run's response or error, and its logs", body = TestResult), (status = "4XX", description = "A typed error", body = crate::api::ErrorBody))
)]
pub async fn draft(
    State(manager): State<AppState>,
    ApiJson(body): ApiJson<DraftTest>,
) -> Result<ApiJson<TestResult>, ApiError> {
    manager.check_script_size(&body.source)?;
    let script = ScriptRef {
        id: "draft".into(),
        name: "draft".into(),
        version: 0,
        source: body.source.into(),
    };
    Ok(ApiJson(run(&manager, script, body.request).await?))
}
