//! Job handlers, registered by kind.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;

use crate::types::ClaimedJob;

/// How long a handler may run by default before its attempt counts as failed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a handler's run returns: `Err` with a message fails the attempt (it is retried with
/// backoff until `max_attempts`).
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Runs jobs of one kind. Handlers must be idempotent: an attempt can run again after a
/// crash or a rescue.
pub trait Handler: Send + Sync + 'static {
    /// The job kind it runs.
    fn kind(&self) -> &str;
    /// How long one attempt may take.
    fn timeout(&self) -> Duration {
        DEFAULT_TIMEOUT
    }
    /// Runs one attempt.
    fn run<'a>(&'a self, job: &'a ClaimedJob, pool: &'a Pool) -> HandlerFuture<'a>;
}

/// Handlers by kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn Handler>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a handler (replacing one of the same kind); its kind becomes a metric label.
    pub fn register(mut self, handler: impl Handler) -> Self {
        crate::telemetry::bounded::declare_job_kind(handler.kind());
        self.handlers.insert(handler.kind().to_string(), Arc::new(handler));
        self
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self.handlers.keys().cloned().collect();
        kinds.sort();
        kinds
    }

    /// The handler of a kind.
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Handler>> {
        self.handlers.get(kind)
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}
