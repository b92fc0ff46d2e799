//! The worker pool: a dispatcher per queue claims at most the free slots, handlers run as
//! tokio tasks bounded by a semaphore (per-kind timeout, panics recorded as failures), a
//! completer writes outcomes in batches, a heartbeat keeps the worker's registration alive.
//!
//! Idle dispatchers sleep until a notification names their queue (see [`super::listener`]) or
//! the jittered polling interval passes.
//!
//! The worker registers before its first claim, so a job's worker always exists (the seed's
//! registration race cannot happen). Shutdown stops claiming, lets running handlers finish
//! within the deadline and writes their outcomes; handlers still running then are left to the
//! rescuer (the worker stays registered until its heartbeat goes stale).

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use futures::FutureExt;
use rand::Rng;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::handler::{Handler, Registry};
use super::listener::{Listener, Wakeups};
use super::{ClaimedJob, Failure, QueueSettings};
use crate::retry::Backoff;
use crate::store::{jobs, StoreError};

/// How often an idle dispatcher looks for work (jittered ±50 %). Notifications wake it sooner
/// when the worker listens ([`WorkerConfig::listen`]); polling is the fallback for when the
/// listening connection is down.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How often the worker says it is alive; the rescuer waits 3 × this.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// Outcomes written per completion transaction at most.
const MAX_COMPLETION_BATCH: usize = 2_000;

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
    /// Connection settings of the LISTEN connection that wakes idle dispatchers (outside the
    /// pool); `None`: poll only.
    pub listen: Option<tokio_postgres::Config>,
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
    pub fn listening(mut self, config: tokio_postgres::Config) -> Self {
        self.listen = Some(config);
        self
    }
}

/// The result of one attempt, on its way to the completer.
#[derive(Debug)]
struct Outcome {
    id: i64,
    attempt: i32,
    result: Result<(), String>,
}

/// A running worker pool.
pub struct WorkerPool {
    id: String,
    pool: Pool,
    concurrency: usize,
    slots: Arc<Semaphore>,
    stop: CancellationToken,
    dispatchers: Vec<JoinHandle<()>>,
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
        let slots = Arc::new(Semaphore::new(config.concurrency));
        let stop = CancellationToken::new();
        let (outcomes, received) = mpsc::unbounded_channel();
        let registry = Arc::new(registry);
        let wakeups = Arc::new(Wakeups::new(&config.queues));
        let listener =
            config.listen.clone().map(|pg| Listener::new(pg, wakeups.clone()).start(stop.clone()));
        let dispatchers = config
            .queues
            .iter()
            .map(|queue| {
                let dispatcher = Dispatcher {
                    queue: queue.clone(),
                    worker_id: config.id.clone(),
                    poll_interval: config.poll_interval,
                    wakeup: wakeups.of(queue),
                    pool: pool.clone(),
                    registry: registry.clone(),
                    slots: slots.clone(),
                    outcomes: outcomes.clone(),
                    stop: stop.clone(),
                };
                tokio::spawn(dispatcher.run())
            })
            .collect();
        drop(outcomes);
        let completer = tokio::spawn(complete_batches(pool.clone(), config.settings, received));
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
            dispatchers,
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
        self.dispatchers.iter().for_each(JoinHandle::abort);
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }

    /// Stops claiming, waits up to `deadline` for running handlers and their outcomes, then
    /// deregisters. Returns whether everything finished in time.
    pub async fn shutdown(self, deadline: Duration) -> bool {
        self.stop.cancel();
        for dispatcher in self.dispatchers {
            let _ = dispatcher.await;
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

struct Dispatcher {
    queue: String,
    worker_id: String,
    poll_interval: Duration,
    wakeup: Arc<Notify>,
    pool: Pool,
    registry: Arc<Registry>,
    slots: Arc<Semaphore>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    stop: CancellationToken,
}

impl Dispatcher {
    async fn run(self) {
        let mut backoff = Backoff::default();
        while !self.stop.is_cancelled() {
            // Wait for a free slot, then claim at most the free slots.
            match tokio::select! {
                permit = self.slots.acquire() => permit,
                _ = self.stop.cancelled() => return,
            } {
                Ok(permit) => drop(permit),
                Err(_) => return,
            }
            let free = self.slots.available_permits() as i64;
            let claimed = match self.claim(free).await {
                Ok(claimed) => {
                    backoff = Backoff::default();
                    claimed
                }
                Err(error) => {
                    crate::metrics::global().retries.with_label_values(&["job_claim"]).inc();
                    tracing::warn!(%error, queue = %self.queue, "claim failed; retrying");
                    self.pause(backoff.next_delay()).await;
                    continue;
                }
            };
            if claimed.is_empty() {
                let jitter = rand::rng().random_range(0.5..1.5);
                tokio::select! {
                    _ = self.pause(self.poll_interval.mul_f64(jitter)) => {}
                    _ = self.wakeup.notified() => {}
                }
                continue;
            }
            self.start_all(claimed).await;
        }
    }

    async fn claim(&self, limit: i64) -> Result<Vec<ClaimedJob>, StoreError> {
        let client = crate::db::get(&self.pool).await?;
        jobs::claim(&client, &self.queue, limit, &self.worker_id).await
    }

    /// Starts every claimed job; one that finds no free slot (another queue's dispatcher took
    /// it) or arrives after shutdown goes back to the queue without spending an attempt.
    async fn start_all(&self, claimed: Vec<ClaimedJob>) {
        let mut unstarted = Vec::new();
        for job in claimed {
            let permit = match self.slots.clone().try_acquire_owned() {
                Ok(permit) if !self.stop.is_cancelled() => permit,
                _ => {
                    unstarted.push((job.id, job.attempt));
                    continue;
                }
            };
            let handler = self.registry.get(&job.kind).cloned();
            let pool = self.pool.clone();
            let outcomes = self.outcomes.clone();
            // Debug level: at info a span per job costs more than a no-op job itself (the
            // subscriber formats its fields); handlers' own log lines are still emitted.
            let span =
                tracing::debug_span!("job", id = job.id, kind = %job.kind, attempt = job.attempt);
            let started = std::time::Instant::now();
            tokio::spawn(tracing::Instrument::instrument(
                async move {
                    let result = run_attempt(handler, &job, pool).await;
                    crate::metrics::global().job_finished(
                        &job.kind,
                        result.is_ok(),
                        started.elapsed(),
                    );
                    let _ = outcomes.send(Outcome { id: job.id, attempt: job.attempt, result });
                    drop(permit);
                },
                span,
            ));
        }
        if !unstarted.is_empty() {
            if let Ok(client) = self.pool.get().await {
                if let Err(error) = jobs::unclaim(&client, &unstarted).await {
                    tracing::warn!(%error, "returning unstarted jobs failed; the rescuer will");
                }
            }
        }
    }

    async fn pause(&self, delay: Duration) {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = self.stop.cancelled() => {}
        }
    }
}

/// Runs one attempt of `job` with its handler: a missing handler, an error, a timeout and a
/// panic are all failures with a message.
async fn run_attempt(
    handler: Option<Arc<dyn Handler>>,
    job: &ClaimedJob,
    pool: Pool,
) -> Result<(), String> {
    let Some(handler) = handler else {
        return Err(format!("no handler for kind {:?}", job.kind));
    };
    let timeout = handler.timeout();
    // A panic is caught where the handler's future is polled and recorded as a failure (no
    // task of its own: a spawn per job costs more than a no-op handler). The panic hook runs
    // inside that poll, so printing a backtrace cannot turn the panic into a timeout.
    let run = std::panic::AssertUnwindSafe(handler.run(job, &pool)).catch_unwind();
    match tokio::time::timeout(timeout, run).await {
        Ok(Ok(result)) => result,
        Ok(Err(payload)) => Err(format!("handler panicked: {}", panic_message(payload))),
        Err(_) => Err(format!("handler timed out after {timeout:?}")),
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Writes outcomes in batches: whatever has arrived when the previous batch is done (at once
/// when idle, larger batches under load). Retries a batch while the database is away.
async fn complete_batches(
    pool: Pool,
    settings: QueueSettings,
    mut outcomes: mpsc::UnboundedReceiver<Outcome>,
) {
    while let Some(first) = outcomes.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_COMPLETION_BATCH {
            match outcomes.try_recv() {
                Ok(outcome) => batch.push(outcome),
                Err(_) => break,
            }
        }
        let done: Vec<(i64, i32)> =
            batch.iter().filter(|o| o.result.is_ok()).map(|o| (o.id, o.attempt)).collect();
        let failures: Vec<Failure> = batch
            .iter()
            .filter_map(|o| {
                o.result.as_ref().err().map(|error| Failure {
                    id: o.id,
                    attempt: o.attempt,
                    error: error.clone(),
                })
            })
            .collect();
        let mut backoff = Backoff::default();
        loop {
            let result = async {
                let mut client = pool.get().await?;
                if !done.is_empty() {
                    jobs::complete(&mut client, &settings, &done).await?;
                }
                if !failures.is_empty() {
                    jobs::fail(&mut client, &settings, &failures).await?;
                }
                Ok::<_, StoreError>(())
            }
            .await;
            match result {
                Ok(()) => break,
                Err(error) => {
                    crate::metrics::global().retries.with_label_values(&["job_outcome"]).inc();
                    tracing::warn!(%error, outcomes = batch.len(), "writing job outcomes failed; retrying");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
        }
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
