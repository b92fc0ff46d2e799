//! Request ids and request logs: taken from `x-request-id` when the caller sends a usable one,
//! generated otherwise; echoed in the response, carried by the span of every log line of the
//! request, and in the one line logged per request with its route, status, latency and
//! credential name ([`crate::telemetry::request_log`], shared with the operations routes).

pub use crate::telemetry::request_log::{layer, Credential, REQUEST_ID};
