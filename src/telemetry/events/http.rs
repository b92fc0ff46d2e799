//! Events of goalstream's HTTP servers.

use std::time::Duration;

/// An HTTP request was answered (one log line per request, written by
/// [`crate::telemetry::request_log`]).
#[derive(Debug, Clone, Copy)]
pub struct RequestServed<'a> {
    /// Method.
    pub method: &'a str,
    /// The matched path template (`/v1/jobs/{id}`), or `unmatched`.
    pub route: &'a str,
    /// Status code.
    pub status: u16,
    /// From the request's arrival at the middleware to its response.
    pub elapsed: Duration,
    /// The request id (echoed in `x-request-id`).
    pub request_id: &'a str,
    /// The credential's name, when one was authenticated (never the secret).
    pub credential: Option<&'a str>,
    /// Log at DEBUG rather than INFO (probes, scrapes); a 5xx is an ERROR either way.
    pub quiet: bool,
}

impl RequestServed<'_> {
    /// Writes the line. The fields are on the event itself, so a JSON line carries them
    /// whatever span it is written in.
    pub fn emit(self) {
        let Self { method, route, status, request_id, credential, .. } = self;
        let ms = (self.elapsed.as_secs_f64() * 1e3 * 1e3).round() / 1e3;
        let credential = credential.unwrap_or("none");
        if status >= 500 {
            tracing::error!(method, route, status, ms, request_id, credential, "request failed");
        } else if self.quiet {
            tracing::debug!(method, route, status, ms, request_id, credential, "request");
        } else {
            tracing::info!(method, route, status, ms, request_id, credential, "request");
        }
    }
}
