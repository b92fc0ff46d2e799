//! `goalstream bench scale` on a CI-sized run: two player counts populated with COPY, uniform
//! and Zipf players through the real pipeline on the mock cluster, every field of the report
//! measured (not a default), the events in the table, and a second invocation reusing the
//! population.

mod support;

use std::sync::Arc;
use std::time::Duration;

use goalstream::catalog::Catalog;
use goalstream::harness::bench::scale::{self, players, ScaleBenchArgs};

fn args(prefix: &str, players: Vec<u64>, fresh: bool) -> ScaleBenchArgs {
    ScaleBenchArgs {
        players,
        skews: vec![players::Skew::Uniform, players::Skew::Zipf],
        rate: 2_000,
        duration: Duration::from_secs(2),
        partitions: 4,
        workers: 2,
        brokers: None,
        schema_prefix: prefix.to_string(),
        fresh,
        drop: false,
        server_settings_only: false,
        json: true,
    }
}

/// Sum of progress a population writes (see `players::population_payloads`).
fn populated_progress(catalog: &Catalog, players: u64) -> i64 {
    let goals = players::default_goals(catalog);
    (0..players as i64).map(|n| goals.iter().map(|g| (n % 7).min(g.target - 1)).sum::<i64>()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scale_bench_measures_every_field_and_reuses_its_population() {
    let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
    let prefix = format!("test_scale_{}_{}", std::process::id(), rand::random::<u32>());
    let db = support::db_config();
    let day = chrono::Utc::now().date_naive();
    let report =
        scale::run(&db, catalog.clone(), &args(&prefix, vec![2_000, 20_000], true)).await.unwrap();

    let goals = players::default_goals(&catalog).len() as i64;
    assert_eq!(report.populations.len(), 2);
    for p in &report.populations {
        assert_eq!(p.progress_rows, p.players as i64 * goals, "{p:?}");
        assert!(p.populated_s.is_some_and(|s| s > 0.0), "populated now: {p:?}");
        assert_eq!(p.bytes.total(), p.bytes.heap + p.bytes.primary_key + p.bytes.other_indexes);
        // A (player, goal) row with its key costs tens to hundreds of bytes, never nothing.
        assert!((60.0..1_000.0).contains(&p.bytes_per_row), "{p:?}");
        assert!(p.heap_per_row > p.primary_key_per_row && p.primary_key_per_row > 10.0, "{p:?}");
    }
    assert_eq!(report.results.len(), 4, "two counts × uniform and zipf");
    for r in &report.results {
        assert!(r.drained, "{r:?}");
        assert_eq!(r.durable, r.events, "{r:?}");
        assert_eq!(r.events, 4_000, "2,000/s for 2 s");
        assert!(r.durable_per_s > 100.0 && r.durable_per_s <= 2_100.0, "{r:?}");
        assert!(r.p50_ms > 0 && r.p50_ms <= r.p99_ms, "{r:?}");
        assert!(r.buffer_hit_ratio > 0.0 && r.buffer_hit_ratio <= 1.0, "{r:?}");
        // Every event updates at least one row: WAL and server CPU are spent.
        assert!(r.wal_bytes_per_event > 10.0, "{r:?}");
        assert!(r.server_cpu_us_per_event > 1.0, "{r:?}");
    }
    assert!(report.uniform_ratio_largest_vs_smallest.is_some_and(|r| r > 0.0));

    // The events are in the table: each adds 1 to one or two default increment goals
    // (kills and login feed two each).
    for p in &report.populations {
        let config = db.clone().with_search_path(&p.schema);
        let client = goalstream::store::connect(&config).await.unwrap().get().await.unwrap();
        let sum: i64 = client
            .query_one("SELECT sum(progress)::bigint FROM user_goal_progress", &[])
            .await
            .unwrap()
            .get(0);
        let added = sum - populated_progress(&catalog, p.players);
        let events: u64 =
            report.results.iter().filter(|r| r.players == p.players).map(|r| r.durable).sum();
        // A run across a UTC midnight resets the daily goals it touches: no sum to expect.
        if chrono::Utc::now().date_naive() == day {
            assert!(added >= events as i64 && added <= 2 * events as i64, "{added} for {events}");
        }
    }

    let doctor: Vec<&str> = scale::SESSION_SETTINGS.iter().map(|(name, _)| *name).collect();
    let applied = |r: &scale::ScaleReport| -> Vec<String> {
        r.session_settings.iter().map(|(name, _)| name.clone()).collect()
    };
    assert!(doctor.iter().all(|d| applied(&report).iter().any(|a| a == d)), "{report:?}");

    // Again without --fresh: the population is reused, not written again; with
    // --server-settings-only no doctor setting reaches the sessions.
    let mut reuse = args(&prefix, vec![2_000], false);
    reuse.server_settings_only = true;
    let again = scale::run(&db, catalog, &reuse).await.unwrap();
    assert!(doctor.iter().all(|d| !applied(&again).iter().any(|a| a == d)), "{again:?}");
    assert_eq!(again.populations[0].populated_s, None);
    assert_eq!(again.populations[0].progress_rows, 2_000 * goals);
    for p in &report.populations {
        goalstream::store::drop_schema(&db, &p.schema).await.unwrap();
    }
}
