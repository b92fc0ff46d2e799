//! The SQL interface for other languages on real Postgres: add_job / add_jobs inside the
//! caller's transaction with the REST enqueue's rules, workers woken on commit, and
//! claim_jobs / complete_job / fail_job running the same statements as goalstream's workers.

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use support::TestDb;
use tokio_postgres::{AsyncMessage, NoTls};

async fn state(client: &deadpool_postgres::Client, id: i64) -> String {
    client.query_one("SELECT state FROM jobs WHERE id = $1", &[&id]).await.unwrap().get(0)
}

#[tokio::test]
async fn add_job_belongs_to_the_callers_transaction_and_wakes_workers_on_commit() {
    let db = TestDb::new(2).await;
    let (listener, mut connection) = tokio_postgres::connect(&db.child_url(), NoTls).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(n) = message {
                let _ = tx.send((Instant::now(), n.payload().to_string()));
            }
        }
    });
    listener.batch_execute("LISTEN goalstream_jobs").await.unwrap();
    // Every test's schema shares this database, so the channel carries other tests' wake-ups
    // too: this test's jobs go to a queue of its own, and only that queue's wake-ups count.
    let queue = format!("mail-{}", db.schema);
    let add_job = |to: &str| {
        format!("SELECT add_job('email.send', '{{\"to\":\"{to}\"}}', queue => '{queue}')")
    };
    let woken = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<(Instant, String)>| {
        std::iter::from_fn(|| rx.try_recv().ok()).any(|(_, payload)| payload == queue)
    };

    let mut client = db.pool.get().await.unwrap();
    let rolled_back = client.transaction().await.unwrap();
    rolled_back.query_one(&add_job("a"), &[]).await.unwrap();
    rolled_back.rollback().await.unwrap();
    let jobs: i64 = client.query_one("SELECT count(*) FROM jobs", &[]).await.unwrap().get(0);
    assert_eq!(jobs, 0, "a rolled-back add_job leaves nothing");
    assert!(!woken(&mut rx), "and wakes nobody");

    let committed = client.transaction().await.unwrap();
    let id: i64 = committed.query_one(&add_job("b"), &[]).await.unwrap().get(0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!woken(&mut rx), "no wake-up before the commit");
    let commit_at = Instant::now();
    committed.commit().await.unwrap();
    let woken_at = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let (at, payload) = rx.recv().await.expect("listener open");
            if payload == queue {
                return at;
            }
        }
    })
    .await
    .expect("woken within 5 s of the commit");
    eprintln!("wake-up {:?} after the commit was sent", woken_at - commit_at);
    assert_eq!(state(&client, id).await, "available");
}

#[tokio::test]
async fn add_job_applies_the_rest_rules() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    for (call, expected) in [
        ("SELECT add_job('goal.completed', '{}')", "belong to the pipeline"),
        ("SELECT add_job('x', '{}', queue => 'rewards')", "belong to the pipeline"),
        ("SELECT add_job('x', '{}', priority => 9)", "priority must be 1"),
        ("SELECT add_job('x', '{}', max_attempts => 2147483647)", "max_attempts must be 1 to 25"),
        ("SELECT add_job('x', '{}', run_at => '9999-01-01')", "run_at must be within"),
        ("SELECT add_job(E'x\\x01', '{}')", "control characters"),
        ("SELECT add_job('x', '[1]')", "JSON object"),
        ("SELECT add_job('x', '{}', parents => ARRAY[424242]::bigint[])", "unknown parent"),
    ] {
        let error = client.query_one(call, &[]).await.unwrap_err();
        let message = error.as_db_error().map(|e| e.message().to_string()).unwrap_or_default();
        assert!(message.contains(expected), "{call}: {message}");
    }
    let first: i64 =
        client.query_one("SELECT add_job('x', '{}', unique_key => 'k')", &[]).await.unwrap().get(0);
    let again: i64 =
        client.query_one("SELECT add_job('x', '{}', unique_key => 'k')", &[]).await.unwrap().get(0);
    let other_kind: i64 =
        client.query_one("SELECT add_job('y', '{}', unique_key => 'k')", &[]).await.unwrap().get(0);
    assert_eq!(first, again, "the live job of the same kind and key");
    assert_ne!(first, other_kind, "keys are scoped by kind");
}

#[tokio::test]
async fn a_foreign_worker_claims_fails_retries_and_completes_with_dag_release() {
    let db = TestDb::new(1).await;
    let client = db.pool.get().await.unwrap();
    let ids: Vec<i64> = client
        .query(
            "SELECT add_jobs('[{\"kind\": \"parent\", \"queue\": \"py\", \"max_attempts\": 2}]')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let parent = ids[0];
    let child: i64 = client
        .query_one(
            "SELECT add_job('child', '{}', queue => 'py', parents => ARRAY[$1::bigint])",
            &[&parent],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(state(&client, child).await, "pending");

    let claimed = client.query("SELECT * FROM claim_jobs('py', 10, 'py-1')", &[]).await.unwrap();
    assert_eq!(claimed.len(), 1, "only the parent is available");
    let (id, attempt): (i64, i32) = (claimed[0].get("id"), claimed[0].get("attempt"));
    assert_eq!(id, parent);
    let after: Option<String> =
        client.query_one("SELECT fail_job($1, $2, 'boom')", &[&id, &attempt]).await.unwrap().get(0);
    assert_eq!(after.as_deref(), Some("retryable"));
    let stale: Option<String> =
        client.query_one("SELECT fail_job($1, $2, 'late')", &[&id, &attempt]).await.unwrap().get(0);
    assert_eq!(stale, None, "an attempt that is no longer current is ignored");

    client
        .execute("UPDATE jobs SET run_at = now(), state = 'available' WHERE id = $1", &[&id])
        .await
        .unwrap();
    let claimed = client.query("SELECT * FROM claim_jobs('py', 10, 'py-1')", &[]).await.unwrap();
    let attempt: i32 = claimed[0].get("attempt");
    assert_eq!(attempt, 2);
    let done: bool =
        client.query_one("SELECT complete_job($1, $2)", &[&id, &attempt]).await.unwrap().get(0);
    assert!(done);
    assert_eq!(state(&client, child).await, "available", "the child is released");
    let history: i64 = client
        .query_one("SELECT count(*) FROM job_history WHERE job_id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(history, 2, "the failed and the completed attempt");
    let registered: i64 = client
        .query_one("SELECT count(*) FROM workers WHERE id = 'py-1'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(registered, 1, "claim_jobs registers the worker (heartbeat)");
}

/// The Python example worker (examples/sql_worker.py) enqueues a job in its own transaction,
/// claims it and completes it. Needs psycopg (`.ci/run` installs it); skipped loudly without.
#[tokio::test]
async fn the_python_example_worker_runs_a_job_end_to_end() {
    let has_psycopg = std::process::Command::new("python3")
        .args(["-c", "import psycopg"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_psycopg {
        eprintln!("SKIPPED: python3 cannot import psycopg (pip install 'psycopg[binary]>=3.1')");
        return;
    }
    let db = TestDb::new(1).await;
    let output = tokio::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sql_worker.py"))
        .args(["--max-jobs", "1"])
        .env("DATABASE_URL", db.child_url())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("completed: rendered report for p-42"), "{stdout}");
    let client = db.pool.get().await.unwrap();
    let completed: i64 = client
        .query_one("SELECT count(*) FROM jobs WHERE state = 'completed' AND queue = 'python'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(completed, 1);
}
