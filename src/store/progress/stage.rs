//! The staging rows of a flush: coalesced updates encoded as the binary COPY payload of the
//! connection's temp staging table (`sql/progress/stage.sql`), one row per key.

use chrono::{DateTime, Utc};

use crate::catalog::Goal;
use crate::store::binary_copy::BinaryCopyBuf;
use crate::update::{Change, ProgressUpdate};

/// Columns of a staging row (`sql/progress/stage.sql`).
const STAGE_FIELDS: i16 = 11;
/// Rough size of one encoded staging row, to size the COPY buffer once.
const STAGE_ROW_BYTES: usize = 140;

/// Encodes the updates as staging rows: sorted by key, repeated keys folded in their
/// original (Kafka) order so no key reaches the merge twice. Returns the payload and the
/// number of rows.
pub(super) fn encode(
    goals: &[Goal],
    updates: &[ProgressUpdate],
    now: DateTime<Utc>,
) -> (bytes::Bytes, usize) {
    let mut order: Vec<&ProgressUpdate> = updates.iter().collect();
    // Stable: equal keys keep their relative (Kafka) order for the fold below.
    order.sort_by(|a, b| {
        (&*a.user_id, goals[a.goal as usize].goal_id.as_str())
            .cmp(&(&*b.user_id, goals[b.goal as usize].goal_id.as_str()))
    });
    let mut expires: Vec<Option<Option<DateTime<Utc>>>> = vec![None; goals.len()];
    let mut copy = BinaryCopyBuf::with_capacity(order.len() * STAGE_ROW_BYTES);
    let mut rows = order.iter().peekable();
    while let Some(first) = rows.next() {
        let mut change = first.change;
        while let Some(next) = rows.next_if(|n| n.user_id == first.user_id && n.goal == first.goal)
        {
            change.absorb(&next.change);
        }
        let goal = &goals[first.goal as usize];
        let expires_at =
            *expires[first.goal as usize].get_or_insert_with(|| goal.rotation.period_end(now));
        copy.row(STAGE_FIELDS);
        copy.text(&first.user_id);
        copy.text(&goal.goal_id);
        copy.int2(goal.mode.code());
        copy.int8(goal.target);
        copy.bool(goal.default_assigned);
        copy.opt_timestamptz(expires_at);
        let (first_value, first_delta, last_value, max_value, delta_sum) = match change {
            Change::Absolute { last, max } => (None, None, Some(last), Some(max), None),
            Change::Relative { first_value, first_delta, last, max } => {
                (Some(first_value), Some(first_delta), Some(last), Some(max), None)
            }
            Change::Increment { sum } => (None, None, None, None, Some(sum)),
        };
        for field in [first_value, first_delta, last_value, max_value, delta_sum] {
            copy.opt_int8(field);
        }
    }
    let staged = copy.rows();
    (copy.finish(), staged)
}
