//! `goalstream bench api` runs end to end on a small load without errors, unauthenticated and
//! authenticated (player JWTs, a service key) in the same run, and reports the cost of auth.

mod support;

use std::sync::Arc;

use goalstream::catalog::Catalog;
use goalstream::harness::bench::api::{self, ApiBenchArgs, AuthMode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_bench_runs_a_small_mixed_load_with_auth_off_and_on_without_errors() {
    // Enough players that none reaches the default per-player rate limit (20/s, bursts of 40):
    // a closed loop of 4 clients sends a few thousand requests per second (50 players made
    // ~45/s each on a fast machine, and some got a 429).
    let args = ApiBenchArgs {
        users: 1_000,
        concurrency: 4,
        duration_s: 1,
        pool_size: Some(3),
        auth: vec![AuthMode::On, AuthMode::Off],
        rounds: 1,
        rate: 0.0,
        json: true,
    };
    let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
    let report = api::run(&support::db_config(), catalog, &args).await.unwrap();
    let modes: Vec<AuthMode> = report.runs.iter().map(|r| r.auth).collect();
    assert_eq!(modes, [AuthMode::Off, AuthMode::On]);
    for run in &report.runs {
        assert_eq!(run.results.len(), 4, "every endpoint of the mix was called: {run:?}");
        // With auth on, every request carried accepted credentials: no 401, 403 or 429.
        for result in &run.results {
            assert!(result.requests > 0, "{result:?}");
            assert_eq!(result.errors, 0, "{:?}: {result:?}", run.auth);
            assert!(result.p50_ms > 0.0 && result.p50_ms <= result.max_ms, "{result:?}");
        }
        assert!(run.requests_per_s > 0.0 && run.p50_ms > 0.0);
    }
    assert!(report.auth_overhead_p50_pct.is_some());

    // In the same test: both runs use the bench's one scratch schema.
    the_open_loop_offers_the_rate_it_is_given().await;
}

/// Open loop: the clients keep to the offered rate's schedule, whatever the server could take,
/// so the answered rate is the offered one (a closed loop of 4 clients sends thousands per s).
async fn the_open_loop_offers_the_rate_it_is_given() {
    let args = ApiBenchArgs {
        users: 50,
        concurrency: 4,
        duration_s: 2,
        pool_size: Some(3),
        auth: vec![AuthMode::On],
        rounds: 1,
        rate: 100.0,
        json: false,
    };
    let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
    let report = api::run(&support::db_config(), catalog, &args).await.unwrap();
    let run = &report.runs[0];
    let sent: usize = run.results.iter().map(|r| r.requests).sum();
    assert_eq!(run.offered_per_s, 100.0);
    // 2 s at 100 per s: 200 due times; the last ones may be cut by the deadline.
    assert!((190..=200).contains(&sent), "{sent} requests sent: {run:?}");
    assert!(run.results.iter().all(|r| r.errors == 0), "{run:?}");
}
