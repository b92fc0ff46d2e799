//! The composition root: one [`App`] built from one [`Config`] owns the pools, the pipeline,
//! the job service and the HTTP servers, starts them in order and stops them in reverse, on one
//! shutdown path. `goalstream run`, `api` and `demo`, the load harness and the tests all
//! compose it; [`App::run`] takes the listeners and a shutdown future, as mini-redis's
//! `server::run(listener, shutdown)` does.
//!
//! Start: database (created when missing, migrated) → job workers → REST API (warmed) →
//! operator UI → operations server → pipeline (last: nothing is consumed before everything that serves it
//! runs). Stop: the pipeline's staged shutdown (no intake, final flush, offsets) → job workers
//! (running handlers finish or are left to the rescuer) → HTTP servers (last, so probes and
//! scrapes see the whole stop).

mod config;
pub mod shutdown;

pub use crate::ui::UiSettings;
pub use config::{
    ApiSettings, Config, JobsSettings, Listeners, PipelineSettings, DEFAULT_API_POOL_SIZE,
    DEFAULT_SHUTDOWN_TIMEOUT,
};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::net::TcpListener;

use crate::api::{self, ApiState};
use crate::db;
use crate::http::{Ops, Server};
use crate::ingest::pipeline::Pipeline;
use crate::jobs::maintenance::periodic;
use crate::jobs::schedule;
use crate::jobs::service::JobService;
use crate::jobs::worker::WorkerConfig;
use crate::store::{self, ProgressStore};
use crate::telemetry::IngestStats;
use crate::ui::{self, UiState};

/// How often a running pipeline logs its counters.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// A goalstream process, not started yet.
#[derive(Debug)]
pub struct App {
    config: Config,
}

impl App {
    /// The process `config` describes.
    pub fn new(config: Config) -> Self {
        App { config }
    }

    /// Starts every configured part on `listeners` (see the module docs for the order).
    pub async fn start(self, listeners: Listeners) -> anyhow::Result<Running> {
        let config = self.config;
        anyhow::ensure!(
            config.api.is_none() || listeners.api.is_some() || listeners.ops.is_some(),
            "the REST API needs a listener (its own, or the operations listener)"
        );
        if let Some(settings) = &config.api {
            let listener = listeners.api.as_ref().or(listeners.ops.as_ref());
            let addr = listener.map(TcpListener::local_addr).transpose()?;
            check_exposure(&settings.config.auth, addr)?;
        }
        let main_size = config.pipeline.as_ref().map_or(1, |p| p.pool_size);
        let main_db = config.db.clone().with_pool_size(main_size);
        let pool = store::open(&main_db).await?;
        let jobs = match &config.jobs {
            Some(settings) => Some(start_jobs(&config, settings).await?),
            None => None,
        };
        let api_router = match &config.api {
            Some(settings) => Some(start_api(&config, settings).await?),
            None => None,
        };
        let stats = Arc::new(IngestStats::default());
        let ingest = config.pipeline.as_ref().map(|_| stats.clone());
        let (api_router, api_server) = match (api_router, listeners.api) {
            (Some(router), Some(listener)) => {
                (None, Some(Server::start(listener, router, "the REST API")?))
            }
            (router, _) => (router, None),
        };
        let ops = match listeners.ops {
            Some(listener) => {
                let mut extra = api_router.unwrap_or_default();
                if let Some(ui) = &config.ui {
                    if let Some(router) = start_ui(&config, ui, listener.local_addr()?).await? {
                        extra = extra.merge(router);
                    }
                }
                Some(Ops::start(listener, &main_db, pool.clone(), ingest, extra).await?)
            }
            None => None,
        };
        let pipeline = match &config.pipeline {
            Some(settings) => {
                tracing::info!(
                    brokers = %settings.config.consumer.brokers,
                    group = %settings.config.consumer.group_id,
                    topics = ?settings.config.consumer.topics,
                    workers = settings.config.workers,
                    pool_size = settings.pool_size,
                    database = %db::describe(&main_db.pg_config()?),
                    "consuming"
                );
                Some(Pipeline::start(
                    settings.config.clone(),
                    ProgressStore::new(config.catalog.clone()),
                    pool.clone(),
                    stats.clone(),
                )?)
            }
            None => None,
        };
        Ok(Running {
            pool,
            stats,
            pipeline,
            jobs,
            ops,
            api_server,
            shutdown_timeout: config.shutdown_timeout,
            started: Instant::now(),
        })
    }

    /// Starts, runs until `shutdown` resolves, then stops in stages. Errs when a stage did not
    /// finish within the shutdown timeout (what it left is picked up on the next start).
    pub async fn run(
        self,
        listeners: Listeners,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let running = self.start(listeners).await?;
        running.serve_until(shutdown).await;
        running.stop().await
    }
}

/// A started [`App`].
pub struct Running {
    pool: Pool,
    stats: Arc<IngestStats>,
    pipeline: Option<Pipeline>,
    jobs: Option<JobService>,
    ops: Option<Ops>,
    api_server: Option<Server>,
    shutdown_timeout: Duration,
    started: Instant,
}

impl Running {
    /// The pipeline's counters (all zero when no pipeline runs).
    pub fn ingest_stats(&self) -> &Arc<IngestStats> {
        &self.stats
    }

    /// The main pool (the pipeline's, or a one-connection pool without a pipeline).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Where the operations routes are served, if they are.
    pub fn ops_addr(&self) -> Option<SocketAddr> {
        self.ops.as_ref().map(Ops::local_addr)
    }

    /// Where the REST API is served: its own listener, else the operations listener.
    pub fn api_addr(&self) -> Option<SocketAddr> {
        self.api_server.as_ref().map(Server::local_addr).or_else(|| self.ops_addr())
    }

    /// Waits for `shutdown`, logging the pipeline's counters meanwhile.
    pub async fn serve_until(&self, shutdown: impl Future<Output = ()>) {
        let mut report = tokio::time::interval(REPORT_EVERY);
        report.tick().await;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = report.tick(), if self.pipeline.is_some() => self.log_counters(),
            }
        }
    }

    /// Stops in stages (see the module docs). Errs when the final flush did not finish within
    /// the shutdown timeout (its events are read again by the next owner of the partitions).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let deadline = self.shutdown_timeout;
        let clean = match self.pipeline.take() {
            Some(pipeline) => {
                tracing::info!("stopping: no more intake; flushing what is buffered");
                let clean = pipeline.shutdown(deadline).await;
                self.log_counters();
                clean
            }
            None => true,
        };
        if let Some(jobs) = self.jobs.take() {
            if !jobs.shutdown(deadline).await {
                tracing::warn!(
                    "job handlers still running at the deadline; the rescuer of another \
                     instance (or of the next start) will put their jobs back"
                );
            }
        }
        if let Some(server) = self.api_server.take() {
            server.stop().await;
        }
        if let Some(ops) = self.ops.take() {
            ops.stop().await;
        }
        anyhow::ensure!(
            clean,
            "the final flush did not finish within {deadline:?}; unflushed events will be read again"
        );
        tracing::info!("stopped cleanly");
        Ok(())
    }

    fn log_counters(&self) {
        let stats = &self.stats;
        let get = IngestStats::get;
        let (p99, _) = stats.latency_quantile_ms(0.99);
        tracing::info!(
            consumed = get(&stats.consumed),
            durable = get(&stats.durable),
            flushes = get(&stats.flushes),
            dead_letters = get(&stats.dead_lettered),
            retries = get(&stats.retries),
            fenced = get(&stats.fenced),
            latency_p99_ms = p99,
            uptime_s = self.started.elapsed().as_secs(),
            "counters"
        );
    }
}

/// Without credentials the API is open to whoever reaches it: serve it on loopback only, unless
/// the operator said `--insecure-no-auth` (then warn).
fn check_exposure(auth: &api::AuthSettings, addr: Option<SocketAddr>) -> anyhow::Result<()> {
    let Some(addr) = addr else { return Ok(()) };
    if auth.any_credentials() {
        tracing::info!(
            player_tokens = auth.jwt_hs256_secret_file.is_some() || auth.jwt_jwks_file.is_some(),
            api_keys = auth.api_keys_file.is_some(),
            "REST API authentication on"
        );
        return Ok(());
    }
    if addr.ip().is_loopback() {
        tracing::info!(
            %addr,
            "REST API without authentication (no --api-keys-file, --jwt-hs256-secret-file or \
             --jwt-jwks-file): loopback only"
        );
        return Ok(());
    }
    anyhow::ensure!(
        auth.insecure_no_auth,
        "refusing to serve the REST API on {addr} without authentication: configure \
         --api-keys-file and/or --jwt-hs256-secret-file / --jwt-jwks-file, bind a loopback \
         address, or pass --insecure-no-auth"
    );
    tracing::warn!(
        %addr,
        "REST API WITHOUT AUTHENTICATION on a non-loopback address (--insecure-no-auth): anyone \
         who reaches it can read and change every player's progress and the job queue"
    );
    Ok(())
}

/// The operator UI's routes on a small pool of their own; `None` (with a warning) when it has
/// no credentials and `addr` is not loopback: without authentication it is for this machine
/// only, as the API is.
async fn start_ui(
    config: &Config,
    settings: &UiSettings,
    addr: SocketAddr,
) -> anyhow::Result<Option<axum::Router>> {
    if !settings.auth.any_credentials() && !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "operator UI not served: no credentials (--api-keys-file) and the operations \
             listener is not on loopback"
        );
        return Ok(None);
    }
    let ui_db = config.db.clone().with_pool_size(ui::DEFAULT_POOL_SIZE);
    let auth = Arc::new(api::Auth::load(&settings.auth).await?);
    auth.watch_credentials();
    let queue = config.jobs.as_ref().map(|j| j.queue).unwrap_or_default();
    let state = UiState::new(store::connect(&ui_db).await?, config.catalog.clone(), queue, auth);
    tracing::info!(%addr, authenticated = settings.auth.any_credentials(), "operator UI on /ui");
    Ok(Some(ui::router(state)))
}

/// Starts the job workers and maintenance on a pool of their own.
async fn start_jobs(config: &Config, settings: &JobsSettings) -> anyhow::Result<JobService> {
    anyhow::ensure!(
        !settings.queues.iter().any(|q| q.trim().is_empty()),
        "--job-queues has an empty queue name"
    );
    anyhow::ensure!(settings.pool_size >= 2, "--job-pool-size must be at least 2");
    let job_db = config.db.clone().with_pool_size(settings.pool_size);
    let mut worker =
        WorkerConfig::new(settings.queues.clone(), settings.concurrency).listening(job_db.clone());
    worker.settings = settings.queue;
    let schedules = schedule::from_file(&settings.periodic, &settings.handlers.kinds())?;
    let pool = store::connect(&job_db).await?;
    let mut service = JobService::start(worker, pool.clone(), settings.handlers.clone()).await?;
    if !schedules.is_empty() {
        let names: Vec<&str> = schedules.iter().map(|s| s.name.as_str()).collect();
        tracing::info!(schedules = ?names, "periodic jobs on");
        let config = periodic::Config { schedules, queue: settings.queue };
        service.run_periodic(periodic::PeriodicEnqueuer::new(config, pool));
    }
    tracing::info!(
        worker = service.worker_id(),
        queues = ?settings.queues,
        concurrency = settings.concurrency,
        "job workers started"
    );
    Ok(service)
}

/// The REST API on a warmed pool of its own (so that API traffic never holds up a flush).
async fn start_api(config: &Config, settings: &ApiSettings) -> anyhow::Result<axum::Router> {
    anyhow::ensure!(settings.pool_size >= 1, "the API's pool needs at least 1 connection");
    anyhow::ensure!(settings.config.body_limit >= 1, "--body-limit must be at least 1 byte");
    api::cors::check(&settings.config.auth.cors_allow_origin).map_err(anyhow::Error::msg)?;
    let api_db = config.db.clone().with_pool_size(settings.pool_size);
    let mut state = ApiState::new(store::connect(&api_db).await?, config.catalog.clone());
    state.config = settings.config.clone();
    // The kinds this process's workers have handlers for may be enqueued over HTTP too.
    if let Some(jobs) = &config.jobs {
        for kind in jobs.handlers.kinds() {
            if !state.config.job_kinds.contains(&kind) {
                state.config.job_kinds.push(kind);
            }
        }
    }
    state.auth = Arc::new(api::Auth::load(&settings.config.auth).await?);
    state.auth.watch_credentials();
    let warm = state.warm_up().await?;
    tracing::info!(
        connections = warm.connections,
        warm_up_ms = warm.elapsed.as_millis() as u64,
        "REST API ready"
    );
    Ok(api::router(state))
}
