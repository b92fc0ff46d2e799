//! Periodic jobs (issue 20): a schedule every second on three instances for 60 s runs exactly
//! 60 times, one job per tick, no tick missing, while one instance stops and another starts; two instances at the same instant enqueue a
//! tick once, even after its job row was cleaned; catch-up after a 10 s outage (skip vs
//! run_once) on a controlled clock; a bad schedule stops the start naming it; `goalstream jobs
//! periodic` lists what the instances registered.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::Pool;
use goalstream::app::{App, Config, JobsSettings, Listeners};
use goalstream::config::periodic::PeriodicFile;
use goalstream::jobs::handler::{Handler, HandlerFuture, Registry};
use goalstream::jobs::maintenance::periodic::{self, PeriodicEnqueuer};
use goalstream::jobs::schedule;
use goalstream::store::periodic::{register, schedules, Definition};
use goalstream::types::ClaimedJob;
use support::TestDb;

const KIND: &str = "tick.count";

/// Records the tick of every job it runs and which instance ran it.
#[derive(Clone)]
struct Ticks {
    instance: usize,
    seen: Arc<Mutex<Vec<(String, usize)>>>,
}

impl Handler for Ticks {
    fn kind(&self) -> &str {
        KIND
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async move {
            let tick = job.args["scheduled_at"].as_str().ok_or("no tick")?.to_string();
            self.seen.lock().unwrap().push((tick, self.instance));
            Ok(())
        })
    }
}

fn file(text: &str) -> PeriodicFile {
    PeriodicFile::parse(text).unwrap()
}

fn every_second(name: &str, catch_up: &str, grace: u64) -> String {
    format!(
        "[[periodic]]\nname = \"{name}\"\ncron = \"*/1 * * * * *\"\nkind = \"{KIND}\"\n\
         catch_up = \"{catch_up}\"\ngrace_seconds = {grace}\ntick_field = \"scheduled_at\"\n"
    )
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An enqueuer of `text`'s schedules on a pool of its own (an instance).
async fn enqueuer(db: &TestDb, text: &str) -> PeriodicEnqueuer {
    let kinds = [KIND.to_string()];
    let schedules = schedule::from_file(&file(text), &kinds).unwrap();
    let pool = goalstream::store::connect(&db.config.clone().with_pool_size(2)).await.unwrap();
    PeriodicEnqueuer::new(periodic::Config { schedules, ..Default::default() }, pool)
}

/// Unique keys of the jobs of `kind`, with how many jobs each has.
async fn keys(db: &TestDb) -> BTreeMap<String, i64> {
    let client = db.pool.get().await.unwrap();
    let sql = "SELECT unique_key, count(*) FROM jobs WHERE kind = $1 GROUP BY 1";
    client.query(sql, &[&KIND]).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// A goalstream process's job side (workers and periodic enqueuer) through the same `App` as
/// the binary, with the every-second schedule `heartbeat`.
async fn start_instance(
    db: &TestDb,
    instance: usize,
    seen: &Arc<Mutex<Vec<(String, usize)>>>,
) -> goalstream::app::Running {
    let handler = Ticks { instance, seen: seen.clone() };
    let jobs = JobsSettings {
        queues: vec!["default".into()],
        concurrency: 4,
        handlers: Registry::new().register(handler),
        periodic: file(&every_second("heartbeat", "skip", 60)),
        ..JobsSettings::default()
    };
    let mut config = Config::new(db.config.clone(), support::fixtures::catalog());
    config.jobs = Some(jobs);
    App::new(config).start(Listeners::default()).await.expect("starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_second_on_three_instances_for_60_s_runs_exactly_60_times() {
    support::init_logs("warn");
    let db = TestDb::new(1).await;
    // The schedule starts at the next whole second but one: its first tick is S + 1 s.
    let start = (Utc::now() + chrono::Duration::seconds(2)).trunc_subsecs(0);
    let definition = Definition {
        name: "heartbeat",
        cron: "*/1 * * * * *",
        timezone: "UTC",
        kind: KIND,
        queue: "default",
        catch_up: "skip",
    };
    register(&db.pool.get().await.unwrap(), &definition, start).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut instances = Vec::new();
    for instance in 0..3 {
        instances.push(start_instance(&db, instance, &seen).await);
    }
    let window: Vec<String> =
        (1..=60).map(|s| stamp(start + chrono::Duration::seconds(s))).collect();
    let sleep_until = |at: DateTime<Utc>| async move {
        if let Ok(wait) = (at - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
    };
    // A deploy meanwhile: one instance stops at 20 s, another starts at 40 s.
    sleep_until(start + chrono::Duration::milliseconds(20_300)).await;
    instances.remove(1).stop().await.unwrap();
    sleep_until(start + chrono::Duration::milliseconds(40_300)).await;
    instances.push(start_instance(&db, 3, &seen).await);
    sleep_until(start + chrono::Duration::milliseconds(60_500)).await;
    // Let the last ticks' jobs run (they were enqueued within milliseconds of their tick).
    for _ in 0..100 {
        let done = seen.lock().unwrap().iter().filter(|(t, _)| window.contains(t)).count();
        if done >= 60 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for running in instances {
        running.stop().await.unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let mut runs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (tick, instance) in &seen {
        runs.entry(tick.as_str()).or_default().push(*instance);
    }
    let in_window: Vec<&str> =
        runs.keys().copied().filter(|t| window.iter().any(|w| w == t)).collect();
    assert_eq!(in_window.len(), 60, "every tick of the 60 s ran: {runs:?}");
    assert_eq!(in_window, window.iter().map(String::as_str).collect::<Vec<_>>(), "contiguous");
    let twice: Vec<_> = runs.iter().filter(|(_, by)| by.len() != 1).collect();
    assert!(twice.is_empty(), "ticks run more than once: {twice:?}");
    assert!(runs.keys().all(|t| at(t) > start), "no tick at or before the start");
    // In the database: one job per tick, every one of the window completed.
    let keys = keys(&db).await;
    assert!(keys.values().all(|&n| n == 1), "{keys:?}");
    for tick in &window {
        assert!(keys.contains_key(&format!("periodic:heartbeat:{tick}")), "no job for {tick}");
    }
    let by_instance: Vec<usize> =
        (0..4).map(|i| seen.iter().filter(|(_, by)| *by == i).count()).collect();
    println!("runs per instance (workers share the queue): {by_instance:?}");
}

#[tokio::test]
async fn two_instances_at_once_enqueue_each_tick_once_even_after_cleaning() {
    let db = TestDb::new(1).await;
    let text = every_second("race", "skip", 60);
    let (a, b) = (enqueuer(&db, &text).await, enqueuer(&db, &text).await);
    let t0 = at("2031-05-01T12:00:00Z");
    a.run_once(t0).await.unwrap();
    b.run_once(t0).await.unwrap();
    let now = t0 + chrono::Duration::milliseconds(5_200);
    for _ in 0..5 {
        let (ra, rb) = tokio::join!(a.run_once(now), b.run_once(now));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(ra.enqueued.is_empty() || rb.enqueued.is_empty(), "both enqueued");
    }
    let keys = keys(&db).await;
    assert_eq!(keys.len(), 5, "ticks 1..=5: {keys:?}");
    assert!(keys.values().all(|&n| n == 1));
    // The cleaner deletes finished jobs: the tick still is not enqueued again.
    db.pool
        .get()
        .await
        .unwrap()
        .execute("DELETE FROM jobs WHERE kind = $1", &[&KIND])
        .await
        .unwrap();
    let again = enqueuer(&db, &text).await;
    assert!(again.run_once(now).await.unwrap().enqueued.is_empty());
    assert!(a.run_once(now).await.unwrap().enqueued.is_empty());
    assert!(self::keys(&db).await.is_empty());
}

#[tokio::test]
async fn after_a_ten_second_outage_skip_drops_missed_ticks_and_run_once_enqueues_one() {
    let db = TestDb::new(1).await;
    let text =
        format!("{}{}", every_second("skipper", "skip", 2), every_second("catcher", "run_once", 2));
    let instance = enqueuer(&db, &text).await;
    let t0 = at("2031-05-01T12:00:00Z");
    let second = |s: i64| t0 + chrono::Duration::seconds(s);
    assert!(instance.run_once(t0).await.unwrap().enqueued.is_empty(), "registered at t0");
    let round = instance.run_once(second(1)).await.unwrap();
    assert_eq!(round.enqueued.len(), 2, "tick 1 of each");
    assert_eq!(round.next_tick, Some(second(2)));
    // Every instance down for 10 s: the next round is at t0 + 11 s, a new instance's.
    let after = enqueuer(&db, &text).await;
    let round = after.run_once(second(11)).await.unwrap();
    // Ticks 2..=8 are older than the 2 s grace (missed), 9..=11 are on time.
    assert_eq!(round.missed, 14, "7 per schedule");
    let ticks_of = |name: &str| -> Vec<String> {
        let prefix = format!("periodic:{name}:");
        let mut ticks: Vec<String> = round
            .enqueued
            .iter()
            .filter_map(|j| j.unique_key.as_deref()?.strip_prefix(&prefix).map(String::from))
            .collect();
        ticks.sort();
        ticks
    };
    let on_time: Vec<String> = (9..=11).map(|s| stamp(second(s))).collect();
    assert_eq!(ticks_of("skipper"), on_time, "skip: only the on-time ticks");
    let mut caught: Vec<String> = vec![stamp(second(8))];
    caught.extend(on_time.iter().cloned());
    assert_eq!(ticks_of("catcher"), caught, "run_once: one job (tick 8) for ticks 2..=8");
    let keys = keys(&db).await;
    assert_eq!(keys.len(), 2 + 3 + 4);
    let rows = schedules(&db.pool.get().await.unwrap()).await.unwrap();
    let row = |name: &str| rows.iter().find(|r| r.name == name).unwrap().clone();
    assert_eq!((row("skipper").ticks_enqueued, row("skipper").ticks_missed), (4, 7));
    assert_eq!((row("catcher").ticks_enqueued, row("catcher").ticks_missed), (5, 7));
    assert_eq!(row("catcher").last_tick, second(11));
    assert_eq!(row("catcher").catch_up, "run_once");

    // The operator's view of the same rows.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_goalstream"))
        .args(["jobs", "periodic", "--json"])
        .env("DATABASE_URL", db.child_url())
        .env_remove("GOALSTREAM_CONFIG")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let catcher = &listed["schedules"][0];
    assert_eq!(catcher["name"], "catcher");
    assert_eq!(catcher["cron"], "*/1 * * * * *");
    assert_eq!(catcher["ticks_missed"], 7);
    let last = at(catcher["last_tick"].as_str().unwrap());
    let next = at(catcher["next_tick"].as_str().unwrap());
    assert_eq!(last, second(11));
    assert!(next > last && next > Utc::now() - chrono::Duration::seconds(1), "{catcher}");
}

#[tokio::test]
async fn a_bad_schedule_stops_the_start_naming_it() {
    let db = TestDb::new(1).await;
    let cases = [
        ("cron = \"*/1 * * * * * * *\"", "invalid cron pattern"),
        (
            "cron = \"0 0 6 * * *\"\ntimezone = \"Mars/Olympus\"",
            "unknown time zone \"Mars/Olympus\"",
        ),
        ("cron = \"0 0 6 * * *\"\nkind = \"no.such.kind\"", "unknown kind \"no.such.kind\""),
    ];
    for (fields, expected) in cases {
        let mut text = format!("[[periodic]]\nname = \"nightly\"\n{fields}\n");
        if !text.contains("kind =") {
            text.push_str(&format!("kind = \"{KIND}\"\n"));
        }
        let handler = Ticks { instance: 0, seen: Arc::default() };
        let jobs = JobsSettings {
            handlers: Registry::new().register(handler),
            periodic: file(&text),
            ..JobsSettings::default()
        };
        let mut config = Config::new(db.config.clone(), support::fixtures::catalog());
        config.jobs = Some(jobs);
        let error = match App::new(config).start(Listeners::default()).await {
            Ok(_) => panic!("started with {text}"),
            Err(error) => error.to_string(),
        };
        assert!(error.starts_with("periodic job \"nightly\": "), "{error}");
        assert!(error.contains(expected), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goalstream_run_with_the_periodic_flag_enqueues_and_exports_the_metrics() {
    let db = TestDb::new(1).await;
    let path = std::env::temp_dir().join(format!("gs-periodic-run-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "external_kinds = [\"report.second\"]\n[[periodic]]\nname = \"run-flag\"\n\
         cron = \"* * * * * *\"\nkind = \"report.second\"\nqueue = \"reports\"\n",
    )
    .unwrap();
    let file = path.display().to_string();
    let args = ["--brokers", "127.0.0.1:1", "--api-pool-size", "0", "--periodic", &file];
    let running = support::app::start_run(&db, &args).await;
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    let ops = format!("http://{}/metrics", running.ops_addr().unwrap());
    let metrics = reqwest::get(ops).await.unwrap().text().await.unwrap();
    running.stop().await.expect("stops cleanly");
    let _ = std::fs::remove_file(&path);
    let client = db.pool.get().await.unwrap();
    let sql = "SELECT unique_key FROM jobs WHERE kind = 'report.second' AND queue = 'reports'";
    let keys: Vec<String> =
        client.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert!(keys.len() >= 2, "a job per second: {keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("periodic:run-flag:")), "{keys:?}");
    let enqueued = metrics
        .lines()
        .find(|l| {
            l.starts_with("goalstream_periodic_ticks_total")
                && l.contains("outcome=\"enqueued\"")
                && l.contains("schedule=\"run-flag\"")
        })
        .unwrap_or_else(|| panic!("no series: {metrics}"));
    let count: f64 = enqueued.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 2.0, "{enqueued}");
    assert!(
        metrics.contains("goalstream_periodic_last_tick_timestamp_seconds{schedule=\"run-flag\"}")
    );
}
