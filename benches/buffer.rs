//! Criterion bench: decode + coalesce, the consumer-side work per event (one core). 10,000
//! synthetic events per iteration, over 2,500 players (about 4 events per player) and over
//! 10,000 players (mostly distinct keys).
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use goalstream::catalog::Catalog;
use goalstream::harness::synthetic::Synthetic;
use goalstream::ingest::buffer::{Buffer, BufferConfig};
use goalstream::ingest::event::DEFAULT_MAX_PAYLOAD_BYTES;
use goalstream::ingest::record::{Body, Record};

const EVENTS: usize = 10_000;

fn bench(c: &mut Criterion) {
    let catalog = Arc::new(Catalog::from_json(include_str!("../config/challenges.json")).unwrap());
    let mut group = c.benchmark_group("decode_and_coalesce");
    group.throughput(Throughput::Elements(EVENTS as u64));
    for users in [2_500usize, 10_000] {
        let mut stream = Synthetic::new(&catalog, users, 0.0, 3);
        let payloads: Vec<Vec<u8>> = (0..EVENTS).map(|_| stream.next_event().payload).collect();
        let topic: Arc<str> = Arc::from("game.telemetry");
        group.bench_with_input(BenchmarkId::from_parameter(users), &payloads, |b, payloads| {
            b.iter(|| {
                let mut buffer = Buffer::new(BufferConfig::default(), catalog.clone());
                let now = Instant::now();
                for (offset, payload) in payloads.iter().enumerate() {
                    let body =
                        Body::decode(&catalog, "t", None, payload, DEFAULT_MAX_PAYLOAD_BYTES);
                    let record = Record {
                        partition: (topic.clone(), 0),
                        offset: offset as i64,
                        epoch: 0,
                        timestamp_ms: Some(0),
                        bytes: payload.len(),
                        body,
                    };
                    buffer.push(record, now);
                }
                buffer.take()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
