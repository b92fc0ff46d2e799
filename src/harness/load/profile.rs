//! Load tiers: how hard, how long and over how many players each one drives the pipeline.
//! Every tier is bounded in time and in events (rate × duration).

use std::time::Duration;

/// A load tier, named as in seed 002's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileName {
    /// A quick check that everything works (CI): ≤ 30 s.
    Smoke,
    /// Sustained everyday traffic.
    Normal,
    /// Peak traffic over many distinct players (issue 7 target: ≥ 50k events/s, p99 ≤ 500 ms).
    Peak,
    /// Normal traffic for a long time, to see memory stay flat.
    Endurance,
}

impl ProfileName {
    /// The tier's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Smoke => "smoke",
            ProfileName::Normal => "normal",
            ProfileName::Peak => "peak",
            ProfileName::Endurance => "endurance",
        }
    }
}

/// What one tier does.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Profile {
    /// Tier name.
    pub name: ProfileName,
    /// Events per second produced (steady rate, so latency is the pipeline's, not a backlog's).
    pub rate: u64,
    /// How long events are produced.
    #[serde(serialize_with = "as_secs")]
    pub duration: Duration,
    /// Players: keys are spread over this many (skewed, see `synthetic`).
    pub users: usize,
    /// Share of malformed events (dead-lettered, counted, never an error).
    pub bad_ratio: f64,
    /// Partitions of the topic (in-process broker).
    pub partitions: i32,
    /// Flush workers.
    pub workers: usize,
    /// Keep-alive connections sending the API traffic (progress reads, now and then a claim).
    pub api_clients: usize,
    /// API requests per second offered, open loop (scheduled whatever the server answers).
    pub api_rate: f64,
    /// Longest wait for the pipeline to make everything durable after producing stops.
    #[serde(serialize_with = "as_secs")]
    pub drain_timeout: Duration,
}

impl Profile {
    /// The tier's defaults.
    pub fn of(name: ProfileName) -> Profile {
        let base = Profile {
            name,
            rate: 5_000,
            duration: Duration::from_secs(10),
            users: 5_000,
            bad_ratio: 0.001,
            partitions: 4,
            workers: 2,
            api_clients: 10,
            api_rate: 100.0,
            drain_timeout: Duration::from_secs(60),
        };
        match name {
            // 50k events in 10 s: finishes within 30 s including set-up and the verdict.
            ProfileName::Smoke => base,
            ProfileName::Normal => Profile {
                rate: 20_000,
                duration: Duration::from_secs(60),
                users: 50_000,
                api_clients: 50,
                api_rate: 500.0,
                ..base
            },
            // Distinct keys: 1M players, so nearly every event is a new (player, goal) row.
            // 16 partitions: the in-process broker keeps at most 5 MiB per partition, so a
            // backlog of a few seconds would be deleted unread with 4.
            // 3 flush workers: the best latency at this rate on 2 cores; a fourth makes the
            // API's queries wait behind more busy flush backends (docs/BENCHMARKS.md, "Peak
            // tier", has the worker-count runs).
            ProfileName::Peak => Profile {
                rate: 60_000,
                partitions: 16,
                workers: 3,
                duration: Duration::from_secs(60),
                users: 1_000_000,
                api_clients: 200,
                api_rate: 2_000.0,
                drain_timeout: Duration::from_secs(120),
                ..base
            },
            // 20k players: the harness's expected-sum map has seen nearly every (player,
            // stat) within minutes, so RSS growth after that is the pipeline's.
            ProfileName::Endurance => Profile {
                rate: 10_000,
                duration: Duration::from_secs(30 * 60),
                users: 20_000,
                api_clients: 100,
                api_rate: 1_000.0,
                ..base
            },
        }
    }

    /// Events the tier produces in total.
    pub fn events(&self) -> u64 {
        (self.rate as f64 * self.duration.as_secs_f64()).round().max(1.0) as u64
    }

    /// Refuses settings that cannot run.
    pub fn check(&self) -> Result<(), String> {
        if self.rate == 0 {
            return Err("--rate must be at least 1 event/s".into());
        }
        if self.duration.is_zero() {
            return Err("--duration must be longer than 0 s".into());
        }
        if self.users == 0 {
            return Err("--users must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.bad_ratio) {
            return Err(format!("--bad-ratio must be within 0..=1, got {}", self.bad_ratio));
        }
        if !(self.api_rate.is_finite() && self.api_rate > 0.0) {
            return Err(format!("--api-rate must be above 0 requests/s, got {}", self.api_rate));
        }
        if self.api_clients == 0 {
            return Err("--api-clients must be at least 1".into());
        }
        if self.workers == 0 {
            return Err("--workers must be at least 1".into());
        }
        Ok(())
    }
}

fn as_secs<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

/// Parses a duration: `90`, `90s`, `500ms`, `5m`, `1h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 30s, 5m or 500ms, got {text:?}"))?;
    let seconds = match unit {
        "" | "s" => number,
        "ms" => number / 1_000.0,
        "m" => number * 60.0,
        "h" => number * 3_600.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?} (use ms, s, m or h)")),
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("the duration must be positive, got {text:?}"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests;
