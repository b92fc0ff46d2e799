//! `goalstream bench api` runs end to end on a small load, without errors.

mod support;

use std::sync::Arc;

use goalstream::catalog::Catalog;
use goalstream::harness::bench::api::{self, ApiBenchArgs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_bench_runs_a_small_mixed_load_without_errors() {
    let args =
        ApiBenchArgs { users: 50, concurrency: 4, duration_s: 1, pool_size: Some(3), json: true };
    let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
    let report = api::run(&support::db_config(), catalog, &args).await.unwrap();
    assert_eq!(report.results.len(), 4, "every endpoint of the mix was called: {report:?}");
    for result in &report.results {
        assert!(result.requests > 0, "{result:?}");
        assert_eq!(result.errors, 0, "{result:?}");
        assert!(result.p50_ms > 0.0 && result.p50_ms <= result.max_ms, "{result:?}");
    }
    assert!(report.requests_per_s > 0.0);
}
