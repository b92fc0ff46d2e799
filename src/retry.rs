//! Exponential backoff with jitter, for retrying work against a database that is away.

use std::time::Duration;

use rand::Rng;

/// First retry delay.
pub const DEFAULT_BASE: Duration = Duration::from_millis(100);
/// Longest delay between two tries.
pub const DEFAULT_MAX: Duration = Duration::from_secs(5);

/// Delays that double from `base` up to `max`; each is drawn uniformly from its upper half so
/// that workers retrying together spread out.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    /// A backoff starting at `base`, capped at `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff { base, max: max.max(base), attempt: 0 }
    }

    /// The same backoff with `attempts` tries already made: its next delay is the one for try
    /// `attempts + 1`.
    pub fn after(mut self, attempts: u32) -> Self {
        self.attempt = attempts;
        self
    }

    /// The delay before the next try.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.base.saturating_mul(1 << self.attempt.min(20)).min(self.max);
        self.attempt += 1;
        let half = ceiling / 2;
        half + rand::rng().random_range(Duration::ZERO..=ceiling - half)
    }

    /// Tries made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(DEFAULT_BASE, DEFAULT_MAX)
    }
}

#[cfg(test)]
mod tests;
