//! What the database benches share: a migrated scratch schema of the database in
//! `GOALSTREAM_BENCH_DATABASE_URL` (default: local `goalstream`), dropped at the end.

use deadpool_postgres::Pool;
use goalstream::db::{self, DbConfig, DbError};
use goalstream::store::{admin, migrate, StoreError};
use tokio::runtime::Runtime;

/// A recreated, migrated `schema` and a one-connection pool working in it.
pub struct Scratch {
    /// Connections in the scratch schema.
    pub pool: Pool,
    admin: Pool,
    schema: &'static str,
}

impl Scratch {
    /// Sets `schema` up; `None` (with a message naming `bench`) when no database is reachable.
    pub fn new(runtime: &Runtime, bench: &str, schema: &'static str) -> Option<Scratch> {
        let url = std::env::var("GOALSTREAM_BENCH_DATABASE_URL")
            .unwrap_or_else(|_| db::DEFAULT_DATABASE_URL.to_string());
        let setup = runtime.block_on(async {
            let config = DbConfig::new(&url, 1);
            db::ensure_database(&config).await?;
            let admin = db::create_pool(&config).await?;
            admin::recreate_schema(&admin.get().await.map_err(StoreError::from)?, schema).await?;
            let pool = db::create_pool(&config.with_search_path(schema)).await?;
            migrate::migrate(&mut pool.get().await.map_err(StoreError::from)?).await?;
            Ok::<_, DbError>(Scratch { pool, admin, schema })
        });
        match setup {
            Ok(scratch) => Some(scratch),
            Err(error) => {
                eprintln!("{bench}: skipped, no database ({error})");
                None
            }
        }
    }

    /// Drops the schema.
    pub fn drop_schema(self, runtime: &Runtime) {
        let Scratch { pool, admin, schema } = self;
        drop(pool);
        runtime.block_on(async {
            if let Ok(client) = admin.get().await {
                let _ = admin::drop_schema(&client, schema).await;
            }
        });
    }
}
