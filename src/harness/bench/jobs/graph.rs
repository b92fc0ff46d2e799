//! Graphs: fan-out 50 (the parent's completion makes 50 children claimable in its own
//! transaction; with and without priority inheritance raising them, for its overhead), and
//! end to end through a listening worker pool: fan-out 50 cascade, fan-in 50, chain of 10.

use std::time::{Duration, Instant};

use super::{noop, result, Bench, JobsResult, PHASE_TIMEOUT};
use crate::harness::bench::percentile_ms;
use crate::store::jobs;
use crate::types::{JobGraph, JobState, Parent, DEFAULT_QUEUE};

/// Samples per graph scenario.
const SAMPLES: usize = 20;

pub(super) async fn run(bench: &Bench) -> anyhow::Result<Vec<JobsResult>> {
    let inherited = fan_out_release(bench, 1).await?;
    let plain = fan_out_release(bench, 5).await?;
    let (inherited, plain) = (percentile_ms(&inherited, 50.0), percentile_ms(&plain, 50.0));
    let mut results = vec![
        result("fan_out_50_release_p50", inherited, "ms", Some(5.0)),
        result("fan_out_50_release_no_inheritance_p50", plain, "ms", None),
        result("priority_inheritance_overhead_p50", inherited - plain, "ms", None),
    ];

    let (workers, _starts) = bench.noop_workers(bench.worker(bench.args.concurrency)).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cascade = through_workers(bench, || {
        let mut graph = JobGraph::default();
        let parent = graph.job(noop());
        for _ in 0..50 {
            let child = graph.job(noop());
            graph.depends(child, Parent::Node(parent));
        }
        graph
    })
    .await?;
    results.push(result("fan_out_50_cascade_p50", percentile_ms(&cascade, 50.0), "ms", None));
    results.push(result("fan_out_50_cascade_p99", percentile_ms(&cascade, 99.0), "ms", Some(50.0)));
    let fan_in = through_workers(bench, || {
        let mut graph = JobGraph::default();
        let parents: Vec<usize> = (0..50).map(|_| graph.job(noop())).collect();
        let child = graph.job(noop());
        for parent in parents {
            graph.depends(child, Parent::Node(parent));
        }
        graph
    })
    .await?;
    results.push(result("fan_in_50_p50", percentile_ms(&fan_in, 50.0), "ms", None));
    let chain = through_workers(bench, || {
        let mut graph = JobGraph::default();
        let mut previous = graph.job(noop());
        for _ in 1..10 {
            let next = graph.job(noop());
            graph.depends(next, Parent::Node(previous));
            previous = next;
        }
        graph
    })
    .await?;
    results.push(result("chain_10_p50", percentile_ms(&chain, 50.0), "ms", Some(100.0)));
    workers.shutdown(Duration::from_secs(5)).await;
    Ok(results)
}

/// Times the completion of a parent of `parent_priority` that releases 50 priority-5 children.
async fn fan_out_release(bench: &Bench, parent_priority: i16) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for _ in 0..SAMPLES {
        bench.empty().await?;
        let mut client = bench.pool.get().await?;
        let mut graph = JobGraph::default();
        let parent = graph.job(noop().with_priority(parent_priority));
        for _ in 0..50 {
            let child = graph.job(noop().with_priority(5));
            graph.depends(child, Parent::Node(parent));
        }
        jobs::enqueue_graph(&mut client, &bench.settings, &graph).await?;
        let claimed = jobs::claim(&client, DEFAULT_QUEUE, 1, "bench").await?;
        let t = Instant::now();
        let done =
            jobs::complete(&mut client, &bench.settings, &[(claimed[0].id, claimed[0].attempt)])
                .await?;
        times.push(t.elapsed());
        anyhow::ensure!(done.released.len() == 50, "fan-out released {}", done.released.len());
    }
    Ok(times)
}

/// Enqueues the graph made by `make` [`SAMPLES`] times, each on an empty queue worked by the
/// running pool, and times enqueue → every job durably completed.
async fn through_workers(
    bench: &Bench,
    make: impl Fn() -> JobGraph,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for _ in 0..SAMPLES {
        let mut client = bench.pool.get().await?;
        let graph = make();
        let t = Instant::now();
        jobs::enqueue_graph(&mut client, &bench.settings, &graph).await?;
        while jobs::count_open(&client).await? > 0
            || jobs::count_in_state(&client, JobState::Pending).await? > 0
        {
            anyhow::ensure!(
                t.elapsed() < PHASE_TIMEOUT,
                "a graph did not finish within {PHASE_TIMEOUT:?}"
            );
        }
        times.push(t.elapsed());
    }
    Ok(times)
}
