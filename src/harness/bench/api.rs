//! `goalstream bench api`: the REST API over real HTTP on a scratch schema, as seed 002 measured
//! its predecessor: the first burst of requests on a cold server (no warm-up) against a warmed
//! one, then a mixed load (progress reads, claims, assignments, job enqueues) from concurrent
//! clients, with P50/P95/P99/max per endpoint.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use deadpool_postgres::Pool;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::json;
use tokio::sync::oneshot;

use super::percentile_ms;
use crate::api::{self, ApiState};
use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::store::{user_progress, FlushBatch, ProgressStore, Scratch};
use crate::update::{Change, ProgressUpdate};

/// Scratch schema, dropped at the end.
pub const SCHEMA: &str = "goalstream_bench_api";
/// The goal every seeded player has completed (claims go to it).
const CLAIMED_GOAL: &str = "daily-kills-25";
/// The goal assignments toggle.
const TOGGLED_GOAL: &str = "weekly-wins-10";

/// Options of `goalstream bench api`.
#[derive(Debug, Clone, Args)]
pub struct ApiBenchArgs {
    /// Players seeded (initialized, with a completed goal to claim).
    #[arg(long, default_value_t = 2_000)]
    pub users: usize,
    /// Concurrent clients, each sending one request at a time.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Length of the mixed-load phase (s).
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    /// Database connections of the server. Default: 2 × CPUs + 1 (as `goalstream api`).
    #[arg(long)]
    pub pool_size: Option<usize>,
    /// Print one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// Latency of one endpoint under the mixed load.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointResult {
    /// `METHOD path-template`.
    pub endpoint: &'static str,
    /// Requests sent.
    pub requests: usize,
    /// Responses that were not the expected status.
    pub errors: usize,
    /// Latency percentiles (ms).
    pub p50_ms: f64,
    /// 95th percentile (ms).
    pub p95_ms: f64,
    /// 99th percentile (ms).
    pub p99_ms: f64,
    /// Slowest (ms).
    pub max_ms: f64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ApiBenchReport {
    /// First burst (`concurrency` reads at once) on a server whose pool was never used: P50, max (ms).
    pub cold_burst_ms: (f64, f64),
    /// The same burst on a server after `ApiState::warm_up`: P50, max (ms).
    pub warm_burst_ms: (f64, f64),
    /// Requests per second of the mixed load.
    pub requests_per_s: f64,
    /// Per endpoint.
    pub results: Vec<EndpointResult>,
}

/// The mix: (endpoint, weight in percent).
const MIX: [(&str, u32); 4] = [
    ("GET /v1/users/{user_id}/challenges", 70),
    ("POST /v1/users/{user_id}/goals/{goal_id}/claim", 15),
    ("PUT /v1/users/{user_id}/goals/{goal_id}/active", 10),
    ("POST /v1/jobs", 5),
];

/// Runs the phases and prints the report.
pub async fn run(
    base: &DbConfig,
    catalog: Arc<Catalog>,
    args: &ApiBenchArgs,
) -> anyhow::Result<ApiBenchReport> {
    anyhow::ensure!(args.users > 0 && args.concurrency > 0, "sizes must be at least 1");
    anyhow::ensure!(
        catalog.goal_ref(CLAIMED_GOAL).is_some() && catalog.goal_ref(TOGGLED_GOAL).is_some(),
        "bench api needs the example catalog's goals {CLAIMED_GOAL} and {TOGGLED_GOAL}"
    );
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pool_size = args.pool_size.unwrap_or(2 * cpus + 1);
    let scratch = Scratch::create(&base.clone().with_pool_size(pool_size), SCHEMA).await?;
    let (config, seed_pool) = (scratch.config.clone(), scratch.pool.clone());
    let users: Vec<String> = (0..args.users).map(|i| format!("bench-{i}")).collect();
    seed(&seed_pool, &catalog, &users).await?;
    drop(seed_pool);
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build()?;

    // Cold: a new pool, no warm-up; the first burst opens connections and prepares statements.
    let cold = Server::start(crate::store::connect(&config).await?, catalog.clone(), false).await?;
    let cold_burst = burst(&http, &cold.base, &users, args.concurrency).await?;
    cold.stop().await;
    let warm = Server::start(crate::store::connect(&config).await?, catalog.clone(), true).await?;
    let warm_burst = burst(&http, &warm.base, &users, args.concurrency).await?;
    eprintln!(
        "first burst of {} reads: cold p50 {:.1} ms max {:.1} ms; warmed p50 {:.1} ms max {:.1} ms",
        args.concurrency, cold_burst.0, cold_burst.1, warm_burst.0, warm_burst.1
    );

    let deadline = Instant::now() + Duration::from_secs(args.duration_s);
    let users = Arc::new(users);
    let clients: Vec<_> = (0..args.concurrency)
        .map(|worker| {
            let (http, base, users) = (http.clone(), warm.base.clone(), users.clone());
            tokio::spawn(
                async move { client_loop(worker as u64, http, base, users, deadline).await },
            )
        })
        .collect();
    let started = Instant::now();
    let mut samples: BTreeMap<usize, (Vec<Duration>, usize)> = BTreeMap::new();
    for client in clients {
        for (op, latency, ok) in client.await?? {
            let entry = samples.entry(op).or_default();
            entry.0.push(latency);
            entry.1 += usize::from(!ok);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    warm.stop().await;
    scratch.drop_schema().await?;

    let total: usize = samples.values().map(|s| s.0.len()).sum();
    let results: Vec<EndpointResult> = samples
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
    let report = ApiBenchReport {
        cold_burst_ms: cold_burst,
        warm_burst_ms: warm_burst,
        requests_per_s: total as f64 / elapsed,
        results,
    };
    print_report(&report, args, pool_size);
    Ok(report)
}

/// Every player initialized, and CLAIMED_GOAL completed for each through the flush engine.
async fn seed(pool: &Pool, catalog: &Arc<Catalog>, users: &[String]) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let defaults: Vec<(&str, Option<chrono::DateTime<chrono::Utc>>)> = catalog
        .goals()
        .iter()
        .filter(|g| g.default_assigned)
        .map(|g| (g.goal_id.as_str(), g.rotation.period_end(now)))
        .collect();
    let client = pool.get().await?;
    for user in users {
        user_progress::initialize(&client, user, &defaults, now).await?;
    }
    drop(client);
    let goal = catalog.goal_ref(CLAIMED_GOAL).expect("checked");
    let target = catalog.goal(goal).target;
    let updates: Vec<ProgressUpdate> = users
        .iter()
        .map(|user| ProgressUpdate {
            user_id: user.as_str().into(),
            goal,
            change: Change::from_event(catalog.goal(goal).mode, None, Some(target))
                .expect("an increment goal reads deltas"),
        })
        .collect();
    let batch = FlushBatch {
        events: Default::default(),
        now,
        updates: &updates,
        group_id: "bench",
        offsets: &[],
        dead_letters: &[],
    };
    ProgressStore::new(catalog.clone()).flush(&mut pool.get().await?, &batch).await?;
    Ok(())
}

/// `concurrency` progress reads at once; P50 and max (ms).
async fn burst(
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

/// One client: requests from the mix until the deadline; (op, latency, as expected).
async fn client_loop(
    worker: u64,
    http: reqwest::Client,
    base: String,
    users: Arc<Vec<String>>,
    deadline: Instant,
) -> anyhow::Result<Vec<(usize, Duration, bool)>> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(worker);
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        let user = &users[rng.random_range(0..users.len())];
        let mut roll = rng.random_range(0..100);
        let op = MIX.iter().position(|(_, weight)| {
            let hit = roll < *weight;
            roll = roll.saturating_sub(*weight);
            hit
        });
        let op = op.unwrap_or(0);
        let request = match op {
            0 => http.get(format!("{base}/v1/users/{user}/challenges")),
            1 => http.post(format!("{base}/v1/users/{user}/goals/{CLAIMED_GOAL}/claim")),
            2 => http
                .put(format!("{base}/v1/users/{user}/goals/{TOGGLED_GOAL}/active"))
                .json(&json!({ "active": rng.random_bool(0.5) })),
            _ => http
                .post(format!("{base}/v1/jobs"))
                .json(&json!({ "kind": "bench.noop", "queue": "bench", "tenant": user })),
        };
        let started = Instant::now();
        let response = request.send().await?;
        let ok = response.status().is_success();
        response.bytes().await?;
        samples.push((op, started.elapsed(), ok));
    }
    Ok(samples)
}

fn print_report(report: &ApiBenchReport, args: &ApiBenchArgs, pool_size: usize) {
    println!(
        "mixed load: {} clients, {} s, pool {pool_size}: {:.0} requests/s",
        args.concurrency, args.duration_s, report.requests_per_s
    );
    println!(
        "{:<50} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for r in &report.results {
        println!(
            "{:<50} {:>8} {:>7} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            r.endpoint, r.requests, r.errors, r.p50_ms, r.p95_ms, r.p99_ms, r.max_ms
        );
    }
    println!(
        "first burst of {} reads: cold p50 {:.1} / max {:.1} ms, warmed p50 {:.1} / max {:.1} ms",
        args.concurrency,
        report.cold_burst_ms.0,
        report.cold_burst_ms.1,
        report.warm_burst_ms.0,
        report.warm_burst_ms.1
    );
    if args.json {
        println!("{}", serde_json::to_string(report).expect("the report serializes"));
    }
}

/// The API on 127.0.0.1:0 in this process.
struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(pool: Pool, catalog: Arc<Catalog>, warm: bool) -> anyhow::Result<Server> {
        let mut state = ApiState::new(pool, catalog);
        state.config.job_kinds = vec!["bench.noop".to_string()];
        if warm {
            state.warm_up().await?;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(api::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(Server { base, stop, task })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
