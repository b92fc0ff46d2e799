//! The accept loop of goalstream's HTTP servers (hyper's HTTP/1.1 connection, as `axum::serve`
//! uses, with the limits `axum::serve` does not offer): a client gets [`HEADER_READ_TIMEOUT`]
//! to send its request head, so slowloris sockets are closed instead of held forever; and a
//! stop is bounded: connections finish the request in flight within [`DRAIN_TIMEOUT`], then
//! whatever is left is dropped, so a shutdown never waits on clients.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Time a client has to send a request's head (line and headers), from the connection's start
/// or the end of its previous response.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time connections get to finish their request in flight once a stop begins.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Limits of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`DRAIN_TIMEOUT`].
    pub drain_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits { header_read_timeout: HEADER_READ_TIMEOUT, drain_timeout: DRAIN_TIMEOUT }
    }
}

/// Serves `app` on `listener` until `stop` is cancelled, then drains (bounded) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    stop: CancellationToken,
    limits: ServeLimits,
) -> std::io::Result<()> {
    let mut connections = JoinSet::new();
    let closing = CancellationToken::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        // Out of file descriptors and the like: back off, do not spin.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, app.clone(), closing.clone(), limits));
            }
        }
    }
    drop(listener);
    closing.cancel();
    let drained = tokio::time::timeout(limits.drain_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "connections still open after the drain timeout; closing them"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
    Ok(())
}

async fn connection(
    stream: tokio::net::TcpStream,
    app: Router,
    closing: CancellationToken,
    limits: ServeLimits,
) -> Result<(), Infallible> {
    let service = TowerToHyperService::new(app);
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        // Connection errors (a client gone, a header timeout) concern that client only.
        _ = connection.as_mut() => {}
        _ = closing.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
    Ok(())
}
