//! REST API traffic beside the stream, as in seed 002: virtual users read a player's
//! challenges and now and then claim a goal, each with a pause between requests. Latency is
//! recorded per endpoint; 2xx and 4xx answers are responses (a claim of a goal that is not
//! completed is refused with a 4xx by design), 5xx and transport failures are errors.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rand::Rng;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::http::{BaseUrl, Client};
use crate::harness::synthetic::Synthetic;

/// Pause between one virtual user's requests (≈ 10 requests/s each).
pub const DEFAULT_THINK_TIME: Duration = Duration::from_millis(100);
/// One request in this many is a claim.
const CLAIM_EVERY: u64 = 5;
/// The goal claimed: completed by a player's first `level` event in the example catalog, and
/// not an increment goal, so claims never hide increments from the verdict.
pub const CLAIM_GOAL: &str = "reach-level-10";
/// Endpoint label of progress reads.
pub const READ: &str = "GET /v1/users/{user_id}/challenges";
/// Endpoint label of claims.
pub const CLAIM: &str = "POST /v1/users/{user_id}/goals/{goal_id}/claim";

/// API traffic settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the API listens.
    pub base: BaseUrl,
    /// Concurrent virtual users.
    pub clients: usize,
    /// Players to pick from (the stream's players).
    pub users: usize,
    /// Pause between one virtual user's requests.
    pub think_time: Duration,
    /// `Authorization` header value sent with every request (a service API key), if any.
    pub authorization: Option<String>,
}

/// What one endpoint saw.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EndpointReport {
    /// Requests sent.
    pub requests: u64,
    /// 2xx answers.
    pub ok: u64,
    /// 4xx answers (refusals: not completed, already claimed, unknown player).
    pub refused: u64,
    /// 5xx answers and transport failures.
    pub errors: u64,
    /// Latency percentiles, ms.
    pub latency_ms: Percentiles,
}

/// Latency percentiles in ms, as read back from a saved report.
pub type SavedPercentiles = Percentiles;

/// Latency percentiles in ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

impl Percentiles {
    /// Percentiles of a histogram in µs, as ms.
    pub fn of_micros(histogram: &Histogram<u64>) -> Percentiles {
        if histogram.is_empty() {
            return Percentiles::default();
        }
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1_000.0;
        Percentiles {
            p50: ms(0.5),
            p95: ms(0.95),
            p99: ms(0.99),
            max: histogram.max() as f64 / 1_000.0,
        }
    }
}

#[derive(Debug)]
struct Endpoint {
    requests: u64,
    ok: u64,
    refused: u64,
    errors: u64,
    micros: Histogram<u64>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            requests: 0,
            ok: 0,
            refused: 0,
            errors: 0,
            // 1 µs to 10 min, 3 significant digits.
            micros: Histogram::new_with_bounds(1, 600_000_000, 3).expect("bounds"),
        }
    }
}

type Endpoints = Arc<Mutex<BTreeMap<&'static str, Endpoint>>>;

/// Running API traffic.
pub struct ApiTraffic {
    stop: CancellationToken,
    clients: Vec<JoinHandle<()>>,
    endpoints: Endpoints,
}

impl ApiTraffic {
    /// Starts the virtual users.
    pub fn start(config: Config) -> ApiTraffic {
        let stop = CancellationToken::new();
        let endpoints: Endpoints = Arc::default();
        let clients = (0..config.clients.max(1))
            .map(|n| {
                let user = VirtualUser {
                    client: Client::new(config.base.clone())
                        .with_authorization(config.authorization.clone()),
                    users: config.users.max(1),
                    think_time: config.think_time,
                    endpoints: endpoints.clone(),
                    stop: stop.clone(),
                    sent: n as u64,
                };
                tokio::spawn(user.run())
            })
            .collect();
        ApiTraffic { stop, clients, endpoints }
    }

    /// Stops the virtual users and reports per endpoint.
    pub async fn stop(self) -> BTreeMap<String, EndpointReport> {
        self.stop.cancel();
        for client in self.clients {
            let _ = client.await;
        }
        let endpoints = self.endpoints.lock().expect("not poisoned");
        endpoints
            .iter()
            .map(|(name, e)| {
                let report = EndpointReport {
                    requests: e.requests,
                    ok: e.ok,
                    refused: e.refused,
                    errors: e.errors,
                    latency_ms: Percentiles::of_micros(&e.micros),
                };
                (name.to_string(), report)
            })
            .collect()
    }
}

struct VirtualUser {
    client: Client,
    users: usize,
    think_time: Duration,
    endpoints: Endpoints,
    stop: CancellationToken,
    sent: u64,
}

impl VirtualUser {
    async fn run(mut self) {
        while !self.stop.is_cancelled() {
            self.run_once().await;
            tokio::select! {
                _ = tokio::time::sleep(self.think_time) => {}
                _ = self.stop.cancelled() => return,
            }
        }
    }

    async fn run_once(&mut self) {
        self.sent += 1;
        let user = Synthetic::user_id(rand::rng().random_range(0..self.users));
        let (endpoint, method, path) = if self.sent.is_multiple_of(CLAIM_EVERY) {
            (CLAIM, "POST", format!("/v1/users/{user}/goals/{CLAIM_GOAL}/claim"))
        } else {
            (READ, "GET", format!("/v1/users/{user}/challenges"))
        };
        let started = Instant::now();
        let result = self.client.send(method, &path, None).await;
        let micros = started.elapsed().as_micros() as u64;
        let mut endpoints = self.endpoints.lock().expect("not poisoned");
        let entry = endpoints.entry(endpoint).or_default();
        entry.requests += 1;
        let _ = entry.micros.record(micros.max(1));
        match result {
            Ok(response) if response.status < 400 => entry.ok += 1,
            Ok(response) if response.status < 500 => entry.refused += 1,
            Ok(response) => {
                entry.errors += 1;
                tracing::debug!(status = response.status, endpoint, "API error");
            }
            Err(error) => {
                entry.errors += 1;
                tracing::debug!(%error, endpoint, "API request failed");
            }
        }
    }
}
