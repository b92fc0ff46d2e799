//! Unit tests of `report`.

use super::*;

fn sample(t_s: f64, rss_kib: u64) -> Sample {
    Sample {
        t_s,
        produced: 0,
        consumed: 0,
        durable: 0,
        durable_per_s: 0.0,
        lag: 0,
        in_flight: 0,
        rss_kib,
    }
}

#[test]
fn memory_growth_is_measured_after_warm_up() {
    let samples: Vec<Sample> =
        (0..=100).map(|t| sample(t as f64, if t < 10 { 10_240 } else { 102_400 })).collect();
    let memory = Memory::of(&samples);
    assert_eq!(memory.warm_mib, 100.0);
    assert_eq!(memory.end_mib, 100.0);
    assert_eq!(memory.growth_pct, 0.0);
    assert_eq!(memory.second_half_growth_pct, 0.0);
    let growing: Vec<Sample> = (0..=10).map(|t| sample(t as f64, 1_000 + t * 100)).collect();
    let growth = Memory::of(&growing).second_half_growth_pct;
    assert!((growth - 100.0 / 3.0).abs() < 1e-9, "{growth}");
    assert_eq!(Memory::of(&[]), Memory::default());
}
