//! Unit tests of the enqueue statement's client-side parts.

use super::*;

#[test]
fn ranks_count_per_queue_and_tenant_in_input_order() {
    let job = |queue: &str, tenant: &str| {
        NewJob::new("k", serde_json::Value::Null).in_queue(queue).for_tenant(tenant)
    };
    let jobs = [job("q", "a"), job("q", "b"), job("q", "a"), job("r", "a"), job("q", "a")];
    let (ranks, batches) = tenant_ranks(&jobs);
    assert_eq!(ranks, [0, 0, 1, 0, 2]);
    assert_eq!(batches, [3, 1, 3, 1, 3]);
}

#[test]
fn only_a_call_with_a_unique_key_gets_the_on_conflict_clause() {
    assert_eq!(ENQUEUE.matches(UNIQUE_KEYS_MARK).count(), 1);
    assert!(!ENQUEUE.contains("ON CONFLICT (kind, unique_key)"));
    assert!(ENQUEUE_UNIQUE.contains("ON CONFLICT (kind, unique_key)"));
    assert!(!ENQUEUE_UNIQUE.contains(UNIQUE_KEYS_MARK));
    let keyless = [NewJob::new("k", serde_json::Value::Null)];
    let keyed = [
        NewJob::new("k", serde_json::Value::Null),
        NewJob::new("k", serde_json::Value::Null).unique("u"),
    ];
    assert_eq!(enqueue_statement(&keyless), ENQUEUE);
    assert_eq!(enqueue_statement(&keyed), ENQUEUE_UNIQUE.as_str());
}
