//! The worker pool on real Postgres: handlers by kind, DAG order, panics and timeouts as
//! failures, rescue of a dead worker's job, graceful shutdown.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::Pool;
use goalstream::jobs::handler::{Handler, HandlerFuture, Registry};
use goalstream::jobs::service::JobService;
use goalstream::jobs::worker::{WorkerConfig, WorkerPool};
use goalstream::store::jobs;
use goalstream::types::{ClaimedJob, JobGraph, JobState, NewJob, Parent, QueueSettings};
use serde_json::json;
use support::kafka::wait_for;
use support::pg_proxy::PgProxy;
use support::TestDb;

/// Records the `name` argument of every job it runs; panics or sleeps on request.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Handler for Recorder {
    fn kind(&self) -> &str {
        "record"
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(300)
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async move {
            let name = job.args["name"].as_str().unwrap_or_default().to_string();
            match name.as_str() {
                "panic" => panic!("the handler blew up"),
                "slow" => tokio::time::sleep(Duration::from_secs(5)).await,
                "fail" => return Err("refused".into()),
                _ => {}
            }
            self.seen.lock().unwrap().push(name);
            Ok(())
        })
    }
}

fn named(name: &str) -> NewJob {
    NewJob::new("record", json!({ "name": name })).attempts(1)
}

async fn count(pool: &Pool, sql: &str) -> i64 {
    pool.get().await.unwrap().query_one(sql, &[]).await.unwrap().get(0)
}

fn fast(queues: &[&str]) -> WorkerConfig {
    let mut config = WorkerConfig::new(queues.iter().map(|q| q.to_string()).collect(), 4);
    config.poll_interval = Duration::from_millis(20);
    config
}

/// Runs a worker pool with `registry` on `queues` until `sql` counts `expected`, then stops it
/// and checks that it stopped cleanly.
async fn run_workers(db: &TestDb, queues: &[&str], registry: Registry, sql: &str, expected: i64) {
    let workers = WorkerPool::start(fast(queues), db.pool.clone(), registry).await.unwrap();
    wait_for(sql, Duration::from_secs(20), || async { count(&db.pool, sql).await == expected })
        .await;
    assert!(workers.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_a_dag_in_order_and_completes_every_job_once() {
    let db = TestDb::new(6).await;
    let recorder = Recorder::default();
    let mut graph = JobGraph::default();
    let root = graph.job(named("root"));
    let leaves: Vec<usize> = (0..10).map(|i| graph.job(named(&format!("leaf-{i}")))).collect();
    let last = graph.job(named("last"));
    for leaf in &leaves {
        graph.depends(*leaf, Parent::Node(root));
        graph.depends(last, Parent::Node(*leaf));
    }
    jobs::enqueue_graph(&mut db.pool.get().await.unwrap(), &QueueSettings::default(), &graph)
        .await
        .unwrap();
    run_workers(
        &db,
        &["default"],
        Registry::new().register(recorder.clone()),
        "SELECT count(*) FROM jobs WHERE state = 'completed'",
        12,
    )
    .await;
    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 12, "each job ran once: {seen:?}");
    assert_eq!(seen.first().map(String::as_str), Some("root"));
    assert_eq!(seen.last().map(String::as_str), Some("last"));
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM job_history WHERE outcome = 'completed'").await,
        12
    );
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM workers").await,
        0,
        "deregistered on shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_timeouts_errors_and_unknown_kinds_are_failures() {
    let db = TestDb::new(6).await;
    let settings = QueueSettings::default();
    let batch = [
        named("panic"),
        named("slow"),
        named("fail"),
        NewJob::new("nobody", json!({})).attempts(1),
    ];
    let ids = jobs::enqueue(&db.pool.get().await.unwrap(), &settings, &batch).await.unwrap();
    run_workers(
        &db,
        &["default"],
        Registry::new().register(Recorder::default()),
        "SELECT count(*) FROM jobs WHERE state = 'failed'",
        4,
    )
    .await;
    let client = db.pool.get().await.unwrap();
    let error = |id: i64| {
        let client = &client;
        async move {
            client
                .query_one("SELECT last_error FROM jobs WHERE id = $1", &[&id])
                .await
                .unwrap()
                .get::<_, String>(0)
        }
    };
    let panicked = error(ids[0].unwrap()).await;
    assert!(panicked.contains("panicked: the handler blew up"), "{panicked}");
    assert!(error(ids[1].unwrap()).await.contains("timed out"));
    assert_eq!(error(ids[2].unwrap()).await, "refused");
    assert!(error(ids[3].unwrap()).await.contains("no handler for kind \"nobody\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_job_is_rescued_and_completed_by_a_live_one() {
    let db = TestDb::new(6).await;
    let settings = QueueSettings::default();
    let client = db.pool.get().await.unwrap();
    jobs::enqueue(&client, &settings, &[named("orphan")]).await.unwrap();
    // A worker claims it, then dies (its heartbeat goes stale).
    jobs::register_worker(&client, "ghost", &["default".to_string()]).await.unwrap();
    let claimed = jobs::claim(&client, "default", 1, "ghost").await.unwrap();
    assert_eq!(claimed.len(), 1);
    client
        .execute(
            "UPDATE workers SET heartbeat_at = now() - interval '1 minute' WHERE id = 'ghost'",
            &[],
        )
        .await
        .unwrap();
    let rescued = jobs::rescue(&client, Duration::from_secs(15), 100).await.unwrap();
    assert_eq!(rescued, vec![claimed[0].id]);
    let recorder = Recorder::default();
    run_workers(
        &db,
        &["default"],
        Registry::new().register(recorder.clone()),
        "SELECT count(*) FROM jobs WHERE state = 'completed'",
        1,
    )
    .await;
    assert_eq!(recorder.seen.lock().unwrap().as_slice(), ["orphan"]);
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM job_executions WHERE outcome = 'rescued'").await,
        1
    );
    let stale = jobs::complete(
        &mut db.pool.get().await.unwrap(),
        &settings,
        &[(claimed[0].id, claimed[0].attempt)],
    )
    .await
    .unwrap();
    assert!(stale.completed.is_empty(), "the ghost's late completion is ignored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_taken_for_dead_registers_again_and_keeps_its_later_jobs() {
    let db = TestDb::new(6).await;
    let mut config = fast(&["default"]);
    config.heartbeat_interval = Duration::from_millis(100);
    let recorder = Recorder::default();
    let workers =
        WorkerPool::start(config, db.pool.clone(), Registry::new().register(recorder.clone()))
            .await
            .unwrap();
    let id = workers.id().to_string();
    let client = db.pool.get().await.unwrap();
    // What a rescuer does to a worker whose heartbeats stopped arriving (Postgres was away
    // for 3 intervals): its row is removed.
    let gone = client.execute("DELETE FROM workers WHERE id = $1", &[&id]).await.unwrap();
    assert_eq!(gone, 1);
    let registered = "SELECT count(*) FROM workers";
    wait_for("the worker registers again", Duration::from_secs(5), || async {
        count(&db.pool, registered).await == 1
    })
    .await;
    // Jobs it claims from then on belong to a registered worker: no rescuer takes them.
    jobs::enqueue(&client, &QueueSettings::default(), &[named("later")]).await.unwrap();
    let completed = "SELECT count(*) FROM jobs WHERE state = 'completed'";
    wait_for("the later job completes", Duration::from_secs(10), || async {
        count(&db.pool, completed).await == 1
    })
    .await;
    assert!(jobs::rescue(&client, Duration::from_secs(15), 100).await.unwrap().is_empty());
    assert_eq!(recorder.seen.lock().unwrap().as_slice(), ["later"]);
    assert!(workers.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_goals_are_granted_their_reward_once() {
    use goalstream::jobs::reward::RewardGrantHandler;
    use goalstream::store::{FlushBatch, ProgressStore};
    use support::fixtures::{catalog, event};

    let db = TestDb::new(6).await;
    let store = ProgressStore::new(catalog());
    let c = store.catalog().clone();
    let mut updates = Vec::new();
    for user in ["u1", "u2", "u3"] {
        updates.extend(event(&c, user, "kills", None, Some(25))); // completes kills-20
    }
    let batch = FlushBatch {
        events: Default::default(),
        now: chrono::Utc::now(),
        updates: &updates,
        group_id: "g",
        offsets: &[],
        dead_letters: &[],
    };
    let outcome = store.flush(&mut db.pool.get().await.unwrap(), &batch).await.unwrap();
    assert_eq!(outcome.jobs_enqueued, 3);

    run_workers(
        &db,
        &["rewards"],
        Registry::new().register(RewardGrantHandler),
        "SELECT count(*) FROM jobs WHERE state = 'completed'",
        3,
    )
    .await;
    assert_eq!(
        count(
            &db.pool,
            "SELECT count(*) FROM reward_grants WHERE item_id = 'gold' AND quantity = 1"
        )
        .await,
        3
    );

    // The same job run again (as after a crash) grants nothing more.
    let client = db.pool.get().await.unwrap();
    let job_id: i64 = client.query_one("SELECT min(id) FROM jobs", &[]).await.unwrap().get(0);
    client.execute("UPDATE jobs SET state = 'available' WHERE id = $1", &[&job_id]).await.unwrap();
    let claimed = jobs::claim(&client, "rewards", 1, "w").await.unwrap().remove(0);
    RewardGrantHandler.run(&claimed, &db.pool).await.unwrap();
    assert_eq!(count(&db.pool, "SELECT count(*) FROM reward_grants").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listening_worker_is_woken_by_notifications_and_catches_up_after_reconnecting() {
    let db = TestDb::new(6).await;
    let direct = db.config.pg_config().unwrap();
    let upstream = match direct.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => {
            format!("{host}:{}", direct.get_ports().first().copied().unwrap_or(5432))
        }
        _ => "127.0.0.1:5432".to_string(),
    };
    let proxy = PgProxy::start(&upstream).await.unwrap();
    let listen = goalstream::db::DbConfig::new(
        format!(
            "postgres://{}@127.0.0.1:{}/{}",
            direct.get_user().unwrap_or("postgres"),
            proxy.port(),
            direct.get_dbname().unwrap_or("postgres")
        ),
        1,
    );
    // Polling so slow that only a notification (or the reconnection's wake-up) explains a
    // pickup within the test's waits.
    let mut config = fast(&["default"]).listening(listen);
    config.poll_interval = Duration::from_secs(120);
    let recorder = Recorder::default();
    let workers = WorkerPool::start(config, db.pool.clone(), Registry::new().register(recorder))
        .await
        .unwrap();
    let completed = "SELECT count(*) FROM jobs WHERE state = 'completed'";
    let client = db.pool.get().await.unwrap();
    let settings = QueueSettings::default();
    tokio::time::sleep(Duration::from_millis(300)).await;
    jobs::enqueue(&client, &settings, &[named("woken")]).await.unwrap();
    wait_for("a notified pickup", Duration::from_secs(3), || async {
        count(&db.pool, completed).await == 1
    })
    .await;

    // The listening connection drops; a job enqueued meanwhile notifies nobody, and is picked
    // up when the listener reconnects and wakes its dispatchers.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    jobs::enqueue(&client, &settings, &[named("while-away")]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count(&db.pool, completed).await, 1, "nothing wakes the dispatcher yet");
    proxy.restore();
    wait_for("a pickup after reconnecting", Duration::from_secs(10), || async {
        count(&db.pool, completed).await == 2
    })
    .await;
    assert!(workers.shutdown(Duration::from_secs(5)).await);
}

/// Runs `record` jobs forever (within a test).
struct Hang;

impl Handler for Hang {
    fn kind(&self) -> &str {
        "record"
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(60)
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_job_is_run_again_by_a_job_service_within_its_rescue_window() {
    let db = TestDb::new(6).await;
    let client = db.pool.get().await.unwrap();
    let heartbeat = Duration::from_millis(200);
    let id = jobs::enqueue(&client, &QueueSettings::default(), &[named("orphan")]).await.unwrap()
        [0]
    .unwrap();
    let mut doomed = fast(&["default"]);
    doomed.heartbeat_interval = heartbeat;
    let doomed =
        WorkerPool::start(doomed, db.pool.clone(), Registry::new().register(Hang)).await.unwrap();
    let running = "SELECT count(*) FROM jobs WHERE state = 'running'";
    wait_for("the claim", Duration::from_secs(5), || async { count(&db.pool, running).await == 1 })
        .await;
    doomed.crash();
    let died = std::time::Instant::now();

    let mut live = fast(&["default"]);
    live.heartbeat_interval = heartbeat;
    let survivor = Recorder::default();
    let service =
        JobService::start(live, db.pool.clone(), Registry::new().register(survivor.clone()))
            .await
            .unwrap();
    wait_for("the second attempt", Duration::from_secs(10), || async {
        jobs::state_of(&client, id).await.unwrap() == Some(JobState::Completed)
    })
    .await;
    // Stale after 3 heartbeats, found when it goes stale (the rescuer wakes then), then claimed
    // and completed (two intervals of slack for a busy test machine).
    assert!(died.elapsed() < heartbeat * 5, "rescued after {:?}", died.elapsed());
    assert_eq!(survivor.seen.lock().unwrap().as_slice(), ["orphan"]);
    let rescued = "SELECT count(*) FROM job_executions WHERE outcome = 'rescued'";
    assert_eq!(count(&db.pool, rescued).await, 1);
    assert!(service.shutdown(Duration::from_secs(5)).await);
}
