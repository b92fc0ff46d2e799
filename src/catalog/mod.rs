//! The challenge catalog: goals loaded from `config/challenges.json`, validated once at start.
//!
//! The pipeline looks goals up by `stat_code` for every event, so the catalog keeps that index
//! and hands out small [`GoalRef`] indexes instead of strings.

mod goal;
pub mod ids;
pub mod mapping;
mod rotation;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::path::Path;

pub use goal::{Challenge, Goal, Mode, Reward};
pub use ids::{check_id as check_external_id, IdProblem};
pub use mapping::{Mapping, Mappings};
pub use rotation::Rotation;

use goal::CatalogFile;

/// Longest id accepted anywhere (goal, challenge, stat code), matching event validation.
pub const MAX_ID_LEN: usize = 100;

/// The example catalog (`config/challenges.json`), built in: `demo` works from any directory.
pub const EXAMPLE: &str = include_str!("../../config/challenges.json");

/// Index of a goal in [`Catalog::goals`]; cheap to copy and hash in the buffer.
pub type GoalRef = u32;

/// Index of a stat code that feeds at least one goal; resolved once per event.
pub type StatRef = u32;

/// A catalog that could not be loaded; the message names the goal and the field.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be read.
    #[error("cannot read catalog {path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// Why (a field named `source` would be printed twice by error reports).
        cause: std::io::Error,
    },
    /// The JSON does not have the catalog's shape.
    #[error("invalid catalog {path}: at {field}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// JSON path of the offending field, e.g. `challenges[0].goals[2].target`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A value breaks a rule.
    #[error("invalid catalog: {subject}: field `{field}`: {message}")]
    Invalid {
        /// `goal "id"` or `challenge "id"`.
        subject: String,
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A mapping breaks a rule.
    #[error("invalid catalog: at {at}: {message}")]
    Mapping {
        /// Path in the file, e.g. `mappings[0].stats[2].path`.
        at: String,
        /// What is wrong.
        message: String,
    },
}

/// The validated catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    goals: Vec<Goal>,
    challenges: Vec<Challenge>,
    by_id: HashMap<String, GoalRef>,
    stat_refs: HashMap<String, StatRef>,
    stat_goals: Vec<Vec<GoalRef>>,
    stat_codes: Vec<String>,
    mappings: Mappings,
}

impl Catalog {
    /// Reads and validates a catalog file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CatalogError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|cause| CatalogError::Io { path: shown.clone(), cause })?;
        Self::parse(&text, path.parent()).map_err(|error| match error {
            CatalogError::Parse { field, message, .. } => {
                CatalogError::Parse { path: shown, field, message }
            }
            other => other,
        })
    }

    /// Parses and validates catalog JSON (files it names are read relative to the working
    /// directory).
    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        Self::parse(text, None)
    }

    /// Parses and validates catalog JSON; files it names are read relative to `base`.
    pub fn parse(text: &str, base: Option<&Path>) -> Result<Self, CatalogError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let file: CatalogFile =
            serde_path_to_error::deserialize(&mut de).map_err(|error| CatalogError::Parse {
                path: "<json>".into(),
                field: error.path().to_string(),
                message: error.inner().to_string(),
            })?;
        Self::build(file, base)
    }

    /// Every goal, in file order; a [`GoalRef`] indexes this slice.
    pub fn goals(&self) -> &[Goal] {
        &self.goals
    }

    /// Every challenge, in file order.
    pub fn challenges(&self) -> &[Challenge] {
        &self.challenges
    }

    /// The goal behind a reference.
    pub fn goal(&self, goal: GoalRef) -> &Goal {
        &self.goals[goal as usize]
    }

    /// Looks a goal up by id.
    pub fn goal_ref(&self, goal_id: &str) -> Option<GoalRef> {
        self.by_id.get(goal_id).copied()
    }

    /// Goals fed by events with this stat code (empty for an unknown stat).
    pub fn goals_for_stat(&self, stat_code: &str) -> &[GoalRef] {
        self.stat_ref(stat_code).map_or(&[], |stat| self.goals_of(stat))
    }

    /// The stat code's index, or `None` when no goal reads it.
    pub fn stat_ref(&self, stat_code: &str) -> Option<StatRef> {
        self.stat_refs.get(stat_code).copied()
    }

    /// The code of a stat.
    pub fn stat_code(&self, stat: StatRef) -> &str {
        &self.stat_codes[stat as usize]
    }

    /// How topics' events map onto stats.
    pub fn mappings(&self) -> &Mappings {
        &self.mappings
    }

    /// Moves topic `from`'s mappings to topic `to` ([`Mappings::rename_topic`]).
    pub fn rename_topic(&mut self, from: &str, to: &str) -> bool {
        self.mappings.rename_topic(from, to)
    }

    /// Goals fed by a stat.
    pub fn goals_of(&self, stat: StatRef) -> &[GoalRef] {
        &self.stat_goals[stat as usize]
    }

    fn build(file: CatalogFile, base: Option<&Path>) -> Result<Self, CatalogError> {
        let mut goals = Vec::new();
        let mut challenges = Vec::new();
        let mut challenge_ids = HashSet::new();
        let mut by_id = HashMap::new();
        for challenge in file.challenges {
            let subject = || format!("challenge {:?}", challenge.challenge_id);
            check_id(&challenge.challenge_id, subject, "challenge_id")?;
            if !challenge_ids.insert(challenge.challenge_id.clone()) {
                return Err(invalid(subject(), "challenge_id", "duplicate challenge id"));
            }
            if challenge.goals.is_empty() {
                return Err(invalid(subject(), "goals", "a challenge needs at least one goal"));
            }
            let mut members = Vec::with_capacity(challenge.goals.len());
            for g in challenge.goals {
                let subject = || format!("goal {:?}", g.goal_id);
                check_id(&g.goal_id, subject, "goal_id")?;
                check_id(&g.stat_code, subject, "stat_code")?;
                if g.target <= 0 {
                    return Err(invalid(
                        subject(),
                        "target",
                        format!("must be > 0, got {}", g.target),
                    ));
                }
                if g.reward.quantity <= 0 {
                    let got = g.reward.quantity;
                    return Err(invalid(
                        subject(),
                        "reward.quantity",
                        format!("must be > 0, got {got}"),
                    ));
                }
                if g.reward.kind.is_empty() || g.reward.item_id.is_empty() {
                    return Err(invalid(subject(), "reward", "type and item_id must not be empty"));
                }
                let index = GoalRef::try_from(goals.len()).expect("fewer than 4 billion goals");
                if by_id.insert(g.goal_id.clone(), index).is_some() {
                    return Err(invalid(subject(), "goal_id", "duplicate goal id"));
                }
                members.push(goals.len());
                goals.push(Goal {
                    goal_id: g.goal_id,
                    challenge_id: challenge.challenge_id.clone(),
                    name: g.name,
                    stat_code: g.stat_code,
                    mode: g.mode,
                    target: g.target,
                    default_assigned: g.default_assigned,
                    rotation: g.rotation.unwrap_or(challenge.rotation),
                    prerequisites: g.prerequisites,
                    reward: g.reward,
                });
            }
            challenges.push(Challenge {
                challenge_id: challenge.challenge_id,
                name: challenge.name,
                goals: members,
            });
        }
        if goals.is_empty() {
            return Err(invalid("catalog".into(), "challenges", "the catalog has no goals"));
        }
        check_prerequisites(&goals, &by_id)?;
        let mut stat_refs: HashMap<String, StatRef> = HashMap::new();
        let mut stat_goals: Vec<Vec<GoalRef>> = Vec::new();
        let mut stat_codes = Vec::new();
        for (index, goal) in goals.iter().enumerate() {
            let index = GoalRef::try_from(index).expect("checked above");
            let stat = *stat_refs.entry(goal.stat_code.clone()).or_insert_with(|| {
                stat_goals.push(Vec::new());
                stat_codes.push(goal.stat_code.clone());
                StatRef::try_from(stat_goals.len() - 1).expect("fewer stats than goals")
            });
            stat_goals[stat as usize].push(index);
        }
        let mappings = mapping::build(file.mappings, |code| stat_refs.get(code).copied(), base)?;
        Ok(Catalog { goals, challenges, by_id, stat_refs, stat_goals, stat_codes, mappings })
    }
}

fn invalid(subject: String, field: &'static str, message: impl Into<String>) -> CatalogError {
    CatalogError::Invalid { subject, field, message: message.into() }
}

fn check_id(
    id: &str,
    subject: impl Fn() -> String,
    field: &'static str,
) -> Result<(), CatalogError> {
    if id.trim().is_empty() {
        return Err(invalid(subject(), field, "must not be empty"));
    }
    ids::check_id(id, MAX_ID_LEN).map_err(|problem| invalid(subject(), field, problem.to_string()))
}

/// Every prerequisite names an existing goal, and following them never loops.
fn check_prerequisites(
    goals: &[Goal],
    by_id: &HashMap<String, GoalRef>,
) -> Result<(), CatalogError> {
    for goal in goals {
        for prerequisite in &goal.prerequisites {
            if !by_id.contains_key(prerequisite) {
                return Err(invalid(
                    format!("goal {:?}", goal.goal_id),
                    "prerequisites",
                    format!("unknown goal {prerequisite:?}"),
                ));
            }
        }
    }
    // Depth-first search with three colours: a grey goal reached again closes a cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    fn visit(
        at: usize,
        goals: &[Goal],
        by_id: &HashMap<String, GoalRef>,
        colour: &mut [Colour],
    ) -> Result<(), CatalogError> {
        colour[at] = Colour::Grey;
        for prerequisite in &goals[at].prerequisites {
            let next = by_id[prerequisite] as usize;
            match colour[next] {
                Colour::Grey => {
                    return Err(invalid(
                        format!("goal {:?}", goals[at].goal_id),
                        "prerequisites",
                        format!("cycle through goal {prerequisite:?}"),
                    ))
                }
                Colour::White => visit(next, goals, by_id, colour)?,
                Colour::Black => {}
            }
        }
        colour[at] = Colour::Black;
        Ok(())
    }
    let mut colour = vec![Colour::White; goals.len()];
    for start in 0..goals.len() {
        if colour[start] == Colour::White {
            visit(start, goals, by_id, &mut colour)?;
        }
    }
    Ok(())
}
