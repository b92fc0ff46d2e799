//! The operations endpoints over HTTP (axum): `GET /metrics` (Prometheus text), `GET /healthz`
//! (the process is alive) and `GET /readyz` (it can do its work: see [`health`]).
//!
//! [`router`] builds these routes; the composition root merges other routers into it (the REST
//! API) and hands the result to [`Server::start`], so one listener serves everything. The
//! server is started first and stopped last, so probes and scrapes see the whole shutdown.

pub mod health;
mod ops;
mod scrape;
pub mod serve;

pub use ops::Ops;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use deadpool_postgres::Pool;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::telemetry::IngestStats;

/// Where the endpoints listen unless told otherwise (Prometheus's range for exporters;
/// loopback only, so nothing is exposed by default).
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:9464";

/// Options of the HTTP endpoints.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Address of /metrics, /healthz, /readyz (never the REST API's) and the operator UI
    /// (/ui). Keep it on a private network: the probes and metrics have no authentication; the
    /// UI asks for an API key with the admin scope (--api-keys-file), and without one is served
    /// only when this address is loopback.
    #[arg(long, env = "GOALSTREAM_HTTP_ADDR", default_value = DEFAULT_HTTP_ADDR)]
    pub http_addr: SocketAddr,
}

/// What the endpoints read.
#[derive(Clone)]
pub struct OpsState {
    /// A small pool of its own for the readiness probe, so a busy main pool cannot make the
    /// probe wait (and a dead database still fails it).
    pub probe_pool: Pool,
    /// The main pool, whose size and use `/metrics` reports.
    pub pool: Option<Pool>,
    /// The ingest pipeline's counters, when this process consumes: `/readyz` then also
    /// requires assigned partitions.
    pub ingest: Option<Arc<IngestStats>>,
}

/// The operations routes, each request logged at debug level (probes and scrapes come every
/// few seconds).
pub fn router(state: OpsState) -> Router {
    Router::new()
        .route("/metrics", get(scrape::metrics))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .layer(axum::middleware::from_fn(crate::telemetry::request_log::quiet_layer))
        .with_state(state)
}

/// Binds `addr`, with an error that names the setting.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|error| {
        anyhow::anyhow!("cannot listen on {addr} (--http-addr / GOALSTREAM_HTTP_ADDR): {error}")
    })
}

/// A running HTTP server.
pub struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Serves `app` on `listener` until [`Server::stop`]; `what` names it in the log.
    pub fn start(listener: TcpListener, app: Router, what: &str) -> std::io::Result<Server> {
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let task =
            tokio::spawn(serve::serve(listener, app, stop.clone(), serve::ServeLimits::default()));
        tracing::info!(%addr, "serving {what}");
        Ok(Server { addr, stop, task })
    }

    /// The address it listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests in flight finish (at most [`serve::DRAIN_TIMEOUT`]),
    /// returns when the server is done.
    pub async fn stop(self) {
        self.stop.cancel();
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "the HTTP server ended with an error"),
            Err(error) => tracing::warn!(%error, "the HTTP server task failed"),
        }
    }
}
