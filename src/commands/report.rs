//! Progress lines and the summary printed by `demo`, `run` and `replay`.

use std::io::IsTerminal;
use std::time::Duration;

use crate::store::progress_query::ProgressRow;
use crate::telemetry::IngestStats;

/// One progress line on stderr (rewritten in place on a terminal).
pub fn progress_line(
    stats: &IngestStats,
    produced: Option<u64>,
    elapsed: Duration,
    last_durable: &mut u64,
) {
    let durable = IngestStats::get(&stats.durable);
    let rate = (durable - *last_durable) as f64 / 0.5;
    *last_durable = durable;
    let produced = produced.map_or(String::new(), |p| format!("produced {p:>9}  "));
    let line = format!(
        "{produced}consumed {:>9}  durable {:>9}  {:>8.0} ev/s  flushes {:>6}  dead letters {:>5}  [{:.0}s]",
        IngestStats::get(&stats.consumed),
        durable,
        rate,
        IngestStats::get(&stats.flushes),
        IngestStats::get(&stats.dead_lettered),
        elapsed.as_secs_f64()
    );
    if std::io::stderr().is_terminal() {
        eprint!("\r{line}");
    } else {
        eprintln!("{line}");
    }
}

/// The end-of-run summary.
pub fn summary(stats: &IngestStats, elapsed: Duration, sample: &[ProgressRow]) {
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    let get = IngestStats::get;
    let durable = get(&stats.durable);
    let (p50, samples) = stats.latency_quantile_ms(0.5);
    let (p99, _) = stats.latency_quantile_ms(0.99);
    let flushes = get(&stats.flushes).max(1);
    println!("summary");
    println!("  events in         {:>12}", get(&stats.consumed));
    println!(
        "  events durable    {:>12}  ({:.0} events/s over {:.1} s)",
        durable,
        durable as f64 / elapsed.as_secs_f64().max(1e-3),
        elapsed.as_secs_f64()
    );
    println!(
        "  flushes           {:>12}  ({} events per flush on average)",
        get(&stats.flushes),
        durable / flushes
    );
    println!(
        "  rows              {:>12}  inserted, {} updated, {} skipped (unassigned, inactive or claimed)",
        get(&stats.rows_inserted),
        get(&stats.rows_updated),
        get(&stats.rows_skipped)
    );
    println!("  goals completed   {:>12}", get(&stats.goals_completed));
    println!("  dead letters      {:>12}", get(&stats.dead_lettered));
    println!("  unknown stats     {:>12}  (counted, not dead-lettered)", get(&stats.unknown_stats));
    println!(
        "  duplicates        {:>12}  (already applied, skipped)",
        get(&stats.skipped_duplicates)
    );
    if samples > 0 {
        println!("  event→durable     p50 {p50} ms, p99 {p99} ms ({samples} events)");
    }
    if !sample.is_empty() {
        println!("sample rows");
        println!("  {:<16} {:<22} {:>9} {:<12}", "user_id", "goal_id", "progress", "status");
        for row in sample {
            println!(
                "  {:<16} {:<22} {:>9} {:<12}",
                row.user_id, row.goal_id, row.progress, row.status
            );
        }
    }
}
