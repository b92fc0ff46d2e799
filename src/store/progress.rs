//! The flush engine: one coalesced batch of progress updates, its dead letters and its
//! partition offsets, written in one transaction.
//!
//! Per flush, three round trips: `BEGIN` and the start of a binary `COPY` into the
//! connection's temp staging table ([`PipelinedTransaction`]) → the COPY's rows, then, in the
//! same write (run in order, one wait): the planner settings, the fenced offset move (first of
//! the writes, so its row locks order concurrent flushes of the same partitions), the dead
//! letters, one `MERGE` statement (`sql/progress/merge.sql`) and its result → `COMMIT`. One
//! more when rows were skipped (why) and when goals completed (the planner settings back to
//! the session's and a `goal.completed` job per goal), and one before the COPY with
//! de-duplication on. The staging table is created once per pooled connection
//! ([`SESSION_SETUP`], run by [`super::connect`]'s pools) and emptied by every commit.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::Client;
use futures::{SinkExt, TryFutureExt};
use tokio_postgres::CopyInSink;

use super::dead_letters::{self, DeadLetter};
use super::jobs;
use super::offsets::{self, OffsetMove};
use super::pipelined_transaction::PipelinedTransaction;
use super::seen_events::{self, BatchEvent};
use super::StoreError;
use crate::catalog::{Catalog, GoalRef};
use crate::db::timed;
use crate::telemetry::labels::Statement;
use crate::types::{reward, NewJob, QueueSettings};
use crate::update::ProgressUpdate;

mod stage;

/// What every pooled connection runs when opened: the flush's temp staging table.
pub const SESSION_SETUP: &str = include_str!("../../sql/progress/stage.sql");
const COPY_STAGE: &str = include_str!("../../sql/progress/copy_stage.sql");
const PLAN_SETTINGS: &str = include_str!("../../sql/progress/plan_settings.sql");
const PLAN_DEFAULTS: &str = include_str!("../../sql/progress/plan_defaults.sql");
const INSERTED_SO_FAR: &str = include_str!("../../sql/progress/inserted_so_far.sql");
const MERGE: &str = include_str!("../../sql/progress/merge.sql");
const MERGE_RESULT: &str = include_str!("../../sql/progress/merge_result.sql");
const SKIP_REASONS: &str = include_str!("../../sql/progress/skip_reasons.sql");

/// Everything one flush writes.
#[derive(Debug, Clone, Copy)]
pub struct FlushBatch<'a> {
    /// Flush time: decides rotation and stamps the rows written. Must differ between two
    /// flushes of the same rows (it tells which goals completed in this flush).
    pub now: DateTime<Utc>,
    /// Coalesced updates, in Kafka order where keys repeat (repeats are folded, never merged
    /// twice).
    pub updates: &'a [ProgressUpdate],
    /// Consumer group owning `offsets`.
    pub group_id: &'a str,
    /// Partition offsets to move in the same transaction (empty for a file replay).
    pub offsets: &'a [OffsetMove],
    /// Refused events to keep.
    pub dead_letters: &'a [DeadLetter],
    /// The batch's events, for de-duplication by event id (empty when it is off).
    pub events: BatchEvents<'a>,
}

/// A batch's events one by one, beside its coalesced updates: what de-duplication needs to
/// leave out the events already applied.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchEvents<'a> {
    /// The events, in Kafka order, no `(user_id, event_id)` twice.
    pub events: &'a [BatchEvent],
    /// Their updates, uncoalesced; [`BatchEvent::updates`] indexes this slice.
    pub updates: &'a [ProgressUpdate],
}

/// Staged updates the merge left alone, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// No row and the goal is not default-assigned.
    pub unassigned: u64,
    /// The row is inactive (goal unassigned for this player).
    pub inactive: u64,
    /// The goal was already claimed in the current period.
    pub claimed: u64,
}

impl Skipped {
    /// All skipped rows.
    pub fn total(&self) -> u64 {
        self.unassigned + self.inactive + self.claimed
    }
}

/// A goal that became `completed` in this flush.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompletedGoal {
    /// Player id.
    pub user_id: String,
    /// The goal.
    pub goal: GoalRef,
}

/// What one flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushOutcome {
    /// Distinct keys written to the staging table.
    pub staged: u64,
    /// Rows created (default-assigned goals seen for the first time).
    pub inserted: u64,
    /// Rows updated.
    pub updated: u64,
    /// Rows left alone.
    pub skipped: Skipped,
    /// Goals that completed in this flush.
    pub completed: Vec<CompletedGoal>,
    /// Dead letters written.
    pub dead_letters: u64,
    /// Bytes of the binary COPY payload.
    pub copy_bytes: u64,
    /// Reward jobs enqueued for the completed goals.
    pub jobs_enqueued: u64,
    /// Events left out because their id was already applied within the window.
    pub duplicates: u64,
}

/// Writes progress batches; holds the catalog the updates refer to.
#[derive(Debug, Clone)]
pub struct ProgressStore {
    catalog: Arc<Catalog>,
    /// How completion jobs are queued; `None`: completed goals enqueue nothing.
    completion_jobs: Option<QueueSettings>,
    /// Test-only slowdown between the COPY and the merge (zero in production).
    flush_delay: Duration,
    /// How long an applied event id is remembered; `None`: no de-duplication.
    dedup_window: Option<Duration>,
}

impl ProgressStore {
    /// A store for updates that refer to goals of `catalog`; every goal completed by a flush
    /// enqueues a `goal.completed` job ([`reward::job`]) in the same transaction.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        ProgressStore {
            catalog,
            completion_jobs: Some(QueueSettings::default()),
            flush_delay: Duration::ZERO,
            dedup_window: None,
        }
    }

    /// The same store, sleeping `delay` inside every flush transaction between the COPY and
    /// the merge. Test-only: a deliberately slowed build, which the load and perf smoke gates
    /// must fail, and a wide window between COPY and COMMIT for the chaos kills.
    pub fn with_flush_delay(mut self, delay: Duration) -> Self {
        self.flush_delay = delay;
        self
    }

    /// The same store, skipping an event whose id (per player) a flush applied less than
    /// `window` ago; the batches must carry their [`BatchEvents`].
    pub fn with_dedup_window(mut self, window: Duration) -> Self {
        self.dedup_window = Some(window);
        self
    }

    /// The de-duplication window, if de-duplication is on.
    pub fn dedup_window(&self) -> Option<Duration> {
        self.dedup_window
    }

    /// The same store, enqueueing no job for completed goals.
    pub fn without_completion_jobs(mut self) -> Self {
        self.completion_jobs = None;
        self
    }

    /// The catalog the store resolves goals with.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Writes one batch in one transaction and returns what it did. Nothing is written when it
    /// fails; [`StoreError::Fenced`] means another consumer owns one of the partitions now.
    pub async fn flush(
        &self,
        client: &mut Client,
        batch: &FlushBatch<'_>,
    ) -> Result<FlushOutcome, StoreError> {
        self.write(client, batch, true).await
    }

    /// Runs the merge of `updates` in a transaction that is always rolled back: whether they
    /// would merge. Used to find the rows behind a data error without writing anything.
    pub async fn probe(
        &self,
        client: &mut Client,
        now: DateTime<Utc>,
        updates: &[ProgressUpdate],
    ) -> Result<(), StoreError> {
        let batch = FlushBatch {
            events: Default::default(),
            now,
            updates,
            group_id: "",
            offsets: &[],
            dead_letters: &[],
        };
        self.write(client, &batch, false).await.map(drop)
    }

    async fn write(
        &self,
        client: &mut Client,
        batch: &FlushBatch<'_>,
        commit: bool,
    ) -> Result<FlushOutcome, StoreError> {
        let mut tx = PipelinedTransaction::new(client);
        let client = tx.client();
        let mut duplicates = 0;
        let deduplicated: Vec<ProgressUpdate>;
        let mut updates = batch.updates;
        if let Some(window) = self.dedup_window.filter(|_| !batch.events.events.is_empty()) {
            let seen = tx.run(self.claim_events(client, batch, window)).await?;
            if !seen.is_empty() {
                duplicates = seen.len() as u64;
                deduplicated = without(batch, &seen);
                updates = &deduplicated;
            }
        }
        let (payload, staged) = stage::encode(self.catalog.goals(), updates, batch.now);
        let mut outcome = FlushOutcome {
            staged: staged as u64,
            copy_bytes: payload.len() as u64,
            duplicates,
            ..FlushOutcome::default()
        };
        if staged == 0 {
            let dead_letters = tx
                .run(async {
                    let (fence, dead_letters) = futures::join!(
                        offsets::store(client, batch.group_id, batch.offsets),
                        dead_letters::insert(client, batch.dead_letters),
                    );
                    fence?;
                    dead_letters
                })
                .await?;
            outcome.dead_letters = dead_letters;
            finish(tx, commit).await?;
            return Ok(outcome);
        }
        // Every statement of the flush is prepared before the COPY starts (cached per
        // connection after the first flush): during the COPY the connection sends nothing
        // else, so a statement still to prepare then would wait for the COPY it follows.
        let (copy, merge, result, inserted_so_far) = timed(
            Statement::ProgressCopy,
            tx.run(async {
                let (copy, merge, result, inserted_so_far, (), ()) = futures::try_join!(
                    client.prepare_cached(COPY_STAGE).map_err(StoreError::from),
                    client.prepare_cached(MERGE).map_err(StoreError::from),
                    client.prepare_cached(MERGE_RESULT).map_err(StoreError::from),
                    client.prepare_cached(INSERTED_SO_FAR).map_err(StoreError::from),
                    offsets::prepare(client),
                    dead_letters::prepare(client),
                )?;
                let copy = client.copy_in::<_, bytes::Bytes>(&copy).await?;
                Ok((copy, merge, result, inserted_so_far))
            }),
        )
        .await?;
        futures::pin_mut!(copy);
        let mut payload = Some(payload);
        if !self.flush_delay.is_zero() {
            // Test-only: the rows staged for good before the pause, as the chaos scenarios
            // expect (their evidence is the log line below); the merge then goes without them.
            send_rows(copy.as_mut(), &mut payload).await?;
            tracing::debug!(rows = staged, "flush staged");
            tokio::time::sleep(self.flush_delay).await;
        }

        // The COPY's rows and everything after them are sent at once and run in this order; the
        // client waits once. The offset fence comes first after the planner settings, so its row
        // locks order flushes of the same partitions.
        let now: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&batch.now];
        // Wait for every reply, then take the first error in statement order: once one statement
        // fails, the ones after it fail with "transaction aborted", which must not hide the
        // cause (a retryable error would otherwise look like a data error).
        // Timed as one: the rest of the COPY, the fence, the dead letters and the merge share
        // one round trip.
        let (copied, settings, fence, dead_letters, inserted_before, merged, row) =
            timed(Statement::ProgressMerge, async {
                futures::join!(
                    send_rows(copy.as_mut(), &mut payload),
                    client.batch_execute(PLAN_SETTINGS),
                    offsets::store(client, batch.group_id, batch.offsets),
                    dead_letters::insert(client, batch.dead_letters),
                    client.query_one(&inserted_so_far, &[]),
                    client.execute(&merge, &now),
                    client.query_one(&result, &now),
                )
            })
            .await;
        copied?;
        if self.flush_delay.is_zero() {
            // Evidence for the chaos scenarios that a kill landed between the COPY and the
            // COMMIT.
            tracing::debug!(rows = staged, "flush staged");
        }
        settings?;
        fence?;
        let dead_letters = dead_letters?;
        let inserted_before = inserted_before?;
        let merged = merged?;
        let row = row?;
        outcome.dead_letters = dead_letters;
        outcome.inserted =
            count(row.get::<_, i64>("inserted_so_far") - inserted_before.get::<_, i64>(0));
        outcome.updated = merged.saturating_sub(outcome.inserted);
        let users: Vec<String> = row.get("completed_users");
        let goals: Vec<String> = row.get("completed_goals");
        outcome.completed = users
            .into_iter()
            .zip(goals)
            .filter_map(|(user_id, goal_id)| {
                let goal = self.catalog.goal_ref(&goal_id)?;
                Some(CompletedGoal { user_id, goal })
            })
            .collect();
        if merged < outcome.staged {
            let skipped = (outcome.staged - merged) as i64;
            let row = timed(Statement::ProgressSkipReasons, async {
                let reasons = client.prepare_cached(SKIP_REASONS).await?;
                client.query_one(&reasons, &[&batch.now, &skipped]).await
            })
            .await?;
            outcome.skipped = Skipped {
                unassigned: count(row.get("unassigned")),
                inactive: count(row.get("inactive")),
                claimed: count(row.get("claimed")),
            };
        }
        if let (Some(settings), false) = (&self.completion_jobs, outcome.completed.is_empty()) {
            let jobs: Vec<NewJob> =
                outcome.completed.iter().map(|c| self.completion_job(c, batch.now)).collect();
            // The planner settings go back first, in the same round trip.
            let (defaults, ids) = futures::join!(
                client.batch_execute(PLAN_DEFAULTS),
                jobs::enqueue(client, settings, &jobs)
            );
            defaults?;
            outcome.jobs_enqueued = ids?.iter().flatten().count() as u64;
        }
        timed(Statement::ProgressCommit, finish(tx, commit)).await?;
        Ok(outcome)
    }

    /// Records the batch's event ids and removes expired ones (as many as it records, at
    /// most): one round trip. Returns the indexes of the events already applied.
    async fn claim_events(
        &self,
        client: &Client,
        batch: &FlushBatch<'_>,
        window: Duration,
    ) -> Result<Vec<usize>, StoreError> {
        let events = batch.events.events;
        let limit = events.len() as i64;
        timed(Statement::ProgressDedup, async {
            let (seen, expired) = futures::join!(
                seen_events::claim(client, events, batch.now, window),
                seen_events::expire(client, batch.now, window, limit),
            );
            expired?;
            seen
        })
        .await
    }

    /// The reward job of a goal this flush completed.
    fn completion_job(&self, completed: &CompletedGoal, now: DateTime<Utc>) -> NewJob {
        let goal = self.catalog.goal(completed.goal);
        reward::job(&completed.user_id, goal, goal.rotation.period_end(now))
    }
}

/// The batch's updates without those of the `seen` events (indexes into its events), and
/// without keys absent from its coalesced updates (set aside as poison since it was taken).
fn without(batch: &FlushBatch<'_>, seen: &[usize]) -> Vec<ProgressUpdate> {
    let keys: HashSet<(&str, GoalRef)> =
        batch.updates.iter().map(|u| (&*u.user_id, u.goal)).collect();
    let seen: HashSet<usize> = seen.iter().copied().collect();
    let BatchEvents { events, updates } = batch.events;
    events
        .iter()
        .enumerate()
        .filter(|(i, _)| !seen.contains(i))
        .flat_map(|(_, event)| &updates[event.updates.clone()])
        .filter(|u| keys.contains(&(&*u.user_id, u.goal)))
        .cloned()
        .collect()
}

async fn finish(tx: PipelinedTransaction<'_>, commit: bool) -> Result<(), StoreError> {
    if commit {
        tx.commit().await
    } else {
        tx.rollback().await
    }
}

/// Sends the COPY's rows, if not sent yet, and ends the COPY.
async fn send_rows(
    mut copy: std::pin::Pin<&mut CopyInSink<bytes::Bytes>>,
    payload: &mut Option<bytes::Bytes>,
) -> Result<(), StoreError> {
    if let Some(payload) = payload.take() {
        copy.send(payload).await?;
        copy.finish().await?;
    }
    Ok(())
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
