//! The worker pool, in River's roles: a [`Producer`] per queue claims at most the free slots,
//! the [`Executor`] runs handlers as tokio tasks bounded by a semaphore (per-kind timeout,
//! panics recorded as failures), the [`Completer`] writes outcomes in batches, and a heartbeat
//! keeps the worker's registration alive.
//!
//! The worker registers before its first claim, so a job's worker always exists (the seed's
//! registration race cannot happen). Shutdown stops claiming, lets running handlers finish
//! within the deadline and writes their outcomes; handlers still running then are left to the
//! rescuer (the worker stays registered until its heartbeat goes stale).

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::completer::Completer;
use super::executor::Executor;
use super::handler::Registry;
use super::listener::{Listener, Wakeups};
use super::producer::Producer;
use crate::store::{jobs, StoreError};
use crate::types::QueueSettings;

/// How often an idle producer looks for work (jittered ±50 %). Notifications wake it sooner
/// when the worker listens ([`WorkerConfig::listen`]); polling is the fallback for when the
/// listening connection is down.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often the worker says it is alive; the rescuer waits 3 × this.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// A worker's settings.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Unique worker id.
    pub id: String,
    /// Queues to claim from.
    pub queues: Vec<String>,
    /// Handlers running at once.
    pub concurrency: usize,
    /// Idle polling interval.
    pub poll_interval: Duration,
    /// Heartbeat interval.
    pub heartbeat_interval: Duration,
    /// Queue ordering (aging) for released dependents.
    pub settings: QueueSettings,
    /// Connection settings of the LISTEN connection that wakes idle producers (outside the
    /// pool); `None`: poll only.
    pub listen: Option<crate::db::DbConfig>,
}

impl WorkerConfig {
    /// Defaults for a worker of `queues` running `concurrency` jobs at once.
    pub fn new(queues: Vec<String>, concurrency: usize) -> Self {
        WorkerConfig {
            id: format!("worker-{}-{:08x}", std::process::id(), rand::random::<u32>()),
            queues,
            concurrency: concurrency.max(1),
            poll_interval: DEFAULT_POLL_INTERVAL,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            settings: QueueSettings::default(),
            listen: None,
        }
    }

    /// The same settings, woken by notifications on a connection opened with `config`.
    pub fn listening(mut self, config: crate::db::DbConfig) -> Self {
        self.listen = Some(config);
        self
    }
}

/// A running worker pool.
pub struct WorkerPool {
    id: String,
    pool: Pool,
    concurrency: usize,
    slots: Arc<Semaphore>,
    stop: CancellationToken,
    producers: Vec<JoinHandle<()>>,
    completer: JoinHandle<()>,
    heartbeat: JoinHandle<()>,
    listener: Option<JoinHandle<()>>,
}

impl WorkerPool {
    /// Registers the worker, then starts claiming.
    pub async fn start(
        config: WorkerConfig,
        pool: Pool,
        registry: Registry,
    ) -> Result<WorkerPool, StoreError> {
        jobs::register_worker(&pool.get().await?, &config.id, &config.queues).await?;
        for queue in &config.queues {
            crate::telemetry::bounded::declare_queue(queue);
        }
        let slots = Arc::new(Semaphore::new(config.concurrency));
        let stop = CancellationToken::new();
        let (outcomes, received) = mpsc::unbounded_channel();
        let registry = Arc::new(registry);
        let wakeups = Arc::new(Wakeups::new(&config.queues));
        let listener =
            config.listen.clone().map(|pg| Listener::new(pg, wakeups.clone()).start(stop.clone()));
        let executor = Executor::new(pool.clone(), outcomes);
        let producers = config
            .queues
            .iter()
            .map(|queue| {
                let producer = Producer {
                    queue: queue.clone(),
                    worker_id: config.id.clone(),
                    poll_interval: config.poll_interval,
                    wakeup: wakeups.of(queue),
                    pool: pool.clone(),
                    registry: registry.clone(),
                    slots: slots.clone(),
                    executor: executor.clone(),
                    stop: stop.clone(),
                };
                tokio::spawn(producer.run())
            })
            .collect();
        drop(executor);
        let completer = tokio::spawn(Completer::new(pool.clone(), config.settings, received).run());
        let heartbeat = tokio::spawn(heartbeat(
            pool.clone(),
            config.id.clone(),
            config.queues.clone(),
            config.heartbeat_interval,
            stop.clone(),
        ));
        Ok(WorkerPool {
            id: config.id,
            pool,
            concurrency: config.concurrency,
            slots,
            stop,
            producers,
            completer,
            heartbeat,
            listener,
        })
    }

    /// The worker's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stops every task at once and writes nothing, as if the process had died: the worker
    /// stays registered with a heartbeat that goes stale, its running jobs stay `running`
    /// until a rescuer puts them back, and its handlers' outcomes are dropped. For tests and
    /// the dead-worker benchmark.
    pub fn crash(self) {
        self.stop.cancel();
        self.completer.abort();
        self.heartbeat.abort();
        self.producers.iter().for_each(JoinHandle::abort);
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }

    /// Stops claiming, waits up to `deadline` for running handlers and their outcomes, then
    /// deregisters. Returns whether everything finished in time.
    pub async fn shutdown(self, deadline: Duration) -> bool {
        self.stop.cancel();
        for producer in self.producers {
            let _ = producer.await;
        }
        let finished = tokio::time::timeout(deadline, async {
            let _ = self.slots.acquire_many(self.concurrency as u32).await;
            let _ = self.completer.await;
        })
        .await
        .is_ok();
        let _ = self.heartbeat.await;
        if let Some(listener) = self.listener {
            let _ = listener.await;
        }
        if finished {
            if let Ok(client) = self.pool.get().await {
                let _ = jobs::deregister_worker(&client, &self.id).await;
            }
        }
        finished
    }
}

async fn heartbeat(
    pool: Pool,
    worker_id: String,
    queues: Vec<String>,
    every: Duration,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let beat = async {
                    let client = pool.get().await?;
                    jobs::heartbeat(&client, &worker_id, &queues).await
                };
                match beat.await {
                    Ok(true) => tracing::warn!(
                        worker = %worker_id,
                        "this worker was taken for dead (no heartbeat for 3 intervals) and its \
                         running jobs were rescued: they run again, and their completions here \
                         are refused; registered again"
                    ),
                    Ok(false) => {}
                    Err(error) => tracing::warn!(%error, "heartbeat failed"),
                }
            }
            _ = stop.cancelled() => return,
        }
    }
}
