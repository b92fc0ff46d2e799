//! The Postgres connection pool: built from `DATABASE_URL`, every connection prepared for the
//! flush (temp staging table) when it is opened, with the session's timeouts set; [`get`]
//! times the wait for a connection and [`slow`] times the statements.

pub mod slow;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use deadpool_postgres::{HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::store::{progress, StoreError};

/// Local Postgres of a development machine; the database is created when missing.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/goalstream";
/// How long `get()` waits for a free connection before failing (retryable).
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening one connection may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest a statement may run before Postgres cancels it (`statement_timeout`): a runaway
/// statement fails and is retried instead of holding locks and a connection forever. Far above
/// a flush (tens of ms) and a migration on an empty database.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a session may sit idle inside a transaction (`idle_in_transaction_session_timeout`):
/// a stuck client cannot keep row locks (progress rows, offsets) from the other instances.
pub const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// Settings every session of the process gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// `statement_timeout`; `None` leaves the server's (0: no limit).
    pub statement_timeout: Option<Duration>,
    /// `idle_in_transaction_session_timeout`; `None` leaves the server's.
    pub idle_in_transaction_timeout: Option<Duration>,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            statement_timeout: Some(DEFAULT_STATEMENT_TIMEOUT),
            idle_in_transaction_timeout: Some(DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT),
        }
    }
}

static SESSION: OnceLock<SessionSettings> = OnceLock::new();

/// Sets the session settings of every pool built afterwards ([`DbConfig::new`]); the first
/// call wins (the binary calls it once, from its configuration).
pub fn set_session_defaults(settings: SessionSettings) {
    let _ = SESSION.set(settings);
}

/// Database session options every subcommand shares.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Postgres cancels a statement running longer than this (ms; 0: no limit).
    #[arg(long, env = "GOALSTREAM_STATEMENT_TIMEOUT_MS", default_value_t = DEFAULT_STATEMENT_TIMEOUT.as_millis() as u64, global = true)]
    pub statement_timeout_ms: u64,
    /// Postgres ends a session idle inside a transaction for longer than this (ms; 0: no limit).
    #[arg(long, env = "GOALSTREAM_IDLE_IN_TRANSACTION_TIMEOUT_MS", default_value_t = DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT.as_millis() as u64, global = true)]
    pub idle_in_transaction_timeout_ms: u64,
    /// Slow-statement thresholds in ms, DEBUG,WARN,ERROR: a timed statement this slow is
    /// logged at that level with its name and duration.
    #[arg(long, env = "GOALSTREAM_SLOW_STATEMENT_MS", default_value = "50,100,500", global = true)]
    pub slow_statement_ms: slow::SlowThresholds,
}

impl DbArgs {
    /// The session settings these options describe.
    pub fn session(&self) -> SessionSettings {
        let limit = |ms: u64| (ms > 0).then(|| Duration::from_millis(ms));
        SessionSettings {
            statement_timeout: limit(self.statement_timeout_ms),
            idle_in_transaction_timeout: limit(self.idle_in_transaction_timeout_ms),
        }
    }

    /// Applies them to every pool and timed statement of the process.
    pub fn apply(&self) {
        set_session_defaults(self.session());
        slow::set_thresholds(self.slow_statement_ms);
    }
}

/// The pool size when none is configured, for `flush_workers` flush workers: one connection
/// each, one for the rebalance callbacks and the job workers' claims, one spare for short
/// requests. Environment-aware: without a worker count it follows the CPUs the process may
/// use (container CPU limits included), as flush workers scale with cores.
pub fn default_pool_size(flush_workers: Option<usize>) -> usize {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    flush_workers.unwrap_or(cpus) + 1
}

/// A connection from `pool`; the wait lands in `goalstream_db_pool_wait_seconds`.
pub async fn get(pool: &Pool) -> Result<deadpool_postgres::Client, deadpool_postgres::PoolError> {
    let started = Instant::now();
    let client = pool.get().await;
    crate::metrics::global().db_pool_wait.observe(started.elapsed().as_secs_f64());
    client
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// libpq-style URL or key=value string.
    pub url: String,
    /// Connections at most.
    pub pool_size: usize,
    /// Schema to work in instead of the URL's default (benchmarks and tests use scratch
    /// schemas); sets the session's `search_path`.
    pub search_path: Option<String>,
    /// Session timeouts.
    pub session: SessionSettings,
}

impl DbConfig {
    /// Settings for `url` with `pool_size` connections and the process's session settings
    /// ([`set_session_defaults`]).
    pub fn new(url: impl Into<String>, pool_size: usize) -> Self {
        let session = SESSION.get().copied().unwrap_or_default();
        DbConfig { url: url.into(), pool_size, search_path: None, session }
    }

    /// The same settings, working in `schema`.
    pub fn with_search_path(mut self, schema: impl Into<String>) -> Self {
        self.search_path = Some(schema.into());
        self
    }

    /// The parsed connection settings, with a clear error for a malformed URL.
    pub fn pg_config(&self) -> Result<tokio_postgres::Config, DbError> {
        let mut config: tokio_postgres::Config = self
            .url
            .parse()
            .map_err(|error| DbError::Config(format!("invalid DATABASE_URL: {error}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        let mut options: Vec<String> = config.get_options().map(String::from).into_iter().collect();
        if let Some(schema) = &self.search_path {
            if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(DbError::Config(format!("invalid schema name {schema:?}")));
            }
            options.push(format!("-c search_path={schema}"));
        }
        if let Some(timeout) = self.session.statement_timeout {
            options.push(format!("-c statement_timeout={}", timeout.as_millis()));
        }
        if let Some(timeout) = self.session.idle_in_transaction_timeout {
            options.push(format!("-c idle_in_transaction_session_timeout={}", timeout.as_millis()));
        }
        if !options.is_empty() {
            config.options(options.join(" "));
        }
        if config.get_application_name().is_none() {
            config.application_name("goalstream");
        }
        Ok(config)
    }
}

/// The pool could not be built or the database is unreachable.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Bad settings.
    #[error("{0}")]
    Config(String),
    /// Postgres refused or could not be reached.
    // The Postgres error is described in the message, not chained as a source.
    #[error("cannot connect to Postgres ({target}): {}. Is it running? scripts/dev-up.sh starts a local one", crate::store::describe_pg_error(.cause))]
    Connect {
        /// Host, port and database, without credentials.
        target: String,
        /// Why.
        cause: tokio_postgres::Error,
    },
    /// Creating the pool or a first connection failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Opens a pool and checks that one connection works, so a bad URL fails at start, clearly.
pub async fn create_pool(config: &DbConfig) -> Result<Pool, DbError> {
    let pg_config = config.pg_config()?;
    let target = describe(&pg_config);
    let manager = Manager::from_config(
        pg_config,
        NoTls,
        // Fast recycling keeps the session, and with it the temp staging table and the
        // prepared statements; a broken connection is still detected and replaced.
        ManagerConfig { recycling_method: RecyclingMethod::Fast },
    );
    let pool = Pool::builder(manager)
        .max_size(config.pool_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(DEFAULT_WAIT_TIMEOUT))
        .create_timeout(Some(DEFAULT_CONNECT_TIMEOUT))
        .post_create(deadpool_postgres::Hook::async_fn(|client, _| {
            Box::pin(async move {
                progress::prepare_connection(client).await.map_err(HookError::Backend)
            })
        }))
        .build()
        .map_err(|error| DbError::Config(format!("cannot build the connection pool: {error}")))?;
    match pool.get().await {
        Ok(_) => Ok(pool),
        Err(deadpool_postgres::PoolError::Backend(cause))
        | Err(deadpool_postgres::PoolError::PostCreateHook(HookError::Backend(cause))) => {
            Err(DbError::Connect { target, cause })
        }
        Err(error) => Err(DbError::Store(StoreError::Pool(error))),
    }
}

/// Creates the URL's database if it does not exist yet (connecting to `postgres` to do so).
/// Returns whether it was created.
pub async fn ensure_database(config: &DbConfig) -> Result<bool, DbError> {
    let pg_config = config.pg_config()?;
    let Some(name) = pg_config.get_dbname().map(str::to_owned) else {
        return Ok(false);
    };
    match pg_config.connect(NoTls).await {
        Ok(_) => return Ok(false),
        Err(error)
            if error.code() != Some(&tokio_postgres::error::SqlState::INVALID_CATALOG_NAME) =>
        {
            return Err(DbError::Connect { target: describe(&pg_config), cause: error })
        }
        Err(_) => {}
    }
    let mut admin = pg_config.clone();
    admin.dbname("postgres");
    let (client, connection) = admin
        .connect(NoTls)
        .await
        .map_err(|cause| DbError::Connect { target: describe(&admin), cause })?;
    let task = tokio::spawn(connection);
    let created = crate::store::admin::create_database(&client, &name).await?;
    drop(client);
    let _ = task.await;
    if created {
        tracing::info!(database = %name, "created database");
    }
    Ok(created)
}

/// `host:port/dbname` for messages, never the password.
pub fn describe(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or("postgres"))
}
