//! Test support: a real Postgres schema per test, migrated, dropped when the test ends.
#![allow(dead_code, missing_docs)]

pub mod api;
pub mod fixtures;
pub mod http;
pub mod kafka;
pub mod pg_proxy;

use std::sync::atomic::{AtomicU32, Ordering};

use deadpool_postgres::Pool;
use goalstream::db::{self, DbConfig};
use goalstream::store::{admin, migrate};

/// Where tests work: `GOALSTREAM_TEST_DATABASE_URL`, else a local `goalstream_test` database
/// (created when missing).
pub fn database_url() -> String {
    std::env::var("GOALSTREAM_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/goalstream_test".into())
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
        let base = DbConfig::new(database_url(), 1);
        db::ensure_database(&base).await.expect("test database reachable");
        let admin_pool = db::create_pool(&base).await.expect("admin pool");
        admin::recreate_schema(&admin_pool.get().await.unwrap(), &schema).await.unwrap();
        let config = DbConfig::new(database_url(), pool_size).with_search_path(&schema);
        let pool = db::create_pool(&config).await.expect("test pool");
        migrate::migrate(&mut pool.get().await.unwrap()).await.expect("migrations apply");
        TestDb { pool, schema, config }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let schema = self.schema.clone();
        // Drop runs inside the test's runtime: do the async clean-up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let config = DbConfig::new(database_url(), 1);
                if let Ok(pool) = db::create_pool(&config).await {
                    if let Ok(client) = pool.get().await {
                        let _ = admin::drop_schema(&client, &schema).await;
                    }
                }
            });
        })
        .join();
    }
}
