//! CORS, off unless origins are configured (`--cors-allow-origin`): without it the API sends
//! no CORS headers and browsers refuse cross-origin calls. With it, a listed origin's
//! preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here, before
//! authentication (a browser sends no credentials on a preflight), and its other answers carry
//! `Access-Control-Allow-Origin`; any other origin gets no CORS header at all. Credentials
//! travel in `Authorization` / `X-Api-Key`, never cookies, so
//! `Access-Control-Allow-Credentials` is never sent.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
    VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Methods of the API's routes.
const ALLOW_METHODS: &str = "GET, POST, PUT";
/// Request headers a page may send.
const ALLOW_HEADERS: &str = "authorization, content-type, x-api-key, x-request-id";
/// Response headers a page may read.
const EXPOSE_HEADERS: &str = "x-request-id, retry-after, www-authenticate";
/// How long a browser may cache a preflight's answer (s).
const PREFLIGHT_MAX_AGE_S: &str = "600";

/// The allowed origins, as the middleware's state.
#[derive(Debug, Clone)]
pub struct Cors {
    origins: Arc<Vec<HeaderValue>>,
}

/// Checks `origins` (each `http[s]://host[:port]`, no path, no wildcard); the reason when one
/// is not usable.
pub fn check(origins: &[String]) -> Result<(), String> {
    origins.iter().try_for_each(|origin| parse(origin).map(drop))
}

/// The middleware's state for `origins`; `None` when there are none (CORS off). Origins that
/// [`check`] refuses are left out.
pub fn layer(origins: &[String]) -> Option<Cors> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| parse(o).ok()).collect();
    (!origins.is_empty()).then(|| Cors { origins: Arc::new(origins) })
}

/// The middleware: answers a listed origin's preflight, adds the headers to its answers.
pub async fn cors(State(cors): State<Cors>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(ORIGIN).filter(|o| cors.origins.contains(o)).cloned();
    let preflight = request.method() == Method::OPTIONS
        && request.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let Some(origin) = origin else {
        let mut response = next.run(request).await;
        vary(response.headers_mut());
        return response;
    };
    let mut response =
        if preflight { StatusCode::NO_CONTENT.into_response() } else { next.run(request).await };
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    if preflight {
        headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(PREFLIGHT_MAX_AGE_S));
    } else {
        headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
    }
    vary(headers);
    response
}

/// Answers differ by origin: caches must not mix them.
fn vary(headers: &mut HeaderMap) {
    headers.append(VARY, HeaderValue::from_static("origin"));
}

fn parse(origin: &str) -> Result<HeaderValue, String> {
    let refused = |why: &str| format!("--cors-allow-origin {origin:?}: {why}");
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| refused("an origin starts with https:// or http://"))?;
    if rest.is_empty()
        || rest.contains(['/', '*', '?', '#', '@'])
        || rest.contains(char::is_whitespace)
    {
        return Err(refused(
            "an origin is scheme://host[:port], without path or wildcard (list each origin)",
        ));
    }
    HeaderValue::from_str(origin).map_err(|_| refused("not a valid header value"))
}

#[cfg(test)]
mod tests;
