//! The periodic-jobs file (`--periodic FILE`, `GOALSTREAM_PERIODIC`): TOML, one `[[periodic]]`
//! table per schedule. This module reads its shape; the cron pattern, the time zone and the
//! kind are checked where schedules are built (`jobs::schedule`), with errors that name the
//! schedule.
//!
//! ```toml
//! # Kinds worked by workers outside this process (SQL functions, other services).
//! external_kinds = ["report.daily"]
//!
//! [[periodic]]
//! name = "daily-report"            # unique; the schedule's identity across instances
//! cron = "0 0 6 * * *"             # sec min hour day month weekday (seconds optional)
//! timezone = "Europe/Berlin"       # IANA name; default UTC
//! kind = "report.daily"
//! args = { format = "csv" }        # default {}
//! queue = "default"                # default "default"
//! priority = 3                     # 1..5, default 3
//! max_attempts = 5                 # default 5
//! catch_up = "run_once"            # or "skip" (default)
//! grace_seconds = 60               # a tick later than this is missed (default 60)
//! tick_field = "scheduled_at"      # optional: args field set to the tick (RFC 3339)
//! ```

use std::path::Path;

use serde::Deserialize;

/// A tick seen this late (seconds after its time) is missed, not on time, by default: one
/// minute, as sidekiq-cron's reschedule grace period, so a restart or a deploy never loses a
/// tick but an outage does not replay an hour of them.
pub const DEFAULT_GRACE_SECONDS: u64 = 60;

/// What happens to ticks missed while no instance ran (docs/OPERATIONS.md, "Periodic jobs").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatchUp {
    /// Missed ticks get no job.
    #[default]
    Skip,
    /// The missed ticks together get one job (the newest missed tick's).
    RunOnce,
}

impl CatchUp {
    /// The name in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            CatchUp::Skip => "skip",
            CatchUp::RunOnce => "run_once",
        }
    }
}

/// One `[[periodic]]` table, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodicEntry {
    /// Unique name.
    pub name: String,
    /// Cron pattern, 5 fields or 6 with seconds first.
    pub cron: String,
    /// IANA time zone the pattern is read in.
    #[serde(default = "utc")]
    pub timezone: String,
    /// Job kind.
    pub kind: String,
    /// Job arguments.
    #[serde(default = "empty_object")]
    pub args: serde_json::Value,
    /// Queue.
    pub queue: Option<String>,
    /// Priority (1..5).
    pub priority: Option<i16>,
    /// Attempts before the job fails for good.
    pub max_attempts: Option<i32>,
    /// Missed ticks: skip or run once.
    #[serde(default)]
    pub catch_up: CatchUp,
    /// See [`DEFAULT_GRACE_SECONDS`].
    #[serde(default = "default_grace")]
    pub grace_seconds: u64,
    /// Args field set to the tick's instant, if any.
    pub tick_field: Option<String>,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodicFile {
    /// Kinds handled by workers outside this process (accepted besides the process's handlers).
    #[serde(default)]
    pub external_kinds: Vec<String>,
    /// The schedules.
    #[serde(default)]
    pub periodic: Vec<PeriodicEntry>,
}

/// A periodic-jobs file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PeriodicFileError {
    /// Unreadable.
    #[error("cannot read periodic-jobs file {path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
    /// Not TOML of the expected shape.
    #[error("periodic-jobs file {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong (with line and column).
        message: String,
    },
}

impl PeriodicFile {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<PeriodicFile, PeriodicFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|cause| PeriodicFileError::Io { path: path.display().to_string(), cause })?;
        Self::parse(&text).map_err(|message| PeriodicFileError::Invalid {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses the text of a file.
    pub fn parse(text: &str) -> Result<PeriodicFile, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }
}

fn utc() -> String {
    "UTC".into()
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

fn default_grace() -> u64 {
    DEFAULT_GRACE_SECONDS
}

#[cfg(test)]
mod tests;
