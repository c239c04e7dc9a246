//! The value a script returns, turned into a response (the table in
//! `docs/scripting.md`).

use rhai::{Dynamic, Map};

use crate::bindings::picloud::executor::types::{
    LimitDetail, Response, RhaiLimit, RhaiLimits, ScriptError,
};
use crate::errors::to_position;

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";
const BINARY: &str = "application/octet-stream";

fn invalid(message: impl Into<String>) -> ScriptError {
    ScriptError::InvalidResponse(message.into())
}

/// Whether a returned map is a response description rather than data.
fn is_response_map(map: &Map) -> bool {
    ["status", "headers", "body"]
        .iter()
        .any(|key| map.contains_key(*key))
}

/// The body bytes and default content type of a value; `None` for `()`.
fn body_of(value: Dynamic) -> Result<Option<(Vec<u8>, &'static str)>, ScriptError> {
    if value.is_unit() {
        return Ok(None);
    }
    if value.is_string() || value.is_char() {
        return Ok(Some((value.to_string().into_bytes(), TEXT)));
    }
    if value.is_blob() {
        let blob = value.into_blob().map_err(invalid)?;
        return Ok(Some((blob, BINARY)));
    }
    if value.is_map() || value.is_array() || value.is_int() || value.is_float() || value.is_bool() {
        let bytes = serde_json::to_vec(&value)
            .map_err(|e| invalid(format!("the returned value is not valid JSON: {e}")))?;
        return Ok(Some((bytes, JSON)));
    }
    Err(invalid(format!(
        "a value of type {} cannot be a response body",
        value.type_name()
    )))
}

fn status_of(value: Dynamic) -> Result<u16, ScriptError> {
    let type_name = value.type_name();
    let status = value
        .as_int()
        .map_err(|_| invalid(format!("`status` must be an integer, not {type_name}")))?;
    match u16::try_from(status) {
        Ok(code @ 100..=599) => Ok(code),
        _ => Err(invalid(format!(
            "`status` must be between 100 and 599, not {status}"
        ))),
    }
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn headers_of(value: Dynamic) -> Result<Vec<(String, String)>, ScriptError> {
    if value.is_unit() {
        return Ok(Vec::new());
    }
    let type_name = value.type_name();
    let map = value
        .try_cast::<Map>()
        .ok_or_else(|| invalid(format!("`headers` must be a map, not {type_name}")))?;
    let mut headers = Vec::with_capacity(map.len());
    for (name, value) in map {
        if !is_token(&name) {
            return Err(invalid(format!("invalid header name {name:?}")));
        }
        let value = value.to_string();
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(invalid(format!(
                "the value of header {name:?} contains a line break"
            )));
        }
        headers.push((name.to_ascii_lowercase(), value));
    }
    Ok(headers)
}

fn response_from_map(mut map: Map) -> Result<Response, ScriptError> {
    let status = map.remove("status").map(status_of).transpose()?;
    let mut headers = headers_of(map.remove("headers").unwrap_or_default())?;
    let body = body_of(map.remove("body").unwrap_or_default())?;
    if let Some(key) = map.keys().next() {
        return Err(invalid(format!(
            "unknown response field `{key}` (expected status, headers, body)"
        )));
    }
    let body = match body {
        Some((bytes, content_type)) => {
            if !headers.iter().any(|(name, _)| name == "content-type") {
                headers.push(("content-type".into(), content_type.into()));
            }
            bytes
        }
        None => Vec::new(),
    };
    Ok(Response {
        status: status.unwrap_or(200),
        headers,
        body,
    })
}

/// Maps the script's value to a response, enforcing the response size limit.
pub fn from_value(value: Dynamic, limits: &RhaiLimits) -> Result<Response, ScriptError> {
    let response = if value.is_map() && is_response_map(&value.read_lock::<Map>().unwrap()) {
        response_from_map(value.cast::<Map>())?
    } else {
        match body_of(value)? {
            None => Response {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            },
            Some((body, content_type)) => Response {
                status: 200,
                headers: vec![("content-type".into(), content_type.into())],
                body,
            },
        }
    };
    let max = limits.max_response_bytes;
    if max != 0 && response.body.len() as u64 > max {
        return Err(ScriptError::Limit(LimitDetail {
            limit: RhaiLimit::ResponseSize,
            value: max,
            message: format!(
                "response body of {} bytes exceeds the limit of {max} bytes",
                response.body.len()
            ),
            position: to_position(rhai::Position::NONE),
        }));
    }
    Ok(response)
}
