//! A goal as the pipeline uses it, and the catalog file's shape.

use serde::{Deserialize, Serialize};

use super::rotation::Rotation;

/// How a goal turns events into progress (DESIGN.md, Merge rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Progress is the latest `value` of the stat.
    Absolute,
    /// Progress is `value` minus the stat's value at the start of the period.
    Relative,
    /// Progress is the sum of `delta`s.
    Increment,
}

impl Mode {
    /// The code stored in the flush staging table (`0` absolute, `1` relative, `2` increment).
    pub fn code(self) -> i16 {
        match self {
            Mode::Absolute => 0,
            Mode::Relative => 1,
            Mode::Increment => 2,
        }
    }

    /// Whether the goal reads an event's `value` (absolute, relative) or its `delta` (increment).
    pub fn reads_value(self) -> bool {
        !matches!(self, Mode::Increment)
    }
}

/// What a player gets for claiming a completed goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// Reward type, e.g. `currency` or `item`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What is granted (currency code, item id).
    pub item_id: String,
    /// How many (> 0).
    pub quantity: i64,
}

/// One goal of the catalog, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Goal {
    /// Unique goal id (the `goal_id` column).
    pub goal_id: String,
    /// The challenge this goal belongs to.
    pub challenge_id: String,
    /// Display name.
    pub name: String,
    /// Events with this `stat_code` feed the goal.
    pub stat_code: String,
    /// How events become progress.
    pub mode: Mode,
    /// Progress needed to complete (> 0).
    pub target: i64,
    /// Whether every player has the goal without an explicit assignment.
    pub default_assigned: bool,
    /// When progress resets.
    pub rotation: Rotation,
    /// Goals that must be claimed before this one can be claimed.
    pub prerequisites: Vec<String>,
    /// What claiming grants.
    pub reward: Reward,
}

/// A challenge: a named group of goals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    /// Unique challenge id.
    pub challenge_id: String,
    /// Display name.
    pub name: String,
    /// Indexes into [`super::Catalog::goals`], in file order.
    pub goals: Vec<usize>,
}

/// `config/challenges.json` as written by people.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CatalogFile {
    pub challenges: Vec<ChallengeFile>,
    /// How topics' events map onto stats (none: every topic uses the built-in shape).
    #[serde(default)]
    pub mappings: Vec<super::mapping::MappingFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChallengeFile {
    pub challenge_id: String,
    pub name: String,
    /// Default rotation for the challenge's goals.
    #[serde(default)]
    pub rotation: Rotation,
    pub goals: Vec<GoalFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GoalFile {
    pub goal_id: String,
    pub name: String,
    pub stat_code: String,
    pub mode: Mode,
    pub target: i64,
    #[serde(default)]
    pub default_assigned: bool,
    /// Overrides the challenge's rotation.
    pub rotation: Option<Rotation>,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    pub reward: Reward,
}
