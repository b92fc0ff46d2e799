//! The HTTP servers' accept loop (`http::serve`): slowloris clients are cut off at the header
//! read timeout while normal requests are served, and a stop is bounded whatever clients do.

use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use goalstream::http::serve::{serve, ServeLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

async fn start(limits: ServeLimits) -> (String, CancellationToken, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(60)).await }));
    let stop = CancellationToken::new();
    let task = tokio::spawn({
        let stop = stop.clone();
        async move { serve(listener, app, stop, limits).await.unwrap() }
    });
    (addr, stop, task)
}

async fn half_a_head(addr: &str) -> TcpStream {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    socket
}

#[tokio::test]
async fn slowloris_sockets_are_closed_at_the_header_timeout() {
    let limits = ServeLimits {
        header_read_timeout: Duration::from_millis(500),
        drain_timeout: Duration::from_millis(500),
    };
    let (addr, stop, task) = start(limits).await;
    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(half_a_head(&addr).await);
    }
    let started = Instant::now();
    let body = reqwest::get(format!("http://{addr}/")).await.unwrap().text().await.unwrap();
    assert_eq!(body, "ok");
    assert!(started.elapsed() < Duration::from_millis(400), "served beside 100 slow sockets");
    // Every held socket is closed by the server (EOF, possibly after a 408) within the bound.
    for socket in &mut held {
        let mut buffer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(3), socket.read_to_end(&mut buffer));
        assert!(read.await.is_ok(), "a slowloris socket was held past the header timeout");
    }
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn a_stop_is_bounded_whatever_clients_do() {
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs(30),
        drain_timeout: Duration::from_millis(500),
    };
    let (addr, stop, task) = start(limits).await;
    let _held: Vec<TcpStream> =
        futures::future::join_all((0..20).map(|_| half_a_head(&addr))).await;
    // A request in flight that would take a minute.
    let slow = tokio::spawn({
        let addr = addr.clone();
        async move { reqwest::get(format!("http://{addr}/slow")).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = Instant::now();
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(3), task).await.expect("the stop is bounded").unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(2), "{:?}", stopping.elapsed());
    assert!(slow.await.unwrap().is_err(), "the slow request was cut at the drain timeout");
    assert!(TcpStream::connect(&addr).await.is_err(), "no longer accepting");
}
