//! The operator page, embedded at build time (see `build.rs`), served with content types and
//! cache headers; unknown paths without an extension get `index.html` (a single-page app).
//! For page development, `TESSERA_WEB_DIR=DIR` (read at start) serves a built page from DIR
//! instead of the embedded one.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

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
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn dev_dir() -> Option<&'static std::path::Path> {
    static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| std::env::var_os("TESSERA_WEB_DIR").map(std::path::PathBuf::from))
        .as_deref()
}

/// The asset at `path` (without the leading slash).
pub fn asset(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    if let Some(dir) = dev_dir() {
        if path.split('/').any(|c| c == ".." || c.is_empty()) {
            return None;
        }
        return std::fs::read(dir.join(path))
            .ok()
            .map(std::borrow::Cow::Owned);
    }
    ASSETS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| std::borrow::Cow::Borrowed(*b))
}

/// Fallback handler: the page and its files.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "error": format!("no endpoint /{path}") })),
        )
            .into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    let (name, bytes) = match asset(path) {
        Some(b) => (path, b),
        None if !path.rsplit('/').next().unwrap_or("").contains('.') => match asset("index.html") {
            Some(b) => ("index.html", b),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
        None => return StatusCode::NOT_FOUND.into_response(),
    };
    let cache = if name == "index.html" {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response()
}
