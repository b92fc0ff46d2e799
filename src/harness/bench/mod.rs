//! CLI benchmarks (`goalstream bench …`): alternatives measured side by side in one run, a
//! table on stdout and, with `--json`, one JSON object on the last line.

pub mod api;
pub mod console;
pub mod flush;
pub mod formats;
pub mod gate;
pub mod jobs;
pub mod scale;
pub mod shards;
mod stats;

pub use stats::percentile_ms;
