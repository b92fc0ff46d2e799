//! Unit tests of the job statements' client-side parts.

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
