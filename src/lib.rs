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
//! Layers import only downward (`scripts/layers.py` checks it): `cli` → `commands` →
//! `harness` → `app` → `ui` → (`api`, `http`) → (`ingest`, `jobs`) → `store` → `db` → `telemetry` →
//! (`types`, `update`) → (`catalog`, `retry`, `config`).
//!
//! - [`app`]: the composition root. [`app::App`], built from one [`app::Config`], owns the
//!   pools, the pipeline, the job workers and the HTTP servers; `start(listeners)` starts them
//!   in order, [`app::Running::stop`] stops them in reverse; [`app::shutdown`] turns signals
//!   into that stop. `run`, `api`, `demo`, the load harness and the tests compose it.
//! - [`catalog`]: challenges and goals from `config/challenges.json`, validated at start;
//!   goals indexed by stat code; [`catalog::mapping`]: how a topic's events map onto stats
//!   (docs/FORMATS.md).
//! - [`update`]: one coalesced update per `(user_id, goal_id)` and the folding rules that make
//!   the result independent of batch boundaries.
//! - [`ingest`]: the Kafka side. [`ingest::event`] decodes the built-in shape,
//!   [`ingest::mapper`] applies a topic's mapping, [`ingest::codec`] reads binary formats
//!   (Protobuf, Confluent framing) for it, [`ingest::consumer`] is the
//!   consumer thread (its rebalance callbacks live in `ingest::context`), [`ingest::buffer`]
//!   coalesces, [`ingest::offsets`] tracks positions, [`ingest::flusher`] writes, and
//!   [`ingest::pipeline`] starts and stops them together; [`ingest::placement`] routes
//!   partitions to workers and pools, by [`ingest::shard`]'s layout on a distributed Postgres.
//! - [`store`]: the only module with SQL. [`store::progress`] is the flush engine (binary COPY
//!   into a per-connection temp table, one MERGE, offsets and dead letters in the same
//!   transaction); [`store::seen_events`] the event ids applied within the de-duplication
//!   window (claimed in the flush transaction); [`store::offsets`] the fenced consumer
//!   offsets; [`store::jobs`] the job queue; [`store::job_console`] and
//!   [`store::dead_letter_admin`] what operators do with jobs and dead letters;
//!   [`store::periodic`] the periodic schedules' last ticks (each tick enqueued once);
//!   [`store::functions`] the SQL interface (`add_job`, `claim_jobs`, ...) for other
//!   languages; [`store::migrate`] the schema migrations; [`store::connect`], [`store::open`]
//!   and [`store::Scratch`] open goalstream's database (and scratch schemas).
//! - [`jobs`]: the job queue at work in River's roles: a [`jobs::producer`] per queue claims at
//!   most the free slots, the [`jobs::executor`] runs [`jobs::handler`]s, the
//!   [`jobs::completer`] writes outcomes in batches, [`jobs::worker`] assembles them, woken by
//!   [`jobs::listener`]; [`jobs::maintenance`] (rescuer, scheduler, cleaner, sampler, and the
//!   periodic enqueuer of the cron [`jobs::schedule`]s);
//!   [`jobs::reward`] grants the rewards of completed goals.
//! - [`types`]: plain types every layer shares: jobs, graphs, job states, goal statuses, and
//!   [`types::reward`], the `goal.completed` job the pipeline owns.
//! - [`api`]: the REST API (axum): players' progress, claims (row-locked, enqueueing the
//!   reward job in the same transaction), assignment, job queue operations, `/openapi.json`.
//! - [`http`]: `/metrics`, `/healthz`, `/readyz` ([`http::Ops`] also runs the job-queue
//!   sampler).
//! - [`ui`]: the operator web UI on the operations listener (`/ui`): queues, jobs, a job and
//!   its DAG, dead letters, players, the live pipeline; server-rendered over the same store
//!   functions as the operator commands, behind the API's `admin` scope.
//! - [`db`]: connection settings, pools that run the store's setup on each new connection,
//!   pool-wait and statement timing.
//! - [`telemetry`]: logging, every Prometheus family ([`telemetry::metrics`]), the typed
//!   [`telemetry::events`] that are the only way to record, closed label sets
//!   ([`telemetry::labels`]), the pipeline's counters ([`telemetry::IngestStats`]).
//! - [`commands`]: `demo`, `run`, `api`, `produce`, `replay`, `migrate`, `catalog`, `load`,
//!   `chaos`, and the operator's `jobs`, `dead-letters`, `player`, `doctor` (Postgres sizing advice); [`cli`] the flags; [`config`] the configuration file and `config print`;
//!   [`retry`] backoff with jitter.
//! - [`harness`]: what measures or attacks goalstream rather than being it: load tiers,
//!   chaos scenarios, benchmarks, synthetic telemetry and its producer.
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
pub mod ui;
pub mod update;
