//! Partitions held at a payload whose Avro schema the registry has not answered for yet
//! (docs/FORMATS.md, Avro topics). The consumer thread never waits on the registry: it pauses
//! the partition, drops what it still receives of it, and once the registry answered (the
//! schema, or a refusal that dead-letters the event) seeks back to the held offset and
//! resumes. Nothing after the held payload is decoded, so nothing past it is committed.
//!
//! A hold belongs to the partition's seek epoch: after a rebalance or a worker's re-seek the
//! partition restarts from a stored offset, and a payload that still waits is held again.

use std::collections::HashMap;

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::TopicPartitionList;

use super::offsets::Partition;
use super::record::{pending_schema, schema_pending};
use crate::catalog::Catalog;

/// One held partition.
#[derive(Debug)]
struct Hold {
    offset: i64,
    epoch: u64,
    topic: String,
    schema_id: u32,
    /// The seek back to `offset` was asked for.
    released: bool,
}

/// The held partitions of the consumer thread.
#[derive(Debug, Default)]
pub(super) struct SchemaHolds {
    held: HashMap<Partition, Hold>,
}

impl SchemaHolds {
    /// Whether the message at `offset` of `partition` (read at seek `epoch`) is decoded now:
    /// not when its partition is held, nor when its schema is pending (its partition is then
    /// held at it and paused).
    pub fn admit<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
        catalog: &Catalog,
        partition: &Partition,
        epoch: u64,
        offset: i64,
        payload: &[u8],
    ) -> bool {
        if let Some(hold) = self.held.get(partition) {
            let waiting = schema_pending(catalog, &hold.topic, hold.schema_id);
            if hold.epoch == epoch && (offset != hold.offset || waiting) {
                return false;
            }
            self.held.remove(partition);
        }
        let Some(schema_id) = pending_schema(catalog, &partition.0, payload) else { return true };
        let topic = partition.0.to_string();
        let hold = Hold { offset, epoch, topic, schema_id, released: false };
        self.held.insert(partition.clone(), hold);
        pause(consumer, partition, true);
        false
    }

    /// Resumes the held partitions whose registry answered since (each once): `seeks` gets
    /// the seek back to the held offset, with the hold's epoch.
    pub fn release<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
        catalog: &Catalog,
        seeks: &mut Vec<(Partition, Option<i64>, u64)>,
    ) {
        for (partition, hold) in &mut self.held {
            if !hold.released && !schema_pending(catalog, &hold.topic, hold.schema_id) {
                hold.released = true;
                pause(consumer, partition, false);
                seeks.push((partition.clone(), Some(hold.offset), hold.epoch));
            }
        }
    }
}

fn pause<C: ConsumerContext>(consumer: &BaseConsumer<C>, partition: &Partition, pause: bool) {
    let mut tpl = TopicPartitionList::new();
    let _ = tpl.add_partition(&partition.0, partition.1);
    let result = if pause { consumer.pause(&tpl) } else { consumer.resume(&tpl) };
    if let Err(error) = result {
        let (topic, partition) = (&partition.0, partition.1);
        tracing::debug!(%error, %topic, partition, pause, "pause/resume of a held partition");
    }
}
