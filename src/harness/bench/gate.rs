//! Same-run ratio gates: a benchmark passes when one strategy beats another measured in the
//! same run by at least a factor. A ratio of two rows of one run holds on a busy or slow
//! machine where an absolute time would not, and still fails a build whose own path got
//! slower (CI's perf smoke: `goalstream bench flush --min-ratio-vs-per-row R
//! --min-ratio-vs-unnest R`). The per-row baseline commits every row, so its rate follows the
//! machine's fsync latency and a gate on it catches only gross slowdowns; UNNEST writes the
//! same batches in one statement and transaction each, so a gate on it catches a flush that
//! got a few times slower.

use super::flush::{FlushResult, Strategy};

/// One gate: what was compared, the bound, the run's ratio and whether it held.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gate {
    /// What is compared, e.g. `copy_merge_vs_per_row_insert_batch_1000`.
    pub name: String,
    /// The least ratio that passes.
    pub threshold: f64,
    /// The run's ratio.
    pub measured: f64,
    /// Held?
    pub met: bool,
}

/// copy_merge's rows/s over `baseline`'s, for every (batch, workload) the run measured both
/// at, each required to be at least `min_ratio`. None measured both: one failed gate saying so.
pub fn copy_merge_vs(baseline: Strategy, results: &[FlushResult], min_ratio: f64) -> Vec<Gate> {
    let base = serde_json::to_value(baseline).expect("plain");
    let base = base.as_str().unwrap_or_default();
    let mut gates = Vec::new();
    for copy in results.iter().filter(|r| r.strategy == Strategy::CopyMerge) {
        let Some(other) = results.iter().find(|r| {
            r.strategy == baseline && r.batch == copy.batch && r.workload == copy.workload
        }) else {
            continue;
        };
        let measured = copy.rows_per_s / other.rows_per_s.max(f64::MIN_POSITIVE);
        let workload = format!("{:?}", copy.workload).to_lowercase();
        gates.push(Gate {
            name: format!("copy_merge_vs_{base}_{workload}_batch_{}", copy.batch),
            threshold: min_ratio,
            measured,
            met: measured >= min_ratio,
        });
    }
    if gates.is_empty() {
        gates.push(Gate {
            name: format!("copy_merge_vs_{base} (run both strategies)"),
            threshold: min_ratio,
            measured: 0.0,
            met: false,
        });
    }
    gates
}

/// An error naming every gate that did not hold (the run's exit status follows it).
pub fn ensure_met(gates: &[Gate]) -> anyhow::Result<()> {
    let missed: Vec<String> = gates
        .iter()
        .filter(|g| !g.met)
        .map(|g| format!("{} {:.1}x < {:.1}x", g.name, g.measured, g.threshold))
        .collect();
    anyhow::ensure!(missed.is_empty(), "perf gate failed: {}", missed.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests;
