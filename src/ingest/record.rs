//! What the consumer hands a flush worker: decoded records and partition ownership changes.

use tokio::sync::oneshot;

use super::codec::{avro, protobuf};
use super::event::decode;
use super::mapper::{self, JsonDocument, Mapped, StatValue};
use super::offsets::Partition;
use crate::catalog::mapping::Format;
use crate::catalog::{Catalog, Mapping};

/// One Kafka message, decoded on the consumer thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Where it came from.
    pub partition: Partition,
    /// Its offset.
    pub offset: i64,
    /// The partition's seek epoch when it was read (see [`super::offsets::OffsetTracker`]).
    pub epoch: u64,
    /// Message timestamp (ms since the Unix epoch), for event→durable latency.
    pub timestamp_ms: Option<i64>,
    /// Payload size, for the buffer's byte limit.
    pub bytes: usize,
    /// What it says.
    pub body: Body,
}

/// The content of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A valid event updating at least one stat a goal reads.
    Event {
        /// Player id.
        user_id: String,
        /// The producer's event id, if the event (or its mapping) has one.
        event_id: Option<String>,
        /// The stat updates, resolved against the catalog (one for the built-in shape).
        stats: Vec<StatValue>,
    },
    /// A valid event that updates no stat a goal reads (an unknown stat code, an event type
    /// no mapping takes, no stat condition held): counted, its offset consumed.
    UnknownStat,
    /// A malformed message, to dead-letter whole.
    Malformed {
        /// Raw key.
        key: Option<Vec<u8>>,
        /// Raw payload.
        payload: Vec<u8>,
        /// Why.
        reason: String,
    },
}

impl Body {
    /// What a payload of `topic` says: an event with its stats resolved against the catalog
    /// (through the topic's mapping, or the built-in shape when it has none), an event no goal
    /// reads, or a malformed message kept whole (with `key`) for the dead letters.
    pub fn decode(
        catalog: &Catalog,
        topic: &str,
        key: Option<&[u8]>,
        payload: &[u8],
        max_bytes: usize,
    ) -> Body {
        match decode_event(catalog, topic, payload, max_bytes) {
            Ok(Some(m)) if !m.stats.is_empty() => {
                Body::Event { user_id: m.user_id, event_id: m.event_id, stats: m.stats }
            }
            Ok(_) => Body::UnknownStat,
            Err(reason) => {
                Body::Malformed { key: key.map(<[u8]>::to_vec), payload: payload.to_vec(), reason }
            }
        }
    }
}

/// What a payload of `topic` becomes (`None`: no mapping takes it, or the built-in shape's
/// stat feeds no goal), or why it is malformed: [`Body::decode`] before the body is built,
/// shown whole by `goalstream catalog --try`.
pub fn decode_event(
    catalog: &Catalog,
    topic: &str,
    payload: &[u8],
    max_bytes: usize,
) -> Result<Option<Mapped>, String> {
    match catalog.mappings().with_format(topic) {
        Some((mappings, format)) => decode_mapped(mappings, format, payload, max_bytes),
        None => decode_fixed(catalog, payload, max_bytes),
    }
}

fn decode_fixed(
    catalog: &Catalog,
    payload: &[u8],
    max_bytes: usize,
) -> Result<Option<Mapped>, String> {
    let event = decode(payload, max_bytes).map_err(|error| error.0)?;
    Ok(catalog.stat_ref(&event.stat_code).map(|stat| Mapped {
        user_id: event.user_id.into_owned(),
        event_id: event.event_id.map(|id| id.into_owned()),
        ts: event.ts,
        stats: vec![StatValue { stat, value: event.value, delta: event.delta }],
    }))
}

fn decode_mapped(
    mappings: &[Mapping],
    format: &Format,
    payload: &[u8],
    max_bytes: usize,
) -> Result<Option<Mapped>, String> {
    if payload.len() > max_bytes {
        let len = payload.len();
        return Err(format!("payload of {len} bytes is over the {max_bytes}-byte limit"));
    }
    let mapped = match format {
        Format::Json => {
            let value = serde_json::from_slice(payload)
                .map_err(|error| format!("not a valid JSON event: {error}"))?;
            mapper::apply(mappings, &JsonDocument(value))
        }
        Format::Protobuf(proto) => mapper::apply(mappings, &protobuf::decode(proto, payload)?),
        Format::Avro(format) => {
            let (schema, datum) = avro::schema_for(format, payload, avro::command_wait())?;
            mapper::apply(mappings, &avro::decode(&schema, datum)?)
        }
    };
    mapped.map_err(|error| error.to_string())
}

/// The schema id `payload` of `topic` waits for: its topic reads Avro by a registry that has
/// not answered for that id yet (the fetch is started). The consumer holds the partition at
/// this payload instead of decoding it: nothing after it is decoded or committed until the
/// registry answers.
pub fn pending_schema(catalog: &Catalog, topic: &str, payload: &[u8]) -> Option<u32> {
    match catalog.mappings().with_format(topic) {
        Some((_, Format::Avro(format))) => avro::pending_schema(format, payload),
        _ => None,
    }
}

/// Whether `topic` reads Avro by a registry that has not answered for schema `id` yet.
pub fn schema_pending(catalog: &Catalog, topic: &str, id: u32) -> bool {
    match catalog.mappings().with_format(topic) {
        Some((_, Format::Avro(format))) => avro::id_pending(format, id),
        _ => false,
    }
}

/// A message to a flush worker, in Kafka order per partition.
#[derive(Debug)]
pub enum Input {
    /// Records to buffer.
    Records(Vec<Record>),
    /// Partitions now owned, with their stored offset and seek epoch.
    Assigned(Vec<(Partition, Option<i64>, u64)>),
    /// Partitions being taken away: flush, then reply. `lost`: another consumer may already
    /// own them (the flush is still fenced, so trying is safe).
    Revoke {
        /// The partitions.
        partitions: Vec<Partition>,
        /// Whether the assignment was lost rather than revoked.
        lost: bool,
        /// Answered when the worker is done with them.
        done: oneshot::Sender<()>,
    },
}
