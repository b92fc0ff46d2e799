//! Unit tests of `service`.

use super::*;

#[test]
fn the_default_queues_include_the_builtin_ones() {
    let queues: Vec<&str> = DEFAULT_QUEUES.split(',').collect();
    assert!(queues.contains(&crate::types::DEFAULT_QUEUE));
    assert!(queues.contains(&crate::types::reward::QUEUE));
}
