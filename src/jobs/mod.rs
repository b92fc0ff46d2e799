//! The job queue at work: the worker pool ([`worker`]) claiming at most its free slots, woken
//! by [`listener`]'s LISTEN connection, running [`handler`]s by kind; the queue's maintenance
//! ([`maintenance`]: rescuer, scheduler, cleaner, periodic enqueuer of the [`schedule`]s);
//! [`service`] starts them together. The
//! built-in handler, [`reward`], grants the rewards of completed goals. The plain types (jobs,
//! states, graphs) are in [`crate::types`], the SQL in [`crate::store::jobs`].

pub mod completer;
pub mod executor;
pub mod handler;
pub mod listener;
pub mod maintenance;
pub mod producer;
pub mod reward;
pub mod schedule;
pub mod service;
pub mod worker;
