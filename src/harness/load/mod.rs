//! The load harness behind `goalstream load`: seed 002's tiers (smoke, normal, peak,
//! endurance) driven through the real pipeline, with REST API traffic beside the stream when
//! an API URL is given, and a verdict from the database against what was produced.
//!
//! - [`profile`]: the tiers, bounded in time and events.
//! - [`broker`]: the in-process mock cluster or a real one, a fresh topic per run.
//! - [`driver`]: one tier, start to verdict.
//! - [`sampler`]: produced / consumed / durable, lag and RSS, once per second.
//! - [`api`] and [`http`]: virtual users against the REST API, latency per endpoint.
//! - [`verdict`]: lost and duplicated increments, database vs produced.
//! - [`target`]: each tier's targets (threshold, measured, met) and what `passed` judges.
//! - [`sizing`]: a hint when the progress table outgrew the server's cache.
//! - [`report`], [`plot`], [`output`]: the summary, `--json`, SVG plots, `<out>/load-report.md`.
//!
//! The chaos scenarios (`goalstream chaos`) reuse the broker, verdict and report parts; they
//! live in [`crate::harness::chaos`].

pub mod api;
pub mod broker;
pub mod driver;
pub mod http;
pub mod output;
pub mod plot;
pub mod profile;
pub mod report;
pub mod sampler;
pub mod sizing;
pub mod target;
pub mod verdict;
