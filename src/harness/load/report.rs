//! A tier's results: the table printed at the end, the JSON line (`--json`), and the
//! Markdown report (`<out>/load-report.md`) built from the tiers run so far.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::api::EndpointReport;
use super::profile::{Profile, ProfileName};
use super::sampler::Sample;
use super::target::{self, Target, VerdictMode};
use super::verdict::Verdict;
use crate::harness::synthetic::format::SyntheticFormat;

/// Event→durable latency percentiles, ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Maximum.
    pub max: u64,
}

/// Resident memory over the run, MiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Memory {
    /// After warm-up (the sample at 10 % of the run).
    pub warm_mib: f64,
    /// Highest sample.
    pub peak_mib: f64,
    /// Last sample.
    pub end_mib: f64,
    /// Growth from warm to end, percent.
    pub growth_pct: f64,
    /// Growth over the second half of the run, percent: steady state, once the harness's own
    /// per-player maps (expected sums) have seen most players.
    #[serde(default)]
    pub second_half_growth_pct: f64,
}

impl Memory {
    /// From the samples' RSS.
    pub fn of(samples: &[Sample]) -> Memory {
        let mib = |s: &Sample| s.rss_kib as f64 / 1024.0;
        let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
            return Memory::default();
        };
        let at = |share: f64| {
            let t = last.t_s * share;
            mib(samples.iter().find(|s| s.t_s >= t).unwrap_or(first))
        };
        let growth = |from: f64, to: f64| if from > 0.0 { (to - from) / from * 100.0 } else { 0.0 };
        let peak = samples.iter().map(mib).fold(0.0, f64::max);
        let (warm, half, end) = (at(0.1), at(0.5), mib(last));
        Memory {
            warm_mib: warm,
            peak_mib: peak,
            end_mib: end,
            growth_pct: growth(warm, end),
            second_half_growth_pct: growth(half, end),
        }
    }
}

/// Everything one tier measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TierReport {
    /// Tier.
    pub profile: ProfileName,
    /// Its settings.
    pub settings: Profile,
    /// The events' format.
    pub format: SyntheticFormat,
    /// Broker description.
    pub broker: String,
    /// Events produced.
    pub events: u64,
    /// Production rate achieved (events acknowledged by the broker per second).
    pub events_in_per_s: f64,
    /// Durable events per second over the run (first event produced → last event durable).
    pub events_per_s: f64,
    /// Stat updates the events carried (one per built-in event; 7 or 8 per `match_end`).
    pub stat_updates: u64,
    /// Durable stat updates per second over the run.
    pub stat_updates_per_s: f64,
    /// Events made durable (pipeline counter).
    pub durable: u64,
    /// Sum of the stored offsets (the database's count of what was made durable).
    pub stored_offsets: i64,
    /// Events produced but not durable at the end.
    pub not_durable: u64,
    /// Event→durable latency.
    pub latency_ms: Latency,
    /// Increments lost (delta units; the verdict has the rows).
    pub lost: i64,
    /// Increments applied twice (delta units).
    pub duplicated: i64,
    /// Database vs produced, in detail.
    pub verdict: Verdict,
    /// Malformed events written to dead_letters (expected: the tier's bad ratio).
    pub dead_letters: u64,
    /// API 5xx and transport failures, plus updates set aside as poison.
    pub errors: u64,
    /// Flush attempts retried.
    pub flush_retries: u64,
    /// Flushes refused by offset fencing.
    pub fenced: u64,
    /// Times the consumer paused its partitions because the flush workers were behind.
    pub intake_pauses: u64,
    /// Committed flushes.
    pub flushes: u64,
    /// API traffic per endpoint; `None` (shown as skipped) without `--api-url`.
    pub api: Option<BTreeMap<String, EndpointReport>>,
    /// Resident memory.
    pub memory: Memory,
    /// Seconds from the first event produced to the last durable.
    pub elapsed_s: f64,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// What went wrong, if anything.
    pub notes: Vec<String>,
    /// What may explain the numbers without anything going wrong (server sizing).
    pub hints: Vec<String>,
    /// The time series (one sample per second).
    pub samples: Vec<Sample>,
    /// What `passed` judges: every target, or correctness only.
    pub verdict_mode: VerdictMode,
}

impl TierReport {
    /// Whether the run met its targets: every one, or only the correctness ones when the
    /// run was told `--verdict correctness`.
    pub fn passed(&self) -> bool {
        target::passed(&self.targets(), self.verdict_mode)
    }

    /// The tier's targets, measured.
    pub fn targets(&self) -> Vec<Target> {
        target::of(self)
    }

    /// The JSON object of `--json` (without the samples, which the files keep).
    pub fn json_line(&self) -> String {
        let mut value = serde_json::to_value(self).expect("serializable");
        if let Some(object) = value.as_object_mut() {
            object.remove("samples");
            object.insert("passed".into(), self.passed().into());
            object.insert("targets".into(), serde_json::to_value(self.targets()).expect("plain"));
            if self.api.is_none() {
                object.insert("api".into(), "skipped: no --api-url".into());
            }
        }
        serde_json::to_string(&value).expect("serializable")
    }

    /// The human-readable summary.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let l = &self.latency_ms;
        out.push_str(&format!(
            "load tier {} ({}, format {})\n",
            self.profile.as_str(),
            self.broker,
            self.format.as_str()
        ));
        out.push_str(&format!(
            "  events            {:>10} produced at {:.0}/s; {} durable, {:.0} events/s over {:.1} s\n",
            self.events, self.events_in_per_s, self.durable, self.events_per_s, self.elapsed_s
        ));
        out.push_str(&format!(
            "  stat updates      {:>10} carried; {:.0} stat updates/s\n",
            self.stat_updates, self.stat_updates_per_s
        ));
        out.push_str(&format!(
            "  event→durable     p50 {} ms  p95 {} ms  p99 {} ms  max {} ms\n",
            l.p50, l.p95, l.p99, l.max
        ));
        out.push_str(&format!(
            "  verdict           lost {} ({} rows), duplicated {} ({} rows), {} rows checked, {} not durable\n",
            self.lost,
            self.verdict.lost_rows,
            self.duplicated,
            self.verdict.duplicated_rows,
            self.verdict.checked_rows,
            self.not_durable
        ));
        out.push_str(&format!(
            "  errors            {}   (flush retries {}, fenced {}, dead letters {}, flushes {}, intake pauses {})\n",
            self.errors,
            self.flush_retries,
            self.fenced,
            self.dead_letters,
            self.flushes,
            self.intake_pauses
        ));
        out.push_str(&format!(
            "  memory (RSS)      warm {:.0} MiB, peak {:.0} MiB, end {:.0} MiB ({:+.1} %; second half {:+.1} %)\n",
            self.memory.warm_mib,
            self.memory.peak_mib,
            self.memory.end_mib,
            self.memory.growth_pct,
            self.memory.second_half_growth_pct
        ));
        match &self.api {
            None => out.push_str("  API               skipped (no --api-url)\n"),
            Some(api) => {
                for (endpoint, e) in api {
                    let (l, s, r) = (&e.latency_ms, &e.service_ms, &e.refused_latency_ms);
                    out.push_str(&format!(
                        "  API {endpoint}\n      {} sent ({} ok, {} refused, {} errors), {} unsent at the stop\n      ok from scheduled time  p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms  (service p50 {:.1} ms  p99 {:.1} ms)\n      refused                 p50 {:.1} ms  p99 {:.1} ms\n",
                        e.requests, e.ok, e.refused, e.errors, e.unsent, l.p50, l.p95, l.p99,
                        l.max, s.p50, s.p99, r.p50, r.p99
                    ));
                }
            }
        }
        for target in self.targets() {
            out.push_str(&format!("  target            {}\n", target.line()));
        }
        out.push_str(&format!(
            "  passed            {} (judged on {})\n",
            if self.passed() { "yes" } else { "NO" },
            match self.verdict_mode {
                VerdictMode::All => "every target",
                VerdictMode::Correctness => "correctness only: --verdict correctness",
            },
        ));
        for note in &self.notes {
            out.push_str(&format!("  note              {note}\n"));
        }
        for hint in &self.hints {
            out.push_str(&format!("  hint              {hint}\n"));
        }
        out
    }
}

/// One tier's line in the Markdown report, read back from its JSON file.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SavedTier {
    /// Tier name.
    pub profile: String,
    /// Events produced.
    pub events: u64,
    /// Durable events/s.
    pub events_per_s: f64,
    /// Event→durable latency.
    pub latency_ms: Latency,
    /// Lost increments.
    pub lost: i64,
    /// Duplicated increments.
    pub duplicated: i64,
    /// Errors.
    pub errors: u64,
    /// Dead letters.
    pub dead_letters: u64,
    /// Memory.
    pub memory: Memory,
    /// Run duration.
    pub elapsed_s: f64,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// Broker.
    pub broker: String,
    /// API per endpoint (absent when skipped).
    #[serde(default)]
    pub api: Option<BTreeMap<String, SavedEndpoint>>,
}

/// An endpoint's line, read back.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SavedEndpoint {
    /// Requests.
    pub requests: u64,
    /// Errors.
    pub errors: u64,
    /// Latency, ms.
    pub latency_ms: super::api::SavedPercentiles,
}

/// The Markdown report over the tiers saved so far; `last` is the tier just run.
pub fn markdown(tiers: &[SavedTier], last: &TierReport, plots: &[(String, String)]) -> String {
    let mut out = String::from(
        "# goalstream load report\n\nGenerated by `goalstream load` from the last run of each tier \
         (files in `load/` beside this report). Event→durable latency is measured from the Kafka message \
         timestamp (set by the producer) to the commit of the flush that made the event durable; \
         lost/duplicated compare every increment goal's progress with the deltas produced for it.\n\n",
    );
    out.push_str("| Tier | Started (UTC) | Events | Durable events/s | P50 | P95 | P99 | Max | Lost | Duplicated | Errors | Dead letters | RSS warm → end |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for t in tiers {
        let l = &t.latency_ms;
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {} ms | {} ms | {} ms | {} ms | {} | {} | {} | {} | {:.0} → {:.0} MiB |\n",
            t.profile,
            t.started_at.format("%Y-%m-%d %H:%M"),
            t.events,
            t.events_per_s,
            l.p50,
            l.p95,
            l.p99,
            l.max,
            t.lost,
            t.duplicated,
            t.errors,
            t.dead_letters,
            t.memory.warm_mib,
            t.memory.end_mib
        ));
    }
    out.push_str("\n## API latency per endpoint\n\n");
    let mut any_api = false;
    for t in tiers {
        if let Some(api) = &t.api {
            for (endpoint, e) in api {
                if !any_api {
                    out.push_str("| Tier | Endpoint | Requests | Errors | P50 | P95 | P99 | Max |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
                    any_api = true;
                }
                let p = &e.latency_ms;
                out.push_str(&format!(
                    "| {} | `{endpoint}` | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |\n",
                    t.profile, e.requests, e.errors, p.p50, p.p95, p.p99, p.max
                ));
            }
        }
    }
    if !any_api {
        out.push_str("Skipped: no run had `--api-url`.\n");
    }
    out.push_str(&format!(
        "\n## Last run: {}\n\n```text\n{}```\n",
        last.profile.as_str(),
        last.text()
    ));
    if !plots.is_empty() {
        out.push_str("\n## Plots\n\n");
        for (title, file) in plots {
            out.push_str(&format!("![{title}]({file})\n\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
