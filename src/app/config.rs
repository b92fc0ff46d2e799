//! What an [`super::App`] is made of: one [`Config`], built by a command from its flags (or by a
//! test), naming each part the process runs and its settings. A part left `None` is not
//! started.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::ApiConfig;
use crate::catalog::Catalog;
use crate::config::periodic::PeriodicFile;
use crate::db::DbConfig;
use crate::ingest::pipeline::PipelineConfig;
use crate::jobs::handler::Registry;
use crate::jobs::service::{builtin_handlers, CONNECTIONS, DEFAULT_CONCURRENCY, DEFAULT_QUEUES};
use crate::types::QueueSettings;
use crate::ui::UiSettings;

/// Time allowed for the staged stop (final flush, running handlers) by default.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections of the REST API's own pool by default when it runs beside the pipeline.
pub const DEFAULT_API_POOL_SIZE: usize = 4;

/// Everything a goalstream process runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the database is and how sessions are set up; every part's pool starts from it
    /// and sets its own size.
    pub db: DbConfig,
    /// Challenges and goals.
    pub catalog: Arc<Catalog>,
    /// The Kafka → Postgres pipeline.
    pub pipeline: Option<PipelineSettings>,
    /// Job workers and the queue's maintenance.
    pub jobs: Option<JobsSettings>,
    /// The REST API.
    pub api: Option<ApiSettings>,
    /// The operator web UI, on the operations listener (`/ui`).
    pub ui: Option<UiSettings>,
    /// Time allowed for the staged stop.
    pub shutdown_timeout: Duration,
}

impl Config {
    /// A process that runs nothing yet on `db` with `catalog`; set the parts to run.
    pub fn new(db: DbConfig, catalog: Arc<Catalog>) -> Self {
        Config {
            db,
            catalog,
            pipeline: None,
            jobs: None,
            api: None,
            ui: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// The pipeline and its pool.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// Consumer, buffer and workers.
    pub config: PipelineConfig,
    /// Connections: one per flush worker plus spares for rebalance callbacks.
    pub pool_size: usize,
}

impl PipelineSettings {
    /// `config` on a pool of one connection per flush worker and one spare.
    pub fn new(config: PipelineConfig) -> Self {
        let pool_size = config.workers + 1;
        PipelineSettings { config, pool_size }
    }
}

/// The job side.
#[derive(Clone)]
pub struct JobsSettings {
    /// Queues to work on.
    pub queues: Vec<String>,
    /// Handlers running at once.
    pub concurrency: usize,
    /// Connections of the job side's own pool (kept apart from the flush workers', so that
    /// handlers never hold up a flush).
    pub pool_size: usize,
    /// Handlers by kind.
    pub handlers: Registry,
    /// How released dependents are ordered.
    pub queue: QueueSettings,
    /// Periodic schedules (checked against the handlers at start).
    pub periodic: PeriodicFile,
}

impl Default for JobsSettings {
    fn default() -> Self {
        JobsSettings {
            queues: DEFAULT_QUEUES.split(',').map(String::from).collect(),
            concurrency: DEFAULT_CONCURRENCY,
            pool_size: CONNECTIONS + 2,
            handlers: builtin_handlers(),
            queue: QueueSettings::default(),
            periodic: PeriodicFile::default(),
        }
    }
}

impl std::fmt::Debug for JobsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobsSettings")
            .field("queues", &self.queues)
            .field("concurrency", &self.concurrency)
            .field("pool_size", &self.pool_size)
            .field("handlers", &self.handlers)
            .field("periodic", &self.periodic.periodic.len())
            .finish()
    }
}

/// The REST API and its pool.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Connections, all opened and warmed at start.
    pub pool_size: usize,
    /// Limits.
    pub config: ApiConfig,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings { pool_size: DEFAULT_API_POOL_SIZE, config: ApiConfig::default() }
    }
}

/// Where the process listens. Bound by the caller (port 0 in tests), so a bad address fails
/// before anything starts.
#[derive(Debug, Default)]
pub struct Listeners {
    /// The operations routes (`/metrics`, `/healthz`, `/readyz`); the REST API joins them when
    /// it has no listener of its own.
    pub ops: Option<TcpListener>,
    /// The REST API alone.
    pub api: Option<TcpListener>,
}
