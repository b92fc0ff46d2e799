//! Producing synthetic telemetry to Kafka, for `demo` and `produce`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

use crate::synthetic::Synthetic;

/// Events handed to librdkafka before waiting for their delivery reports.
const WINDOW: usize = 10_000;

/// A producer tuned for throughput (batches of up to 5 ms).
pub fn producer(brokers: &str) -> Result<FutureProducer, KafkaError> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "1000000")
        .set("compression.type", "lz4")
        .set("enable.idempotence", "true")
        .create()
}

/// Sends `events` events from `stream` to `topic`, at most `rate` per second (0: no limit),
/// counting deliveries in `sent`. Returns the stream (it holds the expected delta sums).
pub async fn send_events(
    producer: FutureProducer,
    topic: String,
    mut stream: Synthetic,
    events: u64,
    rate: u64,
    sent: Arc<AtomicU64>,
) -> Result<Synthetic, KafkaError> {
    let started = Instant::now();
    let window = if rate > 0 { (rate as usize / 20).clamp(1, WINDOW) } else { WINDOW };
    let mut produced = 0u64;
    while produced < events {
        let n = window.min((events - produced) as usize);
        let mut deliveries = Vec::with_capacity(n);
        for _ in 0..n {
            let event = stream.next_event();
            loop {
                let record = FutureRecord::to(&topic).key(&event.key).payload(&event.payload);
                match producer.send_result(record) {
                    Ok(delivery) => {
                        deliveries.push(delivery);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err((error, _)) => return Err(error),
                }
            }
        }
        for delivery in futures::future::join_all(deliveries).await {
            match delivery {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => return Err(error),
                Err(_) => return Err(KafkaError::Canceled),
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
    Ok(stream)
}
