//! Unit tests of `error`.

use super::*;

#[test]
fn classifies_sqlstates() {
    assert!(is_retryable_state(&SqlState::T_R_SERIALIZATION_FAILURE));
    assert!(is_retryable_state(&SqlState::T_R_DEADLOCK_DETECTED));
    assert!(is_retryable_state(&SqlState::ADMIN_SHUTDOWN));
    assert!(is_retryable_state(&SqlState::CONNECTION_FAILURE));
    assert!(is_retryable_state(&SqlState::TOO_MANY_CONNECTIONS));
    assert!(!is_retryable_state(&SqlState::NUMERIC_VALUE_OUT_OF_RANGE));
    assert!(!is_retryable_state(&SqlState::UNIQUE_VIOLATION));
    assert!(!is_retryable_state(&SqlState::CHECK_VIOLATION));
    assert!(!StoreError::Fenced { moved_by_others: 1, expected: 2 }.is_retryable());
}

#[test]
fn only_a_database_error_can_be_a_lost_insert_race() {
    assert!(!StoreError::Invalid("x".into()).is_insert_race());
    assert!(!StoreError::Fenced { moved_by_others: 1, expected: 2 }.is_insert_race());
}
