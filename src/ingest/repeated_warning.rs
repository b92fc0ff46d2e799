//! Warnings for errors that repeat on every poll (all brokers down, an unknown topic): the
//! first one is logged, then at most one line per interval with how many were not, instead of
//! twenty lines a second.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Distinct errors remembered at most (they are few: broker down, transport failure, …).
const MAX_DISTINCT: usize = 64;

/// One log line per interval for an error that keeps coming back.
#[derive(Debug)]
pub struct RepeatedWarning {
    every: Duration,
    /// Per error: when it was last logged, and how many times it came back since.
    seen: HashMap<String, (Instant, u64)>,
}

impl RepeatedWarning {
    /// Logs the same error at most once per `every`.
    pub fn new(every: Duration) -> Self {
        RepeatedWarning { every, seen: HashMap::new() }
    }

    /// Logs `error` (as `message`) unless the same error was logged less than an interval ago;
    /// returns whether it logged.
    pub fn warn(&mut self, message: &str, error: &str) -> bool {
        let Some(suppressed) = self.due(error) else { return false };
        tracing::warn!(error, repeated_since_last_line = suppressed, "{message}");
        true
    }

    /// Whether `error` is due a log line now: `Some(times it came back since its last line)`,
    /// or `None` when it was logged less than an interval ago (it is then counted).
    pub fn due(&mut self, error: &str) -> Option<u64> {
        let now = Instant::now();
        if let Some((at, suppressed)) = self.seen.get_mut(error) {
            if now.duration_since(*at) < self.every {
                *suppressed += 1;
                return None;
            }
        }
        if self.seen.len() >= MAX_DISTINCT {
            self.seen.clear();
        }
        Some(self.seen.insert(error.to_string(), (now, 0)).map_or(0, |(_, n)| n))
    }
}

#[cfg(test)]
mod tests;
