//! Producing synthetic telemetry to Kafka, for `demo`, `produce`, the load tiers and the chaos
//! scenarios: one send loop, paced to a rate, that remembers where every malformed event
//! landed (so a verdict can ask for exactly those dead letters).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

use super::synthetic::format::FormatStream;
use super::synthetic::{Synthetic, SyntheticEvent};

/// Events handed to librdkafka before waiting for their delivery reports.
const WINDOW: usize = 10_000;
/// Windows per second at a fixed rate: the pacing step (a twentieth of a second).
const WINDOWS_PER_SECOND: u64 = 20;

/// A producer tuned for throughput (batches of up to 5 ms), with `options` (security,
/// `--kafka-option`s) applied last.
pub fn producer(brokers: &str, options: &[(String, String)]) -> Result<FutureProducer, KafkaError> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "1000000")
        .set("compression.type", "lz4")
        .set("enable.idempotence", "true");
    for (key, value) in options {
        config.set(key, value);
    }
    config.create()
}

/// A stream of events to produce: [`Synthetic`], a [`FormatStream`], or the scale
/// benchmark's players.
pub trait EventSource {
    /// The next event.
    fn next_event(&mut self) -> SyntheticEvent;
}

impl EventSource for Synthetic {
    fn next_event(&mut self) -> SyntheticEvent {
        Synthetic::next_event(self)
    }
}

impl EventSource for FormatStream {
    fn next_event(&mut self) -> SyntheticEvent {
        FormatStream::next_event(self)
    }
}

/// What was produced.
#[derive(Debug)]
pub struct Produced<S = Synthetic> {
    /// The stream (a [`Synthetic`]'s delta sums are the expected progress).
    pub stream: S,
    /// Events delivered.
    pub events: u64,
    /// `(partition, offset)` of every malformed event.
    pub malformed: BTreeSet<(i32, i64)>,
}

/// Sends `events` events from `stream` to `topic`, at most `rate` per second (0: no limit),
/// counting deliveries in `sent`.
pub async fn send_events<S: EventSource>(
    producer: FutureProducer,
    topic: String,
    mut stream: S,
    events: u64,
    rate: u64,
    sent: Arc<AtomicU64>,
) -> Result<Produced<S>, KafkaError> {
    let started = Instant::now();
    let window = match rate {
        0 => WINDOW,
        rate => ((rate / WINDOWS_PER_SECOND) as usize).clamp(1, WINDOW),
    };
    let mut produced = 0u64;
    let mut malformed = BTreeSet::new();
    while produced < events {
        let n = window.min((events - produced) as usize);
        let mut deliveries = Vec::with_capacity(n);
        for _ in 0..n {
            let event = stream.next_event();
            loop {
                let record = FutureRecord::to(&topic).key(&event.key).payload(&event.payload);
                let record = match event.partition {
                    Some(partition) => record.partition(partition),
                    None => record,
                };
                match producer.send_result(record) {
                    Ok(delivery) => {
                        deliveries.push((event.malformed, delivery));
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err((error, _)) => return Err(error),
                }
            }
        }
        let (bad, deliveries): (Vec<bool>, Vec<_>) = deliveries.into_iter().unzip();
        for (bad, delivery) in bad.into_iter().zip(futures::future::join_all(deliveries).await) {
            let delivery = delivery.map_err(|_| KafkaError::Canceled)?.map_err(|(e, _)| e)?;
            if bad {
                malformed.insert((delivery.partition, delivery.offset));
            }
        }
        produced += n as u64;
        sent.store(produced, Ordering::Relaxed);
        if rate > 0 {
            let due = Duration::from_secs_f64(produced as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
    }
    Ok(Produced { stream, events: produced, malformed })
}
