//! Browser sessions for the dashboard: the admin token goes into an
//! `HttpOnly; SameSite=Strict` cookie, so page scripts never hold it, and
//! the cookie authenticates admin requests like the bearer header does.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson};

/// The cookie holding the token.
pub(crate) const COOKIE: &str = "picloud_token";
/// Browsers send the cookie only to the admin API.
const COOKIE_PATH: &str = "/api/v1/admin";
const MAX_AGE_SECS: u32 = 30 * 24 * 3600;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// An admin token.
    token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    signed_in: bool,
}

/// The token from the session cookie, if the request carries one.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

fn cookie(value: &str, max_age: u32, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .expect("tokens are visible ASCII")
}

/// Whether the browser reached us over HTTPS (directly or behind a proxy
/// such as Caddy), so the cookie can be marked `Secure`.
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// Signs a browser in: checks the token and sets the session cookie. The
/// one admin endpoint that needs no token beforehand.
#[utoipa::path(
    post,
    path = "/session",
    tag = "session",
    request_body = SignIn,
    security(()),
    responses((status = 200, description = "Signed in; the cookie is set", body = SessionView), (status = 401, description = "Not a valid token", body = crate::api::ErrorBody))
)]
pub async fn sign_in(
    State(manager): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let token = body.token.trim();
    let valid = token
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b';' && b != b',');
    if !valid || manager.tokens.verify(token).await.is_none() {
        return Err(ApiError::unauthorized());
    }
    let mut response = ApiJson(SessionView { signed_in: true }).into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        cookie(token, MAX_AGE_SECS, over_https(&headers)),
    );
    Ok(response)
}

/// Whether the request is signed in (401 otherwise, like every admin call).
#[utoipa::path(
    get,
    path = "/session",
    tag = "session",
    responses((status = 200, description = "Signed in", body = SessionView), (status = 401, description = "Not signed in", body = crate::api::ErrorBody))
)]
pub async fn show() -> ApiJson<SessionView> {
    ApiJson(SessionView { signed_in: true })
}

/// Signs out: clears the cookie.
#[utoipa::path(
    delete,
    path = "/session",
    tag = "session",
    security(()),
    responses((status = 204, description = "Signed out"))
)]
pub async fn sign_out(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, cookie("", 0, over_https(&headers)));
    response
}
