//! # goalstream
//!
//! Turns a firehose of player-stat events into per-player goal progress in Postgres, exactly
//! once, fast, and hands follow-up work to a Postgres job queue.
//!
//! ## Data flow
//!
//! ```text
//! Kafka topic ──decode──▶ events ──coalesce per (user, goal)──▶ buffer
//!      ▲                                                          │ size / bytes / age
//!      │ offsets committed after the transaction                  ▼
//!      └──────────── flush: one transaction ── COPY → temp stage → merge → offsets
//! ```
//!
//! ## The map
//!
//! - [`catalog`]: challenges and goals from `config/challenges.json`, validated at start;
//!   goals indexed by stat code.
//! - [`update`]: one coalesced update per `(user_id, goal_id)` and the folding rules that make
//!   the result independent of batch boundaries.
//! - [`store`]: the only module with SQL. [`store::progress`] is the flush engine (binary COPY
//!   into a per-connection temp table, one merge statement, offsets and dead letters in the
//!   same transaction); [`store::offsets`] the fenced consumer offsets; [`store::migrate`] the
//!   schema migrations.
//! - [`db`]: the connection pool; each new connection gets its staging table.
//! - [`bench`]: `goalstream bench …`, strategies compared side by side in one run.
//! - [`cli`], [`telemetry`]: the command line and logging.
//!
//! ## Invariants
//!
//! - A flush is one transaction: progress, dead letters and the partition offsets that
//!   produced them commit together or not at all. Offsets move only from the value the
//!   flusher expects (fencing), so a replayed batch changes nothing.
//! - A batch never holds the same key twice; rows merge in key order.
//! - The final state after a stream of events does not depend on how the stream was cut
//!   into batches (DESIGN.md, Merge rules).

pub mod app;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod ingest;
pub mod retry;
pub mod store;
pub mod synthetic;
pub mod telemetry;
pub mod update;
