//! Plain types that several layers share, importing nothing of the crate's layers (River's
//! `rivertype`): the store writes and reads them, the job workers, the pipeline and the API
//! pass them around.
//!
//! - [`job`]: a job to enqueue, a claimed job, a failure, the queue's ordering settings, the
//!   job states; [`graph`]: jobs enqueued together with the edges between them.
//! - [`status`]: a goal's status per player.
//! - [`reward`]: the `goal.completed` job that the pipeline owns: kind, queue, arguments and
//!   unique key in one place.
//! - [`names!`]: closed sets of names as enums, stored and exported as text.
//! - [`when`]: points in time as operators type them (RFC 3339, a UTC date-time, an age).

pub mod graph;
pub mod job;
mod names;
pub mod reward;
pub mod status;
pub mod when;

pub use graph::{Edge, JobGraph, OnParentFailure, Parent};
pub use job::{
    retry_delay, ClaimedJob, Failure, JobState, NewJob, QueueSettings, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_PRIORITY, DEFAULT_QUEUE,
};
pub(crate) use names::names;
pub use names::UnknownName;
pub use status::GoalStatus;
