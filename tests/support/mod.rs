//! Test support: a real Postgres schema per test, migrated, dropped when the test ends; the
//! service in-process ([`app`]); Kafka ([`kafka`]); HTTP helpers.
#![allow(dead_code, missing_docs)]

pub mod api;
pub mod app;
pub mod certs;
pub mod child;
pub mod fixtures;
pub mod http;
pub mod kafka;
pub mod pg_cluster;
pub mod pg_proxy;
pub mod registry;
pub mod tansu;
pub mod ui;

use std::sync::atomic::{AtomicU32, Ordering};

use deadpool_postgres::Pool;
use goalstream::db::DbConfig;
use goalstream::store::Scratch;
use goalstream::telemetry::{self, TelemetryConfig};

/// Where tests work: `GOALSTREAM_TEST_DATABASE_URL`, else a local `goalstream_test` database
/// (created when missing).
pub fn database_url() -> String {
    std::env::var("GOALSTREAM_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/goalstream_test".into())
}

/// Database settings of the tests' database, one connection, no schema.
pub fn db_config() -> DbConfig {
    DbConfig::new(database_url(), 1)
}

/// Logs at `level` unless `RUST_LOG` says otherwise (the first call in a process wins).
pub fn init_logs(level: &str) {
    telemetry::init(&TelemetryConfig { default_filter: level.into(), ..Default::default() });
}

/// A migrated scratch schema; dropped on drop.
pub struct TestDb {
    pub pool: Pool,
    pub schema: String,
    pub config: DbConfig,
}

impl TestDb {
    /// A new, migrated, empty schema with a pool of `pool_size` connections working in it.
    pub async fn new(pool_size: usize) -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let schema = format!(
            "test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let scratch = Scratch::create(&db_config().with_pool_size(pool_size), &schema)
            .await
            .expect("test schema created and migrated");
        TestDb { pool: scratch.pool, schema, config: scratch.config }
    }

    /// `DATABASE_URL` for a child process working in this schema.
    pub fn child_url(&self) -> String {
        format!("{}?options=-csearch_path%3D{}", database_url(), self.schema)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let schema = self.schema.clone();
        // Drop runs inside the test's runtime: do the async clean-up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let _ = runtime.block_on(goalstream::store::drop_schema(&db_config(), &schema));
        })
        .join();
    }
}
