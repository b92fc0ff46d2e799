//! Unit tests of `api`: the schedule is open loop, and refusals are kept apart.

use super::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A stand-in API answering every request after `delay`: 200 to reads (showing the claimed
/// goal claimable), 409 to POSTs (initialize and claims).
async fn slow_server(delay: Duration) -> BaseUrl {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let mut line = String::new();
                    while line != "\r\n" {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                    }
                    tokio::time::sleep(delay).await;
                    let reply = if request_line.starts_with("POST") {
                        "HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\n{}".to_string()
                    } else {
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{CLAIMABLE}",
                            CLAIMABLE.len()
                        )
                    };
                    if reader.get_mut().write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    BaseUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap()
}

/// A challenges answer whose claimed goal is claimable.
const CLAIMABLE: &str =
    r#"{"challenges":[{"goals":[{"goal_id":"reach-level-10","claimable":true}]}]}"#;

fn config(base: BaseUrl, clients: usize, rate: f64) -> Config {
    Config { base, clients, users: 100, rate, authorization: None }
}

#[tokio::test]
async fn a_slow_server_does_not_slow_the_schedule_and_the_wait_is_counted() {
    // One connection, 20 ms per answer (at most 50/s), 200 requests/s offered for 1 s: a
    // closed-loop client would send ~50 and see 20 ms; the open loop offers 200 and sees the
    // queue it causes.
    let base = slow_server(Duration::from_millis(20)).await;
    let traffic = ApiTraffic::start(config(base, 1, 200.0));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let report = traffic.stop().await;
    let total = |f: fn(&EndpointReport) -> u64| report.values().map(f).sum::<u64>();
    let offered = total(|e| e.requests) + total(|e| e.unsent);
    assert!((180..=220).contains(&offered), "offered {offered}: {report:?}");
    assert!(total(|e| e.requests) <= 60, "one slow connection: {report:?}");
    assert!(total(|e| e.unsent) >= 120, "the backlog is reported: {report:?}");
    let reads = &report[READ];
    assert!(reads.service_ms.p50 >= 19.0 && reads.service_ms.p50 < 200.0, "{reads:?}");
    assert!(
        reads.latency_ms.p99 > 5.0 * reads.service_ms.p99,
        "latency from the scheduled time includes the wait: {reads:?}"
    );
}

#[tokio::test]
async fn refusals_have_their_own_percentiles() {
    let base = slow_server(Duration::ZERO).await;
    let traffic = ApiTraffic::start(config(base, 4, 200.0));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let report = traffic.stop().await;
    let (reads, claims) = (&report[READ], &report[CLAIM]);
    assert!(reads.ok > 50 && reads.refused == 0 && reads.errors == 0, "{reads:?}");
    assert!(claims.refused > 10 && claims.ok == 0 && claims.errors == 0, "{claims:?}");
    // Every fifth request is a claim.
    let ratio = reads.requests as f64 / claims.requests as f64;
    assert!((3.0..=5.0).contains(&ratio), "{ratio}");
    assert!(claims.refused_latency_ms.p50 > 0.0);
    assert_eq!(claims.latency_ms, Percentiles::default(), "no 2xx claim, no 2xx latency");
    // Fast server, no backlog: at most a request or two due at the very moment of the stop.
    assert!(reads.unsent + claims.unsent <= 2, "{reads:?} {claims:?}");
}

#[tokio::test]
async fn each_session_starts_with_initialize_and_claims_only_after_a_claimable_read() {
    let base = slow_server(Duration::ZERO).await;
    let traffic = ApiTraffic::start(config(base, 2, 400.0));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let report = traffic.stop().await;
    let (logins, reads, claims) = (&report[INITIALIZE], &report[READ], &report[CLAIM]);
    let sent = logins.requests + reads.requests + claims.requests;
    // One initialize per session of SESSION_REQUESTS requests per connection.
    let sessions = sent.div_ceil(u64::from(SESSION_REQUESTS));
    assert!(
        (sessions..=sessions + 2).contains(&logins.requests),
        "{} logins for {sent} requests",
        logins.requests
    );
    // A claim needs a read before it: never more claims than reads.
    assert!(claims.requests > 0 && claims.requests <= reads.requests, "{report:?}");
}

#[test]
fn a_claim_follows_only_a_read_that_shows_the_goal_claimable() {
    assert!(claimable(CLAIMABLE.as_bytes()));
    let not_yet = r#"{"challenges":[{"goals":[{"goal_id":"reach-level-10","claimable":false}]}]}"#;
    assert!(!claimable(not_yet.as_bytes()));
    let other = r#"{"challenges":[{"goals":[{"goal_id":"daily-login","claimable":true}]}]}"#;
    assert!(!claimable(other.as_bytes()));
    assert!(!claimable(b"not json"));
}
