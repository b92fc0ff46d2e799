//! Schema migrations: the numbered files of `sql/`, applied in order, each in a transaction,
//! recorded in `goalstream_migrations`. A session advisory lock per schema makes two processes
//! migrating at once safe: the second waits, then finds nothing left to do.

use deadpool_postgres::Client;

use super::StoreError;

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Order of application, unique.
    pub version: i32,
    /// File name under `sql/`.
    pub name: &'static str,
    /// The SQL, run as one simple-query batch.
    pub sql: &'static str,
}

/// Every migration the binary knows, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_progress.sql",
        sql: include_str!("../../sql/0001_progress.sql"),
    },
    Migration { version: 2, name: "0002_jobs.sql", sql: include_str!("../../sql/0002_jobs.sql") },
    Migration {
        version: 3,
        name: "0003_rewards.sql",
        sql: include_str!("../../sql/0003_rewards.sql"),
    },
    Migration {
        version: 4,
        name: "0004_history_log.sql",
        sql: include_str!("../../sql/0004_history_log.sql"),
    },
    Migration {
        version: 5,
        name: "0005_progress_held.sql",
        sql: include_str!("../../sql/0005_progress_held.sql"),
    },
    Migration {
        version: 6,
        name: "0006_history_in_place.sql",
        sql: include_str!("../../sql/0006_history_in_place.sql"),
    },
    Migration {
        version: 7,
        name: "0007_byte_order_ids.sql",
        sql: include_str!("../../sql/0007_byte_order_ids.sql"),
    },
    Migration {
        version: 8,
        name: "0008_unique_keys_by_kind.sql",
        sql: include_str!("../../sql/0008_unique_keys_by_kind.sql"),
    },
    Migration {
        version: 9,
        name: "0009_seen_events.sql",
        sql: include_str!("../../sql/0009_seen_events.sql"),
    },
    Migration {
        version: 10,
        name: "0010_console.sql",
        sql: include_str!("../../sql/0010_console.sql"),
    },
    Migration {
        version: 11,
        name: "0011_periodic.sql",
        sql: include_str!("../../sql/0011_periodic.sql"),
    },
    Migration {
        version: 12,
        name: "0012_shard_keys.sql",
        sql: include_str!("../../sql/0012_shard_keys.sql"),
    },
    Migration {
        version: 13,
        name: "0013_reward_jobs_by_player.sql",
        sql: include_str!("../../sql/0013_reward_jobs_by_player.sql"),
    },
];

const LOCK: &str = include_str!("../../sql/migrate/lock.sql");
const UNLOCK: &str = include_str!("../../sql/migrate/unlock.sql");
const CREATE_VERSIONS: &str = include_str!("../../sql/migrate/create_versions.sql");
const APPLIED: &str = include_str!("../../sql/migrate/applied.sql");
const RECORD: &str = include_str!("../../sql/migrate/record.sql");

/// Applies the migrations this schema lacks; returns the versions applied now.
pub async fn migrate(client: &mut Client) -> Result<Vec<i32>, StoreError> {
    client.batch_execute(LOCK).await?;
    let result = match apply_missing(client).await {
        Ok(applied) => super::functions::install(client).await.map(|()| applied),
        Err(error) => Err(error),
    };
    // Unlock even after a failure; a broken connection releases the lock by itself.
    let unlocked = client.batch_execute(UNLOCK).await;
    let applied = result?;
    unlocked?;
    Ok(applied)
}

async fn apply_missing(client: &mut Client) -> Result<Vec<i32>, StoreError> {
    client.batch_execute(CREATE_VERSIONS).await?;
    let done: Vec<i32> = client.query(APPLIED, &[]).await?.iter().map(|r| r.get(0)).collect();
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
        let failed = |cause| StoreError::Migration {
            version: migration.version,
            name: migration.name,
            cause,
        };
        let tx = client.transaction().await?;
        tx.batch_execute(migration.sql).await.map_err(failed)?;
        tx.execute(RECORD, &[&migration.version, &migration.name]).await.map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        tracing::info!(version = migration.version, name = migration.name, "migration applied");
        applied.push(migration.version);
    }
    Ok(applied)
}
