//! Request ids and request logs of goalstream's HTTP servers. [`layer`] takes the id from
//! `x-request-id` when the caller sends a usable one (else generates one), runs the request in
//! a span that carries it, echoes it in the response, and writes one line per request: method,
//! route (the matched path template, never the raw path with its ids), status, latency in
//! milliseconds, request id and the credential's name ([`Credential`], set by whoever
//! authenticated the request; never the secret or token). [`quiet_layer`] does the same at
//! debug level, for probes and scrapes.
//!
//! Added with `Router::layer`, so it runs after routing and sees the matched path; requests no
//! route matched are logged with the route `unmatched`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::events::RequestServed;

/// The header.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Longest id accepted from a caller; longer ones are replaced.
const MAX_LEN: usize = 128;

/// Who made a request, by name (`key:NAME`, `player:SUB`, `anonymous`): a response extension
/// the authenticating middleware sets for the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential(pub String);

/// The middleware: request id, span, one INFO line per request (ERROR for a 5xx).
pub async fn layer(request: Request, next: Next) -> Response {
    logged(request, next, false).await
}

/// The same, with the line at DEBUG (health probes and metric scrapes; ERROR for a 5xx).
pub async fn quiet_layer(request: Request, next: Next) -> Response {
    logged(request, next, true).await
}

async fn logged(mut request: Request, next: Next, quiet: bool) -> Response {
    let id =
        request.headers().get(&REQUEST_ID).filter(|v| usable(v)).cloned().unwrap_or_else(generate);
    request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |p| p.as_str().to_string());
    let method = request.method().clone();
    let request_id = id.to_str().unwrap_or_default().to_string();
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, route = %route);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span).await;
    RequestServed {
        method: method.as_str(),
        route: &route,
        status: response.status().as_u16(),
        elapsed: started.elapsed(),
        request_id: &request_id,
        credential: response.extensions().get::<Credential>().map(|c| c.0.as_str()),
        quiet,
    }
    .emit();
    response.headers_mut().insert(REQUEST_ID.clone(), id);
    response
}

fn usable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_LEN && bytes.iter().all(|b| b.is_ascii_graphic())
}

fn generate() -> HeaderValue {
    let id = format!("{:032x}", rand::random::<u128>());
    HeaderValue::from_str(&id).expect("hex digits are a valid header value")
}
