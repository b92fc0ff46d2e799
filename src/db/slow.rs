//! Slow-statement logging: a timing wrapper around the store's hot statements. Every timed
//! statement lands in `goalstream_db_statement_duration_seconds{statement}`; one over a
//! threshold is also logged with its name and duration at the threshold's level (seed 003:
//! 50 / 100 / 500 ms → debug / warn / error) and counted in
//! `goalstream_db_slow_statements_total{statement,level}`.

use std::future::Future;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// The level a statement of some duration is logged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlowLevel {
    /// Over the debug threshold.
    Debug,
    /// Over the warn threshold.
    Warn,
    /// Over the error threshold.
    Error,
}

impl SlowLevel {
    /// The level's name, as in the metric label.
    pub fn name(self) -> &'static str {
        match self {
            SlowLevel::Debug => "debug",
            SlowLevel::Warn => "warn",
            SlowLevel::Error => "error",
        }
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

static THRESHOLDS: OnceLock<SlowThresholds> = OnceLock::new();

/// Sets the process's thresholds; the first call wins (the binary calls it once at start).
pub fn set_thresholds(thresholds: SlowThresholds) {
    let _ = THRESHOLDS.set(thresholds);
}

/// The process's thresholds (the defaults unless [`set_thresholds`] was called).
pub fn thresholds() -> SlowThresholds {
    THRESHOLDS.get().copied().unwrap_or_default()
}

/// Runs `statement`, records its duration under `name`, logs it when slow.
pub async fn timed<T, F: Future<Output = T>>(name: &'static str, statement: F) -> T {
    let started = Instant::now();
    let result = statement.await;
    record(name, started.elapsed());
    result
}

/// Records one statement's duration: the histogram, and the log line and counter when slow.
pub fn record(name: &'static str, elapsed: Duration) {
    let metrics = crate::metrics::global();
    metrics.db_statement_duration.with_label_values(&[name]).observe(elapsed.as_secs_f64());
    let Some(level) = thresholds().level(elapsed) else { return };
    metrics.db_slow_statements.with_label_values(&[name, level.name()]).inc();
    let ms = elapsed.as_secs_f64() * 1e3;
    match level {
        SlowLevel::Debug => tracing::debug!(statement = name, ms, "slow statement"),
        SlowLevel::Warn => tracing::warn!(statement = name, ms, "slow statement"),
        SlowLevel::Error => tracing::error!(statement = name, ms, "very slow statement"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_thresholds() {
        let t = SlowThresholds::default();
        assert_eq!(t.level(Duration::from_millis(49)), None);
        assert_eq!(t.level(Duration::from_millis(50)), Some(SlowLevel::Debug));
        assert_eq!(t.level(Duration::from_millis(100)), Some(SlowLevel::Warn));
        assert_eq!(t.level(Duration::from_millis(499)), Some(SlowLevel::Warn));
        assert_eq!(t.level(Duration::from_secs(2)), Some(SlowLevel::Error));
    }

    #[test]
    fn parses_and_refuses_thresholds() {
        assert_eq!("50,100,500".parse::<SlowThresholds>().unwrap(), SlowThresholds::default());
        assert_eq!("10, 20 ,30".parse::<SlowThresholds>().unwrap().to_string(), "10,20,30");
        let error = "50,100".parse::<SlowThresholds>().unwrap_err();
        assert!(error.contains("expected three thresholds"), "{error}");
        let error = "50,x,500".parse::<SlowThresholds>().unwrap_err();
        assert!(error.contains("warn threshold must be a whole number"), "{error}");
        let error = "500,100,50".parse::<SlowThresholds>().unwrap_err();
        assert!(error.contains("must not decrease"), "{error}");
    }

    #[tokio::test]
    async fn a_slow_statement_is_counted_at_its_level() {
        set_thresholds(SlowThresholds::default());
        timed("test.sleep", tokio::time::sleep(Duration::from_millis(120))).await;
        let count = crate::metrics::global()
            .db_slow_statements
            .with_label_values(&["test.sleep", "warn"])
            .get();
        assert_eq!(count, 1);
    }
}
