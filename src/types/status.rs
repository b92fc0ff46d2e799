//! A goal's status per player (`user_goal_progress.status`).

use super::names::names;

names! {
    sql
    /// `not_started → in_progress → completed → claimed`; `completed` is sticky within a
    /// period, `claimed` is set only by the claim API.
    pub enum GoalStatus ("goal status") {
        /// No event applied yet in this period.
        NotStarted => "not_started",
        /// At least one event applied, target not reached.
        InProgress => "in_progress",
        /// Target reached in this period; the reward can be claimed.
        Completed => "completed",
        /// The reward was claimed in this period.
        Claimed => "claimed",
    }
}
