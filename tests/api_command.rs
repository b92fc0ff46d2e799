//! `goalstream api`: the binary serves the API on the address it is given (and /metrics,
//! /readyz on another), warmed up, and stops cleanly on SIGTERM, within its bound even while
//! slowloris clients hold sockets open.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::child::{address_in, Stderr};
use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

#[tokio::test]
async fn goalstream_api_serves_until_sigterm() {
    let db = TestDb::new(1).await;
    // The binary works in the test's schema (already migrated; its own migrate is a no-op).
    let url = db.child_url();
    let mut child = Command::new(BIN)
        .args(["api", "--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--pool-size", "2"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .env_remove("GOALSTREAM_CONFIG")
        .env_remove("GOALSTREAM_CATALOG")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("goalstream starts");
    let mut stderr = Stderr::read(&mut child);
    let line = stderr.wait_for("listening", Duration::from_secs(30));
    assert!(stderr.log.contains("REST API ready"), "warmed before listening: {}", stderr.log);
    let addr = address_in(&line);
    let http = reqwest::Client::new();
    let response =
        http.post(format!("http://{addr}/v1/users/cli-1/initialize")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let response =
        http.get(format!("http://{addr}/v1/users/cli-1/challenges")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    // The operations routes are not on the API's address.
    let response = http.get(format!("http://{addr}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let rows: i64 = db
        .pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM user_goal_progress WHERE user_id = 'cli-1'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 9, "the binary wrote into the test's schema");

    // Slowloris: sockets that send half a request head and then nothing.
    let mut held = Vec::new();
    for _ in 0..50 {
        let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut socket, b"GET /v1/queues HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(socket);
    }
    // A normal request is still served beside them.
    let response =
        http.get(format!("http://{addr}/v1/users/cli-1/challenges")).send().await.unwrap();
    assert_eq!(response.status(), 200);

    let stopping = Instant::now();
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    // The held sockets do not hold the stop: it is bounded by the drain timeout (5 s).
    let took = stopping.elapsed();
    assert!(took < Duration::from_secs(8), "SIGTERM took {took:?} with sockets held");
    drop(held);
    stderr.drain(Duration::from_secs(5));
    let log = &stderr.log;
    assert!(exit.success(), "{exit:?}\n{log}");
    assert!(log.contains("stopped cleanly"), "{log}");
}
