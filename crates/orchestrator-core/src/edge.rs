//! Middleware for every response of the server: the request id, and the
//! header caps checked before anything else looks at a request.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::PublicError;

/// The header carrying the request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the request being served (a request extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// A caller's id is kept when it is 1 to 128 characters of
    /// `[A-Za-z0-9._:-]`; anything else gets a fresh one, so ids are safe
    /// to log and to put back in a header.
    pub fn from_header(value: Option<&HeaderValue>) -> Self {
        let valid = value.and_then(|v| v.to_str().ok()).filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        });
        match valid {
            Some(id) => RequestId(id.to_owned()),
            None => RequestId(uuid::Uuid::new_v4().simple().to_string()),
        }
    }
}

/// Gives every request an id (its own when valid) and every response the
/// `x-request-id` header.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = RequestId::from_header(request.headers().get(REQUEST_ID_HEADER));
    let header = HeaderValue::from_str(&id.0).expect("request ids are visible ASCII");
    request.extensions_mut().insert(id);
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID_HEADER, header);
    response
}

/// Caps on request headers.
#[derive(Debug, Clone, Copy)]
pub struct HeaderCaps {
    /// Headers per request, at most.
    pub max_count: usize,
    /// Bytes of all header names and values together, at most.
    pub max_bytes: usize,
}

impl Default for HeaderCaps {
    fn default() -> Self {
        HeaderCaps {
            max_count: 64,
            max_bytes: 32 << 10,
        }
    }
}

/// Rejects requests over the header caps with 431.
pub async fn header_caps(State(caps): State<HeaderCaps>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > caps.max_count || bytes > caps.max_bytes {
        let id = request.extensions().get::<RequestId>().cloned();
        return PublicError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "the request has {} headers of {bytes} bytes; at most {} headers of {} bytes are accepted",
                headers.len(),
                caps.max_count,
                caps.max_bytes
            ),
        )
        .with_request_id(id)
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_kept_only_when_safe() {
        let keep = HeaderValue::from_static("abc-123_x.y:z");
        assert_eq!(RequestId::from_header(Some(&keep)).0, "abc-123_x.y:z");
        for bad in ["", "has space", "quote\"", &"x".repeat(129)] {
            let value = HeaderValue::from_str(bad).unwrap();
            let id = RequestId::from_header(Some(&value)).0;
            assert_ne!(id, bad);
            assert_eq!(id.len(), 32, "a fresh uuid: {id}");
        }
        assert_eq!(RequestId::from_header(None).0.len(), 32);
    }
}
