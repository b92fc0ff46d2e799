//! The harness's SQL, kept out of the product's store layer: [`baseline`], the write patterns
//! the flush benchmark compares against (seed 004); [`checks`], the reads the load and chaos
//! verdicts are based on; [`scale`], the scale benchmark's population and counters;
//! [`shards`], the shard simulation's record of the groups each transaction wrote.
//! Statements in `sql/harness/`.

pub mod baseline;
pub mod checks;
pub mod console;
pub mod scale;
pub mod shards;
