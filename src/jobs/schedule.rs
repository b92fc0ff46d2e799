//! Periodic schedules: a `[[periodic]]` entry of the periodic-jobs file, checked (cron pattern,
//! IANA time zone, a kind some worker handles) and evaluated. Ticks are the instants the cron
//! pattern matches in the schedule's time zone (daylight saving time as croner and the Open
//! Cron Pattern Specification define it: a fixed time in a skipped hour runs just after the
//! gap, once in a repeated hour; wildcard and step fields follow the wall clock).
//!
//! [`Schedule::plan`] decides what a round enqueues (docs/OPERATIONS.md, "Periodic jobs"): of
//! the ticks after the schedule's last enqueued tick up to now, those at most `grace` old are
//! on time and get a job each; older ones were missed (no instance ran then) and get one job
//! together (`run_once`) or none (`skip`).

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::parser::CronParser;
use croner::Cron;

use crate::config::periodic::{CatchUp, PeriodicEntry, PeriodicFile, PeriodicFileError};
use crate::types::reward::PIPELINE_KINDS;
use crate::types::{NewJob, DEFAULT_QUEUE};

/// Missed ticks counted one by one per round at most; past it the count says "at least".
pub const MAX_COUNTED_MISSES: u64 = 10_000;
/// On-time ticks enqueued per schedule and round at most (the rest in the next round, at
/// once): bounds one transaction however long the grace period of a fast schedule.
pub const MAX_TICKS_PER_ROUND: usize = 1_000;
/// Longest grace period (seconds): a year.
const MAX_GRACE_SECONDS: u64 = 366 * 86_400;
/// Longest schedule name: it is a metric label and part of every job's unique key.
const MAX_NAME_LEN: usize = 100;

/// A schedule that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The file.
    #[error(transparent)]
    File(#[from] PeriodicFileError),
    /// One schedule.
    #[error("periodic job {name:?}: {message}")]
    Invalid {
        /// The schedule's name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// A checked schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Unique name.
    pub name: String,
    /// The pattern as written.
    pub pattern: String,
    /// Time zone of the pattern.
    pub timezone: Tz,
    /// The job each tick enqueues (without its unique key).
    pub job: NewJob,
    /// Missed ticks: skip or run once.
    pub catch_up: CatchUp,
    /// A tick seen later than this after its time is missed.
    pub grace: chrono::Duration,
    /// Args field set to the tick (RFC 3339), if any.
    pub tick_field: Option<String>,
    cron: Cron,
}

/// What a round does for one schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Missed ticks (older than the grace period), counted up to [`MAX_COUNTED_MISSES`].
    pub missed: u64,
    /// The newest missed tick.
    pub newest_missed: Option<DateTime<Utc>>,
    /// On-time ticks, oldest first (at most [`MAX_TICKS_PER_ROUND`]).
    pub on_time: Vec<DateTime<Utc>>,
    /// The schedule's last tick once the round commits (None: nothing was due).
    pub advance_to: Option<DateTime<Utc>>,
}

impl Plan {
    /// The ticks that get a job under `catch_up`, oldest first.
    pub fn ticks(&self, catch_up: CatchUp) -> Vec<DateTime<Utc>> {
        let caught_up = match catch_up {
            CatchUp::RunOnce => self.newest_missed,
            CatchUp::Skip => None,
        };
        caught_up.into_iter().chain(self.on_time.iter().copied()).collect()
    }
}

/// Reads and checks the periodic-jobs file at `path`; `handled`: the kinds this process has
/// handlers for (the file's `external_kinds` are accepted too).
pub fn load(path: &Path, handled: &[String]) -> Result<Vec<Schedule>, ScheduleError> {
    from_file(&PeriodicFile::load(path)?, handled)
}

/// The schedules of a parsed file, checked (names unique, kinds handled).
pub fn from_file(file: &PeriodicFile, handled: &[String]) -> Result<Vec<Schedule>, ScheduleError> {
    let kinds: HashSet<&str> =
        handled.iter().chain(&file.external_kinds).map(String::as_str).collect();
    let mut names = HashSet::new();
    let mut schedules = Vec::with_capacity(file.periodic.len());
    for entry in &file.periodic {
        let schedule = Schedule::from_entry(entry, &kinds)?;
        if !names.insert(schedule.name.clone()) {
            return Err(invalid(&schedule.name, "the name is used twice".into()));
        }
        schedules.push(schedule);
    }
    Ok(schedules)
}

/// The cron pattern `pattern` (5 fields, or 6 with seconds first) in time zone `timezone`.
pub fn parse(pattern: &str, timezone: &str) -> Result<(Cron, Tz), String> {
    let cron = CronParser::new()
        .parse(pattern)
        .map_err(|e| format!("invalid cron pattern {pattern:?}: {e}"))?;
    let tz: Tz = timezone.parse().map_err(|_| {
        format!("unknown time zone {timezone:?} (an IANA name such as Europe/Berlin, or UTC)")
    })?;
    Ok((cron, tz))
}

/// The first instant after `after` that `cron` matches in `tz`.
pub fn next_tick(cron: &Cron, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&after.with_timezone(&tz), false).ok().map(|t| t.with_timezone(&Utc))
}

/// The next tick after `after` of a registered schedule's stored `pattern` and `timezone`
/// (None when they no longer parse or never match): what the console shows as "next".
pub fn next_registered_tick(
    pattern: &str,
    timezone: &str,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let (cron, tz) = parse(pattern, timezone).ok()?;
    next_tick(&cron, tz, after)
}

/// The unique key of the job of schedule `name`'s tick `tick`: the same on every instance, so
/// a tick can only have one live job.
pub fn unique_key(name: &str, tick: DateTime<Utc>) -> String {
    format!("periodic:{name}:{}", tick.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

impl Schedule {
    /// Checks `entry`; `kinds`: the kinds some worker handles.
    pub fn from_entry(entry: &PeriodicEntry, kinds: &HashSet<&str>) -> Result<Self, ScheduleError> {
        let name = entry.name.trim();
        let bad = |message: String| invalid(name, message);
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(bad(format!("a name needs 1 to {MAX_NAME_LEN} characters")));
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(bad("a name may only have letters, digits, '.', '_' and '-'".into()));
        }
        let (cron, timezone) = parse(&entry.cron, &entry.timezone).map_err(bad)?;
        if next_tick(&cron, timezone, Utc::now()).is_none() {
            return Err(bad(format!("the cron pattern {:?} never matches", entry.cron)));
        }
        if PIPELINE_KINDS.contains(&entry.kind.as_str()) {
            return Err(bad(format!("kind {:?} belongs to the pipeline", entry.kind)));
        }
        if !kinds.contains(entry.kind.as_str()) {
            let mut known: Vec<&str> = kinds.iter().copied().collect();
            known.sort_unstable();
            return Err(bad(format!(
                "unknown kind {:?}: no handler in this process (handled: {}); list kinds worked \
                 elsewhere in the file's external_kinds",
                entry.kind,
                known.join(", ")
            )));
        }
        if !(1..=MAX_GRACE_SECONDS).contains(&entry.grace_seconds) {
            return Err(bad(format!("grace_seconds must be 1 to {MAX_GRACE_SECONDS} (a year)")));
        }
        if entry.tick_field.is_some() && !entry.args.is_object() {
            return Err(bad("tick_field needs args to be a table".into()));
        }
        let mut job = NewJob::new(entry.kind.clone(), entry.args.clone())
            .in_queue(entry.queue.clone().unwrap_or_else(|| DEFAULT_QUEUE.into()));
        job.priority = entry.priority.unwrap_or(job.priority);
        job.max_attempts = entry.max_attempts.unwrap_or(job.max_attempts);
        job.check().map_err(bad)?;
        if job.queue.trim().is_empty() {
            return Err(bad("the queue name is empty".into()));
        }
        Ok(Schedule {
            name: name.to_string(),
            pattern: entry.cron.clone(),
            timezone,
            job,
            catch_up: entry.catch_up,
            grace: chrono::Duration::seconds(entry.grace_seconds as i64),
            tick_field: entry.tick_field.clone(),
            cron,
        })
    }

    /// The first tick after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        next_tick(&self.cron, self.timezone, after)
    }

    /// What a round at `now` does when the last tick enqueued (or skipped) was `last`.
    pub fn plan(&self, last: DateTime<Utc>, now: DateTime<Utc>) -> Plan {
        let cutoff = now - self.grace;
        let mut plan = Plan::default();
        let mut next = self.next_after(last);
        while let Some(tick) = next.filter(|t| *t < cutoff) {
            plan.missed += 1;
            plan.newest_missed = Some(tick);
            if plan.missed == MAX_COUNTED_MISSES {
                // Too many to count: jump to the newest one before the cutoff.
                let newest = self
                    .cron
                    .find_previous_occurrence(&cutoff.with_timezone(&self.timezone), false);
                if let Ok(newest) = newest {
                    plan.newest_missed = Some(newest.with_timezone(&Utc).max(tick));
                }
                next = self.next_after(plan.newest_missed.unwrap_or(tick));
                break;
            }
            next = self.next_after(tick);
        }
        while let Some(tick) = next.filter(|t| *t <= now) {
            if plan.on_time.len() == MAX_TICKS_PER_ROUND {
                break;
            }
            plan.on_time.push(tick);
            next = self.next_after(tick);
        }
        plan.advance_to = plan.on_time.last().copied().or(plan.newest_missed);
        plan
    }

    /// The job of tick `tick`: the schedule's job with the tick's unique key, to run at the
    /// tick (so an instance whose clock runs ahead of the database's does not start it early),
    /// and the tick in its args when `tick_field` says so.
    pub fn job_for(&self, tick: DateTime<Utc>) -> NewJob {
        let mut job = self.job.clone().unique(unique_key(&self.name, tick));
        job.run_at = Some(tick);
        if let (Some(field), Some(args)) = (&self.tick_field, job.args.as_object_mut()) {
            let at = tick.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            args.insert(field.clone(), serde_json::Value::String(at));
        }
        job
    }
}

fn invalid(name: &str, message: String) -> ScheduleError {
    ScheduleError::Invalid { name: name.to_string(), message }
}

#[cfg(test)]
mod tests;
