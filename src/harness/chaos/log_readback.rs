//! What a real broker's log holds after a crash: every partition read from its start until
//! nothing more arrives, the increment deltas summed per (player, stat) the way the synthetic
//! stream sums what it sent. A broker that is not crash-safe (tansu on S3, killed with SIGKILL,
//! loses or writes twice a batch it was sending when it died) makes the log differ from what
//! the producer was told; goalstream's promise is about the log: every message in it applied
//! exactly once. The differences are reported as the broker's, beside the verdict.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use crate::harness::load::verdict::DeltaSums;
use crate::ingest::event::{decode, DEFAULT_MAX_PAYLOAD_BYTES};

/// The log of a topic, read back.
#[derive(Debug, Default)]
pub struct LogContent {
    /// Delta sums per (player, stat) of the well-formed events in the log.
    pub sums: DeltaSums,
    /// Messages in the log.
    pub messages: u64,
    /// Sum over partitions of the offset after the last message (the log's end).
    pub end_offsets: i64,
    /// Messages whose event id appeared earlier in the log (written twice by the broker).
    pub repeated_events: u64,
    /// Event ids of the log (`e<n>`: the n-th event produced).
    pub event_ids: HashSet<String>,
}

/// Reads `partitions` partitions of `topic` at `bootstrap` from the start until none has
/// delivered anything for `quiet` since the first message (at most `timeout` in all; an empty
/// log is an error).
pub async fn read(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    quiet: Duration,
    timeout: Duration,
) -> anyhow::Result<LogContent> {
    let (bootstrap, topic) = (bootstrap.to_string(), topic.to_string());
    tokio::task::spawn_blocking(move || {
        read_blocking(&bootstrap, &topic, partitions, quiet, timeout)
    })
    .await
    .context("the log reader panicked")?
}

fn read_blocking(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    quiet: Duration,
    timeout: Duration,
) -> anyhow::Result<LogContent> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("goalstream-readback-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .context("creating the log reader")?;
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment.add_partition_offset(topic, partition, Offset::Beginning)?;
    }
    consumer.assign(&assignment).context("assigning the partitions to the log reader")?;
    let mut content = LogContent::default();
    let mut ends: HashMap<i32, i64> = HashMap::new();
    let started = Instant::now();
    let mut last_message = Instant::now();
    // The quiet period counts from the first message: a broker just restarted may take longer
    // than `quiet` to deliver anything, and an empty read would pass for an empty log.
    while content.messages == 0 || last_message.elapsed() < quiet {
        anyhow::ensure!(
            started.elapsed() < timeout,
            "reading the log back took longer than {timeout:?} ({} messages read)",
            content.messages
        );
        let Some(message) = consumer.poll(Duration::from_millis(100)) else { continue };
        let message = message.context("reading the log back")?;
        last_message = Instant::now();
        content.messages += 1;
        ends.insert(message.partition(), message.offset() + 1);
        let Ok(event) = decode(message.payload().unwrap_or_default(), DEFAULT_MAX_PAYLOAD_BYTES)
        else {
            continue;
        };
        if let Some(id) = &event.event_id {
            if !content.event_ids.insert(id.to_string()) {
                content.repeated_events += 1;
            }
        }
        if let Some(delta) = event.delta {
            let key = (event.user_id.into_owned(), event.stat_code.into_owned());
            *content.sums.entry(key).or_insert(0) += delta;
        }
    }
    content.end_offsets = ends.values().sum();
    Ok(content)
}
