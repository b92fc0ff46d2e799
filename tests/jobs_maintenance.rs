//! Maintenance services, one `run_once` at a time, on real Postgres.

mod support;

use std::time::Duration;

use deadpool_postgres::Client;
use goalstream::harness::store::checks;
use goalstream::jobs::maintenance::{cleaner, rescuer, scheduler};
use goalstream::store::{jobs, migrate};
use goalstream::types::{NewJob, QueueSettings};
use serde_json::json;
use support::TestDb;

#[tokio::test]
async fn rescuer_returns_a_silent_workers_jobs_within_three_heartbeats() {
    let db = TestDb::new(2).await;
    let client = db.pool.get().await.unwrap();
    jobs::enqueue(&client, &QueueSettings::default(), &[NewJob::new("k", json!({}))])
        .await
        .unwrap();
    jobs::register_worker(&client, "w", &["default".into()]).await.unwrap();
    let claimed = jobs::claim(&client, "default", 1, "w").await.unwrap();
    let rescuer = rescuer::Rescuer::new(
        rescuer::Config { heartbeat_interval: Duration::from_millis(100) },
        db.pool.clone(),
    );
    assert!(rescuer.run_once().await.unwrap().is_empty(), "alive: nothing to rescue");
    let stale_in = jobs::next_stale_in(&client, Duration::from_millis(300)).await.unwrap();
    let stale_in = stale_in.expect("a registered worker");
    assert!(stale_in <= Duration::from_millis(300), "the rescuer wakes when w goes stale");
    assert!(stale_in > Duration::from_millis(150), "{stale_in:?}");
    tokio::time::sleep(Duration::from_millis(350)).await; // 3 heartbeats missed
    assert_eq!(rescuer.run_once().await.unwrap(), vec![claimed[0].id]);
    let workers: i64 = client.query_one("SELECT count(*) FROM workers", &[]).await.unwrap().get(0);
    assert_eq!(workers, 0, "the dead worker is removed");
    let none = jobs::next_stale_in(&client, Duration::from_millis(300)).await.unwrap();
    assert_eq!(none, None, "no worker, nothing to wait for");
}

#[tokio::test]
async fn scheduler_makes_due_jobs_available() {
    let db = TestDb::new(2).await;
    let client = db.pool.get().await.unwrap();
    let mut later = NewJob::new("k", json!({}));
    later.run_at = Some(chrono::Utc::now() + chrono::Duration::hours(1));
    let ids = jobs::enqueue(&client, &QueueSettings::default(), &[later]).await.unwrap();
    let scheduler = scheduler::Scheduler::new(QueueSettings::default(), db.pool.clone());
    assert_eq!(scheduler.run_once().await.unwrap(), 0, "not due");
    client.execute("UPDATE jobs SET run_at = now() - interval '1 s'", &[]).await.unwrap();
    assert_eq!(scheduler.run_once().await.unwrap(), 1);
    let claimed = jobs::claim(&client, "default", 5, "w").await.unwrap();
    assert_eq!(claimed[0].id, ids[0].unwrap());
}

#[tokio::test]
async fn cleaner_prunes_old_finished_jobs_keeping_their_history_for_its_retention() {
    let db = TestDb::new(2).await;
    let mut client = db.pool.get().await.unwrap();
    let done = enqueue_and_complete(&mut client, 3, 2).await;
    let (ancient, old) = (done[0].0, done[1].0);
    // Finished 30 days ago (past both retentions), 2 days ago (past the job retention only);
    // the third job is still available.
    let age = "UPDATE jobs SET finished_at = now() - $2::int4 * interval '1 day' WHERE id = $1";
    client.execute(age, &[&ancient, &30]).await.unwrap();
    client.execute(age, &[&old, &2]).await.unwrap();
    let cleaner = cleaner::Cleaner::new(cleaner::Config::default(), db.pool.clone());
    assert_eq!(cleaner.run_once().await.unwrap(), 2, "both finished jobs, no history yet");
    let left: Vec<i64> = client
        .query("SELECT id FROM jobs ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left.len(), 1);
    assert!(!left.contains(&ancient) && !left.contains(&old));
    let history = |id| checks::job_history(&client, id);
    assert_eq!(history(old).await.unwrap(), [(1, "completed".to_string())], "moved to the log");
    assert!(history(ancient).await.unwrap().is_empty(), "past the history retention");
    assert_eq!(cleaner.run_once().await.unwrap(), 0, "nothing else is old");
    client
        .execute(
            "UPDATE job_executions SET finished_at = now() - interval '30 days' WHERE job_id = $1",
            &[&old],
        )
        .await
        .unwrap();
    assert_eq!(cleaner.run_once().await.unwrap(), 1, "the history row, once old");
    assert!(history(old).await.unwrap().is_empty());
}

#[tokio::test]
async fn upgrading_to_history_in_place_keeps_one_record_per_completion() {
    let db = TestDb::new(2).await;
    let mut client = db.pool.get().await.unwrap();
    let done = enqueue_and_complete(&mut client, 2, 2).await;
    // Back to the schema before migration 6, whose completions also wrote a log row (here for
    // the first job only, as with that version's history turned off for the second).
    client
        .batch_execute(
            "DROP VIEW job_history; DELETE FROM goalstream_migrations WHERE version = 6;",
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO job_executions (job_id, attempt, worker_id, outcome) \
             VALUES ($1, 1, 'w', 'completed')",
            &[&done[0].0],
        )
        .await
        .unwrap();
    assert_eq!(migrate::migrate(&mut client).await.unwrap(), [6]);
    for (id, _) in done {
        let history = checks::job_history(&client, id).await.unwrap();
        assert_eq!(history, [(1, "completed".to_string())], "job {id}: one record");
    }
}

/// Enqueues `n` jobs and completes `completed` of them (worker "w"); returns (id, attempt).
async fn enqueue_and_complete(client: &mut Client, n: usize, completed: i64) -> Vec<(i64, i32)> {
    let settings = QueueSettings::default();
    let batch: Vec<NewJob> = (0..n).map(|_| NewJob::new("k", json!({}))).collect();
    jobs::enqueue(&*client, &settings, &batch).await.unwrap();
    let claimed = jobs::claim(&*client, "default", completed, "w").await.unwrap();
    let done: Vec<(i64, i32)> = claimed.iter().map(|j| (j.id, j.attempt)).collect();
    jobs::complete(client, &settings, &done).await.unwrap();
    done
}
