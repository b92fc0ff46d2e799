//! `goalstream run` in-process (the same `App` as the binary, from the same flags): it serves
//! the REST API and /metrics, /healthz, /readyz on separate listeners, registers a job
//! worker, and stops cleanly. No broker is needed for that (127.0.0.1:1 refuses; the consumer
//! keeps retrying, /readyz says why).

mod support;

use support::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_the_api_and_operations_routes_and_runs_job_workers() {
    let db = TestDb::new(2).await;
    let running = support::app::start_run(
        &db,
        &["--brokers", "127.0.0.1:1", "--api-pool-size", "2", "--job-concurrency", "4"],
    )
    .await;
    let ops = format!("http://{}", running.ops_addr().unwrap());
    let base = format!("http://{}", running.api_addr().unwrap());
    assert_ne!(running.api_addr(), running.ops_addr(), "the API has a listener of its own");
    let http = reqwest::Client::new();
    // Metrics are never served with the public API, nor the API with the metrics.
    let not_here = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(not_here.status(), 404);
    let not_here = http.get(format!("{ops}/v1/users/nobody/challenges")).send().await.unwrap();
    assert_eq!(not_here.status(), 404);

    let health = http.get(format!("{ops}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let unknown = http.get(format!("{base}/v1/users/nobody/challenges")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "user_not_found", "{body}");
    let created = http.post(format!("{base}/v1/users/p1/initialize")).send().await.unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let listing = http.get(format!("{base}/v1/users/p1/challenges")).send().await.unwrap();
    assert_eq!(listing.status(), 200);
    let ready = http.get(format!("{ops}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "no partition assigned without a broker");
    let metrics = http.get(format!("{ops}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("goalstream_build_info"), "{metrics}");
    assert_eq!(registered_workers(&db).await, 1, "the job worker registered");

    running.stop().await.expect("stops cleanly");
    assert_eq!(registered_workers(&db).await, 0, "the job worker deregistered at the stop");
    assert!(reqwest::get(format!("{ops}/healthz")).await.is_err(), "the server stopped");
    assert!(reqwest::get(format!("{base}/openapi.json")).await.is_err(), "the API stopped");
}

async fn registered_workers(db: &TestDb) -> i64 {
    let client = db.pool.get().await.unwrap();
    client.query_one("SELECT count(*) FROM workers", &[]).await.unwrap().get(0)
}
