//! The HTTP API of `docs/api.md` (axum): REST endpoints with role checks, the WebSocket stream,
//! `/health`, `/metrics`, the OpenAPI description and the page.

use crate::auth::{Caller, UserStore};
use crate::web;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use tessera_domain::TrackId;
use tessera_runtime::shell::{CoreAccess, Handle};
use tessera_runtime::workflow::{ActionError, EngagementStatus};
use tessera_runtime::{OperatorAction, Role};
use tokio::sync::broadcast::error::RecvError;

/// Largest request body, bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// Longest free text (reasons, comments), characters.
pub const MAX_TEXT: usize = 500;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub handle: Handle,
    pub users: Arc<UserStore>,
    /// The latest whole picture served, with when it was made.
    pub picture_memo: Arc<std::sync::Mutex<Option<Memo>>>,
}

/// A whole picture (JSON) and when it was made.
pub type Memo = (std::time::Instant, Arc<str>);

impl AppState {
    pub fn new(handle: Handle, users: Arc<UserStore>) -> Self {
        Self {
            handle,
            users,
            picture_memo: Arc::default(),
        }
    }
}

/// An error response: `{"error": "..."}` (plus the current record on a conflict).
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn new(status: StatusCode, msg: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({ "error": msg.into() }),
        }
    }
    fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "missing or invalid token")
    }
    fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "the core has stopped")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn caller(st: &AppState, headers: &HeaderMap, min: Role) -> ApiResult<Caller> {
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
    let c = st.users.caller(token).ok_or_else(ApiError::unauthorized)?;
    if c.role < min {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "role {} may not do this (needs {})",
                c.role.as_str(),
                min.as_str()
            ),
        ));
    }
    Ok(c)
}

/// The router of the whole API and the page.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(openapi))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/picture", get(picture))
        .route("/api/picture/at", get(picture_at))
        .route("/api/history/range", get(history_range))
        .route("/api/tracks", get(tracks))
        .route("/api/tracks.geojson", get(tracks_geojson))
        .route("/api/tracks/{id}", get(track))
        .route("/api/sensors", get(sensors))
        .route("/api/assets", get(assets))
        .route("/api/launchers", get(launchers))
        .route("/api/recommendations", get(recommendations))
        .route("/api/engagements", get(engagements))
        .route("/api/engagements/{id}/approve", post(approve))
        .route("/api/engagements/{id}/reject", post(reject))
        .route("/api/journal", get(journal))
        .route("/api/control", post(control))
        .route("/api/users", get(users).post(create_user))
        .route("/api/stream", get(stream))
        .fallback(web::serve)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

async fn count_requests(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "static".to_string(), |m| m.as_str().to_string());
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    st.handle
        .metrics
        .http_requests
        .get_or_create(&tessera_runtime::metrics::HttpLabels {
            route: route.clone(),
            status,
        })
        .inc();
    tracing::debug!(%method, route, status, ms = started.elapsed().as_secs_f64() * 1e3, "request");
    res
}

async fn health(State(st): State<AppState>) -> Json<Value> {
    let snap = *st.handle.snapshot.borrow();
    let j = st.handle.journal.borrow().clone();
    let tracks = snap.tracks;
    Json(json!({
        "status": if j.ok { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_s": st.handle.uptime_s(),
        "t_s": snap.t_s,
        "tracks": tracks,
        "journal": if j.ok { "ok" } else { "failing" },
    }))
}

async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        st.handle.metrics.render(),
    )
}

async fn openapi() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        crate::OPENAPI,
    )
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(st): State<AppState>,
    body: Option<Json<LoginBody>>,
) -> ApiResult<Json<Value>> {
    let Some(Json(b)) = body else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "body must be {\"username\", \"password\"}",
        ));
    };
    if b.username.len() > crate::auth::MAX_USERNAME || b.password.len() > 256 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "field too long"));
    }
    let users = st.users.clone();
    let (u, p) = (b.username, b.password);
    // Argon2 is deliberately slow: keep it off the async workers.
    let res = tokio::task::spawn_blocking(move || users.login(&u, &p))
        .await
        .map_err(|_| ApiError::unavailable())?;
    match res {
        Some((token, c)) => {
            tracing::info!(user = c.username, role = c.role.as_str(), "login");
            Ok(Json(json!({
                "token": token,
                "username": c.username,
                "role": c.role.as_str(),
                "expires_in_s": st.users.ttl().as_secs(),
            })))
        }
        None => {
            tracing::warn!("failed login");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong user name or password",
            ))
        }
    }
}

async fn logout(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    caller(&st, &headers, Role::Observer)?;
    if let Some(t) = bearer(&headers) {
        st.users.logout(t);
    }
    Ok(Json(json!({ "ok": true })))
}

async fn me(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let c = caller(&st, &headers, Role::Observer)?;
    Ok(Json(
        json!({ "username": c.username, "role": c.role.as_str() }),
    ))
}

fn json_text(text: Arc<str>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text.to_string(),
    )
        .into_response()
}

async fn picture(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    caller(&st, &headers, Role::Observer)?;
    // One whole picture per half second at most, however many clients ask.
    {
        let memo = st.picture_memo.lock().expect("memo");
        if let Some((at, json)) = memo.as_ref()
            && at.elapsed() < std::time::Duration::from_millis(500)
        {
            return Ok(json_text(json.clone()));
        }
    }
    let (_, json) = fresh_snapshot(&st)
        .await
        .ok_or_else(ApiError::unavailable)?;
    let json: Arc<str> = Arc::from(json);
    *st.picture_memo.lock().expect("memo") = Some((std::time::Instant::now(), json.clone()));
    Ok(json_text(json))
}

#[derive(Deserialize)]
struct AtQuery {
    t_s: Option<f64>,
}

async fn picture_at(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<AtQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    caller(&st, &headers, Role::Observer)?;
    let t_s = q.ok().and_then(|q| q.0.t_s).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "query t_s (seconds, a number) is required",
        )
    })?;
    if !t_s.is_finite() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "t_s must be finite"));
    }
    let h = st.handle.history.lock().expect("history");
    match (h.range(), h.at(t_s)) {
        (Some((a, b)), Some(json)) if t_s >= a - 1e-6 && t_s <= b + h.step_s() => {
            Ok(json_text(json))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no picture at that time",
        )),
    }
}

async fn history_range(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    caller(&st, &headers, Role::Observer)?;
    let h = st.handle.history.lock().expect("history");
    let (a, b) = h.range().unwrap_or((0.0, 0.0));
    Ok(Json(
        json!({ "start_t_s": a, "end_t_s": b, "step_s": h.step_s() }),
    ))
}

#[derive(Deserialize, Default)]
struct TrackFilter {
    identity: Option<String>,
    class: Option<String>,
    status: Option<String>,
}

fn text_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

async fn tracks(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<TrackFilter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    caller(&st, &headers, Role::Observer)?;
    let f = q
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?
        .0;
    let views = st
        .handle
        .query(|c| c.core.picture().views(None, false))
        .await
        .map_err(|_| ApiError::unavailable())?;
    let out: Vec<_> = views
        .into_iter()
        .filter(|v| {
            f.identity
                .as_ref()
                .is_none_or(|x| text_of(&v.identity) == *x)
        })
        .filter(|v| f.class.as_ref().is_none_or(|x| text_of(&v.class) == *x))
        .filter(|v| f.status.as_ref().is_none_or(|x| text_of(&v.status) == *x))
        .collect();
    Ok(Json(json!(out)))
}

async fn tracks_geojson(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    caller(&st, &headers, Role::Observer)?;
    let views = st
        .handle
        .query(|c| c.core.picture().views(None, false))
        .await
        .map_err(|_| ApiError::unavailable())?;
    let features: Vec<Value> = views
        .into_iter()
        .map(|v| {
            let coords = json!([v.lon_deg, v.lat_deg, v.alt_m]);
            let mut props = serde_json::to_value(&v).unwrap_or_default();
            if let Some(o) = props.as_object_mut() {
                o.remove("lat_deg");
                o.remove("lon_deg");
                o.remove("alt_m");
            }
            json!({"type": "Feature", "id": v.id,
                   "geometry": {"type": "Point", "coordinates": coords},
                   "properties": props})
        })
        .collect();
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/geo+json"),
        )],
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
        .into_response())
}

async fn track(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> ApiResult<Json<Value>> {
    caller(&st, &headers, Role::Observer)?;
    let v = st
        .handle
        .query(move |c| c.core.picture().view(TrackId(id), None, true))
        .await
        .map_err(|_| ApiError::unavailable())?;
    v.map(|v| Json(json!(v)))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no track {id}")))
}

/// An observer's read of the core: the caller's role checked, `read` run on the core thread,
/// its result as JSON.
async fn observe<T: serde::Serialize + Send + 'static>(
    st: &AppState,
    headers: &HeaderMap,
    read: impl FnOnce(&CoreAccess<'_>) -> T + Send + 'static,
) -> ApiResult<Json<Value>> {
    caller(st, headers, Role::Observer)?;
    let v = st
        .handle
        .query(read)
        .await
        .map_err(|_| ApiError::unavailable())?;
    Ok(Json(json!(v)))
}

async fn sensors(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    observe(&st, &headers, |c| c.core.sensor_views()).await
}

async fn assets(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    observe(&st, &headers, |c| c.core.asset_views()).await
}

async fn launchers(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    observe(&st, &headers, |c| c.core.launcher_views()).await
}

async fn recommendations(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    observe(&st, &headers, |c| {
        c.core
            .workflow()
            .records()
            .filter(|r| r.status == EngagementStatus::Recommended)
            .cloned()
            .collect::<Vec<_>>()
    })
    .await
}

async fn engagements(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    observe(&st, &headers, |c| {
        c.core
            .workflow()
            .records()
            .rev()
            .cloned()
            .collect::<Vec<_>>()
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Decision {
    comment: Option<String>,
    reason: Option<String>,
}

async fn decide(
    st: AppState,
    headers: HeaderMap,
    id: u64,
    body: Option<Json<Decision>>,
    approve: bool,
) -> ApiResult<Json<Value>> {
    let c = caller(&st, &headers, Role::Operator)?;
    let d = body.map(|b| b.0).unwrap_or_default();
    for t in [&d.comment, &d.reason].into_iter().flatten() {
        if t.chars().count() > MAX_TEXT {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("text longer than {MAX_TEXT} characters"),
            ));
        }
    }
    let action = if approve {
        OperatorAction::Approve {
            engagement: id,
            comment: d.comment,
        }
    } else {
        let reason = d.reason.or(d.comment).unwrap_or_default();
        if reason.trim().is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "a rejection needs a non-empty \"reason\"",
            ));
        }
        OperatorAction::Reject {
            engagement: id,
            reason,
        }
    };
    let res = st
        .handle
        .operator(&c.username, c.role, action)
        .await
        .map_err(|_| ApiError::unavailable())?;
    tracing::info!(
        user = c.username,
        engagement = id,
        approve,
        ok = res.is_ok(),
        "operator decision"
    );
    match res {
        Ok(r) => Ok(Json(json!(r))),
        Err(ActionError::NotFound(_)) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no engagement {id}"),
        )),
        Err(e @ ActionError::Conflict { .. }) => {
            let rec = st
                .handle
                .query(move |c| c.core.workflow().get(id).cloned())
                .await
                .ok()
                .flatten();
            Err(ApiError {
                status: StatusCode::CONFLICT,
                body: json!({ "error": e.to_string(), "engagement": rec }),
            })
        }
        Err(e @ ActionError::Forbidden(_)) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, e.to_string()))
        }
        Err(e) => Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string())),
    }
}

async fn approve(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: Option<Json<Decision>>,
) -> ApiResult<Json<Value>> {
    decide(st, headers, id, body, true).await
}

async fn reject(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: Option<Json<Decision>>,
) -> ApiResult<Json<Value>> {
    decide(st, headers, id, body, false).await
}

async fn journal(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    caller(&st, &headers, Role::Observer)?;
    let j = st.handle.journal.borrow().clone();
    Ok(Json(json!(j)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlBody {
    speed: Option<f64>,
    paused: Option<bool>,
}

async fn control(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Option<Json<ControlBody>>,
) -> ApiResult<Json<Value>> {
    let c = caller(&st, &headers, Role::Admin)?;
    let Some(Json(b)) = body else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "body {\"speed\"} or {\"paused\"}",
        ));
    };
    if let Some(s) = b.speed {
        if !(s.is_finite() && s > 0.0 && s <= 100.0) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "speed must be in (0, 100]",
            ));
        }
        st.handle.clock.set_speed(s);
    }
    if let Some(p) = b.paused {
        st.handle.clock.set_paused(p);
    }
    tracing::info!(user = c.username, speed = ?b.speed, paused = ?b.paused, "run control");
    Ok(Json(json!({
        "speed": st.handle.clock.speed(),
        "paused": st.handle.clock.paused(),
    })))
}

async fn users(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    caller(&st, &headers, Role::Admin)?;
    let list: Vec<Value> = st
        .users
        .list()
        .into_iter()
        .map(|(u, r)| json!({ "username": u, "role": r.as_str() }))
        .collect();
    Ok(Json(json!(list)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    password: String,
    role: String,
}

async fn create_user(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Option<Json<NewUser>>,
) -> ApiResult<Json<Value>> {
    let c = caller(&st, &headers, Role::Admin)?;
    let Some(Json(b)) = body else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "body {\"username\", \"password\", \"role\"}",
        ));
    };
    let role = Role::parse(&b.role).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "role must be observer, operator or admin",
        )
    })?;
    let users = st.users.clone();
    let name = b.username.clone();
    tokio::task::spawn_blocking(move || users.upsert(&name, &b.password, role))
        .await
        .map_err(|_| ApiError::unavailable())?
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    tracing::info!(
        admin = c.username,
        user = b.username,
        role = role.as_str(),
        "user saved"
    );
    Ok(Json(
        json!({ "username": b.username, "role": role.as_str() }),
    ))
}

#[derive(Deserialize)]
struct StreamQuery {
    token: Option<String>,
}

async fn stream(
    State(st): State<AppState>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let who = q
        .token
        .as_deref()
        .or_else(|| bearer(&headers))
        .and_then(|t| st.users.caller(t));
    ws.max_message_size(MAX_BODY)
        .on_upgrade(move |socket| async move {
            match who {
                Some(_) => run_stream(st, socket).await,
                None => {
                    let mut socket = socket;
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code: 4401,
                            reason: "missing or invalid token".into(),
                        })))
                        .await;
                }
            }
        })
}

async fn fresh_snapshot(st: &AppState) -> Option<(u64, String)> {
    st.handle
        .query(|c| {
            let s = c.snapshot(true);
            (s.version, serde_json::to_string(&s).unwrap_or_default())
        })
        .await
        .ok()
}

async fn run_stream(st: AppState, mut socket: WebSocket) {
    let mut rx = st.handle.deltas.subscribe();
    let mut stop = st.handle.shutdown_signal();
    st.handle.metrics.stream_clients.inc();
    let Some((mut version, json)) = fresh_snapshot(&st).await else {
        st.handle.metrics.stream_clients.dec();
        return;
    };
    if socket.send(Message::Text(json.into())).await.is_err() {
        st.handle.metrics.stream_clients.dec();
        return;
    }
    loop {
        tokio::select! {
            _ = stop.changed() => {
                let _ = socket.send(Message::Close(Some(CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                break;
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            d = rx.recv() => match d {
                Ok(text) => {
                    // Deltas up to the snapshot's version are already in it.
                    let v = delta_version(&text);
                    if v <= version {
                        continue;
                    }
                    version = v;
                    if socket.send(Message::Text(text.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // Too slow for the stream: start over from a fresh snapshot.
                    let Some((v, json)) = fresh_snapshot(&st).await else { break };
                    version = v;
                    if socket.send(Message::Text(json.into())).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
    st.handle.metrics.stream_clients.dec();
}

/// The `version` of a serialised delta (it is the second field, after `type`).
fn delta_version(text: &str) -> u64 {
    text.find("\"version\":")
        .and_then(|i| {
            let rest = &text[i + 10..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..end].parse().ok()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn delta_version_is_read_from_the_text() {
        assert_eq!(
            super::delta_version(r#"{"type":"delta","version":812,"t_s":1.0}"#),
            812
        );
        assert_eq!(super::delta_version("{}"), 0);
    }
}
