//! Criterion bench: decoding telemetry payloads (one core).
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goalstream::ingest::event::{decode, DEFAULT_MAX_PAYLOAD_BYTES};

fn bench(c: &mut Criterion) {
    let increment = br#"{"event_id":"e123456","user_id":"player-004217","stat_code":"kills","delta":3,"ts":"2026-11-23T12:00:00.123Z"}"#;
    let value = br#"{"event_id":"e123457","user_id":"player-004217","stat_code":"ranked_score","value":48120,"delta":120,"ts":"2026-11-23T12:00:00.123Z"}"#;
    let malformed = br#"{"user_id":"player-004217","stat_code":"kills","value":1.5}"#;
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("increment", |b| {
        b.iter(|| decode(increment, DEFAULT_MAX_PAYLOAD_BYTES).unwrap())
    });
    group.bench_function("value", |b| b.iter(|| decode(value, DEFAULT_MAX_PAYLOAD_BYTES).unwrap()));
    group.bench_function("malformed", |b| {
        b.iter(|| decode(malformed, DEFAULT_MAX_PAYLOAD_BYTES).unwrap_err())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
