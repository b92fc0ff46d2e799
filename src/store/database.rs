//! Opening goalstream's database: pools whose connections carry the flush's staging table
//! ([`connect`]), the database created when missing ([`ensure_database`]), the schema
//! migrated ([`open`]); and scratch schemas for benchmarks, the harness and tests
//! ([`Scratch`]).

use deadpool_postgres::Pool;
use tokio_postgres::error::SqlState;

use super::{admin, migrate, progress, StoreError};
use crate::db::{self, DbConfig, DbError, SessionSettings};

/// A pool on `config` whose every connection can flush (it holds the staging table).
pub async fn connect(config: &DbConfig) -> Result<Pool, DbError> {
    db::create_pool(config, Some(progress::SESSION_SETUP)).await
}

/// Creates the URL's database if it does not exist yet (connecting to `postgres` to do so).
/// Returns whether it was created.
pub async fn ensure_database(config: &DbConfig) -> Result<bool, StoreError> {
    let Some(name) = config.pg_config()?.get_dbname().map(str::to_owned) else {
        return Ok(false);
    };
    match db::connect_once(config, None).await {
        Ok(_) => return Ok(false),
        Err(error)
            if error.connect_cause().and_then(|c| c.code())
                == Some(&SqlState::INVALID_CATALOG_NAME) => {}
        Err(error) => return Err(error.into()),
    }
    // CREATE DATABASE copies the template and can wait for a concurrent creation: no
    // statement timeout on this one administrative session.
    let admin =
        config.clone().with_session(SessionSettings { statement_timeout: None, ..config.session });
    let client = db::connect_once(&admin, Some("postgres")).await?;
    let created = admin::create_database(&client, &name).await?;
    if created {
        tracing::info!(database = %name, "created database");
    }
    Ok(created)
}

/// The database ready to use: created when missing, migrated, and a pool on it.
pub async fn open(config: &DbConfig) -> Result<Pool, StoreError> {
    ensure_database(config).await?;
    let pool = connect(config).await?;
    migrate::migrate(&mut pool.get().await?).await?;
    Ok(pool)
}

/// A schema of its own, empty and migrated, for work that must not touch anything else (the
/// demo, benchmarks, load and chaos runs, tests); [`Scratch::drop_schema`] removes it.
pub struct Scratch {
    /// Settings of connections working in the schema.
    pub config: DbConfig,
    /// A pool of `config.pool_size` connections working in it.
    pub pool: Pool,
    /// The schema.
    pub schema: String,
}

impl Scratch {
    /// Drops `schema` if it exists, creates it, migrates it, and opens a pool working in it
    /// with `base`'s settings.
    pub async fn create(base: &DbConfig, schema: &str) -> Result<Scratch, StoreError> {
        ensure_database(base).await?;
        {
            let client = db::connect_once(base, None).await?;
            admin::recreate_schema(&client, schema).await?;
        }
        Self::migrated(base, schema).await
    }

    /// Creates `schema` when missing, keeping what it holds, migrates it, and opens a pool
    /// working in it with `base`'s settings (a benchmark's population reused across runs).
    pub async fn open(base: &DbConfig, schema: &str) -> Result<Scratch, StoreError> {
        ensure_database(base).await?;
        {
            let client = db::connect_once(base, None).await?;
            admin::create_schema(&client, schema).await?;
        }
        Self::migrated(base, schema).await
    }

    async fn migrated(base: &DbConfig, schema: &str) -> Result<Scratch, StoreError> {
        let config = base.clone().with_search_path(schema);
        let pool = connect(&config).await?;
        migrate::migrate(&mut pool.get().await?).await?;
        Ok(Scratch { config, pool, schema: schema.to_string() })
    }

    /// Drops the schema and everything in it.
    pub async fn drop_schema(&self) -> Result<(), StoreError> {
        drop_schema(&self.config, &self.schema).await
    }
}

/// Drops `schema` of `config`'s database and everything in it, if it exists.
pub async fn drop_schema(config: &DbConfig, schema: &str) -> Result<(), StoreError> {
    let base = DbConfig { search_path: None, ..config.clone() };
    let client = db::connect_once(&base, None).await?;
    admin::drop_schema(&client, schema).await
}
