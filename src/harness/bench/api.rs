//! `goalstream bench api`: the REST API over real HTTP on a scratch schema, as seed 002 measured
//! its predecessor: the first burst of requests on a cold server (no warm-up) against a warmed
//! one, then a mixed load (progress reads, claims, assignments, job enqueues) from concurrent
//! clients, with P50/P95/P99/max per endpoint; with `--auth off,on`, the mixed load once per
//! mode in the same run (rounds alternate the order), and the cost of authentication on the
//! median ([`server`]: the in-process API and its credentials).

mod client;
pub mod server;

use std::collections::BTreeMap;
use std::sync::Arc;

use clap::Args;
use client::{burst, mixed, Samples};
use deadpool_postgres::Pool;
use serde::Serialize;
use server::{Credentials, Server};

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
    /// Authentication of the mixed load, comma-separated: `off` (none), `on` (player JWTs on
    /// the player routes, a service key on job enqueues, rate limits at their defaults). With
    /// both, each mode runs the mixed load and the report gives the cost on the median.
    #[arg(long, value_delimiter = ',', default_value = "off")]
    pub auth: Vec<AuthMode>,
    /// Mixed-load phases per mode; each round alternates the order of the modes.
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// Requests per second the mixed load offers in total, on a fixed schedule shared by the
    /// clients (open loop: latency counts from each request's scheduled time, as wrk2, so a
    /// slow answer shows as queueing). 0: each client sends its next request as soon as the
    /// last one is answered (closed loop: the server's saturation, where any extra CPU per
    /// request shows in the latency).
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Print one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// Whether the mixed load is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication.
    Off,
    /// Player JWTs (HS256) and a service key.
    On,
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

/// The mixed load under one authentication mode (all its rounds).
#[derive(Debug, Clone, Serialize)]
pub struct MixedRun {
    /// The mode.
    pub auth: AuthMode,
    /// Requests per second answered.
    pub requests_per_s: f64,
    /// Requests per second offered (`--rate`); 0: closed loop.
    pub offered_per_s: f64,
    /// Median of every request of the mix (ms).
    pub p50_ms: f64,
    /// Per endpoint.
    pub results: Vec<EndpointResult>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ApiBenchReport {
    /// First burst (`concurrency` reads at once) on a server whose pool was never used: P50, max (ms).
    pub cold_burst_ms: (f64, f64),
    /// The same burst on a server after `ApiState::warm_up`: P50, max (ms).
    pub warm_burst_ms: (f64, f64),
    /// The mixed load per authentication mode.
    pub runs: Vec<MixedRun>,
    /// With both modes: (median on − median off) / median off over every request, in %.
    pub auth_overhead_p50_pct: Option<f64>,
}

/// Runs the phases and prints the report.
pub async fn run(
    base: &DbConfig,
    catalog: Arc<Catalog>,
    args: &ApiBenchArgs,
) -> anyhow::Result<ApiBenchReport> {
    anyhow::ensure!(args.users > 0 && args.concurrency > 0, "sizes must be at least 1");
    anyhow::ensure!(
        args.rate.is_finite() && args.rate >= 0.0,
        "--rate must be a number of requests per second, 0 for a closed loop"
    );
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
    let cold =
        Server::start(crate::store::connect(&config).await?, catalog.clone(), false, None).await?;
    let cold_burst = burst(&http, &cold.base, &users, args.concurrency).await?;
    cold.stop().await;
    let warm =
        Server::start(crate::store::connect(&config).await?, catalog.clone(), true, None).await?;
    let warm_burst = burst(&http, &warm.base, &users, args.concurrency).await?;
    eprintln!(
        "first burst of {} reads: cold p50 {:.1} ms max {:.1} ms; warmed p50 {:.1} ms max {:.1} ms",
        args.concurrency, cold_burst.0, cold_burst.1, warm_burst.0, warm_burst.1
    );

    warm.stop().await;

    let mut modes = args.auth.clone();
    modes.sort();
    modes.dedup();
    anyhow::ensure!(!modes.is_empty() && args.rounds > 0, "--auth and --rounds name no run");
    let credentials = Credentials::new(&users)?;
    let users = Arc::new(users);
    let mut samples: BTreeMap<AuthMode, Samples> = BTreeMap::new();
    for round in 0..args.rounds {
        let order: Vec<AuthMode> =
            if round % 2 == 0 { modes.clone() } else { modes.iter().rev().copied().collect() };
        for mode in order {
            let auth = (mode == AuthMode::On).then(|| credentials.settings());
            let pool = crate::store::connect(&config).await?;
            let server = Server::start(pool, catalog.clone(), true, auth).await?;
            let tokens = (mode == AuthMode::On).then_some(&credentials);
            let phase = mixed(&http, &server.base, &users, tokens, args).await;
            server.stop().await;
            samples.entry(mode).or_default().add(phase?);
        }
    }
    scratch.drop_schema().await?;

    let runs: Vec<MixedRun> = samples.into_iter().map(|(mode, s)| s.run(mode, args.rate)).collect();
    let p50 = |mode| runs.iter().find(|r| r.auth == mode).map(|r| r.p50_ms);
    let auth_overhead_p50_pct = match (p50(AuthMode::Off), p50(AuthMode::On)) {
        (Some(off), Some(on)) if off > 0.0 => Some((on - off) / off * 100.0),
        _ => None,
    };
    let report = ApiBenchReport {
        cold_burst_ms: cold_burst,
        warm_burst_ms: warm_burst,
        runs,
        auth_overhead_p50_pct,
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

/// How the mixed load was offered, for the report.
fn offered(rate: f64) -> String {
    if rate > 0.0 {
        format!("open loop at {rate:.0} requests/s offered")
    } else {
        "closed loop".into()
    }
}

fn print_report(report: &ApiBenchReport, args: &ApiBenchArgs, pool_size: usize) {
    for run in &report.runs {
        println!(
            "mixed load, auth {:?}: {} clients, {} s x {} rounds, pool {pool_size}, {}: {:.0} requests/s, p50 of all {:.3} ms",
            run.auth,
            args.concurrency,
            args.duration_s,
            args.rounds,
            offered(args.rate),
            run.requests_per_s,
            run.p50_ms
        );
        println!(
            "{:<50} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8}",
            "endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"
        );
        for r in &run.results {
            println!(
                "{:<50} {:>8} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.1}",
                r.endpoint, r.requests, r.errors, r.p50_ms, r.p95_ms, r.p99_ms, r.max_ms
            );
        }
    }
    if let Some(pct) = report.auth_overhead_p50_pct {
        println!(
            "auth overhead on the median of every request ({}): {pct:+.1} %",
            offered(args.rate)
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
