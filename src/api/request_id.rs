//! Request ids: taken from `x-request-id` when the caller sends a usable one, generated
//! otherwise; echoed in the response and carried by the span of every log line of the request.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest id accepted from a caller; longer ones are replaced.
const MAX_LEN: usize = 128;

/// The middleware: sets the id, runs the request in a span, logs its outcome.
pub async fn layer(mut request: Request, next: Next) -> Response {
    let id =
        request.headers().get(&REQUEST_ID).filter(|v| usable(v)).cloned().unwrap_or_else(generate);
    request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %id.to_str().unwrap_or_default(),
        method = %request.method(),
        path = %request.uri().path(),
    );
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), ms, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), ms, "request");
        }
    });
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
