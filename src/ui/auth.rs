//! Who may use the UI, and CSRF protection of its actions.
//!
//! With API keys configured (`--api-keys-file`), a caller needs a key with the `admin` scope:
//! as `Authorization: Bearer KEY` (scripts), or through the login form, which checks the key
//! and sets a session cookie (`HttpOnly`, `SameSite=Strict`, path `/ui`) holding a random
//! session id; the session keeps the key's SHA-256, never the key, and is checked against the
//! keys file on every request, so a key removed from the file ends its sessions. Without
//! credentials the UI is served on loopback only (the composition root's rule) and every
//! visitor gets an anonymous session.
//!
//! Every POST made with a session cookie must carry the session's CSRF token (a hidden form
//! field) and, when the browser sends an `Origin`, come from the UI's own origin. Bearer
//! requests need no token: browsers never attach that header on their own.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::session::{cookie_header, session_cookie, Entry, Session, COOKIE_NAME};
use super::{layout, UiState};
use crate::api::auth::keys;
use crate::api::auth::Scope;
use crate::telemetry::request_log::Credential;

/// Largest form a POST may send (the dead-letter selection is the longest).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Why a request is refused: its status and a message for the caller.
type Refusal = (StatusCode, String);

/// Middleware of every page and action: admits the caller (see the module docs) and checks
/// the CSRF token of POSTs.
pub async fn guard(State(state): State<UiState>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let read_only = matches!(*request.method(), Method::GET | Method::HEAD);
    let enabled = state.auth.enabled();
    if enabled && headers.contains_key(AUTHORIZATION) {
        return match bearer(&state, &headers) {
            Ok(who) => {
                let session = Session { id: None, who, csrf: String::new(), flash: None };
                run(request, next, session).await
            }
            Err((status, message)) => refuse(status, &message),
        };
    }
    let cookie = session_cookie(&headers);
    let entry = cookie.as_deref().and_then(|id| state.sessions.get(id));
    let entry = match entry {
        Some(entry) if enabled && !still_admin(&state, &entry) => {
            if let Some(id) = cookie.as_deref() {
                state.sessions.remove(id);
            }
            None
        }
        other => other,
    };
    let (id, entry, new_cookie) = match (entry, cookie) {
        (Some(entry), Some(id)) => (id, entry, None),
        _ if enabled => {
            return if read_only {
                Redirect::to("/ui/login").into_response()
            } else {
                refuse(StatusCode::UNAUTHORIZED, "log in first (POST /ui/login)")
            }
        }
        _ if read_only => {
            let id = state.sessions.create(None, "anonymous".into());
            let entry = state.sessions.get(&id).expect("just created");
            (id.clone(), entry, Some(id))
        }
        _ => return refuse(StatusCode::FORBIDDEN, "no session: load the page first (CSRF)"),
    };
    let request = if read_only {
        request
    } else {
        match check_csrf(request, &entry.csrf).await {
            Ok(request) => request,
            Err((status, message)) => return refuse(status, &message),
        }
    };
    let session = Session { id: Some(id), who: entry.who, csrf: entry.csrf, flash: entry.flash };
    let mut response = run(request, next, session).await;
    if let Some(id) = new_cookie {
        response.headers_mut().append(SET_COOKIE, cookie_header(&id));
    }
    response
}

async fn run(mut request: Request, next: Next, session: Session) -> Response {
    let who = if session.csrf.is_empty() || session.who != "anonymous" {
        format!("key:{}", session.who)
    } else {
        "anonymous".to_string()
    };
    request.extensions_mut().insert(session);
    let mut response = next.run(request).await;
    // The request log names the caller (never the key).
    response.extensions_mut().insert(Credential(who));
    response
}

/// The key's name when `Authorization: Bearer KEY` names an admin key; else the refusal.
fn bearer(state: &UiState, headers: &HeaderMap) -> Result<String, Refusal> {
    let value = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err((
                StatusCode::UNAUTHORIZED,
                "use Authorization: Bearer <API key>".to_string(),
            ))
        }
    };
    match state.auth.service_key_by_hash(&keys::hash(token)) {
        None => Err((StatusCode::UNAUTHORIZED, "unknown API key".to_string())),
        Some(key) if !key.allows(Scope::Admin) => {
            Err((StatusCode::FORBIDDEN, format!("API key {:?} lacks the admin scope", key.name)))
        }
        Some(key) => Ok(key.name),
    }
}

fn still_admin(state: &UiState, entry: &Entry) -> bool {
    entry
        .key_hash
        .and_then(|hash| state.auth.service_key_by_hash(&hash))
        .is_some_and(|key| key.allows(Scope::Admin))
}

/// Checks the POST's origin and its form's `csrf` field; returns the request, body intact.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, Refusal> {
    if !same_origin(request.headers()) {
        return Err((StatusCode::FORBIDDEN, "cross-origin request refused".to_string()));
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "form too large".to_string()))?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let sent = fields.iter().find(|(name, _)| name == "csrf").map(|(_, v)| v.as_str());
    match sent {
        Some(token) if equal(token.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => {
            Err((StatusCode::FORBIDDEN, "missing or wrong CSRF token: reload the page".to_string()))
        }
    }
}

/// No `Origin` (same-origin navigations may omit it), or the UI's own (`http://HOST`).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    !host.is_empty() && bare == Some(host)
}

/// Constant-time comparison (the token must not leak through timing).
fn equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let mut response = (status, layout::error_page(status, message)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert("www-authenticate", HeaderValue::from_static("Bearer realm=\"goalstream\""));
    }
    response
}

/// `GET /ui/login`: the form (straight to the UI when there is nothing to log in with).
pub async fn login_page(State(state): State<UiState>) -> Response {
    if !state.auth.enabled() {
        return Redirect::to("/ui/queues").into_response();
    }
    layout::login_page(None).into_response()
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    key: String,
}

/// `POST /ui/login`: an admin key starts a session.
pub async fn login(
    State(state): State<UiState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !state.auth.enabled() {
        return Redirect::to("/ui/queues").into_response();
    }
    if !same_origin(&headers) {
        return refuse(StatusCode::FORBIDDEN, "cross-origin request refused");
    }
    let hash = keys::hash(form.key.trim());
    let (status, message) = match state.auth.service_key_by_hash(&hash) {
        Some(key) if key.allows(Scope::Admin) => {
            tracing::info!(key = %key.name, "operator UI login");
            let id = state.sessions.create(Some(hash), key.name);
            let mut response = Redirect::to("/ui/queues").into_response();
            response.headers_mut().append(SET_COOKIE, cookie_header(&id));
            return response;
        }
        Some(key) => (StatusCode::FORBIDDEN, format!("key {:?} lacks the admin scope", key.name)),
        None => (StatusCode::UNAUTHORIZED, "unknown API key".to_string()),
    };
    (status, layout::login_page(Some(&message))).into_response()
}

/// `POST /ui/logout`: ends the session.
pub async fn logout(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
) -> Response {
    if let Some(id) = &session.id {
        state.sessions.remove(id);
    }
    let mut response = Redirect::to("/ui/login").into_response();
    let expired = format!("{COOKIE_NAME}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0");
    response.headers_mut().append(SET_COOKIE, HeaderValue::from_str(&expired).expect("ascii"));
    response
}

#[cfg(test)]
mod tests;
