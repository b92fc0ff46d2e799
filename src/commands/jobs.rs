//! `goalstream jobs`: the job queue from the command line (list, show, retry, cancel, delete,
//! pause, resume, queues, periodic), as a table or, with `--json`, one JSON document on stdout.

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use super::table::{opt, Table};
use crate::db::DbConfig;
use crate::store::job_admin::{self, CancelOutcome, JobRecord};
use crate::store::job_console::{self, BulkAction, JobFilter};
use crate::store::{self};
use crate::types::when;
use crate::types::{JobState, QueueSettings};

/// Longest page `list` shows.
const MAX_PAGE: i64 = 1_000;

/// `goalstream jobs` subcommands.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Jobs matching the filters, newest first, one page (--before ID for the next one).
    List(ListArgs),
    /// One job: its columns, every attempt with its error and duration, its parents and
    /// children.
    Show(ShowArgs),
    /// Run failed, cancelled, retryable or scheduled jobs now: the ids given, or every job
    /// matching the filters (in batches that never block workers).
    Retry(BulkArgs),
    /// Cancel jobs that have not started, with their dependents (children on `cancel` edges and
    /// everything below them; children on `run` edges are released).
    Cancel(IdsArgs),
    /// Delete finished jobs (completed, failed, cancelled): the ids given, or every finished job
    /// matching the filters. Live jobs are never deleted: cancel them first.
    Delete(BulkArgs),
    /// Pause a queue: its workers claim nothing from it until it is resumed (running jobs
    /// finish).
    Pause(QueueArgs),
    /// Resume a paused queue (its workers are woken at once).
    Resume(QueueArgs),
    /// Jobs per queue and state, the oldest available job's age, and paused queues.
    Queues(OutputArgs),
    /// Periodic schedules registered by the instances: cron, time zone, last and next tick,
    /// jobs enqueued and ticks missed.
    Periodic(OutputArgs),
}

/// Output format.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// One JSON document on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Which jobs: every filter optional.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// State: pending, scheduled, available, running, retryable, completed, failed, cancelled.
    #[arg(long)]
    pub state: Option<JobState>,
    /// Handler kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// Queue.
    #[arg(long)]
    pub queue: Option<String>,
    /// Tenant (fairness key).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Unique key.
    #[arg(long)]
    pub unique_key: Option<String>,
    /// Enqueued at or after: RFC 3339, or an age (90s, 15m, 2h, 7d).
    #[arg(long, value_parser = when::parse)]
    pub since: Option<DateTime<Utc>>,
    /// Enqueued before: RFC 3339, or an age (90s, 15m, 2h, 7d).
    #[arg(long, value_parser = when::parse)]
    pub until: Option<DateTime<Utc>>,
}

impl FilterArgs {
    fn filter(&self) -> JobFilter {
        JobFilter {
            state: self.state,
            kind: self.kind.clone(),
            queue: self.queue.clone(),
            tenant: self.tenant.clone(),
            unique_key: self.unique_key.clone(),
            created_after: self.since,
            created_before: self.until,
        }
    }

    fn is_empty(&self) -> bool {
        self.filter() == JobFilter::default()
    }
}

/// Options of `jobs list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Filters.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Jobs per page (at most 1,000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=MAX_PAGE))]
    pub limit: i64,
    /// Only jobs with a lower id: the previous page's last id (keyset pagination).
    #[arg(long)]
    pub before: Option<i64>,
    /// Output format.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options of `jobs show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// Job id.
    pub id: i64,
    /// Output format.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Job ids.
#[derive(Debug, Clone, Args)]
pub struct IdsArgs {
    /// Job ids.
    #[arg(required = true)]
    pub ids: Vec<i64>,
    /// Output format.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options of a bulk action: ids, or filters (at least one of them).
#[derive(Debug, Clone, Args)]
pub struct BulkArgs {
    /// Job ids (else every job matching the filters).
    pub ids: Vec<i64>,
    /// Filters.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A queue.
#[derive(Debug, Clone, Args)]
pub struct QueueArgs {
    /// Queue name.
    pub queue: String,
    /// Output format.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs a `jobs` subcommand.
pub async fn run(db: &DbConfig, command: &JobsCommand) -> anyhow::Result<()> {
    let pool = store::open(db).await?;
    let mut client = pool.get().await.context("connecting to Postgres")?;
    match command {
        JobsCommand::List(args) => {
            let jobs =
                job_console::page(&client, &args.filter.filter(), args.before, args.limit).await?;
            let next = (jobs.len() as i64 == args.limit).then(|| jobs.last().map(|j| j.id));
            if args.output.json {
                println!("{}", json!({ "jobs": jobs, "next_before": next.flatten() }));
            } else {
                print!("{}", job_table(&jobs).render());
                if let Some(Some(id)) = next {
                    println!("(more: --before {id})");
                }
            }
        }
        JobsCommand::Show(args) => {
            let job = job_admin::job(&client, args.id)
                .await?
                .with_context(|| format!("no job {}", args.id))?;
            let attempts = job_console::attempts(&client, args.id).await?;
            let edges = job_console::edges(&client, args.id).await?;
            if args.output.json {
                let document = json!({ "job": job, "attempts": attempts, "parents": edges.parents,
                                       "children": edges.children });
                println!("{document}");
            } else {
                print_job(&job);
                let mut table =
                    Table::new(&["attempt", "outcome", "worker", "started", "seconds", "error"]);
                for a in &attempts {
                    table.row(vec![
                        a.attempt.to_string(),
                        a.outcome.clone(),
                        opt(a.worker_id.as_ref()),
                        opt(a.started_at.map(|t| t.to_rfc3339())),
                        opt(a.duration_s.map(|s| format!("{s:.3}"))),
                        opt(a.error.as_ref()),
                    ]);
                }
                println!("\nattempts\n{}", table.render());
                let mut table = Table::new(&["edge", "id", "kind", "state", "on parent failure"]);
                for (edge, list) in [("parent", &edges.parents), ("child", &edges.children)] {
                    for n in list {
                        table.row(vec![
                            edge.into(),
                            n.id.to_string(),
                            n.kind.clone(),
                            n.state.to_string(),
                            n.on_parent_failure.clone(),
                        ]);
                    }
                }
                println!("dependencies\n{}", table.render());
            }
        }
        JobsCommand::Retry(args) => {
            let done = bulk(&client, args, BulkAction::Retry(QueueSettings::default())).await?;
            report(args.output.json, "retried", &done);
        }
        JobsCommand::Delete(args) => {
            let done = bulk(&client, args, BulkAction::Delete).await?;
            report(args.output.json, "deleted", &done);
        }
        JobsCommand::Cancel(args) => {
            let settings = QueueSettings::default();
            let mut results = Vec::new();
            for &id in &args.ids {
                let outcome = job_admin::cancel(&mut client, &settings, id).await?;
                results.push(cancel_json(id, &outcome));
                if !args.output.json {
                    println!("{}", outcome.describe(id));
                }
            }
            if args.output.json {
                println!("{}", json!({ "cancelled": results }));
            }
        }
        JobsCommand::Pause(args) => {
            let changed = job_console::pause(&client, &args.queue).await?;
            queue_change(&args.output, &args.queue, "paused", changed);
        }
        JobsCommand::Resume(args) => {
            let changed = job_console::resume(&client, &args.queue).await?;
            queue_change(&args.output, &args.queue, "resumed", changed);
        }
        JobsCommand::Periodic(output) => super::periodic::print(&client, output.json).await?,
        JobsCommand::Queues(output) => {
            let counts = job_admin::queue_counts(&client).await?;
            let paused = job_console::paused(&client).await?;
            if output.json {
                let counts: Vec<_> = counts
                    .iter()
                    .map(|c| {
                        json!({ "queue": c.queue, "state": c.state, "jobs": c.jobs,
                                     "oldest_available_s": c.oldest_available_s })
                    })
                    .collect();
                let paused: Vec<_> =
                    paused.iter().map(|(q, at)| json!({ "queue": q, "paused_at": at })).collect();
                println!("{}", json!({ "counts": counts, "paused": paused }));
            } else {
                let mut table = Table::new(&["queue", "state", "jobs", "oldest available (s)"]);
                for c in &counts {
                    table.row(vec![
                        c.queue.clone(),
                        c.state.to_string(),
                        c.jobs.to_string(),
                        opt(c.oldest_available_s.map(|s| format!("{s:.1}"))),
                    ]);
                }
                print!("{}", table.render());
                for (queue, at) in &paused {
                    println!("paused: {queue} (since {})", at.to_rfc3339());
                }
            }
        }
    }
    Ok(())
}

/// Runs a bulk action on the ids, or the filter's jobs; returns the ids changed.
async fn bulk(
    client: &deadpool_postgres::Client,
    args: &BulkArgs,
    action: BulkAction,
) -> anyhow::Result<Vec<i64>> {
    anyhow::ensure!(
        !args.ids.is_empty() || !args.filter.is_empty(),
        "name job ids or at least one filter (e.g. --state failed --kind email.send)"
    );
    let ids = (!args.ids.is_empty()).then_some(args.ids.as_slice());
    let quiet = args.output.json;
    let progress = |so_far| {
        if !quiet {
            eprintln!("… {so_far} so far");
        }
    };
    Ok(job_console::bulk(client, action, &args.filter.filter(), ids, progress).await?)
}

fn report(json: bool, verb: &str, ids: &[i64]) {
    if json {
        println!("{}", json!({ verb: ids.len(), "ids": ids }));
    } else {
        println!("{verb} {} job(s)", ids.len());
    }
}

fn queue_change(output: &OutputArgs, queue: &str, verb: &str, changed: bool) {
    if output.json {
        println!("{}", json!({ "queue": queue, verb: changed }));
    } else if changed {
        println!("queue {queue} {verb}");
    } else {
        println!("queue {queue} was already {verb}");
    }
}

fn job_table(jobs: &[JobRecord]) -> Table {
    let mut table = Table::new(&[
        "id",
        "state",
        "kind",
        "queue",
        "tenant",
        "prio",
        "attempt",
        "created",
        "last error",
    ]);
    for j in jobs {
        table.row(vec![
            j.id.to_string(),
            j.state.to_string(),
            j.kind.clone(),
            j.queue.clone(),
            j.tenant.clone(),
            j.effective_priority.to_string(),
            format!("{}/{}", j.attempt, j.max_attempts),
            j.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            opt(j.last_error.as_ref()),
        ]);
    }
    table
}

fn print_job(job: &JobRecord) {
    let fields = [
        ("id", job.id.to_string()),
        ("kind", job.kind.clone()),
        ("state", job.state.to_string()),
        ("queue", job.queue.clone()),
        ("tenant", job.tenant.clone()),
        ("priority", format!("{} (effective {})", job.priority, job.effective_priority)),
        ("attempt", format!("{} of {}", job.attempt, job.max_attempts)),
        ("run at", job.run_at.to_rfc3339()),
        ("pending parents", job.pending_parents.to_string()),
        ("unique key", opt(job.unique_key.as_ref())),
        ("worker", opt(job.worker_id.as_ref())),
        ("created", job.created_at.to_rfc3339()),
        ("attempted", opt(job.attempted_at.map(|t| t.to_rfc3339()))),
        ("finished", opt(job.finished_at.map(|t| t.to_rfc3339()))),
        ("last error", opt(job.last_error.as_ref())),
        ("args", job.args.to_string()),
    ];
    for (name, value) in fields {
        println!("{name:>16}  {value}");
    }
}

fn cancel_json(id: i64, outcome: &CancelOutcome) -> serde_json::Value {
    match outcome {
        CancelOutcome::NotFound => json!({ "id": id, "result": "not_found" }),
        CancelOutcome::Reserved { kind } => json!({ "id": id, "result": "reserved", "kind": kind }),
        CancelOutcome::NotCancellable { state } => {
            json!({ "id": id, "result": "not_cancellable", "state": state })
        }
        CancelOutcome::Cancelled { newly, cancelled, released } => json!({
            "id": id, "result": if *newly { "cancelled" } else { "already_cancelled" },
            "dependents_cancelled": cancelled, "dependents_released": released }),
    }
}
