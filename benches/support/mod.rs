//! What the database benches share: a migrated scratch schema of the database in
//! `GOALSTREAM_BENCH_DATABASE_URL` (default: local `goalstream`), dropped at the end.

use deadpool_postgres::Pool;
use goalstream::db::{self, DbConfig};
use tokio::runtime::Runtime;

/// A recreated, migrated `schema` and a one-connection pool working in it.
pub struct Scratch {
    /// Connections in the scratch schema.
    pub pool: Pool,
    scratch: goalstream::store::Scratch,
}

impl Scratch {
    /// Sets `schema` up; `None` (with a message naming `bench`) when no database is reachable.
    pub fn new(runtime: &Runtime, bench: &str, schema: &'static str) -> Option<Scratch> {
        let url = std::env::var("GOALSTREAM_BENCH_DATABASE_URL")
            .unwrap_or_else(|_| db::DEFAULT_DATABASE_URL.to_string());
        let config = DbConfig::new(&url, 1);
        match runtime.block_on(goalstream::store::Scratch::create(&config, schema)) {
            Ok(scratch) => Some(Scratch { pool: scratch.pool.clone(), scratch }),
            Err(error) => {
                eprintln!("{bench}: skipped, no database ({error})");
                None
            }
        }
    }

    /// Drops the schema.
    pub fn drop_schema(self, runtime: &Runtime) {
        let Scratch { pool, scratch } = self;
        drop(pool);
        let _ = runtime.block_on(scratch.drop_schema());
    }
}
