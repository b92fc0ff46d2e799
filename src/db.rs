//! The Postgres connection pool: built from `DATABASE_URL`, every connection prepared for the
//! flush (temp staging table) when it is opened.

use std::time::Duration;

use deadpool_postgres::{HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::store::{progress, StoreError};

/// Local Postgres of a development machine; the database is created when missing.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/goalstream";
/// How long `get()` waits for a free connection before failing (retryable).
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening one connection may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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
}

impl DbConfig {
    /// Settings for `url` with `pool_size` connections.
    pub fn new(url: impl Into<String>, pool_size: usize) -> Self {
        DbConfig { url: url.into(), pool_size, search_path: None }
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
        if let Some(schema) = &self.search_path {
            if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(DbError::Config(format!("invalid schema name {schema:?}")));
            }
            config.options(format!("-c search_path={schema}"));
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
