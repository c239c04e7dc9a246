//! The dashboard, embedded at build time (see `build.rs`), served at
//! `/admin`. It is a single-page app: unknown paths get `index.html`, and
//! the content-hashed assets under `_app/immutable` are cached for good.

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use include_dir::{Dir, include_dir};

static DASHBOARD: Dir<'static> = include_dir!("$OUT_DIR/dashboard");

/// `/admin` and everything under it.
pub fn router() -> Router {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(|| serve(String::new())))
        .route(
            "/admin/{*path}",
            get(|Path(path): Path<String>| serve(path)),
        )
}

async fn serve(path: String) -> Response {
    let (file, path) = match DASHBOARD.get_file(&path) {
        Some(file) => (file, path),
        None => match DASHBOARD.get_file("index.html") {
            Some(index) => (index, "index.html".to_owned()),
            None => return (axum::http::StatusCode::NOT_FOUND, "no dashboard").into_response(),
        },
    };
    let cache = if path.starts_with("_app/immutable/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [(CONTENT_TYPE, content_type(&path)), (CACHE_CONTROL, cache)],
        file.contents(),
    )
        .into_response()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
