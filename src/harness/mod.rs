//! The harness: everything that measures or attacks goalstream rather than being it. Kept
//! apart from the product so that the product's tree reads as its data flow; it builds on the
//! product's public modules and nothing in the product imports it.
//!
//! - [`synthetic`]: telemetry from a catalog (skewed players, known delta sums, malformed
//!   events on request), in the built-in shape or as `match_end` events in mapped JSON,
//!   Protobuf or Avro (`config/synthetic/`); [`producer`]: the one send loop that paces it
//!   into Kafka.
//! - [`load`]: `goalstream load`, seed 002's tiers through the real pipeline, with a verdict.
//! - [`chaos`]: `goalstream chaos`, fault scenarios, each with a verdict.
//! - [`bench`](mod@bench): `goalstream bench …`, alternatives side by side in one run.
//! - [`store`]: the harness's own SQL: the write patterns the benchmark compares against, and
//!   the reads verdicts are based on.

pub mod bench;
pub mod chaos;
pub mod load;
pub mod producer;
pub mod store;
pub mod synthetic;
