//! The server of the live system: the HTTP API and WebSocket stream of `docs/api.md`, the
//! embedded operator page, authentication with roles, and Prometheus metrics.
//!
//! - [`api`]: routes, role checks, size limits, the stream.
//! - [`auth`]: accounts (argon2 hashes), generated first-run credentials, bearer tokens.
//! - [`web`]: the page built from `web/` and embedded at compile time.

pub mod api;
pub mod auth;
pub mod web;

pub use api::{AppState, router};
pub use auth::{Caller, Credential, UserStore};

/// The OpenAPI 3 description of the API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Serves `router(state)` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
