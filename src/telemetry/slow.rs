//! Slow-statement thresholds: a statement timed on the hot paths ([`super::events::StatementTimed`])
//! that takes longer than one is logged with its name and duration at the threshold's level
//! (seed 003: 50 / 100 / 500 ms → debug / warn / error) and counted in
//! `goalstream_db_slow_statements_total{statement,level}`.

use std::str::FromStr;
use std::time::Duration;

use super::labels::SlowLevel;

/// Default thresholds (ms): debug, warn, error.
pub const DEFAULT_SLOW_STATEMENT_MS: [u64; 3] = [50, 100, 500];

/// Durations from which a statement is logged, at three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlowThresholds {
    /// Logged at debug level from this duration.
    pub debug: Duration,
    /// Logged at warn level from this duration.
    pub warn: Duration,
    /// Logged at error level from this duration.
    pub error: Duration,
}

impl Default for SlowThresholds {
    fn default() -> Self {
        let [debug, warn, error] = DEFAULT_SLOW_STATEMENT_MS.map(Duration::from_millis);
        SlowThresholds { debug, warn, error }
    }
}

impl SlowThresholds {
    /// The level `elapsed` is logged at, if any.
    pub fn level(&self, elapsed: Duration) -> Option<SlowLevel> {
        if elapsed >= self.error {
            Some(SlowLevel::Error)
        } else if elapsed >= self.warn {
            Some(SlowLevel::Warn)
        } else if elapsed >= self.debug {
            Some(SlowLevel::Debug)
        } else {
            None
        }
    }
}

impl FromStr for SlowThresholds {
    type Err = String;

    /// `DEBUG,WARN,ERROR` in milliseconds, increasing, e.g. `50,100,500`.
    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let [debug, warn, error] = parts[..] else {
            return Err(format!(
                "expected three thresholds in ms, DEBUG,WARN,ERROR (e.g. 50,100,500), got {text:?}"
            ));
        };
        let ms = |name: &str, value: &str| {
            value.parse::<u64>().map(Duration::from_millis).map_err(|_| {
                format!("the {name} threshold must be a whole number of ms, got {value:?}")
            })
        };
        let thresholds = SlowThresholds {
            debug: ms("debug", debug)?,
            warn: ms("warn", warn)?,
            error: ms("error", error)?,
        };
        if !(thresholds.debug <= thresholds.warn && thresholds.warn <= thresholds.error) {
            return Err(format!(
                "thresholds must not decrease (debug <= warn <= error), got {text:?}"
            ));
        }
        Ok(thresholds)
    }
}

impl std::fmt::Display for SlowThresholds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{}", self.debug.as_millis(), self.warn.as_millis(), self.error.as_millis())
    }
}

#[cfg(test)]
mod tests;
