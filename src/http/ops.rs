//! The operations surface of a command, started and stopped as one: the HTTP server
//! (operations routes plus whatever router the caller merges in) and the job-queue sampler
//! that feeds its queue gauges.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use deadpool_postgres::Pool;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{router, OpsState, Server};
use crate::db::DbConfig;
use crate::jobs::maintenance::sampler::{self, Sampler};
use crate::telemetry::IngestStats;

/// Connections of the readiness probe's own pool.
const PROBE_POOL_SIZE: usize = 1;

/// A running operations surface.
pub struct Ops {
    server: Server,
    stop: CancellationToken,
    sampler: JoinHandle<()>,
}

impl Ops {
    /// Serves the operations routes merged with `extra` on `listener`, and samples the job
    /// queue of `pool`'s database. `ingest`: the pipeline's counters when this process
    /// consumes (readiness then needs assigned partitions).
    pub async fn start(
        listener: TcpListener,
        db_config: &DbConfig,
        pool: Pool,
        ingest: Option<Arc<IngestStats>>,
        extra: Router,
    ) -> anyhow::Result<Ops> {
        let probe_config = DbConfig { pool_size: PROBE_POOL_SIZE, ..db_config.clone() };
        let probe_pool = crate::store::connect(&probe_config).await?;
        let state = OpsState { probe_pool, pool: Some(pool.clone()), ingest };
        let what = if extra.has_routes() {
            "the REST API and /metrics, /healthz, /readyz"
        } else {
            "/metrics, /healthz, /readyz"
        };
        let server = Server::start(listener, router(state).merge(extra), what)?;
        let stop = CancellationToken::new();
        let sampler = Sampler::new(sampler::Config::default(), pool).start(stop.clone());
        Ok(Ops { server, stop, sampler })
    }

    /// Where the server listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Stops the sampler, then the server (last: probes and scrapes see the whole shutdown).
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.sampler.await;
        self.server.stop().await;
    }
}
