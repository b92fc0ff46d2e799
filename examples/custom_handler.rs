//! A user-defined job handler next to the built-in ones.
//!
//! Run: `cargo run --example custom_handler` (local Postgres; works in the scratch schema
//! `goalstream_example`, recreated each run). It enqueues a small graph (a "welcome" job whose
//! two children run after it), runs a worker with the built-in handlers plus `greet`, and
//! prints what ran.

use std::time::Duration;

use deadpool_postgres::Pool;
use goalstream::db::{DbConfig, DEFAULT_DATABASE_URL};
use goalstream::jobs::handler::{Handler, HandlerFuture};
use goalstream::jobs::service::{builtin_handlers, JobService};
use goalstream::jobs::worker::WorkerConfig;
use goalstream::store::{jobs, Scratch};
use goalstream::types::{ClaimedJob, JobGraph, JobState, NewJob, Parent, QueueSettings};
use serde_json::json;

const SCHEMA: &str = "goalstream_example";

/// Greets a player. A real handler would call a notification service; it must be idempotent,
/// because an attempt can run again after a crash or a rescue.
struct Greet;

impl Handler for Greet {
    fn kind(&self) -> &str {
        "greet"
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async move {
            let player = job.args["player"].as_str().ok_or("args.player is missing")?;
            let text = job.args["text"].as_str().unwrap_or("hello");
            println!("job {} (attempt {}): {text}, {player}", job.id, job.attempt);
            Ok(())
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.into());
    let scratch = Scratch::create(&DbConfig::new(&url, 4), SCHEMA).await?;
    let (config, pool) = (scratch.config.clone(), scratch.pool.clone());

    let greet = |text: &str| NewJob::new("greet", json!({ "player": "player-1", "text": text }));
    let mut graph = JobGraph::default();
    let welcome = graph.job(greet("welcome"));
    for text in ["here is your starter chest", "your first weekly challenge is ready"] {
        let child = graph.job(greet(text));
        graph.depends(child, Parent::Node(welcome));
    }
    jobs::enqueue_graph(&mut pool.get().await?, &QueueSettings::default(), &graph).await?;

    let worker = WorkerConfig::new(vec!["default".into()], 4).listening(config.clone());
    let registry = builtin_handlers().register(Greet);
    let service = JobService::start(worker, pool.clone(), registry).await?;
    let client = pool.get().await?;
    while jobs::count_in_state(&client, JobState::Completed).await? < 3 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    service.shutdown(Duration::from_secs(5)).await;
    println!("3 jobs completed; history in {SCHEMA}.job_history");
    Ok(())
}
