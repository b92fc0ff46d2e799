//! Criterion bench of the job queue's hot statements: enqueue one job, enqueue 1,000 in one
//! statement, and a claim of 100 followed by their completion (history and release included),
//! against a scratch schema of the database in `GOALSTREAM_BENCH_DATABASE_URL` (default: local
//! `goalstream`). Skips with a message when no database is reachable.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use goalstream::store::jobs;
use goalstream::types::{NewJob, QueueSettings, DEFAULT_QUEUE};
use serde_json::json;

const SCHEMA: &str = "goalstream_criterion_jobs";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(scratch) = support::Scratch::new(&runtime, "jobs", SCHEMA) else {
        return;
    };
    let pool = &scratch.pool;
    let settings = QueueSettings::default();
    let job = || NewJob::new("noop", json!({}));
    let mut group = c.benchmark_group("jobs");
    group.sample_size(20);
    for n in [1usize, 1_000] {
        let batch: Vec<NewJob> = (0..n).map(|_| job()).collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("enqueue", n), &batch, |b, batch| {
            b.to_async(&runtime).iter(|| async {
                jobs::enqueue(&pool.get().await.unwrap(), &settings, batch).await.unwrap()
            })
        });
    }
    runtime.block_on(async { jobs::truncate(&pool.get().await.unwrap()).await.unwrap() });
    group.throughput(Throughput::Elements(100));
    group.bench_function("claim_100_and_complete", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut client = pool.get().await.unwrap();
            let mut claimed = jobs::claim(&client, DEFAULT_QUEUE, 100, "bench").await.unwrap();
            if claimed.len() < 100 {
                let refill: Vec<NewJob> = (0..10_000).map(|_| job()).collect();
                jobs::enqueue(&client, &settings, &refill).await.unwrap();
                claimed.extend(jobs::claim(&client, DEFAULT_QUEUE, 100, "bench").await.unwrap());
            }
            let done: Vec<(i64, i32)> = claimed.iter().map(|j| (j.id, j.attempt)).collect();
            jobs::complete(&mut client, &settings, &done).await.unwrap()
        })
    });
    group.finish();
    scratch.drop_schema(&runtime);
}

criterion_group!(benches, bench);
criterion_main!(benches);
