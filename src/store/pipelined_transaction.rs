//! A transaction whose `BEGIN` travels with its first statements instead of taking a round
//! trip of its own: what the flush uses so that `BEGIN` and the start of its `COPY` share one.
//!
//! tokio-postgres' own [`tokio_postgres::Transaction`] waits for `BEGIN` before it hands out
//! the transaction. Here `BEGIN` is queued on the connection first and the statements after
//! it; the connection sends them in that order and Postgres runs them in that order, so they
//! all run inside the transaction. Dropped before [`PipelinedTransaction::commit`] or
//! [`PipelinedTransaction::rollback`] (an error, a cancelled future), it queues a `ROLLBACK`
//! as tokio-postgres' transaction does, so the pooled connection is never handed on inside a
//! transaction.

use std::future::Future;

use deadpool_postgres::Client;
use futures::FutureExt;

use super::StoreError;

/// One transaction on `client`, begun with its first statements.
#[derive(Debug)]
pub struct PipelinedTransaction<'a> {
    client: &'a Client,
    /// `BEGIN` was queued (or is about to be): dropping now must roll back.
    begun: bool,
    /// `COMMIT` or `ROLLBACK` was queued: nothing left to undo.
    finished: bool,
}

impl<'a> PipelinedTransaction<'a> {
    /// A transaction on `client`; nothing is sent until [`Self::run`].
    pub fn new(client: &'a Client) -> Self {
        PipelinedTransaction { client, begun: false, finished: false }
    }

    /// The connection, for statements inside the transaction. Statements sent on it run in
    /// the transaction only once [`Self::run`] has queued `BEGIN`.
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// Runs `statements` (issued on [`Self::client`]) inside the transaction. The first call
    /// queues `BEGIN` ahead of them in the same write, so they cost no extra round trip; the
    /// result of `BEGIN` is checked before theirs.
    pub async fn run<T>(
        &mut self,
        statements: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        if self.begun {
            return statements.await;
        }
        // Set first: once polled, BEGIN is on its way, and a drop from here on rolls back.
        self.begun = true;
        // join! polls in order: BEGIN is queued before anything `statements` sends.
        let (begin, result) = futures::join!(self.client.batch_execute("BEGIN"), statements);
        begin?;
        result
    }

    /// Commits. Whatever the outcome, the transaction is over (Postgres ends it on `COMMIT`,
    /// rolling back instead when a statement of it failed).
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.finished = true;
        self.client.batch_execute("COMMIT").await?;
        Ok(())
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        self.finished = true;
        self.client.batch_execute("ROLLBACK").await?;
        Ok(())
    }
}

impl Drop for PipelinedTransaction<'_> {
    fn drop(&mut self) {
        if self.begun && !self.finished {
            // Polled once: the ROLLBACK is queued on the connection (sent after everything
            // queued before it) and its reply discarded, as tokio-postgres does for its own
            // dropped transactions.
            let _ = self.client.batch_execute("ROLLBACK").now_or_never();
        }
    }
}
