//! A small admin-API client: JSON in and out, the server's error message
//! as the error.

use anyhow::{Context, anyhow};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::Remote;

pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    pub fn new(remote: &Remote) -> anyhow::Result<Self> {
        Ok(Client {
            base: remote.url.trim_end_matches('/').to_owned(),
            token: remote.token.clone(),
            http: reqwest::Client::builder().build()?,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request to the admin API (`path` under `/api/v1/admin`).
    pub fn admin(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}/api/v1/admin{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// A request anywhere on the server.
    pub fn raw(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// Sends an admin request; the JSON body on success (`null` for 204),
    /// the server's message otherwise.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach the PiCloud server at {}", self.base))?;
        let status = response.status();
        let text = response.text().await?;
        if status.is_success() {
            if text.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).context("the server's answer is not JSON");
        }
        Err(self.error(status, &text))
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.admin(Method::GET, path)).await
    }

    fn error(&self, status: StatusCode, text: &str) -> anyhow::Error {
        let parsed: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let error = &parsed["error"];
        // Script errors name their line and column in the message already.
        let message = error["message"].as_str().unwrap_or(text).to_owned();
        let hint = if status == StatusCode::UNAUTHORIZED {
            "\nhint: pass an admin token with --token or PICLOUD_ADMIN_TOKEN"
        } else {
            ""
        };
        anyhow!(ServerError {
            status,
            code: error["code"].as_str().unwrap_or("").to_owned(),
            message,
            hint,
        })
    }
}

/// The server refused a request.
#[derive(Debug)]
pub struct ServerError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    hint: &'static str,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}", self.message, self.status.as_u16())?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        write!(f, "){}", self.hint)
    }
}

impl std::error::Error for ServerError {}

/// Whether an error came from a 404 answer.
pub fn is_not_found(err: &anyhow::Error) -> bool {
    err.downcast_ref::<ServerError>()
        .is_some_and(|e| e.status == StatusCode::NOT_FOUND)
}
