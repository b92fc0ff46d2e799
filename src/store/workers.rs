//! The worker registry: registration, heartbeats, and the rescue of silent workers' jobs.
//! Statements in `sql/jobs/`.

use std::time::Duration;

use deadpool_postgres::GenericClient;

use super::StoreError;
use crate::telemetry::events::JobsRescued;

const REGISTER_WORKER: &str = include_str!("../../sql/jobs/register_worker.sql");
const HEARTBEAT: &str = include_str!("../../sql/jobs/heartbeat.sql");
const DEREGISTER_WORKER: &str = include_str!("../../sql/jobs/deregister_worker.sql");
const RESCUE: &str = include_str!("../../sql/jobs/rescue.sql");
const NEXT_STALE: &str = include_str!("../../sql/jobs/next_stale.sql");

/// Registers a worker (idempotent); call before its first claim.
pub async fn register_worker<C: GenericClient>(
    client: &C,
    worker_id: &str,
    queues: &[String],
) -> Result<(), StoreError> {
    client.execute(REGISTER_WORKER, &[&worker_id, &queues]).await?;
    Ok(())
}

/// Records that the worker is alive; registers it again (and returns true) when a rescuer had
/// removed it as dead. Its jobs running then were rescued and will run again; their
/// completions by this worker are refused (attempt fencing).
pub async fn heartbeat<C: GenericClient>(
    client: &C,
    worker_id: &str,
    queues: &[String],
) -> Result<bool, StoreError> {
    let statement = client.prepare_cached(HEARTBEAT).await?;
    Ok(client.query_one(&statement, &[&worker_id, &queues]).await?.get(0))
}

/// Removes a worker that stopped cleanly.
pub async fn deregister_worker<C: GenericClient>(
    client: &C,
    worker_id: &str,
) -> Result<(), StoreError> {
    client.execute(DEREGISTER_WORKER, &[&worker_id]).await?;
    Ok(())
}

/// Puts back at most `limit` running jobs of workers silent for `stale_after`; returns them.
pub async fn rescue<C: GenericClient>(
    client: &C,
    stale_after: Duration,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let row = client.query_one(RESCUE, &[&stale_after.as_secs_f64(), &limit]).await?;
    let kinds: Vec<&str> = row.get(1);
    JobsRescued { kinds: &kinds }.emit();
    Ok(row.get(0))
}

/// How long until the first registered worker's heartbeat is `stale_after` old, if it does not
/// beat again (zero if one already is); `None` without workers.
pub async fn next_stale_in<C: GenericClient>(
    client: &C,
    stale_after: Duration,
) -> Result<Option<Duration>, StoreError> {
    let row = client.query_one(NEXT_STALE, &[&stale_after.as_secs_f64()]).await?;
    Ok(row.get::<_, Option<f64>>(0).map(|s| Duration::from_secs_f64(s.max(0.0))))
}
