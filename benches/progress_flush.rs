//! Criterion bench of the flush engine: one COPY → temp → MERGE transaction of N distinct keys,
//! insert-heavy (new keys each time) and update-heavy (the same keys again), against a scratch
//! schema of the database in `GOALSTREAM_BENCH_DATABASE_URL` (default: local `goalstream`).
//! Skips with a message when no database is reachable.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use goalstream::catalog::Catalog;
use goalstream::store::{FlushBatch, ProgressStore};
use goalstream::update::{Change, ProgressUpdate};

const SCHEMA: &str = "goalstream_criterion";

fn catalog() -> Arc<Catalog> {
    let json = r#"{"challenges":[{"challenge_id":"c","name":"C","goals":[
        {"goal_id":"kills","name":"Kills","stat_code":"kills","mode":"increment","target":1000000000,
         "default_assigned":true,"reward":{"type":"currency","item_id":"gold","quantity":1}}]}]}"#;
    Arc::new(Catalog::from_json(json).unwrap())
}

fn updates(first_user: usize, n: usize) -> Vec<ProgressUpdate> {
    (first_user..first_user + n)
        .map(|u| ProgressUpdate {
            user_id: format!("user-{u:09}").into(),
            goal: 0,
            change: Change::Increment { sum: 1 },
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(scratch) = support::Scratch::new(&runtime, "progress_flush", SCHEMA) else {
        return;
    };
    let pool = &scratch.pool;
    let store = ProgressStore::new(catalog());
    let mut group = c.benchmark_group("progress_flush");
    group.sample_size(20);
    for n in [1_000usize, 10_000] {
        group.throughput(Throughput::Elements(n as u64));
        let next_user = AtomicUsize::new(0);
        group.bench_with_input(BenchmarkId::new("insert", n), &n, |b, &n| {
            b.to_async(&runtime).iter(|| async {
                let batch = updates(next_user.fetch_add(n, Ordering::Relaxed) + 1_000_000_000, n);
                let mut client = pool.get().await.unwrap();
                let flush = FlushBatch {
                    events: Default::default(),
                    now: chrono::Utc::now(),
                    updates: &batch,
                    group_id: "bench",
                    offsets: &[],
                    dead_letters: &[],
                };
                store.flush(&mut client, &flush).await.unwrap()
            })
        });
        let batch = updates(0, n);
        group.bench_with_input(BenchmarkId::new("update", n), &n, |b, _| {
            b.to_async(&runtime).iter(|| async {
                let mut client = pool.get().await.unwrap();
                let flush = FlushBatch {
                    events: Default::default(),
                    now: chrono::Utc::now(),
                    updates: &batch,
                    group_id: "bench",
                    offsets: &[],
                    dead_letters: &[],
                };
                store.flush(&mut client, &flush).await.unwrap()
            })
        });
    }
    group.finish();
    scratch.drop_schema(&runtime);
}

criterion_group!(benches, bench);
criterion_main!(benches);
