//! Wake-ups for the dispatchers. A connection of its own, outside the pool, LISTENs for the
//! queues that got available jobs (enqueue, released dependents, scheduler, rescuer and unclaim
//! notify in the same statement, delivered at commit) and wakes their dispatchers.
//!
//! Reconnects with backoff while Postgres is away. Notifications sent meanwhile are lost, so
//! every (re)connection wakes all dispatchers once; the dispatchers also poll (jittered), so a
//! lost connection only slows pickup down to the polling interval, never loses work.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_postgres::AsyncMessage;
use tokio_util::sync::CancellationToken;

use crate::db::{self, DbConfig};
use crate::retry::Backoff;
use crate::store::{jobs, StoreError};

/// A connection that stayed up this long resets the reconnection backoff.
const STABLE_AFTER: Duration = Duration::from_secs(30);

/// One wake-up signal per queue. A wake-up sent while its dispatcher is busy is kept (one
/// permit), so none is lost between a claim that found nothing and the wait that follows.
#[derive(Debug, Default)]
pub struct Wakeups {
    by_queue: HashMap<String, Arc<Notify>>,
}

impl Wakeups {
    /// Signals for `queues`.
    pub fn new(queues: &[String]) -> Self {
        Wakeups { by_queue: queues.iter().map(|q| (q.clone(), Arc::new(Notify::new()))).collect() }
    }

    /// The signal of `queue` (a fresh, never-woken one for a queue not listened to).
    pub fn of(&self, queue: &str) -> Arc<Notify> {
        self.by_queue.get(queue).cloned().unwrap_or_default()
    }

    /// Wakes the dispatcher of `queue`, if this worker serves it.
    pub fn wake(&self, queue: &str) {
        if let Some(signal) = self.by_queue.get(queue) {
            signal.notify_one();
        }
    }

    /// Wakes every dispatcher.
    pub fn wake_all(&self) {
        self.by_queue.values().for_each(|signal| signal.notify_one());
    }
}

/// The listening connection.
pub struct Listener {
    config: DbConfig,
    wakeups: Arc<Wakeups>,
}

impl Listener {
    /// A listener connecting with `config` (TLS and connect timeout included) and waking
    /// `wakeups`.
    pub fn new(config: DbConfig, wakeups: Arc<Wakeups>) -> Self {
        Listener { config, wakeups }
    }

    /// Listens until `stop`, reconnecting with backoff.
    pub fn start(self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut backoff = Backoff::default();
            loop {
                let connected = Instant::now();
                let error = tokio::select! {
                    error = self.run_once() => error,
                    _ = stop.cancelled() => return,
                };
                if connected.elapsed() > STABLE_AFTER {
                    backoff = Backoff::default();
                }
                let delay = backoff.next_delay();
                tracing::warn!(%error, retry_in = ?delay, "job wake-up connection lost; dispatchers poll meanwhile");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.cancelled() => return,
                }
            }
        })
    }

    /// One connection: connects, listens, wakes every dispatcher, then forwards notifications
    /// until the connection fails; returns why.
    pub async fn run_once(&self) -> StoreError {
        let connected = match self.config.pg_config() {
            Ok(pg_config) => db::connect(&self.config, &pg_config).await,
            Err(error) => Err(error),
        };
        let (client, mut connection) = match connected {
            Ok(pair) => pair,
            Err(error) => return error.into(),
        };
        let listening = async {
            jobs::listen(&client).await?;
            self.wakeups.wake_all();
            std::future::pending::<Result<(), StoreError>>().await
        };
        let forwarding = async {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(note))) => self.wakeups.wake(note.payload()),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return error.into(),
                    None => return StoreError::Invalid("the server closed the connection".into()),
                }
            }
        };
        tokio::select! {
            Err(error) = listening => error,
            error = forwarding => error,
        }
    }
}
