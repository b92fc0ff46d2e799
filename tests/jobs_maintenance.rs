//! Maintenance services, one `run_once` at a time, on real Postgres.

mod support;

use std::time::Duration;

use goalstream::jobs::maintenance::{cleaner, rescuer, scheduler};
use goalstream::jobs::{NewJob, QueueSettings};
use goalstream::store::jobs;
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
    tokio::time::sleep(Duration::from_millis(350)).await; // 3 heartbeats missed
    assert_eq!(rescuer.run_once().await.unwrap(), vec![claimed[0].id]);
    let workers: i64 = client.query_one("SELECT count(*) FROM workers", &[]).await.unwrap().get(0);
    assert_eq!(workers, 0, "the dead worker is removed");
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
async fn cleaner_prunes_old_finished_jobs_and_history_only() {
    let db = TestDb::new(2).await;
    let settings = QueueSettings::default();
    let mut client = db.pool.get().await.unwrap();
    let batch: Vec<NewJob> = (0..3).map(|_| NewJob::new("k", json!({}))).collect();
    jobs::enqueue(&client, &settings, &batch).await.unwrap();
    let claimed = jobs::claim(&client, "default", 2, "w").await.unwrap();
    let done: Vec<(i64, i32)> = claimed.iter().map(|j| (j.id, j.attempt)).collect();
    jobs::complete(&mut client, &settings, &done).await.unwrap();
    // One completed job and its history are old; one is recent; one is still available.
    client
        .execute(
            "UPDATE jobs SET finished_at = now() - interval '2 days' WHERE id = $1",
            &[&done[0].0],
        )
        .await
        .unwrap();
    client
        .execute(
            "UPDATE job_executions SET finished_at = now() - interval '30 days' WHERE job_id = $1",
            &[&done[0].0],
        )
        .await
        .unwrap();
    let cleaner = cleaner::Cleaner::new(cleaner::Config::default(), db.pool.clone());
    assert_eq!(cleaner.run_once().await.unwrap(), 2, "one job, one history row");
    let left: Vec<i64> = client
        .query("SELECT id FROM jobs ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&done[0].0));
    assert_eq!(cleaner.run_once().await.unwrap(), 0, "nothing else is old");
}
