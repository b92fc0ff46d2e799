//! Kafka ingest: decode → buffer (coalesce) → flush, with offsets stored in the flush
//! transaction.
//!
//! - [`event`]: JSON payload → event, or the reason it is malformed.
//! - [`mapper`]: a topic's mapping applied to an event (any format, through
//!   [`mapper::Document`]): player, event id, timestamp, the stats it updates, or the failing
//!   path and why.
//! - [`codec`]: binary formats (Protobuf by descriptor, Confluent framing) read as a
//!   [`mapper::Document`].
//! - [`record`]: what the consumer thread hands the flush workers.
//! - [`offsets`]: per-partition stored offset and position; skips duplicates.
//! - [`buffer`]: pure coalescing buffer with size, byte and age limits.
//! - [`flusher`]: a flush worker per set of partitions; takes records in while its `writer`
//!   writes the previous batch (retries, poison rows, fencing).
//! - [`consumer`]: the `BaseConsumer` thread (decode, route, pause, commit, re-seek) and
//!   `context`: its rebalance callbacks (stored offsets on assign, bounded flush on revoke).
//! - `schema_hold`: partitions the consumer holds at an Avro payload whose schema the
//!   registry has not answered for yet.
//! - [`pipeline`]: consumer + workers started together, stopped in stages;
//!   [`placement`]: which worker owns a partition and which pool it writes through, and
//!   [`shard`]: the shard layout of a distributed Postgres (Citus) that placement can align
//!   flushes with (docs/SCALING.md).
//! - [`dead_letter_replay`]: a dead letter sent through decode → buffer → flush again (the
//!   CLI's `dead-letters replay` and the web UI), at most once.
//! - `tally`: the consumer thread's per-topic counts of a poll round, emitted as events
//!   ([`crate::telemetry::events`]); the pipeline's counters are [`crate::telemetry::IngestStats`].

pub mod buffer;
pub mod codec;
pub mod consumer;
mod context;
pub mod dead_letter_replay;
pub mod event;
pub mod flusher;
pub mod mapper;
pub mod offsets;
pub mod pipeline;
pub mod placement;
pub mod record;
mod repeated_warning;
mod schema_hold;
pub mod security;
pub mod shard;
mod tally;
mod writer;
