//! REST API traffic beside the stream, as in seed 002: progress reads and now and then a claim,
//! sent as a game client sends them. Each connection plays one player for a session of
//! [`SESSION_REQUESTS`] requests: first `initialize` (a client does it at login; it creates the
//! default goals, so the player's reads never answer 404 `user_not_found`), then reads of its
//! challenges; a claim slot of the schedule claims [`CLAIM_GOAL`] only when the last read showed
//! it claimable, and reads again otherwise (a client does not claim what is not completed).
//! Then another player.
//!
//! Open loop (as wrk2 and HdrHistogram's corrected mode): a scheduler fixes when each request
//! is due, at the offered rate, whatever the server does; a fixed pool of keep-alive
//! connections sends them. Latency is measured from the *scheduled* time, so a slow server
//! shows up as the queueing it causes instead of as fewer requests (coordinated omission).
//! The service time (from the moment a connection sends) is reported beside it.
//! 2xx answers are successes, 4xx refusals (few: a claim that lost a race with another
//! connection's claim of the same player), each with its own percentiles; 5xx and transport failures are errors. Requests
//! still waiting for a connection when the run stops are counted as `unsent`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use rand::Rng;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::http::{BaseUrl, Client};
use crate::harness::synthetic::Synthetic;

/// One request in this many is a claim slot.
const CLAIM_EVERY: u64 = 5;
/// Requests of one player's session (its `initialize` included).
pub const SESSION_REQUESTS: u32 = 20;
/// The goal claimed: completed by a player's first `level` event in the example catalog, and
/// not an increment goal, so claims never hide increments from the verdict.
pub const CLAIM_GOAL: &str = "reach-level-10";
/// Endpoint label of progress reads.
pub const READ: &str = "GET /v1/users/{user_id}/challenges";
/// Endpoint label of claims.
pub const CLAIM: &str = "POST /v1/users/{user_id}/goals/{goal_id}/claim";
/// Endpoint label of the login's initialize.
pub const INITIALIZE: &str = "POST /v1/users/{user_id}/initialize";

/// API traffic settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the API listens.
    pub base: BaseUrl,
    /// Keep-alive connections sending the scheduled requests.
    pub clients: usize,
    /// Players to pick from (the stream's players).
    pub users: usize,
    /// Requests per second offered, in total, whatever the server answers.
    pub rate: f64,
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
    /// 4xx answers (refusals: a claim that lost a race, a rate limit).
    pub refused: u64,
    /// 5xx answers and transport failures.
    pub errors: u64,
    /// Requests due but not yet sent when the run stopped (every connection was busy).
    pub unsent: u64,
    /// Latency of the 2xx answers from their scheduled time, ms (what a client waits).
    pub latency_ms: Percentiles,
    /// Latency of the 2xx answers from the moment they were sent, ms (the server's share).
    pub service_ms: Percentiles,
    /// Latency of the 4xx answers from their scheduled time, ms.
    pub refused_latency_ms: Percentiles,
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

/// 1 µs to 10 min, 3 significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("bounds")
}

#[derive(Debug)]
struct Endpoint {
    requests: u64,
    ok: u64,
    refused: u64,
    errors: u64,
    unsent: u64,
    ok_micros: Histogram<u64>,
    service_micros: Histogram<u64>,
    refused_micros: Histogram<u64>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            requests: 0,
            ok: 0,
            refused: 0,
            errors: 0,
            unsent: 0,
            ok_micros: histogram(),
            service_micros: histogram(),
            refused_micros: histogram(),
        }
    }
}

impl Endpoint {
    fn report(&self) -> EndpointReport {
        EndpointReport {
            requests: self.requests,
            ok: self.ok,
            refused: self.refused,
            errors: self.errors,
            unsent: self.unsent,
            latency_ms: Percentiles::of_micros(&self.ok_micros),
            service_ms: Percentiles::of_micros(&self.service_micros),
            refused_latency_ms: Percentiles::of_micros(&self.refused_micros),
        }
    }
}

type Endpoints = Arc<Mutex<BTreeMap<&'static str, Endpoint>>>;

/// One scheduled request: its sequence number and when it is due.
#[derive(Debug, Clone, Copy)]
struct Due {
    seq: u64,
    at: Instant,
}

impl Due {
    /// The slot of the schedule this request fills.
    fn endpoint(self) -> &'static str {
        if (self.seq + 1).is_multiple_of(CLAIM_EVERY) {
            CLAIM
        } else {
            READ
        }
    }
}

type Queue = Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Due>>>;

/// Running API traffic.
pub struct ApiTraffic {
    stop: CancellationToken,
    scheduler: JoinHandle<()>,
    clients: Vec<JoinHandle<()>>,
    queue: Queue,
    endpoints: Endpoints,
}

impl ApiTraffic {
    /// Starts the scheduler and the connections.
    pub fn start(config: Config) -> ApiTraffic {
        let stop = CancellationToken::new();
        let endpoints: Endpoints = Arc::default();
        let (due, queue) = mpsc::unbounded_channel();
        let queue: Queue = Arc::new(tokio::sync::Mutex::new(queue));
        let scheduler = tokio::spawn(schedule(config.rate, due, stop.clone()));
        let clients = (0..config.clients.max(1))
            .map(|_| {
                let connection = Connection {
                    client: Client::new(config.base.clone())
                        .with_authorization(config.authorization.clone()),
                    users: config.users.max(1),
                    queue: queue.clone(),
                    endpoints: endpoints.clone(),
                    stop: stop.clone(),
                    session: None,
                };
                tokio::spawn(connection.run())
            })
            .collect();
        ApiTraffic { stop, scheduler, clients, queue, endpoints }
    }

    /// Stops scheduling, lets the requests in flight finish, and reports per endpoint (the
    /// requests still waiting for a connection as `unsent`).
    pub async fn stop(self) -> BTreeMap<String, EndpointReport> {
        self.stop.cancel();
        let _ = self.scheduler.await;
        for client in self.clients {
            let _ = client.await;
        }
        let mut queue = self.queue.lock().await;
        let mut endpoints = self.endpoints.lock().expect("not poisoned");
        while let Ok(due) = queue.try_recv() {
            endpoints.entry(due.endpoint()).or_default().unsent += 1;
        }
        endpoints.iter().map(|(name, e)| (name.to_string(), e.report())).collect()
    }
}

/// Puts request `n` on the queue at `start + n / rate`, catching up at once when late, until
/// stopped: the offered rate does not depend on the answers.
async fn schedule(rate: f64, due: mpsc::UnboundedSender<Due>, stop: CancellationToken) {
    let rate = rate.max(0.001);
    let start = Instant::now();
    for seq in 0u64.. {
        let at = start + Duration::from_secs_f64(seq as f64 / rate);
        tokio::select! {
            _ = tokio::time::sleep_until(at) => {}
            _ = stop.cancelled() => return,
        }
        if due.send(Due { seq, at }).is_err() {
            return;
        }
    }
}

/// One keep-alive connection taking due requests off the queue.
struct Connection {
    client: Client,
    users: usize,
    queue: Queue,
    endpoints: Endpoints,
    stop: CancellationToken,
    session: Option<Session>,
}

/// The player a connection plays now.
struct Session {
    user: String,
    requests_left: u32,
    /// The last read showed [`CLAIM_GOAL`] claimable.
    claimable: bool,
}

impl Connection {
    async fn run(mut self) {
        loop {
            let next = {
                let mut queue = self.queue.lock().await;
                tokio::select! {
                    due = queue.recv() => due,
                    _ = self.stop.cancelled() => None,
                }
            };
            match next {
                Some(due) if !self.stop.is_cancelled() => self.run_once(due).await,
                Some(due) => {
                    // Taken off the queue as the run stopped: not sent.
                    let mut endpoints = self.endpoints.lock().expect("not poisoned");
                    endpoints.entry(due.endpoint()).or_default().unsent += 1;
                    return;
                }
                None => return,
            }
        }
    }

    async fn run_once(&mut self, due: Due) {
        let (endpoint, method, path) = self.next_request(due.endpoint());
        let sent = Instant::now();
        let result = self.client.send(method, &path, None).await;
        let done = Instant::now();
        let waited = micros(done - due.at);
        let service = micros(done - sent);
        if let (READ, Some(session), Ok(response)) = (endpoint, &mut self.session, &result) {
            session.claimable = response.status == 200 && claimable(&response.body);
        }
        let mut endpoints = self.endpoints.lock().expect("not poisoned");
        let entry = endpoints.entry(endpoint).or_default();
        entry.requests += 1;
        match result {
            Ok(response) if response.status < 400 => {
                entry.ok += 1;
                let _ = entry.ok_micros.record(waited);
                let _ = entry.service_micros.record(service);
            }
            Ok(response) if response.status < 500 => {
                entry.refused += 1;
                let _ = entry.refused_micros.record(waited);
            }
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

    /// What the session sends in a `slot` of the schedule: `initialize` for a new player, a
    /// claim when the slot is a claim and the last read showed it claimable, else a read.
    fn next_request(&mut self, slot: &'static str) -> (&'static str, &'static str, String) {
        let session = match &mut self.session {
            Some(session) if session.requests_left > 0 => session,
            _ => {
                let user = Synthetic::user_id(rand::rng().random_range(0..self.users));
                let path = format!("/v1/users/{user}/initialize");
                let requests_left = SESSION_REQUESTS - 1;
                self.session = Some(Session { user, requests_left, claimable: false });
                return (INITIALIZE, "POST", path);
            }
        };
        session.requests_left -= 1;
        if slot == CLAIM && session.claimable {
            session.claimable = false;
            let path = format!("/v1/users/{}/goals/{CLAIM_GOAL}/claim", session.user);
            return (CLAIM, "POST", path);
        }
        (READ, "GET", format!("/v1/users/{}/challenges", session.user))
    }
}

/// Whether a challenges answer shows [`CLAIM_GOAL`] claimable. Reads only the goals' ids and
/// flags (borrowed, the rest skipped): the client runs beside the service on the same cores,
/// and a whole `serde_json::Value` per answer showed in perf profiles of the peak tier.
fn claimable(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Answer<'a> {
        #[serde(borrow, default)]
        challenges: Vec<Challenge<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Challenge<'a> {
        #[serde(borrow, default)]
        goals: Vec<Goal<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Goal<'a> {
        #[serde(borrow)]
        goal_id: std::borrow::Cow<'a, str>,
        #[serde(default)]
        claimable: bool,
    }
    let Ok(answer) = serde_json::from_slice::<Answer<'_>>(body) else { return false };
    answer.challenges.iter().flat_map(|c| &c.goals).any(|g| g.goal_id == CLAIM_GOAL && g.claimable)
}

fn micros(elapsed: Duration) -> u64 {
    (elapsed.as_micros() as u64).max(1)
}

#[cfg(test)]
mod tests;
