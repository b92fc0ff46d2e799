//! One typed event per thing that happens (Vector's `internal_events`): whoever observes it
//! builds the event and calls `emit`, which writes the log line, the Prometheus families and,
//! for the pipeline's events, its [`super::IngestStats`], in one place, so the three never disagree.
//! Label values come from the closed sets of [`super::labels`] or from configuration (topics,
//! queues, registered job kinds: [`super::bounded`]), never from a request.

mod consumer;
mod db;
mod flush;
mod http;
mod jobs;
mod kafka;
mod periodic;
pub use consumer::*;
pub use db::*;
pub use flush::*;
pub use http::RequestServed;
pub use jobs::*;
pub use kafka::{BrokersReachable, KafkaClientError};
pub use periodic::{LastTick, ScheduleDeclared, TicksHandled};

#[cfg(test)]
mod tests;
