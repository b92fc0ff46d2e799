//! Samples the run once per interval: events produced, consumed and durable, the lag between
//! them, and the process's resident memory. The series feed the report and the plots.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::telemetry::IngestStats;

/// Default sampling interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// One point of the time series.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Sample {
    /// Seconds since the run started.
    pub t_s: f64,
    /// Events acknowledged by the broker so far.
    pub produced: u64,
    /// Events polled by the consumer so far.
    pub consumed: u64,
    /// Events whose flush committed so far.
    pub durable: u64,
    /// Durable events per second over the last interval.
    pub durable_per_s: f64,
    /// Consumer lag: produced but not yet polled.
    pub lag: u64,
    /// Polled but not yet durable (buffered or being flushed).
    pub in_flight: u64,
    /// Resident memory of this process in KiB (0 where /proc is missing).
    pub rss_kib: u64,
}

/// The sampler's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Time between samples.
    pub interval: Duration,
    /// Print one progress line per sample on stderr.
    pub progress: bool,
}

/// Samples a run's counters.
pub struct Sampler {
    config: Config,
    stats: Arc<IngestStats>,
    produced: Arc<AtomicU64>,
    started: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
}

impl Sampler {
    /// A sampler of `stats` and the producer's counter, time measured from `started`.
    pub fn new(
        config: Config,
        stats: Arc<IngestStats>,
        produced: Arc<AtomicU64>,
        started: Instant,
    ) -> Self {
        Sampler { config, stats, produced, started, samples: Arc::new(Mutex::new(Vec::new())) }
    }

    /// The series so far (also readable while running).
    pub fn samples(&self) -> Arc<Mutex<Vec<Sample>>> {
        self.samples.clone()
    }

    /// Samples every interval until `stop`, then once more.
    pub fn start(self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(self.config.interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => { self.run_once(); }
                    _ = stop.cancelled() => {
                        self.run_once();
                        return;
                    }
                }
            }
        })
    }

    /// Takes one sample (and prints it when asked to).
    pub fn run_once(&self) -> Sample {
        let produced = self.produced.load(Ordering::Relaxed);
        let consumed = IngestStats::get(&self.stats.consumed);
        let durable = IngestStats::get(&self.stats.durable);
        let t_s = self.started.elapsed().as_secs_f64();
        let mut samples = self.samples.lock().expect("not poisoned");
        let durable_per_s = match samples.last() {
            Some(last) if t_s > last.t_s => {
                durable.saturating_sub(last.durable) as f64 / (t_s - last.t_s)
            }
            _ => 0.0,
        };
        let sample = Sample {
            t_s,
            produced,
            consumed,
            durable,
            durable_per_s,
            lag: produced.saturating_sub(consumed),
            in_flight: consumed.saturating_sub(durable),
            rss_kib: rss_kib().unwrap_or(0),
        };
        samples.push(sample);
        if self.config.progress {
            eprintln!(
                "[{:>6.1}s] produced {:>9}  durable {:>9}  {:>8.0} ev/s  lag {:>7}  in flight {:>7}  rss {:>6.1} MiB",
                t_s,
                produced,
                durable,
                durable_per_s,
                sample.lag,
                sample.in_flight,
                sample.rss_kib as f64 / 1024.0
            );
        }
        sample
    }
}

/// Resident memory of this process (VmRSS in /proc/self/status), KiB.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests;
