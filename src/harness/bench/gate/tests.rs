//! Unit tests of `gate`.

use super::*;
use crate::harness::bench::flush::Workload;

fn result(strategy: Strategy, workload: Workload, rows_per_s: f64) -> FlushResult {
    FlushResult {
        strategy,
        batch: 1_000,
        workload,
        rows: 2_000,
        rows_per_s,
        batch_ms_p50: 1.0,
        batch_ms_p99: 1.0,
        hot_update_pct: None,
    }
}

#[test]
fn each_workload_is_gated_on_its_own_same_run_ratio() {
    let results = [
        result(Strategy::PerRow, Workload::Insert, 4_000.0),
        result(Strategy::CopyMerge, Workload::Insert, 120_000.0),
        result(Strategy::PerRow, Workload::Update, 4_000.0),
        result(Strategy::CopyMerge, Workload::Update, 20_000.0),
    ];
    let gates = copy_merge_vs(Strategy::PerRow, &results, 10.0);
    assert_eq!(gates.len(), 2);
    assert_eq!(gates[0].name, "copy_merge_vs_per_row_insert_batch_1000");
    assert!(gates[0].met && (gates[0].measured - 30.0).abs() < 1e-9);
    assert!(!gates[1].met && (gates[1].measured - 5.0).abs() < 1e-9);
}

#[test]
fn a_run_without_both_strategies_fails_its_gate() {
    let only = [result(Strategy::CopyMerge, Workload::Insert, 1.0)];
    let gates = copy_merge_vs(Strategy::Unnest, &only, 0.5);
    assert_eq!(gates.len(), 1);
    assert!(!gates[0].met && gates[0].name.starts_with("copy_merge_vs_unnest"), "{gates:?}");
}
