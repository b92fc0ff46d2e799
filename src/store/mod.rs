//! The store layer: the only code that speaks SQL. Each statement lives in its own file under
//! `sql/` and is loaded with `include_str!` next to the typed function that runs it.

pub mod admin;
mod binary_copy;
pub mod claims;
mod database;
pub mod dead_letter_admin;
pub mod dead_letters;
mod error;
pub mod functions;
pub mod health;
pub mod job_admin;
pub mod job_console;
pub mod job_enqueue;
pub mod jobs;
pub mod migrate;
pub mod offsets;
pub mod periodic;
mod pipelined_transaction;
pub mod progress;
pub mod progress_query;
pub mod queue_stats;
pub mod rewards;
pub mod seen_events;
pub mod server_report;
pub mod user_progress;
pub mod workers;

pub use binary_copy::BinaryCopyBuf;
pub use database::{connect, drop_schema, ensure_database, open, Scratch};
pub use dead_letters::DeadLetter;
pub use error::StoreError;
pub use offsets::OffsetMove;
pub use progress::{BatchEvents, CompletedGoal, FlushBatch, FlushOutcome, ProgressStore, Skipped};
