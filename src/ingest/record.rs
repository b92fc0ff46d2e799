//! What the consumer hands a flush worker: decoded records and partition ownership changes.

use tokio::sync::oneshot;

use super::event::decode;
use super::offsets::Partition;
use crate::catalog::{Catalog, StatRef};

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
    /// A valid event whose stat feeds at least one goal.
    Event {
        /// Player id.
        user_id: String,
        /// The stat, resolved against the catalog.
        stat: StatRef,
        /// Latest absolute value.
        value: Option<i64>,
        /// Increment.
        delta: Option<i64>,
    },
    /// A valid event whose stat no goal reads: counted, its offset consumed.
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
    /// What a payload says: an event with its stat resolved against the catalog, an event no
    /// goal reads, or a malformed message kept whole (with `key`) for the dead letters.
    pub fn decode(catalog: &Catalog, key: Option<&[u8]>, payload: &[u8], max_bytes: usize) -> Body {
        match decode(payload, max_bytes) {
            Ok(event) => match catalog.stat_ref(&event.stat_code) {
                Some(stat) => Body::Event {
                    user_id: event.user_id.into_owned(),
                    stat,
                    value: event.value,
                    delta: event.delta,
                },
                None => Body::UnknownStat,
            },
            Err(error) => Body::Malformed {
                key: key.map(<[u8]>::to_vec),
                payload: payload.to_vec(),
                reason: error.0,
            },
        }
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
