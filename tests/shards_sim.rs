//! The shard simulation (`goalstream bench shards`) on a small run: four shard groups as four
//! databases, the real pipeline on the mock cluster. With the shard-aligned partitioner every
//! flush writes one group, every row is in its player's group, every event is applied exactly
//! once across the groups, and uniform players spread within 10 %; the control run with Kafka's
//! default partitioner shows the recording does see flushes that cross groups.

mod support;

use std::sync::Arc;

use goalstream::catalog::Catalog;
use goalstream::harness::bench::scale::players::Skew;
use goalstream::harness::bench::shards::run::{self, RunResult};
use goalstream::ingest::shard::ShardLayout;

async fn simulate(schema: &str, skew: Skew, aligned: bool, events: u64) -> RunResult {
    let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
    let config = run::Config {
        base: support::db_config(),
        database_prefix: "goalstream_test_shard".into(),
        schema: schema.into(),
        layout: ShardLayout::new(4),
        partitions: 8,
        aligned,
        players: 20_000,
        skew,
        events,
        rate: 0,
        brokers: None,
        seed: 7,
        keep: false,
    };
    run::run(catalog, &config).await.unwrap()
}

fn assert_exactly_once(r: &RunResult) {
    assert!(r.drained, "{r:?}");
    assert_eq!(r.durable, r.events, "{r:?}");
    assert!(r.exactly_once, "{r:?}");
    assert_eq!(r.groups.iter().map(|g| g.events).sum::<i64>(), r.events as i64);
    assert!(
        r.groups.iter().all(|g| g.flushes > 0 && g.events > 0 && g.rows > 0 && g.rows_written > 0),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aligned_flushes_write_one_shard_group_and_every_event_lands_once() {
    let schema = format!("test_shards_{}_{}", std::process::id(), rand::random::<u32>());

    let uniform = simulate(&schema, Skew::Uniform, true, 40_000).await;
    assert_exactly_once(&uniform);
    assert_eq!(uniform.groups.len(), 4);
    assert_eq!(uniform.multi_group_flushes, 0, "{uniform:?}");
    assert_eq!(uniform.misplaced_rows, 0, "{uniform:?}");
    assert!(uniform.event_imbalance <= 0.10, "{uniform:?}");
    assert!(uniform.row_imbalance <= 0.10, "{uniform:?}");
    assert!(uniform.write_imbalance <= 0.10, "{uniform:?}");

    let zipf = simulate(&schema, Skew::Zipf, true, 10_000).await;
    assert_exactly_once(&zipf);
    assert_eq!((zipf.multi_group_flushes, zipf.misplaced_rows), (0, 0), "{zipf:?}");

    // Kafka's default partitioner knows nothing of the shard ranges: about three players in
    // four land in another group's partition, and flushes write across groups.
    let control = simulate(&schema, Skew::Uniform, false, 5_000).await;
    assert_exactly_once(&control);
    assert!(control.multi_group_flushes > 0, "{control:?}");
    assert!(control.misplaced_rows > 0, "{control:?}");
}
