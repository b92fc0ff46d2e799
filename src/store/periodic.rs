//! Periodic schedules' state: one row per schedule with the last tick handled
//! (`periodic_schedules`, migration 0011). [`advance`] moves it with a conditional UPDATE in
//! the transaction that enqueues the ticks' jobs, so however many instances run a schedule,
//! each tick is enqueued once: the first to commit wins, the others find the tick moved and
//! enqueue nothing (even after the tick's job row was cleaned). Statements in `sql/periodic/`.

use chrono::{DateTime, Utc};
use deadpool_postgres::{Client, GenericClient};

use super::{jobs, StoreError};
use crate::types::{NewJob, QueueSettings};

const REGISTER: &str = include_str!("../../sql/periodic/register.sql");
const LAST_TICKS: &str = include_str!("../../sql/periodic/last_ticks.sql");
const ADVANCE: &str = include_str!("../../sql/periodic/advance.sql");
const SCHEDULES: &str = include_str!("../../sql/periodic/schedules.sql");

/// A schedule's definition as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition<'a> {
    /// Name.
    pub name: &'a str,
    /// Cron pattern.
    pub cron: &'a str,
    /// IANA time zone.
    pub timezone: &'a str,
    /// Job kind.
    pub kind: &'a str,
    /// Job queue.
    pub queue: &'a str,
    /// `skip` or `run_once`.
    pub catch_up: &'a str,
}

/// A registered schedule (what `goalstream jobs periodic` and the console show).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScheduleRow {
    /// Name.
    pub name: String,
    /// Cron pattern.
    pub cron: String,
    /// IANA time zone.
    pub timezone: String,
    /// Job kind.
    pub kind: String,
    /// Job queue.
    pub queue: String,
    /// `skip` or `run_once`.
    pub catch_up: String,
    /// The newest tick handled.
    pub last_tick: DateTime<Utc>,
    /// When the last tick last moved.
    pub last_enqueued_at: Option<DateTime<Utc>>,
    /// Jobs enqueued in all.
    pub ticks_enqueued: i64,
    /// Ticks missed in all.
    pub ticks_missed: i64,
    /// When an instance last registered it.
    pub registered_at: DateTime<Utc>,
}

/// What [`advance`] enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advanced {
    /// The last tick moved; the jobs' ids (None where a live job had the unique key).
    Moved(Vec<Option<i64>>),
    /// Another instance had moved it first: nothing was enqueued.
    Lost,
}

/// Registers `definition` (or refreshes it); a new schedule's last tick is `since`. Returns the
/// schedule's last tick.
pub async fn register<C: GenericClient>(
    client: &C,
    definition: &Definition<'_>,
    since: DateTime<Utc>,
) -> Result<DateTime<Utc>, StoreError> {
    let d = definition;
    let row = client
        .query_one(
            REGISTER,
            &[&d.name, &d.cron, &d.timezone, &d.kind, &d.queue, &d.catch_up, &since],
        )
        .await?;
    Ok(row.get(0))
}

/// The last tick of each of `names` that is registered.
pub async fn last_ticks<C: GenericClient>(
    client: &C,
    names: &[&str],
) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let statement = client.prepare_cached(LAST_TICKS).await?;
    let rows = client.query(&statement, &[&names]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// In one transaction: moves schedule `name`'s last tick from `from` to `to` if no other
/// instance moved it, and enqueues `jobs` (one per tick, with the tick's unique key); `missed`
/// ticks are counted in the row.
pub async fn advance(
    client: &mut Client,
    settings: &QueueSettings,
    name: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    jobs: &[NewJob],
    missed: u64,
) -> Result<Advanced, StoreError> {
    let tx = client.transaction().await?;
    let statement = tx.prepare_cached(ADVANCE).await?;
    let enqueued = jobs.len() as i64;
    let missed = i64::try_from(missed).unwrap_or(i64::MAX);
    let moved = tx.execute(&statement, &[&name, &from, &to, &enqueued, &missed]).await?;
    if moved == 0 {
        tx.rollback().await?;
        return Ok(Advanced::Lost);
    }
    let ids = if jobs.is_empty() { Vec::new() } else { jobs::enqueue(&tx, settings, jobs).await? };
    tx.commit().await?;
    Ok(Advanced::Moved(ids))
}

/// Every registered schedule, by name.
pub async fn schedules<C: GenericClient>(client: &C) -> Result<Vec<ScheduleRow>, StoreError> {
    let rows = client.query(SCHEDULES, &[]).await?;
    Ok(rows
        .iter()
        .map(|r| ScheduleRow {
            name: r.get(0),
            cron: r.get(1),
            timezone: r.get(2),
            kind: r.get(3),
            queue: r.get(4),
            catch_up: r.get(5),
            last_tick: r.get(6),
            last_enqueued_at: r.get(7),
            ticks_enqueued: r.get(8),
            ticks_missed: r.get(9),
            registered_at: r.get(10),
        })
        .collect())
}
