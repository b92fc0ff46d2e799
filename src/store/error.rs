//! Errors of the store layer, and the one place that decides what is worth retrying.

use tokio_postgres::error::SqlState;

use crate::db::{describe_error as describe, DbError};

/// Primary key of `user_goal_progress` (sql/0001_progress.sql).
const PROGRESS_PRIMARY_KEY: &str = "user_goal_progress_pkey";

/// Something the database refused or could not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another consumer moved a partition's stored offset since this one read it: the
    /// transaction was rolled back and the partition must be re-read from the stored offset.
    #[error(
        "offsets fenced: another consumer moved {moved_by_others} of {expected} partition offsets"
    )]
    Fenced {
        /// Partitions whose offset was not where this flush expected it.
        moved_by_others: usize,
        /// Partitions in the flush.
        expected: usize,
    },
    /// The request itself is wrong (bad job, cycle, unknown parent): not retryable.
    #[error("{0}")]
    Invalid(String),
    /// A statement failed.
    #[error("database error: {}", describe(.0))]
    Db(tokio_postgres::Error),
    /// No connection could be taken from the pool.
    #[error("database pool: {0}")]
    Pool(deadpool_postgres::PoolError),
    /// The database could not be opened (unreachable, refused, bad settings).
    // Transparent: "{0}" with the error also as the source printed it twice under `{:#}`.
    #[error(transparent)]
    Open(#[from] DbError),
    /// A migration could not be applied.
    #[error("migration {version} ({name}) failed: {}", describe(.cause))]
    Migration {
        /// Migration number.
        version: i32,
        /// File name.
        name: &'static str,
        /// Why.
        cause: tokio_postgres::Error,
    },
}

// Not `#[from]`: that would also make the Postgres error the `source`, and reports that print
// the chain would repeat the message `describe` already gave.
impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        StoreError::Db(error)
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        StoreError::Pool(error)
    }
}

impl StoreError {
    /// Whether trying the same work again later can succeed: lost connections, an unavailable
    /// or restarting server, serialization failures, deadlocks, lock and statement timeouts.
    /// Data errors (bad values, constraint violations) are not retryable: the caller has to
    /// find and set aside the rows that cause them.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Fenced { .. } | StoreError::Migration { .. } | StoreError::Invalid(_) => {
                false
            }
            StoreError::Pool(_) => true,
            StoreError::Open(error) => !matches!(error, DbError::Config(_)),
            StoreError::Db(error) => match error.as_db_error() {
                // No server error: the connection broke or the server went away.
                None => true,
                Some(_) if self.is_insert_race() => true,
                Some(db) => is_retryable_state(db.code()),
            },
        }
    }

    /// Whether a concurrent writer (the API's `initialize` or `assign`) created a progress row
    /// that the flush's MERGE was inserting at the same moment: PostgreSQL 15's MERGE has no
    /// `ON CONFLICT`, so it fails on the primary key. Nothing is wrong with the server or the
    /// data; the retry's merge finds the row and updates it.
    pub fn is_insert_race(&self) -> bool {
        let StoreError::Db(error) = self else { return false };
        error.as_db_error().is_some_and(|db| {
            db.constraint() == Some(PROGRESS_PRIMARY_KEY)
                && *db.code() == SqlState::UNIQUE_VIOLATION
        })
    }

    /// Whether another consumer moved a partition's offset (see [`StoreError::Fenced`]).
    pub fn is_fenced(&self) -> bool {
        matches!(self, StoreError::Fenced { .. })
    }

    /// The SQLSTATE of a failed statement, if the server sent one.
    pub fn sql_state(&self) -> Option<&SqlState> {
        match self {
            StoreError::Db(error) => error.code(),
            StoreError::Migration { cause, .. } => cause.code(),
            _ => None,
        }
    }
}

fn is_retryable_state(code: &SqlState) -> bool {
    let class = &code.code()[..2];
    matches!(
        class,
        "08" // connection exception
        | "40" // transaction rollback: serialization failure, deadlock
        | "53" // insufficient resources: too many connections, disk full, out of memory
        | "57" // operator intervention: admin shutdown, crash shutdown, cannot connect now
        | "58" // system error: I/O error
    ) || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::QUERY_CANCELED
}

#[cfg(test)]
mod tests;
