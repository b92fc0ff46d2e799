//! The job queue's store on real Postgres: claims, DAG release, priority inheritance, aging,
//! fairness, retries, cancellation, fencing, unique keys.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use deadpool_postgres::Client;
use goalstream::harness::store::checks;
use goalstream::store::jobs::{self, Completed};
use goalstream::types::{
    Failure, JobGraph, JobState, NewJob, OnParentFailure, Parent, QueueSettings,
};
use serde_json::json;
use support::TestDb;

fn job(kind: &str) -> NewJob {
    NewJob::new(kind, json!({}))
}

async fn state(client: &Client, id: i64) -> String {
    client.query_one("SELECT state FROM jobs WHERE id = $1", &[&id]).await.unwrap().get(0)
}

async fn drain(client: &Client, queue: &str, worker: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let claimed = jobs::claim(client, queue, 10, worker).await.unwrap();
        if claimed.is_empty() {
            return ids;
        }
        ids.extend(claimed.iter().map(|j| j.id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_never_claim_the_same_job() {
    let db = TestDb::new(3).await;
    let settings = QueueSettings::default();
    let batch: Vec<NewJob> = (0..300).map(|_| job("noop")).collect();
    let ids = jobs::enqueue(&db.pool.get().await.unwrap(), &settings, &batch).await.unwrap();
    let (a, b) = (db.pool.get().await.unwrap(), db.pool.get().await.unwrap());
    let (left, right) = tokio::join!(drain(&a, "default", "w1"), drain(&b, "default", "w2"));
    let all: Vec<i64> = left.iter().chain(&right).copied().collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 300, "every job claimed once");
    assert_eq!(unique, ids.into_iter().map(Option::unwrap).collect::<HashSet<_>>());
}

#[tokio::test]
async fn fan_out_releases_all_children_in_the_completing_transaction() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings::default();
    let mut client = db.pool.get().await.unwrap();
    let mut graph = JobGraph::default();
    let parent = graph.job(job("parent"));
    for _ in 0..50 {
        let child = graph.job(job("child"));
        graph.depends(child, Parent::Node(parent));
    }
    let ids = jobs::enqueue_graph(&mut client, &settings, &graph).await.unwrap();
    assert_eq!(state(&client, ids[1]).await, "pending");
    let claimed = jobs::claim(&client, "default", 100, "w").await.unwrap();
    assert_eq!(claimed.len(), 1, "children wait for their parent");
    let done = jobs::complete(&mut client, &settings, &[(claimed[0].id, claimed[0].attempt)])
        .await
        .unwrap();
    assert_eq!(done.completed, vec![ids[0]]);
    assert_eq!(done.released.len(), 50);
    assert_eq!(jobs::claim(&client, "default", 100, "w").await.unwrap().len(), 50);
    let history: i64 =
        client.query_one("SELECT count(*) FROM job_history", &[]).await.unwrap().get(0);
    assert_eq!(history, 1);
}

#[tokio::test]
async fn fan_in_waits_for_every_parent_and_inherits_the_most_urgent_priority() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings::default();
    let mut client = db.pool.get().await.unwrap();
    let mut graph = JobGraph::default();
    let parents: Vec<usize> =
        [4, 1, 3].iter().map(|p| graph.job(job("parent").with_priority(*p))).collect();
    let child = graph.job(job("child").with_priority(5));
    for p in &parents {
        graph.depends(child, Parent::Node(*p));
    }
    let ids = jobs::enqueue_graph(&mut client, &settings, &graph).await.unwrap();
    let claimed = jobs::claim(&client, "default", 10, "w").await.unwrap();
    assert_eq!(claimed.len(), 3);
    assert_eq!(claimed[0].effective_priority, 1, "the most urgent parent first");
    for (i, job) in claimed.iter().enumerate() {
        let done = jobs::complete(&mut client, &settings, &[(job.id, job.attempt)]).await.unwrap();
        let expected: Vec<i64> = if i == 2 { vec![ids[child]] } else { vec![] };
        assert_eq!(done.released, expected, "released only after the last parent");
    }
    let child_job = jobs::claim(&client, "default", 10, "w").await.unwrap();
    assert_eq!(child_job[0].effective_priority, 1, "inherits its most urgent parent's priority");
}

#[tokio::test]
async fn aging_lifts_a_waiting_low_priority_job_above_newer_urgent_ones() {
    let db = TestDb::new(2).await;
    let settings =
        QueueSettings { aging_interval: Duration::from_millis(50), ..QueueSettings::default() };
    let client = db.pool.get().await.unwrap();
    let old = jobs::enqueue(&client, &settings, &[job("old").with_priority(5)]).await.unwrap()[0]
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await; // more than 4 intervals
    let urgent: Vec<NewJob> = (0..5).map(|_| job("urgent").with_priority(1)).collect();
    jobs::enqueue(&client, &settings, &urgent).await.unwrap();
    let first = jobs::claim(&client, "default", 1, "w").await.unwrap();
    assert_eq!(first[0].id, old, "a priority-5 job is served like priority 1 after 4 intervals");
}

#[tokio::test]
async fn one_tenants_backlog_does_not_starve_another_tenants_job() {
    let db = TestDb::new(2).await;
    // A quantum far above the time between the two enqueues, so that a slow machine does not
    // let the backlog's first jobs start earlier in virtual time than the small tenant's.
    let settings = QueueSettings { fair_quantum: Duration::from_millis(100), ..Default::default() };
    let client = db.pool.get().await.unwrap();
    let backlog: Vec<NewJob> = (0..2000).map(|_| job("bulk").for_tenant("big")).collect();
    jobs::enqueue(&client, &settings, &backlog).await.unwrap();
    let small = jobs::enqueue(&client, &settings, &[job("one").for_tenant("small")]).await.unwrap()
        [0]
    .unwrap();
    let mut position = None;
    for n in 0..100 {
        let claimed = jobs::claim(&client, "default", 1, "w").await.unwrap();
        if claimed[0].id == small {
            position = Some(n);
            break;
        }
    }
    let position = position.expect("the small tenant's job comes within the first 100 of 2,001");
    assert!(position < 100, "{position}");
}

#[tokio::test]
async fn tenants_sharing_one_enqueue_call_take_turns() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings { fair_quantum: Duration::from_millis(100), ..Default::default() };
    let client = db.pool.get().await.unwrap();
    let mut mixed: Vec<NewJob> = (0..500).map(|_| job("bulk").for_tenant("big")).collect();
    mixed.extend((0..2).map(|_| job("one").for_tenant("small")));
    jobs::enqueue(&client, &settings, &mixed).await.unwrap();
    let claimed = jobs::claim(&client, "default", 4, "w").await.unwrap();
    let tenants: Vec<&str> = claimed.iter().map(|j| j.tenant.as_str()).collect();
    assert_eq!(tenants.iter().filter(|t| **t == "small").count(), 2, "{tenants:?}");
}

#[tokio::test]
async fn failures_retry_with_backoff_then_die_and_cancel_dependents() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings::default();
    let mut client = db.pool.get().await.unwrap();
    let mut graph = JobGraph::default();
    let parent = graph.job(job("flaky").attempts(2));
    let child = graph.job(job("child"));
    let grandchild = graph.job(job("grandchild"));
    let runs_anyway = graph.job(job("cleanup"));
    graph.depends(child, Parent::Node(parent));
    graph.depends(grandchild, Parent::Node(child));
    graph.edges.push(goalstream::types::Edge {
        parent: Parent::Node(parent),
        child: runs_anyway,
        on_parent_failure: OnParentFailure::Run,
    });
    let ids = jobs::enqueue_graph(&mut client, &settings, &graph).await.unwrap();

    let first = jobs::claim(&client, "default", 10, "w").await.unwrap();
    let failure = Failure { id: first[0].id, attempt: first[0].attempt, error: "boom".into() };
    let outcome = jobs::fail(&mut client, &settings, &[failure]).await.unwrap();
    assert_eq!((outcome.failed, outcome.dead.len()), (1, 0));
    assert_eq!(state(&client, ids[parent]).await, "retryable");
    let wait: f64 = client
        .query_one(
            "SELECT extract(epoch FROM run_at - now())::float8 FROM jobs WHERE id = $1",
            &[&ids[parent]],
        )
        .await
        .unwrap()
        .get(0);
    assert!(wait > 0.3, "retry is backed off ({wait} s)");
    assert_eq!(jobs::promote_due(&client, &settings, 100).await.unwrap(), 0, "not due yet");
    client
        .execute("UPDATE jobs SET run_at = now() - interval '1 s' WHERE id = $1", &[&ids[parent]])
        .await
        .unwrap();
    assert_eq!(jobs::promote_due(&client, &settings, 100).await.unwrap(), 1);

    let second = jobs::claim(&client, "default", 10, "w").await.unwrap();
    assert_eq!(second[0].attempt, 2);
    let failure = Failure { id: second[0].id, attempt: 2, error: "boom again".into() };
    let outcome = jobs::fail(&mut client, &settings, &[failure]).await.unwrap();
    assert_eq!(outcome.dead, vec![ids[parent]]);
    assert_eq!(outcome.released, vec![ids[runs_anyway]], "the 'run' edge releases its child");
    let mut cancelled = outcome.cancelled.clone();
    cancelled.sort();
    assert_eq!(cancelled, vec![ids[child], ids[grandchild]], "cancel cascades down");
    assert_eq!(state(&client, ids[parent]).await, "failed");
    let history: i64 = client
        .query_one(
            "SELECT count(*) FROM job_executions WHERE job_id = $1 AND outcome = 'failed'",
            &[&ids[parent]],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(history, 2);
}

#[tokio::test]
async fn a_stale_attempt_cannot_complete_a_rescued_job() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings::default();
    let mut client = db.pool.get().await.unwrap();
    jobs::enqueue(&client, &settings, &[job("slow")]).await.unwrap();
    let zombie = jobs::claim(&client, "default", 1, "w1").await.unwrap().remove(0);
    // What the rescuer does to a dead worker's job.
    client
        .execute("UPDATE jobs SET state = 'available' WHERE id = $1", &[&zombie.id])
        .await
        .unwrap();
    let fresh = jobs::claim(&client, "default", 1, "w2").await.unwrap().remove(0);
    assert_eq!((fresh.id, fresh.attempt), (zombie.id, 2));
    let stale =
        jobs::complete(&mut client, &settings, &[(zombie.id, zombie.attempt)]).await.unwrap();
    assert_eq!(stale, Completed::default(), "the zombie's completion is ignored");
    let done = jobs::complete(&mut client, &settings, &[(fresh.id, fresh.attempt)]).await.unwrap();
    assert_eq!(done.completed, vec![fresh.id]);
}

#[tokio::test]
async fn unique_keys_dedupe_live_jobs_only() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings::default();
    let mut client = db.pool.get().await.unwrap();
    let first =
        jobs::enqueue(&client, &settings, &[job("grant").unique("reward:u1:g1"), job("other")])
            .await
            .unwrap();
    assert!(first.iter().all(Option::is_some));
    let again =
        jobs::enqueue(&client, &settings, &[job("grant").unique("reward:u1:g1"), job("other")])
            .await
            .unwrap();
    assert_eq!(again[0], None, "a live job holds the key");
    assert!(again[1].is_some());
    let claimed = jobs::claim(&client, "default", 10, "w").await.unwrap();
    let grant = claimed.iter().find(|j| Some(j.id) == first[0]).unwrap();
    jobs::complete(&mut client, &settings, &[(grant.id, grant.attempt)]).await.unwrap();
    let later =
        jobs::enqueue(&client, &settings, &[job("grant").unique("reward:u1:g1")]).await.unwrap();
    assert!(later[0].is_some(), "a finished job frees its key");
}

#[tokio::test]
async fn graphs_with_cycles_or_unknown_parents_are_refused() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings::default();
    let mut client = db.pool.get().await.unwrap();
    let mut cycle = JobGraph::default();
    let a = cycle.job(job("a"));
    let b = cycle.job(job("b"));
    cycle.depends(a, Parent::Node(b));
    cycle.depends(b, Parent::Node(a));
    let error = jobs::enqueue_graph(&mut client, &settings, &cycle).await.unwrap_err();
    assert!(error.to_string().contains("cycle"), "{error}");
    let mut orphan = JobGraph::default();
    let c = orphan.job(job("c"));
    orphan.depends(c, Parent::Job(987_654));
    let error = jobs::enqueue_graph(&mut client, &settings, &orphan).await.unwrap_err();
    assert!(error.to_string().contains("unknown parent: job 987654"), "{error}");
    let count: i64 = client.query_one("SELECT count(*) FROM jobs", &[]).await.unwrap().get(0);
    assert_eq!(count, 0, "nothing enqueued");
}

#[tokio::test]
async fn a_returned_job_keeps_its_attempt_and_a_stale_return_changes_nothing() {
    let db = TestDb::new(2).await;
    let client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let id = jobs::enqueue(&client, &settings, &[NewJob::new("k", json!({})).attempts(1)])
        .await
        .unwrap()[0]
        .unwrap();
    let claimed = jobs::claim(&client, "default", 10, "w1").await.unwrap();
    assert_eq!((claimed[0].id, claimed[0].attempt), (id, 1));
    assert_eq!(jobs::unclaim(&client, &[(id, 0)]).await.unwrap(), 0, "wrong attempt: ignored");
    assert_eq!(jobs::unclaim(&client, &[(id, 1)]).await.unwrap(), 1);
    assert_eq!(jobs::state_of(&client, id).await.unwrap(), Some(JobState::Available));
    let again = jobs::claim(&client, "default", 10, "w2").await.unwrap();
    assert_eq!(again[0].attempt, 1, "the returned attempt was not spent (max_attempts is 1)");
    assert_eq!(jobs::unclaim(&client, &[(id, 1)]).await.unwrap(), 1);
    assert_eq!(jobs::unclaim(&client, &[(id, 1)]).await.unwrap(), 0, "already returned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_added_while_its_parent_completes_is_released_by_that_completion() {
    let db = TestDb::new(4).await;
    let settings = QueueSettings::default();
    let client = db.pool.get().await.unwrap();
    let parent = jobs::enqueue(&client, &settings, &[job("parent")]).await.unwrap()[0].unwrap();
    let claimed = jobs::claim(&client, "default", 1, "w").await.unwrap();
    // Another transaction holds the parent's row lock (as a slow graph enqueue would), so the
    // completion below waits for it.
    let mut holder = db.pool.get().await.unwrap();
    let lock = holder.transaction().await.unwrap();
    lock.execute("SELECT 1 FROM jobs WHERE id = $1 FOR SHARE", &[&parent]).await.unwrap();
    let completing = tokio::spawn({
        let pool = db.pool.clone();
        async move {
            let mut client = pool.get().await.unwrap();
            jobs::complete(&mut client, &settings, &[(parent, claimed[0].attempt)]).await.unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!completing.is_finished(), "the completion waits for the row lock");
    // Meanwhile a child of the still-running parent is enqueued and committed.
    let mut graph = JobGraph::default();
    let child = graph.job(job("child"));
    graph.depends(child, Parent::Job(parent));
    let mut enqueuer = db.pool.get().await.unwrap();
    let child = jobs::enqueue_graph(&mut enqueuer, &settings, &graph).await.unwrap()[0];
    assert_eq!(state(&client, child).await, "pending");
    lock.rollback().await.unwrap();
    let done = completing.await.unwrap();
    assert_eq!(done.completed, vec![parent]);
    assert_eq!(done.released, vec![child], "the completion saw the edge committed meanwhile");
    assert_eq!(state(&client, child).await, "available");
}

#[tokio::test]
async fn a_completed_row_is_its_history_record_and_failures_are_logged() {
    let db = TestDb::new(2).await;
    let mut client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    jobs::enqueue(&client, &settings, &[job("a"), job("b")]).await.unwrap();
    let claimed = jobs::claim(&client, "default", 10, "w").await.unwrap();
    assert_eq!(claimed.len(), 2);
    let done = jobs::complete(&mut client, &settings, &[(claimed[0].id, claimed[0].attempt)])
        .await
        .unwrap();
    assert_eq!(done.completed, vec![claimed[0].id]);
    let failure =
        Failure { id: claimed[1].id, attempt: claimed[1].attempt, error: "refused".into() };
    jobs::fail(&mut client, &settings, &[failure]).await.unwrap();
    let logged: Vec<String> = client
        .query("SELECT outcome FROM job_executions ORDER BY job_id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(logged, ["failed"], "a completion writes no log row: its job row is the record");
    let completed = checks::job_history(&client, claimed[0].id).await.unwrap();
    assert_eq!(completed, [(1, "completed".to_string())]);
    let failed = checks::job_history(&client, claimed[1].id).await.unwrap();
    assert_eq!(failed, [(1, "failed".to_string())]);
    let worker: Option<String> = client
        .query_one("SELECT worker_id FROM job_history WHERE job_id = $1", &[&claimed[0].id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(worker.as_deref(), Some("w"), "the record names the worker");
}
