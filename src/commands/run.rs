//! `goalstream run`: the service against a real Kafka cluster, composed by [`App`] from these
//! flags. Runs until SIGINT or SIGTERM, then stops in stages within the shutdown timeout; a
//! second signal exits at once (nothing acknowledged is lost: offsets live in Postgres with
//! the data they produced).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::api::AuthSettings;
use crate::app::{
    shutdown, ApiSettings, App, Config, JobsSettings, Listeners, PipelineSettings, UiSettings,
    DEFAULT_API_POOL_SIZE,
};
use crate::catalog::Catalog;
use crate::config::periodic::PeriodicFile;
use crate::db::{self, DbConfig};
use crate::http::{self, HttpArgs};
use crate::ingest::buffer::{BufferConfig, DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS};
use crate::ingest::consumer::{
    ConsumerConfig, GroupProtocol, DEFAULT_AUTO_OFFSET_RESET, DEFAULT_GROUP, DEFAULT_TOPIC,
};
use crate::ingest::event::DEFAULT_MAX_PAYLOAD_BYTES;
use crate::ingest::pipeline::{PipelineConfig, DEFAULT_ASSIGN_TIMEOUT};
use crate::ingest::security::KafkaArgs;
use crate::jobs::schedule;
use crate::jobs::service::{builtin_handlers, CONNECTIONS, DEFAULT_CONCURRENCY, DEFAULT_QUEUES};

/// Options of `goalstream run`. Every flag can also be set by its environment variable.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Kafka bootstrap servers.
    #[arg(long, env = "GOALSTREAM_BROKERS", default_value = "127.0.0.1:9092")]
    pub brokers: String,
    /// Consumer group; instances with the same group share the partitions.
    #[arg(long, env = "GOALSTREAM_GROUP", default_value = DEFAULT_GROUP)]
    pub group: String,
    /// Topics to consume, comma-separated.
    #[arg(long, env = "GOALSTREAM_TOPICS", value_delimiter = ',', default_value = DEFAULT_TOPIC)]
    pub topics: Vec<String>,
    /// Database connections. Default: CPU count + 1 (flush workers wait on Postgres more than
    /// they compute).
    #[arg(long, env = "GOALSTREAM_POOL_SIZE")]
    pub pool_size: Option<usize>,
    /// Flush workers, each owning a share of the partitions and one connection. Default: pool
    /// size - 1.
    #[arg(long, env = "GOALSTREAM_WORKERS")]
    pub workers: Option<usize>,
    /// Flush when this many distinct (player, goal) keys are buffered.
    #[arg(long, env = "GOALSTREAM_FLUSH_ROWS", default_value_t = DEFAULT_MAX_ROWS)]
    pub flush_rows: usize,
    /// Flush when this many payload bytes are buffered.
    #[arg(long, env = "GOALSTREAM_FLUSH_BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    pub flush_bytes: usize,
    /// Flush when the oldest buffered event is this old (ms): bounds event→durable latency.
    #[arg(long, env = "GOALSTREAM_FLUSH_AGE_MS", default_value_t = 200)]
    pub flush_age_ms: u64,
    /// Skip an event whose id (per player) was applied less than this many seconds ago
    /// (resent by a client at another offset); 0: off. Events without an id (and no mapped
    /// id) are identified by topic/partition/offset. Costs one statement per flush
    /// (docs/BENCHMARKS.md); e.g. 86400 for a day.
    #[arg(long, env = "GOALSTREAM_DEDUP_WINDOW_S", default_value_t = 0)]
    pub dedup_window_s: u64,
    /// Where a partition with no stored offset starts.
    #[arg(long, env = "GOALSTREAM_AUTO_OFFSET_RESET", default_value = DEFAULT_AUTO_OFFSET_RESET, value_parser = ["earliest", "latest"])]
    pub auto_offset_reset: String,
    /// Group protocol: classic (cooperative-sticky) or consumer (KIP-848).
    #[arg(long, env = "GOALSTREAM_GROUP_PROTOCOL", value_enum, default_value_t = GroupProtocol::Classic)]
    pub group_protocol: GroupProtocol,
    /// Kafka session timeout (ms), classic protocol: a silent instance loses its partitions
    /// after this long.
    #[arg(long, env = "GOALSTREAM_SESSION_TIMEOUT_MS", default_value_t = 45_000)]
    pub session_timeout_ms: u64,
    /// Kafka heartbeat interval (ms), classic protocol.
    #[arg(long, env = "GOALSTREAM_HEARTBEAT_INTERVAL_MS", default_value_t = 3_000)]
    pub heartbeat_interval_ms: u64,
    /// Longest flush a revoke waits for (ms) before letting the partitions go unflushed (their
    /// events are then read again by the next owner).
    #[arg(long, env = "GOALSTREAM_REVOKE_TIMEOUT_MS", default_value_t = 20_000)]
    pub revoke_timeout_ms: u64,
    /// Test-only: sleep this long (ms) inside every flush transaction, between the COPY and
    /// the merge (a deliberately slowed build for the CI gates; chaos kills land there).
    #[arg(long, env = "GOALSTREAM_TEST_FLUSH_DELAY_MS", default_value_t = 0, hide = true)]
    pub test_flush_delay_ms: u64,
    /// Payloads over this many bytes are dead-lettered.
    #[arg(long, env = "GOALSTREAM_MAX_PAYLOAD_BYTES", default_value_t = DEFAULT_MAX_PAYLOAD_BYTES)]
    pub max_payload_bytes: usize,
    /// Kafka security (TLS, SASL) and extra librdkafka properties.
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// Connections of the REST API's own pool, all opened and warmed at start; the API is served
    /// on --api-addr, apart from /metrics. 0: no API.
    #[arg(long, env = "GOALSTREAM_RUN_API_POOL_SIZE", default_value_t = DEFAULT_API_POOL_SIZE)]
    pub api_pool_size: usize,
    /// Job handlers running at once in this process (goal.completed reward grants and your own
    /// kinds); 0 runs no job workers (another process does, or the jobs wait).
    #[arg(long, env = "GOALSTREAM_JOB_CONCURRENCY", default_value_t = DEFAULT_CONCURRENCY)]
    pub job_concurrency: usize,
    /// Job queues this process works on, comma-separated.
    #[arg(long, env = "GOALSTREAM_JOB_QUEUES", value_delimiter = ',', default_value = DEFAULT_QUEUES)]
    pub job_queues: Vec<String>,
    /// Connections of the job side's own pool (kept apart from the flush workers' so that
    /// handlers never hold up a flush).
    #[arg(long, env = "GOALSTREAM_JOB_POOL_SIZE", default_value_t = CONNECTIONS + 2)]
    pub job_pool_size: usize,
    /// Periodic jobs: a TOML file of `[[periodic]]` schedules (name, cron with an optional
    /// seconds field, timezone, kind, args, queue, priority, catch_up = skip | run_once); each
    /// tick is enqueued once across all instances. See config/periodic.example.toml and
    /// docs/OPERATIONS.md, "Periodic jobs".
    #[arg(long, env = "GOALSTREAM_PERIODIC")]
    pub periodic: Option<std::path::PathBuf>,
    /// Time allowed for the final flush after SIGINT/SIGTERM (s).
    #[arg(long, env = "GOALSTREAM_SHUTDOWN_TIMEOUT_S", default_value_t = 30)]
    pub shutdown_timeout_s: u64,
    /// HTTP endpoints.
    #[command(flatten)]
    pub http: HttpArgs,
    /// Address of the REST API (its own listener: /metrics, /healthz and /readyz stay on
    /// --http-addr).
    #[arg(long, env = "GOALSTREAM_API_ADDR", default_value = "127.0.0.1:8080")]
    pub api_addr: std::net::SocketAddr,
    /// Credentials of the REST API.
    #[command(flatten)]
    pub auth: AuthSettings,
}

impl RunArgs {
    /// Every check `run` makes on its settings before it starts (also `goalstream config
    /// print`): an invalid value is refused with a message naming the flag.
    pub fn check(&self) -> anyhow::Result<()> {
        let (_, workers) = self.sizes()?;
        self.pipeline_config(workers)?;
        let periodic = self.periodic_file()?;
        schedule::from_file(&periodic, &builtin_handlers().kinds())?;
        Ok(())
    }

    /// The periodic-jobs file, when one is named (its schedules are checked at start, against
    /// the handlers the process has).
    pub fn periodic_file(&self) -> anyhow::Result<PeriodicFile> {
        let Some(path) = &self.periodic else { return Ok(PeriodicFile::default()) };
        anyhow::ensure!(
            self.job_concurrency > 0,
            "--periodic needs the job side (--job-concurrency is 0)"
        );
        Ok(PeriodicFile::load(path)?)
    }

    /// The pool size and worker count, validated.
    pub fn sizes(&self) -> anyhow::Result<(usize, usize)> {
        let pool = self.pool_size.unwrap_or_else(|| db::default_pool_size(self.workers));
        anyhow::ensure!(
            pool >= 2,
            "--pool-size must be at least 2 (one flush worker and one spare)"
        );
        let workers = self.workers.unwrap_or(pool - 1);
        anyhow::ensure!(workers >= 1, "--workers must be at least 1");
        anyhow::ensure!(workers < pool, "--workers ({workers}) must be below --pool-size ({pool})");
        Ok((pool, workers))
    }

    /// The process these flags describe, on `db` with `catalog`.
    pub fn app_config(&self, db: DbConfig, catalog: Arc<Catalog>) -> anyhow::Result<Config> {
        let (pool_size, workers) = self.sizes()?;
        let periodic = self.periodic_file()?;
        let mut config = Config::new(db, catalog);
        config.pipeline =
            Some(PipelineSettings { config: self.pipeline_config(workers)?, pool_size });
        config.jobs = match self.job_concurrency {
            0 => {
                tracing::info!("job workers disabled (--job-concurrency 0)");
                None
            }
            concurrency => Some(JobsSettings {
                queues: self.job_queues.clone(),
                concurrency,
                pool_size: self.job_pool_size,
                periodic,
                ..JobsSettings::default()
            }),
        };
        config.api = match self.api_pool_size {
            0 => {
                tracing::info!("REST API disabled (--api-pool-size 0)");
                None
            }
            pool_size => {
                let mut api = ApiSettings { pool_size, ..ApiSettings::default() };
                api.config.auth = self.auth.clone();
                Some(api)
            }
        };
        config.ui = Some(UiSettings { auth: self.auth.clone() });
        config.shutdown_timeout = Duration::from_secs(self.shutdown_timeout_s);
        Ok(config)
    }

    /// The pipeline configuration.
    pub fn pipeline_config(&self, workers: usize) -> anyhow::Result<PipelineConfig> {
        anyhow::ensure!(
            !self.topics.iter().any(|t| t.trim().is_empty()),
            "--topics has an empty topic name"
        );
        anyhow::ensure!(self.flush_rows > 0, "--flush-rows must be at least 1");
        anyhow::ensure!(self.flush_age_ms > 0, "--flush-age-ms must be at least 1");
        anyhow::ensure!(
            self.heartbeat_interval_ms < self.session_timeout_ms,
            "--heartbeat-interval-ms must be below --session-timeout-ms"
        );
        let consumer = ConsumerConfig {
            auto_offset_reset: self.auto_offset_reset.clone(),
            group_protocol: self.group_protocol,
            session_timeout: Duration::from_millis(self.session_timeout_ms),
            heartbeat_interval: Duration::from_millis(self.heartbeat_interval_ms),
            max_payload_bytes: self.max_payload_bytes,
            options: self.kafka.client_options()?,
            ..ConsumerConfig::new(&self.brokers, &self.group, self.topics.clone())
        };
        Ok(PipelineConfig {
            consumer,
            buffer: BufferConfig {
                max_rows: self.flush_rows,
                max_bytes: self.flush_bytes,
                max_age: Duration::from_millis(self.flush_age_ms),
                dedup_window: (self.dedup_window_s > 0)
                    .then(|| Duration::from_secs(self.dedup_window_s)),
            },
            workers,
            revoke_timeout: Duration::from_millis(self.revoke_timeout_ms),
            assign_timeout: DEFAULT_ASSIGN_TIMEOUT,
            flush_delay: Duration::from_millis(self.test_flush_delay_ms),
        })
    }
}

/// Runs the service until a signal.
pub async fn run(db: &DbConfig, catalog_path: &Path, args: &RunArgs) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let config = args.app_config(db.clone(), catalog)?;
    let api = match config.api {
        Some(_) => Some(tokio::net::TcpListener::bind(args.api_addr).await.map_err(|error| {
            anyhow::anyhow!(
                "cannot listen on {} (--api-addr / GOALSTREAM_API_ADDR): {error}",
                args.api_addr
            )
        })?),
        None => None,
    };
    let listeners = Listeners { ops: Some(http::bind(args.http.http_addr).await?), api };
    App::new(config).run(listeners, shutdown::signal()).await
}
