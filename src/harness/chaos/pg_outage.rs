//! Postgres goes away mid-stream and comes back. The pipeline reaches Postgres through a TCP
//! proxy that the scenario cuts (every connection closed, new ones refused) and restores; the
//! shared server itself is never touched. Flushes must retry with backoff, intake must pause
//! when the buffers fill, and after the outage everything must be applied exactly once. Job
//! handlers are running through the same proxy when it is cut (see [`super::jobs_in_flight`]):
//! every job must end completed, none completed twice.
//!
//! A real restart (`pg_ctlcluster 15 main restart`) works the same way by hand: run
//! `goalstream load --profile normal` and restart the server mid-run; the load verdict shows
//! lost and duplicated increments (docs/BENCHMARKS.md, chaos).

use std::time::Duration;

use super::jobs_in_flight::JobsInFlight;
use super::pg_proxy::PgProxy;
use super::stage::{start_pipeline, ChaosReport, Stage};
use super::Options;
use crate::db::DbConfig;
use crate::telemetry::IngestStats;

/// Runs the scenario: the outage starts after a third of the production time.
pub async fn run(stage: &Stage, options: &Options) -> anyhow::Result<ChaosReport> {
    let upstream = stage.base.clone().with_pool_size(1).pg_config()?;
    let (host, port) = upstream_address(&upstream)?;
    let proxy = PgProxy::start(&format!("{host}:{port}")).await?;
    let url = via_proxy(&upstream, proxy.port());
    let via =
        DbConfig { url, ..stage.base.clone() }.with_pool_size(3).with_search_path(&stage.schema);
    let pool = crate::store::connect(&via).await?;
    let (pipeline, stats) = start_pipeline(stage, pool, 2).await?;
    let job_pool = crate::store::connect(&via).await?;
    let heartbeat = Duration::from_millis(options.heartbeat_ms);
    let mut jobs = JobsInFlight::start(&stage.pool, job_pool, options.job_ms, heartbeat).await?;

    let events = options.rate * options.seconds;
    let producing = stage.produce(events, options.rate, options.users, 0.0)?;
    let outage = Duration::from_secs(options.outage_s);
    tokio::time::sleep(Duration::from_secs(options.seconds / 3)).await;
    let durable_at_cut = IngestStats::get(&stats.durable);
    jobs.before_cut(&stage.pool).await?;
    proxy.cut();
    tracing::warn!(?outage, "chaos: Postgres cut off");
    tokio::time::sleep(outage).await;
    let durable_at_restore = IngestStats::get(&stats.durable);
    let retries_during = IngestStats::get(&stats.retries);
    let pauses = IngestStats::get(&stats.pauses);
    proxy.restore();
    tracing::warn!("chaos: Postgres back");
    let produced = producing.await??;
    let drained = stage.wait_stored(produced.events, Duration::from_secs(90)).await;
    let clean = pipeline.shutdown(Duration::from_secs(30)).await;

    let (verdict, stored) = stage.verdict(&produced).await?;
    let mut report = ChaosReport::new(stage, "pg-outage", &produced, verdict, stored);
    report.detail("outage_s", options.outage_s);
    report.detail("durable_at_cut", durable_at_cut);
    report.detail("durable_at_restore", durable_at_restore);
    report.detail("flush_retries_during_outage", retries_during);
    report.detail("intake_pauses", pauses);
    report.detail("flush_retries_total", IngestStats::get(&stats.retries));
    report.check("flushes retried while Postgres was away", retries_during > 0);
    report.check("consumption resumed after the outage", drained);
    report.check("clean shutdown", clean);
    let job_time = Duration::from_millis(options.job_ms);
    jobs.finish(&stage.pool, job_time * 4 + heartbeat * 4 + Duration::from_secs(30), &mut report)
        .await?;
    Ok(report)
}

fn upstream_address(config: &tokio_postgres::Config) -> anyhow::Result<(String, u16)> {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => anyhow::bail!("the Postgres outage scenario needs a TCP host in DATABASE_URL"),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    Ok((host, port))
}

/// The same connection settings, through 127.0.0.1:`port`.
fn via_proxy(config: &tokio_postgres::Config, port: u16) -> String {
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let dbname = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}{password}@127.0.0.1:{port}/{dbname}")
}
