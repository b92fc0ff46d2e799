//! Unit tests of the events: every closed label set is declared up front, and events land in
//! the families they name.

use std::time::Duration;

use super::*;
use crate::telemetry::labels::{
    FlushResult, RebalanceKind, RetryOperation, SkipReason, SlowLevel, Statement,
};
use crate::telemetry::metrics::global as metrics;
use crate::telemetry::metrics::Metrics;
use crate::telemetry::IngestStats;
use crate::types::JobState;

#[test]
fn every_label_value_of_a_closed_set_is_declared_at_start() {
    let text = Metrics::new().render();
    let expect = |series: String| assert!(text.contains(&series), "missing {series}");
    for outcome in FlushResult::ALL {
        expect(format!("goalstream_flushes_total{{outcome=\"{outcome}\"}} 0"));
    }
    for reason in SkipReason::ALL {
        expect(format!("goalstream_rows_skipped_total{{reason=\"{reason}\"}} 0"));
    }
    for kind in RebalanceKind::ALL {
        expect(format!("goalstream_rebalances_total{{kind=\"{kind}\"}} 0"));
    }
    for operation in RetryOperation::ALL {
        expect(format!("goalstream_retries_total{{operation=\"{operation}\"}} 0"));
    }
    for statement in Statement::ALL {
        expect(format!(
            "goalstream_db_statement_duration_seconds_count{{statement=\"{statement}\"}} 0"
        ));
        for level in SlowLevel::ALL {
            expect(format!(
                "goalstream_db_slow_statements_total{{level=\"{level}\",statement=\"{statement}\"}} 0"
            ));
        }
    }
    for kind in crate::telemetry::metrics::KNOWN_JOB_KINDS {
        expect(format!("goalstream_jobs_enqueued_total{{kind=\"{kind}\"}} 0"));
    }
}

#[test]
fn a_slow_statement_is_counted_at_its_level() {
    let count = || {
        metrics()
            .db_slow_statements
            .with_label_values(&[Statement::JobsDepth.as_str(), SlowLevel::Warn.as_str()])
            .get()
    };
    let before = count();
    StatementTimed { statement: Statement::JobsDepth, elapsed: Duration::from_millis(120) }.emit();
    StatementTimed { statement: Statement::JobsDepth, elapsed: Duration::from_millis(1) }.emit();
    assert_eq!(count(), before + 1);
}

#[test]
fn a_committed_flush_counts_in_the_pipeline_and_the_families() {
    let stats = IngestStats::default();
    let rows = || metrics().rows_inserted.get();
    let before = rows();
    FlushCommitted {
        records: 10,
        unknown_stats: 1,
        staged: 4,
        inserted: 3,
        updated: 1,
        skipped: [(SkipReason::Unassigned, 2), (SkipReason::Inactive, 0), (SkipReason::Claimed, 0)],
        completed: 1,
        dead_letters: 0,
        copy_bytes: 100,
        took: Some(Duration::from_millis(5)),
        latency: Some((2_000, &[1_000, 1_500])),
    }
    .emit(&stats);
    assert!(rows() >= before + 3);
    assert_eq!(IngestStats::get(&stats.durable), 10);
    assert_eq!(IngestStats::get(&stats.rows_skipped), 2);
    assert_eq!(stats.latency_quantile_ms(1.0), (1_000, 2));
}

#[test]
fn kinds_and_queues_nobody_declared_share_one_other_series() {
    let enqueued = |kind: &str| metrics().jobs_enqueued.with_label_values(&[kind]).get();
    let before = enqueued(crate::telemetry::bounded::OTHER);
    let kinds: Vec<String> = (0..50).map(|i| format!("request-made-kind-{i}")).collect();
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    JobsEnqueued { kinds: &kinds }.emit();
    assert_eq!(enqueued(crate::telemetry::bounded::OTHER), before + 50);
    let text = metrics().render();
    assert!(!text.contains("request-made-kind-"), "no series per request value");

    let depth: Vec<(&str, JobState, i16, i64)> = vec![
        ("undeclared-q1", JobState::Available, 3, 2),
        ("undeclared-q2", JobState::Available, 3, 5),
    ];
    let oldest = [("undeclared-q1", 4.0), ("undeclared-q2", 9.0)];
    QueueSampled { depth: &depth, oldest_available: &oldest }.emit();
    let queued = metrics().jobs_queued.with_label_values(&["other", "available", "3"]).get();
    assert_eq!(queued, 7, "the undeclared queues add up");
    let age = metrics().jobs_oldest_available_age.with_label_values(&["other"]).get();
    assert_eq!(age, 9.0);
    assert!(!metrics().render().contains("undeclared-q"));
}
