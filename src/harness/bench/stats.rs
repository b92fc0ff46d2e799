//! Small statistics helpers for benchmark reports.

use std::time::Duration;

/// The `p`-th percentile (0–100, nearest rank) of `samples`, in milliseconds; 0 when empty.
pub fn percentile_ms(samples: &[Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1_000.0
}

#[cfg(test)]
mod tests;
