//! Connections to Postgres, without knowing what goalstream stores: settings parsed from
//! `DATABASE_URL` ([`DbConfig`], with the session's timeouts), pools that run a caller's setup
//! statements on every new connection ([`create_pool`]; the store's `connect` gives it the
//! flush's staging table), single connections ([`connect_once`], [`connect`]), TLS as libpq
//! does it ([`tls`]), connects bounded by a timeout, errors in one line that name their cause
//! ([`DbError`], [`describe_error`]); [`get`] times the wait for a pooled connection and [`timed`] times the
//! hot statements (logged when slow: [`crate::telemetry::slow`]).

use std::future::Future;
use std::time::{Duration, Instant};

use deadpool_postgres::{HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use postgres_openssl::{MakeTlsConnector, TlsStream};
use tokio_postgres::Socket;

mod error;
mod params;
pub mod tls;

pub use error::{describe_error, DbError};
use tls::TlsSettings;

use crate::telemetry::events::{PoolWaited, StatementTimed};
use crate::telemetry::labels::Statement;
use crate::telemetry::SlowThresholds;

/// Local Postgres of a development machine; the database is created when missing.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/goalstream";
/// How long `get()` waits for a free connection before failing (retryable).
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening one connection may take (TCP, TLS and the start-up handshake) when
/// neither `connect_timeout` in the URL nor `--db-connect-timeout-ms` says otherwise.
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
    pub slow_statement_ms: SlowThresholds,
    /// Longest opening one Postgres connection may take: TCP, TLS and the start-up handshake
    /// (ms). Overrides `connect_timeout` in DATABASE_URL; without either, 5 s.
    #[arg(long, env = "GOALSTREAM_DB_CONNECT_TIMEOUT_MS", global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub db_connect_timeout_ms: Option<u64>,
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

    /// Settings for `url` with `pool_size` connections and these session options.
    pub fn config(&self, url: impl Into<String>, pool_size: usize) -> DbConfig {
        let mut config = DbConfig::new(url, pool_size).with_session(self.session());
        config.connect_timeout = self.db_connect_timeout_ms.map(Duration::from_millis);
        config
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
    PoolWaited { elapsed: started.elapsed() }.emit();
    client
}

/// Runs `statement` and records its duration as `name` (logged when slow).
pub async fn timed<T, F: Future<Output = T>>(name: Statement, statement: F) -> T {
    let started = Instant::now();
    let result = statement.await;
    StatementTimed { statement: name, elapsed: started.elapsed() }.emit();
    result
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
    /// Database to work in instead of the URL's (the shard simulation's one per group).
    pub database: Option<String>,
    /// Session timeouts.
    pub session: SessionSettings,
    /// Connect timeout overriding the URL's `connect_timeout`.
    pub connect_timeout: Option<Duration>,
    /// Server settings for every session, `(name, value)` (e.g. a benchmark's
    /// `effective_cache_size`), sent at connection start.
    pub settings: Vec<(String, String)>,
}

impl DbConfig {
    /// Settings for `url` with `pool_size` connections and the default session settings.
    pub fn new(url: impl Into<String>, pool_size: usize) -> Self {
        DbConfig {
            url: url.into(),
            pool_size,
            search_path: None,
            database: None,
            session: SessionSettings::default(),
            connect_timeout: None,
            settings: Vec::new(),
        }
    }

    /// The same settings, with server setting `name` set to `value` in every session.
    pub fn with_setting(mut self, name: &str, value: &str) -> Self {
        self.settings.push((name.to_string(), value.to_string()));
        self
    }

    /// The same settings with `pool_size` connections.
    pub fn with_pool_size(mut self, pool_size: usize) -> Self {
        self.pool_size = pool_size;
        self
    }

    /// The same settings with these session settings.
    pub fn with_session(mut self, session: SessionSettings) -> Self {
        self.session = session;
        self
    }

    /// The same settings, working in `schema`.
    pub fn with_search_path(mut self, schema: impl Into<String>) -> Self {
        self.search_path = Some(schema.into());
        self
    }

    /// The same settings, in database `name` of the same server.
    pub fn with_database(mut self, name: impl Into<String>) -> Self {
        self.database = Some(name.into());
        self
    }

    /// The TLS parameters of the URL (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`).
    pub fn tls(&self) -> Result<TlsSettings, DbError> {
        TlsSettings::from_params(&params::take(&self.url, tls::KEYS).params)
    }

    /// The parsed connection settings, with a clear error for a malformed URL. Its
    /// `get_connect_timeout` is the one in force; its `ssl_mode` what [`Self::tls`] negotiates.
    pub fn pg_config(&self) -> Result<tokio_postgres::Config, DbError> {
        let taken = params::take(&self.url, tls::KEYS);
        let tls = TlsSettings::from_params(&taken.params)?;
        let mut config: tokio_postgres::Config = taken
            .rest
            .parse()
            .map_err(|error| DbError::Config(format!("invalid DATABASE_URL: {error}")))?;
        config.ssl_mode(tls.negotiation());
        if let Some(database) = &self.database {
            config.dbname(database);
        }
        match (self.connect_timeout, config.get_connect_timeout()) {
            (Some(timeout), _) => config.connect_timeout(timeout),
            (None, Some(_)) => &mut config,
            (None, None) => config.connect_timeout(DEFAULT_CONNECT_TIMEOUT),
        };
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
        for (name, value) in &self.settings {
            let plain = |text: &str| {
                !text.is_empty()
                    && text.chars().all(|c| c.is_ascii_alphanumeric() || "_.".contains(c))
            };
            if !plain(name) || !plain(value) {
                return Err(DbError::Config(format!(
                    "invalid session setting {name:?} = {value:?} (letters, digits, '_' and '.' only)"
                )));
            }
            options.push(format!("-c {name}={value}"));
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

/// Statements run on every new connection of a pool (temp tables and the like), as one batch.
pub type SessionSetup = Option<&'static str>;

/// Opens a pool whose new connections first run `setup`, and checks that one connection
/// works, so a bad URL, a refused certificate or a silent host fails at start, clearly.
pub async fn create_pool(config: &DbConfig, setup: SessionSetup) -> Result<Pool, DbError> {
    let pg_config = config.pg_config()?;
    let tls = config.tls()?;
    let target = describe(&pg_config);
    let timeout = pg_config.get_connect_timeout().copied().unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    let manager = Manager::from_config(
        pg_config,
        tls.connector()?,
        // Fast recycling keeps the session, and with it the temp staging table and the
        // prepared statements; a broken connection is still detected and replaced.
        ManagerConfig { recycling_method: RecyclingMethod::Fast },
    );
    let pool = Pool::builder(manager)
        .max_size(config.pool_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(DEFAULT_WAIT_TIMEOUT))
        // tokio-postgres bounds only the TCP connect; this bounds TLS and start-up too.
        .create_timeout(Some(timeout))
        .post_create(deadpool_postgres::Hook::async_fn(move |client, _| {
            Box::pin(async move {
                match setup {
                    Some(statements) => {
                        client.batch_execute(statements).await.map_err(HookError::Backend)
                    }
                    None => Ok(()),
                }
            })
        }))
        .build()
        .map_err(|error| DbError::Config(format!("cannot build the connection pool: {error}")))?;
    match pool.get().await {
        Ok(_) => Ok(pool),
        Err(deadpool_postgres::PoolError::Backend(cause))
        | Err(deadpool_postgres::PoolError::PostCreateHook(HookError::Backend(cause))) => {
            Err(DbError::connect(target, cause, &tls.to_string()))
        }
        Err(deadpool_postgres::PoolError::Timeout(_)) => {
            Err(DbError::Timeout { target, after: timeout })
        }
        Err(error) => Err(DbError::Pool(error)),
    }
}

/// A connection and its driver, TLS or not as the URL says.
pub type Connection = tokio_postgres::Connection<Socket, TlsStream<Socket>>;

/// Opens one connection with `pg_config` (from [`DbConfig::pg_config`], perhaps changed) and
/// `config`'s TLS settings, within the connect timeout; the caller drives the connection.
pub async fn connect(
    config: &DbConfig,
    pg_config: &tokio_postgres::Config,
) -> Result<(tokio_postgres::Client, Connection), DbError> {
    let tls = config.tls()?;
    let connector: MakeTlsConnector = tls.connector()?;
    let timeout = pg_config.get_connect_timeout().copied().unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    // tokio-postgres bounds only the TCP connect; a host that accepts and never answers
    // would hold the start-up handshake forever.
    match tokio::time::timeout(timeout, pg_config.connect(connector)).await {
        Ok(Ok(pair)) => Ok(pair),
        Ok(Err(cause)) => Err(DbError::connect(describe(pg_config), cause, &tls.to_string())),
        Err(_) => Err(DbError::Timeout { target: describe(pg_config), after: timeout }),
    }
}

/// One connection outside any pool (its driver task spawned on the current runtime), to
/// `dbname` instead of the URL's when given: for creating the database, and for LISTEN.
pub async fn connect_once(
    config: &DbConfig,
    dbname: Option<&str>,
) -> Result<tokio_postgres::Client, DbError> {
    let mut pg_config = config.pg_config()?;
    if let Some(dbname) = dbname {
        pg_config.dbname(dbname);
    }
    let (client, connection) = connect(config, &pg_config).await?;
    tokio::spawn(connection);
    Ok(client)
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
