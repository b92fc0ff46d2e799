//! Every label value a metric takes from a closed set, as an enum ([`names!`]): code can only
//! emit a declared value, and [`super::metrics::Metrics`] creates every series of these sets at
//! 0 when it starts, so a family is visible before its first event (alerts on `rate()` need the
//! series to exist). A test checks that each value is in the exposition from the start.

use crate::types::names;

names! {
    /// A statement timed on the hot paths (label `statement`).
    pub enum Statement ("statement") {
        /// The flush's binary COPY into the staging table.
        ProgressCopy => "progress.copy",
        /// The flush's event-id claim (de-duplication on), before its COPY.
        ProgressDedup => "progress.dedup",
        /// The flush's offsets, dead letters and MERGE, sent together.
        ProgressMerge => "progress.merge",
        /// Why a flush's staged rows were skipped.
        ProgressSkipReasons => "progress.skip_reasons",
        /// The flush's COMMIT.
        ProgressCommit => "progress.commit",
        /// A job enqueue.
        JobsEnqueue => "jobs.enqueue",
        /// A job claim.
        JobsClaim => "jobs.claim",
        /// A batch of completions.
        JobsComplete => "jobs.complete",
        /// A batch of failures.
        JobsFail => "jobs.fail",
        /// The queue depth sample.
        JobsDepth => "jobs.depth",
        /// The oldest available job sample.
        JobsOldestAvailable => "jobs.oldest_available",
    }
}

names! {
    /// How a flush attempt ended (label `outcome`).
    pub enum FlushResult ("flush outcome") {
        /// Committed.
        Committed => "committed",
        /// Failed and retried.
        Failed => "failed",
        /// Another instance moved an offset: nothing written, partitions re-read.
        Fenced => "fenced",
        /// Given up at a revoke or shutdown deadline.
        Abandoned => "abandoned",
    }
}

names! {
    /// Why a staged row was left alone (label `reason`).
    pub enum SkipReason ("skip reason") {
        /// No row and the goal is not default-assigned.
        Unassigned => "unassigned",
        /// The goal is unassigned for this player.
        Inactive => "inactive",
        /// Already claimed in this period.
        Claimed => "claimed",
    }
}

names! {
    /// A rebalance callback (label `kind`).
    pub enum RebalanceKind ("rebalance kind") {
        /// Partitions assigned.
        Assign => "assign",
        /// Partitions revoked.
        Revoke => "revoke",
        /// A rebalance error.
        Error => "error",
    }
}

names! {
    /// An operation that retries (label `operation`).
    pub enum RetryOperation ("retried operation") {
        /// A flush.
        Flush => "flush",
        /// A job claim.
        JobClaim => "job_claim",
        /// Writing job outcomes.
        JobOutcome => "job_outcome",
        /// Reading stored offsets at assignment.
        StoredOffsets => "stored_offsets",
    }
}

names! {
    /// The level a slow statement is logged at (label `level`).
    pub enum SlowLevel ("slow-statement level") {
        /// Over the debug threshold.
        Debug => "debug",
        /// Over the warn threshold.
        Warn => "warn",
        /// Over the error threshold.
        Error => "error",
    }
}

names! {
    /// What a Kafka client error was about (label `kind`), from librdkafka's error code.
    pub enum KafkaErrorKind ("kafka error kind") {
        /// No broker connection is up.
        AllBrokersDown => "all_brokers_down",
        /// A broker connection failed or closed.
        Transport => "transport",
        /// A broker's host name did not resolve.
        Resolve => "resolve",
        /// SASL authentication was refused.
        Authentication => "authentication",
        /// TLS failed (certificate, handshake).
        Tls => "tls",
        /// Anything else.
        Other => "other",
    }
}

names! {
    /// What became of a periodic schedule's tick (label `outcome`).
    pub enum TickOutcome ("tick outcome") {
        /// Seen on time: a job of its own.
        Enqueued => "enqueued",
        /// Missed (no instance ran then), covered by the one catch-up job (`run_once`).
        CaughtUp => "caught_up",
        /// Missed, without a job (`skip`).
        Skipped => "skipped",
    }
}
