//! Producing for chaos scenarios: like `commands::producer::send_events`, but remembering
//! where every malformed event landed, so that the verdict can ask for exactly those dead
//! letters.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::synthetic::Synthetic;

/// What was produced.
#[derive(Debug)]
pub struct Produced {
    /// The stream (its delta sums are the expected progress).
    pub stream: Synthetic,
    /// Events delivered.
    pub events: u64,
    /// `(partition, offset)` of every malformed event.
    pub malformed: BTreeSet<(i32, i64)>,
}

/// Sends `events` events at `rate` per second in windows of a tenth of a second, counting
/// deliveries in `sent`.
pub async fn produce(
    producer: FutureProducer,
    topic: String,
    mut stream: Synthetic,
    events: u64,
    rate: u64,
    sent: Arc<AtomicU64>,
) -> Result<Produced, KafkaError> {
    let started = Instant::now();
    let window = (rate / 10).clamp(1, 10_000);
    let mut produced = 0u64;
    let mut malformed = BTreeSet::new();
    while produced < events {
        let n = window.min(events - produced);
        let mut deliveries = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let event = stream.next_event();
            loop {
                let record = FutureRecord::to(&topic).key(&event.key).payload(&event.payload);
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
        produced += n;
        sent.store(produced, Ordering::Relaxed);
        let due = Duration::from_secs_f64(produced as f64 / rate.max(1) as f64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
    Ok(Produced { stream, events: produced, malformed })
}
