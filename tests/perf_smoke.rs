//! CI's perf smoke gates, each a same-run ratio that can fail:
//! - `goalstream bench flush --min-ratio-vs-unnest`: copy_merge against UNNEST on the same
//!   batches fails a deliberately slowed build (a sleep in every flush) with a non-zero exit
//!   status and the missed gate in its JSON. The normal build passes it in CI (`.ci/run`,
//!   release build); here, in a debug build on a shared machine, the normal run only has to
//!   measure a clearly higher ratio than the slowed one.
//! - `goalstream bench jobs --min-ratio-vs-single-slot`: batched claim + complete against the
//!   same queue drained by one slot.

mod support;

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_goalstream");

fn bench(delay_ms: u64) -> (bool, serde_json::Value, String) {
    let schema = format!("test_perf_{}_{delay_ms}", std::process::id());
    let mut command = Command::new(BIN);
    command
        .args(["bench", "flush", "--rows", "5000", "--batch", "1000", "--schema", &schema])
        .args(["--strategies", "unnest,copy_merge", "--min-ratio-vs-unnest", "0.3", "--json"])
        .env("GOALSTREAM_TEST_FLUSH_DELAY_MS", delay_ms.to_string());
    run_json(command)
}

/// Runs a bench on the test database: its exit status, its last JSON line and its stdout.
fn run_json(mut command: Command) -> (bool, serde_json::Value, String) {
    let output = command
        .env("DATABASE_URL", support::database_url())
        .env("RUST_LOG", "warn")
        .env_remove("GOALSTREAM_CONFIG")
        .output()
        .expect("goalstream runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or("");
    let json: serde_json::Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
    (output.status.success(), json, stdout)
}

fn worst_ratio(json: &serde_json::Value) -> f64 {
    json["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["measured"].as_f64().unwrap())
        .fold(f64::MAX, f64::min)
}

#[test]
fn a_slowed_flush_fails_the_same_run_ratio_gate() {
    let (_, normal, normal_out) = bench(0);
    let (success, slowed, slowed_out) = bench(200);
    assert!(!success, "the exit status follows the gate: {slowed_out}");
    assert_eq!(slowed["passed"], false, "{slowed_out}");
    let gates = slowed["gates"].as_array().unwrap();
    assert_eq!(gates.len(), 2, "insert and update at batch 1000: {slowed_out}");
    assert!(gates.iter().all(|g| g["met"] == false && g["threshold"] == 0.3), "{slowed_out}");
    assert!(
        worst_ratio(&normal) > 3.0 * worst_ratio(&slowed),
        "the normal build's ratio is clearly higher: {normal_out}\n{slowed_out}"
    );
}

fn bench_jobs(min_ratio: &str) -> (bool, serde_json::Value, String) {
    let mut command = Command::new(BIN);
    command.args(["bench", "jobs", "--jobs", "3000", "--after-completions", "0"]).args([
        "--only",
        "throughput",
        "--min-ratio-vs-single-slot",
        min_ratio,
        "--json",
    ]);
    run_json(command)
}

/// The job queue's gate: batched claim + complete against the same queue drained by one slot,
/// in the same run. A gate the run cannot meet fails the exit status and says so in the JSON;
/// a reachable one (batched claims are far more than 2x one-at-a-time, even in a debug build)
/// passes.
#[test]
fn the_job_queue_gate_judges_batched_claims_against_one_slot() {
    let (success, json, out) = bench_jobs("2");
    assert!(success, "{out}");
    let gate = &json["gates"][0];
    assert_eq!(
        (gate["name"].as_str(), gate["met"].as_bool()),
        (Some("claim_complete_vs_single_slot"), Some(true)),
        "{out}"
    );
    let measured = gate["measured"].as_f64().unwrap();
    let (success, json, out) = bench_jobs(&format!("{}", measured * 1_000.0));
    assert!(!success, "an unreachable gate fails the exit status: {out}");
    assert_eq!(json["passed"], false, "{out}");
    assert!(out.contains("gate MISSED: claim_complete_vs_single_slot"), "{out}");
}
