//! The operator console's store and CLI on real Postgres: keyset pages, bulk retry and delete
//! in batches, paused queues, dead-letter replay at most once, a player's support view.

mod support;

use std::collections::HashSet;
use std::process::Command;

use goalstream::store::dead_letter_admin;
use goalstream::store::job_console::{self, JobFilter};
use goalstream::store::jobs;
use goalstream::store::DeadLetter;
use goalstream::types::{Failure, JobState, NewJob, QueueSettings};
use serde_json::{json, Value};
use support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

fn job(kind: &str) -> NewJob {
    NewJob::new(kind, json!({}))
}

/// Runs the binary in the test's schema; its stdout as JSON (the command must succeed).
fn cli_json(db: &TestDb, args: &[&str]) -> Value {
    let output = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", db.child_url())
        .env("GOALSTREAM_CATALOG", concat!(env!("CARGO_MANIFEST_DIR"), "/config/challenges.json"))
        .output()
        .expect("goalstream runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "goalstream {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn pages_follow_the_keyset_cursor_without_gaps_or_repeats() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let batch: Vec<NewJob> =
        (0..25).map(|i| job(if i % 5 == 0 { "report" } else { "email" })).collect();
    let ids: Vec<i64> =
        jobs::enqueue(&client, &settings, &batch).await.unwrap().into_iter().flatten().collect();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = job_console::page(&client, &JobFilter::default(), before, 10).await.unwrap();
        seen.extend(page.iter().map(|j| j.id));
        if page.len() < 10 {
            break;
        }
        before = page.last().map(|j| j.id);
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, every job once");

    let reports = JobFilter { kind: Some("report".into()), ..JobFilter::default() };
    let page = job_console::page(&client, &reports, None, 100).await.unwrap();
    assert_eq!(page.len(), 5);
    assert!(page.iter().all(|j| j.kind == "report"));
    let failed = JobFilter { state: Some(JobState::Failed), ..JobFilter::default() };
    assert!(job_console::page(&client, &failed, None, 100).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_dead_job_retried_runs_again_and_completes() {
    let db = TestDb::new(1).await;
    let mut client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    jobs::enqueue(&client, &settings, &[job("flaky").attempts(1)]).await.unwrap();
    let claimed = jobs::claim(&client, "default", 1, "w1").await.unwrap();
    let failure =
        Failure { id: claimed[0].id, attempt: claimed[0].attempt, error: "smtp down".into() };
    let failed = jobs::fail(&mut client, &settings, &[failure]).await.unwrap();
    assert_eq!(failed.dead, vec![claimed[0].id], "out of attempts: failed for good");

    let dead = JobFilter { state: Some(JobState::Failed), ..JobFilter::default() };
    let retried =
        job_console::retry_batch(&client, &settings, &dead, None, None, 100).await.unwrap();
    assert_eq!(retried.ids, vec![claimed[0].id]);
    assert_eq!(retried.next_cursor, None);

    let again = jobs::claim(&client, "default", 1, "w2").await.unwrap();
    assert_eq!(again.len(), 1, "the retried job is available");
    assert_eq!((again[0].attempt, again[0].max_attempts), (2, 2), "one more attempt allowed");
    let done =
        jobs::complete(&mut client, &settings, &[(again[0].id, again[0].attempt)]).await.unwrap();
    assert_eq!(done.completed, vec![again[0].id]);
    let attempts = job_console::attempts(&client, again[0].id).await.unwrap();
    let outcomes: Vec<(i32, &str)> =
        attempts.iter().map(|a| (a.attempt, a.outcome.as_str())).collect();
    assert_eq!(outcomes, vec![(1, "failed"), (2, "completed")]);
    assert_eq!(attempts[0].error.as_deref(), Some("smtp down"));
}

#[tokio::test]
async fn bulk_retry_walks_the_filter_in_batches_and_leaves_other_jobs_alone() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let batch: Vec<NewJob> = (0..120).map(|_| job("bulk")).collect();
    let ids: Vec<i64> =
        jobs::enqueue(&client, &settings, &batch).await.unwrap().into_iter().flatten().collect();
    // 100 dead jobs, 20 left available.
    client
        .execute(
            "UPDATE jobs SET state = 'failed', attempt = max_attempts, finished_at = now() \
             WHERE id = ANY($1)",
            &[&ids[..100].to_vec()],
        )
        .await
        .unwrap();
    let dead = JobFilter { state: Some(JobState::Failed), ..JobFilter::default() };
    let mut retried = Vec::new();
    let mut before = None;
    let mut batches = 0;
    loop {
        let outcome =
            job_console::retry_batch(&client, &settings, &dead, None, before, 30).await.unwrap();
        batches += 1;
        retried.extend(outcome.ids);
        match outcome.next_cursor {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    assert_eq!(batches, 4, "100 jobs in batches of 30");
    assert_eq!(
        retried.iter().copied().collect::<HashSet<_>>(),
        ids[..100].iter().copied().collect()
    );
    let available: i64 = client
        .query_one("SELECT count(*) FROM jobs WHERE state = 'available'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(available, 120);
}

#[tokio::test]
async fn delete_removes_finished_jobs_only() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let ids: Vec<i64> = jobs::enqueue(&client, &settings, &[job("a"), job("b")])
        .await
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    client
        .execute(
            "UPDATE jobs SET state = 'completed', finished_at = now() WHERE id = $1",
            &[&ids[0]],
        )
        .await
        .unwrap();
    let outcome = job_console::delete_batch(&client, &JobFilter::default(), Some(&ids), None, 100)
        .await
        .unwrap();
    assert_eq!(outcome.ids, vec![ids[0]], "the available job is not deleted");
    let left: i64 = client.query_one("SELECT count(*) FROM jobs", &[]).await.unwrap().get(0);
    assert_eq!(left, 1);
}

#[tokio::test]
async fn a_paused_queue_gives_no_jobs_until_resumed() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    jobs::enqueue(&client, &settings, &[job("a").in_queue("mail"), job("b")]).await.unwrap();
    assert!(job_console::pause(&client, "mail").await.unwrap());
    assert!(!job_console::pause(&client, "mail").await.unwrap(), "already paused");
    assert!(jobs::claim(&client, "mail", 10, "w").await.unwrap().is_empty());
    assert_eq!(jobs::claim(&client, "default", 10, "w").await.unwrap().len(), 1, "others run");
    assert_eq!(job_console::paused(&client).await.unwrap()[0].0, "mail");
    assert!(job_console::resume(&client, "mail").await.unwrap());
    assert!(!job_console::resume(&client, "mail").await.unwrap(), "not paused any more");
    assert_eq!(jobs::claim(&client, "mail", 10, "w").await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_cli_lists_retries_and_pauses_with_json_output() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let batch: Vec<NewJob> = (0..3).map(|_| job("cli")).collect();
    let ids: Vec<i64> =
        jobs::enqueue(&client, &settings, &batch).await.unwrap().into_iter().flatten().collect();
    client
        .execute("UPDATE jobs SET state = 'failed', finished_at = now() WHERE id = $1", &[&ids[1]])
        .await
        .unwrap();

    let page = cli_json(&db, &["jobs", "list", "--limit", "2", "--json"]);
    let listed: Vec<i64> =
        page["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, vec![ids[2], ids[1]]);
    assert_eq!(page["next_before"], json!(ids[1]));
    let next = cli_json(&db, &["jobs", "list", "--before", &ids[1].to_string(), "--json"]);
    assert_eq!(next["jobs"][0]["id"], json!(ids[0]));

    let shown = cli_json(&db, &["jobs", "show", &ids[1].to_string(), "--json"]);
    assert_eq!(shown["job"]["state"], "failed");
    let retried = cli_json(&db, &["jobs", "retry", "--state", "failed", "--json"]);
    assert_eq!(retried["retried"], 1);
    assert_eq!(retried["ids"], json!([ids[1]]));
    let cancelled = cli_json(&db, &["jobs", "cancel", &ids[0].to_string(), "--json"]);
    assert_eq!(cancelled["cancelled"][0]["result"], "cancelled");
    let paused = cli_json(&db, &["jobs", "pause", "default", "--json"]);
    assert_eq!(paused["paused"], true);
    let queues = cli_json(&db, &["jobs", "queues", "--json"]);
    assert_eq!(queues["paused"][0]["queue"], "default");
    let total: i64 =
        queues["counts"].as_array().unwrap().iter().map(|c| c["jobs"].as_i64().unwrap()).sum();
    assert_eq!(total, 3);

    let refused = Command::new(BIN)
        .args(["jobs", "retry"])
        .env("DATABASE_URL", db.child_url())
        .output()
        .unwrap();
    assert!(!refused.status.success(), "a bulk action needs ids or a filter");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at least one filter"));
}

#[tokio::test]
async fn a_dead_letter_replays_once_and_a_malformed_one_is_refused_again() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let valid = br#"{"event_id":"e1","user_id":"p1","stat_code":"login","delta":1}"#.to_vec();
    let letters = [
        DeadLetter {
            topic: "telemetry".into(),
            partition: Some(0),
            offset: 7,
            key: None,
            payload: valid,
            reason: "refused by an older catalog".into(),
        },
        DeadLetter {
            topic: "telemetry".into(),
            partition: Some(0),
            offset: 8,
            key: None,
            payload: b"{not json".to_vec(),
            reason: "malformed".into(),
        },
    ];
    goalstream::store::dead_letters::insert(&client, &letters).await.unwrap();
    let page = dead_letter_admin::page(&client, &Default::default(), None, 10).await.unwrap();
    let (good, bad) = (page[1].id, page[0].id);

    let first =
        cli_json(&db, &["dead-letters", "replay", &good.to_string(), &bad.to_string(), "--json"]);
    let outcomes: Vec<&str> = first["replayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert!(outcomes[0].starts_with("applied"), "{outcomes:?}");
    assert!(outcomes[1].starts_with("refused again"), "{outcomes:?}");
    let again = cli_json(&db, &["dead-letters", "replay", &good.to_string(), "--json"]);
    assert!(again["replayed"][0]["outcome"].as_str().unwrap().contains("replayed before"));

    let progress: i64 = client
        .query_one(
            "SELECT progress FROM user_goal_progress WHERE user_id = 'p1' AND goal_id = 'first-login'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(progress, 1, "applied once");
    let player = cli_json(&db, &["player", "show", "p1", "--json"]);
    let goals: Vec<&str> = player["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["goal_id"].as_str().unwrap())
        .collect();
    assert!(goals.contains(&"first-login"), "{player}");
    assert_eq!(player["reward_jobs"][0]["kind"], "goal.completed", "{player}");

    let shown = cli_json(&db, &["dead-letters", "show", &bad.to_string(), "--json"]);
    assert_eq!(shown["payload"], "{not json");
    assert!(shown["replay_outcome"].as_str().unwrap().starts_with("refused again"));
    let unreplayed = cli_json(&db, &["dead-letters", "list", "--not-replayed", "--json"]);
    assert_eq!(unreplayed["dead_letters"], json!([]));
    let discarded = cli_json(&db, &["dead-letters", "discard", &bad.to_string(), "--json"]);
    assert_eq!(discarded["discarded"], json!([bad]));
}

#[tokio::test]
async fn a_players_reward_jobs_are_found_waiting_running_and_done_newest_first() {
    use goalstream::types::reward;
    let db = TestDb::new(1).await;
    let mut client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    let catalog = support::fixtures::catalog();
    let goals = catalog.goals();
    // Four reward jobs of p1 and one of p2, as a flush enqueues them (no unique key).
    let batch: Vec<NewJob> = ["p1", "p1", "p2", "p1", "p1"]
        .iter()
        .zip(goals)
        .map(|(user, goal)| reward::job(user, goal, None))
        .collect();
    let ids: Vec<i64> =
        jobs::enqueue(&client, &settings, &batch).await.unwrap().into_iter().flatten().collect();
    assert_eq!(ids.len(), 5);
    // The first two leave `available`: one is completed, one stays running.
    let mut claimed = jobs::claim(&client, reward::QUEUE, 2, "w1").await.unwrap();
    claimed.sort_by_key(|j| j.id);
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), ids[..2].to_vec(), "oldest first");
    jobs::complete(&mut client, &settings, &[(claimed[0].id, claimed[0].attempt)]).await.unwrap();

    let found = job_console::player_jobs(&client, "p1", 10).await.unwrap();
    let seen: Vec<(i64, JobState)> = found.iter().map(|j| (j.id, j.state)).collect();
    assert_eq!(
        seen,
        vec![
            (ids[4], JobState::Available),
            (ids[3], JobState::Available),
            (ids[1], JobState::Running),
            (ids[0], JobState::Completed),
        ],
        "p1's jobs in every state, newest first, none of p2's"
    );
    let newest = job_console::player_jobs(&client, "p1", 3).await.unwrap();
    assert_eq!(newest.iter().map(|j| j.id).collect::<Vec<_>>(), vec![ids[4], ids[3], ids[1]]);
    let other = job_console::player_jobs(&client, "p2", 10).await.unwrap();
    assert_eq!(other.iter().map(|j| j.id).collect::<Vec<_>>(), vec![ids[2]]);
    assert!(job_console::player_jobs(&client, "nobody", 10).await.unwrap().is_empty());
}
