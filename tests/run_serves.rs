//! `goalstream run` as a process: it serves the REST API beside /metrics, /healthz and /readyz
//! on its HTTP address, registers a job worker, and stops cleanly on SIGTERM. No broker is
//! needed for that (127.0.0.1:1 refuses; the consumer keeps retrying, /readyz says why).

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::kafka::wait_for;
use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_the_api_and_operations_routes_and_runs_job_workers() {
    let db = TestDb::new(2).await;
    let database_url = format!("{}?options=-csearch_path%3D{}", support::database_url(), db.schema);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = std::env::temp_dir().join(format!("goalstream-run-{}.log", db.schema));
    let mut child = Command::new(BIN)
        .args(["run", "--brokers", "127.0.0.1:1", "--api-pool-size", "2", "--job-concurrency", "4"])
        .env("DATABASE_URL", &database_url)
        .env("GOALSTREAM_CATALOG", "config/challenges.json")
        .env("GOALSTREAM_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("goalstream run starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_for("/healthz", Duration::from_secs(30), || async {
        http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200)
    })
    .await;

    let unknown = http.get(format!("{base}/v1/users/nobody/challenges")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "user_not_found", "{body}");
    let created = http.post(format!("{base}/v1/users/p1/initialize")).send().await.unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let listing = http.get(format!("{base}/v1/users/p1/challenges")).send().await.unwrap();
    assert_eq!(listing.status(), 200);
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "no partition assigned without a broker");
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("goalstream_build_info"), "{metrics}");
    let workers: i64 = db
        .pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM workers", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(workers, 1, "the job worker registered");

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status}; log {}", log.display());
}
