//! Periodic enqueuer: enqueues the jobs of the periodic schedules ([`crate::jobs::schedule`])
//! when their ticks come, exactly once per tick however many instances run it: every instance
//! plans the same ticks from the schedule's last tick in the database, and the one whose
//! transaction moves that last tick first (a conditional UPDATE, [`periodic::advance`]) is
//! the one whose jobs are enqueued; each job also carries its tick's unique key.
//!
//! The loop sleeps until the next tick of any schedule (at most [`DEFAULT_MAX_SLEEP`]), then
//! runs a round: [`PeriodicEnqueuer::run_once`] at the process's clock, which tests call with
//! a clock of their own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Client, Pool};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::jobs::schedule::Schedule;
use crate::store::periodic::{self, Advanced, Definition};
use crate::store::StoreError;
use crate::telemetry::events::{LastTick, ScheduleDeclared, TicksHandled};
use crate::types::{NewJob, QueueSettings};

/// Longest sleep between rounds: a round also notices a schedule moved by another instance
/// and a clock that jumped.
pub const DEFAULT_MAX_SLEEP: Duration = Duration::from_secs(30);
/// Sleep after a failed round (the database is down or restarting).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Wake this long after a tick, so the process's clock has passed it.
const TICK_MARGIN: Duration = Duration::from_millis(1);

/// Enqueuer settings.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The schedules (checked).
    pub schedules: Vec<Schedule>,
    /// How enqueued jobs are ordered.
    pub queue: QueueSettings,
}

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Round {
    /// Jobs enqueued by this instance.
    pub enqueued: Vec<NewJob>,
    /// Missed ticks seen (caught up or skipped).
    pub missed: u64,
    /// Schedules whose due ticks another instance handled first.
    pub lost: u64,
    /// The next tick of any schedule.
    pub next_tick: Option<DateTime<Utc>>,
}

/// The periodic enqueuer.
#[derive(Clone)]
pub struct PeriodicEnqueuer {
    config: Arc<Config>,
    pool: Pool,
    registered: Arc<AtomicBool>,
}

impl PeriodicEnqueuer {
    /// An enqueuer of `config`'s schedules on `pool` (their metric series start at 0).
    pub fn new(config: Config, pool: Pool) -> Self {
        for schedule in &config.schedules {
            ScheduleDeclared { schedule: &schedule.name }.emit();
        }
        PeriodicEnqueuer { config: Arc::new(config), pool, registered: Arc::default() }
    }

    /// Runs rounds until `stop`, each when the next tick comes.
    pub fn start(self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let now = Utc::now();
                let wait = match self.run_once(now).await {
                    Ok(round) => round.next_tick.map_or(DEFAULT_MAX_SLEEP, |next| {
                        (next - now).to_std().map_or(Duration::ZERO, |d| d + TICK_MARGIN)
                    }),
                    Err(error) => {
                        super::log_round("periodic", Err(&error));
                        DEFAULT_RETRY_AFTER
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait.min(DEFAULT_MAX_SLEEP)) => {}
                    _ = stop.cancelled() => return,
                }
            }
        })
    }

    /// One round at `now`: for each schedule, the ticks due since its last tick, enqueued (or
    /// skipped) in one transaction that moves the last tick, unless another instance moved it
    /// first. A schedule seen for the first time starts at `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Round, StoreError> {
        let mut client = self.pool.get().await?;
        let lasts = self.last_ticks(&client, now).await?;
        let mut round = Round::default();
        for schedule in &self.config.schedules {
            let Some(&last) = lasts.get(&schedule.name) else { continue };
            LastTick { schedule: &schedule.name, last_tick: last }.emit();
            let after = self.handle(&mut client, schedule, last, now, &mut round).await?;
            let next = schedule.next_after(after);
            round.next_tick = round.next_tick.into_iter().chain(next).min();
        }
        Ok(round)
    }

    /// Plans and commits one schedule's due ticks; returns its last tick afterwards (as this
    /// instance knows it).
    async fn handle(
        &self,
        client: &mut Client,
        schedule: &Schedule,
        last: DateTime<Utc>,
        now: DateTime<Utc>,
        round: &mut Round,
    ) -> Result<DateTime<Utc>, StoreError> {
        let plan = schedule.plan(last, now);
        let Some(to) = plan.advance_to else { return Ok(last) };
        let jobs: Vec<NewJob> =
            plan.ticks(schedule.catch_up).into_iter().map(|t| schedule.job_for(t)).collect();
        let queue = &self.config.queue;
        match periodic::advance(client, queue, &schedule.name, (last, to), &jobs, plan.missed)
            .await?
        {
            Advanced::Moved(_) => {
                let caught_up = plan.newest_missed.is_some()
                    && schedule.catch_up == crate::config::periodic::CatchUp::RunOnce;
                TicksHandled {
                    schedule: &schedule.name,
                    enqueued: plan.on_time.len() as u64,
                    missed: plan.missed,
                    caught_up,
                    last_tick: to,
                }
                .emit();
                round.missed += plan.missed;
                round.enqueued.extend(jobs);
                Ok(to)
            }
            Advanced::Lost => {
                round.lost += 1;
                Ok(last)
            }
        }
    }

    /// Every schedule's last tick; registers the schedules on the first round (refreshing
    /// their definitions) and any whose row was deleted since.
    async fn last_ticks(
        &self,
        client: &Client,
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
        let names: Vec<&str> = self.config.schedules.iter().map(|s| s.name.as_str()).collect();
        let mut lasts: HashMap<String, DateTime<Utc>> = if self.registered.load(Ordering::Relaxed) {
            periodic::last_ticks(client, &names).await?.into_iter().collect()
        } else {
            HashMap::new()
        };
        for schedule in &self.config.schedules {
            if lasts.contains_key(&schedule.name) {
                continue;
            }
            let timezone = schedule.timezone.name();
            let definition = Definition {
                name: &schedule.name,
                cron: &schedule.pattern,
                timezone,
                kind: &schedule.job.kind,
                queue: &schedule.job.queue,
                catch_up: schedule.catch_up.as_str(),
            };
            let last = periodic::register(client, &definition, now).await?;
            lasts.insert(schedule.name.clone(), last);
        }
        self.registered.store(true, Ordering::Relaxed);
        Ok(lasts)
    }
}
