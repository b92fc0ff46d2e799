//! Limits every API request passes before its handler: a concurrency limit (past it, 503
//! `overloaded` at once rather than a queue that grows without bound), a request timeout (408
//! `request_timeout`: the handler, reading the body included, gets this long), and the
//! per-credential rate limit ([`RateLimiter`], applied by the auth guard once it knows who is
//! calling).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::error::{ApiError, ErrorCode};

/// Requests handled at once by default.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;
/// Time a request may take by default (reading its body included).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests per second per player token by default (a game client polls, it does not flood).
pub const DEFAULT_PLAYER_RPS: u32 = 20;
/// Requests per second per API key by default (a game server speaks for many players).
pub const DEFAULT_KEY_RPS: u32 = 5_000;
/// Buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 100_000;

/// The concurrency limit and the timeout, as a middleware's state.
#[derive(Debug, Clone)]
pub struct RequestLimits {
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl RequestLimits {
    /// `max_in_flight` requests at once, each at most `timeout`.
    pub fn new(max_in_flight: usize, timeout: Duration) -> Self {
        RequestLimits { slots: Arc::new(Semaphore::new(max_in_flight.max(1))), timeout }
    }
}

/// The middleware of [`RequestLimits`].
pub async fn limit(State(limits): State<RequestLimits>, request: Request, next: Next) -> Response {
    let Ok(_slot) = limits.slots.clone().try_acquire_owned() else {
        let mut response =
            ApiError::new(ErrorCode::Overloaded, "too many requests in flight; retry shortly")
                .into_response();
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::RequestTimeout,
            format!("the request took over {} ms", limits.timeout.as_millis()),
        )
        .into_response(),
    }
}

/// Token buckets by credential name.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second` requests per second, bursts of two seconds' worth; 0 is no limit.
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second);
        RateLimiter { rate, burst: rate * 2.0, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token of `who`'s bucket; `Err(wait)` when it is empty.
    pub fn check(&self, who: &str) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(who) {
            // Full buckets hold no state worth keeping.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        // Known credentials (nearly every request) are found without allocating a key.
        if !buckets.contains_key(who) {
            buckets.insert(who.to_string(), (self.burst, now));
        }
        let (tokens, at) = buckets.get_mut(who).expect("inserted above");
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

/// The 429 of an empty bucket.
pub fn rate_limited(wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut response = ApiError::new(
        ErrorCode::RateLimited,
        format!("rate limit of this credential reached; retry in {seconds} s"),
    )
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_per_credential() {
        let limiter = RateLimiter::new(5);
        for _ in 0..10 {
            assert!(limiter.check("a").is_ok());
        }
        assert!(limiter.check("a").is_err(), "burst of two seconds' worth");
        assert!(limiter.check("b").is_ok(), "another credential has its own bucket");
        assert!(RateLimiter::new(0).check("a").is_ok(), "0 is no limit");
    }
}
