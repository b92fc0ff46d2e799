//! # goalstream
//!
//! Turns a firehose of player-stat events into per-player goal progress in Postgres, exactly
//! once, fast, and hands follow-up work to a Postgres job queue.
//!
//! ## Data flow
//!
//! ```text
//!             consumer thread (BaseConsumer)                 flush workers (tokio tasks)
//! Kafka ──poll──▶ decode ──route by partition──▶ buffer: coalesce per (user, goal)
//!   ▲               │ rebalance callbacks:                │ 10k keys / 16 MiB / 200 ms
//!   │               │ assign: seek to stored offsets      ▼
//!   │               │ revoke: workers flush first     one transaction:
//!   │               ▼                                 COPY → temp stage → MERGE
//!   └── commit offsets (after the DB commit) ◀──────  + dead letters + fenced offsets
//! ```
//!
//! ## The map
//!
//! - [`catalog`]: challenges and goals from `config/challenges.json`, validated at start;
//!   goals indexed by stat code.
//! - [`update`]: one coalesced update per `(user_id, goal_id)` and the folding rules that make
//!   the result independent of batch boundaries.
//! - [`ingest`]: the Kafka side. [`ingest::event`] decodes, [`ingest::consumer`] is the
//!   consumer thread (its rebalance callbacks live in `ingest::context`), [`ingest::buffer`]
//!   coalesces, [`ingest::offsets`] tracks positions, [`ingest::flusher`] writes, and
//!   [`ingest::pipeline`] starts and stops them together.
//! - [`store`]: the only module with SQL. [`store::progress`] is the flush engine (binary COPY
//!   into a per-connection temp table, one MERGE, offsets and dead letters in the same
//!   transaction); [`store::offsets`] the fenced consumer offsets; [`store::migrate`] the
//!   schema migrations; [`store::baseline`] the patterns the benchmark compares against.
//! - [`jobs`]: the Postgres job queue: jobs, graphs (DAG), handlers, the worker pool
//!   ([`jobs::worker`], woken by [`jobs::listener`]'s LISTEN connection) and its maintenance
//!   (rescuer, scheduler, cleaner), started together by [`jobs::service`]; a goal completed by
//!   a flush enqueues a `goal.completed` job in the flush transaction, and
//!   [`jobs::reward`] grants its reward once. SQL in [`store::jobs`].
//! - [`api`]: the REST API (axum): players' progress, claims (row-locked, enqueueing the
//!   reward job in the same transaction), assignment, job queue operations, `/openapi.json`;
//!   SQL in [`store::user_progress`], [`store::claims`], [`store::job_admin`].
//! - [`db`]: the connection pool; each new connection gets its staging table and the session
//!   timeouts; [`db::slow`] times the hot statements and logs the slow ones.
//! - [`metrics`]: every Prometheus family, on one registry; [`http`]: `/metrics`, `/healthz`,
//!   `/readyz` on an axum server that the REST API's router joins ([`http::Ops`] starts it
//!   with the job-queue sampler, [`jobs::maintenance::sampler`]).
//! - [`load`]: the load harness (`goalstream load`: seed 002's tiers, latency percentiles,
//!   lag and memory over time, a verdict from the database, plots); [`chaos`]: fault
//!   scenarios (`goalstream chaos`: SIGKILLs, rebalance, Postgres and broker outages,
//!   malformed floods, a killed job worker), each with a verdict.
//! - [`commands`]: `demo`, `run`, `produce`, `replay`, `api`, `load`, `chaos`;
//!   [`bench`](mod@bench): `goalstream bench …`; [`synthetic`]: telemetry from a catalog.
//! - [`cli`], [`config`], [`telemetry`], [`retry`], [`app`]: command line, configuration
//!   file (and `config print`, [`config::print`]), logging, backoff, the small commands
//!   (`migrate`, `catalog`).
//!
//! ## Invariants
//!
//! - A flush is one transaction: progress, dead letters and the partition offsets that
//!   produced them commit together or not at all. Offsets move only from the value the
//!   flusher expects (fencing), so a replayed or duplicated batch changes nothing.
//! - A Kafka offset is committed only after the transaction holding its events committed;
//!   on assignment a partition starts at the offset stored in Postgres.
//! - A batch never holds the same key twice; rows merge by a primary-key probe per key.
//! - The final state after a stream of events does not depend on how the stream was cut
//!   into batches (DESIGN.md, Merge rules), checked against a model in `tests/merge_model.rs`.
//! - A job is claimed by one worker at a time (`FOR UPDATE SKIP LOCKED`), completed only by the
//!   attempt that claimed it, and releases its dependents in the completing transaction.
//! - A goal is claimed at most once per period, only through the API: the claim locks the
//!   row and enqueues the reward job in the same transaction; the flush never touches a claimed
//!   row of the current period.
//! - Nothing is dropped under pressure: when a flush worker falls behind, the consumer stops
//!   reading until it catches up, and pauses its partitions when that takes over a second (it
//!   then keeps polling, so rebalances go on).

pub mod api;
pub mod app;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod harness;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod retry;
pub mod store;
pub mod telemetry;
pub mod types;
pub mod update;
