//! The clients of `goalstream bench api`: the first burst of reads, and the mixed load
//! (progress reads, claims, assignments, job enqueues) with the credentials a real caller sends
//! when the server authenticates.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::json;

use super::server::{Credentials, JOB_KIND};
use super::{ApiBenchArgs, AuthMode, EndpointResult, MixedRun, CLAIMED_GOAL, TOGGLED_GOAL};
use crate::harness::bench::percentile_ms;

/// The mix: (endpoint, weight in percent).
pub const MIX: [(&str, u32); 4] = [
    ("GET /v1/users/{user_id}/challenges", 70),
    ("POST /v1/users/{user_id}/goals/{goal_id}/claim", 15),
    ("PUT /v1/users/{user_id}/goals/{goal_id}/active", 10),
    ("POST /v1/jobs", 5),
];

/// One request of the mix: (op, latency, answered as expected).
type Sample = (usize, Duration, bool);

/// The samples of one mode's phases.
#[derive(Debug, Default)]
pub struct Samples {
    by_op: BTreeMap<usize, (Vec<Duration>, usize)>,
    seconds: f64,
}

impl Samples {
    /// Adds a phase's samples and length.
    pub fn add(&mut self, (samples, seconds): (Vec<Sample>, f64)) {
        for (op, latency, ok) in samples {
            let entry = self.by_op.entry(op).or_default();
            entry.0.push(latency);
            entry.1 += usize::from(!ok);
        }
        self.seconds += seconds;
    }

    /// The mode's report; `offered_per_s` is `--rate`.
    pub fn run(self, auth: AuthMode, offered_per_s: f64) -> MixedRun {
        let all: Vec<Duration> = self.by_op.values().flat_map(|s| s.0.iter().copied()).collect();
        let results = self
            .by_op
            .into_iter()
            .map(|(op, (latencies, errors))| EndpointResult {
                endpoint: MIX[op].0,
                requests: latencies.len(),
                errors,
                p50_ms: percentile_ms(&latencies, 50.0),
                p95_ms: percentile_ms(&latencies, 95.0),
                p99_ms: percentile_ms(&latencies, 99.0),
                max_ms: percentile_ms(&latencies, 100.0),
            })
            .collect();
        MixedRun {
            auth,
            requests_per_s: all.len() as f64 / self.seconds.max(f64::EPSILON),
            offered_per_s,
            p50_ms: percentile_ms(&all, 50.0),
            results,
        }
    }
}

/// `concurrency` progress reads at once; P50 and max (ms).
pub async fn burst(
    http: &reqwest::Client,
    base: &str,
    users: &[String],
    concurrency: usize,
) -> anyhow::Result<(f64, f64)> {
    let requests = (0..concurrency).map(|i| {
        let url = format!("{base}/v1/users/{}/challenges", users[i % users.len()]);
        async move {
            let started = Instant::now();
            let response = http.get(url).send().await?;
            anyhow::ensure!(response.status().is_success(), "read failed: {}", response.status());
            response.bytes().await?;
            Ok(started.elapsed())
        }
    });
    let latencies = futures::future::try_join_all(requests).await?;
    Ok((percentile_ms(&latencies, 50.0), percentile_ms(&latencies, 100.0)))
}

/// The mixed load from `args.concurrency` clients for `args.duration_s`, sending `credentials`
/// when given, closed loop or at `args.rate` (each client a share of the schedule); the
/// samples and the phase's length (s).
pub async fn mixed(
    http: &reqwest::Client,
    base: &str,
    users: &Arc<Vec<String>>,
    credentials: Option<&Credentials>,
    args: &ApiBenchArgs,
) -> anyhow::Result<(Vec<Sample>, f64)> {
    let deadline = Instant::now() + Duration::from_secs(args.duration_s);
    let tokens = credentials.map(|c| Arc::new((c.players.clone(), c.service.clone())));
    let start = Instant::now();
    let schedule = (args.rate > 0.0).then(|| Schedule {
        start,
        interval: Duration::from_secs_f64(args.concurrency as f64 / args.rate),
        // Clients start staggered across one interval, so the total offered load is even.
        offset: Duration::from_secs_f64(1.0 / args.rate),
    });
    let clients: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let (http, base, users) = (http.clone(), base.to_string(), users.clone());
            let tokens = tokens.clone();
            tokio::spawn(async move {
                client_loop(worker as u64, http, base, users, tokens, schedule, deadline).await
            })
        })
        .collect();
    let started = Instant::now();
    let mut samples = Vec::new();
    for client in clients {
        samples.extend(client.await??);
    }
    Ok((samples, started.elapsed().as_secs_f64()))
}

/// An open loop's timetable: client `w`'s `k`-th request is due at
/// `start + w × offset + k × interval`.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    start: Instant,
    interval: Duration,
    offset: Duration,
}

/// One client: requests from the mix until the deadline, each as soon as the last was
/// answered, or when the schedule says (latency then counts from that time).
async fn client_loop(
    worker: u64,
    http: reqwest::Client,
    base: String,
    users: Arc<Vec<String>>,
    tokens: Option<Arc<(Vec<String>, String)>>,
    schedule: Option<Schedule>,
    deadline: Instant,
) -> anyhow::Result<Vec<Sample>> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(worker);
    let mut samples = Vec::new();
    for sent in 0u32.. {
        let due = schedule.map(|s| s.start + s.offset * worker as u32 + s.interval * sent);
        if due.unwrap_or_else(Instant::now) >= deadline {
            break;
        }
        if let Some(due) = due {
            tokio::time::sleep_until(due.into()).await;
        }
        let index = rng.random_range(0..users.len());
        let user = &users[index];
        let mut roll = rng.random_range(0..100);
        let op = MIX.iter().position(|(_, weight)| {
            let hit = roll < *weight;
            roll = roll.saturating_sub(*weight);
            hit
        });
        let op = op.unwrap_or(0);
        let mut request = match op {
            0 => http.get(format!("{base}/v1/users/{user}/challenges")),
            1 => http.post(format!("{base}/v1/users/{user}/goals/{CLAIMED_GOAL}/claim")),
            2 => http
                .put(format!("{base}/v1/users/{user}/goals/{TOGGLED_GOAL}/active"))
                .json(&json!({ "active": rng.random_bool(0.5) })),
            _ => http
                .post(format!("{base}/v1/jobs"))
                .json(&json!({ "kind": JOB_KIND, "queue": "bench", "tenant": user })),
        };
        // A game client sends its player's token; the game server its key.
        if let Some(tokens) = &tokens {
            let value = if op == 3 { &tokens.1 } else { &tokens.0[index] };
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        let started = due.unwrap_or_else(Instant::now);
        let response = request.send().await?;
        let ok = response.status().is_success();
        response.bytes().await?;
        samples.push((op, started.elapsed(), ok));
    }
    Ok(samples)
}
