//! Enqueueing: single jobs, bulk and graphs (jobs with their dependency edges), in one
//! statement each, with fair start times per queue and tenant and the `ON CONFLICT` clause only
//! when a job has a unique key. The job lifecycle after that (claim, complete, fail) is in
//! [`super::jobs`]. Statements in `sql/jobs/`.

use std::collections::HashMap;
use std::sync::LazyLock;

use deadpool_postgres::{Client, GenericClient};

use super::StoreError;
use crate::db::timed;
use crate::telemetry::events::JobsEnqueued;
use crate::telemetry::labels::Statement;
use crate::types::{JobGraph, JobState, NewJob, OnParentFailure, Parent, QueueSettings};

/// Enqueues jobs none of which has a unique key.
const ENQUEUE: &str = include_str!("../../sql/jobs/enqueue.sql");
/// The line of [`ENQUEUE`] that becomes [`ON_UNIQUE_KEY`] when a job has a unique key.
const UNIQUE_KEYS_MARK: &str = "-- {unique keys}";
const ON_UNIQUE_KEY: &str = include_str!("../../sql/jobs/enqueue_unique.sql");
/// Enqueues jobs some of which have a unique key: [`ENQUEUE`] with its `ON CONFLICT` clause.
static ENQUEUE_UNIQUE: LazyLock<String> = LazyLock::new(|| with_unique_keys(ENQUEUE));
const PARENTS: &str = include_str!("../../sql/jobs/parents.sql");
const ADD_EDGES: &str = include_str!("../../sql/jobs/add_edges.sql");

/// Enqueues jobs (one statement, however many); returns each job's id, or `None` where its
/// unique key named a live job. Runs on a pool connection or inside the caller's transaction.
pub async fn enqueue<C: GenericClient>(
    client: &C,
    settings: &QueueSettings,
    jobs: &[NewJob],
) -> Result<Vec<Option<i64>>, StoreError> {
    for (index, job) in jobs.iter().enumerate() {
        job.check().map_err(|e| StoreError::Invalid(format!("job {index}: {e}")))?;
    }
    let rows = insert(client, settings, jobs, &vec![0; jobs.len()]).await?;
    // Rows come back in insertion order; deduplicated jobs are missing.
    // Unique keys are scoped by kind (migration 0008).
    let mut by_key: HashMap<(String, String), i64> = HashMap::new();
    let mut keyless = Vec::new();
    for (id, key, kind) in rows {
        match key {
            Some(key) => {
                by_key.insert((kind, key), id);
            }
            None => keyless.push(id),
        }
    }
    let mut keyless = keyless.into_iter();
    let ids: Vec<Option<i64>> = jobs
        .iter()
        .map(|job| match &job.unique_key {
            Some(key) => by_key.remove(&(job.kind.clone(), key.clone())),
            None => keyless.next(),
        })
        .collect();
    // Counted when the statement succeeds; a caller's transaction that then rolls back (a
    // failed flush, retried) counts its jobs again on the retry.
    let kinds: Vec<&str> = jobs
        .iter()
        .zip(&ids)
        .filter(|(_, id)| id.is_some())
        .map(|(j, _)| j.kind.as_str())
        .collect();
    JobsEnqueued { kinds: &kinds }.emit();
    Ok(ids)
}

/// Enqueues a graph in one transaction: jobs with a pending parent start `pending`; returns
/// the ids in graph order. Refuses cycles, unknown parents and parents already failed.
pub async fn enqueue_graph(
    client: &mut Client,
    settings: &QueueSettings,
    graph: &JobGraph,
) -> Result<Vec<i64>, StoreError> {
    graph.check().map_err(StoreError::Invalid)?;
    let tx = client.transaction().await?;
    let existing: Vec<i64> = graph
        .edges
        .iter()
        .filter_map(|e| match e.parent {
            Parent::Job(id) => Some(id),
            Parent::Node(_) => None,
        })
        .collect();
    let states: HashMap<i64, JobState> = if existing.is_empty() {
        HashMap::new()
    } else {
        let statement = tx.prepare_cached(PARENTS).await?;
        tx.query(&statement, &[&existing]).await?.iter().map(|r| (r.get(0), r.get(1))).collect()
    };
    let mut pending = vec![0i32; graph.jobs.len()];
    for edge in &graph.edges {
        let waits = match edge.parent {
            Parent::Node(_) => true,
            Parent::Job(id) => match states.get(&id).copied() {
                None => {
                    return Err(StoreError::Invalid(format!(
                        "unknown parent: job {id} does not exist"
                    )))
                }
                Some(JobState::Completed) => false,
                Some(JobState::Failed | JobState::Cancelled)
                    if edge.on_parent_failure == OnParentFailure::Run =>
                {
                    false
                }
                Some(state @ (JobState::Failed | JobState::Cancelled)) => {
                    return Err(StoreError::Invalid(format!(
                        "parent job {id} is {state}; its dependents would be cancelled"
                    )))
                }
                Some(_) => true,
            },
        };
        if waits {
            pending[edge.child] += 1;
        }
    }
    let ids: Vec<i64> = insert(&tx, settings, &graph.jobs, &pending)
        .await?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    if !graph.edges.is_empty() {
        let parents: Vec<i64> = graph
            .edges
            .iter()
            .map(|e| match e.parent {
                Parent::Node(index) => ids[index],
                Parent::Job(id) => id,
            })
            .collect();
        let children: Vec<i64> = graph.edges.iter().map(|e| ids[e.child]).collect();
        let policies: Vec<&str> =
            graph.edges.iter().map(|e| e.on_parent_failure.as_str()).collect();
        let statement = tx.prepare_cached(ADD_EDGES).await?;
        tx.execute(&statement, &[&parents, &children, &policies]).await?;
    }
    tx.commit().await?;
    let kinds: Vec<&str> = graph.jobs.iter().map(|j| j.kind.as_str()).collect();
    JobsEnqueued { kinds: &kinds }.emit();
    Ok(ids)
}

async fn insert<C: GenericClient>(
    client: &C,
    settings: &QueueSettings,
    jobs: &[NewJob],
    pending: &[i32],
) -> Result<Vec<(i64, Option<String>, String)>, StoreError> {
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    let queues: Vec<&str> = jobs.iter().map(|j| j.queue.as_str()).collect();
    let tenants: Vec<&str> = jobs.iter().map(|j| j.tenant.as_str()).collect();
    let priorities: Vec<i16> = jobs.iter().map(|j| j.priority).collect();
    let args: Vec<&serde_json::Value> = jobs.iter().map(|j| &j.args).collect();
    let attempts: Vec<i32> = jobs.iter().map(|j| j.max_attempts).collect();
    let run_at: Vec<Option<chrono::DateTime<chrono::Utc>>> =
        jobs.iter().map(|j| j.run_at).collect();
    let keys: Vec<Option<&str>> = jobs.iter().map(|j| j.unique_key.as_deref()).collect();
    let (ranks, batches) = tenant_ranks(jobs);
    let aging = settings.aging_interval.as_secs_f64();
    let quantum = settings.fair_quantum.as_secs_f64();
    let statement = client.prepare_cached(enqueue_statement(jobs)).await?;
    let rows = timed(
        Statement::JobsEnqueue,
        client.query(
            &statement,
            &[
                &kinds,
                &queues,
                &tenants,
                &priorities,
                &args,
                &attempts,
                &run_at,
                &keys,
                &pending,
                &aging,
                &quantum,
                &ranks,
                &batches,
            ],
        ),
    )
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}

/// Prepares the enqueue statements on a connection (start-up warm-up of the REST API).
pub async fn prepare<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    futures::try_join!(client.prepare_cached(ENQUEUE), client.prepare_cached(&ENQUEUE_UNIQUE))?;
    Ok(())
}

/// `sql` with the enqueue's marked line replaced by its `ON CONFLICT` clause (unchanged when
/// it has no such line): for statements that embed `sql/jobs/enqueue.sql`.
pub(super) fn with_unique_keys(sql: &str) -> String {
    sql.replacen(UNIQUE_KEYS_MARK, ON_UNIQUE_KEY, 1)
}

/// The enqueue statement for `jobs`: the `ON CONFLICT` clause only when some job has a unique
/// key, so keyless jobs (every reward job of a flush) are inserted plainly.
fn enqueue_statement(jobs: &[NewJob]) -> &'static str {
    if jobs.iter().any(|job| job.unique_key.is_some()) {
        ENQUEUE_UNIQUE.as_str()
    } else {
        ENQUEUE
    }
}

/// Per job, its rank among the jobs of its queue and tenant (in input order) and how many
/// those are: the fair start times of `sql/jobs/enqueue.sql` space a tenant's batch by them.
fn tenant_ranks(jobs: &[NewJob]) -> (Vec<i32>, Vec<i32>) {
    let mut counts: HashMap<(&str, &str), i32> = HashMap::new();
    let ranks = jobs
        .iter()
        .map(|j| {
            let count = counts.entry((j.queue.as_str(), j.tenant.as_str())).or_insert(0);
            *count += 1;
            *count - 1
        })
        .collect();
    let batches = jobs.iter().map(|j| counts[&(j.queue.as_str(), j.tenant.as_str())]).collect();
    (ranks, batches)
}

#[cfg(test)]
mod tests;
