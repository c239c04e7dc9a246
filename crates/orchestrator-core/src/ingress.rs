//! The request path: match a route (or take a script id), build the
//! invocation, run it, answer, and queue the record.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use picloud_shared::catalog::Deployment;
use picloud_shared::routing::MatchError;
use picloud_shared::{
    ExecutorError, HttpRequest, HttpResponse, Invocation, InvocationRecord, InvocationResult,
    ScriptError,
};

use crate::Orchestrator;
use crate::edge::RequestId;
use crate::error::PublicError;
use crate::metrics::{InFlight, Outcome};

type Shared = Arc<Orchestrator>;

fn request_id(request: &Request) -> RequestId {
    // The request-id middleware runs first; without it, make one up.
    request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(|| RequestId::from_header(None))
}

/// Every path that is not PiCloud's own: the user-route matcher.
pub(crate) async fn user_route(State(orchestrator): State<Shared>, request: Request) -> Response {
    let id = request_id(&request);
    let routes = match orchestrator.cache.routes().await {
        Ok(routes) => routes,
        Err(err) => return catalog_unavailable(&err, id),
    };
    let (script_id, params) = match routes.at(request.method().as_str(), request.uri().path()) {
        Ok(found) => (found.value.script_id.clone(), found.params),
        Err(MatchError::NotFound) => {
            return PublicError::route_not_found()
                .with_request_id(Some(id))
                .into_response();
        }
        Err(MatchError::MethodNotAllowed { allowed }) => {
            return PublicError::method_not_allowed(&allowed)
                .with_request_id(Some(id))
                .into_response();
        }
    };
    drop(routes);
    orchestrator.run(&script_id, params, request, id).await
}

/// `/api/v1/execute/{id}`: a script by id, bypassing routes.
pub(crate) async fn execute(
    State(orchestrator): State<Shared>,
    Path(script_id): Path<String>,
    request: Request,
) -> Response {
    let id = request_id(&request);
    orchestrator.run(&script_id, Vec::new(), request, id).await
}

fn catalog_unavailable(err: &picloud_shared::catalog::CatalogError, id: RequestId) -> Response {
    tracing::error!(%err, request_id = %id.0, "catalog lookup failed");
    PublicError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "catalog_unavailable",
        "the script catalog is unavailable; retry shortly",
    )
    .with_request_id(Some(id))
    .into_response()
}

impl Orchestrator {
    async fn run(
        &self,
        script_id: &str,
        params: Vec<(String, String)>,
        request: Request,
        id: RequestId,
    ) -> Response {
        let deployment = match self.cache.deployment(script_id).await {
            Ok(Some(deployment)) => deployment,
            Ok(None) => {
                return PublicError::new(
                    StatusCode::NOT_FOUND,
                    "script_not_found",
                    format!("there is no script with id `{script_id}`"),
                )
                .with_request_id(Some(id))
                .into_response();
            }
            Err(err) => return catalog_unavailable(&err, id),
        };
        let http = match self.read_request(request, params).await {
            Ok(http) => http,
            Err(err) => return err.with_request_id(Some(id)).into_response(),
        };
        self.invoke(&deployment, http, id).await
    }

    /// The request as a script sees it; the body within the cap.
    async fn read_request(
        &self,
        request: Request,
        params: Vec<(String, String)>,
    ) -> Result<HttpRequest, PublicError> {
        let max = self.settings.max_body_bytes;
        let too_large = || {
            PublicError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body exceeds the limit of {max} bytes"),
            )
        };
        let (parts, body) = request.into_parts();
        // Refuse a declared oversize body before reading any of it.
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(too_large());
        }
        let body = to_bytes(body, max).await.map_err(|_| too_large())?;
        let query = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                // Names are lower-case already (`http` normalizes them).
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        Ok(HttpRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            params,
            query,
            headers,
            body: body.to_vec(),
        })
    }

    async fn invoke(
        &self,
        deployment: &Deployment,
        request: HttpRequest,
        id: RequestId,
    ) -> Response {
        let started = Instant::now();
        let started_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let (method, path) = (request.method.clone(), request.path.clone());
        let invocation = Invocation {
            request_id: id.0.clone(),
            script: deployment.script.clone(),
            request,
            limits: deployment.limits,
        };
        let result = {
            let _in_flight = InFlight::enter(&self.metrics);
            self.executor.invoke(invocation).await
        };
        let script = &deployment.script;
        let seconds = started.elapsed().as_secs_f64();
        let InvocationResult {
            outcome,
            logs,
            duration_us,
            ..
        } = match result {
            Ok(result) => result,
            Err(err) => {
                let outcome = match err {
                    ExecutorError::Busy { .. } => Outcome::busy,
                    _ => Outcome::executor_error,
                };
                self.metrics.observe(&script.name, outcome, None, seconds);
                tracing::warn!(%err, request_id = %id.0, script = %script.name, "invocation did not run");
                return PublicError::executor(&err)
                    .with_request_id(Some(id))
                    .into_response();
            }
        };
        let (response, error) = match outcome.and_then(to_response) {
            Ok(response) => (response, None),
            Err(error) => {
                let public = PublicError::script(&error).with_request_id(Some(id.clone()));
                (public.into_response(), Some(error))
            }
        };
        let outcome = match &error {
            None => Outcome::ok,
            Some(ScriptError::Limit { .. }) => Outcome::limit,
            Some(_) => Outcome::script_error,
        };
        self.metrics.observe(
            &script.name,
            outcome,
            error.as_ref().and_then(ScriptError::limit),
            seconds,
        );
        self.log.push(InvocationRecord {
            id: id.0,
            script_id: script.id.clone(),
            version: script.version,
            started_at,
            method,
            path,
            status: response.status().as_u16(),
            error,
            duration_us,
            logs,
        });
        response
    }
}

/// Headers the server owns: a script cannot set framing or connection
/// handling.
const SERVER_HEADERS: &[&str] = &["content-length", "transfer-encoding", "connection"];

/// The script's response as HTTP; a header that is not valid HTTP makes
/// the whole response invalid rather than silently disappear.
fn to_response(response: HttpResponse) -> Result<Response, ScriptError> {
    let invalid = |message: String| ScriptError::InvalidResponse { message };
    let status = StatusCode::from_u16(response.status).map_err(|_| {
        invalid(format!(
            "status {} is not a valid HTTP status",
            response.status
        ))
    })?;
    let mut out = Response::new(Body::from(response.body));
    *out.status_mut() = status;
    let headers = out.headers_mut();
    for (name, value) in response.headers {
        if SERVER_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("`{name}` is not a valid header name")))?;
        let value = HeaderValue::from_str(&value)
            .map_err(|_| invalid(format!("the value of header `{name}` is not valid in HTTP")))?;
        headers.append(header, value);
    }
    Ok(out)
}
