//! The verdict: what reached the database against what was produced. For every increment
//! goal a player has by default, its progress must equal the sum of the deltas produced for
//! the player's stat: less is a lost increment, more one applied twice.
//!
//! Left out, and counted: goals whose period rotated during the run (their progress reset
//! on purpose) and rows claimed during the run (a claimed row takes no more progress).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use crate::catalog::{Catalog, Mode};
use crate::store::{progress_query, StoreError};

/// Produced delta sums per `(user_id, stat_code)`.
pub type DeltaSums = HashMap<(String, String), i64>;

/// Database vs produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// `(player, goal)` rows compared.
    pub checked_rows: u64,
    /// Rows short of the produced sum (or missing).
    pub lost_rows: u64,
    /// Rows above the produced sum.
    pub duplicated_rows: u64,
    /// Increments missing in total (delta units).
    pub lost: i64,
    /// Increments applied more than once in total (delta units).
    pub duplicated: i64,
    /// Rows left out because they were claimed during the run.
    pub claimed_rows_skipped: u64,
    /// Goals left out because their period rotated during the run.
    pub rotated_goals_skipped: Vec<String>,
}

impl Verdict {
    /// Nothing lost, nothing applied twice, and something was checked.
    pub fn ok(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.lost_rows == 0 && self.duplicated_rows == 0
    }
}

/// Reads the increment goals' rows and compares them with `sums`, produced between `started`
/// and `ended`.
pub async fn check<C: GenericClient>(
    client: &C,
    catalog: &Catalog,
    sums: &DeltaSums,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
) -> Result<Verdict, StoreError> {
    let (goals, rotated) = checked_goals(catalog, started, ended);
    let ids: Vec<String> = goals.keys().cloned().collect();
    let rows = progress_query::by_goals(client, &ids).await?;
    let mut verdict = compare(&goals, sums, &rows);
    verdict.rotated_goals_skipped = rotated;
    Ok(verdict)
}

/// Increment goals every player has, by id → stat, and the ids of those whose period changed
/// between `started` and `ended`.
pub fn checked_goals(
    catalog: &Catalog,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
) -> (HashMap<String, String>, Vec<String>) {
    let mut goals = HashMap::new();
    let mut rotated = Vec::new();
    for goal in catalog.goals() {
        if goal.mode != Mode::Increment || !goal.default_assigned {
            continue;
        }
        if goal.rotation.period_end(started) != goal.rotation.period_end(ended) {
            rotated.push(goal.goal_id.clone());
            continue;
        }
        goals.insert(goal.goal_id.clone(), goal.stat_code.clone());
    }
    rotated.sort();
    (goals, rotated)
}

/// Compares rows `(user, goal, progress, status)` with the sums, for the goals given (id →
/// stat). A produced sum without a row counts as lost.
pub fn compare(
    goals: &HashMap<String, String>,
    sums: &DeltaSums,
    rows: &[(String, String, i64, String)],
) -> Verdict {
    let mut verdict = Verdict::default();
    let mut seen: HashMap<(&str, &str), ()> = HashMap::new();
    for (user, goal, progress, status) in rows {
        let Some(stat) = goals.get(goal) else { continue };
        seen.insert((user.as_str(), goal.as_str()), ());
        if status == "claimed" {
            verdict.claimed_rows_skipped += 1;
            continue;
        }
        let expected = sums.get(&(user.clone(), stat.clone())).copied().unwrap_or(0);
        verdict.checked_rows += 1;
        if *progress < expected {
            verdict.lost_rows += 1;
            verdict.lost += expected - progress;
        } else if *progress > expected {
            verdict.duplicated_rows += 1;
            verdict.duplicated += progress - expected;
        }
    }
    for ((user, stat), sum) in sums {
        for (goal, goal_stat) in goals {
            if goal_stat == stat && *sum > 0 && !seen.contains_key(&(user.as_str(), goal.as_str()))
            {
                verdict.checked_rows += 1;
                verdict.lost_rows += 1;
                verdict.lost += sum;
            }
        }
    }
    verdict
}

#[cfg(test)]
mod tests;
