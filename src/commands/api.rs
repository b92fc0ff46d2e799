//! `goalstream api`: the REST API alone on its own address and pool (for load tests and for
//! game backends that keep ingestion elsewhere), with `/metrics`, `/healthz` and `/readyz` on
//! the same address. Runs until SIGINT or SIGTERM, then finishes the requests in flight.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::api::{self, ApiConfig, ApiState, DEFAULT_BODY_LIMIT};
use crate::db::{self, DbConfig};
use crate::http::Ops;
use crate::store::migrate;

/// Options of `goalstream api`.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// Address to listen on.
    #[arg(long, env = "GOALSTREAM_API_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Database connections, all opened at start. Default: 2 × CPUs + 1 (a request spends
    /// most of its time waiting on Postgres).
    #[arg(long, env = "GOALSTREAM_API_POOL_SIZE")]
    pub pool_size: Option<usize>,
    /// Largest request body accepted (bytes); larger ones get 413 `body_too_large`.
    #[arg(long, env = "GOALSTREAM_API_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
}

/// Serves the API until a signal.
pub async fn run(database_url: &str, catalog_path: &Path, args: &ApiArgs) -> anyhow::Result<()> {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pool_size = args.pool_size.unwrap_or(2 * cpus + 1);
    anyhow::ensure!(pool_size >= 1, "--pool-size must be at least 1");
    anyhow::ensure!(args.body_limit >= 1, "--body-limit must be at least 1 byte");
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let db_config = DbConfig::new(database_url, pool_size);
    db::ensure_database(&db_config).await?;
    let pool = db::create_pool(&db_config).await?;
    migrate::migrate(&mut pool.get().await?).await?;
    let mut state = ApiState::new(pool.clone(), catalog);
    state.config = ApiConfig { body_limit: args.body_limit };
    let warm = state.warm_up().await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    tracing::info!(
        addr = %listener.local_addr()?, pool_size, warm_connections = warm.connections,
        warm_up_ms = warm.elapsed.as_millis() as u64, "goalstream api listening"
    );
    // The operations routes (/metrics, /healthz, /readyz) join the API on its address.
    let ops = Ops::start(listener, &db_config, pool, None, api::router(state)).await?;
    shutdown_signal().await;
    ops.stop().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        tracing::warn!("cannot listen for signals; stop with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => tracing::info!(signal = "SIGINT", "stopping"),
        _ = terminate.recv() => tracing::info!(signal = "SIGTERM", "stopping"),
    }
}
